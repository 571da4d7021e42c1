"""`paperscope serve` warns when links in feeds and mails would use the default public
address while the site listens elsewhere, and stays quiet when they agree."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from paperscope.cli.public_address import public_address_warning
from paperscope.config import Settings


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path, dev_mode=True, **values)  # type: ignore[arg-type]


def test_default_address_matches_the_default_listener(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert public_address_warning(settings, "127.0.0.1", 8000) is None
    assert public_address_warning(settings, "localhost", 8000) is None


@pytest.mark.parametrize(
    ("host", "port"), [("127.0.0.1", 9000), ("0.0.0.0", 8000), ("10.0.0.5", 80)]
)
def test_unset_address_elsewhere_is_warned(tmp_path: Path, host: str, port: int) -> None:
    warning = public_address_warning(_settings(tmp_path), host, port)
    assert warning is not None
    assert "PAPERSCOPE_PUBLIC_BASE_URL is not set" in warning
    assert "http://127.0.0.1:8000" in warning


def test_a_set_address_is_trusted(tmp_path: Path) -> None:
    settings = _settings(tmp_path, public_base_url="https://papers.example.org")
    assert public_address_warning(settings, "0.0.0.0", 9000) is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve_output(tmp_path: Path, extra_env: dict[str, str]) -> tuple[str, str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env |= {"PAPERSCOPE_DEV_MODE": "1", "COLUMNS": "400"} | extra_env
    command = [sys.executable, "-c", "from paperscope.cli import main; main()", "serve"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--data-dir", str(tmp_path / "data")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(150):
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/me", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    return out, err


def test_serve_warns_at_start(tmp_path: Path) -> None:
    out, err = _serve_output(tmp_path, {})
    assert "warning: PAPERSCOPE_PUBLIC_BASE_URL is not set" in err, (out, err)
    out, err = _serve_output(tmp_path, {"PAPERSCOPE_PUBLIC_BASE_URL": "https://papers.example.org"})
    assert "PAPERSCOPE_PUBLIC_BASE_URL" not in err + out
