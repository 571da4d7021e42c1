"""A store holding the 200 papers of the sample arXiv snapshot, a reader, and the
Zotero-style fixture files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperscope.models import Paper
from paperscope.sources.arxiv_snapshot import read_records
from paperscope.store import Store
from paperscope.store.accounts import ensure_user
from paperscope.store.papers import upsert_papers

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "references"
SNAPSHOT = ROOT / "sample" / "arxiv-snapshot-head200.jsonl"
NOW = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)


def sample_papers() -> list[Paper]:
    with SNAPSHOT.open("rb") as stream:
        return [p for p in read_records(stream, name=SNAPSHOT.name) if isinstance(p, Paper)]


@pytest.fixture
def papers_store(any_store: Store) -> Store:
    upsert_papers(store=any_store, papers_in=sample_papers())
    return any_store


@pytest.fixture
def reader(papers_store: Store) -> int:
    return ensure_user(store=papers_store, username="ana", now=NOW).user_id


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
