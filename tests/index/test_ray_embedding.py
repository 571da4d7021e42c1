"""Bulk embedding on a real Ray cluster: a head node and a second worker node started
on loopback with `ray start`. The Ray build must equal a local build of the same papers
(same manifest, same vectors, same search results), spread its work over both nodes,
and resume after the indexing process is killed."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import orjson
import pytest

from paperscope.config import Settings
from paperscope.index.catch_up import catch_up_indexes, dense_index_dir
from paperscope.index.dense import DenseIndex
from paperscope.ingest.pipeline import import_file
from paperscope.models import SearchQuery
from paperscope.search.engine import SearchEngine
from paperscope.store import Store

pytest.importorskip("ray")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample" / "arxiv-oai-cs-2024-01-25.xml"
RAY = str(Path(sys.executable).with_name("ray"))
PAPERSCOPE = str(Path(sys.executable).with_name("paperscope"))
MODEL = "all-MiniLM-L6-v2"
QUERIES = ("graph neural networks", "large language model reasoning", "image segmentation")
IMPORT_BATCH = 26  # papers per import transaction: the index checkpoints between them


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ray_start(*args: str) -> None:
    node = ["--num-cpus", "1", "--object-store-memory", str(120 * 2**20)]
    done = subprocess.run(
        [RAY, "start", "--node-ip-address", "127.0.0.1", "--disable-usage-stats", *node, *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    """Two nodes sharing a token of their own (Ray's token authentication), which the
    driver, the `ray start` processes and `paperscope index` read from the environment."""
    port = _free_port()
    # Not under pytest's temp folder: Ray puts its Unix sockets in this one, and a
    # socket path may not exceed 107 bytes (a parallel run's folders are deeper).
    temp = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))
    token = temp / "auth_token"
    token.write_text(secrets.token_hex(32))
    saved = {name: os.environ.get(name) for name in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN_PATH")}
    os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=str(token))
    _ray_start(
        "--head", "--port", str(port), "--include-dashboard", "false", "--temp-dir", str(temp)
    )
    try:
        _ray_start("--address", f"127.0.0.1:{port}")
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([RAY, "stop", "--force"], capture_output=True, timeout=120)
        shutil.rmtree(temp, ignore_errors=True)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _settings(data_dir: Path, onnx_models: Path, **extra: object) -> Settings:
    return Settings(data_dir=data_dir, dev_mode=True, embedding_cache_dir=onnx_models, **extra)


def _fill(settings: Settings) -> None:
    store = Store.open(settings)
    try:
        done = import_file(store=store, path=SAMPLE, batch_size=IMPORT_BATCH)
        assert done.report.new > 100
    finally:
        store.close()


@pytest.fixture(scope="module")
def local_build(tmp_path_factory: pytest.TempPathFactory, onnx_models: Path) -> Settings:
    settings = _settings(tmp_path_factory.mktemp("local"), onnx_models)
    _fill(settings)
    store = Store.open(settings)
    try:
        catch_up_indexes(settings=settings, store=store)
    finally:
        store.close()
    return settings


def _assert_same_index(built: Settings, reference: Settings) -> None:
    ours, theirs = (
        DenseIndex.open(dense_index_dir(s), model_name=MODEL, dim=384, create=False)
        for s in (built, reference)
    )
    assert sorted(ours.ids()) == sorted(theirs.ids())
    assert (ours.model_name, ours.dim) == (theirs.model_name, theirs.dim)
    ids = theirs.ids()
    # Vectors are stored as float16; batches of another shape round the last bits.
    np.testing.assert_allclose(ours.vectors(ids), theirs.vectors(ids), atol=2e-3)
    for mode in ("dense", "hybrid"):
        for text in QUERIES:
            query = SearchQuery(text=text, mode=mode, limit=10)
            found = []
            for settings in (built, reference):
                store = Store.open(settings)
                try:
                    engine = SearchEngine.open(settings=settings, store=store)
                    found.append([hit.paper_id for hit in engine.search(query).hits])
                finally:
                    store.close()
            assert found[0] == found[1], (mode, text)


def _index_env(settings: Settings, onnx_models: Path, **ray: str) -> dict[str, str]:
    return os.environ | {
        "PAPERSCOPE_DATA_DIR": str(settings.data_dir),
        "PAPERSCOPE_DEV_MODE": "1",
        "PAPERSCOPE_EMBEDDING_CACHE_DIR": str(onnx_models),
        **{f"PAPERSCOPE_RAY_{name.upper()}": value for name, value in ray.items()},
    }


def test_ray_build_equals_the_local_build_and_uses_both_nodes(
    ray_cluster: str, local_build: Settings, onnx_models: Path, tmp_path: Path
) -> None:
    settings = _settings(tmp_path / "ray", onnx_models)
    _fill(settings)
    env = _index_env(settings, onnx_models, actors="2", batch_size="8", round_size="40")
    done = subprocess.run(
        [PAPERSCOPE, "index", "--ray", ray_cluster],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "embedded on 2 Ray nodes" in done.stdout, done.stdout
    _assert_same_index(settings, local_build)


def _manifest(settings: Settings, field: str) -> int:
    path = dense_index_dir(settings) / "manifest.json"
    try:
        return int(orjson.loads(path.read_bytes())[field])
    except (OSError, ValueError, KeyError):
        return 0


def test_killed_ray_indexing_resumes_where_it_stopped(
    ray_cluster: str, local_build: Settings, onnx_models: Path, tmp_path: Path
) -> None:
    settings = _settings(tmp_path / "resume", onnx_models)
    _fill(settings)
    env = _index_env(settings, onnx_models, actors="1", batch_size="5", round_size="20")
    first = subprocess.Popen(
        [PAPERSCOPE, "index", "--ray", ray_cluster],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 600
    # Killed once at least one import transaction is wholly embedded and checkpointed.
    while _manifest(settings, "high_water_mark") < 2 and first.poll() is None:
        assert time.monotonic() < deadline, "no checkpoint within 10 minutes"
        time.sleep(0.2)
    assert first.poll() is None, "indexing finished before it could be killed"
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=60)
    checkpointed = _manifest(settings, "count")
    assert IMPORT_BATCH <= checkpointed < 140

    second = subprocess.run(
        [PAPERSCOPE, "index", "--ray", ray_cluster],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    embedded = int(re.search(r"embedded (\d+)", second.stdout).group(1))  # type: ignore[union-attr]
    total = _manifest(local_build, "count")
    assert embedded <= total - IMPORT_BATCH, "the rerun embedded everything again"
    _assert_same_index(settings, local_build)


def test_an_address_nothing_answers_at_is_refused_at_once(
    onnx_models: Path, tmp_path: Path
) -> None:
    """A mistyped cluster address is one clear error, not minutes of Ray retrying it."""
    settings = _settings(tmp_path / "nowhere", onnx_models)
    port = _free_port()  # nothing listens there
    for address in (f"127.0.0.1:{port}", f"ray://127.0.0.1:{port}", "no-such-host.invalid:6379"):
        done = subprocess.run(
            [PAPERSCOPE, "index", "--ray", address],
            env=_index_env(settings, onnx_models),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"no Ray cluster answers at '{address}'" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and "gcs_client" not in done.stderr
