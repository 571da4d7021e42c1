"""`paperscope mcp`: the Model Context Protocol server over stdio, for AI assistants
that start it themselves (Claude Desktop and others; docs/mcp.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from paperscope.cli.common import DataDirOption, UserError, make_settings


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.command("mcp")(mcp)


def mcp(
    user: str = typer.Option(
        None, "--user", help="Reader whose library and recommendations the user tools use."
    ),
    token: str = typer.Option(
        None,
        "--token",
        envvar="PAPERSCOPE_MCP_TOKEN",
        show_envvar=True,
        help="A personal API token choosing the reader instead of --user (prefer the "
        "environment variable: command lines are visible to other local users).",
    ),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Run an MCP server on stdin/stdout for AI assistants.

    Its tools search, show papers, the daily feed and trending, and with --user or a
    token the reader's library and recommendations."""
    from paperscope.api_tokens import user_for_api_token
    from paperscope.instance import NotFound, Paperscope
    from paperscope.mcp_server import FixedIdentity, build_server

    if user and token:
        raise UserError("give --user or a token (PAPERSCOPE_MCP_TOKEN), not both")
    with Paperscope(make_settings(data_dir)) as api:
        reader = None
        if user:
            try:
                reader = api.user(user)
            except NotFound as exc:
                raise UserError(str(exc)) from None
        elif token:
            reader = user_for_api_token(store=api.store, token=token)
            if reader is None:
                raise UserError("the API token is not valid (revoked or mistyped)")
        build_server(api=api, identity=FixedIdentity(reader)).run("stdio")
