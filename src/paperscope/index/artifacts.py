"""Atomic, manifest-described index folders shared by the dense and lexical indexes.

An index folder holds data files plus one ``manifest.json``. The manifest is the commit
point: a save writes every data file under a fresh *generation* name (for example
``vectors.000004.npy``), then atomically replaces the manifest that points at them, and
only then deletes the files of older generations. A crash at any moment therefore leaves
either the old index or the new one, never a mix, and readers that opened the old
generation keep working on their (already open or memory-mapped) files.

Public helpers:

- ``atomic_write(path)``: context manager yielding a temp path next to ``path``; on clean
  exit the temp file is fsynced and ``os.replace``-d onto ``path``, on error it is removed.
- ``write_bytes_atomic`` / ``write_text_atomic`` / ``save_array`` / ``load_array``
  (``.npy``, memory-mapped on load, never pickle) / ``write_doc_ids`` / ``read_doc_ids``.
- ``Manifest`` (frozen dataclass), ``read_manifest(directory)``,
  ``commit_manifest(directory, manifest)`` and ``check_manifest(...)``, which raises
  ``IndexMismatchError`` with a message that says what differs and what to do.
- ``next_generation(manifest)`` and ``generation_name(stem, generation, suffix)``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MANIFEST_NAME = "manifest.json"


class IndexMismatchError(Exception):
    """An index folder was written for another model, dimension, kind or format."""


class ArtifactError(Exception):
    """An index folder is unreadable: missing file, corrupt manifest, bad doc ids."""


@dataclass(frozen=True)
class Manifest:
    """What an index folder contains; serialised as ``manifest.json``.

    ``files`` maps a role ("vectors", "hnsw", ...) to a file name inside the folder;
    ``doc_ids`` names the file listing one document id per line, in row order.
    ``high_water_mark`` is the store ``seq`` up to which documents are indexed.
    """

    kind: str
    format_version: int
    model_name: str | None = None
    dim: int | None = None
    count: int = 0
    high_water_mark: int = 0
    generation: int = 0
    doc_ids: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, *, source: Path) -> Manifest:
        try:
            raw = json.loads(text)
            known = {name: raw[name] for name in cls.__dataclass_fields__ if name in raw}
            return cls(**known)
        except (ValueError, TypeError, KeyError) as exc:
            raise ArtifactError(
                f"{source}: the index manifest is unreadable ({exc}). "
                "Delete the index folder and rebuild it with `paperscope index`."
            ) from exc

    def all_files(self) -> list[str]:
        names = list(self.files.values())
        if self.doc_ids:
            names.append(self.doc_ids)
        return names


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextlib.contextmanager
def atomic_write(path: Path) -> Iterator[Path]:
    """Yield a temp path in ``path``'s folder; publish it on ``path`` only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates 0600 files; index files are meant to be readable by servers.
        os.chmod(tmp, 0o644)
        _fsync_file(tmp)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    with atomic_write(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def save_array(path: Path, array: npt.NDArray[Any]) -> None:
    """Write ``array`` as a plain ``.npy`` file (no pickle), atomically."""
    with atomic_write(path) as tmp, tmp.open("wb") as handle:
        np.save(handle, np.ascontiguousarray(array), allow_pickle=False)


def load_array(path: Path, *, mmap: bool = True) -> npt.NDArray[Any]:
    """Open a ``.npy`` file, memory-mapped read-only by default."""
    try:
        array: npt.NDArray[Any] = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError as exc:
        raise ArtifactError(f"{path}: index file is missing; rebuild the index.") from exc
    except ValueError as exc:
        raise ArtifactError(f"{path}: index file is corrupt ({exc}); rebuild the index.") from exc
    return array


def write_doc_ids(path: Path, doc_ids: Sequence[str]) -> None:
    """One id per line, UTF-8. Empty lines are allowed (they mark deleted rows)."""
    for row, doc_id in enumerate(doc_ids):
        if "\n" in doc_id or "\r" in doc_id:
            raise ValueError(f"document id {doc_id!r} (row {row}) contains a line break")
    write_text_atomic(path, "".join(f"{doc_id}\n" for doc_id in doc_ids))


# Rows converted at a time by read_doc_ids: bounds its temporary index arrays.
_ID_ROWS_AT_ONCE = 262_144


def read_doc_ids(path: Path) -> npt.NDArray[np.uint8]:
    """The ids as a (rows, width) array of UTF-8 bytes, each row NUL-padded to the
    longest id. Built without a Python object per id, which at millions of ids would
    cost hundreds of MB of heap that the allocator keeps after they are freed."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except FileNotFoundError as exc:
        raise ArtifactError(f"{path}: document ids file is missing; rebuild the index.") from exc
    if len(data) and data[-1] != ord("\n"):
        raise ArtifactError(f"{path}: document ids file is cut short; rebuild the index.")
    ends = np.flatnonzero(data == ord("\n"))
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    lengths = ends - starts
    ids = np.zeros((len(ends), max(int(lengths.max(initial=0)), 1)), dtype=np.uint8)
    for first in range(0, len(ends), _ID_ROWS_AT_ONCE):
        chunk_starts = starts[first : first + _ID_ROWS_AT_ONCE]
        chunk_lengths = lengths[first : first + _ID_ROWS_AT_ONCE]
        rows = np.repeat(np.arange(len(chunk_starts)), chunk_lengths)
        columns = np.arange(len(rows)) - np.repeat(
            np.cumsum(chunk_lengths) - chunk_lengths, chunk_lengths
        )
        ids[first + rows, columns] = data[chunk_starts[rows] + columns]
    return ids


def read_manifest(directory: Path) -> Manifest | None:
    """The folder's manifest, or None when the folder holds no index yet."""
    path = directory / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return Manifest.from_json(text, source=path)


def check_manifest(
    manifest: Manifest,
    *,
    directory: Path,
    kind: str,
    format_version: int,
    also_reads: tuple[int, ...] = (),
    model_name: str | None = None,
    dim: int | None = None,
) -> None:
    """Refuse an index written for another kind, format, model or dimension. Formats in
    ``also_reads`` are older ones the caller still reads as they are."""
    if manifest.format_version in also_reads:
        format_version = manifest.format_version
    expected = {"kind": kind, "format_version": format_version}
    if model_name is not None:
        expected["model_name"] = model_name
    if dim is not None:
        expected["dim"] = dim
    found = asdict(manifest)
    differences = [
        f"{name} {found[name]!r} in the index, {value!r} requested"
        for name, value in expected.items()
        if found[name] != value
    ]
    if differences:
        raise IndexMismatchError(
            f"{directory}: the {kind} index was built differently ({'; '.join(differences)}). "
            "Mixing them would give meaningless results: rebuild it with "
            "`paperscope index --rebuild`, or point the data dir at a matching index."
        )


def next_generation(manifest: Manifest | None) -> int:
    return 1 if manifest is None else manifest.generation + 1


def generation_name(stem: str, generation: int, suffix: str) -> str:
    return f"{stem}.{generation:06d}{suffix}"


def commit_manifest(directory: Path, manifest: Manifest) -> Manifest:
    """Publish ``manifest`` (the commit point), then delete files it no longer uses."""
    missing = [name for name in manifest.all_files() if not (directory / name).exists()]
    if missing:
        raise ArtifactError(f"{directory}: refusing to commit, files not written: {missing}")
    committed = replace(manifest, created_at=manifest.created_at or now_iso())
    write_text_atomic(directory / MANIFEST_NAME, committed.to_json())
    remove_stale_files(directory, keep=committed.all_files())
    return committed


def remove_stale_files(directory: Path, *, keep: Sequence[str]) -> None:
    """Delete generation files and leftover temp files that the manifest doesn't name."""
    keep_set = {*keep, MANIFEST_NAME}
    for path in directory.iterdir():
        if path.name in keep_set or not path.is_file():
            continue
        if _is_generation_file(path.name) or path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)


def _is_generation_file(name: str) -> bool:
    parts = name.split(".")
    return len(parts) >= 3 and len(parts[1]) == 6 and parts[1].isdigit()


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every platform allows opening a directory.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
