"""The lexical index: BM25 over title, abstract and authors, on disk with tantivy.

Why tantivy: on 1M abstract-like documents it built in 47 s and answered OR queries in
3.6 ms (p50), against 443 ms for SQLite FTS5 and 67 ms for bm25s (docs/search.md has the
comparison). Its segments are memory-mapped, its commits are atomic, and it supports
per-document deletes, so updates never need a rebuild.

Interface used by search and by ``paperscope index``::

    index = LexicalIndex.open(directory)              # creates an empty one if needed
    index.upsert(papers); index.remove(paper_ids)     # buffered in a writer
    index.commit(high_water_mark=seq)                 # tantivy commit, then manifest
    index.search(node, filters=..., limit=20)         # LexicalResult(hits, total)
    index.scores_for(paper_ids, node)                 # BM25 of given papers only
    index.matching(paper_ids, filters)                # which of them pass the filters

Queries arrive as the tree search/query.py parses from what the user typed;
index/lexical_compile.py turns it into tantivy queries. Text analysis (one analyzer for
every text field, compound words) is in index/analysis.py.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperscope.index import artifacts
from paperscope.index.analysis import (
    LABEL_ANALYZER,
    NAME_ANALYZER,
    TEXT_ANALYZER,
    UNDATED,
    analyzers,
    category_labels,
    clean_text,
    compound_tokens,
    import_tantivy,
    name_spellings,
    normalise_doi,
    paper_day,
    paper_key,
    paper_month,
)
from paperscope.index.artifacts import ArtifactError, Manifest
from paperscope.index.lexical_compile import (
    COMMON_PART_SHARE,
    Filters,
    PartCounts,
    QueryCompiler,
    QueryNode,
    Weights,
    joined,
)
from paperscope.models import Facets, Paper

KIND = "lexical"
# Bump when the schema or the analyzers change: old indexes are then refused (and
# `paperscope index` rebuilds the lexical index from the store).
FORMAT_VERSION = 4  # 4: doi, category and month fields (id lookup, facets)
TANTIVY_FOLDER = "tantivy"
_WRITER_HEAP = 128_000_000
FACET_CATEGORIES = 20  # categories listed beside results, most matches first
MAX_FACET_MONTHS = 600  # the chart covers at most the last 50 years of matches
KEY_RANGE = 2**63  # paper_key values lie in [0, KEY_RANGE)
FILTER_COUNTS_KEPT = 64  # distinct filters whose match counts are remembered


@dataclass(frozen=True)
class LexicalResult:
    hits: list[tuple[str, float]]  # (paper_id, score): BM25, or the day number when sorted
    total: int


@dataclass
class _Pending:
    upserts: dict[str, Paper] = field(default_factory=dict)
    removals: set[str] = field(default_factory=set)


def _build_schema() -> Any:
    tantivy = import_tantivy()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("paper_id", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("key", fast=True, indexed=False)
    builder.add_text_field("title", tokenizer_name=TEXT_ANALYZER)
    builder.add_text_field("abstract", tokenizer_name=TEXT_ANALYZER)
    builder.add_text_field("text", tokenizer_name=TEXT_ANALYZER)
    # Whole multi-part words of title and abstract (see compound_token); no positions.
    builder.add_text_field("compounds", tokenizer_name="raw", index_option="freq")
    builder.add_text_field("authors", tokenizer_name=NAME_ANALYZER)
    builder.add_text_field("categories", tokenizer_name=LABEL_ANALYZER, index_option="basic")
    builder.add_text_field("sources", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("day", fast=True, indexed=True)
    # For facets: each full category as a column for terms aggregation, and the month
    # number of paper_month. The DOI field is no longer read (identifiers are looked
    # up in the store, search/identifiers.py); it stays so that indexes of format 4
    # open without a rebuild, and goes at the next format change.
    builder.add_text_field("doi", tokenizer_name=LABEL_ANALYZER, index_option="basic")
    builder.add_text_field("category", tokenizer_name="raw", fast=True, index_option="basic")
    builder.add_integer_field("month", fast=True, indexed=False)
    return builder.build()


class LexicalIndex:
    """A tantivy index folder plus the paperscope manifest that records its
    high-water mark. One writer at a time (tantivy holds a lock file); any number of
    readers, which see new commits after ``reload()``."""

    def __init__(self, directory: Path, manifest: Manifest | None, index: Any) -> None:
        self.directory = directory
        self.weights = Weights()
        # Parts of words ("4" of "GPT-4") in more than this share of the papers are left
        # out of queries (index/lexical_compile.py); 1.0 keeps every part.
        self.common_part_share = COMMON_PART_SHARE
        self._manifest = manifest
        self.high_water_mark = manifest.high_water_mark if manifest else 0
        self._index = index
        self._schema = index.schema
        self._writer: Any = None
        self._pending = _Pending()
        self._lock = threading.Lock()
        # Papers passing each recent filter, per index state: a filtered dense search
        # needs the count to choose its strategy, and counting a broad filter walks
        # every match (6 ms for one category of 2.5M papers) for a number that only
        # a commit changes.
        self._filter_counts: OrderedDict[tuple[Filters, int, int], int] = OrderedDict()
        self._counts_lock = threading.Lock()  # not _lock: a commit holds that for seconds

    @classmethod
    def open(cls, directory: Path, *, create: bool = True) -> LexicalIndex:
        manifest = artifacts.read_manifest(directory)
        if manifest is None and not create:
            raise ArtifactError(
                f"{directory}: no lexical index here yet; build it with `paperscope index`."
            )
        if manifest is not None:
            artifacts.check_manifest(
                manifest, directory=directory, kind=KIND, format_version=FORMAT_VERSION
            )
        folder = directory / TANTIVY_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        tantivy = import_tantivy()
        try:
            index = tantivy.Index(_build_schema(), path=str(folder), reuse=True)
        except (OSError, ValueError) as exc:
            raise ArtifactError(
                f"{folder}: the lexical index cannot be opened ({exc}). "
                "Rebuild it with `paperscope index --rebuild`."
            ) from exc
        for name, analyzer in analyzers().items():
            index.register_tokenizer(name, analyzer)
        return cls(directory, manifest, index)

    # -- writing -------------------------------------------------------------------

    def upsert(self, papers: Iterable[Paper]) -> None:
        """Add papers or replace their earlier version; visible after ``commit``."""
        for paper in papers:
            self._pending.removals.discard(paper.paper_id)
            self._pending.upserts[paper.paper_id] = paper

    def remove(self, paper_ids: Iterable[str]) -> None:
        for paper_id in paper_ids:
            self._pending.upserts.pop(paper_id, None)
            self._pending.removals.add(paper_id)

    def commit(self, *, high_water_mark: int | None = None) -> None:
        """Write pending changes (one tantivy commit), then record ``high_water_mark``
        in the manifest. A crash in between only means the last batch is indexed again,
        which is harmless: every upsert deletes the paper's earlier document first."""
        with self._lock:
            writer = self._open_writer()
            pending, self._pending = self._pending, _Pending()
            for paper_id in (*pending.removals, *pending.upserts):
                writer.delete_documents_by_term("paper_id", paper_id)
            for paper in pending.upserts.values():
                writer.add_document(self._document(paper))
            writer.commit()
            self._index.reload()
            self._forget_counts()
            if high_water_mark is not None:
                self.high_water_mark = high_water_mark
            self._write_manifest()

    def clear(self) -> None:
        """Delete every document (for ``paperscope index --rebuild``)."""
        with self._lock:
            writer = self._open_writer()
            writer.delete_all_documents()
            writer.commit()
            self._index.reload()
            self._forget_counts()
            self._pending = _Pending()
            self.high_water_mark = 0
            self._write_manifest()

    def close(self) -> None:
        """Release the writer lock so another process can write."""
        with self._lock:
            if self._writer is not None:
                self._writer.wait_merging_threads()
                self._writer = None

    def _open_writer(self) -> Any:
        if self._writer is None:
            try:
                self._writer = self._index.writer(_WRITER_HEAP, 1)
            except ValueError as exc:
                raise ArtifactError(
                    f"{self.directory}: another process is writing the lexical index "
                    f"({exc}). Wait for it to finish, then run `paperscope index` again."
                ) from exc
        return self._writer

    def _document(self, paper: Paper) -> Any:
        tantivy = import_tantivy()
        doc = tantivy.Document()
        doc.add_text("paper_id", paper.paper_id)
        doc.add_integer("key", paper_key(paper.paper_id))
        title, abstract = clean_text(paper.title), clean_text(paper.abstract)
        doc.add_text("title", title)
        doc.add_text("abstract", abstract)
        text = f"{title}\n{abstract}"
        doc.add_text("text", text)
        for compound in compound_tokens(text):
            doc.add_text("compounds", compound)
        for author in paper.authors:
            for spelling in name_spellings(author):
                doc.add_text("authors", spelling)
        for label in category_labels(paper.categories):
            doc.add_text("categories", label)
        for source in paper.sources or (paper.source,):
            doc.add_text("sources", source)
        doc.add_integer("day", paper_day(paper))
        if paper.doi:
            doc.add_text("doi", normalise_doi(paper.doi))
        for category in paper.categories:
            doc.add_text("category", category)
        month = paper_month(paper)
        if month is not None:
            doc.add_integer("month", month)
        return doc

    def _write_manifest(self) -> None:
        manifest = Manifest(
            kind=KIND,
            format_version=FORMAT_VERSION,
            count=len(self),
            high_water_mark=self.high_water_mark,
            generation=artifacts.next_generation(self._manifest),
            extra={"engine": "tantivy", "folder": TANTIVY_FOLDER, "analyzer": TEXT_ANALYZER},
        )
        self._manifest = artifacts.commit_manifest(self.directory, manifest)

    # -- reading -------------------------------------------------------------------

    def reload(self) -> None:
        """See commits made since opening (by this or another process)."""
        self._index.reload()
        self._forget_counts()
        manifest = artifacts.read_manifest(self.directory)
        if manifest is not None:
            self._manifest = manifest
            self.high_water_mark = manifest.high_water_mark

    def _forget_counts(self) -> None:
        with self._counts_lock:
            self._filter_counts.clear()

    def __len__(self) -> int:
        return int(self._index.searcher().num_docs)

    def __contains__(self, paper_id: object) -> bool:
        if not isinstance(paper_id, str):
            return False
        # doc_freq would still count deleted documents; a search does not.
        query = import_tantivy().Query.term_query(self._schema, "paper_id", paper_id)
        return int(self._index.searcher().search(query, 1, count=True).count or 0) > 0

    def search(
        self,
        node: QueryNode | None,
        *,
        filters: Filters = Filters(),
        limit: int = 20,
        offset: int = 0,
        sort: str = "relevance",
    ) -> LexicalResult:
        """Papers matching ``node`` (all papers when None) and ``filters``, by BM25 or,
        with ``sort`` "newest"/"oldest", by date. ``total`` counts every match."""
        tantivy = import_tantivy()
        query = self._with_filters(self.to_query(node), filters)
        searcher = self._index.searcher()
        options: dict[str, Any] = {}
        if sort in ("newest", "oldest"):
            options["order_by_field"] = "day"
            options["order"] = tantivy.Order.Asc if sort == "oldest" else tantivy.Order.Desc
        result = searcher.search(query, max(limit, 1), count=True, offset=offset, **options)
        kept = result.hits[: max(limit, 0)]
        ids = self._paper_ids(searcher, [address for _, address in kept])
        hits = [(pid, float(score)) for pid, (score, _) in zip(ids, kept, strict=True)]
        return LexicalResult(hits=hits, total=int(result.count or 0))

    def document_count(self, token: str) -> int:
        """Papers whose title or abstract holds the index token ``token`` (deleted
        papers may still count until segments merge: fine for suggestions)."""
        return self.document_counter()(token)

    def document_counter(self) -> Callable[[str], int]:
        """``document_count`` on one searcher, for many look-ups in a row (a query's
        words, a misspelling's neighbours) without acquiring a searcher for each."""
        searcher = self._index.searcher()
        return lambda token: int(searcher.doc_freq("text", token))

    def facets(
        self,
        node: QueryNode | None,
        *,
        filters: Filters = Filters(),
        also: Iterable[str] = (),
        lexical: bool = True,
        categories: int = FACET_CATEGORIES,
        sample: float = 1.0,
    ) -> Facets:
        """Counts per category, year and month of the papers that match ``node``
        (when ``lexical``) or are among ``also``, and pass ``filters``. Tantivy
        aggregates its columns, so no document is loaded whatever the match count.
        With ``sample`` below 1, only the papers whose ``key`` (a hash of the id,
        uniform over 63 bits) falls in the first ``sample`` of its range are counted,
        and the counts are scaled back up: an estimate for a fraction of the work."""
        tantivy = import_tantivy()
        parts = [self.to_query(node)] if lexical and node is not None else []
        if lexical and node is None:
            parts = [tantivy.Query.all_query()]
        extra = sorted(set(also))
        if extra:
            parts.append(self._paper_id_query(extra))
        parts = [part for part in parts if part is not None]
        if not parts:
            return Facets((), (), ())
        query = (
            parts[0]
            if len(parts) == 1
            else tantivy.Query.boolean_query([(tantivy.Occur.Should, part) for part in parts])
        )
        spec = {
            "categories": {
                "terms": {"field": "category", "size": categories, "segment_size": 1_000}
            },
            "months": {"histogram": {"field": "month", "interval": 1}},
        }
        query = self._with_filters(query, filters)
        if sample < 1.0:
            share = tantivy.Query.range_query(
                self._schema, "key", tantivy.FieldType.Integer, 0, int(KEY_RANGE * sample) - 1
            )
            query = joined(query, share)
        found = self._index.searcher().aggregate(query, spec)
        facets = facets_from_aggregation(found)
        return facets if sample >= 1.0 else scaled(facets, sample)

    def count(self, filters: Filters) -> int:
        """Papers passing ``filters``; remembered until the index changes: forgotten
        on ``commit`` and ``reload``, and keyed by the live document and segment
        counts, which tell most changes that another process made apart too."""
        searcher = self._index.searcher()
        key = (filters, int(searcher.num_docs), int(searcher.num_segments))
        with self._counts_lock:
            known = self._filter_counts.get(key)
            if known is not None:
                self._filter_counts.move_to_end(key)
                return known
        query = self._with_filters(None, filters)
        # tantivy panics on a zero limit.
        found = int(searcher.search(query, 1, count=True).count or 0)
        with self._counts_lock:
            self._filter_counts[key] = found
            while len(self._filter_counts) > FILTER_COUNTS_KEPT:
                self._filter_counts.popitem(last=False)
        return found

    def scores_for(self, paper_ids: Sequence[str], node: QueryNode | None) -> dict[str, float]:
        """BM25 scores of ``paper_ids`` for ``node``; papers that do not match are
        left out. Lets fusion know the lexical score of dense-only candidates."""
        if node is None or not paper_ids:
            return {}
        # The candidates also go inside every phrase, not only around the whole query:
        # a union scores whole 4,096-document windows around each document it is asked
        # to seek to, so with the outer filter alone a phrase of two common words
        # checked word positions in most documents of a large index (44 ms for one
        # query at a million papers, against 11 ms this way). Joining the
        # candidates to plain terms as well was measured slower: each join builds its
        # own candidate set, and a 15-word query has 45 field terms.
        candidates = import_tantivy().Query.const_score_query(self._paper_id_query(paper_ids), 0.0)
        query = self.to_query(node, within=candidates)
        if query is None:
            return {}
        found = self._keys(joined(query, candidates), Filters(), len(paper_ids))
        by_key = {paper_key(pid): pid for pid in paper_ids}
        return {by_key[key]: score for key, score in found if key in by_key}

    def matching(self, paper_ids: Sequence[str], filters: Filters) -> set[str]:
        """The subset of ``paper_ids`` that passes ``filters``."""
        if not filters.active:
            return set(paper_ids)
        narrowed = Filters(
            categories=filters.categories,
            authors=filters.authors,
            date_from=filters.date_from,
            date_to=filters.date_to,
            sources=filters.sources,
            paper_ids=frozenset(paper_ids)
            if filters.paper_ids is None
            else filters.paper_ids.intersection(paper_ids),
        )
        by_key = {paper_key(pid): pid for pid in paper_ids}
        return {
            by_key[key] for key, _ in self._keys(None, narrowed, len(paper_ids)) if key in by_key
        }

    def filtered_ids(self, filters: Filters, *, limit: int) -> list[str]:
        """Every paper passing ``filters`` (at most ``limit``), for exact dense scoring
        of selective filters."""
        searcher = self._index.searcher()
        query = self._with_filters(None, filters)
        result = searcher.search(query, max(limit, 1), count=False)
        return self._paper_ids(searcher, [address for _, address in result.hits])

    def filter_keys(self, filters: Filters, *, limit: int) -> list[int]:
        """``paper_key`` of every paper passing ``filters`` (at most ``limit``), read
        from a fast field: no stored document is loaded."""
        return [key for key, _ in self._keys(None, filters, limit)]

    def days_for(self, paper_ids: Sequence[str]) -> dict[str, int]:
        """The day number (``paper_day``) of each given paper, for date sorting."""
        if not paper_ids:
            return {}
        searcher = self._index.searcher()
        query = self._with_filters(None, Filters(paper_ids=frozenset(paper_ids)))
        addresses = [a for _, a in searcher.search(query, len(paper_ids), count=False).hits]
        if not addresses:
            return {}
        keys = searcher.fast_field_values("key", addresses)
        days = searcher.fast_field_values("day", addresses)
        by_key = {paper_key(pid): pid for pid in paper_ids}
        return {
            by_key[int(k)]: int(d if d is not None else UNDATED)
            for k, d in zip(keys, days, strict=True)
            if k is not None and int(k) in by_key
        }

    def _keys(self, query: Any, filters: Filters, limit: int) -> list[tuple[int, float]]:
        searcher = self._index.searcher()
        result = searcher.search(self._with_filters(query, filters), max(limit, 1), count=False)
        addresses = [address for _, address in result.hits]
        keys = searcher.fast_field_values("key", addresses) if addresses else []
        return [
            (int(k), float(s)) for k, (s, _) in zip(keys, result.hits, strict=True) if k is not None
        ]

    @staticmethod
    def _paper_ids(searcher: Any, addresses: list[Any]) -> list[str]:
        return [str(searcher.doc(address)["paper_id"][0]) for address in addresses]

    # -- query compilation ---------------------------------------------------------

    def to_query(self, node: QueryNode | None, *, within: Any = None) -> Any:
        """The tantivy query for ``node`` with this index's field weights (see
        index/lexical_compile.py); None when nothing searchable is left. Common parts
        of words are told by the papers the index holds now."""
        counts = PartCounts(self.document_counter(), len(self), self.common_part_share)
        return QueryCompiler(self._schema, self.weights, counts).to_query(node, within=within)

    def _with_filters(self, query: Any, filters: Filters) -> Any:
        return QueryCompiler(self._schema, self.weights).with_filters(query, filters)

    def _paper_id_query(self, paper_ids: Iterable[str]) -> Any:
        return QueryCompiler(self._schema, self.weights).paper_id_query(paper_ids)


def facets_from_aggregation(found: dict[str, Any]) -> Facets:
    """tantivy's aggregation answer -> Facets: months with gaps filled (a chart shows
    quiet months too), years summed from the months."""
    category_buckets = found.get("categories", {}).get("buckets", [])
    categories = tuple(
        (str(b["key"]), int(b["doc_count"])) for b in category_buckets if int(b["doc_count"]) > 0
    )
    counts = {
        int(b["key"]): int(b["doc_count"])
        for b in found.get("months", {}).get("buckets", [])
        if int(b["doc_count"]) > 0
    }
    if not counts:
        return Facets(categories, (), ())
    # A stray ancient date must not make the chart thousands of months wide.
    first = max(min(counts), max(counts) - MAX_FACET_MONTHS + 1)
    months = tuple(
        (f"{number // 12:04d}-{number % 12 + 1:02d}", counts.get(number, 0))
        for number in range(first, max(counts) + 1)
    )
    years: dict[int, int] = {}
    for number, count in counts.items():
        years[number // 12] = years.get(number // 12, 0) + count
    return Facets(categories, tuple(sorted(years.items())), months)


def scaled(facets: Facets, sample: float) -> Facets:
    """Counts of a ``sample`` of the matches scaled up to the whole match set."""

    def up(count: int) -> int:
        return round(count / sample)

    return Facets(
        categories=tuple((name, up(count)) for name, count in facets.categories),
        years=tuple((year, up(count)) for year, count in facets.years),
        months=tuple((month, up(count)) for month, count in facets.months),
        sample=sample,
    )
