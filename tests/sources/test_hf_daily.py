"""The Hugging Face daily papers reader on the real 8-entry sample and damaged copies."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from paperscope.models import Paper, Rejected
from paperscope.sources import hf_daily

SAMPLE = "hf/daily_papers_2024-10-25.first8.json"


def _read(data: bytes) -> list[Paper | Rejected]:
    return list(hf_daily.read_records(io.BytesIO(data), name="daily.json"))


def _ids(records: list[Paper | Rejected]) -> list[str]:
    return [r.paper_id for r in records if isinstance(r, Paper)]


def _rejected(records: list[Paper | Rejected]) -> list[Rejected]:
    return [r for r in records if isinstance(r, Rejected)]


@pytest.fixture
def sample(shared_data: Path) -> bytes:
    return (shared_data / SAMPLE).read_bytes()


@pytest.fixture
def entries(sample: bytes) -> list[dict[str, object]]:
    loaded: list[dict[str, object]] = orjson.loads(sample)
    return loaded


def test_reads_every_entry(sample: bytes, entries: list[dict[str, object]]) -> None:
    records = _read(sample)
    assert _rejected(records) == []
    assert _ids(records) == [e["paper"]["id"] for e in entries]  # type: ignore[index]
    assert len(records) == 8


def test_maps_fields_of_an_entry(sample: bytes) -> None:
    first = _read(sample)[0]
    assert isinstance(first, Paper)
    assert first.paper_id == first.arxiv_id == "2410.17243"
    assert first.title == (
        "Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss"
    )
    assert first.abstract.startswith("Contrastive loss is a powerful approach")
    assert (
        first.authors[:3] == ("Zesen Cheng", "Hang Zhang", "Kehan Li") and len(first.authors) == 9
    )
    assert first.submitted_at == datetime(2024, 10, 22, 17, 59, 30, tzinfo=UTC)
    assert first.feed_date == date(2024, 10, 25)  # the day of the listing
    assert first.external_upvotes == 64
    assert first.source == "hf-daily"


def test_optional_links_and_ai_fields(entries: list[dict[str, object]]) -> None:
    entry = entries[0]
    entry["paper"].update(  # type: ignore[attr-defined]
        githubRepo="https://github.com/x/y",
        projectPage="https://x.github.io",
        ai_summary="  A  summary. ",
        ai_keywords=["contrastive loss", "tiling"],
        submittedOnDailyAt="2024-10-24T12:00:00.000Z",
    )
    paper = hf_daily.paper_from_entry(entry)
    assert paper.code_url == "https://github.com/x/y"
    assert paper.project_url == "https://x.github.io"
    assert paper.ai_summary == "A summary."
    assert paper.ai_keywords == ("contrastive loss", "tiling")
    assert paper.feed_date == date(2024, 10, 24)


def test_truncated_file_keeps_the_complete_entries(sample: bytes) -> None:
    cut = sample.index(b'{"paper"', sample.index(b'"2410.18693"')) + 300  # inside entry 4
    records = _read(sample[:cut])
    assert _ids(records) == ["2410.17243", "2410.16251", "2410.18533", "2410.18693"]
    [rejected] = _rejected(records)
    assert rejected.location == "daily.json entry 4"
    assert "truncated" in rejected.reason


def test_missing_closing_bracket_is_reported(sample: bytes) -> None:
    records = _read(sample.rstrip()[:-1])
    assert len(_ids(records)) == 8
    [rejected] = _rejected(records)
    assert rejected.location == "daily.json" and "closing ']'" in rejected.reason


def test_bad_entries_are_rejected_with_their_index(entries: list[dict[str, object]]) -> None:
    del entries[3]["paper"]["title"]  # type: ignore[attr-defined]
    entries[3]["title"] = ""
    entries[5]["paper"]["id"] = "no-such-id"  # type: ignore[index]
    data = orjson.dumps(entries)
    second = data.index(b'{"paper"', 10)
    data = data[:second] + b"GARBAGE," + data[second:]  # junk between entries 0 and 1
    sixth = data.index(b'{"paper"', data.index(b"no-such-id") + 100)
    inside = data.index(b'"summary":"', sixth) + 20  # in the text of the summary
    data = data[:inside] + b"\xff\xfe" + data[inside:]  # invalid UTF-8 in entry 7
    records = _read(data)
    assert len(_ids(records)) == 8 - 3
    assert [(r.location, r.reason.split(":")[0]) for r in _rejected(records)] == [
        ("daily.json entry 1", "malformed JSON at character 0 of the entry"),
        ("daily.json entry 4 (2410.18693)", "entry has no title"),
        ("daily.json entry 6 (no-such-id)", "missing or invalid arXiv id 'no-such-id'"),
        ("daily.json entry 7", f"invalid UTF-8 at character {inside - sixth}"),
    ]


def test_sniff(sample: bytes, shared_data: Path) -> None:
    assert hf_daily.sniff(sample[:65536])
    assert not hf_daily.sniff((shared_data / "arxiv/kaggle_snapshot_head200.jsonl").read_bytes())
    assert not hf_daily.sniff(b"[1, 2, 3]")


def test_keeps_everything_the_listing_says(sample: bytes, entries: list[dict[str, Any]]) -> None:
    for record, entry in zip(_read(sample), entries, strict=True):
        assert isinstance(record, Paper)
        submitter = entry["submittedBy"]
        assert record.submitted_by is not None
        assert record.submitted_by.name == submitter["name"]
        assert record.submitted_by.fullname == submitter["fullname"]
        assert record.submitted_by.avatar_url == submitter["avatarUrl"]
        others = {k: v for k, v in submitter.items() if k not in ("name", "fullname", "avatarUrl")}
        assert dict(record.submitted_by.details) == others
        assert record.thumbnail_url == entry["thumbnail"]
        assert record.media_urls == tuple(entry.get("mediaUrls", ()))
        assert record.source_comments == entry["numComments"]
        assert record.listed_at == datetime.fromisoformat(entry["publishedAt"])
        assert record.submitted_at == datetime.fromisoformat(entry["paper"]["publishedAt"])
    first = _read(sample)[0]
    assert isinstance(first, Paper)
    # to the millisecond: 2024-10-25T00:57:09.392Z
    assert first.listed_at == datetime(2024, 10, 25, 0, 57, 9, 392000, tzinfo=UTC)
    assert first.submitted_by is not None and first.submitted_by.name == "ClownRat"


def test_organisation_stars_and_daily_submitter(entries: list[dict[str, Any]]) -> None:
    entry = entries[1]
    del entry["submittedBy"]
    entry["paper"].update(
        githubStars=1234,
        organization={"_id": "abc", "name": "org", "fullname": "The Org", "avatar": "/o.png"},
        submittedOnDailyBy={"_id": "u1", "user": "akhaliq", "fullname": "AK", "type": "user"},
    )
    paper = hf_daily.paper_from_entry(entry)
    assert paper.github_stars == 1234
    assert paper.organization is not None
    assert (paper.organization.name, paper.organization.fullname) == ("org", "The Org")
    assert paper.organization.avatar_url == "/o.png"
    assert dict(paper.organization.details) == {"_id": "abc"}
    assert paper.submitted_by is not None and paper.submitted_by.name == "akhaliq"


def test_hostile_links_are_dropped_and_the_paper_kept(entries: list[dict[str, Any]]) -> None:
    entry = entries[2]
    entry["paper"].update(githubRepo="javascript:alert(1)", projectPage="data:text/html,x")
    entry["thumbnail"] = "javascript:alert(2)"
    entry["mediaUrls"] = ["https://ok.example/a.png", "vbscript:x"]
    entry["submittedBy"]["avatarUrl"] = "javascript:alert(3)"
    entry["numComments"] = -4
    paper = hf_daily.paper_from_entry(entry)
    assert paper.code_url is None and paper.project_url is None
    assert paper.thumbnail_url is None
    assert paper.media_urls == ("https://ok.example/a.png",)
    assert paper.submitted_by is not None and paper.submitted_by.avatar_url == ""
    assert paper.source_comments is None
    assert paper.title


def test_an_entry_nested_too_deeply_is_rejected_alone(entries: list[dict[str, Any]]) -> None:
    depth = 100_000
    deep = b'{"paper": {"id": "2410.00001", "x": ' + b"[" * depth + b"]" * depth + b"}}"
    good = [orjson.dumps(e) for e in entries[:3]]
    data = b"[" + good[0] + b"," + deep + b"," + good[1] + b"," + good[2] + b"]"
    records = _read(data)
    assert _ids(records) == [e["paper"]["id"] for e in entries[:3]]
    [rejected] = _rejected(records)
    assert rejected.location == "daily.json entry 1"
    assert "nested too deeply" in rejected.reason
    # the same with the deep entry last and the file cut inside it
    records = _read(b"[" + good[0] + b"," + deep[: len(deep) // 2])
    assert _ids(records) == [entries[0]["paper"]["id"]]
    assert "nested too deeply" in _rejected(records)[0].reason


def test_keeps_what_the_listing_says_of_each_author(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        paper = hf_daily.paper_from_entry(entry)
        said = [a for a in entry["paper"]["authors"] if "user" in a or "status" in a]
        assert [d.name for d in paper.author_details] == [a["name"] for a in said]
        for detail, author in zip(paper.author_details, said, strict=True):
            assert detail.status == author["status"]
            assert detail.status_last_changed_at == datetime.fromisoformat(
                author["statusLastChangedAt"]
            )
            assert detail.hidden is False and detail.user is not None
            user = author["user"]
            assert (detail.user.name, detail.user.fullname) == (user["user"], user["fullname"])
            assert detail.user.avatar_url == user["avatarUrl"]
            others = {k: v for k, v in user.items() if k not in ("user", "fullname", "avatarUrl")}
            assert dict(detail.user.details) == others
    first = hf_daily.paper_from_entry(entries[0])
    assert [d.user.name for d in first.author_details if d.user] == [
        "ClownRat", "Zhiqiang007", "LidongBing",
    ]  # fmt: skip


def test_author_details_are_checked_and_bounded(entries: list[dict[str, Any]]) -> None:
    entry = entries[0]
    authors = entry["paper"]["authors"]
    authors[0]["user"]["avatarUrl"] = "javascript:alert(1)"
    authors[1]["status"] = "x" * 65  # not a status: dropped, the author kept
    authors[1]["statusLastChangedAt"] = "not a date"
    authors[2]["hidden"] = True
    authors[3]["user"] = "not an object"
    paper = hf_daily.paper_from_entry(entry)
    by_name = {d.name: d for d in paper.author_details}
    assert by_name["Zesen Cheng"].user is not None
    assert by_name["Zesen Cheng"].user.avatar_url == ""
    assert "Hang Zhang" not in by_name  # nothing but a name left
    assert by_name["Kehan Li"].hidden is True and by_name["Kehan Li"].user is None
    assert "Sicong Leng" not in by_name
    # A hostile file: more author records than names, and huge profiles.
    big = {"user": "u", "fullname": "F" * 5000, "avatarUrl": "/a.svg", "type": "user"}
    entry["paper"]["authors"] = [
        {"name": f"Author {i}", "user": big, "status": "claimed_verified"} for i in range(400)
    ] + [{"user": big, "status": "claimed_verified"}] * 50  # no names
    paper = hf_daily.paper_from_entry(entry)
    assert len(paper.authors) == 400
    assert 0 < len(paper.author_details) < 100
    assert [d.name for d in paper.author_details] == list(
        paper.authors[: len(paper.author_details)]
    )
