"""API shapes of discussions and moderation (the JSON the pages are rendered from)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictBool

from paperscope.store.database import MAX_ROW_ID
from paperscope.web.schemas import Pagination

# The request cap is far above any sensible setting; the configured limit
# (comment_max_chars) gives the precise message, this only bounds memory.
BODY_HARD_LIMIT = 1_000_000


class CommentAuthor(BaseModel):
    username: str
    url: str
    is_paper_author: bool = Field(
        False, description="The account claimed authorship of the paper (the author badge)"
    )


class CommentOut(BaseModel):
    comment_id: int
    paper_id: str
    parent_id: int | None
    depth: int
    state: Literal["visible", "deleted", "hidden"]
    body: str | None = Field(None, description="Markdown; null once deleted or hidden")
    body_html: str | None = Field(None, description="Sanitised HTML of the body")
    author: CommentAuthor | None = Field(None, description="Null once deleted")
    upvotes: int
    upvoted: bool | None = Field(None, description="Whether you upvoted it (signed in)")
    created_at: datetime
    edited_at: datetime | None = None
    edited: bool = False
    can_edit: bool = False
    url: str
    replies: list[CommentOut] = Field(default_factory=list)


class CommentPage(BaseModel):
    paper_id: str
    order: Literal["newest", "oldest", "top"]
    items: list[CommentOut]
    pagination: Pagination
    num_comments: int = Field(description="Visible comments posted here on this paper")
    author_participating: bool
    can_post: bool
    max_chars: int


class CommentIn(BaseModel):
    body: str = Field(max_length=BODY_HARD_LIMIT, description="Markdown, $...$ for math")
    parent_id: int | None = Field(
        None, ge=1, le=MAX_ROW_ID, description="The comment this replies to"
    )


class CommentEdit(BaseModel):
    body: str = Field(max_length=BODY_HARD_LIMIT)


class CommentVoteIn(BaseModel):
    # JSON true or false only: "yes", "off", 0 or "1" are refused, not guessed at.
    upvoted: StrictBool = Field(True, description="true, or false to remove your upvote")


class CommentVoteState(BaseModel):
    comment_id: int
    upvoted: bool
    upvotes: int


class ReportIn(BaseModel):
    reason: str = Field(max_length=2000, description="A few words: spam, abuse, off-topic ...")


class ReportOut(BaseModel):
    comment_id: int
    reported: bool = Field(description="false when you had reported it already")


class ReportEntry(BaseModel):
    username: str
    reason: str
    created_at: datetime


class ModerationItem(BaseModel):
    comment: CommentOut
    author: str
    author_banned: bool
    reports: list[ReportEntry]


class BanOut(BaseModel):
    username: str
    reason: str
    banned_at: datetime


class ModerationQueue(BaseModel):
    items: list[ModerationItem]
    bans: list[BanOut]


class BanIn(BaseModel):
    reason: str = Field("", max_length=200)


class BanState(BaseModel):
    username: str
    banned: bool


class DiscussionSettingsIn(BaseModel):
    reply_mail: bool = Field(description="Mail me when someone replies to my comments")


class DiscussionSettings(DiscussionSettingsIn):
    address_confirmed: bool = Field(
        description="Your account's address is proven; reply mails wait for this"
    )
    confirmation_sent: bool = Field(
        False, description="A confirmation link was just mailed to your address"
    )
