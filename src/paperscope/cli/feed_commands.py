"""`paperscope subscriptions ...`, `paperscope digest run` and `paperscope worker`."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from paperscope.cli.common import DataDirOption, UserError, console, make_settings, open_store
from paperscope.store.database import MAX_ROW_ID

subscriptions_app = typer.Typer(help="Manage e-mail digest subscriptions.", no_args_is_help=True)
digest_app = typer.Typer(help="Build and send e-mail digests.", no_args_is_help=True)


@subscriptions_app.command("add")
def add_command(
    email: Annotated[str, typer.Argument(help="Address to send digests to.")],
    search: Annotated[
        str | None, typer.Option("--search", help="Saved search: alert on new matches.")
    ] = None,
    trending: Annotated[
        bool, typer.Option("--trending", help="Include the top trending papers.")
    ] = False,
    trending_window: Annotated[
        str | None,
        typer.Option(
            "--trending-window",
            help="Trending of the 'day' (default) or 'week'; implies --trending.",
        ),
    ] = None,
    trending_category: Annotated[
        str | None,
        typer.Option(
            "--trending-category",
            help="Only trending papers in this category or archive (cs.LG, cs); implies "
            "--trending.",
        ),
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option("--category", help="Category (repeatable). With --search: a filter."),
    ] = None,
    author: Annotated[
        list[str] | None,
        typer.Option("--author", help="Followed author (repeatable). With --search: a filter."),
    ] = None,
    frequency: Annotated[
        str, typer.Option("--frequency", help="daily, weekdays or weekly.")
    ] = "daily",
    at: Annotated[str, typer.Option("--at", help="Local send time, HH:MM.")] = "08:00",
    time_zone: Annotated[str, typer.Option("--time-zone", help="e.g. Europe/Paris.")] = "UTC",
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score", min=-1.0, max=1.0, help="Saved-search relevance threshold, -1 to 1."
        ),
    ] = None,
    confirmed: Annotated[
        bool, typer.Option("--confirmed", help="Skip the confirmation mail (operator).")
    ] = False,
    data_dir: Path | None = DataDirOption,
) -> None:
    """Subscribe an address to digests or alerts.

    Without --confirmed a confirmation mail is queued and nothing else is sent until the
    link in it is followed."""
    from paperscope.feeds.schedule import FREQUENCIES
    from paperscope.feeds.subscriptions import InvalidSubscription, describe, make_spec, subscribe

    if frequency not in FREQUENCIES:
        raise UserError(f"--frequency {frequency!r}: use daily, weekdays or weekly")
    if trending_window not in (None, "day", "week"):
        raise UserError(f"--trending-window {trending_window!r}: use day or week")
    settings = make_settings(data_dir)
    try:
        spec = make_spec(
            search=search,
            trending=(
                (trending_window or "day")
                if trending or trending_window or trending_category
                else None
            ),
            trending_category=trending_category,
            categories=category or (),
            authors=author or (),
            frequency=frequency,
            send_time=at,
            time_zone=time_zone,
            min_score=min_score,
        )
        with open_store(settings) as store:
            result = subscribe(
                store=store, settings=settings, email=email, spec=spec, confirmed=confirmed
            )
    except InvalidSubscription as exc:
        raise UserError(str(exc)) from exc
    sub = result.subscription
    console.print(f"subscription {sub.subscription_id} for {sub.email}: {describe(sub.spec)}")
    if result.subscription.confirmed_at is None:
        state = "queued" if result.confirmation_queued else "not sent: too many today"
        console.print(f"waiting for confirmation (confirmation mail {state})")


@subscriptions_app.command("list")
def list_command(
    email: Annotated[str | None, typer.Option("--email", help="Only this address.")] = None,
    data_dir: Path | None = DataDirOption,
) -> None:
    """List subscriptions with their state and last digest period."""
    from paperscope.feeds.subscriptions import describe, normalise_email
    from paperscope.store.subscriptions import list_subscriptions

    settings = make_settings(data_dir)
    try:
        address = normalise_email(email) if email else None
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    with open_store(settings) as store:
        found = list_subscriptions(store=store, email=address)
    if not found:
        console.print("no subscriptions")
    for sub in found:
        if not sub.active:
            state = "unsubscribed"
        elif sub.confirmed_at is None or sub.address_confirmed_at is None:
            state = "unconfirmed"
        else:
            state = sub.subscriber_state
        last = sub.last_period or "never"
        console.print(
            f"{sub.subscription_id}\t{sub.email}\t{state}\tlast: {last}\t{describe(sub.spec)}",
            highlight=False,
            soft_wrap=True,
        )


@subscriptions_app.command("remove")
def remove_command(
    subscription_id: Annotated[int, typer.Argument(help="Id shown by `subscriptions list`.")],
    data_dir: Path | None = DataDirOption,
) -> None:
    """Delete a subscription and its queued mail."""
    from paperscope.store.subscriptions import delete_subscription

    settings = make_settings(data_dir)
    # An id no database can hold names no subscription; asking would only overflow.
    with open_store(settings) as store:
        if not 0 < subscription_id <= MAX_ROW_ID or not delete_subscription(
            store=store, subscription_id=subscription_id
        ):
            raise UserError(
                f"no subscription {subscription_id}; `paperscope subscriptions list` shows them"
            )
    console.print(f"removed subscription {subscription_id}")


@digest_app.command("run")
def run_command(
    force: Annotated[
        bool, typer.Option("--force", help="Send what is due now, ignoring the time of day.")
    ] = False,
    data_dir: Path | None = DataDirOption,
) -> None:
    """Build due digests and send everything pending over SMTP (for cron)."""
    from paperscope.feeds.runner import run_pass
    from paperscope.feeds.signing import SigningKeyMissing

    settings = make_settings(data_dir)
    try:
        with open_store(settings) as store:
            report = run_pass(store=store, settings=settings, force=force)
    except SigningKeyMissing as exc:
        raise UserError(str(exc)) from exc
    b, d = report.build, report.delivery
    console.print(
        f"digests: {b.due} due, {b.built} built ({b.papers} papers), {b.empty} with nothing new"
    )
    console.print(
        f"mail: {d.sent} sent, {d.retried} to retry, {d.bounced} bounced, {d.paused} paused"
    )
    for line in b.problems + d.errors:
        console.print(f"  problem: {line}", highlight=False)
    if d.stopped:
        raise UserError(f"delivery stopped: {d.stopped}")


def worker_command(data_dir: Path | None = DataDirOption) -> None:
    """Build and send digests in a loop until stopped.

    A pass runs every DIGEST_WORKER_INTERVAL_SECONDS; Ctrl-C or SIGTERM stops it."""
    from paperscope.feeds.runner import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = make_settings(data_dir)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with open_store(settings) as store:
        passes = run_worker(store=store, settings=settings, stop=stop)
    console.print(f"worker stopped after {passes} passes")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.add_typer(subscriptions_app, name="subscriptions")
    app.add_typer(digest_app, name="digest")
    app.command("worker")(worker_command)
