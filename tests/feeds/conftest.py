"""Fixtures of the feeds tests: a real SMTP server on loopback (aiosmtpd) that records
what it accepts, and the store filled with real arXiv records from the shared data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from feeds_helpers import RecordingHandler, SmtpSink, free_port, snapshot_papers

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.papers import upsert_papers


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpSink("127.0.0.1", port, handler)
    finally:
        controller.stop()


@pytest.fixture
def mail_settings(settings: Settings, smtp_sink: SmtpSink) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": smtp_sink.host,
            "smtp_port": smtp_sink.port,
            "smtp_sender": "paperscope digests <digest@papers.example.org>",
            "public_base_url": "https://papers.example.org",
            "secret_key": "test-secret-key-for-signing-links",
            "digest_retry_seconds": 0.0,
        }
    )


def _load_sample(store: Store, shared_data: Path) -> Store:
    papers = snapshot_papers(shared_data / "arxiv" / "kaggle_snapshot_head200.jsonl")
    today = datetime.now(UTC).date()
    papers = [
        p.replace(feed_date=today, external_upvotes=20 - i) if i < 20 else p
        for i, p in enumerate(papers)
    ]
    upsert_papers(store=store, papers_in=papers)
    return store


@pytest.fixture
def sample_store(store: Store, shared_data: Path) -> Store:
    """The 200 snapshot records, arrived just now; the first 20 entered today's feed with
    Hugging Face upvotes (20, 19, ...), so trending has something to rank."""
    return _load_sample(store, shared_data)


@pytest.fixture
def any_sample_store(any_store: Store, shared_data: Path) -> Store:
    """The same on SQLite and on PostgreSQL."""
    return _load_sample(any_store, shared_data)
