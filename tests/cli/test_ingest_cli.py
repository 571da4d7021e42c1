"""The import, export, stats, show and db commands, as a user runs them: output and exit
codes (0 ok, 1 records rejected, 2 unusable input)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from paperscope.cli import app

SNAPSHOT = "arxiv/kaggle_snapshot_head200.jsonl"
CLI = [sys.executable, "-c", "from paperscope.cli import main; main()"]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _invoke(data_dir: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)])
    return result.exit_code, result.stdout


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Wide enough that rich does not wrap the long temporary paths in messages.
    env = {**os.environ, "COLUMNS": "400"}
    return subprocess.run(
        [*CLI, *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_import_reports_counts_then_unchanged(data_dir: Path, shared_data: Path) -> None:
    code, out = _invoke(data_dir, "import", str(shared_data / SNAPSHOT))
    assert code == 0
    assert "(arxiv-snapshot): 200 new, 0 updated, 0 unchanged, 0 rejected" in out
    code, out = _invoke(data_dir, "import", str(shared_data / SNAPSHOT), "--json")
    assert code == 0
    assert orjson.loads(out) == {
        "path": str(shared_data / SNAPSHOT),
        "format": "arxiv-snapshot",
        "new": 0,
        "updated": 0,
        "unchanged": 200,
        "rejected_count": 0,
        "rejected": [],
        "stopped_early": False,
    }


def test_rejected_records_are_listed_and_exit_1(
    data_dir: Path, shared_data: Path, tmp_path: Path
) -> None:
    lines = (shared_data / SNAPSHOT).read_bytes().splitlines(True)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join([*lines[:100], *[b"{broken\n"] * 25, *lines[100:]]))
    code, out = _invoke(data_dir, "import", str(bad))
    assert code == 1
    assert "200 new, 0 updated, 0 unchanged, 25 rejected" in out
    assert "rejected bad.jsonl:101: invalid JSON" in out
    assert "rejected bad.jsonl:120:" in out and "bad.jsonl:121:" not in out
    assert "... and 5 more rejected records (--json lists them all)" in out
    code, out = _invoke(data_dir, "import", str(bad), "--json")
    assert code == 1
    report = orjson.loads(out)
    assert report["rejected_count"] == 25
    assert [r["location"] for r in report["rejected"]] == [
        f"bad.jsonl:{n}" for n in range(101, 126)
    ]


def test_strict_stops_at_the_first_bad_record(
    data_dir: Path, shared_data: Path, tmp_path: Path
) -> None:
    lines = (shared_data / SNAPSHOT).read_bytes().splitlines(True)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join([*lines[:10], b"{broken\n", *lines[10:]]))
    code, out = _invoke(data_dir, "import", str(bad), "--strict")
    assert code == 1
    assert "10 new, 0 updated, 0 unchanged, 1 rejected" in out
    assert "stopped at the first rejected record (--strict)" in out


def test_unusable_input_is_one_line_and_exit_2(data_dir: Path, tmp_path: Path) -> None:
    blob = tmp_path / "blob.bin"
    blob.write_bytes(bytes(range(256)))
    for args, message in [
        (["import", str(tmp_path / "missing.jsonl")], "does not exist"),
        (["import", str(tmp_path)], "is a directory"),
        (["import", str(blob)], "cannot tell the format of blob.bin; pass --format"),
        (["show", "2401.99999"], "no paper '2401.99999' in the store"),
    ]:
        done = _run(data_dir, *args)
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().startswith("error:") and message in done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


BIBLIOGRAPHIES = {
    "lib.bib": (
        "BibTeX",
        "@article{vaswani2017,\n  title = {Attention Is All You Need},\n"
        "  author = {Vaswani, Ashish},\n  year = {2017},\n  eprint = {1706.03762},\n}\n",
    ),
    "lib.ris": (
        "RIS",
        "TY  - JOUR\nTI  - Attention Is All You Need\nAU  - Vaswani, Ashish\nPY  - 2017\nER  - \n",
    ),
    "my lib.json": (
        "CSL-JSON",
        '[{"id": "v2017", "type": "article-journal", "title": "Attention Is All You Need", '
        '"author": [{"family": "Vaswani", "given": "Ashish"}], '
        '"issued": {"date-parts": [[2017]]}}]',
    ),
}


def test_an_empty_path_is_said_to_be_empty(data_dir: Path) -> None:
    for args in (["import", ""], ["library", "import", "alice", " "]):
        done = _run(data_dir, *args)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("error: the path is empty: name the ")
        assert "directory" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("name", sorted(BIBLIOGRAPHIES))
def test_a_bibliography_is_sent_to_library_import(
    data_dir: Path, tmp_path: Path, name: str
) -> None:
    kind, text = BIBLIOGRAPHIES[name]
    path = tmp_path / name
    path.write_text(text)
    done = _run(data_dir, "import", str(path))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {name} is a {kind} bibliography, not a collection")
    assert f"`paperscope library import USER '{path}'`" in done.stderr or (
        f"`paperscope library import USER {path}`" in done.stderr
    )
    # Other JSON that detection does not know is not taken for a bibliography.
    other = tmp_path / "other.json"
    other.write_text('{"a": 1}')
    done = _run(data_dir, "import", str(other))
    assert "cannot tell the format of other.json" in done.stderr and "library" not in done.stderr


def test_export_import_export_is_identical(
    data_dir: Path, shared_data: Path, tmp_path: Path
) -> None:
    for sample in (
        SNAPSHOT,
        "hf/daily_papers_2024-10-25.first8.json",
        "seed/hf_papers_search_page.txt",
    ):
        assert _invoke(data_dir, "import", str(shared_data / sample))[0] == 0
    first = tmp_path / "first.jsonl"
    assert _invoke(data_dir, "export", "--output", str(first))[0] == 0
    code, out = _invoke(tmp_path / "other", "import", str(first))
    assert code == 0 and "(export): 289 new" in out
    code, second = _invoke(tmp_path / "other", "export")  # to stdout
    assert code == 0
    assert second.encode() == first.read_bytes()
    assert first.read_bytes().startswith(b'{"format":"paperscope-export","version":1}\n')


def test_stats_and_show(data_dir: Path, shared_data: Path) -> None:
    _invoke(data_dir, "import", str(shared_data / SNAPSHOT))
    code, out = _invoke(data_dir, "stats", "--json")
    stats = orjson.loads(out)
    assert code == 0 and stats["papers"] == 200
    assert stats["by_source"] == {"arxiv-snapshot": 200}
    assert set(stats) == {"papers", "by_source", "by_category", "by_month"}
    code, out = _invoke(data_dir, "stats")
    assert code == 0 and out.startswith("200 papers") and "by category:" in out
    for spelling in (
        "0704.0001",
        "0704.0001v2",
        "https://arxiv.org/abs/0704.0001v1",
        "arXiv:0704.0001",
    ):
        code, out = _invoke(data_dir, "show", spelling)
        assert code == 0, spelling
        assert "Calculation of prompt diphoton production cross sections" in out
        assert "C. Balázs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan" in out
    code, out = _invoke(data_dir, "show", "0704.0001", "--json")
    shown = orjson.loads(out)
    assert (
        shown["paper_id"] == "0704.0001" and shown["abs_url"] == "https://arxiv.org/abs/0704.0001"
    )
    assert [v["number"] for v in shown["versions"]] == [1, 2]


def test_db_upgrade_and_current(data_dir: Path) -> None:
    code, out = _invoke(data_dir, "db", "upgrade")
    assert code == 0 and "upgraded" in out and "from empty" in out
    code, out = _invoke(data_dir, "db", "upgrade")
    assert code == 0 and "is up to date" in out
    code, out = _invoke(data_dir, "db", "current")
    assert code == 0 and "(up to date)" in out


@pytest.mark.parametrize("command", ["import", "export", "stats", "show", "db"])
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
