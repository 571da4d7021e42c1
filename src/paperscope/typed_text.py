"""Text that readers type (comments, collection titles and notes, followed names), as
it is stored: without the characters that only hide or reorder what is written. C0
controls but tab and newlines, and DEL, are invisible (and PostgreSQL refuses NUL); the
bidirectional overrides U+202D and U+202E show letters in an order other than the one
written ("evil" as "live"). Right-to-left writing does not need them: pages give each
paragraph the direction of its own text."""

from __future__ import annotations

import re

_HIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202d\u202e]")


def without_hidden(text: str) -> str:
    return _HIDDEN.sub("", text)
