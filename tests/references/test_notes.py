"""Notes through BibTeX, RIS and CSL-JSON: a library note exported and read back is the
same text, whatever it holds; the shapes reference managers write (Zotero's HTML notes,
LaTeX escapes in BibTeX) are read as the text they show. Also the BibTeX writer's other
promises: no placeholder author, ASCII citation keys that stay unique."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

import bibtexparser
import pytest
import rispy

from paperscope.models import Paper
from paperscope.references import ascii_text
from paperscope.references.bibtex import citation_key, parse_bibtex, write_bibtex
from paperscope.references.csl_json import parse_csl_json, write_csl_json
from paperscope.references.export import ExportEntry, export_papers
from paperscope.references.notes import html_to_text, note_field, read_notes
from paperscope.references.ris import parse_ris, write_ris

PAPER = Paper(
    paper_id="2401.12345",
    arxiv_id="2401.12345",
    title="A Paper",
    authors=("Ada Lovelace",),
    submitted_at=datetime(2024, 1, 22, tzinfo=UTC),
)
NOTES = [
    "a <b> c",
    "x < y & z",
    "50% of {cases}",
    "line1\n\nline2",
    "  indented",
    "$\\alpha$ and \\textit{emphasis}",
    "Müller",
    "<p>typed, not HTML</p>",
    "arXiv:2401.12345 [cs]",
    "tabs\tand  double  spaces, trailing \n",
    "one\nthree\n\n\nblank lines",
    "windows\r\nline ends",
    "a stray } and { brace, a \\& and \\{\\vphantom{\\}}",
    "@misc{fake, title={entry}}\n@article{another,",
    "ends with a backslash \\",
    'Zotero-escaped looking: {\\"u} \\textless{} \\%',
    "a\u2028b \xa0nbsp &amp; ~ -- ``quotes''",
]
WRITE_READ = {
    "bibtex": (write_bibtex, parse_bibtex),
    "ris": (write_ris, parse_ris),
    "csl-json": (write_csl_json, parse_csl_json),
}


@pytest.mark.parametrize("fmt", WRITE_READ)
@pytest.mark.parametrize("note", NOTES)
def test_a_note_round_trips_exactly(fmt: str, note: str) -> None:
    write, read = WRITE_READ[fmt]
    references, rejected = read(write([ExportEntry(PAPER, ("tag",), note)]))
    assert not rejected
    assert [(r.arxiv_id, r.keywords, r.note) for r in references] == [
        ("2401.12345", ("tag",), note)
    ]


def test_every_short_string_round_trips_through_bibtex() -> None:
    # The characters that BibTeX, LaTeX escapes or HTML could change, in every
    # combination up to three: each note reads back as written.
    alphabet = ["\\", "{", "}", "&", "%", "@", "\n", " ", '"', "u", "c", "o", "<", "p>"]
    notes = [
        "".join(chars)
        for length in (1, 2, 3)
        for chars in itertools.product(alphabet, repeat=length)
        if "".join(chars).strip()
    ]
    entries = [ExportEntry(PAPER, (), note) for note in notes]
    references, rejected = parse_bibtex(write_bibtex(entries))
    assert not rejected
    assert [r.note for r in references] == notes


def test_ris_notes_stay_on_their_line_and_read_as_text_elsewhere() -> None:
    text = write_ris([ExportEntry(PAPER, (), n) for n in NOTES])
    records = rispy.loads(text)
    # A plain one-line note is written as it is; the others as HTML on one line.
    assert [r["notes"] for r in records[:3]] == [["a <b> c"], ["x < y & z"], ["50% of {cases}"]]
    assert records[3]["notes"] == ["<p>line1</p><p>line2</p>"]
    assert records[4]["notes"] == ["<pre>  indented</pre>"]
    lines = text.split("\n")  # not splitlines: U+2028 in a note does not end a RIS line
    assert all(re.match(r"[A-Z][A-Z0-9]  - ", line) for line in lines if line.strip())


def test_bibtex_annote_keeps_math_and_escapes_only_what_latex_needs() -> None:
    bib = write_bibtex([ExportEntry(PAPER, (), "50% of {cases} & $\\alpha$, Müller")])
    [entry] = bibtexparser.parse_string(bib).entries
    assert entry["annote"] == "50\\% of {cases} \\& $\\alpha$, Müller"


def test_zotero_html_notes_become_text() -> None:
    assert html_to_text("<p>First</p><p>Second &amp; third</p>") == "First\n\nSecond & third"
    zotero = (
        '<div data-schema-version="9"><h1>Summary</h1>\n<p>Uses <b>tiling</b>,\n'
        "  see &lt;ref&gt;<br>and more</p>\n<ul><li>one</li><li>two</li></ul></div>"
    )
    assert html_to_text(zotero) == "Summary\n\nUses tiling, see <ref>\nand more\n\none\ntwo"
    ris = (
        "TY  - JOUR\nTI  - A Paper\nN1  - <p>First</p><p>Second &amp; third</p>\n"
        "N1  - arXiv:2401.12345 [cs]\nN1  - Plain <b>text</b> note\n"
        # Zotero writes a note's HTML over several lines: they are one note
        'N1  - <div data-schema-version="8"><p>Multi</p>\n<p>line &lt;3</p>\n</div>\nER  - \n'
    )
    [reference], _ = parse_ris(ris)
    # The id-only note is not a note; the others joined by a blank line.
    assert reference.note == (
        "First\n\nSecond & third\n\nPlain <b>text</b> note\n\nMulti\n\nline <3"
    )


def test_zotero_bibtex_escapes_in_notes_are_decoded() -> None:
    bib = (
        "@article{k, title = {T}, annote = {Read \\& cite 50\\% of a\\_b {\\textless}b"
        '{\\textgreater} M{\\"u}ller, Fran\\c{c}ois, {\\o}ster \\{\\vphantom{\\}}x'
        "\\vphantom{\\{}\\} $\\alpha$ {Kept} -- ~}}\n"
    )
    [reference], _ = parse_bibtex(bib)
    assert reference.note == (
        "Read & cite 50% of a_b <b> Müller, François, øster {x} $\\alpha$ {Kept} -- ~"
    )


def test_note_field_writes_text_as_is_when_it_reads_back() -> None:
    assert note_field("line1\n\nline2") == "line1\n\nline2"
    assert note_field("line1\n\nline2", one_line=True) == "<p>line1</p><p>line2</p>"
    assert note_field("<div>typed</div>") == "<p>&lt;div&gt;typed&lt;/div&gt;</p>"
    assert read_notes(["  ", None, "", "arXiv:2401.12345"]) == ""


def test_no_placeholder_author() -> None:
    anonymous = Paper(paper_id="ps-1", title="Anonymous Work", abstract="x")
    text = export_papers([anonymous], "bibtex")
    [entry] = bibtexparser.parse_string(text).entries
    assert "author" not in entry.fields_dict and "Unknown" not in text
    assert entry.key == "anonanonymous"


def test_ascii_text_transliterates_latin_and_replaces_the_rest() -> None:
    # The one transliteration behind citation keys and download file names.
    assert ascii_text("Müller Øster Straße Łódź") == "Muller Oster Strasse Lodz"
    assert ascii_text("d’été 王") == "dete "
    assert ascii_text("d’été 王", other="-") == "d-ete -"


def test_citation_keys_are_transliterated_and_unique() -> None:
    def paper(author: str, title: str = "Deep Things") -> Paper:
        return Paper(
            paper_id=author + title,
            title=title,
            authors=(f"Given {author}",),
            submitted_at=datetime(2020, 1, 1, tzinfo=UTC),
        )

    assert citation_key(paper("Müller")) == "muller2020deep"
    assert citation_key(paper("Øster")) == "oster2020deep"
    assert citation_key(paper("Łukasiewicz", "Über Größe")) == "lukasiewicz2020uber"
    assert citation_key(paper("Straße")) == "strasse2020deep"
    assert citation_key(paper("王")) == "anon2020deep"
    papers = [paper("Smith"), paper("Smith"), paper("Smith", "Deepa"), paper("Smith")]
    keys = [e.key for e in bibtexparser.parse_string(export_papers(papers, "bibtex")).entries]
    # The third paper's own key is the second's: it gets a suffix of its own.
    assert keys == ["smith2020deep", "smith2020deepa", "smith2020deepaa", "smith2020deepb"]
