"""Tables for subscribers, their subscriptions, the mail outbox and the library tags
published as feeds (migration 0003_subscriptions)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    false,
    text,
    true,
)

from paperscope.store.schema import UTCDateTime, metadata

subscribers = Table(
    "subscribers",
    metadata,
    Column("subscriber_id", Integer, primary_key=True, autoincrement=True),
    # Normalised (lower-cased domain) so one address is one subscriber.
    Column("email", String(320), nullable=False, unique=True),
    Column(
        "user_id",
        Integer,
        ForeignKey("users.user_id", ondelete="SET NULL"),
        index=True,
    ),
    # Double opt-in: nothing but the confirmation mail goes out while this is NULL.
    Column("confirmed_at", UTCDateTime),
    # active | paused (bounced repeatedly) | unsubscribed
    Column("state", String(16), nullable=False, server_default="active"),
    Column("bounce_count", Integer, nullable=False, server_default=text("0")),
    Column("last_bounce_at", UTCDateTime),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("subscription_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "subscriber_id",
        Integer,
        ForeignKey("subscribers.subscriber_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("trending", String(8)),  # NULL | day | week
    Column("trending_limit", Integer, nullable=False, server_default=text("10")),
    Column("trending_category", String(32)),  # NULL: the whole site's trending
    Column("search_query", Text),
    Column("categories", Text, nullable=False, server_default="[]"),  # JSON array
    Column("authors", Text, nullable=False, server_default="[]"),  # JSON array
    Column("min_score", Float),
    Column("recommendations", Boolean, nullable=False, server_default=false()),
    Column("frequency", String(8), nullable=False, server_default="daily"),
    Column("send_hour", Integer, nullable=False, server_default=text("8")),
    Column("send_minute", Integer, nullable=False, server_default=text("0")),
    Column("weekly_day", Integer, nullable=False, server_default=text("0")),
    Column("time_zone", String(64), nullable=False, server_default="UTC"),
    Column("active", Boolean, nullable=False, server_default=true()),
    # Each subscription is confirmed on its own (by its mail link, an operator or the
    # signed-in owner of a proven address): a stranger cannot add one to an address.
    Column("confirmed_at", UTCDateTime),
    # Who created it while signed in; confirming it links the address to that account.
    Column("created_by", Integer, ForeignKey("users.user_id", ondelete="SET NULL")),
    # The last schedule period handled (sent, or skipped because nothing was new).
    Column("last_period", String(16)),
    # Papers that arrived after this instant are new for the next digest.
    Column("covered_until", UTCDateTime),
    Column("last_paper_ids", Text, nullable=False, server_default="[]"),  # JSON array
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("outbox_id", Integer, primary_key=True, autoincrement=True),
    # "digest:<subscription id>:<period>" or "confirm:<subscriber id>:<n>": unique, so a
    # digest is recorded once however often or concurrently the builder runs.
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column(
        "subscriber_id",
        Integer,
        ForeignKey("subscribers.subscriber_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column(
        "subscription_id",
        Integer,
        ForeignKey("subscriptions.subscription_id", ondelete="CASCADE"),
        index=True,
    ),
    Column("recipient", String(320), nullable=False),
    Column("message_id", String(255), nullable=False),
    Column("body", LargeBinary, nullable=False),  # the RFC 5322 message, zlib-compressed
    Column("paper_count", Integer, nullable=False, server_default=text("0")),
    # pending | sent | bounced | failed | cancelled
    Column("state", String(12), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_owner", String(64)),
    Column("lease_until", UTCDateTime),
    Column("last_attempt_at", UTCDateTime),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
)

# A reader's library tag published as a public feed (/tags/{tag}.atom). Tags stay in
# the library (library_tags); this only records which ones their owner made public.
public_tags = Table(
    "public_tags",
    metadata,
    Column(
        "user_id",
        Integer,
        ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("tag", String(64), primary_key=True),
    Column("published_at", UTCDateTime, nullable=False),
    Index("ix_public_tags_tag", "tag"),
)
