"""API schemas of collections, author and profile pages, claims and follows (the rest
are in web/schemas.py), and the text rules their inputs share."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from paperscope.typed_text import without_hidden
from paperscope.web.discussion_schemas import CommentOut
from paperscope.web.schemas import BrowsePage, PaperCard, PersonOut

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
NOTE_MAX = 2000


def clean_text(value: str) -> str:
    """Text as stored: hidden characters (typed_text) dropped, ends trimmed."""
    return without_hidden(value).strip()


def _blank_title() -> PydanticCustomError:
    # Typed as a too-short string, so that a title of spaces is refused in the same
    # words as an empty one ("Title must be at least 1 character"), not as a bare
    # "Value error".
    return PydanticCustomError("string_too_short", "a collection needs a title", {"min_length": 1})


class CollectionIn(BaseModel):
    title: str = Field(min_length=1, max_length=TITLE_MAX, description="1 to 200 characters")
    description: str = Field("", max_length=DESCRIPTION_MAX)
    public: bool = Field(False, description="Visible to anyone with the link and on your profile")

    @field_validator("title", "description")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_text(value)

    @field_validator("title")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value:
            raise _blank_title()
        return value


class CollectionChange(BaseModel):
    """Fields to change; omitted ones keep their value."""

    title: str | None = Field(None, min_length=1, max_length=TITLE_MAX)
    description: str | None = Field(None, max_length=DESCRIPTION_MAX)
    public: bool | None = None

    @field_validator("title", "description")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return None if value is None else clean_text(value)

    @field_validator("title")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value:
            raise _blank_title()
        return value


class ItemIn(BaseModel):
    paper_id: str = Field(min_length=1, max_length=64, description="e.g. 2401.12345")
    note: str | None = Field(None, max_length=NOTE_MAX, description="A short note, optional")

    @field_validator("note")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return None if value is None else clean_text(value)


class NoteIn(BaseModel):
    note: str = Field(max_length=NOTE_MAX)

    @field_validator("note")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_text(value)


class OrderIn(BaseModel):
    paper_ids: list[str] = Field(max_length=1000, description="Every item's paper id, in order")


class CollectionSummary(BaseModel):
    id: int
    url: str
    title: str
    description: str
    public: bool
    owner: str
    owner_url: str
    upvotes: int
    item_count: int
    created_at: datetime
    updated_at: datetime


class CollectionItemOut(BaseModel):
    paper: PaperCard
    note: str
    position: int
    added_at: datetime


class CollectionPage(CollectionSummary):
    items: list[CollectionItemOut]
    is_owner: bool = Field(description="Whether you own it (signed in only)")
    upvoted: bool | None = Field(None, description="Whether you upvoted it (signed in only)")
    feed_url: str
    export_url: str = Field(description="Add ?format=bibtex, ris or csl-json")


class CollectionList(BaseModel):
    collections: list[CollectionSummary]


class CollectionUpvote(BaseModel):
    id: int
    upvoted: bool
    upvotes: int


class AccountLink(BaseModel):
    username: str
    url: str


class AuthorPage(BrowsePage):
    """An author's papers (BrowsePage) with who they are here."""

    also_written: list[str] = Field(
        [], description="Other spellings of the name on the author's papers, most used first"
    )
    accounts: list[AccountLink] = Field(description="Accounts approved as this author")
    source_accounts: list[PersonOut] = Field(
        [], description="Accounts on Hugging Face that its listings link to this author"
    )
    followers: int
    following: bool | None = Field(None, description="Whether you follow them (signed in)")


class ClaimOut(BaseModel):
    id: int
    paper_id: str
    paper_url: str
    paper_title: str
    author_name: str
    username: str
    status: Literal["pending", "approved", "rejected"]
    decided_by: str | None = None
    decided_at: datetime | None = None
    created_at: datetime


class ClaimIn(BaseModel):
    author_name: str = Field(min_length=1, max_length=300, description="Your name as printed")


class ClaimList(BaseModel):
    claims: list[ClaimOut]
    status: str | None
    total: int


class ProfileComment(BaseModel):
    paper_id: str
    paper_title: str
    paper_url: str
    comment: CommentOut


class ProfilePage(BaseModel):
    username: str
    joined: datetime | None
    claimed_papers: list[PaperCard]
    claimed_total: int
    submissions: list[PaperCard]
    collections: list[CollectionSummary]
    comments: list[ProfileComment] = Field(description="Their newest visible comments")
    comments_total: int
    followers: int
    following: bool | None = Field(None, description="Whether you follow them (signed in)")
    is_self: bool
    pending_claims: list[ClaimOut] | None = Field(
        None, description="Your own claims waiting for an administrator (your profile only)"
    )


class FollowState(BaseModel):
    kind: Literal["author", "user"]
    name: str
    following: bool
    followers: int


class FollowOut(BaseModel):
    kind: Literal["author", "user"]
    name: str
    url: str
    since: datetime


class FollowList(BaseModel):
    follows: list[FollowOut]


class EmailStatus(BaseModel):
    email: str | None
    verified_at: datetime | None
    sent: bool | None = Field(None, description="Whether a verification mail was queued now")


class EmailChange(BaseModel):
    email: str = Field(max_length=320, description="The new address; a link to prove it is mailed")
    current_password: str = Field(
        "", max_length=1024, description="Required when the account has a password"
    )
