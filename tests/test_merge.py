from datetime import UTC, date, datetime

from paperscope.models import AuthorDetail, Paper, Profile, Version
from paperscope.store.merge import merge_papers, record_hash


def _p(**kw: object) -> Paper:
    base: dict[str, object] = {
        "paper_id": "2401.00001",
        "arxiv_id": "2401.00001",
        "title": "T",
        "source": "oai-pmh",
    }
    base.update(kw)
    return Paper(**base)  # type: ignore[arg-type]


def test_unknown_never_erases_known() -> None:
    stored = _p(abstract="Known abstract", doi="10.1/x", authors=("A",))
    merged = merge_papers(stored, _p(source="hf-daily"))
    assert merged.abstract == "Known abstract"
    assert merged.doi == "10.1/x"
    assert merged.authors == ("A",)


def test_versions_accumulate_and_older_text_loses() -> None:
    t1 = datetime(2024, 1, 1, tzinfo=UTC)
    t2 = datetime(2024, 2, 1, tzinfo=UTC)
    stored = _p(
        title="New", versions=(Version(1, t1), Version(2, t2)), submitted_at=t1, updated_at=t2
    )
    merged = merge_papers(stored, _p(title="Old", versions=(Version(1, t1),), submitted_at=t1))
    assert merged.title == "New"
    assert [v.number for v in merged.versions] == [1, 2]
    assert merged.updated_at == t2


def test_feed_date_never_moves_and_upvotes_refresh() -> None:
    stored = _p(feed_date=date(2024, 10, 25), external_upvotes=3)
    merged = merge_papers(stored, _p(feed_date=date(2024, 10, 26), external_upvotes=9))
    assert merged.feed_date == date(2024, 10, 25)
    assert merged.external_upvotes == 9


def test_record_hash_ignores_where_stored() -> None:
    assert record_hash(_p(sources=("a",))) == record_hash(_p(sources=("b",)))
    assert record_hash(_p(title="x")) != record_hash(_p(title="y"))


def test_listing_fields_survive_a_later_arxiv_record() -> None:
    by = Profile("ClownRat", "Zesen Cheng", "/avatars/x.svg", (("isPro", False),))
    listed = datetime(2024, 10, 25, 0, 57, 9, 392000, tzinfo=UTC)
    stored = _p(
        source="hf-daily",
        submitted_by=by,
        listed_at=listed,
        thumbnail_url="https://t.example/x.png",
        media_urls=("https://m.example/a.png",),
        code_url="https://github.com/hf/listed",
        github_stars=10,
        source_comments=3,
    )
    arxiv = _p(source="oai-pmh", code_url="https://github.com/from/comments", abstract="A.")
    merged = merge_papers(stored, arxiv)
    assert merged.submitted_by == by and merged.listed_at == listed
    assert merged.thumbnail_url == "https://t.example/x.png"
    assert merged.media_urls == ("https://m.example/a.png",)
    assert (merged.github_stars, merged.source_comments) == (10, 3)
    assert merged.code_url == "https://github.com/hf/listed"  # text links only fill gaps
    assert merged.abstract == "A."
    # a newer listing refreshes counts but never moves the listing time
    later = _p(source="hf-daily", listed_at=datetime(2025, 1, 1, tzinfo=UTC), source_comments=5)
    again = merge_papers(merged, later)
    assert again.listed_at == listed and again.source_comments == 5 and again.github_stars == 10


def test_text_links_fill_gaps_and_hand_chosen_links_stay() -> None:
    stored = _p(source="oai-pmh")
    filled = merge_papers(stored, _p(code_url="https://github.com/a/b"))
    assert filled.code_url == "https://github.com/a/b"
    listed = merge_papers(filled, _p(source="hf-daily", code_url="https://github.com/hf/repo"))
    assert listed.code_url == "https://github.com/hf/repo"  # the listing site's own field
    edited = listed.replace(code_url="https://github.com/chosen/one", links_edited_by="ada")
    for incoming in (
        _p(source="hf-daily", code_url="https://github.com/hf/other"),
        _p(source="oai-pmh", project_url="https://p.example/"),
    ):
        kept = merge_papers(edited, incoming)
        assert kept.code_url == "https://github.com/chosen/one"
        assert kept.project_url is None and kept.links_edited_by == "ada"


def test_author_details_survive_an_arxiv_record_and_follow_the_names() -> None:
    claimed = AuthorDetail(
        "Zesen Cheng",
        Profile("ClownRat", "Zesen Cheng", "/avatars/x.svg", (("isPro", False),)),
        "claimed_verified",
        datetime(2024, 10, 25, 9, 30, 2, 67000, tzinfo=UTC),
    )
    assigned = AuthorDetail("Lidong Bing", Profile("LidongBing"), "admin_assigned")
    stored = _p(
        source="hf-daily",
        authors=("Zesen Cheng", "Hang Zhang", "Lidong Bing"),
        author_details=(claimed, assigned),
    )
    # arXiv lists the authors its own way (here: case and accents), and says nothing of
    # accounts: the details stay, matched by name.
    arxiv = _p(source="oai-pmh", authors=("ZESEN CHENG", "Háng Zhang", "Lidong Bing"))
    merged = merge_papers(stored, arxiv)
    assert merged.authors == arxiv.authors
    assert merged.author_details == (claimed, assigned)
    # a name the paper no longer lists takes its details with it
    renamed = merge_papers(merged, _p(authors=("Zesen Cheng", "Hang Zhang", "L. Bing")))
    assert renamed.author_details == (claimed,)
    # a newer listing says what it says now
    relisted = _p(source="hf-daily", authors=stored.authors, author_details=(assigned,))
    assert merge_papers(merged, relisted).author_details == (assigned,)
    assert record_hash(relisted) != record_hash(relisted.replace(author_details=()))
