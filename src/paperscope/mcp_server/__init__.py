"""paperscope as a Model Context Protocol server, for AI assistants: `paperscope mcp`
over stdio, and streamable HTTP at /mcp of `paperscope serve` (docs/mcp.md).

Built on the official ``mcp`` SDK's MCPServer. The tools (tools.py) call the Python
API (paperscope/instance.py), like any other adapter; the package is not named
``mcp`` so that it never shadows the SDK."""

from __future__ import annotations

from typing import Any

import orjson
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, InputRequiredResult, TextContent
from pydantic import ValidationError

from paperscope import __version__
from paperscope.config import Settings
from paperscope.instance import Paperscope
from paperscope.mcp_server.http import PATH, StreamableHttpEndpoint
from paperscope.mcp_server.identity import BearerIdentity, FixedIdentity, Identity
from paperscope.mcp_server.tools import Tools, register_tools
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
    be at most 100 (got 500)" rather than pydantic's report with its links; and with
    the text of each answer compact JSON, as a model reads many of them (the SDK
    indents it)."""

    def __init__(self, *, tools: list[Tool], **options: Any) -> None:
        super().__init__(tools=tools, **options)
        self._arguments = {tool.name: tuple(tool.parameters["properties"]) for tool in tools}

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        try:
            result = await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                said = _argument_errors(name, exc.__cause__, self._arguments.get(name, ()))
                raise ToolError(said) from None
            raise
        if isinstance(result, CallToolResult) and result.structured_content is not None:
            compact = orjson.dumps(result.structured_content).decode()
            result = result.model_copy(update={"content": [TextContent(text=compact)]})
        return result


def _argument_errors(tool: str, error: ValidationError, arguments: tuple[str, ...]) -> str:
    said = []
    unknown = []
    for item in error.errors():
        if item.get("type") == "extra_forbidden":
            unknown.append(".".join(str(part) for part in item["loc"]))
            continue
        # Located as a request body's fields are, so that an argument called "query"
        # is not taken for where the value came from.
        text = describe({**item, "loc": ("body", *item["loc"])}, {}, as_named=True)
        shown = repr(item.get("input"))
        if item.get("type") != "missing" and len(shown) <= 60:
            text += f" (got {shown})"
        said.append(text)
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        known = ", ".join(arguments) if arguments else "none"
        noun = "argument" if len(unknown) == 1 else "arguments"
        said.insert(0, f"{tool} takes no {noun} {names} (its arguments: {known})")
    # Worded as the SDK words the tools' own errors.
    return f"Error executing tool {tool}: " + "; ".join(said) + "."


def build_server(*, api: Paperscope, identity: Identity) -> MCPServer[Any]:
    """An MCP server whose tools answer from ``api`` for ``identity``."""
    tools = Tools()
    register_tools(tools, api=api, identity=identity)
    return _Server(
        tools=tools.tools,
        name="paperscope",
        title="paperscope",
        instructions=INSTRUCTIONS,
        version=__version__,
        website_url=api.settings.public_base_url,
        log_level="WARNING",
    )


def http_endpoint(
    *, settings: Settings, store: Store, search: SearchService, local_user: User | None
) -> StreamableHttpEndpoint:
    """The ``/mcp`` endpoint of the web app, sharing its store and search service;
    the user tools act for each request's Bearer token (or the single-user mode's
    local user)."""
    api = Paperscope(settings, store=store, search=search)
    identity = BearerIdentity(store=store, local_user=local_user)
    return StreamableHttpEndpoint(build_server(api=api, identity=identity), settings=settings)
