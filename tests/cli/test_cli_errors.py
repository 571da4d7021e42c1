"""A user's mistake on the command line gets one clear message, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-c", "from paperscope.cli import main; main()"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuch"], "No such command 'nosuch'"),
        (["search", "graphs", "--limit", "lots"], "Invalid value for '--limit'"),
        (["show"], "Missing argument"),
        (["import", "--format", "xml", "whatever.txt"], "--format"),
    ],
)
def test_usage_errors_are_one_message(tmp_path: Path, args: list[str], message: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env.update(PAPERSCOPE_DATA_DIR=str(tmp_path / "data"), PAPERSCOPE_DEV_MODE="1")
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["harvest", "arxiv", "--from", "2024-02-30"],
        ["harvest", "arxiv", "--until", "2024-02-30"],
        ["enrich", "openalex", "--since", "2024-02-30"],
        ["search", "transformer", "--from", "2024-02-30"],
        ["search", "transformer", "--to", "2024-02-30"],
    ],
)
def test_every_date_option_says_the_same(tmp_path: Path, args: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env.update(PAPERSCOPE_DATA_DIR=str(tmp_path / "data"), COLUMNS="200")
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    said = " ".join(done.stderr.split())
    assert (
        f"Invalid value for '{args[-2]}': Not a valid date: '2024-02-30'. Use the form 2024-10-25."
        in said
    )
    assert "%Y" not in said and "Traceback" not in said


def test_a_data_folder_that_is_a_file_or_cannot_be_made_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from paperscope.cli import app
    from paperscope.cli.common import run_app

    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    for data_dir, message in (
        (a_file, f"data folder {a_file} is a file"),
        (a_file / "data", f"cannot create the data folder {a_file / 'data'}"),
    ):
        code = run_app(app, ["stats", "--data-dir", str(data_dir)])
        err = " ".join(capsys.readouterr().err.split())
        assert code == 2 and message in err


@pytest.mark.parametrize(
    "args",
    [
        ["library", "export", "nobody"],
        ["recommend", "--user", "nobody"],
        ["users", "admin", "nobody"],
        ["tokens", "create", "nobody"],
        ["users", "reset-password", "nobody", "--password", "a-long-password"],
    ],
)
def test_every_command_names_an_unknown_user_the_same_way(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]
) -> None:
    from paperscope.cli import app
    from paperscope.cli.common import run_app

    code = run_app(app, [*args, "--data-dir", str(tmp_path / "data")])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2
    assert err == "error: no user 'nobody' (`paperscope users list` shows them)"


def test_serve_on_a_port_in_use_is_one_line_and_claims_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from paperscope.cli import app
    from paperscope.cli.common import run_app

    monkeypatch.setenv("PAPERSCOPE_DEV_MODE", "1")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code = run_app(app, ["serve", "--port", str(port), "--data-dir", str(tmp_path / "data")])
    out = capsys.readouterr()
    assert code == 2 and "running at" not in out.out
    err = " ".join(out.err.split())
    assert f"error: cannot listen on 127.0.0.1:{port} (--host, --port):" in err
