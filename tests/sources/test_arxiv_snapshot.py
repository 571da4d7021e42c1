"""The Kaggle arXiv snapshot reader on the real 200-record sample and on damaged copies."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from paperscope.models import Paper, Rejected
from paperscope.sources import arxiv_snapshot

SAMPLE = "arxiv/kaggle_snapshot_head200.jsonl"


def _read(data: bytes) -> list[Paper | Rejected]:
    return list(arxiv_snapshot.read_records(io.BytesIO(data), name="snap.jsonl"))


def _split(records: list[Paper | Rejected]) -> tuple[list[Paper], list[Rejected]]:
    papers = [r for r in records if isinstance(r, Paper)]
    return papers, [r for r in records if isinstance(r, Rejected)]


@pytest.fixture
def sample(shared_data: Path) -> bytes:
    return (shared_data / SAMPLE).read_bytes()


def test_reads_every_record_of_the_sample(sample: bytes) -> None:
    papers, rejected = _split(_read(sample))
    assert len(papers) == 200
    assert rejected == []
    assert len({p.paper_id for p in papers}) == 200
    assert all(p.source == "arxiv-snapshot" and p.title and p.abstract for p in papers)


def test_maps_fields_of_a_record(sample: bytes) -> None:
    first = _split(_read(sample))[0][0]
    assert first.paper_id == first.arxiv_id == "0704.0001"
    # authors_parsed gives the accented name the raw string spells in LaTeX.
    assert first.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan")
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert first.abstract.startswith("A fully differential calculation")
    assert "\n" not in first.abstract and "  " not in first.abstract
    assert first.categories == ("hep-ph",) and first.primary_category == "hep-ph"
    assert [v.number for v in first.versions] == [1, 2]
    assert first.submitted_at == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert first.updated_at == datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)
    assert first.journal_ref == "Phys.Rev.D76:013009,2007"
    assert first.doi == "10.1103/PhysRevD.76.013009"
    assert first.report_no == "ANL-HEP-PR-07-12"
    assert first.comments == "37 pages, 15 figures; published version"
    assert first.submitter == "Pavel Nadolsky"
    assert first.license is None


def test_keeps_latex_and_cross_lists(sample: bytes) -> None:
    papers = {p.paper_id: p for p in _split(_read(sample))[0]}
    second = papers["0704.0002"]
    assert second.categories == ("math.CO", "cs.CG") and second.primary_category == "math.CO"
    assert "$(k,\\ell)$-pebble game" in second.abstract
    assert second.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"


def test_name_suffix_and_affiliation_fields() -> None:
    record = {
        "id": "0704.0003",
        "title": "T",
        "authors_parsed": [["Evans", "Neal J.", "II"], ["Biryukov", "V. M.", "", "IHEP"]],
    }
    assert arxiv_snapshot.paper_from_record(record).authors == (
        "Neal J. Evans II",
        "V. M. Biryukov",
    )


def test_falls_back_to_the_authors_string() -> None:
    record = {"id": "hep-th/9901001", "title": "T", "authors": "A. One, B. Two and C.  Three"}
    paper = arxiv_snapshot.paper_from_record(record)
    assert paper.paper_id == "hep-th/9901001"
    assert paper.authors == ("A. One", "B. Two", "C. Three")


def test_damaged_copy_keeps_every_good_record(sample: bytes) -> None:
    lines = sample.splitlines(keepends=True)
    missing_title = orjson.loads(lines[9])
    del missing_title["title"]
    bad_id = orjson.loads(lines[19])
    bad_id["id"] = "not-an-id"
    damaged = [
        *lines[:4],
        lines[4][:100] + b"\xff\xfe" + lines[4][100:],  # invalid UTF-8
        *lines[5:9],
        orjson.dumps(missing_title) + b"\n",
        *lines[10:14],
        b'{"id": "0704.9999", "title": \n',  # malformed JSON
        *lines[14:19],
        orjson.dumps(bad_id) + b"\n",
        *lines[20:30],
        b"\x00\x01garbage in the middle\n",
        *lines[30:199],
        lines[199][:120],  # truncated mid-record, no newline
    ]
    papers, rejected = _split(_read(b"".join(damaged)))
    assert len(papers) == 200 - 4  # records 5, 10, 20 and 200 were damaged; two lines added
    where = {r.location: r.reason for r in rejected}
    assert list(where) == [
        "snap.jsonl:5",
        "snap.jsonl:10",
        "snap.jsonl:15",
        "snap.jsonl:21",
        "snap.jsonl:32",
        "snap.jsonl:202",
    ]
    assert "invalid UTF-8" in where["snap.jsonl:5"]
    assert "no title" in where["snap.jsonl:10"] and "0704.0010" in where["snap.jsonl:10"]
    assert "invalid JSON" in where["snap.jsonl:15"]
    assert "not-an-id" in where["snap.jsonl:21"]
    assert "truncated" in where["snap.jsonl:202"]


def test_sniff_recognises_the_snapshot_only(sample: bytes, shared_data: Path) -> None:
    assert arxiv_snapshot.sniff(sample[:65536])
    assert arxiv_snapshot.sniff(b"{broken\n" + sample[:65536])
    assert not arxiv_snapshot.sniff(
        (shared_data / "hf/daily_papers_2024-10-25.first8.json").read_bytes()
    )
    assert not arxiv_snapshot.sniff(b'{"format": "paperscope-export", "version": 1}\n')
