"""Who is calling: the reader whose library and recommendations the user tools use.

Over stdio the server runs for one person, chosen when it starts (``--user NAME`` or a
personal API token in PAPERSCOPE_MCP_TOKEN). Over HTTP every request says it itself
with ``Authorization: Bearer ps_...``, checked by the same function as the web's API;
anonymous requests may use every tool but the user tools."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from paperscope.api_tokens import bearer_from_headers, user_for_api_token
from paperscope.models import User
from paperscope.store import Store

NEEDS_TOKEN = (
    "{tool} needs a personal API token: send the header `Authorization: Bearer ps_...` "
    "(create a token on your account page or with `paperscope tokens create USER`)"
)


class IdentityError(Exception):
    """The call has no usable identity; the message says how to give one."""


class Identity(Protocol):
    def user_for(self, tool: str, headers: Mapping[str, str] | None) -> User: ...


@dataclass(frozen=True, slots=True)
class FixedIdentity:
    """The one reader of a stdio server, or nobody (the user tools then explain)."""

    user: User | None

    def user_for(self, tool: str, headers: Mapping[str, str] | None) -> User:
        if self.user is None:
            raise IdentityError(
                f"{tool} needs a reader: start the server with `paperscope mcp --user NAME`, "
                "or with a personal API token in PAPERSCOPE_MCP_TOKEN"
            )
        return self.user


@dataclass(frozen=True, slots=True)
class BearerIdentity:
    """Each HTTP request's own Bearer token; in single-user mode, the local user."""

    store: Store
    local_user: User | None = None

    def user_for(self, tool: str, headers: Mapping[str, str] | None) -> User:
        if self.local_user is not None:
            return self.local_user
        token = bearer_from_headers(headers)
        if token is None:
            raise IdentityError(NEEDS_TOKEN.format(tool=tool))
        user = user_for_api_token(store=self.store, token=token)
        if user is None:
            raise IdentityError("the API token is not valid (revoked or mistyped)")
        return user
