"""`paperscope harvest` as a user runs it: a real process against the replay server,
including one killed with SIGKILL half-way and run again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harvest.replay_server import Fault, OaiRecord, ReplayServer, arxiv_ids
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.harvest_state import list_harvest_states
from paperscope.store.papers import count_papers, list_paper_ids

_MAIN = "from paperscope.cli import main; main()"


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env.update(
        PAPERSCOPE_DATA_DIR=str(data_dir),
        PAPERSCOPE_HARVEST_DELAY_SECONDS="0",
        PAPERSCOPE_HARVEST_BACKOFF_SECONDS="0.01",
        PAPERSCOPE_HARVEST_MAX_WAIT_SECONDS="0.05",
        PAPERSCOPE_HARVEST_MAX_RETRIES="2",
        COLUMNS="200",
    )
    return env


def _command(server: ReplayServer, *extra: str) -> list[str]:
    return [sys.executable, "-c", _MAIN, "harvest", "arxiv", "--set", "cs", "--format", "oai_dc",
            "--url", server.oai_url, *extra]  # fmt: skip


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=_env(data_dir), capture_output=True, text=True, timeout=120)


def test_harvest_command_prints_a_summary_and_status(
    settings: Settings, server: ReplayServer
) -> None:
    done = _run(_command(server), settings.data_dir)
    assert done.returncode == 0, done.stderr
    assert "4 pages, 158 records: 158 new, 0 updated, 0 unchanged, 0 rejected" in done.stdout
    assert "next harvest starts from 2024-01-31" in done.stdout
    status = _run([sys.executable, "-c", _MAIN, "harvest", "status"], settings.data_dir)
    assert status.returncode == 0 and "complete" in status.stdout and "2024-01-31" in status.stdout


def test_user_mistakes_are_one_line_without_traceback(
    settings: Settings, server: ReplayServer
) -> None:
    done = _run(_command(server, "--format", "marc"), settings.data_dir)
    assert done.returncode == 2
    assert "error: unknown metadata format 'marc'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("url", ["not-a-url", "ftp://export.arxiv.org/oai2"])
def test_a_url_that_is_no_endpoint_is_refused_before_any_request(
    settings: Settings, url: str
) -> None:
    args = [sys.executable, "-c", _MAIN, "harvest", "arxiv", "--url", url, "--set", "cs"]
    done = _run(args, settings.data_dir)
    assert done.returncode == 2
    assert f"error: --url: {url!r} is not an http:// or https:// address" in done.stderr
    assert "retrying" not in done.stderr and "Traceback" not in done.stderr
    status = _run([sys.executable, "-c", _MAIN, "harvest", "status"], settings.data_dir)
    assert "no harvests yet" in status.stdout


def test_stopped_harvest_exits_non_zero_and_says_how_to_resume(
    settings: Settings, server: ReplayServer
) -> None:
    server.inject(None, *[Fault.SERVER_ERROR] * 3)
    done = _run(_command(server), settings.data_dir)
    assert done.returncode == 1
    assert (
        "harvest stopped" in done.stderr and "running the same command again resumes" in done.stderr
    )
    assert "1 pages, 40 records: 40 new" in done.stdout
    assert "Traceback" not in done.stderr


def test_kill_9_mid_harvest_then_resume_loses_and_doubles_nothing(
    settings: Settings, server: ReplayServer, recorded: list[OaiRecord]
) -> None:
    server.page_size, server.page_delay = 20, 0.3
    process = subprocess.Popen(_command(server), env=_env(settings.data_dir),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while server.pages_served < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    store = Store.open(settings)
    try:
        interrupted = count_papers(store=store)
        assert 0 < interrupted < len(recorded)
        [(_, _, state)] = list_harvest_states(store=store)
        assert state["run"] and state["run"]["token"]
    finally:
        store.close()

    server.page_delay = 0.0
    served_before = len(server.oai_requests())
    done = _run(_command(server), settings.data_dir)
    assert done.returncode == 0, done.stderr
    assert "(resumed)" in done.stdout
    assert "resumptionToken" in server.oai_requests()[served_before]
    store = Store.open(settings)
    try:
        ids = list_paper_ids(store=store, limit=10_000)
        assert len(ids) == len(set(ids)) == count_papers(store=store)
        assert set(ids) == arxiv_ids(recorded)
    finally:
        store.close()
