"""OAI-PMH parsing on arXiv's real pages and on fixtures written from the arXiv and
arXivRaw format specifications."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperscope.models import Paper, Rejected
from paperscope.sources import arxiv_oai
from paperscope.sources.arxiv_categories import category_code, category_from_set_spec
from paperscope.sources.arxiv_fields import (
    detex_name,
    forenames,
    name_from_sorted,
    split_authors,
)
from paperscope.sources.arxiv_oai import MalformedXml, parse_page, read_records, sniff

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv"
CS_PAGE = "arxiv/oai_pmh_listrecords_oai_dc_cs_page.xml"
SMALL_PAGE = "arxiv/oai_pmh_listrecords_oai_dc_small.xml"


def _read(path: Path) -> list[Paper | Rejected]:
    with path.open("rb") as stream:
        return list(read_records(stream, name=path.name))


def test_real_cs_page_gives_every_record_and_its_token(shared_data: Path) -> None:
    page = parse_page((shared_data / CS_PAGE).read_bytes())
    assert len(page.papers) == 153
    assert page.rejected == [] and page.deleted == []
    assert page.token is not None
    assert (page.token.value, page.token.cursor, page.token.complete_list_size) == (
        "6967186|2001",
        1000,
        2775,
    )
    assert page.next_token == "6967186|2001"
    assert page.response_date == datetime(2024, 1, 31, 7, 28, 24, tzinfo=UTC)
    assert len({p.paper_id for p in page.papers}) == 153
    assert all(
        p.source == "oai-pmh" and p.title and p.abstract and p.categories for p in page.papers
    )


def test_real_small_page(shared_data: Path) -> None:
    records = _read(shared_data / SMALL_PAGE)
    assert len(records) == 5 and all(isinstance(r, Paper) for r in records)
    page = parse_page((shared_data / SMALL_PAGE).read_bytes())
    assert page.token is not None and (page.token.cursor, page.token.complete_list_size) == (
        0,
        1162,
    )


def test_dublin_core_fields(shared_data: Path) -> None:
    papers = {p.paper_id: p for p in parse_page((shared_data / CS_PAGE).read_bytes()).papers}
    ber = papers["1210.8326"]
    assert ber.title == "General BER Expression for One-Dimensional Constellations"
    assert ber.authors == ("Mikhail Ivanov", "Fredrik Brännström", "Alex Alvarado", "Erik Agrell")
    assert ber.categories == ("cs.IT",) and ber.primary_category == "cs.IT"
    assert ber.doi == "10.1109/GLOCOM.2012.6503435"
    assert ber.journal_ref is not None and ber.journal_ref.startswith("Proc. Global Communications")
    assert ber.comments is not None and ber.comments.startswith("To appear in the Proceedings")
    assert not ber.abstract.startswith(" ") and "\n" not in ber.abstract
    bias = papers["2304.07683"]
    assert [v.number for v in bias.versions] == [1, 2]
    assert bias.submitted_at == datetime(2023, 4, 15, tzinfo=UTC)
    assert bias.updated_at == datetime(2023, 12, 7, tzinfo=UTC)


def test_subjects_map_to_codes_primary_first(shared_data: Path) -> None:
    papers = {p.paper_id: p for p in _read(shared_data / SMALL_PAGE) if isinstance(p, Paper)}
    assert papers["1303.2033"].categories == ("cs.DS", "cs.IT", "math.NA")
    assert papers["1303.2033"].primary_category == "cs.DS"


def test_every_long_subject_in_the_real_page_is_mapped(shared_data: Path) -> None:
    text = (shared_data / CS_PAGE).read_text()
    subjects = {s.split("<")[0] for s in text.split("<dc:subject>")[1:]}
    long_names = {s for s in subjects if " - " in s or s in ("Quantum Physics",)}
    assert long_names and all(category_code(s) for s in long_names), sorted(
        s for s in long_names if not category_code(s)
    )
    assert category_code("68U10") is None and category_code("I.2.4") is None


def test_arxiv_format_fixture() -> None:
    path = FIXTURES / "listrecords_arxiv.xml"
    page = parse_page(path.read_bytes(), name=path.name)
    papers = {p.paper_id: p for p in page.papers}
    assert set(papers) == {"0704.0001", "hep-th/9901001", "2401.17268"}
    assert page.deleted == ["oai:arXiv.org:2401.00099"]
    assert page.rejected == [
        Rejected("listrecords_arxiv.xml record oai:arXiv.org:2401.17270", "the record has no title")
    ]
    assert page.next_token is None
    diphoton = papers["0704.0001"]
    # The arXiv format writes "C.-P." as forenames "C. -P.": rejoined, as in the byline.
    assert diphoton.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan")
    assert diphoton.title.endswith("at Tevatron and LHC energies")
    assert (diphoton.journal_ref, diphoton.doi, diphoton.report_no) == (
        "Phys.Rev.D76:013009,2007",
        "10.1103/PhysRevD.76.013009",
        "ANL-HEP-PR-07-12",
    )
    assert diphoton.submitted_at == datetime(2007, 4, 2, tzinfo=UTC)
    assert diphoton.updated_at == datetime(2007, 7, 24, tzinfo=UTC)
    old = papers["hep-th/9901001"]
    assert old.authors == ("Jörg Müller Jr", "María García")
    assert old.categories == ("hep-th", "math-ph", "math.MP") and old.primary_category == "hep-th"
    moe = papers["2401.17268"]
    assert moe.categories == ("cs.LG", "stat.ML", "cs.CL")
    assert moe.doi == "10.5555/1234567"
    assert moe.license == "http://creativecommons.org/licenses/by/4.0/"
    assert moe.authors == ("Adaeze Okafor", "Sven Lindström", "Ng")


def test_arxiv_raw_fixture_versions_and_authors() -> None:
    page = parse_page((FIXTURES / "listrecords_arxivraw.xml").read_bytes())
    papers = {p.paper_id: p for p in page.papers}
    assert page.rejected == []
    diphoton = papers["0704.0001"]
    assert diphoton.submitter == "Pavel Nadolsky"
    assert diphoton.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan")
    assert [(v.number, v.size) for v in diphoton.versions] == [(1, "424kb"), (2, "424kb")]
    assert diphoton.submitted_at == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    moe = papers["2401.17268"]
    # Versions arrive out of order; they are stored in order, latest last.
    assert [v.number for v in moe.versions] == [1, 2, 3]
    assert moe.latest_version == 3
    assert moe.updated_at == datetime(2024, 2, 1, 8, 0, tzinfo=UTC)
    assert moe.authors == ("Adaeze Okafor", "Sven Lindström", "Y. Ng")
    # Without an <id>, the OAI identifier in the header still names the paper.
    assert papers["2401.17299"].title == "A record whose id element is missing"


def test_record_without_any_id_is_rejected_and_the_rest_kept() -> None:
    xml = (FIXTURES / "listrecords_arxiv.xml").read_bytes()
    xml = xml.replace(
        b"<identifier>oai:arXiv.org:0704.0001</identifier>",
        b"<identifier>oai:arXiv.org:</identifier>",
    )
    xml = xml.replace(b"<id>0704.0001</id>", b"<id>not an id</id>")
    page = parse_page(xml, name="broken.xml")
    assert {p.paper_id for p in page.papers} == {"hep-th/9901001", "2401.17268"}
    assert [r.location for r in page.rejected] == [
        "broken.xml record oai:arXiv.org:",
        "broken.xml record oai:arXiv.org:2401.17270",
    ]
    assert "no arXiv id" in page.rejected[0].reason


def test_truncated_file_keeps_complete_records_and_names_the_line(shared_data: Path) -> None:
    data = (shared_data / CS_PAGE).read_bytes()
    cut = data[: len(data) // 2]
    records = list(read_records(io.BytesIO(cut), name="cut.xml"))
    papers = [r for r in records if isinstance(r, Paper)]
    assert len(papers) == cut.count(b"</record>")
    damage = records[-1]
    assert isinstance(damage, Rejected)
    last_line = cut.count(b"\n") + 1
    assert damage.location in {f"cut.xml:{last_line}", f"cut.xml:{last_line - 1}"}
    assert f"the {len(papers)} records before it were read" in damage.reason
    with pytest.raises(MalformedXml) as raised:
        parse_page(cut)
    assert raised.value.records_before == len(papers)


def test_xml_bomb_and_external_entities_are_refused() -> None:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE OAI-PMH [<!ENTITY l0 "lol">{lol}]>'
        f'<OAI-PMH xmlns="{arxiv_oai.OAI_NS}"><ListRecords>'
        "<record><header><identifier>&l9;</identifier></header></record></ListRecords></OAI-PMH>"
    ).encode()
    records = list(read_records(io.BytesIO(bomb), name="bomb.xml"))
    assert len(records) == 1 and isinstance(records[0], Rejected)
    secret = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
        f'<OAI-PMH xmlns="{arxiv_oai.OAI_NS}"><responseDate>&x;</responseDate><ListRecords>'
        "<record><header><identifier>oai:arXiv.org:2401.00001</identifier></header></record>"
        "</ListRecords></OAI-PMH>"
    ).encode()
    records = list(read_records(io.BytesIO(secret), name="entity.xml"))
    assert records == [Rejected("entity.xml:1", records[0].reason)]
    assert "DTD" in records[0].reason


def test_oai_errors_are_reported_not_raised() -> None:
    xml = (
        f'<?xml version="1.0"?><OAI-PMH xmlns="{arxiv_oai.OAI_NS}">'
        "<responseDate>2024-02-01T00:00:00Z</responseDate><request>x</request>"
        '<error code="badResumptionToken">expired</error></OAI-PMH>'
    ).encode()
    page = parse_page(xml)
    assert page.records == [] and page.next_token is None
    error = page.error("badResumptionToken")
    assert error is not None and error.message == "expired"
    assert page.error("noRecordsMatch") is None


def test_a_document_that_is_not_oai_pmh_is_one_clear_rejection() -> None:
    records = _read(FIXTURES / "api_query_cs_lg.xml")
    assert len(records) == 1 and isinstance(records[0], Rejected)
    assert "not an OAI-PMH response" in records[0].reason


def test_sniff(shared_data: Path) -> None:
    assert sniff((shared_data / CS_PAGE).read_bytes()[:200])
    assert sniff((FIXTURES / "listrecords_arxivraw.xml").read_bytes()[:600])
    assert not sniff((FIXTURES / "api_query_cs_lg.xml").read_bytes()[:600])
    assert not sniff((FIXTURES / "rss_cs_lg.xml").read_bytes()[:600])
    assert not sniff(b'{"id": "0704.0001", "title": "<OAI-PMH>"}')
    assert arxiv_oai.FORMAT == "oai-pmh"


@pytest.mark.parametrize(
    ("tex", "plain"),
    [
        (r"Bal\'azs", "Balázs"),
        (r"M\"{u}ller", "Müller"),
        (r"Garc{\'\i}a", "García"),
        (r"\v{S}koda", "Škoda"),
        (r"Fran\c{c}ois", "François"),
        (r"Sch\"onberg and {\o}stergaard", "Schönberg and østergaard"),
        ("Plain Name", "Plain Name"),
    ],
)
def test_detex_name(tex: str, plain: str) -> None:
    assert detex_name(tex) == plain


def test_author_helpers() -> None:
    assert [forenames(f) for f in ("C. -P.", "J.  -N.", "A. B.", "Jean-Pierre")] == [
        "C.-P.",
        "J.-N.",
        "A. B.",
        "Jean-Pierre",
    ]
    assert name_from_sorted("Ivanov, Mikhail") == "Mikhail Ivanov"
    assert name_from_sorted("King, Martin Luther, Jr.") == "Martin Luther King Jr."
    assert name_from_sorted("Collaboration") == "Collaboration"
    assert split_authors("A. Smith (MIT, Cambridge), B. Jones and C. Wu") == (
        "A. Smith",
        "B. Jones",
        "C. Wu",
    )


def test_set_specs() -> None:
    assert category_from_set_spec("cs") == "cs"
    assert category_from_set_spec("physics:hep-th") == "hep-th"
    assert category_from_set_spec("cs:cs:LG") == "cs.LG"
    assert category_from_set_spec("nonsense") is None
