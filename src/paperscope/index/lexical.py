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

Queries arrive as a small tree (``Text`` and ``Group``) that search/query.py builds from
what the user typed; this module turns it into tantivy queries, so user text never
reaches tantivy's own query parser and cannot make it raise.

Every text field goes through one analyzer (``analyze_word``): simple word split,
lower case, ASCII folding, English stop words, English (Snowball) stemming. LaTeX
commands are stripped before indexing.

A word of several parts ("GPT-4", "T-cell", "3.5", "patient's") is also indexed whole,
as the one token ``gpt 4`` of a ``compounds`` field. An unquoted such word in a query
scores its parts as words plus the whole word from that field: "GPT-4" (or "GPT–4")
first, then a spaced "GPT 4", then papers with one part. It used to be a phrase query,
which intersects the parts' posting lists and checks positions: for common parts
("high-level") that meant most of a large index (40-100 ms of BM25 for such queries
at a million papers in bench/search_bench.py's corpus, at most 26 ms now), and on
SciFact it ranked worse (BM25 nDCG@10 0.692 against 0.697). Quoted phrases and
field-restricted words (``ti:GPT-4``) stay phrases.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from paperscope.index import artifacts
from paperscope.index.artifacts import ArtifactError, Manifest
from paperscope.models import Paper

KIND = "lexical"
# Bump when the schema or the analyzers change: old indexes are then refused (and
# `paperscope index` rebuilds the lexical index from the store).
FORMAT_VERSION = 3
TANTIVY_FOLDER = "tantivy"
TEXT_ANALYZER = "paper_text"
NAME_ANALYZER = "person_name"
LABEL_ANALYZER = "label"
# Free text is scored on "text" (title and abstract as one field, so a word found in
# both counts once, as BM25 intends) plus a small title bonus and author names.
TEXT_FIELDS = ("text", "title", "authors")
UNDATED = -1_000_000  # day number of papers without any date: sorts after every real date
_WRITER_HEAP = 128_000_000
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?")
# Word characters as tantivy's simple tokenizer sees them (alphanumeric runs).
WORD = re.compile(r"[^\W_]+")
# Alphanumeric runs joined by punctuation without spaces: "GPT-4", "250,000", "kb/min".
# Anchored at word starts and possessive, so a plain word fails in one step instead of
# being retried from each of its letters (5x faster over whole abstracts).
_COMPOUND = re.compile(r"(?<![^\W_])[^\W_]++(?:(?:[^\w\s]|_)++[^\W_]++)+")

Occur = Literal["should", "must", "must_not"]
Field = Literal["title", "abstract", "authors", "categories"]


@dataclass(frozen=True, slots=True)
class Text:
    """Words to find. One word that analyses into several tokens ("GPT-4") and every
    quoted phrase are matched as phrases. ``field`` None means title and abstract (as
    one field, with a title bonus) and authors; "categories" matches a category or a
    whole archive."""

    words: tuple[str, ...]
    field: Field | None = None
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class Group:
    """Clauses combined the way Lucene does: a document must match every ``must``,
    no ``must_not`` and, when there is no ``must``, at least one ``should``."""

    clauses: tuple[tuple[Occur, Text | Group], ...]


Node = Text | Group


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions applied to every retriever. Within one tuple any value may match
    (cs.LG or cs.CL); different kinds must all match."""

    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    sources: tuple[str, ...] = ()
    paper_ids: frozenset[str] | None = None

    @property
    def active(self) -> bool:
        return bool(
            self.categories
            or self.authors
            or self.date_from
            or self.date_to
            or self.sources
            or self.paper_ids is not None
        )


@dataclass(frozen=True, slots=True)
class Weights:
    """Per-field boosts of each field's BM25 score, tuned on the SciFact train split
    (docs/search.md; bench/tune_fusion.py reruns the comparison)."""

    text: float = 1.0
    title: float = 0.3
    abstract: float = 1.0  # abs: queries only
    authors: float = 1.0


@dataclass(frozen=True)
class LexicalResult:
    hits: list[tuple[str, float]]  # (paper_id, score): BM25, or the day number when sorted
    total: int


@dataclass
class _Pending:
    upserts: dict[str, Paper] = field(default_factory=dict)
    removals: set[str] = field(default_factory=set)


def _import_tantivy() -> Any:
    import tantivy

    return tantivy


@functools.cache
def _analyzers() -> dict[str, Any]:
    tantivy = _import_tantivy()
    text = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stopword("english"))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )
    names = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )
    label = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw())
        .filter(tantivy.Filter.lowercase())
        .build()
    )
    return {TEXT_ANALYZER: text, NAME_ANALYZER: names, LABEL_ANALYZER: label}


@functools.lru_cache(maxsize=200_000)
def analyze_word(word: str) -> tuple[str, ...]:
    """Index tokens of one word of title or abstract text (``()`` for stop words)."""
    return tuple(_analyzers()[TEXT_ANALYZER].analyze(word))


@functools.lru_cache(maxsize=50_000)
def analyze_name(word: str) -> tuple[str, ...]:
    return tuple(_analyzers()[NAME_ANALYZER].analyze(word))


def word_tokens(word: str) -> list[str]:
    """Index tokens of one word as typed, split into its parts ("GPT-4" -> gpt, 4)."""
    return [token for part in WORD.findall(word) for token in analyze_word(part)]


def compound_token(tokens: Sequence[str]) -> str | None:
    """The ``compounds`` token of a word from its tokens ("GPT-4" -> "gpt 4"); None
    when fewer than two remain (stop words drop out: "state-of-the-art" -> "state art")."""
    return " ".join(tokens) if len(tokens) >= 2 else None


def compound_tokens(text: str) -> list[str]:
    """Every compound token of ``text``, repeats included (they count as term
    frequency)."""
    found = (compound_token(word_tokens(match.group())) for match in _COMPOUND.finditer(text))
    return [token for token in found if token is not None]


def clean_text(text: str) -> str:
    """What is indexed of a title or abstract: LaTeX commands (``\\mathcal``) removed,
    so they neither match queries nor inflate document lengths."""
    return _LATEX_COMMAND.sub(" ", text)


def paper_key(paper_id: str) -> int:
    """A stable 63-bit number per paper id, kept as a fast field so filters can be
    checked for many candidates without loading stored documents."""
    digest = hashlib.blake2b(paper_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def day_number(value: date | datetime | None) -> int:
    if value is None:
        return UNDATED
    if isinstance(value, datetime):
        value = value.date()
    return value.toordinal()


def paper_day(paper: Paper) -> int:
    """The date a paper is filtered and sorted by: first submission, else feed date."""
    return day_number(paper.submitted_at or paper.feed_date or paper.updated_at)


def _build_schema() -> Any:
    tantivy = _import_tantivy()
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
    return builder.build()


class LexicalIndex:
    """A tantivy index folder plus the paperscope manifest that records its
    high-water mark. One writer at a time (tantivy holds a lock file); any number of
    readers, which see new commits after ``reload()``."""

    def __init__(self, directory: Path, manifest: Manifest | None, index: Any) -> None:
        self.directory = directory
        self.weights = Weights()
        self._manifest = manifest
        self.high_water_mark = manifest.high_water_mark if manifest else 0
        self._index = index
        self._schema = index.schema
        self._writer: Any = None
        self._pending = _Pending()
        self._lock = threading.Lock()

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
        tantivy = _import_tantivy()
        try:
            index = tantivy.Index(_build_schema(), path=str(folder), reuse=True)
        except (OSError, ValueError) as exc:
            raise ArtifactError(
                f"{folder}: the lexical index cannot be opened ({exc}). "
                "Rebuild it with `paperscope index --rebuild`."
            ) from exc
        for name, analyzer in _analyzers().items():
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
        tantivy = _import_tantivy()
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
            doc.add_text("authors", author)
        for label in _category_labels(paper.categories):
            doc.add_text("categories", label)
        for source in paper.sources or (paper.source,):
            doc.add_text("sources", source)
        doc.add_integer("day", paper_day(paper))
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
        manifest = artifacts.read_manifest(self.directory)
        if manifest is not None:
            self._manifest = manifest
            self.high_water_mark = manifest.high_water_mark

    def __len__(self) -> int:
        return int(self._index.searcher().num_docs)

    def __contains__(self, paper_id: object) -> bool:
        if not isinstance(paper_id, str):
            return False
        # doc_freq would still count deleted documents; a search does not.
        query = _import_tantivy().Query.term_query(self._schema, "paper_id", paper_id)
        return int(self._index.searcher().search(query, 1, count=True).count or 0) > 0

    def search(
        self,
        node: Node | None,
        *,
        filters: Filters = Filters(),
        limit: int = 20,
        offset: int = 0,
        sort: str = "relevance",
    ) -> LexicalResult:
        """Papers matching ``node`` (all papers when None) and ``filters``, by BM25 or,
        with ``sort`` "newest"/"oldest", by date. ``total`` counts every match."""
        tantivy = _import_tantivy()
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

    def count(self, filters: Filters) -> int:
        query = self._with_filters(None, filters)
        # tantivy panics on a zero limit.
        return int(self._index.searcher().search(query, 1, count=True).count or 0)

    def scores_for(self, paper_ids: Sequence[str], node: Node | None) -> dict[str, float]:
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
        candidates = _import_tantivy().Query.const_score_query(self._paper_id_query(paper_ids), 0.0)
        query = self.to_query(node, within=candidates)
        if query is None:
            return {}
        found = self._keys(_joined(query, candidates), Filters(), len(paper_ids))
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

    # -- query building ------------------------------------------------------------

    def to_query(self, node: Node | None, *, within: Any = None) -> Any:
        """The tantivy query for ``node``; None when nothing searchable is left
        (only stop words, say). ``within``, a filter query, is joined to every phrase
        (it does not change scores, only which documents the phrase visits)."""
        if node is None:
            return None
        if isinstance(node, Text):
            return self._text_query(node, within)
        return self._group_query(node, within)

    def _group_query(self, group: Group, within: Any) -> Any:
        tantivy = _import_tantivy()
        occurs = {
            "should": tantivy.Occur.Should,
            "must": tantivy.Occur.Must,
            "must_not": tantivy.Occur.MustNot,
        }
        parts: list[tuple[Any, Any]] = []
        for occur, child in group.clauses:
            leaves = self._should_leaves(child, within) if occur == "should" else None
            if leaves is not None:
                parts.extend((tantivy.Occur.Should, leaf) for leaf in leaves)
                continue
            query = self.to_query(child, within=within)
            if query is not None:
                parts.append((occurs[occur], query))
        if not parts:
            return None
        if all(occur == tantivy.Occur.MustNot for occur, _ in parts):
            # "-foo" alone means "everything but foo", not "nothing".
            parts.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        if len(parts) == 1 and parts[0][0] != tantivy.Occur.MustNot:
            return parts[0][1]
        return tantivy.Query.boolean_query(parts)

    def _should_leaves(self, node: Node, within: Any) -> list[Any] | None:
        """The term and phrase queries of ``node`` when it only adds scores (a text
        node, or a group of nothing but optional clauses), else None. Splicing them
        into the parent gives the same matches and the same BM25 sums as nesting, but
        tantivy then merges one flat union instead of a union of unions, which halves
        the time of long queries (a 15-word claim is 45 field terms)."""
        if isinstance(node, Text):
            return self._text_leaves(node, within)
        if any(occur != "should" for occur, _ in node.clauses):
            return None
        leaves: list[Any] = []
        for _, child in node.clauses:
            found = self._should_leaves(child, within)
            assert found is not None  # a group of optional clauses only
            leaves.extend(found)
        return leaves

    def _text_query(self, node: Text, within: Any) -> Any:
        tantivy = _import_tantivy()
        leaves = self._text_leaves(node, within)
        if not leaves:
            return None
        if len(leaves) == 1:
            return leaves[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, leaf) for leaf in leaves])

    def _text_leaves(self, node: Text, within: Any) -> list[Any]:
        """One query per field searched (a category set, or free text's field terms
        and phrases, each boosted by its field weight)."""
        tantivy = _import_tantivy()
        if node.field == "categories":
            labels = [w.strip().lower() for w in node.words if w.strip()]
            query = self._any_term("categories", labels)
            return [] if query is None else [query]
        fields: tuple[str, ...] = (node.field,) if node.field else TEXT_FIELDS
        parts = (
            word_tokens(node.words[0])
            if node.field is None and not node.phrase and len(node.words) == 1
            else []
        )
        compound = compound_token(parts)
        leaves: list[Any] = []
        for name in fields:
            boost = getattr(self.weights, name)
            if name == "text" and compound is not None:
                # The whole word, then each distinct part, as plain terms (no phrase).
                terms = [("compounds", compound), *(("text", t) for t in dict.fromkeys(parts))]
                queries = [tantivy.Query.term_query(self._schema, f, t) for f, t in terms]
            else:
                queries = [self._field_query(name, node, within)]
            leaves.extend(tantivy.Query.boost_query(q, boost) for q in queries if q is not None)
        return leaves

    def _field_query(self, name: str, node: Text, within: Any = None) -> Any:
        tantivy = _import_tantivy()
        analyze = analyze_name if name == "authors" else analyze_word
        positioned = _positions(node.words, analyze)
        if not positioned:
            return None
        if len(positioned) == 1:
            return tantivy.Query.term_query(self._schema, name, positioned[0][1])
        if not node.phrase and len(node.words) > 1:
            # Unquoted words of one field filter (ti:foo bar is two clauses anyway).
            terms = [tantivy.Query.term_query(self._schema, name, t) for _, t in positioned]
            return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in terms])
        return _joined(tantivy.Query.phrase_query(self._schema, name, positioned), within)

    def _any_term(self, name: str, values: Sequence[str]) -> Any:
        tantivy = _import_tantivy()
        if not values:
            return None
        if len(values) == 1:
            return tantivy.Query.term_query(self._schema, name, values[0])
        return tantivy.Query.term_set_query(self._schema, name, list(values))

    def _filter_query(self, filters: Filters) -> Any:
        tantivy = _import_tantivy()
        musts: list[Any] = []
        if filters.categories:
            musts.append(
                self._any_term("categories", [c.strip().lower() for c in filters.categories])
            )
        if filters.authors:
            author_queries = [
                self._field_query("authors", Text(tuple(WORD.findall(a)), phrase=True))
                for a in filters.authors
            ]
            matchers = [q for q in author_queries if q is not None]
            if matchers:
                musts.append(
                    tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in matchers])
                )
        if filters.sources:
            musts.append(self._any_term("sources", list(filters.sources)))
        if filters.paper_ids is not None:
            musts.append(self._paper_id_query(filters.paper_ids))
        if filters.date_from or filters.date_to:
            low = day_number(filters.date_from) if filters.date_from else None
            high = day_number(filters.date_to) if filters.date_to else None
            musts.append(
                tantivy.Query.range_query(self._schema, "day", tantivy.FieldType.Integer, low, high)
            )
        return musts

    def _paper_id_query(self, paper_ids: Iterable[str]) -> Any:
        tantivy = _import_tantivy()
        ids = sorted(set(paper_ids))
        if not ids:
            return tantivy.Query.empty_query()
        return tantivy.Query.term_set_query(self._schema, "paper_id", ids)

    def _with_filters(self, query: Any, filters: Filters) -> Any:
        tantivy = _import_tantivy()
        musts = [q for q in self._filter_query(filters) if q is not None]
        if not musts:
            return query if query is not None else tantivy.Query.all_query()
        # Filters restrict without adding to the score.
        clauses = [(tantivy.Occur.Must, tantivy.Query.const_score_query(q, 0.0)) for q in musts]
        if query is not None:
            clauses.append((tantivy.Occur.Must, query))
        return tantivy.Query.boolean_query(clauses)


def _joined(query: Any, within: Any) -> Any:
    if query is None or within is None:
        return query
    tantivy = _import_tantivy()
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Must, within)])


def _positions(
    words: Sequence[str], analyze: functools._lru_cache_wrapper[tuple[str, ...]]
) -> list[tuple[int, str]]:
    """Tokens of ``words`` with their positions; stop words leave gaps, as they do in
    the index, so "state of the art" finds exactly that phrase."""
    out: list[tuple[int, str]] = []
    position = 0
    for word in words:
        for part in WORD.findall(word):
            tokens = analyze(part)
            if not tokens:
                position += 1
            for token in tokens:
                out.append((position, token))
                position += 1
    return out


def _category_labels(categories: Sequence[str]) -> list[str]:
    """Each category and its archive ("cs.LG" and "cs"), so cat:cs finds all of cs."""
    labels: dict[str, None] = {}
    for category in categories:
        labels[category] = None
        archive = category.split(".", 1)[0]
        if archive != category:
            labels[archive] = None
    return list(labels)
