"""Small things of the page frame: the paper page's date line, the profile's empty
lists, the library's export links and the header's search box and account links."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_paper_dates_are_one_line_with_single_spaces(client: TestClient) -> None:
    html = client.get("/papers/hep-th/9901001").text
    found = re.search(r'<span class="paper-dates">([^<]*)</span>', html)
    assert found, "the paper page shows its dates"
    # One span joined by " · " (as separate spans, the line's gap doubled the space).
    assert found.group(1) == "Submitted 4 Jan 1999 · v2"


def test_profile_empty_lists_line_up_with_their_headings(alice: TestClient) -> None:
    html = alice.get("/users/alice").text
    assert '<p class="small muted">No authorship claimed (and approved) yet.</p>' in html
    assert '<p class="small muted">No submissions yet.</p>' in html
    assert 'class="empty"' not in html


def test_library_exports_are_one_group(alice: TestClient) -> None:
    html = alice.get("/library").text
    bar = html.split('<p class="export-bar">')[1].split("</p>")[0]
    for href in ("format=bibtex", "format=ris", "format=csl-json", "/library/export.json"):
        assert href in bar
    assert "Export JSON" not in html  # no separate button beside the links
    tagged = alice.get("/library?tag=x").text.split('<p class="export-bar">')[1]
    assert "JSON backup of the whole library" in tagged.split("</p>")[0]


def test_header_search_placeholder_and_account_links(alice: TestClient) -> None:
    html = alice.get("/library").text
    assert 'placeholder="Papers, authors, topics…"' in html
    assert '<a class="account-name" href="/account" title="Account">alice</a>' in html
