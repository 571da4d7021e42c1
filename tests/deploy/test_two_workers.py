"""Two `paperscope worker` processes, as on two hosts (each its own data folder), on
one PostgreSQL and a real SMTP server on loopback: every digest is delivered exactly
once, however the two interleave."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from processes import (
    CLI,
    ROOT,
    SECRET,
    environment,
    free_port,
    postgres_database,
    run_cli,
    wait_until,
)

from paperscope.config import Settings
from paperscope.feeds.subscriptions import make_spec, subscribe
from paperscope.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

# More than one claim batch (feeds/outbox.py CLAIM_BATCH): both workers get a share.
SUBSCRIBERS = 150


class SlowRecorder:
    """Accepts every message, a little slowly, so both workers are sending at once."""

    def __init__(self) -> None:
        self.recipients: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.05)
        with self.lock:
            self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def test_two_workers_deliver_every_digest_exactly_once(tmp_path: Path) -> None:
    recorder = SlowRecorder()
    smtp_port = free_port()
    smtp = Controller(recorder, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    with postgres_database() as database_url:
        env = environment(
            PAPERSCOPE_DATABASE_URL=database_url,
            PAPERSCOPE_SECRET_KEY=SECRET,
            PAPERSCOPE_SMTP_HOST="127.0.0.1",
            PAPERSCOPE_SMTP_PORT=str(smtp_port),
            PAPERSCOPE_DIGEST_WORKER_INTERVAL_SECONDS="0.1",
        )
        run_cli(env, "db", "upgrade", data_dir=tmp_path / "setup")
        run_cli(
            env,
            "import",
            str(ROOT / "sample" / "arxiv-snapshot-head200.jsonl"),
            data_dir=tmp_path / "setup",
        )
        settings = Settings(
            data_dir=tmp_path / "setup", database_url=database_url, secret_key=SECRET
        )
        store = Store.open(settings, upgrade=False)
        # due now whatever the hour: the send time is midnight in UTC+14, the earliest zone
        spec = make_spec(categories=["hep-ph"], send_time="00:00", time_zone="Pacific/Kiritimati")
        addresses = [f"reader{n}@example.org" for n in range(SUBSCRIBERS)]
        for address in addresses:
            subscribe(store=store, settings=settings, email=address, spec=spec, confirmed=True)
        store.close()

        workers = [
            subprocess.Popen(
                [*CLI, "worker"],
                env={**env, "PAPERSCOPE_DATA_DIR": str(tmp_path / f"host{n}")},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for n in range(2)
        ]
        outputs = []
        try:
            wait_until(
                lambda: len(recorder.recipients) >= SUBSCRIBERS,
                seconds=120,
                what="every digest delivered",
            )
            time.sleep(2.0)  # more passes of both workers: nothing may go out again
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                output, _ = worker.communicate(timeout=60)
                outputs.append(output)
            smtp.stop()
    for worker, output in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, output
    delivered = Counter(recorder.recipients)
    assert sorted(delivered) == sorted(addresses)
    assert set(delivered.values()) == {1}, delivered.most_common(3)
    sent = [sum(int(n) for n in re.findall(r"built, (\d+) sent", out)) for out in outputs]
    assert sum(sent) == SUBSCRIBERS
    assert min(sent) > 0, f"only one worker sent anything: {sent}"
    print(f"{SUBSCRIBERS} digests, each delivered once; sent by each worker: {sent}")
