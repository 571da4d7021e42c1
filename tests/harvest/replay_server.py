"""A real HTTP server on 127.0.0.1 that replays arXiv for tests, with faults on demand.

It serves:

* ``/oai``: OAI-PMH ListRecords over a corpus of recorded ``<record>`` elements (the
  shared arXiv pages, or any OAI-PMH file), cut into pages of ``page_size`` with
  resumption tokens, filtered by ``set``/``from``/``until`` like arXiv does;
* ``/api/query``: the arXiv API, from a recorded Atom feed (``id_list`` filters it);
* ``/rss/<category>``: recorded RSS listings;
* any other path given in ``routes``: a function of the query parameters that answers
  (status, body, headers), for other services replayed the same way (OpenAlex).

Faults are queued with ``inject`` and consumed one per OAI-PMH request, in order
(``None`` lets a request through): 503 with Retry-After, a 500, a connection dropped
half-way through a page, a page cut short, a page with one malformed record, and an
expired resumption token. ``requests`` records every query received.

    with ReplayServer(load_records(path), page_size=40) as server:
        server.inject(None, Fault.DROP)          # second request loses its connection
        settings = settings.model_copy(update={"arxiv_oai_url": server.oai_url})
"""

from __future__ import annotations

import enum
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
_OAI_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
    'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
)
_FORMATS = ("oai_dc", "arXiv", "arXivRaw")

# A replayed endpoint: query parameters in, (status, body, headers) out.
Route = Callable[[dict[str, str]], tuple[int, bytes, dict[str, str]]]


class Fault(enum.Enum):
    UNAVAILABLE = "503 with Retry-After"
    SERVER_ERROR = "HTTP 500"
    DROP = "connection closed half-way through the body"
    TRUNCATED = "200 with a body cut short (no Content-Length)"
    MALFORMED_RECORD = "one record of the page loses its title"
    EXPIRED_TOKEN = "badResumptionToken for a resumption request"


@dataclass(frozen=True, slots=True)
class OaiRecord:
    identifier: str
    datestamp: str
    set_specs: tuple[str, ...]
    xml: bytes  # one serialised <record> element


def load_records(*paths: Path) -> list[OaiRecord]:
    """The records of OAI-PMH files, in order, each identifier once."""
    seen: dict[str, OaiRecord] = {}
    for path in paths:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        for record in tree.iter(f"{{{OAI_NS}}}record"):
            identifier = record.findtext(f"{{{OAI_NS}}}header/{{{OAI_NS}}}identifier", "").strip()
            datestamp = record.findtext(f"{{{OAI_NS}}}header/{{{OAI_NS}}}datestamp", "").strip()
            sets = tuple(s.text or "" for s in record.iter(f"{{{OAI_NS}}}setSpec"))
            record.tail = "\n"
            seen.setdefault(
                identifier, OaiRecord(identifier, datestamp, sets, etree.tostring(record))
            )
    return list(seen.values())


def deleted_record(arxiv_id: str, datestamp: str, set_spec: str = "cs") -> OaiRecord:
    identifier = f"oai:arXiv.org:{arxiv_id}"
    xml = (
        f'<record xmlns="{OAI_NS}"><header status="deleted"><identifier>{identifier}</identifier>'
        f"<datestamp>{datestamp}</datestamp><setSpec>{set_spec}</setSpec></header></record>\n"
    ).encode()
    return OaiRecord(identifier, datestamp, (set_spec,), xml)


def arxiv_ids(records: Iterable[OaiRecord]) -> set[str]:
    """The arXiv ids (paper ids) of the records that are not deleted."""
    return {
        r.identifier.removeprefix("oai:arXiv.org:")
        for r in records
        if b'status="deleted"' not in r.xml
    }


class ReplayServer:
    def __init__(
        self,
        records: list[OaiRecord],
        *,
        page_size: int = 50,
        response_date: str = "2024-01-31T07:28:24Z",
        page_delay: float = 0.0,
        retry_after: str = "1",
        api_feed: bytes | None = None,
        rss: dict[str, bytes] | None = None,
        routes: dict[str, Route] | None = None,
    ) -> None:
        self.records = records
        self.page_size = page_size
        self.response_date = response_date
        self.page_delay = page_delay
        self.retry_after = retry_after
        self.api_feed = api_feed
        self.rss = rss or {}
        self.routes = routes or {}
        self.requests: list[tuple[str, dict[str, str], dict[str, str]]] = []
        self.pages_served = 0
        self._faults: list[Fault | None] = []
        self._queries: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # ---------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def oai_url(self) -> str:
        return f"{self.url}/oai"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/query"

    @property
    def rss_url(self) -> str:
        return f"{self.url}/rss"

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # ---------------------------------------------------------------- test controls

    def inject(self, *faults: Fault | None) -> None:
        """Queue faults for the next OAI-PMH requests, one each; None passes one."""
        with self._lock:
            self._faults.extend(faults)

    def expire_tokens(self) -> None:
        """Forget every issued token, as arXiv does after a day."""
        with self._lock:
            self._queries.clear()

    def oai_requests(self) -> list[dict[str, str]]:
        return [params for path, params, _ in self.requests if path == "/oai"]

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    # ---------------------------------------------------------------- OAI-PMH

    def list_records(self, params: dict[str, str]) -> bytes:
        """The response body for a ListRecords request (a page or an OAI error)."""
        token = params.get("resumptionToken")
        if token is not None:
            query_id, _, offset_text = token.partition("|")
            with self._lock:
                query = self._queries.get(query_id)
            if query is None or not offset_text.isdigit():
                return self._error("badResumptionToken", "The token is unknown or has expired.")
            offset = int(offset_text)
        else:
            if params.get("metadataPrefix") not in _FORMATS:
                return self._error("cannotDisseminateFormat", "Unknown metadata format.")
            query, offset = dict(params), 0
            with self._lock:
                query_id = str(7000 + len(self._queries))
                self._queries[query_id] = query
        matching = self._select(query)
        if not matching:
            return self._error("noRecordsMatch", "No records match the request.")
        page = matching[offset : offset + self.page_size]
        end, size = offset + len(page), len(matching)
        token_xml = ""
        attributes = f'cursor="{offset}" completeListSize="{size}"'
        if end < size:
            token_xml = f"<resumptionToken {attributes}>{query_id}|{end}</resumptionToken>\n"
        elif offset > 0:
            token_xml = f"<resumptionToken {attributes}/>\n"
        body = b"".join(r.xml for r in page)
        inner = b"<ListRecords>\n" + body + token_xml.encode() + b"</ListRecords>\n"
        return self._wrap(params, inner)

    def _select(self, query: dict[str, str]) -> list[OaiRecord]:
        wanted_set = query.get("set")
        start, end = query.get("from", ""), query.get("until", "9999")
        return [
            r
            for r in self.records
            if start <= r.datestamp <= end
            and (
                not wanted_set
                or any(s == wanted_set or s.startswith(f"{wanted_set}:") for s in r.set_specs)
            )
        ]

    def _error(self, code: str, message: str) -> bytes:
        return self._wrap({}, f'<error code="{code}">{message}</error>\n'.encode())

    def _wrap(self, params: dict[str, str], inner: bytes) -> bytes:
        attributes = "".join(
            f' {k}="{v}"' for k, v in params.items() if re.fullmatch(r"[\w|:.\-]*", v)
        )
        head = f"{_OAI_HEAD}<responseDate>{self.response_date}</responseDate>\n"
        head += f"<request{attributes}>{self.oai_url}</request>\n"
        return head.encode() + inner + b"</OAI-PMH>\n"

    # ---------------------------------------------------------------- API and RSS

    def api_response(self, params: dict[str, str]) -> bytes:
        if self.api_feed is None:
            raise LookupError("no API feed recorded")
        root = etree.fromstring(self.api_feed)
        atom = "{http://www.w3.org/2005/Atom}"
        entries = root.findall(f"{atom}entry")
        wanted = params.get("id_list")
        for entry in entries:
            entry_id = entry.findtext(f"{atom}id", "")
            base = re.sub(r"v\d+$", "", entry_id.rsplit("/abs/", 1)[-1])
            keep = base in wanted.split(",") if wanted else int(params.get("start", "0")) == 0
            if not keep:
                root.remove(entry)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _handler_for(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output quiet

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            server.requests.append((parts.path, params, dict(self.headers)))
            if parts.path == "/oai":
                self._oai(params)
            elif parts.path == "/api/query" and server.api_feed is not None:
                self._send(200, server.api_response(params), "application/atom+xml")
            elif parts.path.startswith("/rss/") and parts.path[5:] in server.rss:
                self._send(200, server.rss[parts.path[5:]], "application/rss+xml")
            elif parts.path in server.routes:
                status, body, headers = server.routes[parts.path](params)
                content_type = headers.pop("Content-Type", "application/json")
                self._send(status, body, content_type, headers)
            else:
                self._send(404, b"not found", "text/plain")

        def _oai(self, params: dict[str, str]) -> None:
            fault = server._next_fault()
            if fault is Fault.UNAVAILABLE:
                self._send(503, b"busy", "text/plain", {"Retry-After": server.retry_after})
                return
            if fault is Fault.SERVER_ERROR:
                self._send(500, b"internal error", "text/plain")
                return
            if fault is Fault.EXPIRED_TOKEN and "resumptionToken" in params:
                server.expire_tokens()
            body = server.list_records(params)
            if server.page_delay:
                time.sleep(server.page_delay)
            if fault is Fault.MALFORMED_RECORD:
                body = re.sub(
                    rb"<dc:title>.*?</dc:title>|<title>.*?</title>", b"", body, count=1, flags=re.S
                )
            if fault is Fault.DROP:
                self._send_partial(body, declare_length=True)
            elif fault is Fault.TRUNCATED:
                self._send_partial(body, declare_length=False)
            else:
                self._send(200, body, "text/xml; charset=utf-8")
                server.pages_served += 1

        def _send(
            self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _send_partial(self, body: bytes, *, declare_length: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            if declare_length:
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True

    return Handler
