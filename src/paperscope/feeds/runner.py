"""One pass (build what is due, then send what is pending) and the worker loop around
it. `paperscope digest run` is one pass; `paperscope worker` repeats it."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from paperscope.config import Settings
from paperscope.feeds.digest import BuildReport, build_due_digests
from paperscope.feeds.outbox import DeliveryReport, deliver_pending
from paperscope.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PassReport:
    build: BuildReport
    delivery: DeliveryReport


def run_pass(
    *, store: Store, settings: Settings, force: bool = False, now: datetime | None = None
) -> PassReport:
    """Build what is due at ``now`` (default: the current time), then send. Given a
    ``now``, the whole pass runs at that instant (tests, replays)."""
    build = build_due_digests(
        store=store, settings=settings, now=now or datetime.now(UTC), force=force
    )
    if now is None:
        delivery = deliver_pending(store=store, settings=settings)
    else:
        delivery = deliver_pending(store=store, settings=settings, clock=lambda: now)
    return PassReport(build, delivery)


def run_worker(
    *, store: Store, settings: Settings, stop: threading.Event, passes: int | None = None
) -> int:
    """Run passes every DIGEST_WORKER_INTERVAL_SECONDS until ``stop`` is set; returns
    how many passes ran. A failing pass is logged and the loop goes on."""
    done = 0
    while not stop.is_set() and (passes is None or done < passes):
        try:
            report = run_pass(store=store, settings=settings)
            log.info(
                "digest pass: %d built, %d sent, %d retried, %d bounced",
                report.build.built,
                report.delivery.sent,
                report.delivery.retried,
                report.delivery.bounced,
            )
        except Exception:  # keep the worker alive; the next pass retries
            log.exception("digest pass failed")
        done += 1
        stop.wait(settings.digest_worker_interval_seconds)
    return done
