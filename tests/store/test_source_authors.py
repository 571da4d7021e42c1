"""The accounts a listing site links to one author across their papers."""

from __future__ import annotations

from paperscope.models import AuthorDetail, Paper, Profile
from paperscope.store import Store
from paperscope.store.papers import upsert_papers
from paperscope.store.source_authors import source_accounts


def _paper(pid: str, authors: tuple[str, ...], *details: AuthorDetail) -> Paper:
    return Paper(paper_id=pid, arxiv_id=pid, title=f"Paper {pid}", authors=authors,
                 author_details=details, source="hf-daily")  # fmt: skip


def test_the_accounts_linked_to_an_author_most_papers_first(any_store: Store) -> None:
    soren, other = Profile("shauberg", "Søren Hauberg"), Profile("sh-lab")
    upsert_papers(
        store=any_store,
        papers_in=[
            _paper("2401.00001", ("Søren Hauberg", "Ada Byron"),
                   AuthorDetail("Søren Hauberg", soren, "claimed_verified"),
                   AuthorDetail("Ada Byron", Profile("ada"))),
            # Listed under another spelling of the name: the same author.
            _paper("2401.00002", ("Soren Hauberg",),
                   AuthorDetail("Soren Hauberg", soren, "admin_assigned")),
            _paper("2401.00003", ("S. Hauberg",), AuthorDetail("S. Hauberg", other)),
            _paper("2401.00004", ("Søren Hauberg",), AuthorDetail("Søren Hauberg", other)),
            # Hidden there: not counted; no account: nothing to count.
            _paper("2401.00005", ("Søren Hauberg",),
                   AuthorDetail("Søren Hauberg", Profile("hidden"), hidden=True)),
            _paper("2401.00006", ("Søren Hauberg",), AuthorDetail("Søren Hauberg")),
        ],
    )  # fmt: skip
    found = source_accounts(store=any_store, name="soren hauberg")
    assert [p.name for p in found] == ["shauberg", "sh-lab"]
    assert found[0].fullname == "Søren Hauberg"
    assert [p.name for p in source_accounts(store=any_store, name="Ada Byron")] == ["ada"]
    assert source_accounts(store=any_store, name="Nobody") == []
