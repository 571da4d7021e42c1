"""OpenAlex's ``/works`` list endpoint replayed from recorded works, served by the
harvest tests' ReplayServer on 127.0.0.1.

It answers the way OpenAlex does: one filter ``field:v1|v2|...`` on ``doi``,
``ids.openalex`` or ``locations.landing_page_url`` (at most 100 values, else 400),
``select`` of root fields (unknown ones: 400), ``per-page`` up to 200 and cursor paging,
and the list envelope ``{"meta": {...}, "results": [...], "group_by": []}``.

Faults are queued with ``inject`` and used one per request: 429 with Retry-After, a
500, a body that is not JSON, and a page whose first work lost its id."""

from __future__ import annotations

import base64
import enum
import json
import threading
import time
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "openalex"
MAX_VALUES = 100
_FILTERS = ("doi", "ids.openalex", "openalex", "locations.landing_page_url")


class OpenAlexFault(enum.Enum):
    RATE_LIMITED = "429 with Retry-After"
    SERVER_ERROR = "HTTP 500"
    NOT_JSON = "200 with an HTML body"
    WORK_WITHOUT_ID = "the first work of the page has no id"


def load_works(path: Path = FIXTURES / "works.json") -> list[dict[str, Any]]:
    works = json.loads(path.read_text())
    assert isinstance(works, list)
    return works


def _short(url: str) -> str:
    return url.rsplit("/", 1)[-1].upper()


def _bare_doi(text: str) -> str:
    return text.lower().removeprefix("https://doi.org/").removeprefix("doi:")


class OpenAlexReplay:
    """The route for ``/works``; ``requests`` records (time, params) of each call."""

    def __init__(self, works: list[dict[str, Any]], *, retry_after: str = "0") -> None:
        self.works = works
        self.retry_after = retry_after
        self.requests: list[tuple[float, dict[str, str]]] = []
        self.delay = 0.0
        self._faults: list[OpenAlexFault | None] = []
        self._lock = threading.Lock()

    def inject(self, *faults: OpenAlexFault | None) -> None:
        with self._lock:
            self._faults.extend(faults)

    def filters(self) -> list[str]:
        return [params.get("filter", "") for _, params in self.requests]

    def __call__(self, params: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        with self._lock:
            self.requests.append((time.monotonic(), dict(params)))
            fault = self._faults.pop(0) if self._faults else None
        if self.delay:
            time.sleep(self.delay)
        if fault is OpenAlexFault.RATE_LIMITED:
            body = {"error": "Rate limit exceeded", "message": "Too many requests"}
            return 429, json.dumps(body).encode(), {"Retry-After": self.retry_after}
        if fault is OpenAlexFault.SERVER_ERROR:
            return 500, b'{"error": "Internal server error"}', {}
        if fault is OpenAlexFault.NOT_JSON:
            return 200, b"<html><body>502 Bad Gateway</body></html>", {"Content-Type": "text/html"}
        try:
            page = self._page(params)
        except ValueError as exc:
            return 400, json.dumps({"error": "Invalid query", "message": str(exc)}).encode(), {}
        if fault is OpenAlexFault.WORK_WITHOUT_ID and page["results"]:
            page["results"][0].pop("id", None)
        return 200, json.dumps(page).encode(), {}

    def _page(self, params: dict[str, str]) -> dict[str, Any]:
        matching = self._select(params.get("filter", ""))
        per_page = int(params.get("per-page", params.get("per_page", "25")))
        if not 1 <= per_page <= 200:
            raise ValueError("per-page must be between 1 and 200")
        cursor = params.get("cursor")
        offset = 0
        if cursor and cursor != "*":
            offset = int(base64.urlsafe_b64decode(cursor.encode()).decode())
        chunk = matching[offset : offset + per_page]
        end = offset + len(chunk)
        next_cursor = None
        if cursor is not None and chunk:
            next_cursor = base64.urlsafe_b64encode(str(end).encode()).decode()
        fields = [f for f in params.get("select", "").split(",") if f]
        for name in fields:
            if name not in (self.works[0] if self.works else {}):
                raise ValueError(f"{name} is not a valid select field for works")
        results = [{k: w[k] for k in fields} if fields else dict(w) for w in chunk]
        return {
            "meta": {
                "count": len(matching),
                "db_response_time_ms": 23,
                "page": None if cursor is not None else 1,
                "per_page": per_page,
                "next_cursor": next_cursor,
                "groups_count": None,
            },
            "results": json.loads(json.dumps(results)),
            "group_by": [],
        }

    def _select(self, filter_expr: str) -> list[dict[str, Any]]:
        if not filter_expr:
            return list(self.works)
        name, _, raw = filter_expr.partition(":")
        if name not in _FILTERS:
            raise ValueError(f"{name} is not a valid field for filtering works")
        values = raw.split("|")
        if len(values) > MAX_VALUES:
            raise ValueError(f"Maximum number of values exceeded for {name}. Decrease to 100")
        if name == "doi":
            wanted = {_bare_doi(v) for v in values}
            return [w for w in self.works if w["doi"] and _bare_doi(w["doi"]) in wanted]
        if name in ("ids.openalex", "openalex"):
            ids = {_short(v) for v in values}
            return [w for w in self.works if _short(w["id"]) in ids]
        urls = set(values)
        return [
            w for w in self.works if any(loc["landing_page_url"] in urls for loc in w["locations"])
        ]
