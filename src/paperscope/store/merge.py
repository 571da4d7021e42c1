"""How a stored paper and a new record of it combine. Pure functions: no I/O.

Rules: a known value is never erased by an unknown one; text from an older arXiv
version never overwrites a newer one; versions accumulate (history is kept); the day a
paper entered the feed never moves once set; counts (upvotes, stars, comments on the
source site) take the latest value given. Code and project links chosen by a person are
never replaced by an import, and links found in arXiv text only fill gaps: they never
replace links a listing site (Hugging Face) or an export gave. What a listing site said
about the authors (accounts, claim status) is matched to the merged author list by name:
a record without such details (arXiv) keeps them, and only details of names the paper
no longer lists are dropped."""

from __future__ import annotations

import hashlib
from dataclasses import fields
from typing import Any

import orjson

from paperscope.models import Paper, Version, kept_author_details

_FIRST_WINS = {"paper_id", "source", "feed_date", "arxiv_id", "listed_at"}
_LATEST_COUNT = {"external_upvotes", "github_stars", "source_comments"}
_LINKS = ("code_url", "project_url", "links_edited_by")
_SPECIAL = {
    "versions",
    "sources",
    "submitted_at",
    "updated_at",
    "author_details",
    *_LATEST_COUNT,
    *_LINKS,
}
# Sources whose links are the site's own fields, not found in free text.
_LINK_SOURCES = {"hf-daily", "export"}


def merge_papers(stored: Paper, incoming: Paper) -> Paper:
    older = (
        incoming.latest_version is not None
        and stored.latest_version is not None
        and incoming.latest_version < stored.latest_version
    )
    changes: dict[str, Any] = {}
    for f in fields(Paper):
        name = f.name
        old, new = getattr(stored, name), getattr(incoming, name)
        if name in _SPECIAL:
            continue
        if name in _FIRST_WINS:
            changes[name] = old if _known(old) else new
        elif _known(new) and not older:
            changes[name] = new
        else:
            changes[name] = old
    changes["versions"] = _merge_versions(stored.versions, incoming.versions)
    changes["submitted_at"] = _pick(min, stored.submitted_at, incoming.submitted_at)
    changes["updated_at"] = _pick(max, stored.updated_at, incoming.updated_at)
    for name in _LATEST_COUNT:
        new = getattr(incoming, name)
        changes[name] = new if new is not None else getattr(stored, name)
    changes.update(_merge_links(stored, incoming))
    details = incoming.author_details or stored.author_details
    changes["author_details"] = kept_author_details(changes["authors"], details)
    changes["sources"] = tuple(dict.fromkeys(stored.sources + incoming.sources))
    return Paper(**changes)


_HASHED_FIELDS = tuple(f.name for f in fields(Paper) if f.name not in ("sources", "versions"))


def record_hash(paper: Paper) -> str:
    """A fingerprint of what a source said about a paper (not where it was stored).

    Built by hand rather than with dataclasses.asdict, which deep-copies every value and
    took most of the time of a bulk import; the bytes hashed are the same."""
    data: dict[str, Any] = {name: getattr(paper, name) for name in _HASHED_FIELDS}
    data["versions"] = [
        {"number": v.number, "size": v.size, "submitted_at": v.submitted_at} for v in paper.versions
    ]
    return hashlib.sha1(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def same_content(a: Paper, b: Paper) -> bool:
    return a.replace(sources=()) == b.replace(sources=())


def _merge_links(stored: Paper, incoming: Paper) -> dict[str, Any]:
    if stored.links_edited_by and not incoming.links_edited_by:
        return {name: getattr(stored, name) for name in _LINKS}
    fill_only = incoming.source not in _LINK_SOURCES and not incoming.links_edited_by
    out: dict[str, Any] = {}
    for name in _LINKS:
        old, new = getattr(stored, name), getattr(incoming, name)
        out[name] = new if _known(new) and not (fill_only and _known(old)) else old
    return out


def _known(value: Any) -> bool:
    return value is not None and value != "" and value != ()


def _pick(fn: Any, a: Any, b: Any) -> Any:
    present = [x for x in (a, b) if x is not None]
    return fn(present) if present else None


def _merge_versions(a: tuple[Version, ...], b: tuple[Version, ...]) -> tuple[Version, ...]:
    by_number: dict[int, Version] = {v.number: v for v in a}
    for v in b:
        known = by_number.get(v.number)
        if known is None or (known.submitted_at is None and v.submitted_at is not None):
            by_number[v.number] = v
    return tuple(by_number[n] for n in sorted(by_number))
