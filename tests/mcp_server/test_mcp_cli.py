"""`paperscope mcp` refuses a reader it cannot find with one clear line (exit 2), before
it starts serving: an assistant's log then says what to fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-c", "from paperscope.cli import main; main()"]


@pytest.mark.parametrize(
    ("args", "token", "message"),
    [
        (["--user", "nobody"], None, "no user 'nobody'"),
        ([], "ps_revoked-or-mistyped", "the API token is not valid"),
        (["--user", "alice"], "ps_x", "give --user or a token"),
    ],
)
def test_an_unusable_reader_is_one_message(
    tmp_path: Path, args: list[str], token: str | None, message: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env.update(PAPERSCOPE_DATA_DIR=str(tmp_path / "data"), PAPERSCOPE_DEV_MODE="1")
    if token:
        env["PAPERSCOPE_MCP_TOKEN"] = token
    done = subprocess.run(
        [*CLI, "mcp", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == ""  # stdout belongs to the protocol
    assert "Traceback" not in done.stderr
