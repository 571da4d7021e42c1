"""Reference managers that read pages: unAPI (Zotero's unAPI translator saves a
page's papers as a pick list) and the citation metadata of a paper page (Highwire
Press tags, as arXiv's own pages carry them)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape
from html.parser import HTMLParser

import bibtexparser
import rispy
from fastapi.testclient import TestClient

PAPER = "2410.17243"  # Breaking the Memory Barrier, by Zesen Cheng and others


class _Head(HTMLParser):
    """The page's meta tags and unAPI parts, as a reference manager reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: list[tuple[str, str]] = []
        self.server: str | None = None
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("name" in a or "property" in a):
            self.meta.append((a.get("name") or a["property"], a.get("content", "")))
        elif tag == "link" and a.get("rel") == "unapi-server":
            self.server = a["href"]
        elif tag == "abbr" and "unapi-id" in a.get("class", "").split():
            self.ids.append(a["title"])


def _read(html: str) -> _Head:
    head = _Head()
    head.feed(html)
    return head


def _formats(xml: str) -> tuple[str | None, list[str]]:
    root = ET.fromstring(xml)
    assert root.tag == "formats"
    return root.get("id"), [f.get("name", "") for f in root.findall("format")]


def test_a_list_page_saves_as_a_pick_list_of_full_records(client: TestClient) -> None:
    """Zotero's unAPI translator, step by step: find the server and the ids on the
    page, read the formats, take RIS, fetch each paper's record."""
    page = _read(client.get("/daily/2024-10-25").text)
    cards = re.findall(r'data-paper-id="([^"]+)"', client.get("/daily/2024-10-25").text)
    assert page.server == "/unapi" and page.ids == cards and len(cards) >= 8
    listing = client.get(page.server)
    assert listing.status_code == 200 and listing.headers["content-type"].startswith(
        "application/xml"
    )
    assert _formats(listing.text) == (None, ["ris", "bibtex"])
    titles = []
    for paper_id in page.ids:
        record = client.get(page.server, params={"id": paper_id, "format": "ris"})
        assert record.status_code == 200
        assert record.headers["content-type"].startswith("application/x-research-info-systems")
        (entry,) = rispy.loads(record.text)
        assert entry["id"] == paper_id and entry["authors"]
        titles.append(entry["title"])
    api = client.get("/api/v1/daily/2024-10-25").json()["items"]
    assert titles == [" ".join(item["title"].split()) for item in api]


def test_one_id_lists_its_formats_and_takes_any_spelling(client: TestClient) -> None:
    answer = client.get("/unapi", params={"id": f"https://arxiv.org/abs/{PAPER}v2"})
    assert answer.status_code == 300  # unAPI's "multiple choices"
    assert _formats(answer.text) == (PAPER, ["ris", "bibtex"])
    bib = client.get("/unapi", params={"id": f"arXiv:{PAPER}", "format": "bibtex"})
    assert bib.status_code == 200 and bib.headers["content-type"].startswith("application/x-bibtex")
    (entry,) = bibtexparser.parse_string(bib.text).entries
    assert entry.fields_dict["eprint"].value == PAPER
    assert "Memory Barrier" in entry.fields_dict["title"].value


def test_unapi_refusals_name_what_was_wrong(client: TestClient) -> None:
    missing = client.get("/unapi", params={"id": "2410.00000", "format": "ris"})
    assert missing.status_code == 404 and "2410.00000" in missing.text
    odd = client.get("/unapi", params={"id": PAPER, "format": "mods"})
    assert odd.status_code == 406 and "mods" in odd.text and "ris, bibtex" in odd.text
    no_id = client.get("/unapi", params={"format": "ris"})
    assert no_id.status_code == 400 and "id" in no_id.text
    hostile = client.get("/unapi", params={"id": '"><x a="'})
    assert hostile.status_code == 404


def test_signed_in_cards_carry_their_ids_too(alice: TestClient) -> None:
    html = alice.get("/daily/2024-10-25").text
    page = _read(html)
    assert page.server == "/unapi"
    assert page.ids == re.findall(r'data-paper-id="([^"]+)"', html) and page.ids


def test_a_paper_page_carries_its_citation_metadata(client: TestClient) -> None:
    html = client.get(f"/papers/{PAPER}").text
    page = _read(html)
    meta: dict[str, list[str]] = {}
    for name, content in page.meta:
        meta.setdefault(name, []).append(unescape(content))
    paper = client.get(f"/api/v1/papers/{PAPER}").json()
    assert meta["citation_title"] == [paper["title"]]
    assert meta["citation_author"] == paper["authors"]  # each, in byline order
    assert meta["citation_date"] == [paper["submitted_at"][:10].replace("-", "/")]
    assert meta["citation_arxiv_id"] == [PAPER]
    assert meta["citation_pdf_url"] == [paper["pdf_url"]]
    assert meta["citation_abstract"][0].startswith(paper["abstract"].split()[0])
    assert "\n" not in meta["citation_abstract"][0]
    assert meta["og:title"] == [paper["title"]] and len(meta["description"][0]) <= 300
    # The paper is the page's one unAPI item: the similar papers are links, not items.
    assert page.ids == [PAPER]


def test_a_paper_without_arxiv_or_doi_leaves_those_tags_out(client: TestClient) -> None:
    data = client.get("/api/v1/papers/2410.99999").json()  # the hostile sample paper
    meta = dict(_read(client.get(data["url"]).text).meta)
    assert meta["citation_title"] == data["title"]
    assert "citation_doi" not in meta
