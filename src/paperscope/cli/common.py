"""What every command shares: settings from options/env, opening the store, and
turning expected errors into one clear line instead of a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console

from paperscope.config import Settings
from paperscope.store import Store

console = Console()
err_console = Console(stderr=True)

DataDirOption = typer.Option(
    None,
    "--data-dir",
    envvar="PAPERSCOPE_DATA_DIR",
    help="Data folder (database, indexes). Default ./paperscope-data.",
)


class UserError(Exception):
    """An error caused by the user's input: printed as one line, exit code 2."""


def make_settings(data_dir: Path | None = None) -> Settings:
    try:
        return Settings(data_dir=data_dir) if data_dir else Settings()
    except ValidationError as exc:
        raise UserError(f"invalid setting: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from exc


@contextmanager
def open_store(settings: Settings) -> Iterator[Store]:
    store = Store.open(settings)
    try:
        yield store
    finally:
        store.close()


def run_app(app: typer.Typer) -> int:
    """Run the Typer app; expected errors become one red line on stderr."""
    from sqlalchemy.exc import OperationalError

    try:
        result = app(standalone_mode=False)
    except UserError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        return 2
    except OperationalError as exc:
        err_console.print(f"[red]database error:[/red] {exc.orig}")
        return 2
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("interrupted")
        return 130
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return int(result) if isinstance(result, int) else 0
