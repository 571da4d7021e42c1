"""Papers for web tests, built from the real Hugging Face daily-papers sample
(../shared/data/hf) plus hand-written hostile records."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from paperscope.models import Paper, Version
from paperscope.sources import hf_daily

HF_DAY = date(2024, 10, 25)
HOSTILE_TITLE = '<script>alert("t")</script> Attention $x^2$ <img src=x onerror=alert(1)>'
HOSTILE_ABSTRACT = (
    'We show <b>bold</b> claims and "quotes" & <script>document.cookie</script> '
    "with $\\href{javascript:alert(1)}{x}$."
)


def hf_papers(shared_data: Path) -> list[Paper]:
    entries = json.loads((shared_data / "hf" / "daily_papers_2024-10-25.first8.json").read_text())
    out = []
    for e in entries:
        p = e["paper"]
        listed = hf_daily.paper_from_entry(e)  # submitter, thumbnail, listing time ...
        published = datetime.fromisoformat(p["publishedAt"].replace("Z", "+00:00"))
        out.append(
            Paper(
                paper_id=p["id"],
                arxiv_id=p["id"],
                title=" ".join(p["title"].split()),
                abstract=p["summary"],
                authors=tuple(a["name"] for a in p["authors"]),
                categories=("cs.CV",),
                primary_category="cs.CV",
                versions=(Version(1, published),),
                submitted_at=published,
                feed_date=HF_DAY,
                external_upvotes=p["upvotes"],
                submitted_by=listed.submitted_by,
                author_details=listed.author_details,
                listed_at=listed.listed_at,
                thumbnail_url=listed.thumbnail_url,
                media_urls=listed.media_urls,
                source_comments=listed.source_comments,
                source="hf-daily",
            )
        )
    return out


def hostile_paper(day: date = HF_DAY) -> Paper:
    return Paper(
        paper_id="2410.99999",
        arxiv_id="2410.99999",
        title=HOSTILE_TITLE,
        abstract=HOSTILE_ABSTRACT,
        authors=tuple(f"Author <i>{i}</i> Zürich" for i in range(50)),
        categories=("cs.LG",),
        primary_category="cs.LG",
        submitted_at=datetime(2024, 10, 24, 12, tzinfo=UTC),
        feed_date=day,
        source="hf-daily",
    )


def old_style_paper() -> Paper:
    return Paper(
        paper_id="hep-th/9901001",
        arxiv_id="hep-th/9901001",
        title="Strings on the brane: an old-style identifier",
        abstract="A classic paper whose id contains a slash.",
        authors=("Ada Lovelace",),
        categories=("hep-th",),
        primary_category="hep-th",
        versions=(
            Version(1, datetime(1999, 1, 4, tzinfo=UTC)),
            Version(2, datetime(1999, 2, 1, tzinfo=UTC)),
        ),
        submitted_at=datetime(1999, 1, 4, tzinfo=UTC),
        feed_date=date(2024, 10, 24),
        source="oai-pmh",
    )


PASSWORD = "correct horse battery"


def csrf_of(client: TestClient, path: str = "/signin") -> str:
    html = client.get(path).text
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found, "page has no CSRF meta tag"
    return found.group(1)


def sign_up(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    token = csrf_of(client, "/signup")
    r = client.post(
        "/signup",
        data={"username": username, "email": "", "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def search_sample(shared_data: Path) -> list[Paper]:
    """The HF sample and the other sample papers, plus the 81 papers of the search seed
    spread over five years and three category sets (for facets and the month chart);
    one of them has a DOI."""
    lines = [
        line.strip()
        for line in (shared_data / "seed" / "hf_papers_search_page.txt")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.strip()
    ][5:]
    spread = []
    for n in range(len(lines) // 2):
        categories = (("cs.LG",), ("cs.CL", "cs.LG"), ("stat.ML",))[n % 3]
        spread.append(
            Paper(
                paper_id=f"2301.{10001 + n:05d}",
                arxiv_id=f"2301.{10001 + n:05d}",
                title=lines[2 * n],
                abstract=lines[2 * n + 1],
                authors=(f"Author{n % 5} Smith",),
                categories=categories,
                primary_category=categories[0],
                submitted_at=datetime(2020, 1, 15, tzinfo=UTC) + timedelta(days=23 * n),
                doi="10.5555/seed.0" if n == 0 else None,
                source="arxiv-snapshot",
            )
        )
    return [*hf_papers(shared_data), hostile_paper(), old_style_paper(), *spread]
