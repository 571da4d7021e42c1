"""Real processes for the deployment tests: a fresh PostgreSQL database, `paperscope`
commands, `paperscope serve` instances and nginx (Debian's) with the repository's own
config, all on loopback."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
NGINX_SITE = ROOT / "deploy" / "nginx" / "paperscope.conf"
POSTGRES_URL = os.environ.get("PAPERSCOPE_TEST_POSTGRES_URL")
CLI = [sys.executable, "-c", "from paperscope.cli import main; main()"]
SECRET = "deployment-test-secret-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on the test server (scripts/start-test-postgres.sh), dropped after."""
    if not POSTGRES_URL:
        pytest.skip("PAPERSCOPE_TEST_POSTGRES_URL not set (scripts/start-test-postgres.sh)")
    from sqlalchemy import create_engine, text

    name = f"ps_deploy_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def environment(**settings: str) -> dict[str, str]:
    """This environment without PAPERSCOPE_* variables, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env.update(settings)
    return env


def run_cli(env: dict[str, str], *args: str, data_dir: Path) -> str:
    done = subprocess.run(
        [*CLI, *args],
        env={**env, "PAPERSCOPE_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"paperscope {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def start_serve(env: dict[str, str], *, port: int, data_dir: Path, log: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    with log.open("w") as out:
        return subprocess.Popen(
            [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**env, "PAPERSCOPE_DATA_DIR": str(data_dir)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_until(check: Callable[[], bool], *, seconds: float, what: str) -> float:
    """Poll ``check`` until true; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if check():
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {seconds} s")


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        pytest.skip("nginx is not installed (scripts/install-system-deps.sh installs it)")
    return found


def site_config(*, listen: int, upstreams: list[int]) -> str:
    """deploy/nginx/paperscope.conf with this test's ports, and nothing else changed."""
    site = NGINX_SITE.read_text()
    site, listens = re.subn(r"listen 80;", f"listen 127.0.0.1:{listen};", site)
    servers = re.findall(r"server 127\.0\.0\.1:800\d ", site)
    assert listens == 1 and len(servers) == len(upstreams), "deploy/nginx/paperscope.conf changed"
    for template, port in zip(servers, upstreams, strict=True):
        site = site.replace(template, f"server 127.0.0.1:{port} ", 1)
    return site


@contextmanager
def running_nginx(*, listen: int, upstreams: list[int]) -> Iterator[Path]:
    """nginx as an unprivileged process with its own prefix; yields its access log,
    one line per request: status and the instances it tried."""
    binary = nginx_binary()
    prefix = Path(tempfile.mkdtemp(prefix="paperscope-nginx-"))
    as_root = os.geteuid() == 0
    if as_root:  # run it as nobody: it must own its prefix
        prefix.chmod(0o755)
    paths = {name: prefix / name for name in ("client", "proxy", "fastcgi", "uwsgi", "scgi")}
    conf = f"""
daemon off;
worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    log_format upstreams '$status $upstream_addr $upstream_status';
    access_log {prefix}/access.log upstreams;
    client_body_temp_path {paths["client"]};
    proxy_temp_path {paths["proxy"]};
    fastcgi_temp_path {paths["fastcgi"]};
    uwsgi_temp_path {paths["uwsgi"]};
    scgi_temp_path {paths["scgi"]};
{site_config(listen=listen, upstreams=upstreams)}
}}
"""
    (prefix / "nginx.conf").write_text(conf)
    command = [
        binary,
        "-p",
        str(prefix),
        "-e",
        str(prefix / "error.log"),
        "-c",
        str(prefix / "nginx.conf"),
    ]
    if as_root:
        subprocess.run(["chown", "-R", "nobody:nogroup", str(prefix)], check=True)
        command = ["runuser", "-u", "nobody", "--", *command]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: _listening(listen), seconds=20, what="nginx listening")
        yield prefix / "access.log"
    finally:
        # SIGQUIT to the master: finish the requests, then exit (runuser may not pass it on)
        try:
            os.kill(int((prefix / "nginx.pid").read_text()), signal.SIGQUIT)
        except (OSError, ValueError):
            process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(prefix, ignore_errors=True)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
