"""Mails as RFC 5322 messages: an HTML part (table layout, inline CSS, readable in mail
clients on desktop and phone) and a plain-text part, both from Jinja templates in
feeds/templates/. Everything a paper brings (titles can contain markup) is escaped."""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP, Policy
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from urllib.parse import urlsplit

import jinja2

from paperscope.config import Settings
from paperscope.feeds.content import Digest, DigestSection
from paperscope.feeds.schedule import zone
from paperscope.links import safe_url
from paperscope.models import Paper
from paperscope.site_paths import paper_url

ABSTRACT_CHARS = 320
MAX_AUTHORS = 6


@dataclass(frozen=True, slots=True)
class MailLinks:
    unsubscribe: str
    manage: str


@dataclass(frozen=True, slots=True)
class PaperView:
    """What a template shows of a paper: plain strings, no database rows."""

    title: str
    authors: str
    abstract: str
    abstract_text: str  # wrapped for the plain-text part
    categories: tuple[str, ...]
    page_url: str
    abs_url: str | None
    pdf_url: str | None
    code_url: str | None


class _OneLineHeader(UnstructuredHeader, BaseHeader):
    """A header written on one line as given. The email package folds a long header
    without spaces into RFC 2047 encoded words, and mail clients do not decode those in
    List-Unsubscribe: its <https://...> link must stay readable (RFC 2369, RFC 8058)."""

    def fold(self, *, policy: Policy) -> str:
        value = str(self)
        if not value.isascii() or len(self.name) + 2 + len(value) > 998:
            return BaseHeader.fold(self, policy=policy)
        return f"{self.name}: {value}{policy.linesep}"


def _mail_policy() -> Policy:
    headers = HeaderRegistry()
    headers.map_to_type("list-unsubscribe", _OneLineHeader)
    return SMTP.clone(header_factory=headers)


_MAIL_POLICY = _mail_policy()


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("paperscope.feeds", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def site_url(settings: Settings, path: str) -> str:
    return settings.public_base_url.rstrip("/") + path


def mail_domain(settings: Settings) -> str:
    return urlsplit(settings.public_base_url).hostname or "localhost"


def message_id_for(settings: Settings, idempotency_key: str) -> str:
    """Deterministic: the same outbox row always carries the same Message-ID, so a copy
    resent after a crash is recognisably the same message."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}.{idempotency_key.split(':', 1)[0]}@{mail_domain(settings)}>"


def shorten(text: str, limit: int = ABSTRACT_CHARS) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0].rstrip(",.;:")
    return cut + "…"


def author_line(authors: tuple[str, ...]) -> str:
    if len(authors) <= MAX_AUTHORS:
        return ", ".join(authors)
    return ", ".join(authors[:MAX_AUTHORS]) + f" and {len(authors) - MAX_AUTHORS} more"


def paper_view(settings: Settings, paper: Paper) -> PaperView:
    return _paper_view(settings.public_base_url, paper)


# Thousands of digests of one run show the same few hundred papers: shape each once.
@lru_cache(maxsize=4096)
def _paper_view(base_url: str, paper: Paper) -> PaperView:
    abstract = shorten(paper.ai_summary or paper.abstract)
    return PaperView(
        title=" ".join(paper.title.split()),
        authors=author_line(paper.authors),
        abstract=abstract,
        abstract_text="\n  ".join(textwrap.wrap(abstract, 74)),
        categories=paper.categories[:3],
        page_url=base_url.rstrip("/") + paper_url(paper.paper_id),
        abs_url=paper.abs_url,
        pdf_url=paper.pdf_url,
        code_url=safe_url(paper.code_url),  # http(s) only, checked again as written
    )


def digest_subject(digest: Digest) -> str:
    n = digest.paper_count
    noun = "paper" if n == 1 else "papers"
    searches = [s for s in digest.sections if s.key == "search"]
    if len(digest.sections) == 1 and searches:
        # one line: a header cannot hold the line breaks a typed query may carry
        query = " ".join((digest.subscription.spec.search_query or "").split())
        return f"{n} new {noun} for your alert: {query}"
    return f"Your paperscope digest: {n} {noun} ({_nice_date(_local_time(digest))})"


def _local_time(digest: Digest) -> datetime:
    """When the digest was built, on the subscriber's clock (the day its period names)."""
    return digest.built_at.astimezone(zone(digest.subscription.spec.time_zone))


def _nice_date(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def _sections_view(settings: Settings, sections: tuple[DigestSection, ...]) -> list[object]:
    return [
        {
            "title": s.title,
            "key": s.key,
            "papers": [paper_view(settings, i.paper) for i in s.items],
            "more": s.more,
            "more_url": site_url(settings, s.more_url) if s.more_url else None,
        }
        for s in sections
    ]


# "Your weekday digest", not "Your weekdays digest".
_FREQUENCY_WORDS = {"daily": "daily", "weekdays": "weekday", "weekly": "weekly"}


def render_digest(
    *, settings: Settings, digest: Digest, links: MailLinks, idempotency_key: str
) -> EmailMessage:
    context = {
        "site_name": "paperscope",
        "site_url": site_url(settings, "/"),
        "subject": digest_subject(digest),
        "date": _nice_date(_local_time(digest)),
        "sections": _sections_view(settings, digest.sections),
        "paper_count": digest.paper_count,
        "email": digest.subscription.email,
        "frequency": _FREQUENCY_WORDS.get(
            digest.subscription.spec.frequency, digest.subscription.spec.frequency
        ),
        "links": links,
    }
    message = _message(
        settings,
        to=digest.subscription.email,
        subject=str(context["subject"]),
        sent=digest.built_at,
        idempotency_key=idempotency_key,
        template="digest",
        context=context,
    )
    # RFC 8058: mail clients show an unsubscribe button that POSTs to this URL.
    message["List-Unsubscribe"] = f"<{links.unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["List-Id"] = f"paperscope digests <digest.{mail_domain(settings)}>"
    message["Precedence"] = "bulk"
    return message


def render_confirmation(
    *,
    settings: Settings,
    email: str,
    confirm_url: str,
    summary: str,
    idempotency_key: str,
    sent: datetime,
) -> EmailMessage:
    return _link_mail(
        "confirm",
        "Confirm your paperscope subscription",
        settings=settings,
        to=email,
        sent=sent,
        idempotency_key=idempotency_key,
        email=email,
        confirm_url=confirm_url,
        summary=summary,
    )


def render_password_reset(
    *,
    settings: Settings,
    email: str,
    username: str,
    reset_url: str,
    minutes: int,
    idempotency_key: str,
    sent: datetime,
) -> EmailMessage:
    return _link_mail(
        "password_reset",
        "Reset your paperscope password",
        settings=settings,
        to=email,
        sent=sent,
        idempotency_key=idempotency_key,
        username=username,
        reset_url=reset_url,
        minutes=minutes,
    )


def render_email_verification(
    *,
    settings: Settings,
    email: str,
    username: str,
    verify_url: str,
    valid_days: int,
    idempotency_key: str,
    sent: datetime,
) -> EmailMessage:
    """The mail that proves an account's address (paperscope.people.email_verification)."""
    return _link_mail(
        "verify_email",
        "Confirm your e-mail address on paperscope",
        settings=settings,
        to=email,
        sent=sent,
        idempotency_key=idempotency_key,
        email=email,
        username=username,
        verify_url=verify_url,
        valid_days=valid_days,
    )


def _link_mail(
    template: str,
    subject: str,
    *,
    settings: Settings,
    to: str,
    sent: datetime,
    idempotency_key: str,
    **context: object,
) -> EmailMessage:
    """A mail that asks its reader to follow one link (its templates extend
    _link_mail.html), with the context every such template shows."""
    full = {
        "site_name": "paperscope",
        "site_url": site_url(settings, "/"),
        "subject": subject,
        **context,
    }
    return _message(
        settings,
        to=to,
        subject=subject,
        sent=sent,
        idempotency_key=idempotency_key,
        template=template,
        context=full,
    )


def _message(
    settings: Settings,
    *,
    to: str,
    subject: str,
    sent: datetime,
    idempotency_key: str,
    template: str,
    context: Mapping[str, object],
) -> EmailMessage:
    env = _environment()
    message = EmailMessage(policy=_MAIL_POLICY)
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = message_id_for(settings, idempotency_key)
    # An explicit transfer encoding spares the email package trying every encoding
    # on every part (half the build time of a digest otherwise).
    text = env.get_template(f"{template}.txt").render(context)
    html = env.get_template(f"{template}.html").render(context)
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message


def envelope_sender(settings: Settings) -> str:
    """The bare address of SMTP_SENDER, for MAIL FROM."""
    return parseaddr(settings.smtp_sender)[1] or settings.smtp_sender
