"""Run a list of tool calls through the MCP SDK's own client in one session, over stdio
(the server as a subprocess) or streamable HTTP, and keep every result by label."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from mcp import ClientSession
from mcp.types import CallToolResult, TextContent

CLI = "from paperscope.cli import main; main()"
Calls = Sequence[tuple[str, str, dict[str, Any]]]  # (label, tool, arguments)


@dataclass(frozen=True)
class Answer:
    """One tool call's result: its JSON payload, or the error text."""

    is_error: bool
    text: str
    data: dict[str, Any] | None


@dataclass(frozen=True)
class Session:
    tools: list[str]
    answers: dict[str, Answer]
    input_schemas: dict[str, dict[str, Any]]


def answer(result: CallToolResult) -> Answer:
    text = "\n".join(c.text for c in result.content if isinstance(c, TextContent))
    data = result.structured_content if not result.is_error else None
    return Answer(is_error=bool(result.is_error), text=text, data=data)


async def _run(session: ClientSession, calls: Calls) -> Session:
    await session.initialize()
    listed = await session.list_tools()
    answers = {}
    for label, tool, arguments in calls:
        answers[label] = answer(await session.call_tool(tool, arguments))
    return Session(
        tools=[t.name for t in listed.tools],
        answers=answers,
        input_schemas={t.name: t.input_schema for t in listed.tools},
    )


def over_stdio(*, src: Path, args: Sequence[str], env: dict[str, str], calls: Calls) -> Session:
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(
        command=sys.executable,
        args=["-c", CLI, "mcp", *args],
        env={"PYTHONPATH": str(src), "PATH": os.environ.get("PATH", ""), **env},
    )

    async def main() -> Session:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            return await _run(session, calls)

    return anyio.run(main)


@asynccontextmanager
async def _http_session(url: str, headers: dict[str, str]) -> AsyncIterator[ClientSession]:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        yield session


def over_http(*, url: str, headers: dict[str, str], calls: Calls) -> Session:
    async def main() -> Session:
        async with _http_session(url, headers) as session:
            return await _run(session, calls)

    return anyio.run(main)
