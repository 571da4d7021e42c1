"""Pages under a crowd: `paperscope serve --workers 2` driven by wrk, caching off and on.

    .venv/bin/python bench/crowd_bench.py --papers 100000 --seconds 10
    .venv/bin/python bench/crowd_bench.py --data-dir /tmp/ps-crowd/100k   # reuse a store

Builds (or reuses) the store of bench/web_bench.py: synthetic papers over 365 feed days,
the real lexical index, synthetic paper vectors; queries are embedded by the real model
in the server. Then, for each variant, starts `paperscope serve --workers 2` and drives
it with wrk (32 keep-alive connections, 2 threads, --latency): the anonymous daily,
paper, trending, category and author pages, the signed-in daily, paper and category
pages (a session cookie), and search over 2,000 distinct queries (so the
query-embedding cache hardly ever hits) and over one repeated query. Prints
requests/s and p50/p95/p99 side by side for:

- before: PAPERSCOPE_PAGE_CACHE=0 and PAPERSCOPE_QUERY_EMBEDDING_CACHE=0
- after:  the defaults

wrk runs on the same cores as the server, so it takes part of the CPU it measures.
Requires wrk (Debian package `wrk`)."""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote_plus

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_corpus import generate_queries
from web_bench import LAST_DAY, WORDS, build_indexes, build_store

from paperscope.api_tokens import hash_secret
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.accounts import create_session, create_user, find_user

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {
    "before": {"PAPERSCOPE_PAGE_CACHE": "0", "PAPERSCOPE_QUERY_EMBEDDING_CACHE": "0"},
    "after": {},
}
# Prints the figures wrk's own summary lacks (p95) in one parsable line.
REPORT_LUA = """
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.1f %.2f %.2f %.2f %d %.1f %d\\n", summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, bad, summary.bytes / math.max(summary.requests, 1) / 1024,
    summary.requests))
end
"""
# Each wrk thread starts at its own place in the list (setup numbers the threads):
# otherwise every thread would send the same query at about the same moment, and a
# worker could answer the second from its memo of the first.
ROTATE_LUA = """
paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local threads = 0
setup = function(thread)
  thread:set("number", threads)
  threads = threads + 1
end
init = function(args)
  counter = math.floor(number * #paths / 2)  -- wrk runs two threads
end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def bench_session(store: Store, username: str, lifetime: timedelta) -> str:
    """The secret of a new session for ``username`` (made if missing), as sign-in makes it."""
    now = datetime.now(UTC)
    found = find_user(store=store, username=username)
    user = found[0] if found else None
    if user is None:
        user = create_user(store=store, username=username, email=None, password_hash=None, now=now)
    secret = secrets.token_urlsafe(32)
    create_session(
        store=store,
        user_id=user.user_id,
        session_hash=hash_secret(secret),
        now=now,
        lifetime=lifetime,
    )
    return secret


def _session_cookie(data_dir: Path) -> str:
    """A session for the bench user, made in the store as sign-in would make it."""
    store = Store.open(Settings(data_dir=data_dir, dev_mode=True))
    try:
        return f"ps_session={bench_session(store, 'crowd', timedelta(days=1))}"
    finally:
        store.close()


def store_corpus(data_dir: Path) -> str:
    """The corpus a store was built from (web_bench.build_store), "words" if unsaid."""
    marker = data_dir / "corpus.txt"
    return marker.read_text().strip() if marker.exists() else "words"


def search_paths(n: int, corpus: str) -> list[str]:
    """``n`` distinct search paths for a store of ``corpus``: 2-4 of WORDS, or
    generate_corpus.py's queries (keywords and SciFact claims) for "prose"."""
    if corpus == "prose":
        texts = dict.fromkeys(generate_queries(n * 2, seed=11))
        return ["/search?q=" + quote_plus(text) for text in texts][:n]
    rng = random.Random(11)
    found = {"+".join(rng.sample(WORDS, rng.randint(2, 4))) for _ in range(n * 3)}
    return ["/search?q=" + q for q in sorted(found)[:n]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(data_dir: Path, port: int, extra_env: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env |= {"PAPERSCOPE_DEV_MODE": "1", **extra_env}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-c", "from paperscope.cli import main; main()", "serve"]
    server = subprocess.Popen(
        [*command, "--workers", "2", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/me", timeout=2)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start")


def _server_cpu(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) used so far by the server and its workers."""
    pids = [server.pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended meanwhile
        if int(fields[1]) == server.pid:
            pids.append(int(stat.parent.name))
    ticks = 0
    for pid in pids:
        try:
            fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _wrk(
    url: str,
    args: argparse.Namespace,
    script: Path,
    headers: list[str],
    server: subprocess.Popen[bytes],
) -> str:
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "10s"]
    command += ["--latency", "-s", str(script)]
    for h in headers:
        command += ["-H", h]
    cpu = _server_cpu(server)
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    cpu = _server_cpu(server) - cpu
    found = re.search(r"^RESULT (.*)$", out, re.M)
    if not found:
        raise SystemExit(f"wrk printed no result:\n{out}")
    rps, p50, p95, p99, bad, size, count = found.group(1).split()
    figures = f"{float(rps):8.1f} {float(p50):7.1f} {float(p95):7.1f} {float(p99):7.1f}"
    per_request = cpu * 1000 / max(int(count), 1)
    return f"{figures} {bad:>6} {float(size):6.1f} {per_request:7.1f}"


def _warm(url: str, headers: list[str]) -> None:
    """A few requests first, so each worker has loaded its templates (and, for cached
    pages, rendered the page once): the run measures the steady state."""
    sent = dict(h.split(": ", 1) for h in headers)
    for _ in range(6):
        httpx.get(url, headers=sent, timeout=60)


def _pages(cookie: str) -> list[tuple[str, str, list[str], str]]:
    paper = f"/papers/{LAST_DAY:%y%m}.00000"
    signed_in = [f"Cookie: {cookie}"]
    return [
        ("daily, anonymous", f"/daily/{LAST_DAY}", [], "report"),
        ("paper, anonymous", paper, [], "report"),
        ("trending, anonymous", "/trending?window=week", [], "report"),
        ("daily JSON, anonymous", f"/api/v1/daily/{LAST_DAY}", [], "report"),
        ("category, anonymous", "/categories/cs.LG", [], "report"),
        ("archive, anonymous", "/categories/cs?sort=oldest", [], "report"),
        ("author, anonymous", "/authors/Author%201234", [], "report"),
        ("daily, signed in", f"/daily/{LAST_DAY}", signed_in, "report"),
        ("paper, signed in", paper, signed_in, "report"),
        ("category, signed in", "/categories/cs.LG", signed_in, "report"),
        ("archive, signed in", "/categories/cs?sort=oldest", signed_in, "report"),
        ("search, 2000 queries", "/", [], "rotate"),
        ("search, one query", "/search?q=contrastive+memory+retrieval", [], "report"),
    ]


def _run_variant(
    name: str, data_dir: Path, args: argparse.Namespace, scripts: dict[str, Path], cookie: str
) -> dict[str, str]:
    port = _free_port()
    settings = dict(item.split("=", 1) for item in args.set)
    server = _serve(data_dir, port, VARIANTS[name] | settings)
    base = f"http://127.0.0.1:{port}"
    rows: dict[str, str] = {}
    try:
        httpx.get(base + "/search?q=warm+up", timeout=60)  # opens the indexes and the model
        for label, path, headers, script in _pages(cookie):
            if args.pages and not any(word in label for word in args.pages):
                continue
            _warm(base + path, headers)
            figures = _wrk(base + path, args, scripts[script], headers, server)
            rows[label] = figures
            print(f"{name:<7} {label:<24} {rows[label]}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--data-dir", type=Path, default=None, help="reuse a built store")
    ap.add_argument(
        "--corpus",
        choices=("words", "prose"),
        default="words",
        help="for a new store: words (every query matches nearly every paper) or prose "
        "(real sentences; queries match a few percent); a reused store keeps its own",
    )
    ap.add_argument(
        "--pages", nargs="*", default=[], help="only the rows whose label has one of these words"
    )
    ap.add_argument("--variants", nargs="*", choices=sorted(VARIANTS), default=list(VARIANTS))
    ap.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="PAPERSCOPE_X=VALUE",
        help="settings for the server in both variants, e.g. PAPERSCOPE_QUERY_EMBEDDING_CACHE=0",
    )
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="ps-crowd-"))
    if not (data_dir / "paperscope.db").exists():
        build_store(data_dir, args.papers, corpus=args.corpus)
        build_indexes(data_dir)
    corpus = store_corpus(data_dir)
    work = Path(tempfile.mkdtemp(prefix="ps-crowd-wrk-"))
    queries = work / "queries.txt"
    queries.write_text("\n".join(search_paths(2000, corpus)) + "\n")
    (work / "report.lua").write_text(REPORT_LUA)
    (work / "rotate.lua").write_text(ROTATE_LUA % queries + REPORT_LUA)
    scripts = {"report": work / "report.lua", "rotate": work / "rotate.lua"}
    cookie = _session_cookie(data_dir)
    load = os.getloadavg()
    print(
        f"{args.papers} papers ({corpus} corpus), 2 workers, "
        f"wrk -t2 -c{args.connections} -d{args.seconds}s"
    )
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    try:
        results = {
            name: _run_variant(name, data_dir, args, scripts, cookie) for name in args.variants
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)  # wrk's scripts and the query list
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    head = f"{'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} {'KB/req':>6}"
    head += f" {'CPU ms':>7}"
    names = list(results)
    print(f"\n{'page':<24} | " + " | ".join(f"{name:^54}" for name in names))
    print(f"{'':<24} | " + " | ".join(head for _ in names))
    for label in results[names[0]]:
        print(f"{label:<24} | " + " | ".join(results[name][label] for name in names))


if __name__ == "__main__":
    main()
