"""The shared part of a paper card is rendered once per content: any change to what
the card shows is a new rendering, the reader's own marks never are part of it, and
the kept renderings stay within their bound."""

from __future__ import annotations

from datetime import UTC, datetime

from paperscope.web.card_fragments import CardBodies, card_key
from paperscope.web.rendering import templates
from paperscope.web.schemas import PaperCard, PersonOut


def _card(**changes: object) -> PaperCard:
    card = PaperCard(
        paper_id="2410.00001",
        url="/papers/2410.00001",
        title="Memory <barriers> & contrastive loss",
        abstract="An abstract " * 20,
        authors=["Ada Lovelace", "Alan Turing"],
        categories=["cs.LG", "cs.CL"],
        submitted_at=datetime(2024, 10, 25, tzinfo=UTC),
        upvotes=3,
        submitted_by=PersonOut(name="ada", url="/users/ada", local=True),
    )
    return card.model_copy(update=changes)


def test_the_key_ignores_only_the_readers_marks() -> None:
    base = card_key(_card())
    assert card_key(_card(upvoted=True, saved=True)) == base
    assert hash(card_key(_card(upvoted=False))) == hash(base)
    for changes in (
        {"num_comments": 1},
        {"authors": ["Ada Lovelace"]},
        {"title_html": "Memory <mark>barriers</mark>"},
        {"code_url": "https://github.com/x/y"},
        {"submitted_by": PersonOut(name="bob", url="/users/bob", local=True)},
        {"ai_keywords": ["memory"]},
        {"score": 0.5},
    ):
        assert card_key(_card(**changes)) != base, changes


def test_bodies_render_each_content_once_and_stay_bounded() -> None:
    bodies = CardBodies(templates.env, max_cards=3)
    first = bodies(_card())
    assert "Memory &lt;barriers&gt; &amp; contrastive loss" in first
    assert 'href="/authors/Ada%20Lovelace"' in first
    assert bodies(_card(upvoted=True)) is first  # the reader's mark: the same rendering
    changed = bodies(_card(num_comments=2))
    assert "2 comments" in changed and "2 comments" not in first
    for n in range(5):
        bodies(_card(upvotes=n))
    assert len(bodies) == 3
