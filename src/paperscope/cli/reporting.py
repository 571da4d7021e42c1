"""What the long-running commands (harvest, enrich) print while they work and after:
a progress bar, a line per retry and the first rejected records. Markup is off for
what a source sent: a reason may contain [brackets]."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from paperscope.cli.common import err_console

if TYPE_CHECKING:
    from paperscope.models import Rejected

REJECTED_SHOWN = 10


def progress_bar() -> Progress:
    """A bar on stderr that disappears when done, so the summary stands alone."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def print_retry(reason: str, wait: float) -> None:
    err_console.print(f"[yellow]retrying in {wait:.1f} s:[/yellow] ", end="")
    err_console.print(reason, markup=False, soft_wrap=True, highlight=False)


def print_rejected(rejected: Sequence[Rejected], count: int, *, noun: str = "rejected") -> None:
    """The first REJECTED_SHOWN of ``count`` rejected records, then how many more."""
    for item in rejected[:REJECTED_SHOWN]:
        err_console.print("[yellow]rejected[/yellow] ", end="")
        err_console.print(
            f"{item.location}: {item.reason}", markup=False, soft_wrap=True, highlight=False
        )
    if count > REJECTED_SHOWN:
        err_console.print(f"... and {count - REJECTED_SHOWN} more {noun}")
