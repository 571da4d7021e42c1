"""Papers in Hugging Face's shapes: a daily-papers entry, a paper object
(``/api/papers/{id}``) and the Markdown page (``/papers/{id}.md``), so scripts and the
official ``huggingface_hub`` client written for HF Papers work against paperscope.

What an import kept from Hugging Face (submitter, organisation, listing time, thumbnail,
media, stars, authors' accounts and claim status) is handed back as it came; links are
checked again on the way out."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from paperscope.links import safe_avatar, safe_url
from paperscope.models import AuthorDetail, Paper, Profile, author_details_by_position


@dataclass(frozen=True, slots=True)
class Listing:
    """How a paper entered a daily list here: who put it there, when, and the counts
    shown with it."""

    submitter: dict[str, Any] | None  # an HF user object
    at: datetime | None
    upvotes: int
    comments: int
    # A claimed author of the paper has a visible comment in its discussion.
    author_participating: bool = False
    # Author name -> the account approved as that author here, and when it was.
    claimed: Mapping[str, tuple[str, datetime | None]] = field(default_factory=dict)


def iso_ms(value: datetime | None) -> str | None:
    """HF's timestamp spelling: UTC, milliseconds, ``Z``."""
    if value is None:
        return None
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def object_id(*parts: str) -> str:
    """A stable 24-hex id in the style of HF's (MongoDB) ids."""
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:24]


def profile_object(
    profile: Profile, *, name_key: str = "name", avatar_key: str = "avatarUrl"
) -> dict[str, Any]:
    """A kept profile in HF's spelling; the fields it came with, unchanged."""
    out: dict[str, Any] = dict(profile.details)
    out.update(
        {
            name_key: profile.name,
            "fullname": profile.fullname,
            avatar_key: safe_avatar(profile.avatar_url) or "",
        }
    )
    return out


def local_user(username: str) -> dict[str, Any]:
    """An account of this site as an HF user object (both of HF's name keys)."""
    return {
        "name": username,
        "user": username,
        "fullname": username,
        "avatarUrl": "",
        "type": "user",
        "isPro": False,
        "isHf": False,
        "isMod": False,
        "followerCount": 0,
    }


def submitter_object(paper: Paper, local_username: str | None) -> dict[str, Any]:
    """Who submitted the paper: an account here, else the listing site's submitter,
    else the person who submitted it to arXiv; blank when nobody is known (HF always
    has the key, and scripts read it)."""
    if local_username:
        return local_user(local_username)
    if paper.submitted_by:
        return profile_object(paper.submitted_by)
    out = local_user(paper.submitter or "")
    del out["user"]
    return out


def paper_object(paper: Paper, listing: Listing) -> dict[str, Any]:
    """The paper as HF's paper object (``/api/papers/{id}``, and inside entries)."""
    details = author_details_by_position(paper.authors, paper.author_details)
    out: dict[str, Any] = {
        "id": paper.paper_id,
        "authors": [
            _author(paper, i, name, listing, detail)
            for i, (name, detail) in enumerate(zip(paper.authors, details, strict=True))
        ],
        "publishedAt": iso_ms(paper.submitted_at),
        "title": paper.title,
        "summary": paper.abstract,
        "upvotes": listing.upvotes,
        "discussionId": object_id("discussion", paper.paper_id),
    }
    if listing.at:
        out["submittedOnDailyAt"] = iso_ms(listing.at)
    if listing.submitter:
        daily_by = dict(listing.submitter)
        daily_by.setdefault("user", daily_by.get("name", ""))
        out["submittedOnDailyBy"] = daily_by
    out.update(_extras(paper))
    out["numComments"] = listing.comments
    out["isAuthorParticipating"] = listing.author_participating
    return out


def _author(
    paper: Paper, position: int, name: str, listing: Listing, detail: AuthorDetail | None
) -> dict[str, Any]:
    """An author as HF writes one. An author whose claim was approved here carries the
    account (``user``) and HF's ``claimed_verified`` status, as on HF itself; else what
    Hugging Face said of the author, when an import kept it."""
    out: dict[str, Any] = {"_id": object_id(paper.paper_id, str(position)), "name": name}
    claim = listing.claimed.get(name)
    if claim is not None:
        username, decided_at = claim
        out["user"] = local_user(username)
        out["status"] = "claimed_verified"
        if decided_at is not None:
            out["statusLastChangedAt"] = iso_ms(decided_at)
    elif detail is not None:
        if detail.user is not None:
            out["user"] = profile_object(detail.user, name_key="user")
        if detail.status:
            out["status"] = detail.status
        if detail.status_last_changed_at is not None:
            out["statusLastChangedAt"] = iso_ms(detail.status_last_changed_at)
    out["hidden"] = detail.hidden if detail is not None else False
    return out


def _extras(paper: Paper) -> dict[str, Any]:
    """Optional fields, present only when known (as HF leaves them out)."""
    out: dict[str, Any] = {}
    for key, value in (
        ("githubRepo", safe_url(paper.code_url)),
        ("githubStars", paper.github_stars),
        ("projectPage", safe_url(paper.project_url)),
        ("ai_summary", paper.ai_summary),
        ("ai_keywords", list(paper.ai_keywords) or None),
    ):
        if value is not None:
            out[key] = value
    if paper.organization:
        out["organization"] = profile_object(paper.organization, avatar_key="avatar")
    return out


def daily_entry(paper: Paper, listing: Listing) -> dict[str, Any]:
    """One element of ``/api/daily_papers``. The optional fields HF keeps inside
    ``paper`` are repeated on the entry, where ``huggingface_hub`` reads them."""
    inner = paper_object(paper, listing)
    for key in ("numComments", "isAuthorParticipating"):
        inner.pop(key)
    entry: dict[str, Any] = {
        "paper": inner,
        "publishedAt": iso_ms(listing.at),
        "title": " ".join(paper.title.split()),
        "summary": paper.abstract,
        "thumbnail": safe_url(paper.thumbnail_url) or "",
        "mediaUrls": [u for u in (safe_url(m) for m in paper.media_urls) if u],
        "numComments": listing.comments,
        "isAuthorParticipating": listing.author_participating,
    }
    if listing.submitter:
        entry["submittedBy"] = listing.submitter
    entry.update(_extras(paper))
    return entry


def paper_markdown(paper: Paper, listing: Listing, *, page_url: str) -> str:
    """The paper page as Markdown: metadata, links, AI summary and abstract."""
    lines = [f"# {_line(paper.title)}", ""]
    facts = [
        ("Authors", ", ".join(paper.authors)),
        ("Published", iso_ms(paper.submitted_at) or ""),
        ("arXiv", f"[{paper.arxiv_id}]({paper.abs_url})" if paper.arxiv_id else ""),
        ("PDF", f"<{paper.pdf_url}>" if paper.pdf_url else ""),
        ("Code", _code(paper)),
        ("Project page", _link(paper.project_url)),
        ("Organization", _who(paper.organization)),
        ("Submitted by", _submitter_line(listing.submitter)),
        ("Upvotes", str(listing.upvotes)),
        ("Comments", str(listing.comments)),
        ("Categories", ", ".join(paper.categories)),
        ("Keywords", ", ".join(paper.ai_keywords)),
        ("Page", f"<{page_url}>"),
    ]
    lines += [f"- **{label}:** {_line(value)}" for label, value in facts if value]
    sections: Iterable[tuple[str, str | None]] = (
        ("AI summary", paper.ai_summary),
        ("Abstract", paper.abstract or "No abstract available."),
        ("Comments", paper.comments),
    )
    for title, text in sections:
        if text:
            lines += ["", f"## {title}", "", text.strip()]
    return "\n".join(lines) + "\n"


def _line(text: str) -> str:
    return " ".join(text.split())


def _link(url: str | None) -> str:
    checked = safe_url(url)
    return f"<{checked}>" if checked else ""


def _code(paper: Paper) -> str:
    link = _link(paper.code_url)
    if link and paper.github_stars is not None:
        return f"{link} ({paper.github_stars} stars)"
    return link


def _who(profile: Profile | None) -> str:
    if profile is None:
        return ""
    return f"{profile.fullname} ({profile.name})" if profile.fullname else profile.name


def _submitter_line(submitter: dict[str, Any] | None) -> str:
    if not submitter:
        return ""
    name = str(submitter.get("name") or submitter.get("user") or "")
    fullname = str(submitter.get("fullname") or "")
    return f"{fullname} ({name})" if fullname and fullname != name else name
