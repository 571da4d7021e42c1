"""The data version of the public pages (migration 0012_page_versions).

One row per area; every write that changes what an anonymous reader sees on the daily
feed, trending or a paper page (upvotes, saves, imports, links, citation counts, a new
search index) adds one to the ``pages`` row in the same transaction. Web workers read
it per request to key their caches of rendered pages, so every worker and every
instance sharing this database sees a change at once."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from paperscope.store.schema import UTCDateTime, metadata

page_versions = Table(
    "page_versions",
    metadata,
    Column("area", String(32), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
)
