"""A day, week or month that has not come yet says so and links to today, on the page
and in its JSON twin; the calendar's far ends answer a clear error, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient


def test_future_day_page_says_so_and_links_to_today(client: TestClient) -> None:
    r = client.get("/daily/2030-01-01")
    assert r.status_code == 200
    assert "Tuesday 1 January 2030 is in the future" in r.text
    assert '<a href="/">See today’s papers</a>' in r.text
    assert "No papers for this day yet" not in r.text


def test_future_day_json_says_so(client: TestClient) -> None:
    r = client.get("/api/v1/daily/2030-01-01")
    assert r.status_code == 200
    data = r.json()
    assert data["in_future"] is True and data["today_url"] == "/"
    assert data["items"] == [] and "in the future" in data["notice"]
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/daily/{tomorrow}").json()["in_future"] is True
    assert client.get("/api/v1/daily/2024-10-25").json()["in_future"] is False


@pytest.mark.parametrize(
    "path", ["/daily/week/2030-W02", "/daily/month/2030-01", "/?date=2030-01-01"]
)
def test_future_weeks_and_months_too(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and "is in the future" in r.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/daily/9999-12-31", 200),
        ("/api/v1/daily/month/9999-12", 200),
        ("/api/v1/daily/week/9999-W52", 422),
        ("/api/v1/daily/week/0001-W01", 200),
        ("/api/v1/daily/month/0001-01", 200),
    ],
)
def test_calendar_ends_never_crash(client: TestClient, path: str, status: int) -> None:
    r = client.get(path)
    assert r.status_code == status
    if status == 422:
        # The week that ends past the calendar is named as such, not a crash.
        assert "9999" in r.json()["error"]["message"] or "year" in r.json()["error"]["message"]
