"""The OAI-PMH harvest loop against the replay server: exact counts over several
pages, recovery from each injected fault, the retry cap, checkpoints and incremental
windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import pytest

from harvest.replay_server import Fault, OaiRecord, ReplayServer, arxiv_ids, deleted_record
from paperscope import __version__
from paperscope.config import Settings
from paperscope.ingest.harvest import (
    HarvestError,
    HarvestIncomplete,
    checkpoint_name,
    harvest_oai,
)
from paperscope.ingest.harvest_http import PoliteClient, retry_after_seconds
from paperscope.store import Store
from paperscope.store.harvest_state import get_harvest_state, list_harvest_states
from paperscope.store.papers import count_papers, get_paper, list_paper_ids

TOTAL = 158  # distinct records in the two shared pages
PAGES = 4  # at 40 records a page


def _stored_ids(store: Store) -> set[str]:
    return set(list_paper_ids(store=store, limit=10_000))


def _state(settings: Settings, store: Store) -> dict[str, object]:
    name = checkpoint_name(url=settings.arxiv_oai_url, metadata_prefix="oai_dc", set_spec="cs")
    state = get_harvest_state(store=store, name=name)
    assert state is not None
    return state


def _harvest(settings: Settings, store: Store, **options: object):  # type: ignore[no-untyped-def]
    return harvest_oai(
        settings=settings, store=store, metadata_prefix="oai_dc", set_spec="cs", **options
    )  # type: ignore[arg-type]


def test_full_harvest_over_several_pages(
    any_store: Store, harvest_settings: Settings, server: ReplayServer, recorded: list[OaiRecord]
) -> None:
    seen: list[tuple[int, int | None]] = []
    report = _harvest(
        harvest_settings,
        any_store,
        on_progress=lambda r: seen.append((r.records, r.complete_list_size)),
    )
    assert (report.pages, report.records, report.new) == (PAGES, TOTAL, TOTAL)
    assert (report.updated, report.unchanged, report.rejected_count, report.retries) == (0, 0, 0, 0)
    assert report.complete and report.next_from == date(2024, 1, 31)
    assert seen == [(40, TOTAL), (80, TOTAL), (120, TOTAL), (TOTAL, TOTAL)]
    assert _stored_ids(any_store) == arxiv_ids(recorded)
    first = server.oai_requests()[0]
    assert first == {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "cs"}
    assert [q.get("resumptionToken", "").split("|")[-1] for q in server.oai_requests()[1:]] == [
        "40",
        "80",
        "120",
    ]
    state = _state(harvest_settings, any_store)
    assert state["run"] is None and state["last_until"] == "2024-01-31"
    paper = get_paper(store=any_store, paper_id="1210.8326")
    assert paper is not None and paper.source == "oai-pmh" and paper.categories == ("cs.IT",)


def test_user_agent_names_paperscope_and_the_contact(
    store: Store, harvest_settings: Settings, server: ReplayServer
) -> None:
    _harvest(harvest_settings, store, from_date=date(2024, 1, 31))
    headers = server.requests[0][2]
    assert headers["User-Agent"] == f"paperscope/{__version__} (+mailto:ops@example.org)"


def test_same_window_again_changes_nothing(store: Store, harvest_settings: Settings) -> None:
    _harvest(harvest_settings, store, from_date=date(2024, 1, 25))
    again = _harvest(harvest_settings, store, from_date=date(2024, 1, 25))
    assert (again.new, again.updated, again.unchanged) == (0, 0, TOTAL)
    assert count_papers(store=store) == TOTAL


@pytest.mark.parametrize(
    "fault", [Fault.UNAVAILABLE, Fault.SERVER_ERROR, Fault.DROP, Fault.TRUNCATED]
)
def test_transient_faults_are_retried(
    store: Store,
    harvest_settings: Settings,
    server: ReplayServer,
    fault: Fault,
    recorded: list[OaiRecord],
) -> None:
    server.inject(None, fault)  # the second request (first resumption) fails once
    retries: list[str] = []
    report = _harvest(harvest_settings, store, on_retry=lambda reason, wait: retries.append(reason))
    assert report.retries == 1 and len(retries) == 1
    assert (report.pages, report.new) == (PAGES, TOTAL)
    assert _stored_ids(store) == arxiv_ids(recorded)
    # The failed request is asked again with the same token.
    tokens = [q.get("resumptionToken") for q in server.oai_requests()]
    assert tokens[1] == tokens[2] is not None


def test_retry_after_is_honoured_and_capped(
    store: Store, harvest_settings: Settings, server: ReplayServer
) -> None:
    server.retry_after = "3600"
    server.inject(Fault.UNAVAILABLE)
    waits: list[float] = []
    _harvest(harvest_settings, store, on_retry=lambda reason, wait: waits.append(wait))
    assert waits == [harvest_settings.harvest_max_wait_seconds]


def test_retry_after_header_forms() -> None:
    now = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert (
        retry_after_seconds(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now)
        == 90.0
    )
    assert (
        retry_after_seconds(format_datetime(now - timedelta(seconds=5), usegmt=True), now=now)
        == 0.0
    )
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_malformed_record_is_rejected_and_the_page_kept(
    store: Store, harvest_settings: Settings, server: ReplayServer
) -> None:
    server.inject(None, Fault.MALFORMED_RECORD)
    report = _harvest(harvest_settings, store)
    assert report.rejected_count == 1 and report.new == TOTAL - 1
    rejected = report.rejected[0]
    assert rejected.location.startswith(f"{server.oai_url} record oai:arXiv.org:")
    assert rejected.reason == "the record has no title"
    assert count_papers(store=store) == TOTAL - 1


def test_expired_token_restarts_the_window(
    store: Store, harvest_settings: Settings, server: ReplayServer, recorded: list[OaiRecord]
) -> None:
    server.inject(None, None, Fault.EXPIRED_TOKEN)
    report = _harvest(harvest_settings, store, from_date=date(2024, 1, 25))
    assert report.restarts == 1 and report.complete
    assert (report.new, report.unchanged) == (TOTAL, 80)  # two pages arrived twice
    fresh = [q for q in server.oai_requests() if "resumptionToken" not in q]
    assert len(fresh) == 2 and all(q["from"] == "2024-01-25" for q in fresh)
    assert _stored_ids(store) == arxiv_ids(recorded)


def test_retry_cap_stops_with_a_resumable_checkpoint(
    store: Store, harvest_settings: Settings, server: ReplayServer, recorded: list[OaiRecord]
) -> None:
    retries = harvest_settings.harvest_max_retries
    server.inject(None, None, *[Fault.DROP] * (retries + 1))
    with pytest.raises(HarvestIncomplete, match="still failing after 3 retries") as stopped:
        _harvest(harvest_settings, store)
    assert stopped.value.report.pages == 2 and stopped.value.report.retries == retries
    assert count_papers(store=store) == 80
    run = _state(harvest_settings, store)["run"]
    assert isinstance(run, dict) and run["token"] and run["records"] == 80
    requests_before = len(server.oai_requests())
    report = _harvest(harvest_settings, store)
    assert report.resumed and report.pages == 2 and report.new == TOTAL - 80
    assert server.oai_requests()[requests_before]["resumptionToken"] == run["token"]
    assert _stored_ids(store) == arxiv_ids(recorded)


def test_unreachable_server_stops_cleanly(store: Store, harvest_settings: Settings) -> None:
    dead = harvest_settings.model_copy(update={"arxiv_oai_url": "http://127.0.0.1:9/oai"})
    with pytest.raises(HarvestIncomplete, match="cannot connect") as stopped:
        _harvest(dead, store)
    assert stopped.value.report.pages == 0 and stopped.value.report.retries == 3


def test_an_unreachable_server_that_never_answered_leaves_no_checkpoint(
    store: Store, harvest_settings: Settings
) -> None:
    dead = harvest_settings.model_copy(update={"arxiv_oai_url": "http://127.0.0.1:9/oai"})
    with pytest.raises(HarvestIncomplete, match="no checkpoint was saved") as stopped:
        _harvest(dead, store)
    assert "resumes where" not in str(stopped.value)
    assert list_harvest_states(store=store) == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("not-a-url", "is not an http:// or https:// address"),
        ("ftp://export.arxiv.org/oai2", "is not an http:// or https:// address"),
        ("http:///oai2", "has no host name"),
    ],
)
def test_an_address_no_retry_can_fix_fails_at_once(
    store: Store, harvest_settings: Settings, url: str, reason: str
) -> None:
    retries: list[str] = []
    with pytest.raises(HarvestError, match=reason) as failed:
        _harvest(harvest_settings, store, url=url, on_retry=lambda r, _: retries.append(r))
    assert not isinstance(failed.value, HarvestIncomplete)
    assert retries == [] and list_harvest_states(store=store) == []


def test_an_unsupported_protocol_is_not_retried(harvest_settings: Settings) -> None:
    # Should an address reach the client unchecked, its refusal is final too.
    retries: list[str] = []
    client = PoliteClient(settings=harvest_settings, on_retry=lambda r, _: retries.append(r))
    with client, pytest.raises(HarvestError, match="unsupported protocol"):
        client._attempt("ftp://export.arxiv.org/oai2", {}, parse=bytes)
    assert retries == [] and client.retries == 0


def test_incremental_run_starts_where_the_last_one_ended(
    store: Store, harvest_settings: Settings, server: ReplayServer
) -> None:
    _harvest(harvest_settings, store)
    server.requests.clear()
    report = _harvest(harvest_settings, store)
    assert server.oai_requests()[0]["from"] == "2024-01-31"
    assert report.from_date == date(2024, 1, 31)
    assert (report.new, report.unchanged) == (0, 36)  # the 36 records stamped 2024-01-31


def test_empty_window_is_not_an_error(store: Store, harvest_settings: Settings) -> None:
    report = _harvest(harvest_settings, store, from_date=date(2024, 3, 1))
    assert report.complete and report.pages == 0 and report.records == 0
    assert _state(harvest_settings, store)["last_until"] == date.today().isoformat()


def test_backfill_does_not_move_the_incremental_start_back(
    store: Store, harvest_settings: Settings
) -> None:
    _harvest(harvest_settings, store)
    _harvest(harvest_settings, store, from_date=date(2024, 1, 25), until_date=date(2024, 1, 26))
    assert _state(harvest_settings, store)["last_until"] == "2024-01-31"


def test_deleted_records_are_counted_not_stored(
    store: Store, harvest_settings: Settings, server: ReplayServer
) -> None:
    server.records = [*server.records, deleted_record("2401.99999", "2024-01-31")]
    report = _harvest(harvest_settings, store)
    assert report.deleted == 1 and report.records == TOTAL + 1 and report.new == TOTAL
    assert get_paper(store=store, paper_id="2401.99999") is None


def test_requests_the_server_refuses_are_explained(
    store: Store, harvest_settings: Settings
) -> None:
    with pytest.raises(HarvestError, match="unknown metadata format 'marc'"):
        harvest_oai(settings=harvest_settings, store=store, metadata_prefix="marc")
    with pytest.raises(HarvestError, match="is after --until"):
        _harvest(harvest_settings, store, from_date=date(2024, 2, 1), until_date=date(2024, 1, 1))
    missing = harvest_settings.model_copy(
        update={"arxiv_oai_url": harvest_settings.arxiv_oai_url + "/nope"}
    )
    with pytest.raises(HarvestError, match="HTTP 404"):
        _harvest(missing, store)
