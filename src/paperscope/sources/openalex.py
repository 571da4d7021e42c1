"""OpenAlex, the open catalogue of scholarly works: a polite client for its ``/works``
list endpoint and a reader for the works it returns.

Many papers are asked for in one request: a filter takes up to 100 values joined by
``|`` (OR), e.g. ``doi:10.48550/arxiv.1706.03762|10.1038/nature14539``. Every arXiv
paper has a DataCite DOI of that form; when OpenAlex has merged the preprint with its
published version the work's DOI is the journal's, and the arXiv copy shows up in
``locations[].landing_page_url`` instead. ``select`` keeps responses to the fields read
here, and cursor paging covers the rare filter matching more works than a page holds.

Polite: at most OPENALEX_REQUESTS_PER_SECOND requests a second (retries included), the
operator's address in ``mailto`` (OpenAlex's polite pool) and in the User-Agent, and
429/5xx answers retried after the server's Retry-After or an exponential backoff."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx
import orjson

from paperscope import __version__
from paperscope.arxiv_ids import abs_url, parse_arxiv_id
from paperscope.config import Settings
from paperscope.models import Rejected
from paperscope.sources.arxiv_fields import doi_from_text
from paperscope.sources.http_retry import (
    RETRY_STATUSES,
    RetryPolicy,
    Transient,
    describe_transport_error,
    retry_after_seconds,
    with_retries,
)

# OpenAlex's limits: values OR-ed in one filter, and results per page.
MAX_FILTER_VALUES = 100
PER_PAGE = 100
# A filter of 100 identifiers matches about 100 works; a cursor still going after this
# many pages is a server bug, and following it would never end.
MAX_PAGES = 20
ARXIV_DOI_PREFIX = "10.48550/arxiv."
WORK_FIELDS = ("id", "doi", "cited_by_count", "referenced_works", "locations")
IDENTITY_FIELDS = ("id", "doi", "locations")
_OPENALEX_PREFIX = "https://openalex.org/"

RetryCallback = Callable[[str, float], None]


class OpenAlexError(Exception):
    """An OpenAlex problem explained for the user (what failed, what to do)."""


class OpenAlexStopped(OpenAlexError):
    """OpenAlex stayed unreachable, busy or over its limits through every retry."""


class MalformedResponse(OpenAlexError):
    """A response that could not be read as a list of works, through every retry."""


@dataclass(frozen=True, slots=True)
class Work:
    """The part of an OpenAlex work this project uses."""

    openalex_id: str  # short form: W2741809807
    doi: str | None  # bare and lower-case: 10.7717/peerj.4375
    arxiv_ids: tuple[str, ...]  # from an arXiv DOI and arXiv locations
    cited_by_count: int = 0
    referenced_works: tuple[str, ...] = ()  # short OpenAlex ids


@dataclass
class WorksPage:
    works: list[Work] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    count: int | None = None  # works matching the filter, all pages together
    next_cursor: str | None = None


# ------------------------------------------------------------------ identifiers


def short_openalex_id(text: str) -> str | None:
    """``W2741809807`` from the id or its URL; None when it is not a work id."""
    s = text.strip().removeprefix(_OPENALEX_PREFIX)
    if len(s) > 1 and s[0] in "Ww" and s[1:].isdigit():
        return "W" + s[1:]
    return None


def normalise_doi(text: str | None) -> str | None:
    """A DOI in the one spelling used for comparisons: bare and lower-case."""
    if not text:
        return None
    doi = doi_from_text(text)
    return doi.lower() if doi else None


def arxiv_doi(arxiv_id: str) -> str:
    """arXiv's DataCite DOI for a paper: 10.48550/arxiv.2401.12345."""
    return f"{ARXIV_DOI_PREFIX}{arxiv_id}".lower()


def arxiv_abs_urls(arxiv_id: str) -> tuple[str, str]:
    """The landing-page URLs OpenAlex records for an arXiv copy (both schemes occur)."""
    page = abs_url(arxiv_id)
    return (page.replace("https://", "http://", 1), page)


def or_filters(name: str, values: Sequence[str]) -> list[str]:
    """``name:v1|v2|...`` filters of at most MAX_FILTER_VALUES values each. Values
    holding the filter syntax's own separators cannot be asked for and are left out."""
    usable = list(dict.fromkeys(v for v in values if v and not set(v) & {"|", ",", "&"}))
    return [
        f"{name}:" + "|".join(usable[i : i + MAX_FILTER_VALUES])
        for i in range(0, len(usable), MAX_FILTER_VALUES)
    ]


# ------------------------------------------------------------------ reading works


def parse_works_page(body: bytes, *, name: str = "response") -> WorksPage:
    """A ``/works`` list response. Raises MalformedResponse when the body is not one;
    a single unusable work is rejected (with where and why) and the rest kept."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedResponse(f"{name}: not JSON ({exc})") from exc
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise MalformedResponse(f"{name}: no list of results in the response")
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    page = WorksPage(
        count=meta.get("count") if isinstance(meta.get("count"), int) else None,
        next_cursor=meta.get("next_cursor") if isinstance(meta.get("next_cursor"), str) else None,
    )
    for position, item in enumerate(results, start=1):
        parsed = parse_work(item, where=f"{name} result {position}")
        if isinstance(parsed, Rejected):
            page.rejected.append(parsed)
        else:
            page.works.append(parsed)
    return page


def parse_work(item: Any, *, where: str = "work") -> Work | Rejected:
    if not isinstance(item, dict):
        return Rejected(where, "the result is not a JSON object")
    raw_id = item.get("id")
    openalex_id = short_openalex_id(raw_id) if isinstance(raw_id, str) else None
    if openalex_id is None:
        return Rejected(where, f"no OpenAlex work id (id is {raw_id!r})")
    where = f"{where} ({openalex_id})"
    count = item.get("cited_by_count", 0)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return Rejected(where, f"cited_by_count is {count!r}, not a count")
    references = item.get("referenced_works", [])
    if not isinstance(references, list):
        return Rejected(where, "referenced_works is not a list")
    doi = normalise_doi(item["doi"]) if isinstance(item.get("doi"), str) else None
    return Work(
        openalex_id=openalex_id,
        doi=doi,
        arxiv_ids=_arxiv_ids(doi, item.get("locations")),
        cited_by_count=count,
        referenced_works=tuple(
            dict.fromkeys(
                w for w in (short_openalex_id(r) for r in references if isinstance(r, str)) if w
            )
        ),
    )


def _arxiv_ids(doi: str | None, locations: Any) -> tuple[str, ...]:
    found: list[str] = []
    if doi and doi.startswith(ARXIV_DOI_PREFIX):
        parsed = parse_arxiv_id(doi[len(ARXIV_DOI_PREFIX) :])
        if parsed:
            found.append(parsed.base)
    for location in locations if isinstance(locations, list) else ():
        if not isinstance(location, dict):
            continue
        for key in ("landing_page_url", "pdf_url"):
            url = location.get(key)
            if isinstance(url, str) and "arxiv.org/" in url.lower():
                parsed = parse_arxiv_id(url)
                if parsed:
                    found.append(parsed.base)
    return tuple(dict.fromkeys(found))


# ------------------------------------------------------------------ the client


class OpenAlexClient:
    """One run's connection to OpenAlex. Use as a context manager."""

    def __init__(self, *, settings: Settings, on_retry: RetryCallback | None = None) -> None:
        self.settings = settings
        self.requests = 0
        self.retries = 0
        self._on_retry = on_retry
        self._interval = 1.0 / settings.openalex_requests_per_second
        self._last_start: float | None = None
        self._url = settings.openalex_url.rstrip("/") + "/works"
        timeout = settings.openalex_timeout_seconds
        contact = f" (mailto:{settings.openalex_mailto})" if settings.openalex_mailto else ""
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 30.0)),
            headers={"User-Agent": f"paperscope/{__version__}{contact}"},
            follow_redirects=True,
        )

    def __enter__(self) -> OpenAlexClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._client.close()

    def works(self, filter_expr: str, *, select: Sequence[str]) -> Iterator[WorksPage]:
        """Every page of works matching ``filter_expr``, by cursor paging. Stops once
        ``meta.count`` works came back, sparing the empty page that ends a cursor."""
        cursor, seen = "*", 0
        for _ in range(MAX_PAGES):
            params = {
                "filter": filter_expr,
                "select": ",".join(select),
                "per-page": str(PER_PAGE),
                "cursor": cursor,
            }
            page = self.get_page(params)
            yield page
            seen += len(page.works) + len(page.rejected)
            done = page.count is not None and seen >= page.count
            if done or not page.next_cursor or not (page.works or page.rejected):
                return
            cursor = page.next_cursor
        raise MalformedResponse(
            f"OpenAlex kept paging after {MAX_PAGES} pages of {PER_PAGE} "
            f"(filter {filter_expr[:120]!r})"
        )

    def get_page(self, params: dict[str, str]) -> WorksPage:
        """One ``/works`` request, retried while the failure is transient."""
        if self.settings.openalex_mailto:
            params = {**params, "mailto": self.settings.openalex_mailto}
        if self.settings.openalex_api_key:
            params = {**params, "api_key": self.settings.openalex_api_key}
        max_retries = self.settings.openalex_max_retries

        def give_up(failure: Transient) -> Exception:
            kind = MalformedResponse if failure.damaged else OpenAlexStopped
            return kind(f"OpenAlex still failing after {max_retries} retries ({failure.reason})")

        policy = RetryPolicy(
            max_retries=max_retries,
            first_backoff=self.settings.openalex_backoff_seconds,
            max_wait=self.settings.openalex_max_wait_seconds,
        )
        return with_retries(
            lambda: self._attempt(params), policy=policy, on_retry=self._retried, give_up=give_up
        )

    def _retried(self, reason: str, wait: float) -> None:
        self.retries += 1
        if self._on_retry:
            self._on_retry(reason, wait)

    def _attempt(self, params: dict[str, str]) -> WorksPage:
        self._pace()
        self.requests += 1
        try:
            response = self._client.get(self._url, params=params)
        except httpx.TransportError as exc:
            raise Transient(describe_transport_error(exc)) from exc
        if response.status_code in RETRY_STATUSES:
            raise Transient(
                f"HTTP {response.status_code}{_api_message(response)}",
                retry_after_seconds(response.headers.get("Retry-After")),
            )
        if response.status_code != 200:
            raise OpenAlexError(
                f"OpenAlex refused the request: HTTP {response.status_code}"
                f"{_api_message(response)} (filter {params.get('filter', '')[:120]!r}); "
                "check OPENALEX_URL and OPENALEX_API_KEY"
            )
        try:
            return parse_works_page(response.content, name="OpenAlex response")
        except MalformedResponse as exc:
            raise Transient(str(exc), damaged=True) from exc

    def _pace(self) -> None:
        """Space request starts at least 1/OPENALEX_REQUESTS_PER_SECOND apart."""
        now = time.monotonic()
        if self._last_start is not None:
            remaining = self._last_start + self._interval - now
            if remaining > 0:
                time.sleep(remaining)
                now = time.monotonic()
        self._last_start = now


def _api_message(response: httpx.Response) -> str:
    """OpenAlex explains errors in JSON (``{"error": ..., "message": ...}``)."""
    try:
        data = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        text = " ".join(response.text[:160].split())
        return f": {text}" if text else ""
    if isinstance(data, dict):
        parts = [str(data[k]) for k in ("error", "message") if data.get(k)]
        if parts:
            return ": " + " - ".join(parts)[:300]
    return ""
