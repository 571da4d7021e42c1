"""The site's own paths for a paper, a comment, an author, a category and a day of the feed: one
spelling for the pages, the JSON API's links, the mails and feeds, and the MCP
server's answers."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote


def paper_url(paper_id: str) -> str:
    # Old-style ids keep their slash: /papers/hep-th/9901001
    return "/papers/" + quote(paper_id, safe="/")


def comment_link(comment_id: int) -> str:
    """A comment wherever its thread is now: redirects to the discussion page showing it
    (a thread may be past the first page, where ``#comment-N`` alone finds nothing)."""
    return f"/comments/{comment_id}"


def author_url(name: str) -> str:
    return "/authors/" + quote(name, safe="")


def category_url(category: str) -> str:
    return "/categories/" + quote(category, safe="")


def day_url(day: date) -> str:
    return "/daily/" + day.isoformat()
