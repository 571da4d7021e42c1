"""Atomic writes and manifests of index folders."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from paperscope.index import artifacts
from paperscope.index.artifacts import ArtifactError, IndexMismatchError, Manifest


def test_atomic_write_publishes_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "data.bin"
    artifacts.write_bytes_atomic(target, b"old")
    with pytest.raises(RuntimeError), artifacts.atomic_write(target) as tmp:
        tmp.write_bytes(b"half-written new content")
        raise RuntimeError("crash before rename")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"], "temp file left behind"


def test_atomic_write_keeps_old_file_when_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "data.bin"
    artifacts.write_bytes_atomic(target, b"old")

    def failing_replace(src: object, dst: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(artifacts.os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space"):
        artifacts.write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert len(list(tmp_path.iterdir())) == 1


def test_array_round_trip_is_memory_mapped_and_refuses_pickle(tmp_path: Path) -> None:
    array = np.arange(12, dtype=np.float16).reshape(3, 4)
    artifacts.save_array(tmp_path / "a.npy", array)
    loaded = artifacts.load_array(tmp_path / "a.npy")
    assert isinstance(loaded, np.memmap)
    np.testing.assert_array_equal(loaded, array)
    objects = np.array([{"x": 1}], dtype=object)
    with pytest.raises(ValueError):
        artifacts.save_array(tmp_path / "o.npy", objects)


def test_missing_or_corrupt_array_gives_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="missing"):
        artifacts.load_array(tmp_path / "absent.npy")
    (tmp_path / "bad.npy").write_bytes(b"not numpy")
    with pytest.raises(ArtifactError, match="corrupt"):
        artifacts.load_array(tmp_path / "bad.npy")


def _as_strings(rows: npt.NDArray[np.uint8]) -> list[str]:
    return [bytes(row).rstrip(b"\0").decode() for row in rows]


def test_doc_ids_round_trip_including_deleted_rows(tmp_path: Path) -> None:
    ids = ["2401.12345", "", "hep-th/9901001", "ps-é-0a1b2c"]
    artifacts.write_doc_ids(tmp_path / "ids.txt", ids)
    read = artifacts.read_doc_ids(tmp_path / "ids.txt")
    assert read.shape == (4, len("hep-th/9901001")) and _as_strings(read) == ids
    artifacts.write_doc_ids(tmp_path / "empty.txt", [])
    assert len(artifacts.read_doc_ids(tmp_path / "empty.txt")) == 0
    with pytest.raises(ValueError, match="line break"):
        artifacts.write_doc_ids(tmp_path / "bad.txt", ["a\nb"])


def test_doc_ids_are_read_in_chunks_without_mixing_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(artifacts, "_ID_ROWS_AT_ONCE", 3)
    ids = [f"{n}" * (n % 4) for n in range(11)]  # lengths 0-3, deleted rows among them
    artifacts.write_doc_ids(tmp_path / "ids.txt", ids)
    assert _as_strings(artifacts.read_doc_ids(tmp_path / "ids.txt")) == ids


def test_doc_ids_file_cut_short_or_missing_is_reported(tmp_path: Path) -> None:
    (tmp_path / "cut.txt").write_bytes(b"2401.00001\n2401.000")
    with pytest.raises(ArtifactError, match="cut short"):
        artifacts.read_doc_ids(tmp_path / "cut.txt")
    with pytest.raises(ArtifactError, match="missing"):
        artifacts.read_doc_ids(tmp_path / "absent.txt")


def _manifest(**changes: object) -> Manifest:
    base = Manifest(
        kind="dense",
        format_version=1,
        model_name="all-MiniLM-L6-v2",
        dim=384,
        count=2,
        high_water_mark=17,
        generation=1,
        doc_ids="doc_ids.000001.txt",
        files={"vectors": "vectors.000001.npy"},
    )
    return Manifest(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_commit_manifest_round_trip_and_removes_stale_generations(tmp_path: Path) -> None:
    for name in ("doc_ids.000001.txt", "vectors.000001.npy", "vectors.000000.npy"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".vectors.000002.npy.abc.tmp").write_bytes(b"partial")
    (tmp_path / "README").write_text("not ours")
    committed = artifacts.commit_manifest(tmp_path, _manifest())
    assert committed.created_at
    assert artifacts.read_manifest(tmp_path) == committed
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "README",
        "doc_ids.000001.txt",
        "manifest.json",
        "vectors.000001.npy",
    ]


def test_commit_refuses_manifest_naming_unwritten_files(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="not written"):
        artifacts.commit_manifest(tmp_path, _manifest())
    assert artifacts.read_manifest(tmp_path) is None


def test_check_manifest_refuses_other_model_dim_or_format(tmp_path: Path) -> None:
    manifest = _manifest()
    artifacts.check_manifest(
        manifest,
        directory=tmp_path,
        kind="dense",
        format_version=1,
        model_name="all-MiniLM-L6-v2",
        dim=384,
    )
    with pytest.raises(IndexMismatchError, match="bge-small") as error:
        artifacts.check_manifest(
            manifest, directory=tmp_path, kind="dense", format_version=1, model_name="bge-small"
        )
    assert "rebuild" in str(error.value)
    with pytest.raises(IndexMismatchError, match="dim"):
        artifacts.check_manifest(
            manifest, directory=tmp_path, kind="dense", format_version=1, dim=768
        )
    with pytest.raises(IndexMismatchError, match="format_version"):
        artifacts.check_manifest(manifest, directory=tmp_path, kind="dense", format_version=2)
    with pytest.raises(IndexMismatchError, match="kind"):
        artifacts.check_manifest(manifest, directory=tmp_path, kind="lexical", format_version=1)


def test_corrupt_manifest_is_reported_with_its_path(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ArtifactError, match=r"manifest\.json"):
        artifacts.read_manifest(tmp_path)


def test_written_files_are_readable_by_other_users(tmp_path: Path) -> None:
    artifacts.write_text_atomic(tmp_path / "t.txt", "x")
    assert os.stat(tmp_path / "t.txt").st_mode & 0o044 == 0o044
