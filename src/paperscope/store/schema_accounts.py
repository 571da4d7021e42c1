"""Tables for accounts, upvotes, library and submissions (migration 0002_accounts)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String, Table, Text, false

from paperscope.store.schema import UTCDateTime, metadata

users = Table(
    "users",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("email", String(320)),
    Column("password_hash", Text),
    Column("is_admin", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
)
