"""The dense index: add, replace, remove, filtered search, save/reload, mmap, refusal
of other vector spaces, crash safety. Runs both the exact path and the HNSW path (a low
``exact_limit`` forces the graph on small data)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from paperscope.index import artifacts, dense
from paperscope.index.analysis import paper_key
from paperscope.index.dense import ArtifactError, DenseIndex, IndexMismatchError

DIM = 32
MODEL = "test-model"


def _unit(rows: int, seed: int = 0) -> npt.NDArray[np.float32]:
    matrix = np.random.default_rng(seed).normal(size=(rows, DIM)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _ids(count: int, prefix: str = "2401.") -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(count)]


def _filled(
    folder: Path, rows: int, exact_limit: int | None = None
) -> tuple[DenseIndex, npt.NDArray[np.float32], list[str]]:
    """An index in ``folder`` holding ``rows`` random unit vectors, with them and their ids."""
    vectors, ids = _unit(rows), _ids(rows)
    options = {} if exact_limit is None else {"exact_limit": exact_limit}
    index = DenseIndex.open(folder, model_name=MODEL, dim=DIM, **options)
    index.add(ids, vectors)
    return index, vectors, ids


def _exact_top(
    vectors: npt.NDArray[np.float32], ids: list[str], query: npt.NDArray[np.float32], k: int
) -> list[str]:
    order = np.argsort(-(vectors @ query), kind="stable")[:k]
    return [ids[i] for i in order]


@pytest.fixture(params=["exact", "hnsw"])
def exact_limit(request: pytest.FixtureRequest) -> int:
    return 1_000_000 if request.param == "exact" else 50


def test_search_finds_nearest_by_cosine(tmp_path: Path, exact_limit: int) -> None:
    index, vectors, ids = _filled(tmp_path, 500, exact_limit)
    assert len(index) == 500 and ids[3] in index and "nope" not in index
    known, rows = index.known_vectors(["nope", ids[7], ids[3]])
    assert known == [ids[7], ids[3]]
    np.testing.assert_allclose(rows, vectors[[7, 3]], atol=2e-3)
    query = vectors[42] + 0.05 * _unit(1, seed=9)[0]
    hits = index.search(query, 10)
    expected = _exact_top(vectors, ids, query / np.linalg.norm(query), 10)
    assert hits[0][0] == ids[42]
    assert len(set(expected) & {paper_id for paper_id, _ in hits}) >= 9
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == pytest.approx(float(vectors[42] @ query / np.linalg.norm(query)), abs=2e-3)


def test_filtered_search_returns_only_allowed_ids(tmp_path: Path, exact_limit: int) -> None:
    index, vectors, ids = _filled(tmp_path, 400, exact_limit)
    allowed = set(ids[::37])  # very selective: 11 of 400
    hits = index.search(vectors[0], 5, allowed=allowed.__contains__)
    assert len(hits) == 5 and {paper_id for paper_id, _ in hits} <= allowed
    best_allowed = [i for i in _exact_top(vectors, ids, vectors[0], 400) if i in allowed][:5]
    assert [paper_id for paper_id, _ in hits] == best_allowed
    assert index.search(vectors[0], 5, allowed=lambda _: False) == []


def test_with_keys_finds_the_papers_of_a_filter_in_row_order(
    tmp_path: Path, exact_limit: int
) -> None:
    index, _, ids = _filled(tmp_path, 300, exact_limit)
    asked = [ids[250], ids[3], ids[250], ids[77]]
    keys = [paper_key(pid) for pid in asked] + [12345, -1]  # repeats and unknown keys
    assert index.with_keys(keys) == [ids[3], ids[77], ids[250]]
    assert index.with_keys([]) == []
    index.remove([ids[77]])  # a change drops the sorted keys; a removed paper is gone
    assert index.with_keys(keys) == [ids[3], ids[250]]
    index.add(["late"], _unit(1, seed=4))
    assert index.with_keys([paper_key("late"), paper_key(ids[3])]) == [ids[3], "late"]


def test_a_key_lookup_built_across_a_write_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lookup may be built on a background thread while the index is written to:
    what it hashed may be stale, so it answers that one call and is built again."""
    index, _, ids = _filled(tmp_path, 50)
    calls = []

    def hashing(paper_id: str) -> int:
        if not calls:
            index._after_change(set())  # what every write does, mid-build
        calls.append(paper_id)
        return paper_key(paper_id)

    monkeypatch.setattr(dense, "paper_key", hashing)
    assert index.with_keys([paper_key(ids[9])]) == [ids[9]]
    assert index._key_order is None
    assert index.with_keys([paper_key(ids[9])]) == [ids[9]]
    assert index._key_order is not None and len(calls) == 100


def test_readding_replaces_and_remove_forgets(tmp_path: Path, exact_limit: int) -> None:
    index, vectors, ids = _filled(tmp_path, 200, exact_limit)
    index.add([ids[5]], vectors[150:151])
    assert len(index) == 200
    assert index.search(vectors[150], 2)[1][0] in {ids[5], ids[150]}
    np.testing.assert_allclose(index.vector(ids[5]), vectors[150], atol=2e-3)
    index.remove([ids[150], "unknown-id"])
    assert ids[150] not in index and len(index) == 199
    assert index.search(vectors[150], 1)[0][0] == ids[5]
    assert all(paper_id != ids[150] for paper_id, _ in index.search(vectors[150], 199))


def test_save_reload_is_memory_mapped_and_keeps_high_water_mark(
    tmp_path: Path, exact_limit: int
) -> None:
    index, vectors, ids = _filled(tmp_path, 300, exact_limit)
    index.remove([ids[7]])
    index.high_water_mark = 1234
    index.save()
    expected = index.search(vectors[11], 10)

    reopened = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=exact_limit)
    graph = exact_limit < 300
    if graph:  # the graph holds the only copy of the vectors
        assert reopened._vectors is None and reopened._graph is not None
    else:
        assert isinstance(reopened._vectors, np.memmap)
    assert reopened.high_water_mark == 1234 and len(reopened) == 299
    assert ids[7] not in reopened
    assert reopened.search(vectors[11], 10) == expected
    rows = reopened.vectors([ids[2], "missing", ids[9]])
    np.testing.assert_allclose(rows, vectors[[2, 9]], atol=2e-3)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["model_name"] == MODEL and manifest["dim"] == DIM
    assert manifest["high_water_mark"] == 1234 and manifest["count"] == 299
    assert sorted(manifest["files"]) == (["hnsw", "keys"] if graph else ["keys", "vectors"])
    assert sorted(path.suffix for path in tmp_path.iterdir()) == sorted(
        [".json", ".txt", ".npy", ".usearch" if graph else ".npy"]
    )


def test_incremental_add_after_reload(tmp_path: Path, exact_limit: int) -> None:
    vectors, ids = _unit(260), _ids(260)
    first = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=exact_limit)
    first.add(ids[:200], vectors[:200])
    first.save()
    second = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=exact_limit)
    second.add(ids[200:], vectors[200:])
    second.save()
    third = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=exact_limit)
    assert len(third) == 260
    assert third.search(vectors[230], 1)[0][0] == ids[230]
    assert third.search(vectors[20], 1)[0][0] == ids[20]
    names = sorted(p.name for p in tmp_path.iterdir())
    if exact_limit < 200:  # the saved graph stays as it is; the new papers are in a delta
        assert names == [
            "delta.000002.usearch",
            "doc_ids.000002.txt",
            "hnsw.000001.usearch",
            "keys.000002.npy",
            "manifest.json",
        ]
    else:
        assert all(".000002." in name for name in names if name != "manifest.json"), names


def test_the_key_lookup_is_saved_with_the_index(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A server opening a saved index reads the filter lookup from its keys file
    instead of hashing every id; the file follows the ids, and a damaged one is
    rebuilt from them, never trusted."""
    index, _, ids = _filled(tmp_path, 300, 1_000)
    index.remove([ids[7]])
    index.save(key_lookup=False)  # as a checkpoint of a long run does
    assert "keys" not in json.loads((tmp_path / "manifest.json").read_text())["files"]
    unsaved = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM)
    assert not isinstance(unsaved._key_rows()[0].base, np.memmap)  # built from the ids
    index.save()
    expected = index.with_keys([paper_key(ids[3]), paper_key(ids[7]), paper_key(ids[250])])
    assert expected == [ids[3], ids[250]]

    reopened = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM)
    sorted_keys, _ = reopened._key_rows()
    assert isinstance(sorted_keys.base, np.memmap)  # read, not built
    assert reopened.with_keys([paper_key(ids[3]), paper_key(ids[7]), paper_key(ids[250])]) == (
        expected
    )
    # Written anew when the ids change, and right for the new ones.
    reopened.add(["late"], _unit(1))
    assert reopened.with_keys([paper_key("late")]) == ["late"]
    reopened.save()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    again = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM)
    assert again.with_keys([paper_key("late"), paper_key(ids[250])]) == [ids[250], "late"]

    # A manifest whose keys file is not tied to its id list (written by a version that
    # carried the file over without keeping it up to date) is not trusted either.
    older = dict(manifest, extra={k: v for k, v in manifest["extra"].items() if k != "keys_for"})
    (tmp_path / "manifest.json").write_text(json.dumps(older))
    untied = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM)
    assert not isinstance(untied._key_rows()[0].base, np.memmap)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    # A keys file that does not fit the ids is set aside with a warning.
    artifacts.save_array(tmp_path / manifest["files"]["keys"], np.zeros((2, 5), np.int64))
    damaged = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM)
    assert damaged.with_keys([paper_key("late"), paper_key(ids[250])]) == [ids[250], "late"]
    assert "not the key order of 301 rows" in caplog.text


def test_other_model_or_dimension_is_refused(tmp_path: Path) -> None:
    index = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM)
    index.add(_ids(3), _unit(3))
    index.save()
    with pytest.raises(IndexMismatchError, match="other-model"):
        DenseIndex.open(tmp_path, model_name="other-model", dim=DIM)
    with pytest.raises(IndexMismatchError, match="dim"):
        DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM * 2)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["format_version"] = dense.FORMAT_VERSION + 1
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="format_version"):
        DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM)


def test_open_without_create_needs_an_index(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="paperscope index"):
        DenseIndex.open(tmp_path / "nothing", model_name=MODEL, dim=DIM, create=False)
    empty = DenseIndex.open(tmp_path / "new", model_name=MODEL, dim=DIM)
    assert len(empty) == 0 and empty.search(_unit(1)[0], 5) == []


def test_failed_save_leaves_previous_index_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exact_limit: int
) -> None:
    vectors, ids = _unit(120), _ids(120)
    index = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=exact_limit)
    index.add(ids[:100], vectors[:100])
    index.high_water_mark = 5
    index.save()
    before = sorted(p.name for p in tmp_path.iterdir())

    index.add(ids[100:], vectors[100:])
    index.high_water_mark = 9
    real_replace = artifacts.os.replace

    def crash_on_manifest(src: str, dst: str) -> None:
        if str(dst).endswith("manifest.json"):
            raise OSError("simulated crash before the manifest is renamed into place")
        real_replace(src, dst)

    monkeypatch.setattr(artifacts.os, "replace", crash_on_manifest)
    with pytest.raises(OSError, match="simulated crash"):
        index.save()
    monkeypatch.undo()

    survivor = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=exact_limit)
    assert len(survivor) == 100 and survivor.high_water_mark == 5
    assert survivor.search(vectors[50], 1)[0][0] == ids[50]
    assert set(before) <= {p.name for p in tmp_path.iterdir()}

    index.save()  # the next save succeeds and clears the orphaned files
    final = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=exact_limit)
    assert len(final) == 120 and final.high_water_mark == 9
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_open_reader_survives_a_concurrent_save(tmp_path: Path, exact_limit: int) -> None:
    vectors, ids = _unit(150), _ids(150)
    writer = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=exact_limit)
    writer.add(ids[:100], vectors[:100])
    writer.save()
    reader = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=exact_limit)
    writer.add(ids[100:], vectors[100:])
    writer.remove(ids[:10])
    writer.save()  # deletes the generation the reader has mapped
    assert reader.search(vectors[3], 1)[0][0] == ids[3]
    assert len(reader) == 100


def test_many_removals_compact_the_files(tmp_path: Path, exact_limit: int) -> None:
    index, vectors, ids = _filled(tmp_path, 3000, exact_limit)
    index.remove(ids[:1500])
    index.save()
    reopened = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=exact_limit)
    assert len(reopened) == 1500
    assert reopened._ids.size == 1500, "deleted rows were not dropped"
    assert reopened.search(vectors[2000], 1)[0][0] == ids[2000]
    np.testing.assert_allclose(reopened.vector(ids[2999]), vectors[2999], atol=2e-3)


def test_a_graph_compacted_below_the_threshold_becomes_exact(tmp_path: Path) -> None:
    vectors, ids = _unit(3000), _ids(3000)
    index = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=2000)
    index.add(ids, vectors)
    assert index._graph is not None
    index.remove(ids[:2000])
    index.save()
    reopened = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=2000)
    assert reopened._graph is None and reopened._ids.size == 1000
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert "vectors" in manifest["files"] and "hnsw" not in manifest["files"]
    assert reopened.search(vectors[2500], 1)[0][0] == ids[2500]
    np.testing.assert_allclose(reopened.vectors(ids[2000:]), vectors[2000:], atol=2e-3)


def test_bad_input_is_rejected_with_clear_messages(tmp_path: Path) -> None:
    index = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM)
    with pytest.raises(ValueError, match="2 paper ids but 3 vectors"):
        index.add(_ids(2), _unit(3))
    with pytest.raises(ValueError, match=r"shape \(n, 32\)"):
        index.add(_ids(2), np.zeros((2, 8), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        index.add(_ids(1), np.full((1, DIM), np.nan, np.float32))
    with pytest.raises(ValueError, match="line break"):
        index.add(["a\nb"], _unit(1))
    index.add(_ids(1), _unit(1))
    with pytest.raises(ValueError, match="dimensions"):
        index.search(np.ones(DIM + 1), 3)


def test_damaged_folder_is_reported(tmp_path: Path) -> None:
    index = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM)
    index.add(_ids(10), _unit(10))
    index.save()
    manifest = artifacts.read_manifest(tmp_path)
    assert manifest is not None and manifest.doc_ids
    artifacts.write_doc_ids(tmp_path / manifest.doc_ids, _ids(4))
    with pytest.raises(ArtifactError, match="damaged"):
        DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM)


def test_graph_then_onnxruntime_in_one_process_does_not_crash(tmp_path: Path) -> None:
    """usearch loaded before onnxruntime used to kill the process at import."""
    import subprocess
    import sys

    script = (
        "import numpy as np, pathlib\n"
        "from paperscope.index.dense import DenseIndex\n"
        f"index = DenseIndex.open(pathlib.Path({str(tmp_path)!r}), model_name='m', dim=4,"
        " exact_limit=1)\n"
        "index.add(['a', 'b'], np.eye(2, 4))\n"
        "import onnxruntime\n"
        "print(index.search(np.eye(4)[0], 1)[0][0])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "a"


def test_removing_from_a_mapped_index_rewrites_only_the_ids(
    tmp_path: Path, exact_limit: int
) -> None:
    index, vectors, ids = _filled(tmp_path, 100, exact_limit)
    index.save()
    before = artifacts.read_manifest(tmp_path)
    mapped = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=exact_limit)
    mapped.remove(ids[:3])
    assert mapped.search(vectors[1], 1)[0][0] != ids[1]
    mapped.save()
    after = artifacts.read_manifest(tmp_path)
    assert before is not None and after is not None
    assert after.doc_ids != before.doc_ids
    if "vectors" in before.files:
        assert isinstance(mapped._vectors, np.memmap), "removal copied the vectors into memory"
        assert after.files["vectors"] == before.files["vectors"]
    else:  # the graph keeps the vectors of the deleted rows until a compaction
        assert mapped._graph is not None and mapped._graph.is_view
        assert after.files["hnsw"] == before.files["hnsw"]
    reopened = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=exact_limit)
    assert len(reopened) == 97 and ids[0] not in reopened
    assert reopened.search(vectors[50], 1)[0][0] == ids[50]


def test_duplicate_ids_in_one_add_keep_the_last_vector(tmp_path: Path) -> None:
    vectors = _unit(3)
    index = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM)
    index.add(["a", "b", "a"], vectors)
    assert len(index) == 2
    np.testing.assert_allclose(index.vector("a"), vectors[2], atol=2e-3)
    np.testing.assert_allclose(index.vector("b"), vectors[1], atol=2e-3)


def test_format_1_index_with_a_second_copy_of_the_vectors_is_read_then_upgraded(
    tmp_path: Path,
) -> None:
    """Format 1 kept a vectors file beside the graph; it opens as is and the next save
    writes the current format, which drops that file."""
    vectors, ids = _unit(300), _ids(300)
    index = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=100)
    index.add(ids[:299], vectors[:299])
    index.save()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    old_copy = tmp_path / "vectors.000001.npy"
    np.save(old_copy, np.zeros((299, DIM), np.float16))  # never read: the graph is
    manifest["format_version"] = 1
    manifest["files"]["vectors"] = old_copy.name
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))

    old = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=100)
    assert old.search(vectors[5], 1)[0][0] == ids[5]
    np.testing.assert_allclose(old.vector(ids[5]), vectors[5], atol=2e-3)
    old.add([ids[299]], vectors[299:])
    old.save()
    upgraded = json.loads((tmp_path / "manifest.json").read_text())
    assert upgraded["format_version"] == dense.FORMAT_VERSION == 3
    assert "vectors" not in upgraded["files"] and not old_copy.exists()
    reopened = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=100)
    assert len(reopened) == 300 and reopened.search(vectors[299], 1)[0][0] == ids[299]


# float8 (E4M3) rounds each component to 3 mantissa bits: a component in [0.5, 1) moves
# by up to half a step of 1/16, so rows read back (and top cosines) are within 1/32 of
# the float32 values, not within float16's 2e-3.
FLOAT8_TOLERANCE = 1 / 32 + 1e-6


def test_float8_graph_stores_a_byte_per_component_and_finds_the_neighbours(
    tmp_path: Path,
) -> None:
    vectors, ids = _unit(2000), _ids(2000)
    sizes = {}
    for storage in ("float16", "float8"):
        folder = tmp_path / storage
        index = DenseIndex.open(folder, model_name=MODEL, dim=DIM, exact_limit=50, storage=storage)
        index.add(ids, vectors)
        index.save()
        sizes[storage] = sum(p.stat().st_size for p in folder.glob("hnsw.*"))
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["extra"]["vector_dtype"] == storage
    # One byte per component instead of two; the links between nodes are unchanged.
    assert sizes["float16"] - sizes["float8"] == 2000 * DIM, sizes

    reopened = DenseIndex.open(tmp_path / "float8", model_name=MODEL, dim=DIM, exact_limit=50)
    assert reopened._graph is not None and reopened._graph.storage == "float8"
    found = 0
    for row in range(0, 2000, 40):
        query = vectors[row] + 0.3 * _unit(1, seed=row + 1)[0]
        query /= np.linalg.norm(query)
        hits = reopened.search(query, 10)
        found += len(set(_exact_top(vectors, ids, query, 10)) & {pid for pid, _ in hits})
        assert hits[0][1] == pytest.approx(
            float(vectors[ids.index(hits[0][0])] @ query), abs=FLOAT8_TOLERANCE
        )
    assert found >= 0.9 * 50 * 10, f"recall@10 {found / 500:.3f}"
    np.testing.assert_allclose(
        reopened.vectors([ids[3], ids[1999]]), vectors[[3, 1999]], atol=FLOAT8_TOLERANCE
    )


def test_a_graph_keeps_its_storage_until_it_is_rebuilt(tmp_path: Path) -> None:
    """Vectors of one graph share one type: adds to a float16 graph stay float16 under a
    float8 setting, and the setting takes effect when compaction builds a new graph."""
    vectors, ids = _unit(3000), _ids(3000)
    first = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=50)
    first.add(ids[:2000], vectors[:2000])
    first.save()

    second = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=50, storage="float8")
    second.add(ids[2000:], vectors[2000:])
    second.save()
    assert json.loads((tmp_path / "manifest.json").read_text())["extra"]["vector_dtype"] == (
        "float16"
    )

    second.remove(ids[:1500])  # half the rows deleted: the save renumbers, a new graph
    second.save()
    third = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=50)
    assert third._graph is not None and third._graph.storage == "float8"
    assert len(third) == 1500 and third.search(vectors[2500], 1)[0][0] == ids[2500]


def test_a_graph_is_converted_from_its_own_vectors(tmp_path: Path) -> None:
    vectors, ids = _unit(2000), _ids(2000)
    first = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=50)
    first.add(ids, vectors)
    first.remove(ids[:10])  # deleted rows stay deleted, the others keep their numbers
    first.save()
    assert not first.convert_storage()  # already float16: nothing to do

    second = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=50, storage="float8")
    assert second.convert_storage() and not second.convert_storage()
    second.save()
    third = DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, exact_limit=50)
    assert third._graph is not None and third._graph.storage == "float8"
    assert json.loads((tmp_path / "manifest.json").read_text())["extra"]["vector_dtype"] == (
        "float8"
    )
    assert len(third) == 1990 and ids[5] not in third
    np.testing.assert_allclose(third.vectors(ids[10:]), vectors[10:], atol=FLOAT8_TOLERANCE)
    assert [third.search(vectors[row], 1)[0][0] for row in (10, 999, 1999)] == [
        ids[10],
        ids[999],
        ids[1999],
    ]


def test_unknown_storage_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'int4'.*float16, float8"):
        DenseIndex.open(tmp_path, model_name=MODEL, dim=DIM, storage="int4")


def _open_graph(directory: Path) -> DenseIndex:
    return DenseIndex.open(directory, model_name=MODEL, dim=DIM, exact_limit=50)


def test_a_saved_graph_stays_as_it_is_and_later_papers_go_to_a_delta(tmp_path: Path) -> None:
    """A catch-up on a saved graph neither loads nor rewrites it: new and embedded-again
    papers go to the delta graph, and search reads both as one index."""
    vectors, ids = _unit(700), _ids(700)
    first = _open_graph(tmp_path)
    first.add(ids[:500], vectors[:500])
    first.save()
    saved = artifacts.read_manifest(tmp_path)
    assert saved is not None
    base_file = tmp_path / saved.files["hnsw"]
    base_bytes = base_file.read_bytes()

    later = _open_graph(tmp_path)
    again = _unit(3, seed=9)  # papers 0-2 embedded again
    later.add(ids[500:600] + ids[:3], np.vstack([vectors[500:600], again]))
    later.remove([ids[10], ids[550]])
    assert later._graph is not None and later._graph.is_view, "the base was loaded"
    later.save()
    manifest = artifacts.read_manifest(tmp_path)
    assert manifest is not None and manifest.files["hnsw"] == saved.files["hnsw"]
    assert "delta" in manifest.files and base_file.read_bytes() == base_bytes

    index = _open_graph(tmp_path)
    assert len(index) == 598 and ids[10] not in index and ids[550] not in index
    live = [i for i in range(600) if i not in (10, 550)]
    expected = np.vstack([again, vectors[3:600]])[live]
    expected_ids = [ids[i] for i in live]
    for query in (again[0], vectors[0], vectors[10], vectors[520], vectors[550]):
        found = [pid for pid, _ in index.search(query, 5)]  # (float16 ties further down)
        assert found == _exact_top(expected, expected_ids, query, 5)
    np.testing.assert_allclose(index.vector(ids[0]), again[0], atol=2e-3)
    np.testing.assert_allclose(
        index.vectors([ids[520], ids[5], ids[1]]),
        np.vstack([vectors[[520, 5]], again[1:2]]),
        atol=2e-3,
    )
    # Known ids in the order given, with their vectors, across base and delta.
    asked = [ids[520], "nope", ids[10], ids[5], ids[1]]
    known, rows = index.known_vectors(asked)
    assert known == index.known(asked) == [ids[520], ids[5], ids[1]]
    np.testing.assert_array_equal(rows, index.vectors(asked))
    wanted = {ids[5], ids[520]}
    assert [pid for pid, _ in index.search(vectors[520], 2, allowed=wanted.__contains__)] == [
        ids[520],
        ids[5],
    ]


def test_a_grown_delta_is_folded_into_the_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dense, "DELTA_MIN_ROWS", 40)
    vectors, ids = _unit(600), _ids(600)
    first = _open_graph(tmp_path)
    first.add(ids[:500], vectors[:500])
    first.save()
    later = _open_graph(tmp_path)
    later.add(ids[500:530], vectors[500:530])
    later.remove([ids[7]])
    later.save()
    assert "delta" in json.loads((tmp_path / "manifest.json").read_text())["files"]

    last = _open_graph(tmp_path)
    last.add([*ids[530:], ids[0]], np.vstack([vectors[530:], vectors[1:2]]))  # past 40
    assert last._delta is None and last._graph is not None and not last._graph.is_view
    last.save()
    files = json.loads((tmp_path / "manifest.json").read_text())["files"]
    assert "delta" not in files and files["hnsw"] == "hnsw.000003.usearch"
    index = _open_graph(tmp_path)
    assert len(index) == 599 and ids[7] not in index
    assert [pid for pid, _ in index.search(vectors[1], 2)] in ([ids[0], ids[1]], [ids[1], ids[0]])
    assert index.search(vectors[599], 1)[0][0] == ids[599]


def test_compacting_a_base_and_delta_builds_one_graph(tmp_path: Path) -> None:
    vectors, ids = _unit(3000), _ids(3000)
    first = _open_graph(tmp_path)
    first.add(ids[:2500], vectors[:2500])
    first.save()
    later = _open_graph(tmp_path)
    later.add(ids[2500:], vectors[2500:])
    later.remove(ids[:1500])
    later.save()
    files = json.loads((tmp_path / "manifest.json").read_text())["files"]
    assert "delta" not in files
    index = _open_graph(tmp_path)
    assert index._ids.size == len(index) == 1500
    for row in (1500, 2499, 2500, 2999):
        assert index.search(vectors[row], 1)[0][0] == ids[row]
    np.testing.assert_allclose(index.vectors(ids[1500:]), vectors[1500:], atol=2e-3)


def test_every_row_added_to_a_graph_is_found_by_its_own_vector() -> None:
    """usearch's concurrent add can strand a few rows where no search reaches them
    (about 4 of 1,500 such random rows per build): the graph adds those again."""
    for seed in range(5):
        vectors = _unit(1500, seed=seed)
        graph = dense.HnswGraph.create(DIM)
        graph.upsert(np.arange(1500, dtype=np.int64), vectors)
        for row in range(1500):
            assert graph.search(vectors[row], 1)[0][0] == row, f"seed {seed}: row {row} lost"
