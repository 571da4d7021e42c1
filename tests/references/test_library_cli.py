"""`paperscope library import` and `paperscope library export` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
import rispy
from typer.testing import CliRunner

from paperscope.cli import app
from paperscope.cli.common import UserError, console
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.accounts import ensure_user
from paperscope.store.papers import upsert_papers
from references.conftest import FIXTURES, NOW, sample_papers

CLI = [sys.executable, "-c", "from paperscope.cli import main; main()"]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    store = Store.open(Settings(data_dir=data, dev_mode=True))
    upsert_papers(store=store, papers_in=sample_papers())
    ensure_user(store=store, username="ana", now=NOW)
    store.close()
    return data


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """The report's table wraps at the console's width, which rich fixes from COLUMNS
    when the CLI module is first imported, by whichever test does it: set it here."""
    monkeypatch.setattr(console, "_width", 200)


def _invoke(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_import_prints_the_report(data_dir: Path) -> None:
    code, out, _ = _invoke(
        data_dir, "library", "import", "ana", str(FIXTURES / "zotero_better_bibtex.bib")
    )
    assert code == 0
    assert (
        "6 of 10 entries found 6 papers, now in the library (6 added, 0 updated, "
        "0 already there); 3 unmatched, 1 malformed"
    ) in out
    assert "corichiPolymerQuantumMechanics2007" in out and "title 0.99" in out
    assert "line 64" in out and "malformed BibTeX" in out
    assert "hostile2024" in out and "no paper with a similar title" in out


def test_import_json_report_and_explicit_format(data_dir: Path) -> None:
    code, out, _ = _invoke(
        data_dir,
        "library",
        "import",
        "ana",
        str(FIXTURES / "zotero.json"),
        "--format",
        "csl-json",
        "--json",
    )
    assert code == 0
    report = orjson.loads(out)
    assert (report["user"], report["format"], report["matched"], report["rejected"]) == (
        "ana",
        "csl-json",
        3,
        1,
    )
    assert report["entries"][0] == {
        "key": "http://zotero.org/users/8812345/items/9ZK3D2QX",
        "location": "item 1",
        "title": "Sparsity-certifying Graph Decompositions",
        "status": "matched",
        "paper_id": "0704.0002",
        "match": "arxiv-id",
        "score": None,
        "reason": "",
        "same_as": "",
    }


def _error(data_dir: Path, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)])
    assert isinstance(result.exception, UserError), result.output
    return str(result.exception)


def test_unusable_input_is_a_user_error(data_dir: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a bibliography at all\n")
    assert "cannot tell the format of this file" in _error(
        data_dir, "library", "import", "ana", str(notes)
    )
    assert "no user 'nobody'" in _error(data_dir, "library", "import", "nobody", str(notes))
    missing = str(tmp_path / "missing.bib")
    assert "cannot read" in _error(data_dir, "library", "import", "ana", missing)
    assert "--format 'doc' is not one of bibtex, ris, csl-json" in _error(
        data_dir, "library", "import", "ana", str(notes), "--format", "doc"
    )


def test_unusable_input_exits_2_with_one_line(data_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.bib"
    empty.write_text("\n")
    done = subprocess.run(
        [*CLI, "library", "import", "ana", str(empty), "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: {empty}: the file is empty"


def test_export_to_stdout_and_file(data_dir: Path, tmp_path: Path) -> None:
    _invoke(data_dir, "library", "import", "ana", str(FIXTURES / "zotero_better_bibtex.bib"))
    code, out, _ = _invoke(data_dir, "library", "export", "ana", "--format", "csl-json")
    assert code == 0
    assert len(json.loads(out)) == 6
    target = tmp_path / "to-read.ris"
    code, _, _ = _invoke(
        data_dir,
        "library",
        "export",
        "ana",
        "--tag",
        "to-read",
        "--format",
        "ris",
        "-o",
        str(target),
    )
    assert code == 0
    [record] = rispy.loads(target.read_text())
    assert record["id"] == "0704.0006" and "to-read" in record["keywords"]
