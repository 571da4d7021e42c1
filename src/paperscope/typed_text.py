"""Text that readers type (comments, collection titles and notes, followed names), as
it is stored: without the characters that only hide or reorder what is written. C0
controls but tab and newlines, and DEL, are invisible (and PostgreSQL refuses NUL). The
bidirectional formatting characters go too: the overrides U+202D and U+202E show
letters in an order other than the one written ("evil" as "live"), the embeddings
U+202A and U+202B and the isolates U+2066 to U+2068 reorder the text around them, and
their terminators U+202C and U+2069, typed alone, close what the page around them had
opened. Right-to-left writing does not need any of them: pages give each paragraph the
direction of its own text. The marks U+200E, U+200F and U+061C stay: they only give
neutral characters (digits, punctuation) a direction, reorder no letter, and writers
of right-to-left languages use them."""

from __future__ import annotations

import re

_HIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def without_hidden(text: str) -> str:
    return _HIDDEN.sub("", text)
