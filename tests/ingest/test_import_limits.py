"""Importing hostile files with bounded memory: a huge line is skipped unread (plain
or gzip) and reported with its file and line while the lines around it import; the
report of millions of bad lines lists the first ones and counts them all."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from paperscope.cli import app
from paperscope.config import Settings
from paperscope.ingest.pipeline import import_file
from paperscope.store import Store

SNAPSHOT = "arxiv/kaggle_snapshot_head200.jsonl"
LIMIT = 1024 * 1024
HUGE = 24 * 1024 * 1024


def _lines(shared_data: Path, count: int) -> list[bytes]:
    with (shared_data / SNAPSHOT).open("rb") as f:
        return [next(f) for _ in range(count)]


def _huge_line() -> bytes:
    # A record that looks right at first and goes on for HUGE bytes.
    return b'{"id": "2401.00001", "abstract": "' + b"x" * HUGE + b'"}\n'


@pytest.mark.parametrize("compressed", [False, True])
def test_a_huge_line_is_skipped_unread(
    store: Store, shared_data: Path, tmp_path: Path, compressed: bool
) -> None:
    good = _lines(shared_data, 4)
    body = good[0] + good[1] + _huge_line() + good[2] + good[3]
    path = tmp_path / ("huge.jsonl.gz" if compressed else "huge.jsonl")
    path.write_bytes(gzip.compress(body, compresslevel=1) if compressed else body)
    tracemalloc.start()
    try:
        result = import_file(
            store=store, path=path, format_name="arxiv-snapshot", max_line_bytes=LIMIT
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.report.new == 4  # the lines before and after it
    [rejected] = result.report.rejected
    assert rejected.location == f"{path.name}:3"
    assert f"longer than {LIMIT} bytes" in rejected.reason
    # Never the whole line in memory: a few chunks of the limit, not its 24 MB.
    assert peak < HUGE // 4, peak


def test_a_huge_last_line_without_newline(store: Store, shared_data: Path, tmp_path: Path) -> None:
    path = tmp_path / "tail.jsonl"
    path.write_bytes(b"".join(_lines(shared_data, 2)) + _huge_line().rstrip(b"\n"))
    result = import_file(store=store, path=path, format_name="arxiv-snapshot", max_line_bytes=LIMIT)
    assert result.report.new == 2
    assert [r.location for r in result.report.rejected] == ["tail.jsonl:3"]


def test_rejections_are_counted_all_and_listed_first(
    settings: Settings, store: Store, shared_data: Path, tmp_path: Path
) -> None:
    path = tmp_path / "bad.jsonl"
    good = _lines(shared_data, 1)[0]
    path.write_bytes(good + b"{not json}\n" * 5000 + good)
    result = import_file(store=store, path=path, format_name="arxiv-snapshot", rejections_kept=50)
    report = result.report
    assert report.new == 1 and report.unchanged == 1
    assert len(report.rejected) == 50 and report.rejected_count == 5000
    assert report.rejected[0].location == "bad.jsonl:2"
    cli = CliRunner().invoke(
        app, ["import", str(path), "--json", "--data-dir", str(settings.data_dir)]
    )
    shown = orjson.loads(cli.stdout)
    assert cli.exit_code == 1
    assert shown["rejected_count"] == 5000 and len(shown["rejected"]) == 1000


def test_the_cli_reads_the_limit_from_the_settings(
    settings: Settings, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "wide.jsonl"
    good = _lines(shared_data, 2)
    path.write_bytes(good[0] + b'{"id": "' + b"y" * 5000 + b'"}\n' + good[1])
    monkeypatch.setenv("PAPERSCOPE_IMPORT_MAX_LINE_BYTES", "2048")
    cli = CliRunner().invoke(app, ["import", str(path), "--data-dir", str(settings.data_dir)])
    assert cli.exit_code == 1
    assert "2 new" in cli.stdout and "wide.jsonl:2" in cli.stdout
    assert "longer than 2048 bytes" in cli.stdout
