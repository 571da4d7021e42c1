"""`paperscope serve --workers 2` starts worker processes that serve the given data dir."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_with_two_workers(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env["PAPERSCOPE_DEV_MODE"] = "1"
    command = [sys.executable, "-c", "from paperscope.cli import main; main()", "serve"]
    server = subprocess.Popen(
        [
            *command,
            "--workers",
            "2",
            "--port",
            str(port),
            "--single-user",
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        me = None
        for _ in range(150):
            try:
                me = httpx.get(f"http://127.0.0.1:{port}/api/v1/me", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert me is not None, "the server never answered"
        assert me.status_code == 200
        # the command-line options reached the workers: single-user mode, this data dir
        assert me.json()["username"]
        assert (data_dir / "paperscope.db").exists()
        assert httpx.get(f"http://127.0.0.1:{port}/daily", timeout=5).status_code in (200, 307)
        # each worker embeds queries on its share of the cores, not on all of them
        share = str(max(1, len(os.sched_getaffinity(0)) // 2))
        assert _worker_settings(server.pid, "PAPERSCOPE_EMBEDDING_THREADS") == [share, share]
        # and runs as many searches at once (web/search_slots.py)
        assert _worker_settings(server.pid, "PAPERSCOPE_SEARCH_CONCURRENCY") == [share, share]
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in out, err


def _worker_settings(parent: int, name: str) -> list[str]:
    """``name`` in the environment each worker process of ``parent`` started with."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    values = []
    for child in children:
        environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"multiprocessing" not in cmdline or b"resource_tracker" in cmdline:
            continue  # not a worker
        values += [
            e.split(b"=", 1)[1].decode() for e in environ if e.startswith(f"{name}=".encode())
        ]
    return values
