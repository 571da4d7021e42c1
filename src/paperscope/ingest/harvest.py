"""Harvesting arXiv over OAI-PMH.

A harvest asks for one window of datestamps (``from``/``until``) in one metadata
format and set, follows resumption tokens page by page, and after every page first
upserts its papers, then saves a checkpoint (window, token, counts). Killed at any
moment, the next run resumes from the last saved token; a page stored but not yet
checkpointed is simply fetched and upserted again, which changes nothing, so no
record is lost or doubled.

A finished harvest remembers where it ended (its ``until``, or the server's date when
it started), and the next run without ``--from`` starts there: harvesting is
incremental by default. An expired resumption token restarts the window from its
``from`` date; ``noRecordsMatch`` is an empty window, not an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from paperscope.config import Settings
from paperscope.ingest.harvest_http import (
    HarvestError,
    HarvestStopped,
    PoliteClient,
    RetryCallback,
    check_endpoint,
)
from paperscope.ingest.harvest_recent import (
    RecentReport,
    fetch_paper,
    fetch_papers,
    harvest_recent,
)
from paperscope.models import Rejected
from paperscope.sources.arxiv_oai import OaiPage, parse_page
from paperscope.sources.arxiv_oai_formats import METADATA_PREFIXES
from paperscope.store import Store
from paperscope.store.harvest_state import get_harvest_state, put_harvest_state
from paperscope.store.papers import upsert_papers

__all__ = [
    "DEFAULT_FORMAT",
    "HarvestError",
    "HarvestIncomplete",
    "HarvestReport",
    "RecentReport",
    "checkpoint_name",
    "fetch_paper",
    "fetch_papers",
    "harvest_oai",
    "harvest_recent",
]

DEFAULT_FORMAT = "arXiv"
_REJECTED_KEPT = 100  # a report lists this many rejected records; all are counted


@dataclass
class HarvestReport:
    """What one harvest run did. ``records`` and ``pages_total`` include pages stored
    by earlier, interrupted runs of the same harvest."""

    pages: int = 0
    records: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    rejected_count: int = 0
    deleted: int = 0
    retries: int = 0
    restarts: int = 0
    resumed: bool = False
    complete: bool = False
    from_date: date | None = None
    until_date: date | None = None
    complete_list_size: int | None = None
    next_from: date | None = None


class HarvestIncomplete(HarvestError):
    """The harvest stopped early; its checkpoint is saved and the same command
    resumes it. ``report`` says what was done before it stopped."""

    def __init__(self, message: str, *, report: HarvestReport) -> None:
        super().__init__(message)
        self.report = report


ProgressCallback = Callable[[HarvestReport], None]


@dataclass(frozen=True, slots=True)
class _Request:
    url: str
    metadata_prefix: str
    set_spec: str | None


def checkpoint_name(*, url: str, metadata_prefix: str, set_spec: str | None) -> str:
    """One checkpoint per endpoint, format and set: they are separate harvests."""
    return f"arxiv-oai {url} {metadata_prefix} {set_spec or '*'}"


def harvest_oai(
    *,
    settings: Settings,
    store: Store,
    metadata_prefix: str = DEFAULT_FORMAT,
    set_spec: str | None = None,
    from_date: date | None = None,
    until_date: date | None = None,
    url: str | None = None,
    on_progress: ProgressCallback | None = None,
    on_retry: RetryCallback | None = None,
) -> HarvestReport:
    """Harvest one window, resuming an interrupted run of the same harvest.

    Raises HarvestError for requests the server refuses (bad set, format or dates)
    and HarvestIncomplete when the server stays unreachable through every retry."""
    _check_arguments(metadata_prefix, from_date, until_date)
    request = _Request(url or settings.arxiv_oai_url, metadata_prefix, set_spec)
    check_endpoint(request.url)
    name = checkpoint_name(url=request.url, metadata_prefix=metadata_prefix, set_spec=set_spec)
    state = get_harvest_state(store=store, name=name) or {}
    run, resumed = _plan_run(state, from_date, until_date)
    report = HarvestReport(
        resumed=resumed,
        from_date=_day(run["from"]),
        until_date=_day(run["until"]),
        records=run["records"],
        complete_list_size=run["complete_list_size"],
    )
    with PoliteClient(settings=settings, on_retry=on_retry) as client:
        try:
            _harvest_pages(client, request, store, name, state, run, report, on_progress)
        except HarvestStopped as exc:
            raise HarvestIncomplete(
                f"{exc}. {_resume_hint(state, report)}", report=report
            ) from None
        finally:
            report.retries = client.retries
    report.next_from = _finish(state, run)
    put_harvest_state(store=store, name=name, state=state)
    report.complete = True
    if on_progress:
        on_progress(report)
    return report


def _resume_hint(state: dict[str, Any], report: HarvestReport) -> str:
    """What a rerun does: resume from the saved checkpoint, or, when the endpoint never
    answered and nothing was saved, start afresh."""
    if report.pages or state.get("run"):
        return (
            f"Stopped after {report.pages} pages; the checkpoint is saved, so running the "
            "same command again resumes where this one stopped."
        )
    return (
        "Nothing was harvested and no checkpoint was saved; check the address, or try again later."
    )


def _check_arguments(metadata_prefix: str, from_date: date | None, until_date: date | None) -> None:
    if metadata_prefix not in METADATA_PREFIXES:
        known = ", ".join(METADATA_PREFIXES)
        raise HarvestError(f"unknown metadata format {metadata_prefix!r}; choose one of {known}")
    if from_date and until_date and from_date > until_date:
        raise HarvestError(f"--from {from_date} is after --until {until_date}")


def _plan_run(
    state: dict[str, Any], from_date: date | None, until_date: date | None
) -> tuple[dict[str, Any], bool]:
    """Resume the saved run when the request fits it; otherwise start a new window,
    from ``from_date`` or where the last complete harvest ended."""
    saved = state.get("run")
    if saved and _fits(saved, from_date, until_date):
        return saved, bool(saved.get("token"))
    start = from_date.isoformat() if from_date else state.get("last_until")
    run = {
        "from": start,
        "until": until_date.isoformat() if until_date else None,
        "token": None,
        "cursor": None,
        "complete_list_size": None,
        "records": 0,
        "pages": 0,
        "response_date": None,
    }
    return run, False


def _fits(saved: dict[str, Any], from_date: date | None, until_date: date | None) -> bool:
    return (from_date is None or saved.get("from") == from_date.isoformat()) and (
        until_date is None or saved.get("until") == until_date.isoformat()
    )


def _harvest_pages(
    client: PoliteClient,
    request: _Request,
    store: Store,
    name: str,
    state: dict[str, Any],
    run: dict[str, Any],
    report: HarvestReport,
    on_progress: ProgressCallback | None,
) -> None:
    while True:
        page = _next_page(client, request, run, report)
        if page is None:  # noRecordsMatch: the window is empty
            return
        _store_page(store, page, report)
        _advance(run, page, report)
        if run["token"] is None:
            return
        state["run"] = run
        put_harvest_state(store=store, name=name, state=state)
        if on_progress:
            on_progress(report)


def _next_page(
    client: PoliteClient, request: _Request, run: dict[str, Any], report: HarvestReport
) -> OaiPage | None:
    while True:
        page = client.get(request.url, _params(request, run), parse=_parser(request.url))
        if page.error("badResumptionToken") and run["token"]:
            # Tokens expire (arXiv's after about a day): restart the window; pages
            # already stored are unchanged when they arrive again.
            if report.restarts >= client.settings.harvest_max_retries:
                raise HarvestError(
                    f"{request.url} rejected {report.restarts + 1} resumption tokens in a row; "
                    "try again later, or with a narrower --from/--until window"
                )
            report.restarts += 1
            run.update(token=None, cursor=None, records=0)
            continue
        if page.error("noRecordsMatch"):
            return None
        if page.errors:
            first = page.errors[0]
            raise HarvestError(
                f"{request.url} refused the request: {first.code}: {first.message} "
                "(check --set, --format, --from and --until)"
            )
        return page


def _parser(url: str) -> Callable[[bytes], OaiPage]:
    def parse(body: bytes) -> OaiPage:
        return parse_page(body, name=url)

    return parse


def _params(request: _Request, run: dict[str, Any]) -> dict[str, str]:
    if run["token"]:
        return {"verb": "ListRecords", "resumptionToken": run["token"]}
    params = {"verb": "ListRecords", "metadataPrefix": request.metadata_prefix}
    if request.set_spec:
        params["set"] = request.set_spec
    if run["from"]:
        params["from"] = run["from"]
    if run["until"]:
        params["until"] = run["until"]
    return params


def _store_page(store: Store, page: OaiPage, report: HarvestReport) -> None:
    papers = page.papers
    if papers:
        result = upsert_papers(store=store, papers_in=papers)
        report.new += len(result.new)
        report.updated += len(result.updated)
        report.unchanged += len(result.unchanged)
    for rejected in page.rejected:
        report.rejected_count += 1
        if len(report.rejected) < _REJECTED_KEPT:
            report.rejected.append(rejected)
    report.deleted += len(page.deleted)


def _advance(run: dict[str, Any], page: OaiPage, report: HarvestReport) -> None:
    next_token = page.next_token
    if next_token is not None and next_token == run["token"]:
        raise HarvestError(
            "the server answered a resumption token with the same token; stopping "
            "rather than asking for the same page forever"
        )
    if run["response_date"] is None and page.response_date is not None:
        run["response_date"] = page.response_date.date().isoformat()
    run["token"] = next_token
    if page.token is not None:
        run["cursor"] = page.token.cursor
        run["complete_list_size"] = page.token.complete_list_size or run["complete_list_size"]
    run["records"] += len(page.records) + len(page.deleted)
    run["pages"] += 1
    report.pages += 1
    report.records = run["records"]
    report.complete_list_size = run["complete_list_size"]


def _finish(state: dict[str, Any], run: dict[str, Any]) -> date:
    """Close the run; the next incremental harvest starts from its end. Days are
    inclusive on both ends, so the overlap day is fetched twice and changes nothing."""
    ended = run["until"] or run["response_date"] or datetime.now(UTC).date().isoformat()
    previous = state.get("last_until")
    # A backfill of an old window must not pull the incremental start back in time.
    state["last_until"] = max(ended, previous) if previous else ended
    state["run"] = None
    state["last_run"] = {
        "from": run["from"],
        "until": run["until"],
        "pages": run["pages"],
        "records": run["records"],
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return date.fromisoformat(state["last_until"])


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
