"""Import a bibliography into a reader's library: read, match, optionally fetch the
missing arXiv papers, save, and report on every entry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from paperscope.config import Settings
from paperscope.references.matching import (
    MIN_TITLE_LENGTH,
    TITLE_THRESHOLD,
    Match,
    match_references,
)
from paperscope.references.reading import read_references
from paperscope.references.records import Reference, title_words
from paperscope.store import Store
from paperscope.store.library import save_many
from paperscope.store.papers import upsert_papers

# arXiv asks for one API request every three seconds; 100 ids go in one request, so
# this many papers take about 15 s to fetch.
MAX_HARVEST = 500


@dataclass(frozen=True, slots=True)
class EntryOutcome:
    """What happened to one entry of the file."""

    key: str
    location: str  # "line 12" (BibTeX, RIS) or "item 3" (CSL-JSON)
    title: str
    status: str  # "matched" | "harvested" | "unmatched" | "rejected"
    paper_id: str | None = None
    match: str | None = None  # "arxiv-id" | "doi" | "title"
    score: float | None = None  # title similarity (title matches; closest for misses)
    reason: str = ""
    same_as: str = ""  # where an earlier entry of the file found the same paper


@dataclass(frozen=True, slots=True)
class ReferenceImportReport:
    format: str
    entries: tuple[EntryOutcome, ...]
    added: int  # papers new to the library
    updated: int  # papers already saved that gained tags or a note
    notices: tuple[str, ...] = ()

    def count(self, status: str) -> int:
        return sum(e.status == status for e in self.entries)

    @property
    def saved(self) -> int:
        """Entries now in the library (matched here or fetched from arXiv)."""
        return self.count("matched") + self.count("harvested")

    @property
    def papers(self) -> int:
        """Distinct papers those entries found (two entries may find one paper)."""
        return len({e.paper_id for e in self.entries if e.paper_id})

    @property
    def unchanged(self) -> int:
        """Papers found that were already in the library with nothing new to add."""
        return self.papers - self.added - self.updated

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "total": len(self.entries),
            "matched": self.count("matched"),
            "harvested": self.count("harvested"),
            "unmatched": self.count("unmatched"),
            "rejected": self.count("rejected"),
            "papers": self.papers,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "notices": list(self.notices),
            "entries": [asdict(e) for e in self.entries],
        }


def import_references(
    *,
    store: Store,
    settings: Settings,
    user_id: int,
    data: bytes,
    now: datetime,
    format: str | None = None,
    filename: str | None = None,
    harvest_missing: bool = False,
    harvest_limit: int = MAX_HARVEST,
) -> ReferenceImportReport:
    """Import ``data`` (a BibTeX, RIS or CSL-JSON file) into the user's library.
    Raises ReferenceFormatError when the file cannot be used at all."""
    read = read_references(data, format=format, filename=filename)
    refs = read.references
    matches = match_references(store=store, references=refs)
    notices = list(read.notices)
    harvested: dict[int, str] = {}
    failures: dict[int, str] = {}
    if harvest_missing:
        harvested, failures, notice = _harvest(
            store, settings, refs, matches, min(harvest_limit, MAX_HARVEST)
        )
        notices += [notice] if notice else []
    outcomes = [
        _outcome(ref, match, harvested.get(i), failures.get(i), harvest_missing)
        for i, (ref, match) in enumerate(zip(refs, matches, strict=True))
    ]
    added, updated = save_many(
        store=store, user_id=user_id, items=_library_items(refs, outcomes), now=now
    )
    outcomes += [
        EntryOutcome(key="", location=r.location, title="", status="rejected", reason=r.reason)
        for r in read.rejected
    ]
    outcomes.sort(key=_position)
    outcomes = _mark_repeats(outcomes)
    return ReferenceImportReport(read.format, tuple(outcomes), added, updated, tuple(notices))


def _mark_repeats(outcomes: list[EntryOutcome]) -> list[EntryOutcome]:
    """Say which entries found a paper an earlier entry already found (in file order):
    the summary counts papers, so its numbers add up only if the report says so."""
    first: dict[str, str] = {}
    marked = []
    for outcome in outcomes:
        if outcome.paper_id and outcome.paper_id in first:
            outcome = replace(outcome, same_as=first[outcome.paper_id])
        elif outcome.paper_id:
            first[outcome.paper_id] = outcome.location
        marked.append(outcome)
    return marked


def _position(outcome: EntryOutcome) -> int:
    return int(outcome.location.rsplit(" ", 1)[-1])


def _harvest(
    store: Store,
    settings: Settings,
    refs: Sequence[Reference],
    matches: Sequence[Match],
    limit: int,
) -> tuple[dict[int, str], dict[int, str], str | None]:
    """Fetch unmatched arXiv ids from the arXiv API and store them. Returns
    {entry index: paper_id} fetched, {entry index: why not}, and a notice."""
    from paperscope.ingest.harvest import HarvestError, fetch_papers

    missing = [i for i, m in enumerate(matches) if m.paper_id is None and refs[i].arxiv_id]
    ids = list(dict.fromkeys(str(refs[i].arxiv_id) for i in missing))
    wanted, skipped = ids[:limit], set(ids[limit:])
    failures: dict[int, str] = {}
    notice = None
    try:
        papers = fetch_papers(settings=settings, arxiv_ids=wanted) if wanted else []
    except HarvestError as exc:
        papers = []
        notice = f"fetching from arXiv failed: {exc}"
        skipped |= set(wanted)
    if papers:
        upsert_papers(store=store, papers_in=papers)
    fetched = {p.paper_id for p in papers}
    harvested: dict[int, str] = {}
    for i in missing:
        arxiv_id = str(refs[i].arxiv_id)
        if arxiv_id in fetched:
            harvested[i] = arxiv_id
        elif notice and arxiv_id in skipped:
            failures[i] = notice
        elif arxiv_id in skipped:
            failures[i] = f"not fetched: at most {limit} papers are fetched from arXiv per import"
        else:
            failures[i] = f"arXiv has no paper {arxiv_id}"
    if len(ids) > limit:
        notice = notice or f"{len(ids) - limit} arXiv ids not fetched (limit {limit} per import)"
    return harvested, failures, notice


def _outcome(
    ref: Reference, match: Match, harvested: str | None, failure: str | None, harvesting: bool
) -> EntryOutcome:
    key, where, title = ref.key, ref.location, ref.title
    if match.paper_id is not None:
        return EntryOutcome(key, where, title, "matched", match.paper_id, match.method, match.score)
    if harvested is not None:
        return EntryOutcome(key, where, title, "harvested", harvested, "arxiv-id")
    reason = failure or _miss_reason(ref, match, harvesting)
    return EntryOutcome(key, where, title, "unmatched", score=match.score, reason=reason)


def _miss_reason(ref: Reference, match: Match, harvesting: bool) -> str:
    if not (ref.title or ref.doi or ref.arxiv_id):
        return "no title, DOI or arXiv id to match on"
    parts = []
    if ref.arxiv_id:
        hint = "" if harvesting else " (ask to harvest missing arXiv papers to fetch it)"
        parts.append(f"arXiv {ref.arxiv_id} is not in the store{hint}")
    if ref.doi:
        parts.append(f"no paper with DOI {ref.doi}")
    if match.why:
        parts.append(match.why)
    elif ref.title and match.score is not None:
        parts.append(f"closest title scored {match.score:.2f}, below {TITLE_THRESHOLD}")
    elif ref.title and len(title_words(ref.title)) < MIN_TITLE_LENGTH:
        parts.append(f"the title is too short to match on (under {MIN_TITLE_LENGTH} letters)")
    elif ref.title:
        parts.append("no paper with a similar title")
    return "; ".join(parts)


def _library_items(
    refs: Sequence[Reference], outcomes: Sequence[EntryOutcome]
) -> list[tuple[str, Sequence[str], str]]:
    """One item per paper: two entries for the same paper pool their tags and notes."""
    merged: dict[str, tuple[list[str], list[str]]] = {}
    for ref, outcome in zip(refs, outcomes, strict=True):
        if outcome.paper_id is None:
            continue
        tags, notes = merged.setdefault(outcome.paper_id, ([], []))
        tags.extend(ref.keywords)
        if ref.note and ref.note not in notes:
            notes.append(ref.note)
    return [(pid, tags, "\n\n".join(notes)) for pid, (tags, notes) in merged.items()]
