"""Personal API tokens as every adapter checks them (the JSON API and the MCP server):
an ``Authorization: Bearer ps_...`` header, and the account it belongs to. Only a hash
of a token is ever stored."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime

from paperscope.models import User
from paperscope.store import Store, accounts


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def bearer_from_headers(headers: Mapping[str, str] | None) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header."""
    header = next((v for k, v in (headers or {}).items() if k.lower() == "authorization"), "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def user_for_api_token(*, store: Store, token: str) -> User | None:
    """The owner of a personal API token, or None when it is revoked or mistyped."""
    return accounts.user_for_token(
        store=store, token_hash=hash_secret(token), now=datetime.now(UTC)
    )
