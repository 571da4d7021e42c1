"""The `paperscope` command. Thin: each command parses its arguments, makes one call
into a stage and prints the result. Commands live in one module per area."""

from __future__ import annotations

import sys

import typer

from paperscope.cli import (
    enrich_commands,
    feed_commands,
    harvest_commands,
    ingest_commands,
    library_commands,
    mcp_commands,
    model_commands,
    recommend_commands,
    search_commands,
    web_commands,
)
from paperscope.cli.common import run_app

app = typer.Typer(
    name="paperscope",
    help="Self-hosted research-paper discovery: import, search, serve, digests.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for module in (
    ingest_commands,
    harvest_commands,
    search_commands,
    web_commands,
    feed_commands,
    recommend_commands,
    enrich_commands,
    library_commands,
    mcp_commands,
    model_commands,
):
    module.register(app)


def main() -> None:
    sys.exit(run_app(app))
