"""The one way the store cuts long id lists for IN (...) clauses."""

from __future__ import annotations

import pytest

from paperscope.store.chunks import ID_CHUNK, chunks


def test_chunks_keep_order_and_every_item() -> None:
    items = [f"id{n}" for n in range(2 * ID_CHUNK + 5)]
    pieces = list(chunks(items))
    assert [len(p) for p in pieces] == [ID_CHUNK, ID_CHUNK, 5]
    assert [i for p in pieces for i in p] == items
    assert list(chunks((1, 2, 3), 2)) == [[1, 2], [3]]
    assert list(chunks([])) == []


def test_a_chunk_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1, not 0"):
        list(chunks([1], 0))
