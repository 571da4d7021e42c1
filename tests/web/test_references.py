"""Bibliography import and export on the web: the library page's upload form, the
JSON API, export of the library, a tag and search results, and bad uploads."""

from __future__ import annotations

import json

import bibtexparser
import rispy
from fastapi.testclient import TestClient
from web_samples import csrf_of

from paperscope.references import MAX_FILE_BYTES

ZOTERO_BIB = b"""@misc{chengBreakingMemoryBarrier2024,
  title = {Breaking the {{Memory Barrier}}: {{Near Infinite Batch Size Scaling}}},
  author = {Cheng, Zesen and Zhang, Hang},
  year = {2024},
  eprint = {2410.17243},
  archiveprefix = {arXiv},
  keywords = {contrastive learning, to-read}
}

@article{huangCanKnowledgeEditing2024,
  title = {Can Knowledge Editing Really Correct Hallucinations},
  author = {Huang, Baixiang and Chen, Canyu},
  year = {2024},
  keywords = {hallucination},
  annote = {<p><b>Compare</b> with ROME</p>}
}

@article{broken,
  title = {Lost its closing brace,

@misc{strings1999,
  title = {Strings on the brane},
  url = {https://arxiv.org/abs/hep-th/9901001v2}
}

@book{knuth1997,
  title = {The Art of Computer Programming, Volume 1: Fundamental Algorithms},
  author = {Knuth, Donald E.},
  year = {1997}
}
"""


def _upload(c: TestClient, path: str, data: bytes, name: str = "My Library.bib", **form: str):  # type: ignore[no-untyped-def]
    return c.post(
        path,
        files={"file": (name, data, "application/x-bibtex")},
        data={"csrf_token": csrf_of(c, "/library"), **form},
    )


def test_api_import_returns_the_report(alice: TestClient) -> None:
    r = _upload(alice, "/api/v1/library/import", ZOTERO_BIB)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["format"], report["total"], report["added"]) == ("bibtex", 5, 3)
    by_where = {e["location"]: e for e in report["entries"]}
    assert by_where["line 1"]["match"] == "arxiv-id"
    assert by_where["line 10"]["match"] == "title" and by_where["line 10"]["score"] >= 0.9
    assert by_where["line 18"]["status"] == "rejected"
    assert by_where["line 21"]["paper_id"] == "hep-th/9901001"
    assert by_where["line 26"]["reason"] == "no paper with a similar title"
    item = alice.get("/api/v1/library/2410.16251").json()
    assert item["tags"] == ["hallucination"] and item["note"] == "Compare with ROME"
    assert set(alice.get("/api/v1/library/2410.17243").json()["tags"]) == {
        "contrastive-learning",
        "to-read",
    }


def test_upload_form_shows_the_report_page(alice: TestClient) -> None:
    page = alice.get("/library").text
    assert 'action="/library/import"' in page and 'enctype="multipart/form-data"' in page
    r = _upload(alice, "/library/import", ZOTERO_BIB, format="bibtex")
    assert r.status_code == 200
    assert (
        "3 of 5 entries found 3 papers, now in your library: 3 added, 0 updated, "
        "0 already there. 1 not found, 1 unreadable."
    ) in r.text
    assert "title, similarity" in r.text and "malformed BibTeX" in r.text
    assert "&lt;b&gt;" not in r.text  # the note's markup was dropped, not shown


def test_import_needs_csrf_and_a_usable_file(alice: TestClient, client: TestClient) -> None:
    files = {"file": ("lib.bib", ZOTERO_BIB, "application/x-bibtex")}
    r = alice.post("/api/v1/library/import", files=files)
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    r = _upload(client, "/api/v1/library/import", ZOTERO_BIB)
    assert r.status_code == 401
    r = _upload(alice, "/api/v1/library/import", b"just some notes", name="notes.txt")
    assert r.status_code == 422 and r.json()["error"]["code"] == "unusable_file"
    assert "cannot tell the format" in r.json()["error"]["message"]
    r = _upload(alice, "/library/import", b"[{broken json", name="zotero.json")
    assert r.status_code == 422 and "not valid JSON" in r.text
    r = _upload(alice, "/api/v1/library/import", b"", name="empty.bib")
    assert r.status_code == 422 and r.json()["error"]["code"] == "empty_file"
    r = _upload(alice, "/api/v1/library/import", b"%" * (MAX_FILE_BYTES + 1))
    assert r.status_code == 413 and "split the bibliography" in r.json()["error"]["message"]
    r = _upload(alice, "/api/v1/library/import", ZOTERO_BIB, format="endnote")
    assert r.status_code == 422


def test_export_library_and_tag_in_every_format(alice: TestClient) -> None:
    _upload(alice, "/api/v1/library/import", ZOTERO_BIB)
    bib = alice.get("/api/v1/library/export?format=bibtex")
    assert bib.headers["content-type"].startswith("application/x-bibtex")
    assert 'filename="paperscope-library.bib"' in bib.headers["content-disposition"]
    entries = bibtexparser.parse_string(bib.text).entries
    assert {e["eprint"] for e in entries} == {"2410.17243", "2410.16251", "hep-th/9901001"}
    tagged = rispy.loads(alice.get("/library/export?format=ris&tag=to-read").text)
    assert [r["id"] for r in tagged] == ["2410.17243"]
    items = json.loads(alice.get("/api/v1/library/export?format=csl-json").text)
    assert {i["id"] for i in items} == {"2410.17243", "2410.16251", "hep-th/9901001"}
    assert alice.get("/api/v1/library/export?format=docx").status_code == 422
    page = alice.get("/library?tag=to-read").text
    assert "/library/export?tag=to-read&amp;format=ris" in page
    # The older path keeps working, now with tags and notes.
    assert "keywords = {" in alice.get("/library/export.bib").text


def test_search_export(client: TestClient) -> None:
    r = client.get("/api/v1/search/export?q=memory+barrier&format=csl-json&limit=5")
    assert r.status_code == 200
    assert json.loads(r.text)[0]["id"] == "2410.17243"
    bib = client.get("/search/export?q=memory+barrier")  # BibTeX by default
    assert bibtexparser.parse_string(bib.text).entries[0]["eprint"] == "2410.17243"
    assert client.get("/api/v1/search/export?format=ris").status_code == 422
    page = client.get("/search?q=memory+barrier").text
    assert "/search/export?q=memory+barrier&amp;format=bibtex" in page


def test_paper_page_bibtex_comes_from_the_one_writer(client: TestClient) -> None:
    bib = client.get("/papers/2410.17243/bibtex").text
    [entry] = bibtexparser.parse_string(bib).entries
    assert entry["eprint"] == "2410.17243" and entry["archivePrefix"] == "arXiv"
    # A citation to paste into a paper: no abstract (library exports keep it).
    assert "abstract" not in entry.fields_dict
    page = client.get("/papers/2410.17243").text
    assert "eprint = {2410.17243}" in page and "abstract = {" not in page
    export = client.get("/search/export?q=memory+barrier").text
    assert "abstract" in bibtexparser.parse_string(export).entries[0].fields_dict
