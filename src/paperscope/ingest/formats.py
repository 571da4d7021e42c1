"""Which reader understands a file: the format registry, detection from the first bytes
of the content (never the file name), and transparent gzip.

Every reader is a module in paperscope.sources with the same three names:
``FORMAT``, ``sniff(head) -> bool`` and ``read_records(stream, *, name)``, which yields
Paper or Rejected in file order and never raises for a bad record."""

from __future__ import annotations

import gzip
import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from paperscope.models import Paper, Rejected

HEAD_BYTES = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"

# Detection order matters: the most specific formats first, plain text last, since
# almost anything that is not JSON or XML reads as text.
READERS: dict[str, str] = {
    "export": "paperscope.sources.paperscope_export",
    "arxiv-snapshot": "paperscope.sources.arxiv_snapshot",
    "hf-daily": "paperscope.sources.hf_daily",
    "oai-pmh": "paperscope.sources.arxiv_oai",
    "text": "paperscope.sources.text_dump",
}
FORMAT_NAMES = tuple(READERS)


class SourceFileError(Exception):
    """The file as a whole cannot be imported (missing, unreadable, unknown format)."""


class RecordReader(Protocol):
    FORMAT: str

    def sniff(self, head: bytes) -> bool: ...

    def read_records(self, stream: BinaryIO, *, name: str) -> Iterator[Paper | Rejected]: ...


def load_reader(format_name: str) -> RecordReader:
    if format_name not in READERS:
        known = ", ".join(FORMAT_NAMES)
        raise SourceFileError(f"unknown format {format_name!r}; choose one of: {known}")
    try:
        module = importlib.import_module(READERS[format_name])
    except ModuleNotFoundError as exc:
        if exc.name != READERS[format_name]:
            raise
        raise SourceFileError(
            f"the {format_name} reader is not part of this paperscope installation"
        ) from exc
    return cast(RecordReader, module)


def detect_format(head: bytes, *, name: str) -> str:
    """The format whose reader recognises ``head``; SourceFileError when none does."""
    if not head.strip():
        raise SourceFileError(f"{name} is empty: nothing to import")
    for format_name in FORMAT_NAMES:
        try:
            reader = load_reader(format_name)
        except SourceFileError:
            if format_name == "oai-pmh" and b"<OAI-PMH" in head:
                raise
            continue
        if reader.sniff(head):
            return format_name
    raise SourceFileError(
        f"cannot tell the format of {name}; pass --format with one of: {', '.join(FORMAT_NAMES)}"
    )


@dataclass
class OpenedSource:
    """A file opened for reading records: the (decompressed) stream, the total size
    and how far into the file on disk reading has got, for progress bars."""

    stream: BinaryIO
    size: int
    position: Callable[[], int]
    compressed: bool


@contextmanager
def open_source(path: Path) -> Iterator[OpenedSource]:
    """Open ``path`` for reading, decompressing gzip files (detected by their magic
    bytes); SourceFileError with the reason when it cannot be read."""
    if path.is_dir():
        raise SourceFileError(f"{path} is a directory; give the path of a file")
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise SourceFileError(f"{path} does not exist") from None
    except OSError as exc:
        raise SourceFileError(f"cannot read {path}: {exc.strerror}") from None
    with raw:
        size = path.stat().st_size
        compressed = raw.peek(2)[:2] == _GZIP_MAGIC
        stream = cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb")) if compressed else raw
        with stream:
            yield OpenedSource(stream=stream, size=size, position=raw.tell, compressed=compressed)


_HEAD_CHUNK = 1024


def read_head(path: Path) -> bytes:
    """The first HEAD_BYTES of the content (decompressed), for format detection."""
    head = bytearray()
    with open_source(path) as source:
        try:
            # In small reads: a gzip stream cut short raises on the read that reaches the
            # cut, and the bytes of that read are lost with it.
            while len(head) < HEAD_BYTES:
                chunk = source.stream.read(min(_HEAD_CHUNK, HEAD_BYTES - len(head)))
                if not chunk:
                    break
                head += chunk
        except (OSError, EOFError) as exc:
            if not head:
                raise SourceFileError(f"cannot read {path}: {exc}") from None
            # Cut short after some records: tell the format from those; the import
            # keeps them and reports the cut as it reaches it.
    return bytes(head)
