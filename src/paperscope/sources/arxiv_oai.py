"""OAI-PMH responses from arXiv (ListRecords / GetRecord pages), read as a stream.

Records are parsed one at a time with ``lxml.etree.iterparse`` and freed as soon as
they are read, so a page or file of any size takes constant memory. Entities are not
resolved, DTDs are neither loaded nor allowed, and the network is never touched: a
hostile file cannot make the reader expand an XML bomb or fetch anything.

Two entry points share the reader:

* ``read_records`` / ``sniff`` / ``FORMAT`` for ``paperscope import FILE --format
  oai-pmh``: damage in the file becomes a ``Rejected`` with its line, after every
  complete record before it;
* ``parse_page`` for the harvester: a damaged page raises ``MalformedXml`` (a truncated
  download is worth retrying), and the page carries the resumption token and the OAI
  error codes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from lxml import etree

from paperscope.models import Paper, Rejected
from paperscope.sources.arxiv_fields import clean_text, parse_datetime
from paperscope.sources.arxiv_oai_formats import CONVERTERS, Element, RecordProblem

FORMAT = "oai-pmh"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"

_ROOT = f"{{{OAI_NS}}}OAI-PMH"
_RECORD = f"{{{OAI_NS}}}record"
_HEADER = f"{{{OAI_NS}}}header"
_METADATA = f"{{{OAI_NS}}}metadata"
_TOKEN = f"{{{OAI_NS}}}resumptionToken"
_ERROR = f"{{{OAI_NS}}}error"
_RESPONSE_DATE = f"{{{OAI_NS}}}responseDate"
_SNIFF_BYTES = 4096


@dataclass(frozen=True, slots=True)
class ResumptionToken:
    """Where a list continues. An empty ``value`` marks the last page of a list."""

    value: str
    cursor: int | None = None
    complete_list_size: int | None = None
    expiration_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class OaiError:
    """An OAI-PMH protocol error (``badResumptionToken``, ``noRecordsMatch`` ...)."""

    code: str
    message: str


@dataclass
class OaiPage:
    """One response: its records in order, deleted identifiers, and list state."""

    records: list[Paper | Rejected] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    token: ResumptionToken | None = None
    errors: list[OaiError] = field(default_factory=list)
    response_date: datetime | None = None

    @property
    def papers(self) -> list[Paper]:
        return [r for r in self.records if isinstance(r, Paper)]

    @property
    def rejected(self) -> list[Rejected]:
        return [r for r in self.records if isinstance(r, Rejected)]

    @property
    def next_token(self) -> str | None:
        """The token to ask for the next page, or None when the list is complete."""
        return self.token.value if self.token and self.token.value else None

    def error(self, code: str) -> OaiError | None:
        return next((e for e in self.errors if e.code == code), None)


class MalformedXml(ValueError):
    """A response or file that is not well-formed OAI-PMH, with where it broke."""

    def __init__(self, *, name: str, line: int, detail: str, records_before: int) -> None:
        self.name = name
        self.line = line
        self.detail = detail
        self.records_before = records_before
        super().__init__(f"{name}:{line}: {detail}")


class OaiReader:
    """Reads one OAI-PMH document; after ``read`` is exhausted, ``page`` holds the
    deleted identifiers, token, errors and response date it saw (but not the records,
    which were handed out one by one)."""

    def __init__(self, *, name: str) -> None:
        self.name = name
        self.page = OaiPage()
        self.records_read = 0

    def read(self, stream: BinaryIO) -> Iterator[Paper | Rejected]:
        """Yield each record as a Paper, or a Rejected saying which record and why.
        Deleted records are counted in ``page.deleted``, not yielded. Raises
        MalformedXml where the document breaks, after the records before it."""
        context = etree.iterparse(
            stream,
            events=("end",),
            tag=(_RECORD, _TOKEN, _ERROR, _RESPONSE_DATE),
            huge_tree=False,
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            remove_comments=True,
            remove_pis=True,
        )
        try:
            for _event, element in context:
                self._refuse_dtd(element)
                if element.tag == _RECORD:
                    item = self._record(element)
                    _free(element)
                    if item is not None:
                        self.records_read += 1
                        yield item
                elif element.tag == _TOKEN:
                    self.page.token = _token(element)
                elif element.tag == _ERROR:
                    self.page.errors.append(
                        OaiError(element.get("code", "unknown"), clean_text(element.text))
                    )
                elif element.tag == _RESPONSE_DATE:
                    self.page.response_date = parse_datetime(element.text)
            root = context.root
        except etree.XMLSyntaxError as exc:
            line = exc.lineno or (exc.position[0] if exc.position else 0)
            raise self._damage(line, f"the XML is damaged ({exc.msg})") from exc
        if root is None or root.tag != _ROOT:
            found = etree.QName(root).localname if root is not None else "nothing"
            raise self._damage(1, f"not an OAI-PMH response (the document is <{found}>)")

    def _refuse_dtd(self, element: Element) -> None:
        # OAI-PMH responses never declare a DTD; one that does is refused outright
        # rather than trusting entity handling to defuse whatever it defines.
        if self.records_read == 0 and element.getroottree().docinfo.internalDTD is not None:
            raise self._damage(1, "the document declares a DTD, which OAI-PMH never does")

    def _damage(self, line: int, detail: str) -> MalformedXml:
        return MalformedXml(
            name=self.name, line=line, detail=detail, records_before=self.records_read
        )

    def _record(self, element: Element) -> Paper | Rejected | None:
        header = element.find(_HEADER)
        identifier = (
            clean_text(header.findtext(f"{{{OAI_NS}}}identifier")) if header is not None else ""
        )
        where = f"{self.name} record {identifier or f'at line {element.sourceline}'}"
        if header is not None and header.get("status") == "deleted":
            self.page.deleted.append(identifier)
            return None
        body = _metadata_body(element)
        if body is None:
            return Rejected(where, "the record has no metadata")
        namespace = etree.QName(body).namespace or ""
        converter = CONVERTERS.get(namespace)
        if converter is None:
            return Rejected(
                where,
                f"unknown metadata format <{etree.QName(body).localname}>; "
                "paperscope reads oai_dc, arXiv and arXivRaw",
            )
        set_specs = (
            [clean_text(s.text) for s in header.iter(f"{{{OAI_NS}}}setSpec")]
            if header is not None
            else []
        )
        try:
            return converter(body, identifier=identifier, set_specs=set_specs)
        except RecordProblem as exc:
            return Rejected(where, str(exc))


def _metadata_body(record: Element) -> Element | None:
    metadata = record.find(_METADATA)
    if metadata is None:
        return None
    return next((c for c in metadata if isinstance(c.tag, str)), None)


def _token(element: Element) -> ResumptionToken:
    return ResumptionToken(
        value=(element.text or "").strip(),
        cursor=_int(element.get("cursor")),
        complete_list_size=_int(element.get("completeListSize")),
        expiration_date=parse_datetime(element.get("expirationDate")),
    )


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _free(element: Element) -> None:
    """Drop a processed record and the ones before it, keeping memory flat."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


# ------------------------------------------------------------------ entry points


def sniff(head: bytes) -> bool:
    """Whether the first bytes of a file look like an OAI-PMH response."""
    text = head[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"<") and b"<OAI-PMH" in text


def read_records(stream: BinaryIO, *, name: str) -> Iterator[Paper | Rejected]:
    """Every record of an OAI-PMH file, for ``paperscope import``. A damaged or
    truncated file yields the complete records before the damage, then one Rejected
    naming the line, so nothing already read is lost."""
    reader = OaiReader(name=name)
    try:
        yield from reader.read(stream)
    except MalformedXml as exc:
        yield Rejected(
            f"{name}:{exc.line}",
            f"{exc.detail}; the {exc.records_before} records before it were read. "
            "If the file was cut short, download it again and re-import it "
            "(records already imported stay as they are).",
        )


def parse_page(source: bytes | BinaryIO, *, name: str = "response") -> OaiPage:
    """A whole OAI-PMH response page. Raises MalformedXml when it is damaged, which
    for a download usually means it was cut off in transit."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    reader = OaiReader(name=name)
    records = list(reader.read(stream))
    reader.page.records = records
    return reader.page
