"""The paperscope export format: every Paper field, and clear rejections."""

from __future__ import annotations

import io
from dataclasses import fields
from datetime import UTC, date, datetime

import orjson
import pytest

from paperscope.models import AuthorDetail, Paper, Profile, Rejected, Version
from paperscope.sources import paperscope_export

FULL = Paper(
    paper_id="2401.12345",
    title="A title",
    abstract="An abstract with $x^2$.",
    arxiv_id="2401.12345",
    authors=("Ada Lovelace", "Alan Turing"),
    categories=("cs.LG", "stat.ML"),
    primary_category="cs.LG",
    versions=(Version(1, datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "12kb"), Version(2)),
    submitted_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    updated_at=datetime(2024, 2, 1, tzinfo=UTC),
    feed_date=date(2024, 1, 3),
    comments="9 pages",
    journal_ref="J. 1",
    doi="10.1/x",
    report_no="R-1",
    license="CC0",
    submitter="Ada",
    project_url="https://p",
    code_url="https://c",
    external_upvotes=7,
    ai_summary="Summary.",
    ai_keywords=("k1", "k2"),
    submitted_by=Profile(
        "ClownRat", "Zesen Cheng", "/avatars/1b.svg", (("isPro", False), ("followerCount", 2))
    ),
    organization=Profile("org", "The Org", "https://cdn.example/o.png", (("_id", "abc"),)),
    author_details=(
        AuthorDetail(
            "Ada Lovelace",
            Profile("ada", "Ada Lovelace", "/avatars/a.svg", (("_id", "u1"), ("isPro", False))),
            "claimed_verified",
            datetime(2024, 10, 25, 9, 30, 2, 67000, tzinfo=UTC),
        ),
        AuthorDetail("Alan Turing", hidden=True),
    ),
    listed_at=datetime(2024, 1, 3, 0, 57, 9, 392000, tzinfo=UTC),
    thumbnail_url="https://cdn.example/t.png",
    media_urls=("https://cdn.example/a.png", "https://cdn.example/b.mp4"),
    github_stars=1234,
    source_comments=3,
    links_edited_by="ada",
    source="oai-pmh",
    sources=("oai-pmh", "hf-daily"),
)


def _roundtrip(papers: list[Paper]) -> tuple[bytes, list[Paper | Rejected]]:
    out = io.BytesIO()
    assert paperscope_export.write_export(papers, out) == len(papers)
    data = out.getvalue()
    return data, list(paperscope_export.read_records(io.BytesIO(data), name="e.jsonl"))


def test_every_field_survives_a_round_trip() -> None:
    minimal = Paper(paper_id="ps-0123456789ab", title="Only a title")
    data, records = _roundtrip([FULL, minimal])
    assert records == [FULL, minimal]
    assert data.splitlines()[0] == b'{"format":"paperscope-export","version":1}'
    assert set(orjson.loads(data.splitlines()[1])) == {f.name for f in fields(Paper)}
    assert paperscope_export.sniff(data)


def test_bad_lines_are_rejected_with_the_field() -> None:
    good = orjson.dumps(FULL)
    bad_type = orjson.loads(good)
    bad_type["external_upvotes"] = "many"
    bad_date = orjson.loads(good)
    bad_date["feed_date"] = "yesterday"
    no_title = orjson.loads(good)
    del no_title["title"]
    data = b"\n".join(
        [
            orjson.dumps(paperscope_export.HEADER),
            good,
            orjson.dumps(bad_type),
            orjson.dumps(bad_date),
            orjson.dumps(no_title),
            b"{not json",
            good[:50],
        ]
    )
    records = list(paperscope_export.read_records(io.BytesIO(data), name="e.jsonl"))
    assert records[0] == FULL
    rejected = {r.location: r.reason for r in records[1:] if isinstance(r, Rejected)}
    assert list(rejected) == ["e.jsonl:3", "e.jsonl:4", "e.jsonl:5", "e.jsonl:6", "e.jsonl:7"]
    assert "'external_upvotes'" in rejected["e.jsonl:3"]
    assert "'feed_date'" in rejected["e.jsonl:4"]
    assert "title" in rejected["e.jsonl:5"]
    assert "truncated" in rejected["e.jsonl:7"]


def test_a_missing_or_newer_header_rejects_the_file() -> None:
    newer = b'{"format": "paperscope-export", "version": 2}\n' + orjson.dumps(FULL)
    [rejected] = list(paperscope_export.read_records(io.BytesIO(newer), name="e.jsonl"))
    assert isinstance(rejected, Rejected) and "upgrade paperscope" in rejected.reason
    [missing] = list(paperscope_export.read_records(io.BytesIO(orjson.dumps(FULL)), name="e"))
    assert isinstance(missing, Rejected) and missing.location == "e:1"


def test_links_that_are_not_http_are_dropped_on_import() -> None:
    record = orjson.loads(orjson.dumps(FULL))
    record.update(code_url="javascript:alert(1)", media_urls=["data:x", "https://ok.example/"])
    record["submitted_by"]["avatar_url"] = "javascript:alert(1)"
    paper = paperscope_export.paper_from_dict(record)
    assert paper.code_url is None and paper.media_urls == ("https://ok.example/",)
    assert paper.submitted_by is not None and paper.submitted_by.avatar_url == ""
    record["organization"] = {"name": "x", "details": [["nested", {"a": 1}]]}
    with pytest.raises(paperscope_export.FieldError, match="'organization'"):
        paperscope_export.paper_from_dict(record)


def test_an_export_from_before_author_details_reads_as_before() -> None:
    record = orjson.loads(orjson.dumps(FULL))
    del record["author_details"]
    assert paperscope_export.paper_from_dict(record) == FULL.replace(author_details=())


def test_author_details_are_checked_and_bounded() -> None:
    record = orjson.loads(orjson.dumps(FULL))
    record["author_details"][0]["user"]["avatar_url"] = "javascript:alert(1)"
    extra = {"name": "Not An Author", "status": "claimed_verified"}
    record["author_details"].append(extra)
    paper = paperscope_export.paper_from_dict(record)
    assert [d.name for d in paper.author_details] == ["Ada Lovelace", "Alan Turing"]
    assert paper.author_details[0].user is not None
    assert paper.author_details[0].user.avatar_url == ""
    for bad in ({"name": "Ada Lovelace", "hidden": "yes"}, {"status": "x"}, "Ada"):
        record["author_details"] = [bad]
        with pytest.raises(paperscope_export.FieldError, match="'author_details'"):
            paperscope_export.paper_from_dict(record)
