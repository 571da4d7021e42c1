"""`paperscope library import|export`: a reader's bibliography in and out (BibTeX, RIS,
CSL-JSON)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from paperscope.cli.common import (
    DataDirOption,
    UserError,
    console,
    given_path,
    make_settings,
    no_such_tag,
    open_store,
    reader_tags,
    user_id_of,
)
from paperscope.references import (
    EXPORT_FORMATS,
    FORMATS,
    MAX_FILE_BYTES,
    ReferenceFormatError,
    ReferenceImportReport,
    export_library,
    import_references,
)
from paperscope.store import Store

library_app = typer.Typer(
    help="A reader's library: import a bibliography, export it.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.add_typer(library_app, name="library")


@library_app.command("import")
def import_command(
    user: str = typer.Argument(..., help="Username whose library receives the papers."),
    file_text: str = typer.Argument(
        ..., metavar="FILE", help="A BibTeX (.bib), RIS (.ris) or CSL-JSON (.json) file."
    ),
    fmt: str | None = typer.Option(
        None, "--format", help="bibtex, ris or csl-json. Default: guessed from the file."
    ),
    harvest_missing: bool = typer.Option(
        False, "--harvest-missing", help="Fetch entries' arXiv papers missing from the store."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Save a bibliography's papers to USER's library.

    Entries are matched to papers; their keywords become tags and their notes are kept.
    Prints what matched and what did not."""
    if fmt is not None and fmt not in FORMATS:
        raise UserError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    file = given_path(file_text, "the bibliography to import")
    data = _read(file)
    settings = make_settings(data_dir)
    with open_store(settings) as store:
        user_id = user_id_of(store, user)
        try:
            report = import_references(
                store=store,
                settings=settings,
                user_id=user_id,
                data=data,
                now=datetime.now(UTC),
                format=fmt,
                filename=file.name,
                harvest_missing=harvest_missing,
            )
        except ReferenceFormatError as exc:
            raise UserError(f"{file}: {exc}") from None
    if as_json:
        typer.echo(orjson.dumps({"user": user, **report.to_dict()}, option=orjson.OPT_INDENT_2))
    else:
        _print_report(user, file, report)


@library_app.command("export")
def export_command(
    user: str = typer.Argument(..., help="Username whose library to export."),
    tag: str | None = typer.Option(None, "--tag", help="Only papers with this tag."),
    fmt: str = typer.Option("bibtex", "--format", help="bibtex, ris or csl-json."),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="File to write. Default: standard output."
    ),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Write USER's library (or one tag) as BibTeX, RIS or CSL-JSON, with tags and notes."""
    if fmt not in EXPORT_FORMATS:
        raise UserError(f"--format {fmt!r} is not one of {', '.join(EXPORT_FORMATS)}")
    settings = make_settings(data_dir)
    with open_store(settings) as store:
        user_id = user_id_of(store, user)
        if tag is not None:
            _check_tag(store, user, user_id, tag)
        text = export_library(store=store, user_id=user_id, fmt=fmt, tag=tag)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror}") from None
    console.print(f"wrote {output}", markup=False)


def _check_tag(store: Store, username: str, user_id: int, tag: str) -> None:
    """A tag no saved paper carries is most likely mistyped: say so (exit 2) rather
    than write an empty export."""
    tags = reader_tags(store, user_id)
    if tag not in tags:
        raise UserError(f"{no_such_tag(username, tag, tags)}; nothing exported")


def _read(file: Path) -> bytes:
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UserError(
                f"{file}: file too large: {size:,} bytes, the limit is {MAX_FILE_BYTES:,}; "
                "split the bibliography and import it in parts"
            )
        return file.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {file}: {exc.strerror}") from None


def _print_report(user: str, file: Path, report: ReferenceImportReport) -> None:
    table = Table(title=f"{file.name} ({report.format}) into {user}'s library")
    for column in ("where", "entry", "result", "paper", "how / why"):
        table.add_column(column, overflow="fold")
    for e in report.entries:
        how = e.reason
        if e.match:
            how = e.match + (f" {e.score:.2f}" if e.match == "title" and e.score else "")
        label = e.key or e.title[:80]
        table.add_row(*(escape(v) for v in (e.location, label, e.status, e.paper_id or "", how)))
    console.print(table)
    for notice in report.notices:
        console.print(f"note: {notice}", markup=False)
    console.print(
        f"{report.saved} of {len(report.entries)} entries found {report.papers} papers, "
        f"now in the library ({report.added} added, {report.updated} updated, "
        f"{report.unchanged} already there); {report.count('unmatched')} unmatched, "
        f"{report.count('rejected')} malformed",
        markup=False,
    )
