"""Import a file into the store: detect its format, stream its records through the
reader, and upsert the papers in batches. Idempotent: importing the same file again
changes nothing and reports every paper unchanged.

A bad record is reported (where and why) and skipped; the good ones around it are
imported. In strict mode the first bad record stops the import, keeping what came
before it."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

from paperscope.ingest.bounded_lines import BoundedLines
from paperscope.ingest.formats import (
    RecordReader,
    SourceFileError,
    detect_format,
    load_reader,
    open_source,
    read_head,
)
from paperscope.models import ImportReport, Paper, Rejected
from paperscope.sources.paperscope_export import write_export
from paperscope.store import Store
from paperscope.store.papers import iter_papers, upsert_papers

# Measured with bench/import_bench.py: throughput is flat from ~1,000 up, and larger
# batches only hold more memory and longer write locks (see docs/importing.md).
DEFAULT_BATCH_SIZE = 2000
# A record line longer than this is rejected unread (Settings.import_max_line_bytes).
DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024
# Rejected records listed in a report; the rest are only counted.
DEFAULT_REJECTIONS_KEPT = 1000

ProgressCallback = Callable[[int, int], None]  # (bytes read so far, file size)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_MAX_LINE_BYTES",
    "DEFAULT_REJECTIONS_KEPT",
    "FileImport",
    "SourceFileError",
    "export_store",
    "import_file",
]


@dataclass(frozen=True, slots=True)
class FileImport:
    """What importing one file did."""

    path: Path
    format: str
    report: ImportReport
    stopped_early: bool = False  # strict mode stopped at the first rejected record


def import_file(
    *,
    store: Store,
    path: Path,
    format_name: str = "auto",
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: ProgressCallback | None = None,
    max_line_bytes: int | None = DEFAULT_MAX_LINE_BYTES,
    rejections_kept: int | None = DEFAULT_REJECTIONS_KEPT,
) -> FileImport:
    """Import every record of ``path``; SourceFileError when the file as a whole cannot
    be read (missing, a directory, unknown format). Lines longer than
    ``max_line_bytes`` are rejected unread; the report lists the first
    ``rejections_kept`` rejected records and counts them all (None: no limit)."""
    if format_name == "auto":
        format_name = detect_format(read_head(path), name=path.name)
    reader = load_reader(format_name)
    with open_source(path) as source:
        records = _read(reader, source.stream, path.name, max_line_bytes)
        batches = _Batcher(store=store, batch_size=batch_size, name=path.name, kept=rejections_kept)

        def progress() -> None:
            if on_progress is not None:
                on_progress(source.position(), source.size)

        stopped = batches.run(records, strict=strict, after_batch=progress)
        progress()
    return FileImport(path=path, format=format_name, report=batches.report(), stopped_early=stopped)


def export_store(*, store: Store, out: BinaryIO) -> int:
    """Write every paper as a paperscope export (JSON lines); returns the count."""
    return write_export(iter_papers(store=store), out)


@dataclass
class _Batcher:
    """Collects papers into batches and upserts them, tallying the outcome."""

    store: Store
    batch_size: int
    name: str
    kept: int | None = None
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    more_rejected: int = 0

    def run(
        self,
        records: Iterable[Paper | Rejected],
        *,
        strict: bool,
        after_batch: Callable[[], None],
    ) -> bool:
        """Import ``records``; True when strict mode stopped at a rejected record."""
        pending: list[Paper] = []
        stopped = False
        for record in records:
            if isinstance(record, Rejected):
                self._reject(record)
                if strict:
                    stopped = True
                    break
                continue
            pending.append(record)
            if len(pending) >= self.batch_size:
                self._flush(pending)
                pending = []
                after_batch()
        if pending:
            self._flush(pending)
        return stopped

    def _reject(self, record: Rejected) -> None:
        if self.kept is None or len(self.rejected) < self.kept:
            self.rejected.append(record)
        else:
            self.more_rejected += 1

    def report(self) -> ImportReport:
        return ImportReport(
            new=self.new,
            updated=self.updated,
            unchanged=self.unchanged,
            rejected=tuple(self.rejected),
            more_rejected=self.more_rejected,
        )

    def _flush(self, batch: list[Paper]) -> None:
        try:
            self._upsert(batch)
        except Exception:
            if len(batch) == 1:
                raise
            self._isolate(batch)

    def _isolate(self, batch: list[Paper]) -> None:
        """The database refused the batch: store the papers one by one so that only
        the offending ones are rejected. If none can be stored the problem is not the
        records (the database is down, the disk is full): raise it."""
        failures: list[tuple[Paper, Exception]] = []
        for paper in batch:
            try:
                self._upsert([paper])
            except Exception as exc:
                failures.append((paper, exc))
        if len(failures) == len(batch):
            raise failures[0][1]
        for paper, error in failures:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            self._reject(
                Rejected(f"{self.name} record {paper.paper_id}", f"database refused it: {reason}")
            )

    def _upsert(self, batch: list[Paper]) -> None:
        result = upsert_papers(store=self.store, papers_in=batch)
        self.new += len(result.new)
        self.updated += len(result.updated)
        self.unchanged += len(result.unchanged)


def _read(
    reader: RecordReader, stream: BinaryIO, name: str, max_line_bytes: int | None
) -> Iterator[Paper | Rejected]:
    """The reader's records, with lines over the limit rejected (in about their place)."""
    if max_line_bytes is None:
        yield from _until_damage(reader.read_records(stream, name=name), name)
        return
    lines = BoundedLines(stream, max_line_bytes=max_line_bytes)
    bounded = cast(BinaryIO, lines)
    for record in _until_damage(reader.read_records(bounded, name=name), name):
        yield from _too_long(lines, name)
        yield record
    yield from _too_long(lines, name)


def _too_long(lines: BoundedLines, name: str) -> Iterator[Rejected]:
    for line_no in lines.take_too_long():
        yield Rejected(
            f"{name}:{line_no}",
            f"line longer than {lines.max_line_bytes} bytes, skipped unread "
            "(raise PAPERSCOPE_IMPORT_MAX_LINE_BYTES if such records are expected)",
        )


def _until_damage(records: Iterator[Paper | Rejected], name: str) -> Iterator[Paper | Rejected]:
    """Pass records through; a file that cannot be read on (a damaged gzip stream, a
    disk error) ends with one Rejected saying so, keeping what was read before."""
    try:
        yield from records
    except (OSError, EOFError, zlib.error) as exc:
        reason = str(exc) or type(exc).__name__
        yield Rejected(name, f"reading stopped, the file is damaged: {reason}")
