"""Compiling a parsed query into tantivy queries.

The query language (its syntax and its tree of ``Text`` and ``Group`` nodes) belongs to
search/query.py; this module only needs the shape of those nodes, so it states it as
protocols and never imports from search (index sits below search). User text never
reaches tantivy's own query parser, so it cannot make it raise.

An unquoted word of several parts ("GPT-4") scores its parts as words plus the whole
word from the ``compounds`` field: "GPT-4" (or "GPT–4") first, then a spaced "GPT 4",
then papers with one part. It used to be a phrase query, which intersects the parts'
posting lists and checks positions: for common parts ("high-level") that meant most of
a large index (40-100 ms of BM25 for such queries at a million papers in
bench/search_bench.py's corpus, at most 26 ms now), and on SciFact it ranked worse
(BM25 nDCG@10 0.692 against 0.697). Quoted phrases and field-restricted words
(``ti:GPT-4``) stay phrases.

A part found in more than a fifth of the papers ("4" of "GPT-4", "cell" of "T-cell",
the "s" of "patient's") is left out of its word's terms, unless every part is that
common, when the rarest one stays: the whole word and its telling parts still find the
paper. Such parts add little to BM25 and their posting lists are the longest, so at the
scale of arXiv they made most of BM25's slowest queries (docs/search.md, "Common words").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeGuard

from paperscope.index.analysis import (
    WORD,
    analyze_name,
    analyze_word,
    compound_token,
    day_number,
    import_tantivy,
    positions,
    word_tokens,
)

# Free text is scored on "text" (title and abstract as one field, so a word found in
# both counts once, as BM25 intends) plus a small title bonus and author names.
TEXT_FIELDS = ("text", "title", "authors")
# A part of a word of several parts in more than this share of the papers is left out.
COMMON_PART_SHARE = 0.2


class TextNode(Protocol):
    """Words to find (search.query.Text): ``field`` None means title and abstract
    plus authors; "categories" matches a category or a whole archive."""

    @property
    def words(self) -> tuple[str, ...]: ...
    @property
    def field(self) -> str | None: ...
    @property
    def phrase(self) -> bool: ...
    @property
    def boost(self) -> float: ...


class GroupNode(Protocol):
    """Clauses combined the Lucene way (search.query.Group); occur is "should",
    "must" or "must_not"."""

    @property
    def clauses(self) -> tuple[tuple[str, TextNode | GroupNode], ...]: ...


QueryNode = TextNode | GroupNode


def is_group(node: QueryNode) -> TypeGuard[GroupNode]:
    return hasattr(node, "clauses")


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


@dataclass(frozen=True, slots=True)
class PartCounts:
    """What leaving out common parts needs: how many papers hold an index token of the
    "text" field, how many papers there are, and the share above which a part is
    common (1.0 keeps every part)."""

    document_count: Callable[[str], int]
    papers: int
    share: float = COMMON_PART_SHARE

    def telling(self, parts: Sequence[str]) -> list[str]:
        """The distinct ``parts`` in at most ``share`` of the papers; the rarest one
        when every part is commoner than that."""
        distinct = list(dict.fromkeys(parts))
        if self.share >= 1.0:
            return distinct
        counts = {part: self.document_count(part) for part in distinct}
        kept = [part for part in distinct if counts[part] <= self.share * self.papers]
        return kept or [min(distinct, key=counts.__getitem__)]


class QueryCompiler:
    """Turns query nodes and filters into tantivy queries over one index schema.
    Without ``part_counts`` every part of a word of several parts is a term."""

    def __init__(
        self, schema: Any, weights: Weights, part_counts: PartCounts | None = None
    ) -> None:
        self._schema = schema
        self.weights = weights
        self._part_counts = part_counts

    def to_query(self, node: QueryNode | None, *, within: Any = None) -> Any:
        """The tantivy query for ``node``; None when nothing searchable is left
        (only stop words, say). ``within``, a filter query, is joined to every phrase
        (it does not change scores, only which documents the phrase visits)."""
        if node is None:
            return None
        if is_group(node):
            return self._group_query(node, within)
        return self._text_query(node, within)  # type: ignore[arg-type]

    def with_filters(self, query: Any, filters: Filters) -> Any:
        tantivy = import_tantivy()
        musts = [q for q in self._filter_query(filters) if q is not None]
        if not musts:
            return query if query is not None else tantivy.Query.all_query()
        # Filters restrict without adding to the score.
        clauses = [(tantivy.Occur.Must, tantivy.Query.const_score_query(q, 0.0)) for q in musts]
        if query is not None:
            clauses.append((tantivy.Occur.Must, query))
        return tantivy.Query.boolean_query(clauses)

    def paper_id_query(self, paper_ids: Iterable[str]) -> Any:
        tantivy = import_tantivy()
        ids = sorted(set(paper_ids))
        if not ids:
            return tantivy.Query.empty_query()
        return tantivy.Query.term_set_query(self._schema, "paper_id", ids)

    def term_query(self, name: str, value: str) -> Any:
        return import_tantivy().Query.term_query(self._schema, name, value)

    def _group_query(self, group: GroupNode, within: Any) -> Any:
        tantivy = import_tantivy()
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

    def _should_leaves(self, node: QueryNode, within: Any) -> list[Any] | None:
        """The term and phrase queries of ``node`` when it only adds scores (a text
        node, or a group of nothing but optional clauses), else None. Splicing them
        into the parent gives the same matches and the same BM25 sums as nesting, but
        tantivy then merges one flat union instead of a union of unions, which halves
        the time of long queries (a 15-word claim is 45 field terms)."""
        if not is_group(node):
            return self._text_leaves(node, within)  # type: ignore[arg-type]
        if any(occur != "should" for occur, _ in node.clauses):
            return None
        leaves: list[Any] = []
        for _, child in node.clauses:
            found = self._should_leaves(child, within)
            if found is None:  # deeper down, a group with required or excluded clauses
                return None
            leaves.extend(found)
        return leaves

    def _text_query(self, node: TextNode, within: Any) -> Any:
        tantivy = import_tantivy()
        leaves = self._text_leaves(node, within)
        if not leaves:
            return None
        if len(leaves) == 1:
            return leaves[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, leaf) for leaf in leaves])

    def _text_leaves(self, node: TextNode, within: Any) -> list[Any]:
        """One query per field searched (a category set, or free text's field terms
        and phrases, each boosted by its field weight)."""
        tantivy = import_tantivy()
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
            boost = getattr(self.weights, name) * node.boost
            if name == "text" and compound is not None:
                # The whole word, then each telling part, as plain terms (no phrase).
                kept = (
                    self._part_counts.telling(parts)
                    if self._part_counts is not None
                    else list(dict.fromkeys(parts))
                )
                terms = [("compounds", compound), *(("text", t) for t in kept)]
                queries = [self.term_query(f, t) for f, t in terms]
            else:
                queries = [self.field_query(name, node.words, node.phrase, within)]
            leaves.extend(tantivy.Query.boost_query(q, boost) for q in queries if q is not None)
        return leaves

    def field_query(self, name: str, words: Sequence[str], phrase: bool, within: Any = None) -> Any:
        tantivy = import_tantivy()
        analyze = analyze_name if name == "authors" else analyze_word
        positioned = positions(words, analyze)
        if not positioned:
            return None
        if len(positioned) == 1:
            return self.term_query(name, positioned[0][1])
        if not phrase and len(words) > 1:
            # Unquoted words of one field filter (ti:foo bar is two clauses anyway).
            terms = [self.term_query(name, t) for _, t in positioned]
            return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in terms])
        return joined(tantivy.Query.phrase_query(self._schema, name, positioned), within)

    def _any_term(self, name: str, values: Sequence[str]) -> Any:
        tantivy = import_tantivy()
        if not values:
            return None
        if len(values) == 1:
            return self.term_query(name, values[0])
        return tantivy.Query.term_set_query(self._schema, name, list(values))

    def _filter_query(self, filters: Filters) -> list[Any]:
        tantivy = import_tantivy()
        musts: list[Any] = []
        if filters.categories:
            musts.append(
                self._any_term("categories", [c.strip().lower() for c in filters.categories])
            )
        if filters.authors:
            author_queries = [
                self.field_query("authors", tuple(WORD.findall(a)), True) for a in filters.authors
            ]
            matchers = [q for q in author_queries if q is not None]
            if matchers:
                musts.append(
                    tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in matchers])
                )
        if filters.sources:
            musts.append(self._any_term("sources", list(filters.sources)))
        if filters.paper_ids is not None:
            musts.append(self.paper_id_query(filters.paper_ids))
        if filters.date_from or filters.date_to:
            low = day_number(filters.date_from) if filters.date_from else None
            high = day_number(filters.date_to) if filters.date_to else None
            musts.append(
                tantivy.Query.range_query(self._schema, "day", tantivy.FieldType.Integer, low, high)
            )
        return musts


def joined(query: Any, within: Any) -> Any:
    """``query`` restricted to documents that ``within`` matches (None: unchanged)."""
    if query is None or within is None:
        return query
    tantivy = import_tantivy()
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Must, within)])
