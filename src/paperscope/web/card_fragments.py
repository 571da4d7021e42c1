"""Paper cards' shared HTML, rendered once and reused on every page that lists them.

Rendering a card is most of the cost of a page of cards (the author links, the
truncated abstract, the checked outside links), yet all of it but a few marks is the
same for every reader. That part lives in templates/_card_body.html, a macro that sees
nothing but the card; this LRU keeps its output keyed by everything the card holds
except the reader's own marks, so a change to any field (an upvote count, a search's
highlights, a new code link) is a different key and never shows an old rendering,
and no reader's state can reach another's page: the reader's marks, the CSRF token and
the collection menu are rendered around it on every request (_macros.html,
paper_card).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import date, datetime
from typing import Any

from jinja2 import Environment
from markupsafe import Markup
from pydantic import BaseModel

# Fields of a card that belong to its reader, rendered outside the shared part.
PERSONAL_FIELDS = frozenset({"upvoted", "saved"})  # both booleans (or None)
_SCALARS = frozenset({str, int, float, bool, type(None), datetime, date})
MAX_CARDS = 2048
TEMPLATE = "_card_body.html"


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


class CardBodies:
    """Thread-safe LRU of rendered card bodies, for one template environment. The
    macro is looked up once: templates change only with a new release (a restart)."""

    def __init__(self, env: Environment, max_cards: int = MAX_CARDS) -> None:
        self._env = env
        self._macro: Any = None
        self.max_cards = max_cards
        self._lock = threading.Lock()
        self._html: OrderedDict[Hashable, Markup] = OrderedDict()

    def __len__(self) -> int:
        return len(self._html)

    def __call__(self, card: BaseModel) -> Markup:
        key = card_key(card)
        with self._lock:
            html = self._html.get(key)
            if html is not None:
                self._html.move_to_end(key)
                return html
        if self._macro is None:
            self._macro = self._env.get_template(TEMPLATE).module.card_body  # type: ignore[attr-defined]
        html = Markup(self._macro(card))
        with self._lock:
            self._html[key] = html
            while len(self._html) > self.max_cards:
                self._html.popitem(last=False)
        return html
