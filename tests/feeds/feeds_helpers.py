"""Helpers of the feeds tests: a recording SMTP handler for aiosmtpd and a reader of
the shared arXiv snapshot records."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from paperscope.models import Paper, Version


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class RecordingHandler:
    """Accepts everything except addresses it was told to refuse: local parts starting
    with 'bounce' get 550, 'later' get 451 (a transient refusal)."""

    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        local = address.split("@", 1)[0]
        if local.startswith("bounce"):
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("later"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted for delivery"


@dataclass
class SmtpSink:
    host: str
    port: int
    handler: RecordingHandler

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


def free_port() -> int:
    """A port nothing listens on right now (aiosmtpd's Controller needs a real one)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _name(parts: list[str]) -> str:
    last, first = parts[0], parts[1] if len(parts) > 1 else ""
    return f"{first} {last}".strip()


def snapshot_papers(path: Path) -> list[Paper]:
    """The Kaggle arXiv snapshot records as Papers (just what digests need)."""
    out = []
    for line in path.read_text().splitlines():
        rec = json.loads(line)
        cats = tuple(rec["categories"].split())
        out.append(
            Paper(
                paper_id=rec["id"],
                arxiv_id=rec["id"],
                title=rec["title"],
                abstract=rec["abstract"].strip(),
                authors=tuple(_name(a) for a in rec["authors_parsed"]),
                categories=cats,
                primary_category=cats[0],
                versions=tuple(Version(int(v["version"][1:])) for v in rec["versions"]),
                submitted_at=datetime(2007, 4, 2, tzinfo=UTC),
                source="arxiv-snapshot",
            )
        )
    return out
