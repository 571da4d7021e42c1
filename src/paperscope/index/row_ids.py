"""The paper id of each row of an index file, and the row of each paper id.

A list of ``str`` and a dict from id to row cost ~130 bytes a paper in Python objects:
326 MB of heap for 2.5M ids (all of arXiv), in every serving process. Opened indexes
only read them, so ``RowIds`` keeps them in numpy arrays instead: the ids as
fixed-width UTF-8 byte strings in row order, a 64-bit hash of each (FNV-1a, computed
column by column over all rows at once) and an open-addressing table from hash to row,
at most half full: 110 MB for the same ids. A batch of ids is looked up in a few
vectorised probes. The first change turns the table into a list and a dict, which an
indexer adding papers one batch after another needs; serving processes never change
their indexes.

An empty id marks a deleted row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

RowArray = npt.NDArray[np.int64]

_EMPTY = -1
_FNV_OFFSET_INT = 0xCBF29CE484222325
_FNV_PRIME_INT = 0x100000001B3
_MASK_64 = (1 << 64) - 1
# Ids still unsettled after a vectorised probe round below this many: finished one by one.
_PROBE_IN_PYTHON = 32
_FNV_OFFSET = np.uint64(_FNV_OFFSET_INT)
_FNV_PRIME = np.uint64(_FNV_PRIME_INT)


def _encode(paper_id: str) -> bytes:
    # surrogatepass: any str round-trips, so a malformed id asked for is just not found.
    return paper_id.encode("utf-8", "surrogatepass")


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogatepass")


def _hashes(ids: npt.NDArray[np.bytes_]) -> npt.NDArray[np.uint64]:
    """FNV-1a of each fixed-width id (its NUL padding included, so the width is part
    of the hash: look-ups hash at the table's width)."""
    columns = ids.view(np.uint8).reshape(len(ids), ids.dtype.itemsize)
    hashes = np.full(len(ids), _FNV_OFFSET, dtype=np.uint64)
    for column in columns.T:
        hashes ^= column
        hashes *= _FNV_PRIME  # wraps around modulo 2**64, as FNV intends
    return hashes


class RowIds:
    """Ids by row and rows by id; see the module docstring."""

    def __init__(self, by_row: npt.NDArray[np.bytes_]) -> None:
        """From fixed-width UTF-8 ids in row order (``from_ids`` for strings)."""
        self._list: list[str] | None = None
        self._rows: dict[str, int] | None = None
        self._by_row = by_row
        self._live = int(np.count_nonzero(by_row != b""))
        self._hashes = _hashes(by_row)
        self._table = self._build_table()

    @classmethod
    def from_ids(cls, ids: Sequence[str]) -> RowIds:
        encoded = [_encode(paper_id) for paper_id in ids]
        if any(raw.endswith(b"\0") for raw in encoded):
            # numpy drops trailing NUL bytes of byte strings: such an id would not read
            # back as itself, so it is kept in the list form.
            table = cls(np.zeros(0, dtype="S1"))
            table._make_mutable(list(ids))
            return table
        width = max((len(raw) for raw in encoded), default=1) or 1
        return cls(np.array(encoded, dtype=f"S{width}"))

    @classmethod
    def from_bytes(cls, ids: npt.NDArray[np.uint8]) -> RowIds:
        """From a (rows, width) array of NUL-padded UTF-8 ids (artifacts.read_doc_ids)."""
        width = ids.shape[1] if ids.ndim == 2 and ids.shape[1] else 1
        return cls(np.ascontiguousarray(ids).view(f"S{width}").reshape(len(ids)))

    def _build_table(self) -> npt.NDArray[np.int32]:
        """Slot -> row, linear probing; every live row placed, a batch per probe step."""
        slots = 1 << max(4, (2 * max(self._live, 1) - 1).bit_length())
        # int32 rows: half the memory of int64, and 2**31 rows is far beyond any index.
        table = np.full(slots, _EMPTY, dtype=np.int32)
        rows = np.flatnonzero(self._by_row != b"")
        slot = (self._hashes[rows] & np.uint64(slots - 1)).astype(np.int64)
        while len(rows):
            free = table[slot] == _EMPTY
            # Of several rows aiming at one free slot, the first takes it.
            chosen, first = np.unique(slot[free], return_index=True)
            table[chosen] = rows[free][first]
            placed = np.zeros(len(rows), dtype=bool)
            placed[np.flatnonzero(free)[first]] = True
            rows, slot = rows[~placed], (slot[~placed] + 1) & (slots - 1)
        return table

    # -- reading -------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Rows, deleted ones included."""
        return len(self._list) if self._list is not None else len(self._by_row)

    def live_count(self) -> int:
        return len(self._rows) if self._rows is not None else self._live

    def row(self, paper_id: str) -> int | None:
        if self._rows is not None:
            return self._rows.get(paper_id)
        # One id: the same probes as ``rows`` in plain Python, ~20x faster than numpy
        # calls on one-element arrays.
        raw = _encode(paper_id)
        width = self._by_row.dtype.itemsize
        if not raw or len(raw) > width or raw.endswith(b"\0") or not self._live:
            return None
        hashed = _FNV_OFFSET_INT
        for byte in raw.ljust(width, b"\0"):
            hashed = ((hashed ^ byte) * _FNV_PRIME_INT) & _MASK_64
        return self._probe(raw, hashed, hashed & (len(self._table) - 1))

    def _probe(self, raw: bytes, hashed: int, slot: int) -> int | None:
        """The row of ``raw`` (hashed to ``hashed``), probing on from ``slot``."""
        mask = len(self._table) - 1
        while (row := int(self._table[slot])) != _EMPTY:
            if int(self._hashes[row]) == hashed and bytes(self._by_row[row]) == raw:
                return row
            slot = (slot + 1) & mask
        return None

    def rows(self, paper_ids: Sequence[str]) -> RowArray:
        """The row of each id, -1 where it is not in the table."""
        if self._rows is not None:
            rows = self._rows
            return np.fromiter((rows.get(pid, -1) for pid in paper_ids), np.int64, len(paper_ids))
        out = np.full(len(paper_ids), -1, dtype=np.int64)
        width = self._by_row.dtype.itemsize
        asked = [(i, _encode(pid)) for i, pid in enumerate(paper_ids) if pid]
        asked = [(i, raw) for i, raw in asked if len(raw) <= width and not raw.endswith(b"\0")]
        if not asked or not self._live:
            return out
        keys = np.array([raw for _, raw in asked], dtype=self._by_row.dtype)
        hashes = _hashes(keys)
        position = np.fromiter((i for i, _ in asked), np.int64, len(asked))
        mask = len(self._table) - 1
        slot = (hashes & np.uint64(mask)).astype(np.int64)
        # The table is at most half full, so every probe sequence reaches an empty slot.
        # Most ids are settled by the first probe or two; the few on long runs of
        # taken slots go on in plain Python rather than in many rounds of numpy calls.
        while len(slot) > _PROBE_IN_PYTHON:
            row = self._table[slot].astype(np.int64)
            empty = row == _EMPTY
            found = ~empty & (self._hashes[row] == hashes) & (self._by_row[row] == keys)
            out[position[found]] = row[found]
            going = ~empty & ~found
            slot, hashes, keys = (slot[going] + 1) & mask, hashes[going], keys[going]
            position = position[going]
        for at, raw, hashed, start in zip(
            position.tolist(), keys.tolist(), hashes.tolist(), slot.tolist(), strict=True
        ):
            found_row = self._probe(raw, hashed, start)
            out[at] = -1 if found_row is None else found_row
        return out

    def id(self, row: int) -> str:
        """The id of ``row`` ("" when deleted)."""
        if self._list is not None:
            return self._list[row]
        return _decode(bytes(self._by_row[row]))

    def ids_of(self, rows: RowArray) -> list[str]:
        """The id of each row ("" for deleted rows), in order."""
        if self._list is not None:
            listed = self._list
            return [listed[row] for row in rows.tolist()]
        return [_decode(raw) for raw in self._by_row[rows].tolist()]

    def __iter__(self) -> Iterator[str]:
        """Every row's id in row order, "" for deleted rows."""
        if self._list is not None:
            return iter(self._list)
        return (_decode(raw) for raw in self._by_row.tolist())

    def deleted(self) -> npt.NDArray[np.bool_]:
        """True for each deleted row."""
        if self._list is not None:
            return np.fromiter((not pid for pid in self._list), bool, len(self._list))
        deleted: npt.NDArray[np.bool_] = self._by_row == b""
        return deleted

    # -- changing ------------------------------------------------------------------

    def append(self, paper_id: str) -> int:
        """The row of ``paper_id``, added at the end when it has none."""
        listed, rows = self._mutable()
        row = rows.get(paper_id)
        if row is None:
            row = len(listed)
            listed.append(paper_id)
            rows[paper_id] = row
        return row

    def delete(self, paper_id: str) -> int | None:
        """Mark the row of ``paper_id`` deleted; its row, or None when it had none."""
        listed, rows = self._mutable()
        row = rows.pop(paper_id, None)
        if row is not None:
            listed[row] = ""
        return row

    def _mutable(self) -> tuple[list[str], dict[str, int]]:
        if self._list is None or self._rows is None:
            self._make_mutable(list(self))
        assert self._list is not None and self._rows is not None
        return self._list, self._rows

    def _make_mutable(self, ids: list[str]) -> None:
        self._list = ids
        self._rows = {paper_id: row for row, paper_id in enumerate(ids) if paper_id}
        # The arrays are not needed any more.
        self._by_row = np.zeros(0, dtype="S1")
        self._hashes = np.zeros(0, dtype=np.uint64)
        self._table = np.zeros(0, dtype=np.int32)
