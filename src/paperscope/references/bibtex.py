"""BibTeX in and out: the one BibTeX reader and writer of paperscope (paper pages,
library, tag, collection and search exports all call ``bibtex_entry``/``write_bibtex``).

Reading uses bibtexparser 2, which reports a malformed entry with its line and goes on
with the next one; LaTeX in the fields used (``Sch{\\"o}lkopf``) is decoded to Unicode
with pylatexenc. Notes are free text and have their own, narrower escapes
(``_decode_note``/``_encode_note``), so that a note exported and imported again is the
same text."""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from paperscope.arxiv_ids import abs_url
from paperscope.models import Paper, Rejected
from paperscope.references.notes import note_field, read_notes
from paperscope.references.records import (
    MAX_AUTHORS,
    Reference,
    arxiv_id_in,
    ascii_text,
    clean_doi,
    clean_title,
    doi_arxiv_id,
    eprint_arxiv_id,
    parse_year,
    person_name,
    split_keywords,
)

if TYPE_CHECKING:
    from bibtexparser.model import Field

    from paperscope.references.export import ExportEntry

# Fields where reference managers put arXiv ids besides eprint, in the order trusted.
_ID_FIELDS = ("url", "howpublished", "journal", "journaltitle", "number", "note", "volume")


def parse_bibtex(text: str) -> tuple[list[Reference], list[Rejected]]:
    """Entries of a BibTeX file, and the blocks that could not be read (by line)."""
    from bibtexparser import middlewares
    from bibtexparser.entrypoint import parse_string
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry

    # The parser also logs each failure; the report carries them, so its log stays quiet.
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    library = parse_string(
        text,
        append_middleware=[
            middlewares.NormalizeFieldKeys(allow_inplace_modification=True),
        ],
    )
    references = [
        _reference(entry.fields_dict, entry.key, entry.start_line) for entry in library.entries
    ]
    rejected: list[Rejected] = []
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock | DuplicateFieldKeyBlock):
            # Still a whole entry: a repeated key or field is no reason to lose it.
            entry = block.ignore_error_block
            if isinstance(entry, Entry):
                references.append(_reference(entry.fields_dict, entry.key, entry.start_line))
                continue
        rejected.append(Rejected(f"line {line}", _failure_reason(block)))
    references.sort(key=lambda r: int(r.location.split()[-1]))
    return references, rejected


def _failure_reason(block: object) -> str:
    error = getattr(block, "error", None)
    message = getattr(error, "abort_reason", None) or str(error or "") or "not a BibTeX entry"
    message = " ".join(message.split())
    raw = " ".join(str(getattr(block, "raw", "")).split())[:60]
    return f"malformed BibTeX ({message})" + (f": {raw}" if raw else "")


# Only the fields a reference is built from are decoded from LaTeX: decoding every
# field (abstracts, file paths) tripled the parse time of a 2,000-entry file.
_DECODED = frozenset({"title", "author", "keywords", "mendeley-tags"})
_NOTES = ("annote", "annotation", "note")
_LATEX_MARKS = re.compile(r"[\\$~]|--")


@functools.cache
def _latex_decoder() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(strict_latex_spaces=True)


def _decode(text: str) -> str:
    """LaTeX to Unicode (``Sch{\\"o}lkopf`` -> Schölkopf); most values have no LaTeX."""
    if not _LATEX_MARKS.search(text):
        return text
    try:
        return str(_latex_decoder().latex_to_text(text))
    except Exception:  # pylatexenc gives up on some malformed input: keep it as written
        return text


def _reference(fields: Mapping[str, Field], key: str, start_line: int | None) -> Reference:
    value = {name.casefold(): str(f.value) for name, f in fields.items()}
    for name in _DECODED & value.keys():
        value[name] = _decode(value[name])
    for name in _NOTES:
        if name in value:
            value[name] = _decode_note(value[name])
    doi = clean_doi(value.get("doi"))
    prefix = value.get("archiveprefix") or value.get("eprinttype")
    arxiv = (
        eprint_arxiv_id(value.get("eprint"), prefix)
        or doi_arxiv_id(doi)
        or arxiv_id_in(value.get(name) for name in _ID_FIELDS)
    )
    return Reference(
        key=key,
        location=f"line {(start_line or 0) + 1}",
        title=clean_title(value.get("title")),
        authors=_authors(value.get("author", "")),
        year=parse_year(value.get("year") or value.get("date")),
        doi=doi,
        arxiv_id=arxiv,
        keywords=split_keywords([value.get("keywords"), value.get("mendeley-tags")]),
        note=read_notes(value.get(name) for name in _NOTES),
    )


def _authors(field: str) -> tuple[str, ...]:
    names = re.split(r"\s+and\s+", field.strip())[:MAX_AUTHORS]
    return tuple(n for n in (person_name(raw) for raw in names) if n and n != "others")


# ---------------------------------------------------------------- notes

# A note is free text: decoding it as the other fields (pylatexenc) would turn $\alpha$
# into α, -- into a dash and drop braces. Only what reference managers escape in notes
# is decoded (Zotero: \& \% \_ {\textless} {\"u} and \{\vphantom{\}} for a brace), and
# _encode_note escapes exactly what this decoding or a BibTeX parser would change.
_SYMBOLS = {
    "textbackslash": "\\",
    "textbraceleft": "{",
    "textbraceright": "}",
    "textless": "<",
    "textgreater": ">",
    "textbar": "|",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textunderscore": "_",
    "textdollar": "$",
}
_NOTE_ESCAPE = re.compile(
    r"\\(?P<special>[&%#_$@{}])"
    r"|\\(?P<phantom>vphantom\{\\[{}]\})"
    # symbols and accents, also in braces: {\textless}, {\"u}
    r"|(?P<open>\{)?\\(?:"
    rf"(?P<symbol>{'|'.join(_SYMBOLS)})(?(open)(?=\}})|(?:\{{\}}|(?![A-Za-z])))"
    # accents with their letter ("u "{u} c{c}, Zotero's {\c c}, "\i) and LaTeX's letters
    r"""|(?P<accent>['"`^~=.](?:[A-Za-z]|\{[A-Za-z]\}|\\[ij](?![A-Za-z])|\{\\[ij]\})"""
    r"|[cvuHkrdb](?:\{[A-Za-z]\}|\{\\[ij]\}|\x20[A-Za-z])"
    r"|(?:ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i|j)(?![A-Za-z])(?:\{\})?)"
    r")(?(open)\})"
)


def _decode_one(m: re.Match[str]) -> str:
    if m["special"] or m["phantom"]:
        return m["special"] or ""
    if m["symbol"]:
        return _SYMBOLS[m["symbol"]]
    return unicodedata.normalize("NFC", str(_latex_decoder().latex_to_text(m.group())))


def _decode_note(text: str) -> str:
    """Escaped specials, text symbols and accents decoded; the rest (math, commands,
    braces, line breaks) as written."""
    return _NOTE_ESCAPE.sub(_decode_one, text) if "\\" in text else text


def _encode_note(text: str) -> str:
    r"""A field value that _decode_note turns back into ``text`` and that BibTeX and
    bibtexparser read as one field: ``& % #`` escaped as LaTeX wants them; a backslash
    as \textbackslash{} only where it would start an escape or end the value; unmatched
    braces as \textbraceleft{}/\textbraceright{}; ``@`` as \@ where it starts a line
    (a parser would see a new entry there). Math, commands and line breaks stay."""
    unmatched = _unmatched_braces(text)
    out = []
    line_start = True  # only spaces so far on this line
    for i, char in enumerate(text):
        if char == "\\" and (i == len(text) - 1 or _NOTE_ESCAPE.match(text, i)):
            out.append(r"\textbackslash{}")
        elif char in "&%#":
            out.append("\\" + char)
        elif i in unmatched:
            out.append(r"\textbraceleft{}" if char == "{" else r"\textbraceright{}")
        elif char == "@" and line_start:
            out.append(r"\@")
        else:
            out.append(char)
        line_start = char == "\n" or (line_start and char.isspace())
    return "".join(out)


def _unmatched_braces(text: str) -> set[int]:
    opened: list[int] = []
    unmatched: set[int] = set()
    for i, char in enumerate(text):
        if char == "{":
            opened.append(i)
        elif char == "}":
            if opened:
                opened.pop()
            else:
                unmatched.add(i)
    return unmatched | set(opened)


# ---------------------------------------------------------------- writing


def _clean(text: str) -> str:
    """One line, BibTeX specials escaped, braces balanced (LaTeX math is kept)."""
    text = " ".join(text.split())
    if not _balanced(text):
        text = " ".join(text.replace("{", "").replace("}", "").split())
    return text.replace("&", r"\&").replace("%", r"\%").replace("#", r"\#")


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0


def _name(author: str) -> str:
    # Braces would change how BibTeX splits the name; "and" inside one would split it.
    name = " ".join(author.replace("{", "").replace("}", "").split())
    return re.sub(r"\band\b", "{and}", _clean(name))


def citation_key(paper: Paper) -> str:
    """surname + year + first long title word: "vaswani2017attention"."""
    surname = paper.authors[0].split()[-1] if paper.authors and paper.authors[0].split() else ""
    name = re.sub(r"[^A-Za-z]", "", ascii_text(surname)).lower() or "anon"
    year = paper.submitted_at.year if paper.submitted_at else ""
    words = re.findall(r"[A-Za-z]{4,}", ascii_text(paper.title))
    return f"{name}{year}{(words[0] if words else 'paper').lower()}"


def bibtex_entry(
    paper: Paper,
    *,
    key: str | None = None,
    tags: Sequence[str] = (),
    note: str = "",
    abstract: bool = True,
) -> str:
    """One ``@misc`` (or ``@article`` when published) entry for ``paper``. Exports to
    reference managers carry the abstract; ``abstract=False`` gives the entry a
    paper's own .bib wants (the paper page's Cite box), as arXiv's export does."""
    fields: list[tuple[str, str]] = [("title", "{" + _clean(paper.title) + "}")]
    if paper.authors:  # a placeholder ("Unknown") would be cited as an author
        fields.append(("author", " and ".join(_name(a) for a in paper.authors)))
    if paper.submitted_at:
        fields.append(("year", str(paper.submitted_at.year)))
    if paper.arxiv_id:
        fields += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
        if paper.primary_category:
            fields.append(("primaryClass", _clean(paper.primary_category)))
        fields.append(("url", abs_url(paper.arxiv_id)))
    if paper.doi:
        fields.append(("doi", _clean(paper.doi)))
    if paper.journal_ref:
        fields.append(("journal", _clean(paper.journal_ref)))
    if abstract and paper.abstract:
        fields.append(("abstract", _clean(paper.abstract)))
    if tags:
        fields.append(("keywords", _clean(", ".join(tags))))
    if note:
        fields.append(("annote", _encode_note(note_field(note))))
    entry = "article" if paper.journal_ref else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{entry}{{{key or citation_key(paper)},\n{body}\n}}\n"


def write_bibtex(entries: Sequence[ExportEntry]) -> str:
    """A BibTeX file; citation keys are made unique with a, b, c ... suffixes."""
    suffixes: dict[str, int] = {}  # the last suffix tried per key, so each try is new
    used: set[str] = set()
    out = []
    for item in entries:
        base = key = citation_key(item.paper)
        # A suffixed key may be another paper's own key ("smith2020deep" + "a"): skip it.
        while key in used:
            suffixes[base] = suffixes.get(base, 0) + 1
            key = f"{base}{_suffix(suffixes[base])}"
        used.add(key)
        out.append(bibtex_entry(item.paper, key=key, tags=item.tags, note=item.note))
    return "\n".join(out)


def _suffix(n: int) -> str:
    letters = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters
