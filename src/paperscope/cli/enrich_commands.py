"""`paperscope enrich ...`: add what outside catalogues know to the stored papers."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from paperscope.cli.common import (
    DataDirOption,
    UserError,
    console,
    day_option,
    err_console,
    make_settings,
    open_store,
)
from paperscope.cli.reporting import print_rejected, print_retry, progress_bar

if TYPE_CHECKING:
    from paperscope.ingest.enrich_openalex import EnrichReport

enrich_app = typer.Typer(
    help="Add data from outside catalogues to stored papers (OpenAlex citations).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.add_typer(enrich_app, name="enrich")


@enrich_app.command("openalex")
def enrich_openalex_command(
    since: date | None = day_option(
        "--since", "Only papers submitted on or after this day (YYYY-MM-DD)."
    ),
    limit: int | None = typer.Option(
        None, "--limit", min=1, help="Look up at most this many papers in this run."
    ),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Fetch citation counts and references from OpenAlex.

    Resumes where the last run stopped; counts older than OPENALEX_REFRESH_DAYS are
    fetched again. Exits 1 when OpenAlex kept failing for some papers."""
    from paperscope.ingest.enrich_openalex import enrich_openalex
    from paperscope.sources.openalex import OpenAlexError
    from paperscope.store.citations import citation_totals

    settings = make_settings(data_dir)
    with open_store(settings) as store, progress_bar() as progress:
        task = progress.add_task("looking up", total=None)

        def on_progress(report: EnrichReport) -> None:
            total = min(report.to_do, limit) if limit else report.to_do
            progress.update(task, completed=report.looked_up, total=total)

        try:
            report = enrich_openalex(
                settings=settings,
                store=store,
                since=since,
                limit=limit,
                on_progress=on_progress,
                on_retry=print_retry,
            )
        except OpenAlexError as exc:
            raise UserError(str(exc)) from None
        totals = citation_totals(store=store)
    _print_summary(report)
    console.print(
        f"in the store: {totals['with_counts']} papers with citation counts, "
        f"{totals['not_in_openalex']} not in OpenAlex, "
        f"{totals['references_in_store']} references between stored papers",
        highlight=False,
        soft_wrap=True,
    )
    if report.stopped:
        err_console.print("[red]enrichment stopped:[/red] ", end="")
        err_console.print(report.stopped, markup=False, soft_wrap=True, highlight=False)
        raise typer.Exit(1)
    if report.failed_batches:
        # OpenAlex kept failing for these papers: as much a failure as a stopped run.
        batches = "batch" if report.failed_batches == 1 else "batches"
        err_console.print("[red]enrichment incomplete:[/red] ", end="")
        err_console.print(
            f"OpenAlex kept failing for {report.failed_batches} {batches} of papers "
            "(listed above); they are asked for again on the next run",
            markup=False,
            soft_wrap=True,
            highlight=False,
        )
        raise typer.Exit(1)


def _print_summary(report: EnrichReport) -> None:
    if report.to_do == 0:
        console.print("nothing to look up: every paper with an arXiv id or DOI has fresh counts")
        return
    console.print(
        f"looked up {report.looked_up} of {report.to_do} papers without fresh citation "
        f"counts: {report.found} found in OpenAlex, {report.not_found} not in OpenAlex; "
        f"{report.references} references, {report.references_in_store} of them to papers "
        f"in the store; {report.requests} requests, {report.retries} retries, "
        f"{len(report.rejected)} rejected",
        highlight=False,
        soft_wrap=True,
    )
    print_rejected(report.rejected, len(report.rejected))
