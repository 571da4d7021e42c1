"""What the user typed -> a query tree for the lexical index, text for the embedder,
and notices about anything that was ignored.

Syntax (Lucene-like, forgiving):

- words: ``transformer pruning`` (any may match; more matches rank higher)
- phrases: ``"state space model"``
- fields: ``au:hinton``, ``au:"geoffrey hinton"``, ``ti:diffusion``, ``abs:"few shot"``,
  ``cat:cs.LG`` (``cat:cs`` is the whole archive); long names work too (author:,
  title:, abstract:, category:)
- operators: ``a AND b``, ``a OR b``, ``NOT a``, ``-a``, ``+a``, parentheses.

Parsing never fails. Unbalanced quotes and parentheses, stray operators (``AND AND``,
a trailing ``-``, a lone ``:``), control and zero-width characters, lone surrogates
and overlong input are repaired or dropped, and ``ParsedQuery.notices`` says what
happened so the page can tell the user.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

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
    boost: float = 1.0  # multiplies the BM25 score (feedback terms weigh less)


@dataclass(frozen=True, slots=True)
class Group:
    """Clauses combined the way Lucene does: a document must match every ``must``,
    no ``must_not`` and, when there is no ``must``, at least one ``should``."""

    clauses: tuple[tuple[Occur, Text | Group], ...]


# The index compiles these nodes (index/lexical_compile.py states the shape it needs).
Node = Text | Group

MAX_QUERY_CHARS = 1_000
# Longer texts are cut to MAX_QUERY_CHARS with a notice (a pasted abstract still
# searches); past this, a request is refused, which bounds the work of reading it.
QUERY_HARD_LIMIT = 20_000
MAX_CLAUSES = 64  # BM25 over more clauses only slows down; SciFact claims have ~15 words

FIELD_NAMES: dict[str, Field] = {
    "au": "authors",
    "author": "authors",
    "authors": "authors",
    "ti": "title",
    "title": "title",
    "abs": "abstract",
    "abstract": "abstract",
    "cat": "categories",
    "category": "categories",
}
_OPERATORS = {"AND", "OR", "NOT", "&&", "||"}
_TOKEN = re.compile(r'"|\(|\)|[^\s"()]+')


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    node: Node | None  # None: nothing searchable
    semantic_text: str  # what the embedder sees: the positive words, no syntax
    highlight_words: tuple[str, ...]  # words and phrase words to mark in results
    notices: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.node is None


@dataclass
class _Token:
    kind: Literal["word", "phrase", "open", "close", "op"]
    text: str
    words: tuple[str, ...] = ()
    prefix: str = ""  # "+" or "-"
    field_name: str = ""


@dataclass
class _State:
    notices: list[str] = field(default_factory=list)
    positive: list[str] = field(default_factory=list)
    clauses: int = 0

    def notice(self, text: str) -> None:
        if text not in self.notices:
            self.notices.append(text)


def clean_query_text(text: str, state: _State) -> str:
    """Drop what cannot be searched: lone surrogates, control and format characters
    (zero-width spaces, RTL marks), and anything past ``MAX_QUERY_CHARS``."""
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        state.notice(f"query shortened to its first {MAX_QUERY_CHARS} characters")
    text = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(text) else text
    text = unicodedata.normalize("NFKC", text)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") or (category == "Cf"):
            kept.append(" " if char in "\t\n\r\x0b\x0c" else "")
        else:
            kept.append(char)
    return "".join(kept)


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def parse_query(text: str) -> ParsedQuery:
    """Parse user input; never raises."""
    state = _State()
    tokens = _tokenize(clean_query_text(text, state), state)
    node, _ = _parse_group(tokens, 0, state, depth=0)
    positive = tuple(dict.fromkeys(w for w in state.positive if w))
    if node is None and text.strip():
        state.notice("nothing searchable in the query")
    return ParsedQuery(
        node=node,
        semantic_text=" ".join(positive),
        highlight_words=positive,
        notices=tuple(state.notices),
    )


def _tokenize(text: str, state: _State) -> list[_Token]:
    tokens: list[_Token] = []
    pieces = _TOKEN.findall(text)
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        index += 1
        if piece == "(":
            tokens.append(_Token("open", piece))
        elif piece == ")":
            tokens.append(_Token("close", piece))
        elif piece == '"':
            index = _read_phrase(pieces, index, tokens, state, prefix="", field_name="")
        elif piece in _OPERATORS:
            tokens.append(_Token("op", {"&&": "AND", "||": "OR"}.get(piece, piece)))
        else:
            index = _read_word(piece, pieces, index, tokens, state)
    return tokens


def _read_word(
    piece: str, pieces: list[str], index: int, tokens: list[_Token], state: _State
) -> int:
    prefix = ""
    while piece[:1] in ("-", "+"):
        prefix, piece = piece[0], piece[1:]
    field_name, value = _split_field(piece)
    if field_name and not value:
        if index < len(pieces) and pieces[index] == '"':
            return _read_phrase(pieces, index + 1, tokens, state, prefix, field_name)
        state.notice(f"empty {piece} filter ignored")
        return index
    if field_name:
        piece = value
    if not any(char.isalnum() for char in piece):
        if prefix or piece:
            state.notice(f"stray {(prefix + piece)!r} ignored")
        return index
    tokens.append(_Token("word", piece, (piece,), prefix, field_name))
    return index


def _read_phrase(
    pieces: list[str], index: int, tokens: list[_Token], state: _State, prefix: str, field_name: str
) -> int:
    words: list[str] = []
    while index < len(pieces) and pieces[index] != '"':
        words.append(pieces[index])
        index += 1
    if index >= len(pieces):
        state.notice("unbalanced quote ignored")
        # The words still count, as plain words.
        for word in words:
            if any(char.isalnum() for char in word):
                tokens.append(_Token("word", word, (word,), prefix, field_name))
        return index
    words = [w for w in words if any(char.isalnum() for char in w)]
    if words:
        tokens.append(_Token("phrase", " ".join(words), tuple(words), prefix, field_name))
    return index + 1


def _split_field(piece: str) -> tuple[str, str]:
    name, colon, value = piece.partition(":")
    if colon and name.lower() in FIELD_NAMES:
        return name.lower(), value
    return "", piece


def _parse_group(
    tokens: list[_Token], index: int, state: _State, depth: int
) -> tuple[Node | None, int]:
    """Flat Lucene semantics within one level: AND makes both neighbours required,
    NOT / - excludes, OR and plain adjacency leave clauses optional."""
    clauses: list[tuple[Occur, Node]] = []
    pending_and = pending_not = False
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.kind == "close":
            if depth > 0:
                return _group(clauses), index
            state.notice("unbalanced parenthesis ignored")
            continue
        if token.kind == "op":
            if token.text == "NOT":
                pending_not = True
            elif token.text == "AND" and clauses:
                pending_and = True
            continue
        node, index = _operand(token, tokens, index, state, depth)
        if node is None:
            pending_and = pending_not = False
            continue
        if state.clauses >= MAX_CLAUSES:
            state.notice(f"only the first {MAX_CLAUSES} terms are searched")
            break
        state.clauses += 1
        negated = pending_not or token.prefix == "-"
        occur: Occur = "must_not" if negated else "should"
        if not negated and (pending_and or token.prefix == "+"):
            occur = "must"
        if pending_and and clauses and clauses[-1][0] == "should":
            clauses[-1] = ("must", clauses[-1][1])
        if not negated and isinstance(node, Text):
            _remember_positive(node, state)
        clauses.append((occur, node))
        pending_and = pending_not = False
    if depth > 0:
        state.notice("unbalanced parenthesis ignored")
    return _group(clauses), index


def _operand(
    token: _Token, tokens: list[_Token], index: int, state: _State, depth: int
) -> tuple[Node | None, int]:
    if token.kind == "open":
        if depth >= 8:
            return None, index
        return _parse_group(tokens, index, state, depth + 1)
    field_name: Field | None = FIELD_NAMES.get(token.field_name) if token.field_name else None
    return Text(token.words, field_name, phrase=token.kind == "phrase"), index


def _group(clauses: list[tuple[Occur, Node]]) -> Node | None:
    if not clauses:
        return None
    if len(clauses) == 1 and clauses[0][0] != "must_not":
        return clauses[0][1]
    return Group(tuple(clauses))


def _remember_positive(node: Node, state: _State) -> None:
    if isinstance(node, Text):
        # Author names and categories filter; they say nothing about the topic.
        if node.field not in ("categories", "authors"):
            state.positive.extend(node.words)
        return
    for occur, child in node.clauses:
        if occur != "must_not":
            _remember_positive(child, state)


def plain_words(node: Node | None) -> list[str] | None:
    """The words of a query made only of optional plain words (the shape feedback
    and the common-word cut apply to), else None: phrases, fields and operators are
    left as typed."""
    if node is None:
        return None
    if isinstance(node, Text):
        ok = node.field is None and not node.phrase
        return list(node.words) if ok else None
    words: list[str] = []
    for occur, child in node.clauses:
        found = plain_words(child) if occur == "should" else None
        if found is None:
            return None
        words.extend(found)
    return words


def names_only(node: Node | None) -> bool:
    """Whether the query only names authors or categories that every match must have
    (``au:hinton``, ``+au:hinton +cat:cs.LG -survey``): nothing a relevance score could
    rank by, since every paper that matches holds the names alike. Excluded parts never
    score; optional names beside others do (a paper with more of them ranks higher)."""
    if node is None:
        return False
    if isinstance(node, Text):
        return node.field in ("authors", "categories")
    scored = [(occur, child) for occur, child in node.clauses if occur != "must_not"]
    if len(scored) == 1:
        return names_only(scored[0][1])
    return bool(scored) and all(occur == "must" and names_only(c) for occur, c in scored)
