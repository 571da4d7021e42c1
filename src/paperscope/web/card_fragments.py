"""Paper cards' HTML, rendered once and reused on every page that lists them.

Rendering cards is most of the cost of a page of them (the author links, the
truncated abstract, the checked outside links, the forms), yet a card differs between
readers only by a few marks. Two LRUs keep the renderings, each keyed by everything
the card holds (so a change to any field, an upvote count, a search's highlights, a
new code link, is a different key and never shows an old rendering):

- ``CardBodies``: the part every reader sees alike (templates/_card_body.html, a
  macro that sees nothing but the card), without the reader's own marks;
- ``ReaderCards``: a signed-in reader's whole card (templates/_reader_card.html) for
  each combination of their marks (upvoted, saved), with stand-ins for the CSRF token
  and their collections, filled in for each request: no reader's token, marks or
  collections are ever kept where another reader's page could take them.

A search result's card also holds what its query made of it: the title and abstract
with the query's words marked, and a score. Both kinds of rendering keep stand-ins
where the marked title and abstract go (filled in last, for each request) and leave
the score out of the key (no card template shows it), so a paper's card is rendered
once for every search that finds it, not once per query.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from datetime import date, datetime
from typing import Any

from jinja2 import Environment
from markupsafe import Markup, escape
from pydantic import BaseModel

# Fields of a card that belong to its reader, rendered outside the shared part.
PERSONAL_FIELDS = frozenset({"upvoted", "saved"})  # both booleans (or None)
_SCALARS = frozenset({str, int, float, bool, type(None), datetime, date})
MAX_CARDS = 2048
MAX_MENUS = 256  # readers' collection menus, kept by content
BODY_TEMPLATE = "_card_body.html"
READER_TEMPLATE = "_reader_card.html"
MENU_TEMPLATE = "collections/_add_menu.html"
TEMPLATE_CHECK_SECONDS = 1.0  # how soon an edited card template shows
# A search's own parts of a card: shown through stand-ins, and not shown at all.
PER_QUERY_FIELDS = ("title_html", "abstract_html")
UNSHOWN_FIELDS = ("score",)


def _frozen(value: Any) -> Hashable:
    """``value`` as a hashable key with the same equality (lists, nested models)."""
    kind = type(value)
    if kind in _SCALARS:
        return value  # type: ignore[no-any-return]
    if kind is list or kind is tuple:
        return tuple(_frozen(v) for v in value)
    if isinstance(value, BaseModel):
        return (kind, *(_frozen(v) for v in value.__dict__.values()))
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    return value  # type: ignore[no-any-return]


def card_key(card: BaseModel) -> Hashable:
    """Everything the shared part of ``card`` may show: every field but the reader's.
    Cards hold scalars, lists of strings and small models of scalars: the quick path
    freezes those with a type lookup per field (an isinstance check against a pydantic
    model costs more than the rest together); anything else takes the long one."""
    quick: list[Any] = [type(card)]
    for name, value in card.__dict__.items():
        kind = type(value)
        if kind in _SCALARS:
            if name not in PERSONAL_FIELDS:
                quick.append(value)
        elif kind is list:
            quick.append(tuple(value))
        elif isinstance(value, BaseModel):
            quick.append((kind, *value.__dict__.values()))
        else:
            quick.append(_frozen(value))
    key = tuple(quick)
    try:
        hash(key)
    except TypeError:  # a list or model holding lists or models
        shared = [v for k, v in card.__dict__.items() if k not in PERSONAL_FIELDS]
        return (type(card), *(_frozen(v) for v in shared))
    return key


class _Lru:
    """A thread-safe LRU of rendered HTML, bounded by its number of entries."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._html: OrderedDict[Hashable, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._html)

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            html = self._html.get(key)
            if html is not None:
                self._html.move_to_end(key)
            return html

    def put(self, key: Hashable, html: str) -> None:
        with self._lock:
            self._html[key] = html
            while len(self._html) > self.max_entries:
                self._html.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._html.clear()


class _Templates:
    """Templates by name, looked up again at most once a second: with Jinja's
    auto_reload (its default) an edited template file is a new Template object, which
    tells the caches that keep renderings of it to drop them. (A lookup stats the file;
    once a second, not once per card, keeps that off the pages' cost.)"""

    def __init__(self, env: Environment, *names: str) -> None:
        self._env = env
        self._names = names
        self._seen: tuple[Any, ...] = ()
        self._checked_at = -math.inf
        self._lock = threading.Lock()
        self.modules: tuple[Any, ...] = ()

    def changed(self) -> bool:
        """True (and ``modules`` refreshed) on first use and after a template edit.
        Thread-safe: ``modules`` is set before the check time that lets other threads
        skip the check, so no thread ever sees it unset."""
        if time.monotonic() - self._checked_at < TEMPLATE_CHECK_SECONDS:
            return False
        with self._lock:
            now = time.monotonic()
            if now - self._checked_at < TEMPLATE_CHECK_SECONDS:
                return False  # another thread checked while this one waited
            current = tuple(self._env.get_template(name) for name in self._names)
            fresh = len(current) != len(self._seen) or any(
                a is not b for a, b in zip(current, self._seen, strict=True)
            )
            if fresh:
                self._seen = current
                self.modules = tuple(template.module for template in current)
            self._checked_at = now
            return fresh


class CardBodies:
    """The shared part of a card, for one template environment. An edited card
    template drops every kept rendering (see _Templates)."""

    def __init__(self, env: Environment, max_cards: int = MAX_CARDS) -> None:
        self._templates = _Templates(env, BODY_TEMPLATE)
        self._html = _Lru(max_cards)
        self.generation = 0  # counts template edits, for ReaderCards built on these
        word = secrets.token_hex(8)
        self._stand_ins = {name: f"ps-{word}-{name}" for name in PER_QUERY_FIELDS}

    def __len__(self) -> int:
        return len(self._html)

    def __call__(self, card: BaseModel) -> Markup:
        general, fills = self.general(card)
        return Markup(fill_in(self.rendered(general), fills))

    def general(self, card: BaseModel) -> tuple[BaseModel, list[tuple[str, str]]]:
        """``card`` as any search (or none) would show it: its marked title and
        abstract replaced by stand-ins, its score dropped; and what fills the
        stand-ins (HTML the search escaped, as the template outputs it)."""
        changes: dict[str, Any] = {}
        fills: list[tuple[str, str]] = []
        for name in PER_QUERY_FIELDS:
            value = getattr(card, name, None)
            if value:  # an empty one shows the plain text: no stand-in
                changes[name] = self._stand_ins[name]
                fills.append((self._stand_ins[name], value))
        for name in UNSHOWN_FIELDS:
            if getattr(card, name, None) is not None:
                changes[name] = None
        return (card.model_copy(update=changes) if changes else card), fills

    def rendered(self, card: BaseModel) -> str:
        """The kept rendering of a card from ``general`` (stand-ins unfilled)."""
        self.refresh()
        key = card_key(card)
        html = self._html.get(key)
        if html is None:
            html = str(self._templates.modules[0].card_body(card))
            self._html.put(key, html)
        return html

    def refresh(self) -> int:
        """Drop the renderings when the template changed; the current generation."""
        if self._templates.changed():
            self._html.clear()
            self.generation += 1
        return self.generation


class ReaderCards:
    """A signed-in reader's card: rendered once per card and marks (upvoted, saved)
    with stand-ins where the CSRF token and the reader's collections go, which are
    filled in for each request. The stand-ins hold a random word of this process, so
    no paper or title can forge one, and what fills them is escaped as the template
    would escape it. Collection menus are kept by their content (ids and titles)."""

    def __init__(self, env: Environment, bodies: CardBodies, max_cards: int = MAX_CARDS) -> None:
        self._templates = _Templates(env, READER_TEMPLATE, MENU_TEMPLATE)
        self._bodies = bodies
        self._body_generation = -1
        self._cards = _Lru(max_cards)
        self._menus = _Lru(MAX_MENUS)
        word = secrets.token_hex(8)
        self._csrf = f"ps-{word}-csrf"
        self._choices = f"ps-{word}-choices"

    def __len__(self) -> int:
        return len(self._cards)

    def __call__(self, card: Any, csrf_token: str, mine: list[tuple[int, str]]) -> Markup:
        # A whole card holds its body: an edit to either template drops them all.
        body_generation = self._bodies.refresh()
        if self._templates.changed() or body_generation != self._body_generation:
            self._body_generation = body_generation
            self._cards.clear()
            self._menus.clear()
        card_macros, menu_macros = self._templates.modules
        general, fills = self._bodies.general(card)
        key = (card_key(general), bool(card.upvoted), bool(card.saved))
        html = self._cards.get(key)
        if html is None:
            body = Markup(self._bodies.rendered(general))
            stand_ins = Markup(self._csrf), Markup(self._choices)
            html = str(card_macros.reader_card(general, body, *stand_ins))
            self._cards.put(key, html)
        menu_key = tuple(mine)
        menu = self._menus.get(menu_key)
        if menu is None:
            menu = str(menu_macros.collection_choices(mine))
            self._menus.put(menu_key, menu)
        # The marked title and abstract last: no paper's text is searched for a stand-in.
        readers = [(self._choices, menu), (self._csrf, str(escape(csrf_token)))]
        return Markup(fill_in(html, readers + fills))


def fill_in(html: str, fills: list[tuple[str, str]]) -> str:
    """``html`` with each stand-in replaced by its HTML, in order. A stand-in holds a
    random word of this process, which no paper's text can hold."""
    for stand_in, value in fills:
        html = html.replace(stand_in, value)
    return html
