"""Importing whole files into a real store (SQLite, and PostgreSQL when configured):
exact counts on the shared samples, idempotence, damaged files, strict mode, gzip,
and the export round trip."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import orjson
import pytest

from paperscope.config import Settings
from paperscope.ingest.pipeline import SourceFileError, export_store, import_file
from paperscope.store import Store
from paperscope.store.papers import count_papers, get_paper, iter_papers

SAMPLES = {
    "arxiv/kaggle_snapshot_head200.jsonl": ("arxiv-snapshot", 200),
    "hf/daily_papers_2024-10-25.first8.json": ("hf-daily", 8),
    "seed/hf_papers_search_page.txt": ("text", 81),
    "arxiv/oai_pmh_listrecords_oai_dc_cs_page.xml": ("oai-pmh", 153),
    "arxiv/oai_pmh_listrecords_oai_dc_small.xml": ("oai-pmh", 5),
}


@pytest.mark.parametrize("sample", list(SAMPLES))
def test_each_sample_imports_with_exact_counts_then_is_unchanged(
    any_store: Store, shared_data: Path, sample: str
) -> None:
    expected_format, count = SAMPLES[sample]
    first = import_file(store=any_store, path=shared_data / sample)
    assert first.format == expected_format
    assert (first.report.new, first.report.updated, first.report.rejected) == (count, 0, ())
    assert count_papers(store=any_store) == count
    again = import_file(store=any_store, path=shared_data / sample)
    assert (again.report.new, again.report.updated, again.report.unchanged) == (0, 0, count)


def test_damaged_snapshot_keeps_the_good_records(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    lines = (shared_data / "arxiv/kaggle_snapshot_head200.jsonl").read_bytes().splitlines(True)
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(
        b"".join([*lines[:50], b"{oops\n", *lines[50:120], lines[120][:-40] + b"\xff\n"])
    )
    result = import_file(store=store, path=damaged, batch_size=16)
    assert result.report.new == 120
    assert [r.location for r in result.report.rejected] == ["damaged.jsonl:51", "damaged.jsonl:122"]
    assert not result.stopped_early


def test_strict_stops_at_the_first_bad_record_keeping_those_before(
    any_store: Store, shared_data: Path, tmp_path: Path
) -> None:
    lines = (shared_data / "arxiv/kaggle_snapshot_head200.jsonl").read_bytes().splitlines(True)
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(b"".join([*lines[:30], b"garbage\n", *lines[30:60], b"{\n"]))
    result = import_file(store=any_store, path=damaged, strict=True, batch_size=8)
    assert result.stopped_early
    assert result.report.new == 30
    assert [r.location for r in result.report.rejected] == ["damaged.jsonl:31"]
    assert count_papers(store=any_store) == 30
    assert get_paper(store=any_store, paper_id="0704.0030") is not None
    assert get_paper(store=any_store, paper_id="0704.0031") is None


def test_gzip_is_read_transparently_and_a_cut_gzip_keeps_what_was_read(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    raw = (shared_data / "arxiv/kaggle_snapshot_head200.jsonl").read_bytes()
    packed = gzip.compress(raw)
    whole = tmp_path / "snapshot.gz"  # no telling extension: detected by content
    whole.write_bytes(packed)
    assert import_file(store=store, path=whole).report.new == 200
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    result = import_file(store=store, path=cut)
    assert result.format == "arxiv-snapshot"
    assert 0 < result.report.unchanged < 200
    assert "damaged" in result.report.rejected[-1].reason
    # Cut inside the first 64 KiB (what format detection reads): the records before
    # the cut are still imported, the cut reported.
    early = tmp_path / "early.gz"
    early.write_bytes(packed[:3000])
    result = import_file(store=store, path=early)
    assert result.format == "arxiv-snapshot"
    assert result.report.unchanged >= 3 and result.report.new == 0
    assert "damaged" in result.report.rejected[-1].reason


def test_progress_reports_bytes_up_to_the_file_size(store: Store, shared_data: Path) -> None:
    path = shared_data / "arxiv/kaggle_snapshot_head200.jsonl"
    seen: list[tuple[int, int]] = []
    import_file(store=store, path=path, batch_size=50, on_progress=lambda d, t: seen.append((d, t)))
    size = path.stat().st_size
    assert len(seen) >= 4
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1] == (size, size)


def test_file_level_problems_raise_one_clear_error(store: Store, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)) * 4)
    cases = {
        tmp_path / "missing.jsonl": "does not exist",
        tmp_path: "is a directory",
        tmp_path / "empty.txt": "is empty",
        tmp_path / "blob.bin": "cannot tell the format",
    }
    for path, message in cases.items():
        with pytest.raises(SourceFileError, match=message):
            import_file(store=store, path=path)
    with pytest.raises(SourceFileError, match="unknown format 'bibtex'"):
        import_file(store=store, path=tmp_path / "empty.txt", format_name="bibtex")


def test_export_then_import_is_loss_free(
    any_store: Store, shared_data: Path, tmp_path: Path
) -> None:
    for sample in SAMPLES:
        import_file(store=any_store, path=shared_data / sample)
    # The same paper from a second source: the export keeps both sources.
    known = get_paper(store=any_store, paper_id="0704.0002")
    assert known is not None
    dump = tmp_path / "dump.txt"
    dump.write_text(f"{known.title}\n\nA second abstract.\n", encoding="utf-8")
    import_file(store=any_store, path=dump)
    first = io.BytesIO()
    total = export_store(store=any_store, out=first)
    assert total == count_papers(store=any_store) == 200 + 8 + 81 + 153 + 5
    exported = tmp_path / "export.jsonl"
    exported.write_bytes(first.getvalue())

    # Into an empty SQLite store, whichever backend the export came from.
    fresh = Store.open(_fresh_settings(tmp_path))
    try:
        result = import_file(store=fresh, path=exported)
        assert (result.format, result.report.new, result.report.rejected) == ("export", total, ())
        second = io.BytesIO()
        export_store(store=fresh, out=second)
        assert second.getvalue() == first.getvalue()
        originals = list(iter_papers(store=any_store))
        assert list(iter_papers(store=fresh)) == originals
        assert any(len(p.sources) > 1 for p in originals)
    finally:
        fresh.close()


def test_text_papers_merge_into_the_arxiv_paper_of_the_same_title(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    import_file(store=store, path=shared_data / "arxiv/kaggle_snapshot_head200.jsonl")
    known = get_paper(store=store, paper_id="0704.0002")
    assert known is not None
    dump = tmp_path / "dump.txt"
    dump.write_text(f"{known.title}\n\n{known.abstract}\n", encoding="utf-8")
    result = import_file(store=store, path=dump, format_name="text")
    assert result.report.new == 0
    merged = get_paper(store=store, paper_id="0704.0002")
    assert merged is not None and merged.sources == ("arxiv-snapshot", "text")


def _fresh_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "fresh", dev_mode=True)


def test_a_deeply_nested_daily_entry_loses_no_good_entry(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    entries = orjson.loads((shared_data / "hf/daily_papers_2024-10-25.first8.json").read_bytes())
    depth = 100_000
    deep = b'{"paper": {"id": "2410.00001", "x": ' + b"[" * depth + b"]" * depth + b"}}"
    hostile = tmp_path / "daily.json"
    hostile.write_bytes(
        b"[" + orjson.dumps(entries[0]) + b"," + deep + b"," + orjson.dumps(entries[1]) + b"]"
    )
    result = import_file(store=store, path=hostile)
    assert (result.format, result.report.new) == ("hf-daily", 2)
    [rejected] = result.report.rejected
    assert rejected.location == "daily.json entry 1" and "nested too deeply" in rejected.reason
    assert get_paper(store=store, paper_id=entries[0]["paper"]["id"]) is not None
