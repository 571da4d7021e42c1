"""Publishing index generations to a shared place, and fetching them back.

One indexer builds the lexical and dense indexes in its ``DATA_DIR/index`` (see
catch_up.py), then publishes a copy to ``INDEX_URL``: a folder on shared storage or any
fsspec address. Serving instances poll the pointer and fetch new generations into a
local cache (search/following.py). Layout under ``INDEX_URL``::

    objects/<sha256>                     file contents, written once, never changed
    generations/<name>.json              a generation: relative path -> sha256 and size
                                         (lexical/..., dense/..., recommend/...)
    CURRENT.json                         {"generation": "<name>", ...}: the commit point

Publishing uploads the objects a generation needs (skipping those already there), then
its generation file, and writes ``CURRENT.json`` last (temp + rename on a filesystem, a
single put on an object store). An indexer killed at any moment therefore leaves the
pointer on the previous, complete generation; what it had uploaded is unreferenced and
collected by the next publish. Objects are written under a temp name and renamed, so a
half-written object never carries a final name; fetching checks every sha256 anyway.

    published = publish_generation(settings=settings)       # after `paperscope index`
    pointer = read_pointer(settings.index_url)
    root = fetch_generation(settings=settings, name=pointer.generation)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperscope.index.artifacts import ArtifactError
from paperscope.index.catch_up import dense_index_dir, index_root, lexical_index_dir

if TYPE_CHECKING:
    from paperscope.config import Settings

log = logging.getLogger("paperscope.index")

FORMAT_VERSION = 1
POINTER_NAME = "CURRENT.json"
GENERATION_FILE = "GENERATION.json"  # the generation's description, kept in local copies
CACHE_FOLDER = "index-cache"
RECOMMEND_PART = "recommend"  # DATA_DIR/recommend, the recommendation candidates
_CHUNK = 1 << 20
# Files an index folder may hold that are not part of the index: tantivy's lock files
# and our own unfinished temp files.
_SKIPPED_SUFFIXES = (".lock", ".tmp")

# Called after each object is uploaded, with its relative path: lets a test stop an
# indexer between two files; unused in production.
FileHook = Callable[[str], None]


class PublishError(Exception):
    """INDEX_URL cannot be read or written, or a generation there is damaged."""


@dataclass(frozen=True, slots=True)
class FileEntry:
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Generation:
    name: str
    files: dict[str, FileEntry]  # path relative to the index root ("lexical/...")
    content: str  # digest of the file list: equal content means nothing new to publish
    created_at: str

    def to_json(self) -> str:
        raw = {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "content": self.content,
            "created_at": self.created_at,
            "files": {p: {"sha256": e.sha256, "size": e.size} for p, e in self.files.items()},
        }
        return json.dumps(raw, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str) -> Generation:
        try:
            raw = json.loads(text)
            if raw["format_version"] != FORMAT_VERSION:
                raise ValueError(f"format {raw['format_version']}, this version reads 1")
            files = {
                str(p): FileEntry(sha256=str(e["sha256"]), size=int(e["size"]))
                for p, e in raw["files"].items()
            }
            for path in files:
                _check_relative(path)
            return cls(str(raw["name"]), files, str(raw["content"]), str(raw["created_at"]))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise PublishError(f"{source}: unreadable generation file ({exc})") from exc


@dataclass(frozen=True, slots=True)
class Pointer:
    generation: str
    published_at: str


@dataclass(frozen=True, slots=True)
class Published:
    generation: str
    uploaded: int  # objects uploaded (the others were already there)
    files: int
    changed: bool  # False: the index had not changed since the current generation


# -- the shared place -------------------------------------------------------------------


class Remote:
    """INDEX_URL through fsspec; on a local filesystem, renames are atomic replaces."""

    def __init__(self, url: str) -> None:
        import fsspec

        try:
            self.fs, root = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as exc:
            raise PublishError(f"INDEX_URL {url!r} cannot be used: {exc}") from exc
        self.url = url
        self.root = root.rstrip("/")
        self.local = "file" in _protocols(self.fs) or "local" in _protocols(self.fs)

    def path(self, *parts: str) -> str:
        return "/".join((self.root, *parts))

    def read(self, *parts: str) -> bytes | None:
        try:
            data: bytes = self.fs.cat_file(self.path(*parts))
        except FileNotFoundError:
            return None
        return data

    def exists(self, *parts: str) -> bool:
        return bool(self.fs.exists(self.path(*parts)))

    def write_atomic(
        self, parts: tuple[str, ...], *, data: bytes | None = None, source: Path | None = None
    ) -> None:
        """Give ``parts`` its content in one step: readers see the old or the new."""
        final = self.path(*parts)
        parent = final.rsplit("/", 1)[0]
        self.fs.makedirs(parent, exist_ok=True)
        if not self.local:  # an object store's put is already all or nothing
            self._put(final, data=data, source=source)
            return
        tmp = f"{parent}/.{parts[-1]}.{uuid.uuid4().hex}.tmp"
        try:
            self._put(tmp, data=data, source=source)
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, final)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def _put(self, path: str, *, data: bytes | None, source: Path | None) -> None:
        if source is not None:
            self.fs.put_file(str(source), path)
        else:
            self.fs.pipe_file(path, data or b"")

    def listing(self, *parts: str) -> list[str]:
        try:
            names = self.fs.ls(self.path(*parts), detail=False)
        except FileNotFoundError:
            return []
        return [str(name).rstrip("/").rsplit("/", 1)[-1] for name in names]

    def remove(self, *parts: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self.path(*parts))

    def fetch(self, parts: tuple[str, ...], target: Path) -> None:
        self.fs.get_file(self.path(*parts), str(target))


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


# -- publishing -------------------------------------------------------------------------


@contextlib.contextmanager
def indexer_lock(settings: Settings) -> Iterator[None]:
    """Only one `paperscope index` at a time on this data folder: a second one waits."""
    folder = index_root(settings)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".indexer.lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def publish_generation(*, settings: Settings, on_file: FileHook | None = None) -> Published:
    """Publish the local indexes as a new generation at ``settings.index_url`` (files
    first, pointer last), then delete generations and objects no longer needed."""
    if not settings.index_url:
        raise PublishError("INDEX_URL is not set: there is nowhere to publish to")
    remote = Remote(settings.index_url)
    files = _local_files(settings)
    if not any(path.startswith("lexical/") for path in files):
        raise PublishError(f"{lexical_index_dir(settings)}: no index to publish yet")
    entries = {rel: FileEntry(_sha256(path), path.stat().st_size) for rel, path in files.items()}
    content = _content_digest(entries)
    current = read_pointer(settings.index_url)
    if current is not None and _content_of(remote, current.generation) == content:
        return Published(current.generation, 0, len(files), changed=False)
    uploaded = 0
    for rel, entry in sorted(entries.items()):
        if not remote.exists("objects", entry.sha256):
            remote.write_atomic(("objects", entry.sha256), source=files[rel])
            uploaded += 1
        if on_file is not None:
            on_file(rel)
    generation = Generation(_new_name(content), entries, content, _now())
    remote.write_atomic(
        ("generations", f"{generation.name}.json"), data=generation.to_json().encode()
    )
    pointer = {"generation": generation.name, "published_at": _now()}
    remote.write_atomic((POINTER_NAME,), data=json.dumps(pointer).encode())
    collect_garbage(
        remote=remote,
        keep=settings.index_keep_generations,
        grace_seconds=settings.index_grace_seconds,
    )
    return Published(generation.name, uploaded, len(files), changed=True)


def _local_files(settings: Settings) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for part, folder in (
        ("lexical", lexical_index_dir(settings)),
        ("dense", dense_index_dir(settings)),
    ):
        if (folder / "manifest.json").exists():
            found.update(_files_under(folder, part))
    # The recommendation candidates (rank/recommend/candidates.py): the live build only.
    recommend = settings.data_dir / RECOMMEND_PART
    pointer = recommend / "CURRENT"
    if pointer.exists():
        build = pointer.read_text().strip()
        if build and (recommend / build / "manifest.json").exists():
            found[f"{RECOMMEND_PART}/CURRENT"] = pointer
            found.update(_files_under(recommend / build, f"{RECOMMEND_PART}/{build}"))
    return found


def _files_under(folder: Path, prefix: str) -> dict[str, Path]:
    return {
        f"{prefix}/{path.relative_to(folder).as_posix()}": path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.endswith(_SKIPPED_SUFFIXES)
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _content_digest(entries: dict[str, FileEntry]) -> str:
    digest = hashlib.sha256()
    for rel, entry in sorted(entries.items()):
        digest.update(f"{rel}\0{entry.sha256}\n".encode())
    return digest.hexdigest()


def _content_of(remote: Remote, name: str) -> str | None:
    data = remote.read("generations", f"{name}.json")
    if data is None:
        return None
    return Generation.from_json(data, source=remote.path("generations", name)).content


def _new_name(content: str) -> str:
    # Sorts by time: the newest generations are the last names.
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{content[:8]}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def collect_garbage(*, remote: Remote, keep: int, grace_seconds: float) -> int:
    """Delete generations beyond the newest ``keep`` (once their successor is older than
    the grace period) and the objects no kept generation uses. Returns objects deleted."""
    pointer = _read_pointer(remote)
    names = sorted(n[:-5] for n in remote.listing("generations") if n.endswith(".json"))
    if pointer is None or pointer.generation not in names:
        return 0  # never collect around a pointer we do not understand
    kept = {*names[-keep:], pointer.generation}
    for name, successor in itertools.pairwise(names):
        # Replaced only moments ago: instances may still be fetching or serving it.
        if _age(successor) < grace_seconds:
            kept.add(name)
    for name in names:
        if name not in kept:
            remote.remove("generations", f"{name}.json")
    used: set[str] = set()
    for name in kept:
        data = remote.read("generations", f"{name}.json")
        if data is not None:
            generation = Generation.from_json(data, source=name)
            used.update(entry.sha256 for entry in generation.files.values())
    removed = 0
    for name in remote.listing("objects"):
        if name not in used and not name.startswith("."):
            remote.remove("objects", name)
            removed += 1
    return removed


def _age(name: str) -> float:
    try:
        stamp = datetime.strptime(name.split("-", 1)[0], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    except ValueError:
        return float("inf")
    return (datetime.now(UTC) - stamp).total_seconds()


# -- reading --------------------------------------------------------------------------


def read_pointer(url: str) -> Pointer | None:
    """The generation INDEX_URL currently names, or None before the first publish."""
    return _read_pointer(Remote(url))


def _read_pointer(remote: Remote) -> Pointer | None:
    data = remote.read(POINTER_NAME)
    if data is None:
        return None
    try:
        raw = json.loads(data)
        return Pointer(generation=str(raw["generation"]), published_at=str(raw["published_at"]))
    except (ValueError, TypeError, KeyError) as exc:
        raise PublishError(f"{remote.path(POINTER_NAME)}: unreadable pointer ({exc})") from exc


def cache_root(settings: Settings) -> Path:
    return settings.data_dir / CACHE_FOLDER


def fetch_generation(*, settings: Settings, name: str) -> Path:
    """A local, complete copy of generation ``name`` (downloaded unless already here):
    the folder holding its ``lexical`` and ``dense`` indexes. Files unchanged since a
    generation already here are linked, not downloaded again."""
    if not settings.index_url:
        raise PublishError("INDEX_URL is not set: there is nothing to fetch")
    _check_relative(name)
    cache = cache_root(settings)
    target = cache / name
    if (target / GENERATION_FILE).exists():
        return target
    remote = Remote(settings.index_url)
    data = remote.read("generations", f"{name}.json")
    if data is None:
        raise PublishError(f"{remote.path('generations', name)}.json: generation is gone")
    generation = Generation.from_json(data, source=name)
    cache.mkdir(parents=True, exist_ok=True)
    staging = cache / f".{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        _download(remote, generation, staging, reusable=_local_copies(cache))
        (staging / GENERATION_FILE).write_bytes(data)
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / GENERATION_FILE).exists():  # another worker of this host won
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def local_generation(*, settings: Settings) -> Path:
    """The local copy of the generation INDEX_URL names now, fetched when new: for
    processes that open the index once per run (the digest worker)."""
    pointer = read_pointer(str(settings.index_url))
    if pointer is None:
        raise PublishError(f"nothing published at {settings.index_url} yet: run `paperscope index`")
    return fetch_generation(settings=settings, name=pointer.generation)


def _download(
    remote: Remote, generation: Generation, staging: Path, *, reusable: dict[str, Path]
) -> None:
    for rel, entry in sorted(generation.files.items()):
        path = staging / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        local = reusable.get(entry.sha256)
        if local is not None:
            try:
                os.link(local, path)
                continue
            except OSError:
                pass  # another filesystem, or the copy was just removed: download it
        remote.fetch(("objects", entry.sha256), path)
        if path.stat().st_size != entry.size or _sha256(path) != entry.sha256:
            raise PublishError(f"{remote.path('objects', entry.sha256)}: damaged copy of {rel}")


def _local_copies(cache: Path) -> dict[str, Path]:
    """sha256 -> a file of a complete local generation, to link instead of download."""
    found: dict[str, Path] = {}
    for folder in sorted(cache.iterdir(), reverse=True):
        description = folder / GENERATION_FILE
        if folder.name.startswith(".") or not description.exists():
            continue
        try:
            generation = Generation.from_json(description.read_bytes(), source=str(folder))
        except PublishError:
            continue
        for rel, entry in generation.files.items():
            found.setdefault(entry.sha256, folder / rel)
        break  # the newest one shares most files
    return found


def prune_cache(*, settings: Settings, in_use: str | None) -> list[str]:
    """Delete local generations older than the newest ``index_keep_generations``, and
    abandoned downloads, once untouched for the grace period; never ``in_use``."""
    cache = cache_root(settings)
    if not cache.exists():
        return []
    complete = sorted(p.name for p in cache.iterdir() if (p / GENERATION_FILE).exists())
    keep = {*complete[-settings.index_keep_generations :], in_use}
    removed = []
    now = time.time()
    for folder in cache.iterdir():
        if folder.name in keep or not folder.is_dir() or _download_running(folder.name):
            continue
        if now - folder.stat().st_mtime < settings.index_grace_seconds:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    return removed


def _download_running(folder_name: str) -> bool:
    """Whether a staging folder (``.<name>.<pid>.<random>.tmp``) belongs to a live process
    of this host, which may still be downloading into it."""
    parts = folder_name.split(".")
    if not folder_name.endswith(".tmp") or len(parts) < 4 or not parts[-3].isdigit():
        return False
    try:
        os.kill(int(parts[-3]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check_relative(path: str) -> None:
    """Names come from the shared place: refuse any that would leave the target folder."""
    parts = path.split("/")
    if (
        not path
        or path.startswith("/")
        or any(p in ("", ".", "..") for p in parts)
        or "\\" in path
        or "\0" in path
    ):
        raise PublishError(f"refusing unsafe path {path!r} in a generation")


__all__ = [
    "ArtifactError",
    "Generation",
    "Pointer",
    "PublishError",
    "Published",
    "cache_root",
    "collect_garbage",
    "fetch_generation",
    "indexer_lock",
    "local_generation",
    "prune_cache",
    "publish_generation",
    "read_pointer",
]
