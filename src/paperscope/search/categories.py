"""Category filters that can match nothing: neither arXiv's nor any paper's here."""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
