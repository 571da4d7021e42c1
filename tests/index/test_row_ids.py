"""The compact id table of the dense index: the same answers as a list and a dict,
before and after its first change, whatever the ids look like."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from paperscope.index.row_ids import RowIds

IDS = ["2401.00001", "", "hep-th/9901001", "ps-é-ü", "2401.00002v2", ""]


def _expected_row(ids: list[str], paper_id: str) -> int | None:
    return ids.index(paper_id) if paper_id and paper_id in ids else None


def test_rows_and_ids_match_the_list() -> None:
    table = RowIds.from_ids(IDS)
    assert table.size == 6 and table.live_count() == 4
    for row, paper_id in enumerate(IDS):
        assert table.id(row) == paper_id
        assert table.row(paper_id) == _expected_row(IDS, paper_id)
    assert list(table) == IDS
    assert table.ids_of(np.array([3, 0, 1])) == ["ps-é-ü", "2401.00001", ""]
    asked = [
        "hep-th/9901001",
        "missing",
        "",
        "a-much-longer-id-than-any-in-the-table",
        "2401.00001",
    ]
    assert table.rows(asked).tolist() == [2, -1, -1, -1, 0]
    assert table.deleted().tolist() == [not paper_id for paper_id in IDS]


def test_changes_turn_it_into_a_list_and_keep_the_answers() -> None:
    table = RowIds.from_ids(IDS)
    assert table.append("2401.00001") == 0  # present: keeps its row
    assert table.append("2501.99999") == 6
    assert table.delete("ps-é-ü") == 3 and table.delete("ps-é-ü") is None
    assert table.size == 7 and table.live_count() == 4
    assert table.rows(["2501.99999", "ps-é-ü"]).tolist() == [6, -1]
    assert table.id(3) == "" and table.deleted().tolist()[3]


def test_an_id_ending_in_a_nul_byte_reads_back_as_itself() -> None:
    """numpy drops trailing NUL bytes of byte strings; such ids use the list form."""
    table = RowIds.from_ids(["a\0", "b"])
    assert table.id(0) == "a\0" and table.row("a\0") == 0 and table.row("a") is None


def test_empty_and_all_deleted_tables() -> None:
    for ids in ([], ["", ""]):
        table = RowIds.from_ids(ids)
        assert table.live_count() == 0 and table.rows(["x", ""]).tolist() == [-1, -1]
        assert table.row("x") is None


@given(
    st.lists(st.text(st.characters(blacklist_characters="\n\r"), max_size=12), max_size=40),
    st.lists(st.text(max_size=12), max_size=10),
)
def test_any_ids_answer_as_a_dict_would(ids: list[str], others: list[str]) -> None:
    unique = list(dict.fromkeys(ids))  # an index file never repeats an id
    table = RowIds.from_ids(unique)
    for paper_id in unique + others:
        assert table.row(paper_id) == _expected_row(unique, paper_id), paper_id
    asked = unique + others
    expected = [_expected_row(unique, pid) for pid in asked]
    assert table.rows(asked).tolist() == [-1 if row is None else row for row in expected]
    assert table.ids_of(np.arange(len(unique))) == unique


def test_many_ids_with_deletions_are_all_found() -> None:
    """Enough ids that many share a first slot and probe on."""
    ids = [f"2401.{n:05d}" if n % 7 else "" for n in range(20_000)]
    table = RowIds.from_ids(ids)
    assert table.live_count() == sum(1 for pid in ids if pid)
    asked = [*ids, "2401.99999x", "2401.0000"]
    expected = [row if pid else -1 for row, pid in enumerate(ids)] + [-1, -1]
    assert table.rows(asked).tolist() == expected
