"""The backup and restore of docs/deployment.md, as written there: pg_dump of the
database and a copy of INDEX_URL, restored into a fresh database and folder, which
the app then serves (accounts, tokens, upvotes and search all come back)."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from processes import ROOT, SECRET, environment, postgres_database, run_cli

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.web.app import create_app

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def postgres_tool(name: str) -> str:
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    found = str(versions[-1]) if versions else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def test_dump_and_restore_into_a_fresh_database(tmp_path: Path) -> None:
    shared = tmp_path / "shared-index"
    with postgres_database() as source_url:
        env = environment(
            PAPERSCOPE_DATABASE_URL=source_url,
            PAPERSCOPE_SECRET_KEY=SECRET,
            PAPERSCOPE_INDEX_URL=str(shared),
        )
        indexer = tmp_path / "indexer"
        run_cli(env, "db", "upgrade", data_dir=indexer)
        run_cli(
            env, "import", str(ROOT / "sample" / "arxiv-snapshot-head200.jsonl"), data_dir=indexer
        )
        run_cli(env, "index", "--lexical-only", data_dir=indexer)
        run_cli(
            env, "users", "add", "bob", "--password", "a long enough password", data_dir=indexer
        )
        token = run_cli(env, "tokens", "create", "bob", data_dir=indexer).strip()
        settings = Settings(data_dir=indexer, database_url=source_url, secret_key=SECRET)
        with TestClient(create_app(settings)) as client:
            voted = client.post(
                "/api/v1/papers/0704.0001/upvote", headers={"Authorization": f"Bearer {token}"}
            )
            assert voted.status_code == 200

        # the backup: a custom-format dump, and the published index files
        dump = tmp_path / "paperscope.dump"
        subprocess.run(
            [postgres_tool("pg_dump"), "--format=custom", f"--file={dump}", source_url], check=True
        )
        with tarfile.open(tmp_path / "index.tar.gz", "w:gz") as archive:
            archive.add(shared, arcname="paperscope-index")

    # the source is gone (dropped above): restore on a fresh database and folder
    with postgres_database() as restored_url:
        subprocess.run(
            [
                postgres_tool("pg_restore"),
                "--no-owner",
                "--exit-on-error",
                f"--dbname={restored_url}",
                str(dump),
            ],
            check=True,
        )
        with tarfile.open(tmp_path / "index.tar.gz") as archive:
            archive.extractall(tmp_path / "restored", filter="data")
        env = environment(PAPERSCOPE_DATABASE_URL=restored_url, PAPERSCOPE_SECRET_KEY=SECRET)
        current = run_cli(env, "db", "current", data_dir=tmp_path / "server")
        assert "up to date" in " ".join(current.split()), current
        served = Settings(
            data_dir=tmp_path / "server",
            database_url=restored_url,
            secret_key=SECRET,
            index_url=str(tmp_path / "restored" / "paperscope-index"),
            index_poll_seconds=0.2,
        )
        store = Store.open(served, upgrade=False)
        try:
            with TestClient(create_app(served, store=store)) as client:
                bearer = {"Authorization": f"Bearer {token}"}
                assert client.get("/api/v1/me", headers=bearer).json()["username"] == "bob"
                paper = client.get("/api/v1/papers/0704.0001", headers=bearer).json()
                assert paper["upvotes"] == 1 and paper["upvoted"] is True
                search = client.app.state.search  # type: ignore[attr-defined]
                for _ in range(100):
                    if search.generation is not None:
                        break
                    time.sleep(0.1)
                found = client.get("/api/v1/search", params={"q": "diphoton"}).json()
                assert "0704.0001" in [item["paper_id"] for item in found["items"]]
                assert "title match" not in str(found.get("notice"))
        finally:
            store.close()
