"""The site's own paths for a paper, an author, a category and a day of the feed: one
spelling for the pages, the JSON API's links, the mails and feeds, and the MCP
server's answers."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote


def paper_url(paper_id: str) -> str:
    # Old-style ids keep their slash: /papers/hep-th/9901001
    return "/papers/" + quote(paper_id, safe="/")


def author_url(name: str) -> str:
    return "/authors/" + quote(name, safe="")


def category_url(category: str) -> str:
    return "/categories/" + quote(category, safe="")


def day_url(day: date) -> str:
    return "/daily/" + day.isoformat()
