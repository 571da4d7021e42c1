"""Reading BibTeX, RIS and CSL-JSON: identifiers from every field reference managers
use, malformed entries reported by line, limits, format guessing."""

from __future__ import annotations

import pytest

from paperscope.references import (
    MAX_ENTRIES,
    MAX_FILE_BYTES,
    ReferenceFormatError,
    guess_format,
    read_references,
)
from paperscope.references.bibtex import parse_bibtex
from paperscope.references.records import arxiv_id_in, clean_doi
from references.conftest import fixture_bytes


def test_better_bibtex_export_reads_every_identifier() -> None:
    read = read_references(fixture_bytes("zotero_better_bibtex.bib"))
    assert read.format == "bibtex"
    by_key = {r.key: r for r in read.references}
    assert by_key["streinuSparsitycertifyingGraphDecompositions2007"].arxiv_id == "0704.0002"
    assert by_key["panEvolutionEarthMoonSystem2007"].arxiv_id == "0704.0003"  # eprinttype
    assert by_key["callanDeterminantStirlingCycle2007"].arxiv_id == "0704.0004"  # journal
    pong = by_key["pongBosonicCharactersAtomic2007"]
    assert (pong.doi, pong.arxiv_id, pong.year) == ("10.1103/physreva.75.043613", None, 2007)
    assert pong.title == "Bosonic Characters of Atomic Cooper Pairs across Resonance"
    assert pong.keywords == (
        "cold atoms",
        "Condensed Matter Mesoscale and Nanoscale Physics",
        "to-read",
    )
    sramek = by_key["sramekOnlineViterbiAlgorithm2007"]
    assert sramek.keywords == ("hidden Markov models", "algorithms")
    # LaTeX accents decoded, @string macros resolved
    corichi = by_key["corichiPolymerQuantumMechanics2007"]
    assert corichi.title == "Polymer Quantum Mechanics and Its Continuum Limits"
    note = by_key["streinuSparsitycertifyingGraphDecompositions2007"].note
    assert note.startswith("Comment: To appear in Graphs and Combinatorics.")


def test_malformed_bibtex_entry_is_reported_by_line_and_the_rest_read() -> None:
    read = read_references(fixture_bytes("zotero_better_bibtex.bib"))
    assert [r.location for r in read.rejected] == ["line 64"]
    assert read.rejected[0].reason.startswith("malformed BibTeX (Unexpected block start")
    assert "brokenEntry2007" in read.rejected[0].reason
    keys = [r.key for r in read.references]
    assert keys[keys.index("corichiPolymerQuantumMechanics2007") + 1] == (
        "sramekOnlineViterbiAlgorithm2007"
    )
    assert len(keys) == 9


def test_plain_zotero_bibtex_uses_notes_urls_and_arxiv_dois() -> None:
    refs = {r.key: r for r in read_references(fixture_bytes("zotero_plain.bib")).references}
    streinu = refs["streinu_sparsity-certifying_2007"]
    assert (streinu.arxiv_id, streinu.doi) == ("0704.0002", "10.48550/arxiv.0704.0002")
    # "arXiv:0704.0002 [math]" only restates the id: not a note; annote is
    assert streinu.note == "Comment: To appear in Graphs and Combinatorics"
    assert refs["harvey_spitzer_2007"].arxiv_id == "0704.0009"  # from a pdf URL
    assert refs["corichi_polymer_2007"].arxiv_id is None
    assert refs["yurkin_convergence_2006"].keywords == ("Physics Optics", "DDA")


def test_csl_json_items_and_a_bad_item() -> None:
    read = read_references(fixture_bytes("zotero.json"))
    assert read.format == "csl-json"
    assert [r.location for r in read.references] == ["item 1", "item 2", "item 3", "item 5"]
    assert read.references[0].arxiv_id == "0704.0002"
    assert read.references[2].keywords == ("solar physics", "ALMA")
    assert read.references[2].note == "Cited in chapter 2 of the thesis"
    assert read.references[2].year == 2008
    assert [(r.location, r.reason) for r in read.rejected] == [
        ("item 4", "not a JSON object but str")
    ]


def test_ris_records_and_an_unclosed_record() -> None:
    read = read_references(fixture_bytes("zotero.ris"))
    assert read.format == "ris"
    assert [r.location for r in read.references] == ["line 1", "line 19", "line 33"]
    first = read.references[0]
    assert first.arxiv_id == "0704.0002"
    assert first.note == "Pebble games: read with the reading group on Friday"
    assert first.keywords == (
        "Computer Science Computational Geometry",
        "Mathematics Combinatorics",
    )
    assert read.references[1].arxiv_id == "0704.0010"
    assert [(r.location, r.reason) for r in read.rejected] == [
        ("line 28", "record not closed by ER before line 33")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arXiv:2401.12345v2 [cs.LG]", "2401.12345"),
        ("arXiv preprint arXiv:1706.03762", "1706.03762"),
        ("https://arxiv.org/pdf/2401.12345v1.pdf", "2401.12345"),
        ("http://arxiv.org/abs/hep-th/9901001v3", "hep-th/9901001"),
        ("10.48550/arXiv.2310.06825", "2310.06825"),
        ("abs/1810.04805", "1810.04805"),
        ("arXiv: math.GT/0309136", "math/0309136"),
        ("Physical Review D 76", None),
        ("arXiv:2413.00001", None),  # month 13 is no arXiv id
    ],
)
def test_arxiv_ids_in_free_text(text: str, expected: str | None) -> None:
    assert arxiv_id_in([text]) == expected


def test_dois_are_cleaned() -> None:
    assert clean_doi("https://doi.org/10.1103/PhysRevD.76.013009") == "10.1103/physrevd.76.013009"
    assert clean_doi("doi: 10.1007/978-3-540-74126-8_23.") == "10.1007/978-3-540-74126-8_23"
    assert clean_doi("not a doi") is None


def test_format_is_guessed_from_extension_then_content() -> None:
    assert guess_format("", "refs.BIB") == "bibtex"
    assert guess_format("", "export.ris") == "ris"
    assert guess_format("", "My Library.json") == "csl-json"
    assert guess_format('  [{"title": "x"}]', "library.txt") == "csl-json"
    assert guess_format("TY  - JOUR\nTI  - x\nER  - \n") == "ris"
    assert guess_format("% comment\n@Article{k, title={x}}") == "bibtex"
    with pytest.raises(ReferenceFormatError, match="cannot tell the format"):
        guess_format("just some words", "notes.txt")


def test_unusable_input_raises_clear_errors() -> None:
    with pytest.raises(ReferenceFormatError, match="the file is empty"):
        read_references(b"  \n")
    with pytest.raises(ReferenceFormatError, match="unknown format 'endnote'"):
        read_references(b"@misc{a, title={x}}", format="endnote")
    with pytest.raises(ReferenceFormatError, match=r"not valid JSON: .* at line 1 column 3"):
        read_references(b"[{oops", format="csl-json")
    with pytest.raises(ReferenceFormatError, match="file too large"):
        read_references(b" " * (MAX_FILE_BYTES + 1))
    many = b"".join(b"@misc{k%d, title={T}}\n" % i for i in range(MAX_ENTRIES + 1))
    with pytest.raises(ReferenceFormatError, match=f"too many entries: {MAX_ENTRIES + 1:,}"):
        read_references(many)
    with pytest.raises(ReferenceFormatError, match=r"no bibtex entries .*line 1: malformed"):
        read_references(b"@article{a,\n title = {never closed\n")


def test_hostile_strings_stay_data() -> None:
    text = (
        '@misc{x, title = {<script>alert(1)</script> {\\"U}ber \\input{/etc/passwd}},\n'
        "  note = {<img src=x onerror=alert(1)>Read me}, keywords = {'; DROP TABLE papers; --}}\n"
    )
    refs, rejected = parse_bibtex(text)
    assert not rejected
    assert refs[0].title.startswith("<script>alert(1)</script> Über")
    # Not HTML (no block tag first): text, shown escaped like every note.
    assert refs[0].note == "<img src=x onerror=alert(1)>Read me"
    assert refs[0].keywords == ("'", "DROP TABLE papers", "\u2013")  # LaTeX's -- is a dash


def test_notes_lose_html_markup_but_not_plain_angle_brackets() -> None:
    refs, _ = parse_bibtex(
        "@misc{a, title = {T}, annote = {<div><p>Read &amp; <b>cite</b></p></div>}}\n"
        "@misc{b, title = {T}, annote = {holds when a<b and c>d}}\n"
    )
    assert [r.note for r in refs] == ["Read & cite", "holds when a<b and c>d"]


def test_latin1_file_is_read_with_a_notice() -> None:
    read = read_references("@misc{k, title = {Caf\xe9 society and graphs}}".encode("latin-1"))
    assert read.references[0].title.startswith("Caf")
    assert read.notices and "not valid UTF-8" in read.notices[0]
