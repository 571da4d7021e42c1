"""CLI commands for the ingest area: `import`, `export`, `stats`, `show` and `db`."""

from __future__ import annotations

import os
import re
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import typer

from paperscope.cli.common import (
    DataDirOption,
    UserError,
    console,
    err_console,
    given_path,
    make_settings,
    open_store,
)

if TYPE_CHECKING:
    from paperscope.ingest.pipeline import FileImport
    from paperscope.models import Paper, Profile
    from paperscope.store.stats import StoreStats

# The terminal lists this many rejected records; --json lists all the import kept.
SHOWN_REJECTIONS = 20
# More than every arXiv category (about 160), so the whole list fits.
MAX_TOP_CATEGORIES = 10_000

db_app = typer.Typer(
    help="Database schema: upgrade it, show its revision, check it.", no_args_is_help=True
)


class ImportFormat(StrEnum):
    auto = "auto"
    arxiv_snapshot = "arxiv-snapshot"
    oai_pmh = "oai-pmh"
    hf_daily = "hf-daily"
    text = "text"
    export = "export"


def import_command(
    path_text: str = typer.Argument(
        ..., metavar="PATH", help="File to import; gzip-compressed files are read as is."
    ),
    format_name: ImportFormat = typer.Option(
        ImportFormat.auto, "--format", help="Format of the file; auto detects it from the content."
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Stop at the first bad record (the records before it are kept)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the result as JSON, with the rejected records listed."
    ),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Import papers from a file, reporting the records it rejects.

    Formats: arXiv snapshot, OAI-PMH XML, HF daily papers, text or a paperscope export.
    Exits 1 when any record was rejected."""
    from paperscope.ingest.pipeline import SourceFileError, import_file

    path = given_path(path_text, "the file to import")
    chosen = format_name.value
    if format_name is ImportFormat.auto:
        chosen = _detected_format(path)
    settings = make_settings(data_dir)
    with (
        open_store(settings) as store,
        byte_progress(enabled=not as_json) as on_progress,
    ):
        try:
            result = import_file(
                store=store,
                path=path,
                format_name=chosen,
                strict=strict,
                on_progress=on_progress,
                max_line_bytes=settings.import_max_line_bytes,
            )
        except SourceFileError as exc:
            raise UserError(str(exc)) from exc
    if as_json:
        print(orjson.dumps(import_as_dict(result)).decode())
    else:
        print_import(result)
    if result.report.rejected:
        raise typer.Exit(1)


def _detected_format(path: Path) -> str:
    """The format of the papers in ``path``. A file in none of the formats is refused,
    and a bibliography (a reader's references, not a collection of papers) is sent to
    `paperscope library import`."""
    from paperscope.ingest.formats import SourceFileError, detect_format, read_head

    try:
        head = read_head(path)
    except SourceFileError as exc:
        raise UserError(str(exc)) from exc
    try:
        return detect_format(head, name=path.name)
    except SourceFileError as exc:
        bibliography = _bibliography_format(path)
        if bibliography is None:
            raise UserError(str(exc)) from exc
        raise UserError(
            f"{path.name} is a {bibliography} bibliography, not a collection of papers: "
            f"to save its papers to a reader's library, run "
            f"`paperscope library import USER {shlex.quote(str(path))}`"
        ) from exc


_BIBLIOGRAPHIES = {"bibtex": "BibTeX", "ris": "RIS", "csl-json": "CSL-JSON"}


def _bibliography_format(path: Path) -> str | None:
    """BibTeX, RIS or CSL-JSON when ``path`` reads as one (JSON only when its entries
    name papers as CSL-JSON does), else None."""
    from paperscope.references import (
        MAX_FILE_BYTES,
        ReferenceFormatError,
        guess_format,
        read_references,
    )

    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    try:
        found = guess_format(data.decode("utf-8", errors="replace"))
        if found == "csl-json":
            # Any JSON would do for the guess: some entry must name a paper.
            entries = read_references(data, format=found).references
            if not any(e.title or e.doi or e.arxiv_id for e in entries):
                return None
    except ReferenceFormatError:
        return None
    return _BIBLIOGRAPHIES.get(found)


def export_command(
    output: str = typer.Option("-", "--output", "-o", help="File to write, or - for stdout."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Export every paper as JSON lines that `paperscope import` reads back loss-free."""
    from paperscope.ingest.pipeline import export_store

    with open_store(make_settings(data_dir)) as store:
        if output == "-":
            count = export_store(store=store, out=sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            count = _export_to_file(store, Path(output))
    err_console.print(f"exported {count} papers", highlight=False)


def _export_to_file(store: Any, target: Path) -> int:
    """Write next to the target and rename: a failed export never leaves half a file."""
    from paperscope.ingest.pipeline import export_store

    if target.is_dir():
        raise UserError(f"{target} is a directory; give a file name for the export")
    try:
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise UserError(f"cannot write in {target.parent}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            count = export_store(store=store, out=out)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return count


def stats_command(
    top: int = typer.Option(
        20, "--top", min=1, max=MAX_TOP_CATEGORIES, help="How many categories to list."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Count papers: in total, by source, by category and by month of submission."""
    from paperscope.store.stats import store_stats

    with open_store(make_settings(data_dir)) as store:
        stats = store_stats(store=store, top_categories=top)
    if as_json:
        print(orjson.dumps(stats_as_dict(stats)).decode())
    else:
        print_stats(stats)


def show_command(
    paper_id: str = typer.Argument(
        ..., metavar="ID", help="arXiv id in any spelling (2401.12345v2, an arXiv URL) or ps-..."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the paper as JSON."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Show one paper."""
    from paperscope.store.papers import get_paper

    with open_store(make_settings(data_dir)) as store:
        paper = get_paper(store=store, paper_id=paper_id)
    if paper is None:
        raise UserError(f"no paper {paper_id!r} in the store; import it first")
    if as_json:
        print(orjson.dumps(paper_as_dict(paper)).decode())
    else:
        print_paper(paper)


def db_upgrade(data_dir: Path | None = DataDirOption) -> None:
    """Bring the database schema up to date (every command also does this on start)."""
    from paperscope.store import Store

    settings = make_settings(data_dir)
    store = Store.open(settings, upgrade=False)
    try:
        before = store.current_revision()
        store.upgrade()
        after = store.current_revision()
    finally:
        store.close()
    where = _safe_url(settings.resolved_database_url)
    if before == after:
        console.print(f"{where} is up to date (revision {after})", highlight=False)
    else:
        console.print(f"upgraded {where} from {before or 'empty'} to {after}", highlight=False)


def db_check(data_dir: Path | None = DataDirOption) -> None:
    """Check the database and the search indexes against it.

    Checks integrity, foreign keys and indexes; exit status 0 when all is well, 1 when
    something is wrong."""
    from paperscope.index.integrity import check_dense, check_lexical
    from paperscope.store.integrity import check_database

    settings = make_settings(data_dir)
    with open_store(settings) as store:
        sections = [
            check_database(store=store),
            check_lexical(settings=settings, store=store),
            check_dense(settings=settings, store=store),
        ]
    for section in sections:
        mark = "ok" if section.ok else "PROBLEMS"
        console.print(f"{section.name}: {mark}", highlight=False)
        for line in section.notes:
            console.print(f"  {line}", highlight=False, soft_wrap=True)
        for line in section.problems:
            console.print(f"  ✗ {line}", highlight=False, soft_wrap=True)
    if not all(section.ok for section in sections):
        raise typer.Exit(1)


def db_current(data_dir: Path | None = DataDirOption) -> None:
    """Print the database's schema revision and whether it is the latest."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from paperscope.store import Store
    from paperscope.store.database import MIGRATIONS_DIR

    settings = make_settings(data_dir)
    store = Store.open(settings, upgrade=False)
    try:
        current = store.current_revision()
    finally:
        store.close()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    state = "up to date" if current == head else f"behind {head}: run `paperscope db upgrade`"
    console.print(
        f"{_safe_url(settings.resolved_database_url)}: {current or 'empty'} ({state})",
        highlight=False,
    )


def _safe_url(url: str) -> str:
    """The database URL without its password, fit to print."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


# ---------------------------------------------------------------- output


@contextmanager
def byte_progress(*, enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar by bytes read, on stderr and only on a terminal, so piped and
    --json output stay clean."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not (enabled and err_console.is_terminal),
    )
    task = progress.add_task("importing", total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    with progress:
        yield update


def import_as_dict(result: FileImport) -> dict[str, Any]:
    report = result.report
    return {
        "path": str(result.path),
        "format": result.format,
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected_count": report.rejected_count,
        # The first rejected records (all of them up to the import's limit).
        "rejected": [{"location": r.location, "reason": r.reason} for r in report.rejected],
        "stopped_early": result.stopped_early,
    }


def print_import(result: FileImport) -> None:
    report = result.report
    _line(
        f"{result.path.name} ({result.format}): {report.new} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.rejected_count} rejected"
    )
    for rejected in report.rejected[:SHOWN_REJECTIONS]:
        _line(f"  rejected {rejected.location}: {rejected.reason}")
    hidden = report.rejected_count - SHOWN_REJECTIONS
    if hidden > 0:
        listed = len(report.rejected)
        more = "them all" if listed == report.rejected_count else f"the first {listed}"
        _line(f"  ... and {hidden} more rejected records (--json lists {more})")
    if result.stopped_early:
        _line("stopped at the first rejected record (--strict); the records before it were kept")


def stats_as_dict(stats: StoreStats) -> dict[str, Any]:
    return {
        "papers": stats.papers,
        "by_source": stats.by_source,
        "by_category": stats.by_category,
        "by_month": stats.by_month,
    }


def print_stats(stats: StoreStats) -> None:
    _line(f"{stats.papers} papers")
    for title, counts in (
        ("source", stats.by_source),
        ("category", stats.by_category),
        ("month of first version", stats.by_month),
    ):
        if counts:
            width = max(len(key) for key in counts)
            _line(f"\nby {title}:")
            for key, count in counts.items():
                _line(f"  {key:<{width}}  {count:>9}")


def paper_as_dict(paper: Paper) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(orjson.dumps(paper))
    data["abs_url"], data["pdf_url"] = paper.abs_url, paper.pdf_url
    return data


def print_paper(paper: Paper) -> None:
    version = f"v{paper.latest_version}" if paper.latest_version else ""
    console.print(f"[bold]{paper.paper_id}{version}[/bold]", highlight=False)
    _line(paper.title, style="bold")
    for label, value in _paper_facts(paper):
        if value:
            _line(f"{label + ':':<13}{value}")
    if paper.abstract:
        console.print()
        console.print(paper.abstract, markup=False, highlight=False)


def _paper_facts(paper: Paper) -> list[tuple[str, str | None]]:
    categories = ", ".join(
        f"{c} (primary)" if c == paper.primary_category else c for c in paper.categories
    )
    versions = ", ".join(
        f"v{v.number} {v.submitted_at:%Y-%m-%d}" if v.submitted_at else f"v{v.number}"
        for v in paper.versions
    )
    return [
        ("Authors", ", ".join(paper.authors)),
        ("Categories", categories),
        ("Submitted", f"{paper.submitted_at:%Y-%m-%d}" if paper.submitted_at else None),
        ("Updated", f"{paper.updated_at:%Y-%m-%d}" if paper.updated_at else None),
        ("Versions", versions),
        ("In feed", paper.feed_date.isoformat() if paper.feed_date else None),
        ("Upvotes", str(paper.external_upvotes) if paper.external_upvotes is not None else None),
        ("Comments", paper.comments),
        ("Journal", paper.journal_ref),
        ("DOI", paper.doi),
        ("Report no", paper.report_no),
        ("License", paper.license),
        ("Submitter", paper.submitter),
        ("Listed by", _profile(paper.submitted_by)),
        ("Listed at", paper.listed_at.isoformat() if paper.listed_at else None),
        ("Organization", _profile(paper.organization)),
        ("Code", _with_stars(paper)),
        ("Project", paper.project_url),
        ("Links set by", paper.links_edited_by),
        ("Thumbnail", paper.thumbnail_url),
        ("Discussion", _source_comments(paper)),
        ("Keywords", ", ".join(paper.ai_keywords)),
        ("AI summary", paper.ai_summary),
        ("Sources", ", ".join(paper.sources)),
        ("arXiv", paper.abs_url),
    ]


def _profile(profile: Profile | None) -> str | None:
    if profile is None:
        return None
    return f"{profile.fullname} ({profile.name})" if profile.fullname else profile.name


def _source_comments(paper: Paper) -> str | None:
    count = paper.source_comments
    return f"{count} comment{'' if count == 1 else 's'} on the source site" if count else None


def _with_stars(paper: Paper) -> str | None:
    if paper.code_url and paper.github_stars is not None:
        return f"{paper.code_url} ({paper.github_stars} stars)"
    return paper.code_url


def _line(text: str, *, style: str | None = None) -> None:
    """Print data as is: no markup, no highlighting, no wrapping inside a line."""
    console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.command("import")(import_command)
    app.command("export")(export_command)
    app.command("stats")(stats_command)
    app.command("show")(show_command)
    db_app.command("upgrade")(db_upgrade)
    db_app.command("current")(db_current)
    db_app.command("check")(db_check)
    app.add_typer(db_app, name="db")
