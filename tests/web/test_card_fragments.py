"""The shared part of a paper card is rendered once per content: any change to what
the card shows is a new rendering, the reader's own marks never are part of it, and
the kept renderings stay within their bound."""

from __future__ import annotations

import os
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperscope.web import card_fragments
from paperscope.web.card_fragments import CardBodies, ReaderCards, card_key
from paperscope.web.rendering import TEMPLATES_DIR, make_templates, templates
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
    assert bodies(_card(upvoted=True)) == first  # the reader's mark: the same rendering
    assert len(bodies) == 1
    changed = bodies(_card(num_comments=2))
    assert "2 comments" in changed and "2 comments" not in first
    for n in range(5):
        bodies(_card(upvotes=n))
    assert len(bodies) == 3


def test_a_paper_found_by_two_searches_is_rendered_once_with_each_ones_marks() -> None:
    bodies = CardBodies(templates.env)
    cards = ReaderCards(templates.env, bodies)
    plain = bodies(_card())
    first = {
        "title_html": "<mark>Memory</mark> barriers",
        "abstract_html": "An <mark>abstract</mark>",
    }
    second = {"title_html": "Memory <mark>barriers</mark>", "abstract_html": "…", "score": 0.7}
    one, two = bodies(_card(**first, score=0.1)), bodies(_card(**second))
    assert "<mark>Memory</mark> barriers" in one and "An <mark>abstract</mark>" in one
    assert "Memory <mark>barriers</mark>" in two and "<mark>Memory</mark>" not in two
    assert "An abstract An abstract" in plain and "An abstract An" not in one + two
    assert len(bodies) == 2  # the plain card and one for every search that finds it
    # A signed-in reader's card too; the score is shown by neither.
    mine = cards(_card(**first, upvoted=True), "tok", [])
    again = cards(_card(**second, upvoted=True), "tok", [])
    assert "<mark>Memory</mark> barriers" in mine and "Memory <mark>barriers</mark>" in again
    assert len(cards) == 1 and len(bodies) == 2
    assert "0.7" not in two + again and "ps-" not in one + two + mine + again


def test_reader_cards_fill_in_each_readers_own_parts() -> None:
    cards = ReaderCards(templates.env, CardBodies(templates.env))
    alice = cards(_card(upvoted=True, saved=True), "tok-alice", [(7, "Alice's <list>")])
    bob = cards(_card(upvoted=False, saved=False), 'tok"bob', [])
    assert 'aria-pressed="true"' in alice and "in library" in alice
    assert 'aria-pressed="false"' in bob and "in library" not in bob
    assert alice.count('value="tok-alice"') == 2 and "tok-alice" not in bob  # upvote, menu
    # escaped as the template escapes it; upvote, "Save" (not in bob's library), menu
    assert bob.count('value="tok&#34;bob"') == 3 and 'data-testid="save-paper"' in bob
    assert 'data-testid="save-paper"' not in alice
    assert '<option value="7">Alice&#39;s &lt;list&gt;</option>' in alice
    assert '<select name="collection_id">' in alice and "<select" not in bob and "Alice" not in bob
    # the same card and marks later: the kept rendering, with this request's parts
    again = cards(_card(upvoted=True, saved=True), "tok-carol", [(9, "Carol's")])
    assert "tok-alice" not in again and "Alice" not in again and 'value="tok-carol"' in again
    assert len(cards) == 2
    assert "ps-" not in alice + bob + again  # no stand-in left unfilled


def test_an_edited_card_template_drops_the_kept_renderings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(card_fragments, "TEMPLATE_CHECK_SECONDS", 0.0)  # not once a second
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, folder)
    env = make_templates(folder).env
    bodies, readers = env.globals["card_body"], env.globals["reader_card"]
    assert "EDITED" not in bodies(_card()) + readers(_card(upvoted=True), "tok", [])
    body = folder / "_card_body.html"
    macro = "{% macro card_body(c) -%}"
    body.write_text(body.read_text().replace(macro, macro + "EDITED"))
    later = body.stat().st_mtime + 5  # a new mtime even within one clock tick
    os.utime(body, (later, later))
    assert "EDITED" in bodies(_card())
    assert "EDITED" in readers(_card(upvoted=True), "tok", [])  # whole cards hold bodies


def test_cards_rendered_at_once_by_many_threads_on_first_use() -> None:
    bodies = CardBodies(templates.env)
    cards = ReaderCards(templates.env, bodies)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def render(n: int) -> None:
        start.wait()
        try:
            bodies(_card(upvotes=n))
            cards(_card(upvotes=n, upvoted=True), "tok", [])
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=render, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(bodies) == 8 and len(cards) == 8
