"""`paperscope worker`: passes run on their own, and SIGTERM stops the loop cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from feeds_helpers import SmtpSink

from paperscope.config import Settings
from paperscope.feeds.subscriptions import make_spec, subscribe
from paperscope.store import Store


def test_worker_sends_due_digests_and_stops_on_sigterm(
    sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    # due now whatever the hour: the send time is midnight in UTC+14, the earliest zone
    spec = make_spec(categories=["hep-ph"], send_time="00:00", time_zone="Pacific/Kiritimati")
    subscribe(
        store=sample_store, settings=mail_settings, email="w@example.org", spec=spec, confirmed=True
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env.update(
        PAPERSCOPE_DATA_DIR=str(mail_settings.data_dir),
        PAPERSCOPE_DEV_MODE="1",
        PAPERSCOPE_SECRET_KEY=mail_settings.secret_key or "",
        PAPERSCOPE_SMTP_HOST=smtp_sink.host,
        PAPERSCOPE_SMTP_PORT=str(smtp_sink.port),
        PAPERSCOPE_DIGEST_WORKER_INTERVAL_SECONDS="0.2",
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", "from paperscope.cli import main; main()", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not smtp_sink.to("w@example.org") and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # a few more passes: they must not send it again
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "worker stopped after" in output
    assert len(smtp_sink.to("w@example.org")) == 1
