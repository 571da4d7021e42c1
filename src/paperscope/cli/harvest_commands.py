"""`paperscope harvest ...`: fetch papers from arXiv (OAI-PMH, RSS, the API)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

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
from paperscope.config import Settings

if TYPE_CHECKING:
    from paperscope.ingest.harvest import HarvestReport

harvest_app = typer.Typer(
    help="Fetch papers from arXiv: OAI-PMH (bulk, incremental), RSS or the API (recent).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.add_typer(harvest_app, name="harvest")


@harvest_app.command("arxiv")
def harvest_arxiv(
    set_spec: str | None = typer.Option(
        None, "--set", help="OAI-PMH set: an archive such as cs, math or physics:hep-th."
    ),
    from_date: date | None = day_option(
        "--from", "First datestamp (YYYY-MM-DD). Default: where the last harvest ended."
    ),
    until_date: date | None = day_option(
        "--until", "Last datestamp (YYYY-MM-DD). Default: open-ended."
    ),
    metadata_format: str = typer.Option(
        "arXiv", "--format", help="OAI-PMH metadata format: arXiv, arXivRaw or oai_dc."
    ),
    url: str | None = typer.Option(
        None,
        "--url",
        help="Endpoint instead of the configured one (OAI-PMH, or RSS/API with --recent).",
    ),
    recent: bool = typer.Option(
        False,
        "--recent",
        help="Only the latest announcement of --category, dated for the daily feed.",
    ),
    categories: list[str] = typer.Option(
        [],
        "--category",
        help="Category for --recent (cs.LG, or an archive such as cs); repeatable.",
    ),
    via: str = typer.Option("rss", "--via", help="Source for --recent: rss or api."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Harvest arXiv metadata into the store, resuming an interrupted harvest."""
    from paperscope.ingest.harvest_http import endpoint_problem

    problem = endpoint_problem(url) if url is not None else None
    if problem:
        raise UserError(f"--url: {problem}; give the endpoint as http(s)://host/path")
    settings = make_settings(data_dir)
    if recent:
        _run_recent(settings, categories, via, url)
        return
    if categories:
        raise UserError("--category is for --recent; use --set to harvest an archive over OAI-PMH")
    _run_oai(
        settings,
        set_spec=set_spec,
        from_date=from_date,
        until_date=until_date,
        metadata_format=metadata_format,
        url=url,
    )


def _run_oai(
    settings: Settings,
    *,
    set_spec: str | None,
    from_date: date | None,
    until_date: date | None,
    metadata_format: str,
    url: str | None,
) -> None:
    from paperscope.ingest.harvest import HarvestError, HarvestIncomplete, harvest_oai

    with open_store(settings) as store, progress_bar() as progress:
        task = progress.add_task("harvesting", total=None)

        def on_progress(report: HarvestReport) -> None:
            progress.update(task, completed=report.records, total=report.complete_list_size)

        try:
            report = harvest_oai(
                settings=settings,
                store=store,
                metadata_prefix=metadata_format,
                set_spec=set_spec,
                from_date=from_date,
                until_date=until_date,
                url=url,
                on_progress=on_progress,
                on_retry=print_retry,
            )
        except HarvestIncomplete as exc:
            progress.stop()
            _print_summary(exc.report)
            err_console.print(f"[red]harvest stopped:[/red] {exc}")
            raise typer.Exit(1) from None
        except HarvestError as exc:
            raise UserError(str(exc)) from None
    _print_summary(report)


def _run_recent(settings: Settings, categories: list[str], via: str, url: str | None) -> None:
    from paperscope.ingest.harvest import HarvestError, harvest_recent

    if via not in ("rss", "api"):
        raise UserError(f"--via must be rss or api, not {via!r}")
    if url:
        field = "arxiv_rss_url" if via == "rss" else "arxiv_api_url"
        settings = settings.model_copy(update={field: url})
    with open_store(settings) as store:
        try:
            report = harvest_recent(
                settings=settings,
                store=store,
                categories=categories,
                via="rss" if via == "rss" else "api",
                on_retry=print_retry,
            )
        except HarvestError as exc:
            raise UserError(str(exc)) from None
    day = report.announced.isoformat() if report.announced else "no announcement"
    console.print(
        f"{', '.join(report.categories)} via {report.via}, announced {day}: "
        f"{report.found} papers ({report.in_feed} in the daily feed): "
        f"{report.new} new, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.rejected)} rejected, {report.retries} retries"
    )
    print_rejected(report.rejected, len(report.rejected), noun="rejected records")


@harvest_app.command("status")
def harvest_status(data_dir: Path | None = DataDirOption) -> None:
    """Show every harvest's checkpoint: where it resumes, where the next one starts."""
    from paperscope.store.harvest_state import list_harvest_states

    settings = make_settings(data_dir)
    with open_store(settings) as store:
        states = list_harvest_states(store=store)
    if not states:
        console.print("no harvests yet")
        return
    table = Table("harvest", "saved", "state", "next --from")
    for name, updated, state in states:
        run = state.get("run")
        if run:
            done = f"{run.get('records', 0)}/{run.get('complete_list_size') or '?'}"
            status = f"interrupted at {done} records, resumes from its token"
        else:
            status = "complete"
        table.add_row(name, f"{updated:%Y-%m-%d %H:%M}", status, state.get("last_until") or "-")
    console.print(table)


def _print_summary(report: HarvestReport) -> None:
    window = f"{report.from_date or 'the beginning'} to {report.until_date or 'now'}"
    resumed = " (resumed)" if report.resumed else ""
    console.print(
        f"harvested {window}{resumed}: {report.pages} pages, {report.records} records: "
        f"{report.new} new, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.rejected_count} rejected, {report.deleted} deleted; "
        f"{report.retries} retries, {report.restarts} token restarts"
    )
    if report.complete and report.next_from:
        console.print(f"next harvest starts from {report.next_from}")
    print_rejected(report.rejected, report.rejected_count, noun="rejected records")
