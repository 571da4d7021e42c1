"""Category filters that can match nothing: neither arXiv's nor any paper's here; and a
query that is nothing but a category's code, which lists that category."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from paperscope.models import SearchQuery
from paperscope.sources.arxiv_categories import arxiv_spelling


def unknown_categories(categories: Sequence[str], in_library: Callable[[str], bool]) -> list[str]:
    """The ``categories`` that are neither arXiv's (a category or a whole archive, in
    any case) nor held by any paper here (``in_library``; text imports may carry
    categories of their own). Only names arXiv does not know are looked up."""
    return [
        name
        for name in dict.fromkeys(c.strip() for c in categories if c.strip())
        if arxiv_spelling(name) is None and not in_library(name)
    ]


def unknown_categories_notice(unknown: Sequence[str]) -> str | None:
    """What a search says of category filters that can match nothing."""
    if not unknown:
        return None
    names = ", ".join(repr(name) for name in unknown)
    several = len(unknown) > 1
    return (
        f"no paper here is in {'categories' if several else 'category'} {names}, and "
        f"{'they are' if several else 'it is'} not an arXiv category: arXiv's look like "
        "cs.LG, hep-th or math.CO (a whole archive such as cs works too)"
    )


def named_category(text: str) -> str | None:
    """arXiv's spelling of the category ``text`` names when the whole of it is a
    category's code with a dot or a hyphen ("cs.CL", "hep-th", "astro-ph.GA", in any
    case); None otherwise. Archives that are plain words (math, physics, cs) stay words
    to search for."""
    name = text.strip()
    if "." not in name and "-" not in name:
        return None
    return arxiv_spelling(name)


def category_listing(query: SearchQuery) -> tuple[SearchQuery, str | None]:
    """A query whose text is a category's code (``named_category``) as that category's
    filter, ``cat:CODE``, which lists it newest first (search/query.py, names_only),
    and what to say of it. Other queries come back as they are, with None. A reader who
    types "cs.CL" wants its papers; searched as words it matched papers that write
    "CL" (continual learning)."""
    category = named_category(query.text)
    if category is None:
        return query, None
    return dataclasses.replace(query, text=f"cat:{category}"), listing_notice(category, query)


def listing_notice(category: str, query: SearchQuery) -> str:
    """What a search page says when its query, a category's code, lists that category."""
    order = "oldest" if query.sort == "oldest" else "newest"
    return (
        f"{category} is an arXiv category: showing its papers, {order} first (to search "
        f"titles and abstracts for “{query.text.strip()}”, put it in quotes)"
    )
