"""An empty day, week or month says "yet" only while it holds today; a past one says
there were no papers and, for a day, links the nearest days that have some."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from web_samples import HF_DAY


def test_past_empty_day_says_there_were_none_and_links_nearest_days(
    client: TestClient,
) -> None:
    r = client.get("/daily/2024-10-20")
    assert r.status_code == 200
    assert "There were no papers that day." in r.text
    assert "yet" not in r.text.split('data-testid="empty-period"')[1].split("</div>")[0]
    # The nearest later day with papers is the old-style paper's (2024-10-24).
    assert '<a href="/daily/2024-10-24">Next day with papers →</a>' in r.text


def test_past_empty_day_between_days_links_both_sides(client: TestClient) -> None:
    # 25 October (the HF sample) is the last day with papers: the day after links back
    # to it, keeping the reader's sort, and offers no later day.
    after = client.get("/daily/2024-10-26?sort=newest").text
    assert "There were no papers that day." in after
    assert f'<a href="/daily/{HF_DAY}?sort=newest">← Previous day with papers</a>' in after
    assert "Next day with papers" not in after


def test_past_empty_week_and_month_say_so_without_yet(client: TestClient) -> None:
    week = client.get("/daily/week/2023-W10").text
    assert "There were no papers that week." in week and "for this week yet" not in week
    month = client.get("/daily/month/2023-03").text
    assert "There were no papers that month." in month and "for this month yet" not in month


def test_has_code_filter_is_named_in_the_empty_message(client: TestClient) -> None:
    r = client.get("/daily/2024-10-20?has_code=true")
    assert "There were no papers with code that day." in r.text


def test_today_empty_says_yet(client: TestClient) -> None:
    now = datetime.now(UTC).date()
    day = client.get(f"/daily/{now.isoformat()}").text
    assert "No papers for today yet." in day and "There were no papers" not in day
    year, week, _ = now.isocalendar()
    this_week = client.get(f"/daily/week/{year}-W{week:02d}").text
    assert "No papers for this week yet." in this_week
    this_month = client.get(f"/daily/month/{now:%Y-%m}").text
    assert "No papers for this month yet." in this_month
