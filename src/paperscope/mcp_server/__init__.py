"""paperscope as a Model Context Protocol server, for AI assistants: `paperscope mcp`
over stdio, and streamable HTTP at /mcp of `paperscope serve` (docs/mcp.md).

Built on the official ``mcp`` SDK's MCPServer. The tools (tools.py) call the Python
API (paperscope/instance.py), like any other adapter; the package is not named
``mcp`` so that it never shadows the SDK."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

from paperscope import __version__
from paperscope.config import Settings
from paperscope.instance import Paperscope
from paperscope.mcp_server.http import PATH, StreamableHttpEndpoint
from paperscope.mcp_server.identity import BearerIdentity, FixedIdentity, Identity
from paperscope.mcp_server.tools import register_tools
from paperscope.models import User
from paperscope.search.service import SearchService
from paperscope.store import Store

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


def build_server(*, api: Paperscope, identity: Identity) -> MCPServer[Any]:
    """An MCP server whose tools answer from ``api`` for ``identity``."""
    server: MCPServer[Any] = MCPServer(
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
