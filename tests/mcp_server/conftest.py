"""A data folder for the MCP tests, built once per session from the bundled sample: the
200-record arXiv snapshot imported and indexed (lexical and dense, the real model), two
readers (alice with a tagged library, an upvote and an API token; bob with upvotes
only), so trending has a clear order and alice has recommendations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mcp_samples import ROOT, SAMPLE, SAVED, McpData

from paperscope.config import Settings
from paperscope.instance import Paperscope
from paperscope.store.accounts import ensure_user
from paperscope.store.upvotes import set_upvote
from paperscope.web.auth import create_api_token


@pytest.fixture(scope="session")
def mcp_data(tmp_path_factory: pytest.TempPathFactory, onnx_models: Path) -> McpData:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("mcp-data"),
        dev_mode=True,
        embedding_cache_dir=onnx_models,
        public_base_url="https://papers.example.org",
    )
    with Paperscope(settings) as api:
        api.import_path(SAMPLE)
        api.index()
        now = datetime.now(UTC)
        alice = ensure_user(store=api.store, username="alice", now=now)
        bob = ensure_user(store=api.store, username="bob", now=now)
        for paper_id in SAVED:
            api.save(alice, paper_id, tags=["qcd"], note=f"read {paper_id} again")
        set_upvote(store=api.store, user_id=alice.user_id, paper_id=SAVED[0], upvoted=True, now=now)
        set_upvote(store=api.store, user_id=bob.user_id, paper_id=SAVED[0], upvoted=True, now=now)
        set_upvote(
            store=api.store,
            user_id=bob.user_id,
            paper_id="0704.0002",
            upvoted=True,
            now=now - timedelta(hours=30),
        )
        _token, secret = create_api_token(store=api.store, user=alice, name="mcp tests")
    return McpData(settings=settings, token=secret, src=ROOT / "src")
