import pytest

from paperscope.arxiv_ids import ArxivId, parse_arxiv_id, parse_pasted_arxiv_id, text_paper_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2401.12345", ArxivId("2401.12345", None)),
        ("2401.12345v3", ArxivId("2401.12345", 3)),
        ("arXiv:2401.12345v2", ArxivId("2401.12345", 2)),
        ("https://arxiv.org/abs/2401.12345v2", ArxivId("2401.12345", 2)),
        ("https://arxiv.org/pdf/2401.12345.pdf", ArxivId("2401.12345", None)),
        ("oai:arXiv.org:2401.12345", ArxivId("2401.12345", None)),
        ("0704.0001", ArxivId("0704.0001", None)),
        ("hep-th/9901001", ArxivId("hep-th/9901001", None)),
        ("hep-th/9901001v2", ArxivId("hep-th/9901001", 2)),
        ("math.GT/0309136", ArxivId("math/0309136", None)),
        ("oai:arXiv.org:cond-mat/0102536", ArxivId("cond-mat/0102536", None)),
        ("https://huggingface.co/papers/2410.17243", ArxivId("2410.17243", None)),
        ("huggingface.co/papers/2410.17243?utm=x", ArxivId("2410.17243", None)),
        ("https://hf.co/papers/2410.17243", ArxivId("2410.17243", None)),
        ("https://arxiv.org/html/2410.17243v2", ArxivId("2410.17243", 2)),
        ("https://arxiv.org/pdf/2410.17243v1.pdf", ArxivId("2410.17243", 1)),
        ("arxiv.org/abs/2410.17243/", ArxivId("2410.17243", None)),
        ("https://www.arxiv.org/pdf/2410.17243", ArxivId("2410.17243", None)),
        ("https://arxiv.org/abs/hep-th/9901001v2#refs", ArxivId("hep-th/9901001", 2)),
        ("10.48550/arXiv.2410.17243", ArxivId("2410.17243", None)),
        ("https://doi.org/10.48550/arXiv.2410.17243", ArxivId("2410.17243", None)),
        ("https://ar5iv.labs.arxiv.org/html/2410.17243", ArxivId("2410.17243", None)),
        ("ar5iv.org/abs/2410.17243v2", ArxivId("2410.17243", 2)),
        ("https://www.alphaxiv.org/abs/2410.17243", ArxivId("2410.17243", None)),
        ("https://alphaxiv.org/overview/2410.17243v1", ArxivId("2410.17243", 1)),
        ("https://www.semanticscholar.org/arxiv/2410.17243", ArxivId("2410.17243", None)),
        ("https://browse.arxiv.org/abs/hep-th/9901001", ArxivId("hep-th/9901001", None)),
    ],
)
def test_parses_every_spelling(text: str, expected: ArxivId) -> None:
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "2401.123",
        "2413.12345",
        "1401.12345",
        "1501.1234",
        "hep-th/99010",
        "../etc/passwd",
        "https://example.org/abs/2410.17243",
        "https://semanticscholar.org/paper/2410.17243",
        "https://alphaxiv.org/explore/2410.17243",
        "10.1145/3442188.3445922",
    ],
)
def test_rejects_what_is_not_an_id(text: str) -> None:
    assert parse_arxiv_id(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arXiv: 2410.17243", "2410.17243"),
        ("arxiv 2410.17243v2", "2410.17243"),
        ("arXiv:2410.17243 [cs.CV]", "2410.17243"),
        ("arXiv:hep-th/9901001v1 [hep-th]", "hep-th/9901001"),
        ("(2410.17243)", "2410.17243"),
        ("“2410.17243”,", "2410.17243"),
        ("see 2410.17243", None),
        ("arxiv sanity", None),
        ("arXiv:2410.17243 [cs.CV] 24 Oct 2024", None),
        ("[cs.CV]", None),
    ],
)
def test_parses_what_readers_paste(text: str, expected: str | None) -> None:
    found = parse_pasted_arxiv_id(text)
    assert (found.base if found else None) == expected


def test_old_and_new_style_never_confused() -> None:
    old = parse_arxiv_id("hep-th/9901001")
    new = parse_arxiv_id("9901.00100")
    assert old is not None and old.old_style
    assert new is not None and not new.old_style
    assert old.base != new.base


def test_text_ids_are_stable_and_ignore_case_and_punctuation() -> None:
    a = text_paper_id("AdamP: Slowing Down the Slowdown")
    assert a == text_paper_id("adamp  slowing down the slowdown!")
    assert a != text_paper_id("AdamP: Speeding Up")
    assert a.startswith("ps-")
