"""Claiming authorship of a paper: the checks and the auto-approval rule.

A claim names one of the paper's printed authors. It is approved at once when the
``claims_auto_approve`` setting is on and the claimant's *verified* e-mail domain
matches a domain printed in the paper's metadata. What is matched, precisely:

- domains of e-mail addresses written in the paper's abstract, arXiv comments or
  journal reference (arXiv and Hugging Face give no per-author e-mails or
  affiliations, so these free-text fields are the only place an address appears);
- the claimant's domain matches when it equals such a domain or is a subdomain of it
  (``cs.uni.edu`` matches ``uni.edu``), never the other way round;
- public webmail domains (gmail.com, outlook.com ...) never match: anyone can have one.

Everything else waits for an admin."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.claims import Claim, DuplicateClaim, add_claim
from paperscope.store.email_verification import verified_email
from paperscope.store.papers import author_key, get_paper

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
WEBMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com",
        "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de",
        "mail.com", "yandex.com", "yandex.ru", "mail.ru", "qq.com", "163.com", "126.com",
        "foxmail.com", "sina.com", "naver.com", "fastmail.com", "zoho.com", "tutanota.com",
        "example.com",
    }
)  # fmt: skip


class ClaimRefused(ValueError):
    """A claim that cannot be made; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class ClaimOutcome:
    claim: Claim
    auto_approved: bool


def printed_domains(paper: Paper) -> set[str]:
    """Domains of the e-mail addresses printed in the paper's free-text metadata."""
    text = " ".join(t for t in (paper.abstract, paper.comments, paper.journal_ref) if t)
    return {m.group(1).lower().rstrip(".") for m in _EMAIL.finditer(text)}


def matching_domain(email_domain: str, printed: set[str]) -> str | None:
    """The printed domain the claimant's domain equals or sits under, if any."""
    domain = email_domain.lower()
    if domain in WEBMAIL_DOMAINS:
        return None
    for candidate in sorted(printed):
        if candidate in WEBMAIL_DOMAINS:
            continue
        if domain == candidate or domain.endswith("." + candidate):
            return candidate
    return None


def printed_author(paper: Paper, name: str) -> str:
    """The author as printed on the paper that ``name`` designates (any case or accents)."""
    key = author_key(name)
    for printed in paper.authors:
        if author_key(printed) == key:
            return printed
    raise ClaimRefused(
        f"{name.strip()!r} is not an author of {paper.paper_id}: choose one of the names "
        "printed on the paper."
    )


def claim_paper(
    *,
    store: Store,
    settings: Settings,
    user_id: int,
    paper_id: str,
    author_name: str,
    now: datetime,
) -> ClaimOutcome:
    """Record the user's claim to be ``author_name`` on the paper, approved at once when
    the auto-approval rule (module docstring) holds."""
    paper = get_paper(store=store, paper_id=paper_id)
    if paper is None:
        raise ClaimRefused(f"No paper {paper_id!r} here.")
    name = printed_author(paper, author_name)
    approved_by = None
    if settings.claims_auto_approve:
        proven = verified_email(store=store, user_id=user_id)
        if proven is not None:
            domain = matching_domain(proven[0].rsplit("@", 1)[-1], printed_domains(paper))
            if domain:
                approved_by = f"email-domain:{domain}"
    try:
        claim = add_claim(
            store=store,
            user_id=user_id,
            paper_id=paper.paper_id,
            author_name=name,
            now=now,
            approved_by=approved_by,
        )
    except DuplicateClaim:
        raise ClaimRefused(
            f"You have already claimed {paper.paper_id}; withdraw that claim to make another."
        ) from None
    return ClaimOutcome(claim, auto_approved=approved_by is not None)
