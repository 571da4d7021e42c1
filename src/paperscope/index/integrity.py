"""`paperscope db check`, the index half: each index's manifest against the store.
An index should hold every paper up to its high-water mark (missing ids: search
would not find them) and nothing the store no longer has (stale ids: search would
show papers that lead nowhere); its manifest count should match what it holds."""

from __future__ import annotations

from collections.abc import Iterable

from paperscope.config import Settings
from paperscope.index import artifacts
from paperscope.index.artifacts import ArtifactError, IndexMismatchError
from paperscope.index.catch_up import dense_index_dir, lexical_index_dir
from paperscope.store import Store
from paperscope.store.integrity import MAX_LISTED, CheckSection, iter_paper_seqs
from paperscope.store.papers import max_seq

FIX = "run `paperscope index` (or `paperscope index --rebuild`)"


def _listed(ids: Iterable[str]) -> str:
    ordered = sorted(ids)
    shown = ", ".join(ordered[:MAX_LISTED])
    more = len(ordered) - MAX_LISTED
    return shown + (f" … and {more} more" if more > 0 else "")


def _compare(
    section: CheckSection,
    store: Store,
    indexed: list[str],
    high_water_mark: int,
    manifest_count: int,
    needs_text: bool,
) -> None:
    held = set(indexed)
    if len(held) != len(indexed):
        section.problems.append(f"{len(indexed) - len(held)} id(s) appear twice")
    if manifest_count != len(held):
        section.problems.append(
            f"the manifest counts {manifest_count} documents, the index holds {len(held)}"
        )
    missing: list[str] = []
    for paper_id, seq, has_text in iter_paper_seqs(store=store):
        if paper_id in held:
            held.discard(paper_id)
        elif seq <= high_water_mark and (has_text or not needs_text):
            missing.append(paper_id)
    if missing:
        section.problems.append(f"{len(missing)} paper(s) missing: {_listed(missing)}; {FIX}")
    if held:
        section.problems.append(f"{len(held)} stale id(s) no longer stored: {_listed(held)}; {FIX}")
    newer = max_seq(store=store) > high_water_mark
    section.notes.append(
        f"{len(indexed)} documents, up to change {high_water_mark}"
        + (" (newer changes wait for `paperscope index`)" if newer else "")
    )


def check_lexical(*, settings: Settings, store: Store) -> CheckSection:
    from paperscope.index.lexical import LexicalIndex
    from paperscope.index.lexical_compile import Filters

    section = CheckSection("lexical index")
    directory = lexical_index_dir(settings)
    try:
        if artifacts.read_manifest(directory) is None:
            section.notes.append("not built yet")
            return section
        index = LexicalIndex.open(directory, create=False)
    except (ArtifactError, IndexMismatchError) as exc:
        section.problems.append(str(exc))
        return section
    try:
        ids = index.filtered_ids(Filters(), limit=max(len(index), 1))
        manifest = artifacts.read_manifest(directory)
        count = manifest.count if manifest else 0
        _compare(section, store, ids, index.high_water_mark, count, needs_text=False)
    finally:
        index.close()
    return section


def check_dense(*, settings: Settings, store: Store) -> CheckSection:
    from paperscope.index.dense import DenseIndex

    section = CheckSection("dense index")
    directory = dense_index_dir(settings)
    try:
        manifest = artifacts.read_manifest(directory)
        if manifest is None:
            section.notes.append("not built yet")
            return section
        index = DenseIndex.open(
            directory,
            model_name=manifest.model_name or "",
            dim=manifest.dim or 0,
            create=False,
        )
    except (ArtifactError, IndexMismatchError, OSError, ValueError) as exc:
        section.problems.append(f"{directory}: {exc}")
        return section
    _compare(section, store, index.ids(), index.high_water_mark, manifest.count, needs_text=True)
    return section
