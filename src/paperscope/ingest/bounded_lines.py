"""Reading lines of a file without ever holding a huge one: a line longer than the
limit is skipped in bounded chunks (up to its newline) and reported by number, so one
500 MB line costs as much memory as one chunk, and the lines around it still import.
Readers of line formats iterate it like a file; stream readers (XML, the HF JSON
array) call ``read`` and pass straight through."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

# Chunk in which the rest of an over-long line is read and dropped.
SKIP_CHUNK = 1024 * 1024


class BoundedLines:
    """Iterates the lines of ``stream``, at most ``max_line_bytes`` each (newline not
    counted); each longer line is replaced by an empty line and its number recorded
    in ``too_long`` until the caller takes them (``take_too_long``)."""

    def __init__(self, stream: BinaryIO, *, max_line_bytes: int) -> None:
        self._stream = stream
        self.max_line_bytes = max_line_bytes
        self.line_no = 0
        self._too_long: list[int] = []

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        # One byte more than allowed, plus the newline: a longer read is too long.
        line = self._stream.readline(self.max_line_bytes + 2)
        if not line:
            raise StopIteration
        self.line_no += 1
        content = len(line) - (1 if line.endswith(b"\n") else 0)
        if content <= self.max_line_bytes:
            return line
        if not line.endswith(b"\n"):
            self._skip_rest()
        self._too_long.append(self.line_no)
        # An empty line keeps the numbering of the lines that follow; readers skip it.
        return b"\n"

    def _skip_rest(self) -> None:
        while True:
            chunk = self._stream.readline(SKIP_CHUNK)
            if not chunk or chunk.endswith(b"\n"):
                return

    def take_too_long(self) -> list[int]:
        taken, self._too_long = self._too_long, []
        return taken
