"""Where each list page can be followed: the Atom feed routes/feeds.py serves for it,
and the subscription form prefilled for the same list. Pages advertise both (a visible
link and ``<link rel="alternate">``), so feed readers and people find them."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def daily_links() -> tuple[str, str]:
    return "/daily.atom", "/subscribe?" + urlencode({"trending": "day"})


def trending_links(window: str) -> tuple[str, str]:
    mail_window = "day" if window == "day" else "week"
    return (
        "/trending.atom?" + urlencode({"window": window}),
        "/subscribe?" + urlencode({"trending": mail_window}),
    )


def browse_links(kind: str, name: str) -> tuple[str, str]:
    """An author's or a category's feed, and mail for its new papers."""
    folder = "authors" if kind == "author" else "categories"
    return (
        f"/{folder}/{quote(name, safe='')}.atom",
        "/subscribe?" + urlencode({kind: name}),
    )
