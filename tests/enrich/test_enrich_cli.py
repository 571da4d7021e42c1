"""`paperscope enrich openalex` as a user runs it: a real process against the OpenAlex
replay, including one killed with SIGKILL half-way and run again."""

from __future__ import annotations

import copy
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from enrich.enrich_samples import STORED
from enrich.openalex_replay import OpenAlexFault, OpenAlexReplay, load_works
from harvest.replay_server import ReplayServer
from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.citations import get_paper_citations
from paperscope.store.papers import upsert_papers

_MAIN = "from paperscope.cli import main; main()"
_LSTM = "https://openalex.org/W2064675550"


def _env(data_dir: Path, server: ReplayServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env.update(
        PAPERSCOPE_DATA_DIR=str(data_dir),
        PAPERSCOPE_OPENALEX_URL=server.url,
        PAPERSCOPE_OPENALEX_MAILTO="ops@example.org",
        PAPERSCOPE_OPENALEX_REQUESTS_PER_SECOND="50",
        PAPERSCOPE_OPENALEX_BACKOFF_SECONDS="0.01",
        PAPERSCOPE_OPENALEX_MAX_WAIT_SECONDS="0.05",
        PAPERSCOPE_OPENALEX_MAX_RETRIES="1",
        COLUMNS="200",
    )
    return env


def _run(data_dir: Path, server: ReplayServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _MAIN, "enrich", "openalex", *args],
        env=_env(data_dir, server),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _store_papers(settings: Settings, papers: list[Paper]) -> None:
    store = Store.open(settings)
    try:
        upsert_papers(store=store, papers_in=papers)
    finally:
        store.close()


def test_enrich_command_prints_what_it_did(
    settings: Settings, openalex_server: ReplayServer, openalex: OpenAlexReplay
) -> None:
    _store_papers(settings, list(STORED))
    done = _run(settings.data_dir, openalex_server)
    assert done.returncode == 0, done.stderr
    assert (
        "looked up 6 of 6 papers without fresh citation counts: 5 found in OpenAlex, "
        "1 not in OpenAlex; 16 references, 4 of them to papers in the store; "
        "3 requests, 0 retries, 0 rejected"
    ) in done.stdout
    assert (
        "in the store: 5 papers with citation counts, 1 not in OpenAlex, "
        "4 references between stored papers"
    ) in done.stdout
    again = _run(settings.data_dir, openalex_server)
    assert again.returncode == 0 and "nothing to look up" in again.stdout
    assert len(openalex.requests) == 3


def test_a_stopped_run_exits_non_zero_and_says_how_to_resume(
    settings: Settings, openalex_server: ReplayServer, openalex: OpenAlexReplay
) -> None:
    _store_papers(settings, list(STORED))
    openalex.inject(OpenAlexFault.SERVER_ERROR, OpenAlexFault.SERVER_ERROR)
    done = _run(settings.data_dir, openalex_server)
    assert done.returncode == 1
    assert "retrying in" in done.stderr and "HTTP 500" in done.stderr
    assert "enrichment stopped" in done.stderr
    assert "running the same command again resumes" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_run_whose_batches_all_failed_exits_non_zero(
    settings: Settings, openalex_server: ReplayServer, openalex: OpenAlexReplay
) -> None:
    # The endpoint answers HTML: the one batch fails, as surely as a refused connection.
    _store_papers(settings, list(STORED))
    openalex.inject(*[OpenAlexFault.NOT_JSON] * 10)
    done = _run(settings.data_dir, openalex_server, "--limit", "2")
    assert done.returncode == 1, done.stdout
    assert "not JSON" in done.stderr and "enrichment incomplete" in done.stderr
    assert "asked for again on the next run" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_refused_connection_also_exits_non_zero(
    settings: Settings, openalex_server: ReplayServer
) -> None:
    _store_papers(settings, list(STORED))
    with ReplayServer([]) as gone:
        closed = gone.url  # nothing listens there once the block ends
    env = {**_env(settings.data_dir, openalex_server), "PAPERSCOPE_OPENALEX_URL": closed}
    done = subprocess.run(
        [sys.executable, "-c", _MAIN, "enrich", "openalex", "--limit", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "enrichment stopped" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--since", "2024-13-01"], "--since"), (["--limit", "0"], "--limit")],
)
def test_user_mistakes_are_one_message_without_traceback(
    settings: Settings, openalex_server: ReplayServer, args: list[str], message: str
) -> None:
    done = _run(settings.data_dir, openalex_server, *args)
    assert done.returncode == 2 and message in done.stderr
    assert "Traceback" not in done.stderr


def _synthetic(count: int) -> tuple[list[Paper], list[dict[str, Any]]]:
    """``count`` arXiv papers and their works, each citing two others and one work that
    is not in the store, in the recorded works' shape."""
    template = next(w for w in load_works() if w["doi"].endswith("1409.0473"))
    papers, works = [], []
    for i in range(count):
        arxiv_id = f"2402.{10000 + i}"
        wid = f"https://openalex.org/W40{i:08d}"
        work = copy.deepcopy(template)
        work.update(
            id=wid,
            doi=f"https://doi.org/10.48550/arxiv.{arxiv_id}",
            title=f"Synthetic paper {i}",
            display_name=f"Synthetic paper {i}",
            ids={"openalex": wid, "doi": f"https://doi.org/10.48550/arxiv.{arxiv_id}"},
            cited_by_count=i,
            referenced_works=[
                f"https://openalex.org/W40{(i + 1) % count:08d}",
                f"https://openalex.org/W40{(i + 7) % count:08d}",
                _LSTM,
            ],
        )
        for location in work["locations"]:
            location["landing_page_url"] = f"http://arxiv.org/abs/{arxiv_id}"
            location["pdf_url"] = f"http://arxiv.org/pdf/{arxiv_id}"
        works.append(work)
        papers.append(
            Paper(
                paper_id=arxiv_id,
                arxiv_id=arxiv_id,
                title=f"Synthetic paper {i}",
                submitted_at=datetime(2024, 2, 1, tzinfo=UTC),
                source="oai-pmh",
            )
        )
    return papers, works


def _rows(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM paper_citations").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_kill_9_mid_run_then_resume_loses_and_repeats_nothing(settings: Settings) -> None:
    papers, works = _synthetic(120)
    _store_papers(settings, papers)
    replay = OpenAlexReplay(works + load_works())
    replay.delay = 0.25
    with ReplayServer([], routes={"/works": replay}) as server:
        process = subprocess.Popen(
            [sys.executable, "-c", _MAIN, "enrich", "openalex"],
            env=_env(settings.data_dir, server),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        db = settings.data_dir / "paperscope.db"
        deadline = time.monotonic() + 60
        while _rows(db) == 0 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        saved = _rows(db)
        assert 0 < saved < 120, "the kill should land after the first batch, before the end"
        replay.delay = 0.0
        replay.requests.clear()
        done = _run(settings.data_dir, server)
    assert done.returncode == 0, done.stderr
    left = 120 - saved
    assert f"looked up {left} of {left} papers" in done.stdout
    assert f"{left} found in OpenAlex, 0 not in OpenAlex" in done.stdout
    asked = {
        v.removeprefix("10.48550/arxiv.")
        for f in replay.filters()
        if f.startswith("doi:")
        for v in f.removeprefix("doi:").split("|")
    }
    assert len(asked) == left  # nothing fetched twice
    store = Store.open(settings)
    try:
        assert _rows(db) == 120
        first = get_paper_citations(store=store, paper_id="2402.10000")
        last = get_paper_citations(store=store, paper_id="2402.10119")
    finally:
        store.close()
    assert first is not None and first.references == ("2402.10007", "2402.10001")
    assert last is not None and last.cited_by_count == 119
    assert set(last.references) == {"2402.10000", "2402.10006"}
