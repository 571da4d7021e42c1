"""In a real browser: a new reader uploads a Zotero BibTeX export on the library page,
reads the report, and finds the papers in their library with the export links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

BIB = """@misc{chengBreakingMemoryBarrier2024,
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
  keywords = {hallucination}
}

@article{broken,
  title = {Lost its closing brace,

@book{knuth1997,
  title = {The {{Art}} of {{Computer Programming}}, {{Volume}} 1: <script>alert(1)</script>},
  author = {Knuth, Donald E.},
  year = {1997}
}
"""


def test_upload_a_bibliography(server: str, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: errors.append("dialog: " + d.message))
    page.goto(server + "/signup")
    page.fill("#username", "zoe")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit].primary")
    page.wait_for_url(server + "/")

    export = tmp_path / "My Library.bib"
    export.write_text(BIB, encoding="utf-8")
    page.goto(server + "/library")
    page.set_input_files("#bibliography", str(export))
    page.click("[data-testid=import]")
    page.wait_for_selector("[data-testid=import-report]")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "references-import-report.png"), full_page=True)
    summary = page.locator("[data-testid=import-summary]").inner_text()
    assert "2 of 4 entries found 2 papers, now in your library: 2 added" in summary
    rows = page.locator("[data-testid=import-report] tbody tr")
    assert rows.count() == 4
    assert "arxiv-id" in rows.nth(0).inner_text()
    assert "title, similarity" in rows.nth(1).inner_text()
    assert "malformed BibTeX" in rows.nth(2).inner_text()
    assert "<script>alert(1)</script>" in rows.nth(3).inner_text()  # shown as text

    page.click("text=Back to your library")
    page.wait_for_url(server + "/library")
    cards = page.locator(".cards").inner_text()
    assert "Breaking the Memory Barrier" in cards and "Knowledge Editing" in cards
    page.click("a.chip.tag:has-text('to-read')")
    assert page.locator("[data-testid=export-bibtex]").get_attribute("href") == (
        "/library/export?tag=to-read&format=bibtex"
    )
    page.screenshot(path=str(ARTIFACTS / "references-library.png"), full_page=True)
    assert errors == []
