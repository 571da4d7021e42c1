from paperscope.models import Paper, Version
from paperscope.store import Store
from paperscope.store.papers import get_paper, iter_changed_papers, upsert_papers


def _paper(**kw: object) -> Paper:
    base = dict(
        paper_id="2401.12345",
        arxiv_id="2401.12345",
        title="A title",
        abstract="Abstract.",
        authors=("Ada Lovelace", "Alan Turing"),
        categories=("cs.LG", "stat.ML"),
        primary_category="cs.LG",
        versions=(Version(1),),
        source="oai-pmh",
    )
    base.update(kw)
    return Paper(**base)  # type: ignore[arg-type]


def test_upsert_is_idempotent_and_keeps_history(any_store: Store) -> None:
    first = upsert_papers(store=any_store, papers_in=[_paper()])
    assert first.new == ["2401.12345"]
    again = upsert_papers(store=any_store, papers_in=[_paper()])
    assert (again.new, again.updated, again.unchanged) == ([], [], ["2401.12345"])
    newer = upsert_papers(
        store=any_store, papers_in=[_paper(title="Better title", versions=(Version(2),))]
    )
    assert newer.updated == ["2401.12345"]
    stored = get_paper(store=any_store, paper_id="arXiv:2401.12345v2")
    assert stored is not None
    assert stored.title == "Better title"
    assert [v.number for v in stored.versions] == [1, 2]
    assert stored.authors == ("Ada Lovelace", "Alan Turing")  # never duplicated
    # an older version arriving late does not overwrite the newer text
    upsert_papers(store=any_store, papers_in=[_paper(title="Old title", source="arxiv-snapshot")])
    stored = get_paper(store=any_store, paper_id="2401.12345")
    assert stored is not None and stored.title == "Better title"
    assert set(stored.sources) == {"oai-pmh", "arxiv-snapshot"}


def test_changes_are_visible_by_sequence(any_store: Store) -> None:
    upsert_papers(
        store=any_store,
        papers_in=[_paper(), _paper(paper_id="hep-th/9901001", arxiv_id="hep-th/9901001")],
    )
    batches = list(iter_changed_papers(store=any_store, after_seq=0))
    seq, papers = batches[-1]
    assert {p.paper_id for p in papers} == {"2401.12345", "hep-th/9901001"}
    upsert_papers(store=any_store, papers_in=[_paper(abstract="Changed.")])
    later = [
        p.paper_id for _, ps in iter_changed_papers(store=any_store, after_seq=seq) for p in ps
    ]
    assert later == ["2401.12345"]


def test_text_dump_record_merges_into_the_arxiv_paper_with_its_title(any_store: Store) -> None:
    from paperscope.arxiv_ids import text_paper_id

    upsert_papers(store=any_store, papers_in=[_paper(title="Attention Is All You Need")])
    text_record = Paper(
        paper_id=text_paper_id("attention is all you need"),
        title="Attention is all you need",
        abstract="Abstract.",
        source="text",
    )
    result = upsert_papers(store=any_store, papers_in=[text_record])
    assert result.new == []
    merged = get_paper(store=any_store, paper_id="2401.12345")
    assert merged is not None and "text" in merged.sources
    # records with ids of their own are never merged by title
    twins = [Paper(paper_id=f"doc-{i}", title="Same title", source="export") for i in (1, 2)]
    assert sorted(upsert_papers(store=any_store, papers_in=twins).new) == ["doc-1", "doc-2"]
