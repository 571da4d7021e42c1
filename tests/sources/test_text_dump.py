"""The plain-text reader on the real Hugging Face Papers page dump and damaged copies."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from paperscope.arxiv_ids import text_paper_id
from paperscope.models import Paper, Rejected
from paperscope.sources import text_dump

SAMPLE = "seed/hf_papers_search_page.txt"


def _read(data: bytes) -> list[Paper | Rejected]:
    return list(text_dump.read_records(io.BytesIO(data), name="page.txt"))


def _papers(records: list[Paper | Rejected]) -> list[Paper]:
    return [r for r in records if isinstance(r, Paper)]


def _rejected(records: list[Paper | Rejected]) -> list[Rejected]:
    return [r for r in records if isinstance(r, Rejected)]


@pytest.fixture
def sample(shared_data: Path) -> bytes:
    return (shared_data / SAMPLE).read_bytes()


def test_reads_exactly_the_81_papers_after_the_header(sample: bytes) -> None:
    records = _read(sample)
    papers = _papers(records)
    assert _rejected(records) == []
    assert len(papers) == 81
    assert papers[0].title == (
        "AdamP: Slowing Down the Slowdown for Momentum Optimizers on Scale-invariant Weights"
    )
    assert papers[0].abstract.startswith("Normalization techniques are a boon")
    assert papers[-1].title == "Preference Learning Algorithms Do Not Learn Preference Rankings"
    assert all(p.paper_id == text_paper_id(p.title) and p.arxiv_id is None for p in papers)
    assert all(p.source == "text" for p in papers)
    assert not any("Subscribe" in p.title or "research community" in p.title for p in papers)


def test_title_without_abstract_at_end_is_rejected_with_its_line(sample: bytes) -> None:
    cut = sample[: sample.rindex(b"Preference Learning Algorithms") + 40]
    records = _read(cut)
    assert len(_papers(records)) == 80
    [rejected] = _rejected(records)
    assert rejected.location == "page.txt:331"
    assert "title without abstract at end of file" in rejected.reason


def test_a_title_missing_its_abstract_mid_file_does_not_shift_the_rest(sample: bytes) -> None:
    title = sample.index(b"Boosting Multi-modal")
    abstract = sample.index(b"\n\n", title) + 2
    after = sample.index(b"\n\n", abstract) + 2
    records = _read(sample[:abstract] + sample[after:])
    papers = _papers(records)
    assert len(papers) == 80
    assert papers[1].title.startswith("NanoFlow")
    assert papers[1].abstract.startswith("The increasing usage of Large Language Models")
    [rejected] = _rejected(records)
    assert rejected.location == "page.txt:15"


def test_invalid_utf8_rejects_only_its_record(sample: bytes) -> None:
    records = _read(sample.replace(b"NanoFlow: Towards", b"NanoFlow\xff: Towards"))
    assert len(_papers(records)) == 80
    [rejected] = _rejected(records)
    assert rejected.location == "page.txt:19" and "invalid UTF-8 on line 19" in rejected.reason


def test_bytes_that_are_not_text_are_rejected_as_such_and_quoted_short() -> None:
    garbage = bytes(range(128, 228))  # no UTF-8 anywhere: a paragraph shaped as a title
    records = _read(b"A Title\n\nIts abstract.\n\n" + garbage + b"\n\nNext\n\nAnother one.\n")
    [rejected] = _rejected(records)
    assert (rejected.location, rejected.reason) == ("page.txt:5", "invalid UTF-8 on line 5")
    assert [p.title for p in _papers(records)] == ["A Title", "Next"]
    [lone] = _rejected(_read(b"Word " * 49))  # a 244-character title, nothing after it
    assert lone.reason.startswith("title without abstract at end of file: 'Word Word")
    assert len(lone.reason) < 200 and lone.reason.endswith("…'")


def test_a_file_without_blank_lines_is_rejected_in_bounded_memory() -> None:
    endless = b"A Title\n\n" + b"one more line of an abstract that never ends\n" * 50_000
    records = _read(endless + b"\nNext Title\n\nIts abstract.\n")
    [rejected] = _rejected(records)
    assert rejected.location == "page.txt:1"
    assert "paragraph from line 3 longer than 100,000 characters" in rejected.reason
    assert [p.title for p in _papers(records)] == ["Next Title"]


def test_file_without_header_and_with_wrapped_abstracts() -> None:
    text = (
        b"A Title\n\nFirst line of the abstract,\nwrapped onto a second line.\n\n"
        b"Another Title\n\nIts abstract.\n"
    )
    papers = _papers(_read(text))
    assert [(p.title, p.abstract) for p in papers] == [
        ("A Title", "First line of the abstract, wrapped onto a second line."),
        ("Another Title", "Its abstract."),
    ]


def test_sniff(sample: bytes, shared_data: Path) -> None:
    assert text_dump.sniff(sample[:65536])
    for other in ("arxiv/kaggle_snapshot_head200.jsonl", "hf/daily_papers_2024-10-25.first8.json"):
        assert not text_dump.sniff((shared_data / other).read_bytes()[:65536])
    assert not text_dump.sniff(b"\x00\x01\x02binary\n\n")
