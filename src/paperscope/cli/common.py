"""What every command shares: settings from options/env, opening the store, and
turning expected errors into one clear line instead of a traceback."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console

from paperscope.config import Settings
from paperscope.periods import PeriodError, parse_date
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


DAY_FORMAT = "YYYY-MM-DD"


def parse_day(value: str | date) -> date:
    """A day given on the command line: every date option reads it with
    periods.parse_date (as the Python API does) and refuses anything else with the
    same words."""
    if isinstance(value, date):
        return value
    try:
        return parse_date(value)
    except PeriodError as exc:
        raise typer.BadParameter(str(exc)) from None


def day_option(flag: str, help: str) -> Any:
    """An option whose value is a day (YYYY-MM-DD), None when not given."""
    return typer.Option(None, flag, parser=parse_day, metavar=DAY_FORMAT, help=help)


def given_path(text: str, what: str) -> Path:
    """A path argument as typed; an empty one is said to be empty (as a Path it would
    be ".", the current folder). ``what``: "the file to import"."""
    if not text.strip():
        raise UserError(f"the path is empty: name {what}")
    return Path(text)


def ask_password(label: str = "Password") -> str:
    """A new password, typed twice and hidden. The prompt ends the same way on Ctrl+C
    and at the end of the input (Ctrl+D, or a pipe with nothing more in it); only the
    first is an interrupt: the second means no password was given, said as a mistake
    (exit 2)."""
    with _noting_interrupts() as interrupted:
        try:
            return str(typer.prompt(label, hide_input=True, confirmation_prompt=True))
        except typer.Abort:
            if interrupted:
                raise
            raise UserError(
                "no password given: the input ended at the password prompt "
                "(type it when asked, or give --password)"
            ) from None


@contextmanager
def _noting_interrupts() -> Iterator[list[bool]]:
    """Whether Ctrl+C was pressed inside the block (a list that is then not empty)."""
    noted: list[bool] = []

    def note(signum: int, frame: FrameType | None) -> None:
        noted.append(True)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, note)
    except ValueError:  # not the main thread: every ending counts as an interrupt
        yield [True]
        return
    try:
        yield noted
    finally:
        signal.signal(signal.SIGINT, previous)


def no_such_user(username: str) -> UserError:
    """The one wording, in every command, for a username that no account has."""
    return UserError(f"no user {username!r} (`paperscope users list` shows them)")


def user_id_of(store: Store, username: str) -> int:
    """The account id of ``username``, or the one wording for a name no account has."""
    from paperscope.store.accounts import find_user

    found = find_user(store=store, username=username)
    if found is None:
        raise no_such_user(username)
    return found[0].user_id


def no_such_tag(username: str, tag: str, tags: Sequence[str]) -> UserError:
    """A tag none of the reader's saved papers carries, with the ``tags`` they do have."""
    known = f"their tags: {', '.join(tags)}" if tags else "they have no tags yet"
    return UserError(f"{username} has no saved paper tagged {tag!r} ({known})")


def reader_tags(store: Store, user_id: int) -> list[str]:
    """The tags the reader has put on saved papers."""
    from paperscope.store.library import list_tags

    return [name for name, _ in list_tags(store=store, user_id=user_id)]


def check_half(half: str) -> None:
    """--half of `eval beir` and `models finetune`: which of a dataset's queries to use."""
    if half not in ("all", "even", "odd"):
        raise UserError(f"--half {half!r}: use all, even or odd")


def make_settings(data_dir: Path | None = None) -> Settings:
    try:
        settings = Settings(data_dir=data_dir) if data_dir else Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UserError(f"invalid setting {first['loc']}: {first['msg']}") from exc
    _make_data_dir(settings.data_dir)
    return settings


def _make_data_dir(path: Path) -> None:
    """Create the data folder, or say why it cannot be used (--data-dir naming a file)."""
    if path.exists() and not path.is_dir():
        raise UserError(
            f"data folder {path} is a file; point --data-dir or PAPERSCOPE_DATA_DIR at a folder"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the data folder {path}: {exc.strerror}") from exc


@contextmanager
def open_store(settings: Settings) -> Iterator[Store]:
    store = Store.open(settings)
    try:
        yield store
    finally:
        store.close()


# Options whose value may be left out, and what they mean alone (`index --ray` starts a
# local Ray, `index --ray ADDRESS` joins a cluster). Click can declare such options but
# Typer cannot, so the value is filled in before parsing.
OPTIONAL_VALUES = {"--ray": "local"}


def fill_optional_values(args: list[str]) -> list[str]:
    filled: list[str] = []
    for position, arg in enumerate(args):
        filled.append(arg)
        following = args[position + 1] if position + 1 < len(args) else None
        if arg in OPTIONAL_VALUES and (following is None or following.startswith("-")):
            filled.append(OPTIONAL_VALUES[arg])
    return filled


def run_app(app: typer.Typer, args: list[str] | None = None) -> int:
    """Run the Typer app; expected errors become one red line on stderr."""
    from sqlalchemy.exc import OperationalError

    try:
        result = app(
            args=fill_optional_values(sys.argv[1:] if args is None else args), standalone_mode=False
        )
    except UserError as exc:
        _print_error("error", str(exc))
        return 2
    except OperationalError as exc:
        _print_error("database error", str(exc.orig))
        return 2
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("interrupted")
        return 130
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except Exception as exc:
        # Usage errors (unknown command, bad option value). Recognised by what they do,
        # not their class: recent Typer versions raise their own copy of click's.
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            return code
        raise
    return int(result) if isinstance(result, int) else 0


def _print_error(label: str, message: str) -> None:
    # markup off: messages quote user input, which may contain [brackets];
    # soft_wrap: one line even when stderr is not a terminal.
    err_console.print(f"[red]{label}:[/red] ", end="")
    err_console.print(message, markup=False, soft_wrap=True, highlight=False)
