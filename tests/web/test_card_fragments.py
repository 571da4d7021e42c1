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


def test_reader_cards_fill_in_each_readers_own_parts() -> None:
    cards = ReaderCards(templates.env, CardBodies(templates.env))
    alice = cards(_card(upvoted=True, saved=True), "tok-alice", [(7, "Alice's <list>")])
    bob = cards(_card(upvoted=False, saved=False), 'tok"bob', [])
    assert 'aria-pressed="true"' in alice and "in library" in alice
    assert 'aria-pressed="false"' in bob and "in library" not in bob
    assert alice.count('value="tok-alice"') == 2 and "tok-alice" not in bob  # upvote, menu
    assert bob.count('value="tok&#34;bob"') == 2  # escaped as the template escapes it
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
