"""Where each list page can be followed: the Atom feed routes/feeds.py serves for it,
and the subscription form prefilled for the same list. Pages advertise both (a visible
link and ``<link rel="alternate">``), so feed readers and people find them."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def daily_links(kind: str = "day") -> tuple[str, str, str]:
    """A day's, week's or month's feed page: the Atom feed of the latest period of the
    same kind, the subscription form and what it sends. No mail sends a past day again,
    a week's or a month's whole list, and none comes monthly, so the pages offer the
    nearest there is, each day's or the week's top 10, and say so."""
    if kind == "day":
        day_mail = "/subscribe?" + urlencode({"trending": "day"})
        return "/daily.atom", day_mail, "Top 10 of the day by mail"
    return (
        "/daily.atom?" + urlencode({"period": kind}),
        "/subscribe?" + urlencode({"trending": "week", "frequency": "weekly"}),
        "Top 10 of the week by mail",
    )


def trending_links(window: str, category: str | None = None) -> tuple[str, str]:
    """Trending's feed and its mail, both narrowed to the page's category if any
    (trending mail is of the day or the week: a month's page offers the week's)."""
    mail_window = "day" if window == "day" else "week"
    narrowed = {"category": category} if category else {}
    mail = {"trending": mail_window, **({"trending_category": category} if category else {})}
    return (
        "/trending.atom?" + urlencode({"window": window, **narrowed}),
        "/subscribe?" + urlencode(mail),
    )


def browse_links(kind: str, name: str) -> tuple[str, str]:
    """An author's or a category's feed, and mail for its new papers."""
    folder = "authors" if kind == "author" else "categories"
    return (
        f"/{folder}/{quote(name, safe='')}.atom",
        "/subscribe?" + urlencode({kind: name}),
    )
