"""The OpenAlex reader and client against recorded responses replayed on 127.0.0.1:
what a work yields, batched OR filters, politeness (pace, mailto, Retry-After) and
the errors a user reads."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from enrich.openalex_replay import OpenAlexFault, OpenAlexReplay, load_works
from harvest.replay_server import ReplayServer
from paperscope.config import Settings
from paperscope.sources.openalex import (
    MAX_FILTER_VALUES,
    WORK_FIELDS,
    MalformedResponse,
    OpenAlexClient,
    OpenAlexError,
    OpenAlexStopped,
    Work,
    arxiv_doi,
    normalise_doi,
    or_filters,
    parse_work,
    parse_works_page,
    short_openalex_id,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "openalex"


@pytest.fixture
def replay() -> OpenAlexReplay:
    return OpenAlexReplay(load_works())


@pytest.fixture
def client_settings(settings: Settings, replay: OpenAlexReplay) -> Iterator[Settings]:
    with ReplayServer([], routes={"/works": replay}) as server:
        yield settings.model_copy(
            update={
                "openalex_url": server.url,
                "openalex_mailto": "ops@example.org",
                "openalex_requests_per_second": 50.0,
                "openalex_backoff_seconds": 0.01,
                "openalex_max_wait_seconds": 5.0,
                "openalex_max_retries": 2,
            }
        )


def test_a_recorded_page_yields_counts_references_and_arxiv_ids() -> None:
    page = parse_works_page((FIXTURES / "works_doi_filter.json").read_bytes())
    assert page.count == 2 and page.next_cursor is None and page.rejected == []
    attention, bahdanau = page.works
    assert attention == Work(
        openalex_id="W2963403868",
        doi="10.48550/arxiv.1706.03762",
        arxiv_ids=("1706.03762",),
        cited_by_count=118412,
        referenced_works=(
            "W2964308564",
            "W2194775991",
            "W2064675550",
            "W1522301498",
            "W2095705004",
            "W4399999999",
        ),
    )
    assert bahdanau.arxiv_ids == ("1409.0473",) and bahdanau.referenced_works == ("W2064675550",)


def test_merged_preprint_is_known_by_its_arxiv_location() -> None:
    resnet = next(w for w in load_works() if w["doi"] == "https://doi.org/10.1109/cvpr.2016.90")
    work = parse_work(resnet)
    assert isinstance(work, Work)
    assert work.doi == "10.1109/cvpr.2016.90" and work.arxiv_ids == ("1512.03385",)


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"doi": None, "cited_by_count": 3}, "no OpenAlex work id"),
        ({"id": "https://openalex.org/A5023888391"}, "no OpenAlex work id"),
        ({"id": "https://openalex.org/W1", "cited_by_count": "many"}, "not a count"),
        ({"id": "https://openalex.org/W1", "cited_by_count": -4}, "not a count"),
        ({"id": "https://openalex.org/W1", "referenced_works": "W2"}, "not a list"),
        (["https://openalex.org/W1"], "not a JSON object"),
    ],
)
def test_an_unusable_work_is_rejected_with_its_reason(item: object, reason: str) -> None:
    page = parse_works_page(json.dumps({"meta": {"count": 2}, "results": [item, {
        "id": "https://openalex.org/W2", "cited_by_count": 1}]}).encode())  # fmt: skip
    assert [w.openalex_id for w in page.works] == ["W2"]
    assert len(page.rejected) == 1 and reason in page.rejected[0].reason
    assert page.rejected[0].location.startswith("response result 1")


@pytest.mark.parametrize(
    "body", [b"<html>502 Bad Gateway</html>", b'{"meta": {}}', b"[]", b'{"results": {"a": 1}}']
)
def test_a_body_that_is_no_works_list_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedResponse):
        parse_works_page(body)


def test_identifiers_are_normalised() -> None:
    assert short_openalex_id("https://openalex.org/W2741809807") == "W2741809807"
    assert short_openalex_id("w42") == "W42"
    assert short_openalex_id("https://openalex.org/A5023888391") is None
    assert normalise_doi("https://doi.org/10.18653/V1/N19-1423") == "10.18653/v1/n19-1423"
    assert normalise_doi("not a doi") is None
    assert arxiv_doi("hep-th/9901001") == "10.48550/arxiv.hep-th/9901001"


def test_or_filters_hold_at_most_100_values_and_skip_unaskable_ones() -> None:
    values = [f"10.1000/{i}" for i in range(250)] + ["10.1/a|b", "10.1/a,b", "10.1000/0"]
    filters = or_filters("doi", values)
    assert len(filters) == 3
    parts = [f.removeprefix("doi:").split("|") for f in filters]
    assert [len(p) for p in parts] == [MAX_FILTER_VALUES, MAX_FILTER_VALUES, 50]
    assert sorted(v for p in parts for v in p) == sorted(set(values[:250]))


def test_client_batches_by_doi_and_is_polite(
    client_settings: Settings, replay: OpenAlexReplay
) -> None:
    dois = [arxiv_doi("1706.03762"), arxiv_doi("1409.0473"), "10.1038/nature14539"]
    with OpenAlexClient(settings=client_settings) as client:
        pages = list(client.works(or_filters("doi", dois)[0], select=WORK_FIELDS))
    assert len(pages) == 1 and len(replay.requests) == 1
    assert sorted(w.openalex_id for w in pages[0].works) == [
        "W1836465849",
        "W2963403868",
        "W2964308564",
    ]
    params = replay.requests[0][1]
    assert params["mailto"] == "ops@example.org"
    assert params["select"] == "id,doi,cited_by_count,referenced_works,locations"
    assert params["per-page"] == "100" and params["cursor"] == "*"


def test_cursor_paging_reads_every_page_and_stops_at_the_count(
    client_settings: Settings, replay: OpenAlexReplay
) -> None:
    ids = [short_openalex_id(w["id"]) or "" for w in replay.works]
    with OpenAlexClient(settings=client_settings) as client:
        params = {"filter": "ids.openalex:" + "|".join(ids), "select": "id", "per-page": "3"}
        seen: list[str] = []
        cursor = "*"
        while cursor:
            page = client.get_page({**params, "cursor": cursor})
            seen += [w.openalex_id for w in page.works]
            cursor = page.next_cursor if page.works else None
    assert sorted(seen) == sorted(ids)
    with OpenAlexClient(settings=client_settings) as client:
        replay.requests.clear()
        works = [
            w for p in client.works("ids.openalex:" + "|".join(ids), select=["id"]) for w in p.works
        ]
    assert len(works) == len(ids) and len(replay.requests) == 1  # count reached: no empty page


def test_requests_are_paced_to_the_rate_limit(
    client_settings: Settings, replay: OpenAlexReplay
) -> None:
    paced = client_settings.model_copy(update={"openalex_requests_per_second": 10.0})
    with OpenAlexClient(settings=paced) as client:
        for _ in range(6):
            client.get_page({"filter": "doi:10.1038/nature14539", "select": "id"})
    times = [t for t, _ in replay.requests]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Unpaced, these requests arrive a millisecond or two apart. The margins absorb the
    # first request's connection set-up and thread scheduling on a busy machine.
    assert len(gaps) == 5 and min(gaps) >= 0.07 and times[-1] - times[0] >= 0.45, gaps


def test_429_waits_for_retry_after_then_succeeds(
    client_settings: Settings, replay: OpenAlexReplay
) -> None:
    replay.retry_after = "1"
    replay.inject(OpenAlexFault.RATE_LIMITED)
    retries: list[tuple[str, float]] = []
    with OpenAlexClient(
        settings=client_settings, on_retry=lambda r, w: retries.append((r, w))
    ) as c:
        page = c.get_page({"filter": "doi:10.1038/nature14539", "select": "id,cited_by_count"})
    assert [w.cited_by_count for w in page.works] == [70911]
    assert retries == [("HTTP 429: Rate limit exceeded - Too many requests", 1.0)]
    (first, _), (second, _) = replay.requests
    assert second - first >= 0.95 and c.retries == 1 and c.requests == 2


def test_server_errors_back_off_and_stop_after_the_retries(
    client_settings: Settings, replay: OpenAlexReplay
) -> None:
    replay.inject(*[OpenAlexFault.SERVER_ERROR] * 3)
    with OpenAlexClient(settings=client_settings) as client, pytest.raises(OpenAlexStopped) as err:
        client.get_page({"filter": "doi:10.1038/nature14539"})
    assert "still failing after 2 retries (HTTP 500: Internal server error)" in str(err.value)
    assert len(replay.requests) == 3


def test_a_body_that_stays_damaged_is_a_malformed_response(
    client_settings: Settings, replay: OpenAlexReplay
) -> None:
    replay.inject(OpenAlexFault.NOT_JSON, OpenAlexFault.NOT_JSON, OpenAlexFault.NOT_JSON)
    with OpenAlexClient(settings=client_settings) as client, pytest.raises(MalformedResponse):
        client.get_page({"filter": "doi:10.1038/nature14539"})
    replay.inject(OpenAlexFault.NOT_JSON)
    with OpenAlexClient(settings=client_settings) as client:
        page = client.get_page({"filter": "doi:10.1038/nature14539"})
    assert len(page.works) == 1


def test_a_refused_query_names_the_reason_without_retrying(
    client_settings: Settings, replay: OpenAlexReplay
) -> None:
    with OpenAlexClient(settings=client_settings) as client, pytest.raises(OpenAlexError) as err:
        client.get_page({"filter": "title:attention"})
    message = str(err.value)
    assert "HTTP 400: Invalid query - title is not a valid field for filtering works" in message
    assert "'title:attention'" in message and len(replay.requests) == 1


def test_an_unreachable_server_stops_with_the_cause(settings: Settings) -> None:
    dead = settings.model_copy(
        update={
            "openalex_url": "http://127.0.0.1:9",
            "openalex_max_retries": 1,
            "openalex_backoff_seconds": 0.01,
            "openalex_requests_per_second": 50.0,
        }
    )
    with OpenAlexClient(settings=dead) as client, pytest.raises(OpenAlexStopped) as err:
        client.get_page({"filter": "doi:10.1038/nature14539"})
    assert "cannot connect" in str(err.value)


def test_a_cursor_that_never_ends_is_cut_off(settings: Settings) -> None:
    body = json.dumps(
        {"meta": {"count": None, "next_cursor": "again"}, "results": [load_works()[0]]}
    ).encode()
    calls: list[dict[str, str]] = []

    def endless(params: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        calls.append(params)
        return 200, body, {}

    with ReplayServer([], routes={"/works": endless}) as server:
        fast = settings.model_copy(
            update={"openalex_url": server.url, "openalex_requests_per_second": 50.0}
        )
        with OpenAlexClient(settings=fast) as client, pytest.raises(MalformedResponse) as err:
            for _ in client.works("doi:10.1038/nature14539", select=WORK_FIELDS):
                pass
    assert "kept paging after 20 pages" in str(err.value) and len(calls) == 20
