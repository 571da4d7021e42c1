"""Imports every table module so `metadata` is complete (migration checks, tests)."""

from paperscope.store import (
    schema,
    schema_accounts,
    schema_citations,
    schema_discussions,
    schema_feedback,
    schema_page_versions,
    schema_people,
    schema_subscriptions,
)

metadata = schema.metadata

__all__ = [
    "metadata",
    "schema",
    "schema_accounts",
    "schema_citations",
    "schema_discussions",
    "schema_feedback",
    "schema_page_versions",
    "schema_people",
    "schema_subscriptions",
]
