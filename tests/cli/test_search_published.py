"""`paperscope search` with INDEX_URL reads the generation the web instances serve, not
a local index that a host without the indexer does not have."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from paperscope.config import Settings
from paperscope.index.catch_up import catch_up_indexes
from paperscope.index.publish import publish_generation
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.papers import upsert_papers

CLI = [sys.executable, "-c", "from paperscope.cli import main; main()"]


def _search(settings: Settings, index_url: Path, text: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env.update(
        PAPERSCOPE_DATA_DIR=str(settings.data_dir),
        PAPERSCOPE_DEV_MODE="1",
        PAPERSCOPE_INDEX_URL=str(index_url),
        COLUMNS="400",
    )
    return subprocess.run(
        [*CLI, "search", text, "--mode", "bm25", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_search_reads_the_published_generation(
    tmp_path: Path, settings: Settings, store: Store
) -> None:
    paper = Paper(
        paper_id="2402.10001",
        arxiv_id="2402.10001",
        title="Sparse attention for long documents",
        abstract="Attention over long documents, made sparse.",
        submitted_at=datetime(2024, 2, 1, tzinfo=UTC),
        source="arxiv-snapshot",
    )
    upsert_papers(store=store, papers_in=[paper])
    shared = tmp_path / "shared-index"
    indexer = settings.model_copy(update={"index_url": str(shared)})
    catch_up_indexes(settings=indexer, store=store, dense=False)
    publish_generation(settings=indexer)
    shutil.rmtree(settings.data_dir / "index")  # only the published copy is left

    done = _search(settings, shared, "sparse")
    assert done.returncode == 0, done.stderr
    assert [hit["paper_id"] for hit in json.loads(done.stdout)["hits"]] == ["2402.10001"]

    empty = _search(settings, tmp_path / "nothing-here", "sparse")
    assert empty.returncode != 0
    assert "nothing published at" in empty.stderr and "Traceback" not in empty.stderr
