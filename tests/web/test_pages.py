"""Pages and their JSON twins, navigation, redirects and the error shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from web_samples import HF_DAY

from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.papers import upsert_papers
from paperscope.store.upvotes import toggle_upvote


def test_home_falls_back_to_latest_day_and_says_so(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert "No papers for today yet" in r.text
    data = client.get("/api/v1/daily").json()
    assert data["start"] == HF_DAY.isoformat()
    assert data["notice"].startswith("No papers for today yet")
    upvotes = [item["upvotes"] for item in data["items"]]
    assert upvotes == sorted(upvotes, reverse=True), "feed is ranked by upvotes"
    assert data["items"][0]["paper_id"] == "2410.17243"  # 64 HF upvotes, the most


def test_page_and_json_twin_show_the_same_papers(client: TestClient) -> None:
    html = client.get(f"/daily/{HF_DAY}").text
    data = client.get(f"/api/v1/daily/{HF_DAY}").json()
    assert data["pagination"]["total"] == 9
    for item in data["items"]:
        assert f'data-paper-id="{item["paper_id"]}"' in html
    same = client.get(f"/daily/{HF_DAY}?format=json").json()
    assert [i["paper_id"] for i in same["items"]] == [i["paper_id"] for i in data["items"]]


def test_day_navigation_links_neighbouring_days(client: TestClient) -> None:
    data = client.get(f"/api/v1/daily/{HF_DAY}").json()
    assert data["prev_url"] == "/api/v1/daily/2024-10-24"  # the old-style paper's feed day
    assert data["next_url"] is None
    earlier = client.get("/api/v1/daily/2024-10-24").json()
    assert [i["paper_id"] for i in earlier["items"]] == ["hep-th/9901001"]
    assert earlier["next_url"] == f"/api/v1/daily/{HF_DAY}"


def test_week_and_month_views(client: TestClient) -> None:
    week = client.get("/api/v1/daily/week/2024-W43").json()
    assert (week["start"], week["end"]) == ("2024-10-21", "2024-10-27")
    assert week["pagination"]["total"] == 10
    month = client.get("/api/v1/daily?month=2024-10").json()
    assert month["period"] == "month" and month["pagination"]["total"] == 10
    assert client.get("/daily/week/2024-W43").status_code == 200


def test_pagination_has_next_links(client: TestClient) -> None:
    first = client.get(f"/api/v1/daily/{HF_DAY}?limit=4").json()
    assert first["pagination"]["next"] == f"/api/v1/daily/{HF_DAY}?limit=4&page=2"
    third = client.get(f"/api/v1/daily/{HF_DAY}?limit=4&page=3").json()
    assert len(third["items"]) == 1 and third["pagination"]["next"] is None
    seen = {
        i["paper_id"]
        for p in (1, 2, 3)
        for i in client.get(f"/api/v1/daily/{HF_DAY}?limit=4&page={p}").json()["items"]
    }
    assert len(seen) == 9
    # Past the end, "previous" leads back to the last page with papers.
    beyond = client.get(f"/api/v1/daily/{HF_DAY}?limit=4&page=40").json()
    assert beyond["items"] == [] and beyond["pagination"]["next"] is None
    assert beyond["pagination"]["prev"] == f"/api/v1/daily/{HF_DAY}?limit=4&page=3"
    empty = client.get(f"/api/v1/daily/{HF_DAY}?limit=30&page=7").json()
    assert empty["pagination"]["prev"] == f"/api/v1/daily/{HF_DAY}?limit=30"


def test_sorts_everywhere(client: TestClient) -> None:
    newest = client.get(f"/api/v1/daily/{HF_DAY}?sort=newest").json()["items"]
    assert len(newest) == 9
    trending = client.get("/api/v1/trending?window=month&sort=upvotes").json()
    assert trending["sort"] == "upvotes"
    bad = client.get("/api/v1/trending?window=year")
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_request"


def test_paper_page_canonical_urls(client: TestClient) -> None:
    r = client.get("/papers/2410.17243v2", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == "/papers/2410.17243"
    r = client.get("/papers/arXiv:2410.17243", follow_redirects=False)
    assert r.headers["location"] == "/papers/2410.17243"
    page = client.get("/papers/hep-th/9901001")
    assert page.status_code == 200 and "Strings on the brane" in page.text
    assert "/papers/hep-th/9901001/bibtex" in page.text
    bib = client.get("/papers/hep-th/9901001/bibtex")
    assert (
        bib.text.startswith("@misc{lovelace1999strings,")
        and "eprint = {hep-th/9901001}" in bib.text
    )
    detail = client.get("/api/v1/papers/2410.17243").json()
    assert detail["abs_url"] == "https://arxiv.org/abs/2410.17243"
    assert detail["upvotes"] == 64 and detail["bibtex"].startswith("@misc{")


def test_paper_page_links_authors_and_categories(client: TestClient) -> None:
    html = client.get("/papers/2410.17243").text
    assert 'href="/authors/Zesen%20Cheng"' in html
    assert 'href="/categories/cs.CV"' in html
    author = client.get("/api/v1/authors/zesen cheng").json()
    assert [i["paper_id"] for i in author["items"]] == ["2410.17243"]
    cat = client.get("/api/v1/categories/hep-th").json()
    assert cat["pagination"]["total"] == 1


def test_an_archive_page_lists_its_categories_and_a_blank_name_is_not_found(
    client: TestClient,
) -> None:
    cs = client.get("/api/v1/categories/cs").json()["pagination"]["total"]
    cv = client.get("/api/v1/categories/cs.CV").json()["pagination"]["total"]
    assert cs > cv > 0
    # Not an archive: no papers, and no arXiv category of that name to follow.
    made_up = client.get("/api/v1/categories/c")
    assert made_up.status_code == 404 and "like cs.LG" in made_up.json()["error"]["message"]
    # An arXiv category without papers here yet is still a page (to follow).
    assert client.get("/api/v1/categories/astro-ph.CO").json()["pagination"]["total"] == 0
    page = client.get("/categories/nonexistent.XX")
    assert page.status_code == 404 and "No category “nonexistent.XX”" in page.text
    assert "Get these by mail" not in page.text
    nobody = client.get("/authors/%3Cscript%3E")
    assert nobody.status_code == 404 and "No paper by “&lt;script&gt;”" in nobody.text
    assert client.get("/api/v1/authors/Nobody%20Atall").status_code == 404
    for path in ("/authors/%20", "/api/v1/authors/%20", "/categories/%20"):
        r = client.get(path)
        assert r.status_code == 404 and "names no" in r.text, path


def test_fifty_authors_are_collapsed(client: TestClient) -> None:
    html = client.get("/papers/2410.99999").text
    assert "… and 38 more" in html
    card_html = client.get(f"/daily/{HF_DAY}").text
    assert "… and 44 more" in card_html


def test_errors_share_one_shape(client: TestClient) -> None:
    for path, status in [
        ("/api/v1/papers/9999.99999", 404),
        ("/api/v1/daily/2024-02-30", 422),
        ("/api/v1/daily?limit=1000", 422),
        ("/api/v1/nothing-here", 404),
        ("/api/v1/library", 401),
    ]:
        r = client.get(path)
        assert r.status_code == status, path
        body = r.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, path
        assert body["error"]["message"]
    page = client.get("/papers/9999.99999")
    assert page.status_code == 404 and "No paper" in page.text and "<!doctype html>" in page.text


def test_search_page_keeps_query_and_explains(client: TestClient) -> None:
    empty = client.get("/search")
    assert "Type a few words" in empty.text
    r = client.get("/search?q=memory+barrier&sort=newest")
    assert r.status_code == 200
    assert 'value="memory barrier"' in r.text
    data = client.get("/api/v1/search?q=memory barrier").json()
    assert data["q"] == "memory barrier"
    assert data["items"] and data["items"][0]["paper_id"] == "2410.17243"
    assert "<mark>" in data["items"][0]["title_html"]
    swapped = client.get("/api/v1/search?q=x&from=2024-10-10&to=2024-01-01")
    assert swapped.status_code == 422
    assert "after the 'to' date" in swapped.json()["error"]["message"]
    page = client.get("/search?q=x&from=2024-10-10&to=2024-01-01")
    assert page.status_code == 422 and "swap them" in page.text and 'value="x"' in page.text


def test_openapi_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/v1/daily",
        "/api/v1/search",
        "/api/v1/trending",
        "/api/daily_papers",
        "/api/v1/papers/{paper_id}/upvote",
        "/api/v1/library",
        "/api/v1/submit",
    ):
        assert path in spec["paths"], path
    assert not any(p.startswith("/papers") for p in spec["paths"]), "HTML routes stay out"
    docs = client.get("/docs")
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    # A way back to the site, and the stylesheet that gives Swagger UI a dark mode.
    assert '<a href="/">' in docs.text and "/static/css/api_docs.css?v=" in docs.text
    assert client.get("/static/css/api_docs.css").status_code == 200


def test_a_json_twin_pages_on_in_json(client: TestClient) -> None:
    first = client.get("/categories/cs", params={"format": "json", "limit": 2}).json()
    assert first["pagination"]["next"] == "/categories/cs?limit=2&page=2&format=json"
    second = client.get(first["pagination"]["next"])
    assert second.headers["content-type"].startswith("application/json")
    assert second.json()["pagination"]["prev"] == "/categories/cs?limit=2&format=json"
    html = client.get("/categories/cs", params={"limit": 2}).text
    assert 'href="/categories/cs?limit=2&amp;page=2"' in html


def test_trending_with_code_lists_only_papers_with_code(
    client: TestClient, loaded_store: Store
) -> None:
    coded = [
        Paper(
            paper_id=f"2410.9000{i}",
            title=f"Coded {i}",
            code_url=f"https://github.com/lab/coded-{i}",
            feed_date=HF_DAY,
            submitted_at=datetime(2024, 10, 24, i, tzinfo=UTC),
            source="hf-daily",
        )
        for i in (1, 2)
    ]
    upsert_papers(store=loaded_store, papers_in=coded)
    now = datetime.now(UTC)
    reader = create_user(store=loaded_store, username="r", email=None, password_hash=None, now=now)
    toggle_upvote(store=loaded_store, user_id=reader.user_id, paper_id="2410.17243", now=now)
    # Activity, but none of it on a paper with code: the latest papers with code instead.
    fallback = client.get("/api/v1/trending?window=day&has_code=true").json()
    assert fallback["notice"] == (
        "No paper with code has been upvoted, saved or submitted in the last day; "
        "showing the latest papers with code instead."
    )
    assert [p["paper_id"] for p in fallback["items"]] == ["2410.90002", "2410.90001"]
    toggle_upvote(store=loaded_store, user_id=reader.user_id, paper_id="2410.90001", now=now)
    ranked = client.get("/api/v1/trending?window=day&has_code=true").json()
    assert ranked["notice"] is None
    assert [p["paper_id"] for p in ranked["items"]] == ["2410.90001"]
    both = client.get("/api/v1/trending?window=day").json()
    assert {p["paper_id"] for p in both["items"]} == {"2410.17243", "2410.90001"}


def test_a_feed_asked_for_two_periods_at_once_is_refused(client: TestClient) -> None:
    got = client.get("/api/v1/daily?date=2024-10-25&week=2024-W43")
    assert got.status_code == 422
    error = got.json()["error"]
    assert error["message"] == "Give one of date, week or month, not date and week."
    assert [f["field"] for f in error["details"]["fields"]] == ["date", "week"]
    page = client.get("/daily?week=2024-W43&month=2024-10")
    assert page.status_code == 422 and "not week and month" in page.text


@pytest.mark.parametrize(
    "path", ["/", f"/daily/{HF_DAY}", "/api/v1/trending", "/papers/2410.17243", "/daily.atom"]
)
def test_head_gets_the_headers_of_get_without_the_body(client: TestClient, path: str) -> None:
    got, head = client.get(path), client.head(path)
    assert got.status_code == head.status_code == 200 and got.content and not head.content
    for name in ("content-type", "etag", "cache-control", "content-security-policy"):
        assert head.headers.get(name) == got.headers.get(name), name


def test_head_of_a_missing_page_or_a_post_only_path(client: TestClient) -> None:
    assert client.head("/papers/9999.99999").status_code == 404
    assert client.head("/signout").status_code == 405


def test_the_abstract_reads_without_the_sources_line_wraps(client: TestClient) -> None:
    """Hugging Face and arXiv wrap abstracts at ~80 characters; the page reflows them
    (its abstract block keeps line breaks, for paragraphs)."""
    page = client.get("/papers/2410.17243").text
    assert "representation learning, where larger batch sizes" in page
    assert "where\nlarger" not in page


def test_papers_without_a_date_come_last_in_both_orders(
    client: TestClient, loaded_store: Store
) -> None:
    # A plain-text import has no date of its own: stored today, it is not the newest.
    undated = Paper(paper_id="ps-undated-1", title="Notes without a date", abstract="Text.")
    upsert_papers(store=loaded_store, papers_in=[undated])
    for sort in ("newest", "oldest"):
        items = client.get("/api/v1/papers", params={"sort": sort, "limit": 100}).json()["items"]
        assert len(items) > 2 and items[-1]["paper_id"] == "ps-undated-1", sort
        dated = [i["submitted_at"] for i in items[:-1]]
        assert dated == sorted(dated, reverse=sort == "newest"), sort
