"""paperscope as a Model Context Protocol server, for AI assistants: `paperscope mcp`
over stdio, and streamable HTTP at /mcp of `paperscope serve` (docs/mcp.md).

Built on the official ``mcp`` SDK's MCPServer. The tools (tools.py) call the Python
API (paperscope/instance.py), like any other adapter; the package is not named
``mcp`` so that it never shadows the SDK."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, InputRequiredResult
from pydantic import ValidationError

from paperscope import __version__
from paperscope.config import Settings
from paperscope.instance import Paperscope
from paperscope.mcp_server.http import PATH, StreamableHttpEndpoint
from paperscope.mcp_server.identity import BearerIdentity, FixedIdentity, Identity
from paperscope.mcp_server.tools import register_tools
from paperscope.models import User
from paperscope.search.service import SearchService
from paperscope.store import Store
from paperscope.validation_words import describe

__all__ = [
    "PATH",
    "BearerIdentity",
    "FixedIdentity",
    "Identity",
    "StreamableHttpEndpoint",
    "build_server",
    "http_endpoint",
]

INSTRUCTIONS = """paperscope is a research-paper discovery engine (arXiv and Hugging Face
daily papers). search_papers finds papers by topic with keyword and semantic search and
filters (category, author, dates); get_paper reads one paper's abstract; similar_papers
finds related work; daily_papers and trending_papers show what is new and popular.
library_list, library_add and recommend act for the signed-in reader."""


class _Server(MCPServer[Any]):
    """The SDK's server, with a tool call's argument errors said in words: "limit must
    be at most 100 (got 500)" rather than pydantic's report with its links."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise ToolError(_argument_errors(name, exc.__cause__)) from None
            raise


def _argument_errors(tool: str, error: ValidationError) -> str:
    said = []
    for item in error.errors():
        # Located as a request body's fields are, so that an argument called "query"
        # is not taken for where the value came from.
        text = describe({**item, "loc": ("body", *item["loc"])}, {}, as_named=True)
        shown = repr(item.get("input"))
        if item.get("type") != "missing" and len(shown) <= 60:
            text += f" (got {shown})"
        said.append(text)
    # Worded as the SDK words the tools' own errors.
    return f"Error executing tool {tool}: " + "; ".join(said) + "."


def build_server(*, api: Paperscope, identity: Identity) -> MCPServer[Any]:
    """An MCP server whose tools answer from ``api`` for ``identity``."""
    server: MCPServer[Any] = _Server(
        name="paperscope",
        title="paperscope",
        instructions=INSTRUCTIONS,
        version=__version__,
        website_url=api.settings.public_base_url,
        log_level="WARNING",
    )
    register_tools(server, api=api, identity=identity)
    return server


def http_endpoint(
    *, settings: Settings, store: Store, search: SearchService, local_user: User | None
) -> StreamableHttpEndpoint:
    """The ``/mcp`` endpoint of the web app, sharing its store and search service;
    the user tools act for each request's Bearer token (or the single-user mode's
    local user)."""
    api = Paperscope(settings, store=store, search=search)
    identity = BearerIdentity(store=store, local_user=local_user)
    return StreamableHttpEndpoint(build_server(api=api, identity=identity), settings=settings)
