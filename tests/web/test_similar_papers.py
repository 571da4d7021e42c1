"""Similar papers, on the page and in the API: ``limit`` is bounded like every list's
(1 to 100), refused by name when out of range, and honoured within it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from paperscope.web.views import MAX_LIMIT

PAPER = "2410.17243"


@pytest.mark.parametrize("limit", ["0", "101", "1000", "-3", "many"])
def test_an_out_of_range_limit_is_refused_by_name(searchable: TestClient, limit: str) -> None:
    r = searchable.get(f"/api/v1/papers/{PAPER}/similar", params={"limit": limit})
    assert r.status_code == 422, limit
    error = r.json()["error"]
    assert error["code"] == "invalid_request"
    [field] = error["details"]["fields"]
    assert field["field"] == "limit"
    if limit != "many":
        assert field["limits"] == {"ge": 1, "le": MAX_LIMIT}
        assert error["message"] == f"Limit must be between 1 and {MAX_LIMIT}."
    page = searchable.get(f"/papers/{PAPER}/similar", params={"limit": limit})
    assert page.status_code == 422 and "Limit must be" in page.text
    assert "<!doctype html>" in page.text


def test_the_limit_is_honoured(searchable: TestClient) -> None:
    default = searchable.get(f"/api/v1/papers/{PAPER}/similar").json()["items"]
    assert len(default) == 8  # the paper page's count
    two = searchable.get(f"/api/v1/papers/{PAPER}/similar?limit=2").json()["items"]
    assert [c["paper_id"] for c in two] == [c["paper_id"] for c in default[:2]]
    many = searchable.get(f"/api/v1/papers/{PAPER}/similar?limit={MAX_LIMIT}").json()["items"]
    assert len(many) > len(default) and PAPER not in {c["paper_id"] for c in many}
    # another spelling of the id keeps the limit on its way to the canonical URL
    moved = searchable.get(f"/api/v1/papers/{PAPER}v1/similar?limit=3", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"].endswith("/similar?limit=3")
    # the paper page lists its own few
    assert searchable.get(f"/papers/{PAPER}").status_code == 200
