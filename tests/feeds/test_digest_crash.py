"""The crash test: a 1,000-recipient digest run is SIGKILLed at random points and
restarted until done. Every due subscriber must end up with exactly one digest."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict

import pytest
from feeds_helpers import SmtpSink

from paperscope.config import Settings
from paperscope.feeds.subscriptions import make_spec, subscribe
from paperscope.store import Store
from paperscope.store.outbox import count_by_state, list_messages

RECIPIENTS = 1000
MIN_KILLS = 6
CLI = [sys.executable, "-c", "from paperscope.cli import main; main()", "digest", "run", "--force"]


def _environment(settings: Settings, sink: SmtpSink) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env.update(
        PAPERSCOPE_DATA_DIR=str(settings.data_dir),
        PAPERSCOPE_DEV_MODE="1",
        PAPERSCOPE_SECRET_KEY="crash-test-key",
        PAPERSCOPE_PUBLIC_BASE_URL="https://papers.example.org",
        PAPERSCOPE_SMTP_HOST=sink.host,
        PAPERSCOPE_SMTP_PORT=str(sink.port),
        PAPERSCOPE_SMTP_SENDER="digest@papers.example.org",
        # A killed sender's claims are taken over once its lease runs out.
        PAPERSCOPE_DIGEST_LEASE_SECONDS="1",
    )
    return env


def _subscribe_all(store: Store, settings: Settings) -> None:
    categories = ["hep-ph", "math.CO", "astro-ph", "quant-ph", "cond-mat.mes-hall"]
    for n in range(RECIPIENTS):
        spec = make_spec(trending="day", trending_limit=5, categories=[categories[n % 5]])
        subscribe(
            store=store,
            settings=settings,
            email=f"reader{n}@example.org",
            spec=spec,
            confirmed=True,
        )


@pytest.mark.slow
def test_killed_sender_loses_nothing_and_duplicates_nothing(
    sample_store: Store, settings: Settings, smtp_sink: SmtpSink
) -> None:
    _subscribe_all(sample_store, settings)
    env = _environment(settings, smtp_sink)
    rng = random.Random(20261128)
    progress: list[tuple[int, int]] = []
    kills = mid_send = 0

    def _state() -> tuple[int, int]:
        states = count_by_state(store=sample_store)
        return sum(states.values()), states.get("sent", 0)

    def _kill(proc: subprocess.Popen[bytes]) -> None:
        nonlocal kills, mid_send
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        recorded, sent = _state()
        progress.append((recorded, sent))
        mid_send += int(recorded == RECIPIENTS and 0 < sent < RECIPIENTS)
        time.sleep(1.1)  # let its lease run out

    # First, kills at random moments early in a run (while digests are being built and
    # recorded); how far a process gets in that time depends on the machine's load.
    for _ in range(MIN_KILLS // 2):
        proc = subprocess.Popen(CLI, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.3, 2.0))
        if proc.poll() is not None:
            break
        _kill(proc)
    # Then kills aimed part-way through sending: watch the outbox and kill the moment
    # the count of sent messages passes a random mark, wherever the machine's speed puts it.
    while kills < MIN_KILLS + 1 and _state()[1] < RECIPIENTS:
        proc = subprocess.Popen(CLI, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        remaining = RECIPIENTS - _state()[1]
        mark = RECIPIENTS - remaining + rng.randint(1, max(1, remaining // 4))
        while proc.poll() is None and _state()[1] < mark:
            time.sleep(0.01)
        if proc.poll() is not None:
            break  # it finished everything before the mark
        _kill(proc)
    runs = 0
    # at least one clean run after the kills: it must find nothing left to send
    while runs < 1 or (runs < 20 and count_by_state(store=sample_store) != {"sent": RECIPIENTS}):
        done = subprocess.run(CLI, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        runs += 1
        time.sleep(1.1)

    messages = list_messages(store=sample_store, kind="digest", limit=RECIPIENTS + 1)
    assert len(messages) == RECIPIENTS and {m.state for m in messages} == {"sent"}
    copies: dict[str, list[str]] = defaultdict(list)
    for mail in smtp_sink.received:
        [recipient] = mail.recipients
        copies[recipient].append(mail.message["Message-ID"])
    # zero lost: every due subscriber received its digest
    assert set(copies) == {f"reader{n}@example.org" for n in range(RECIPIENTS)}
    # zero duplicates after de-duplication by Message-ID: one distinct digest each
    assert all(len(set(ids)) == 1 for ids in copies.values())
    # raw copies: a resend can only come from a kill between the server's 250 and the
    # commit, one message in flight per kill; and it is always the same Message-ID
    resent = sum(len(ids) - 1 for ids in copies.values())
    assert resent <= kills
    by_recipient = {m.recipient: m for m in messages}
    assert all(by_recipient[r].attempts >= 2 for r, ids in copies.items() if len(ids) > 1)
    # the kills really hit the run part-way through sending
    assert mid_send >= 1, progress
    print(
        f"\n(recorded, sent) after each kill: {progress}; clean runs: {runs}; "
        f"raw resends (same Message-ID): {resent}"
    )
