"""typed_text.without_hidden: the one rule for what typed text loses before it is
stored, character by character."""

from __future__ import annotations

import pytest

from paperscope.typed_text import without_hidden

BIDI_FORMATTING = {
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
}


@pytest.mark.parametrize("char", sorted(BIDI_FORMATTING), ids=BIDI_FORMATTING.get)
def test_every_embedding_override_and_isolate_is_dropped(char: str) -> None:
    assert without_hidden(f"a{char}b{char}") == "ab"


@pytest.mark.parametrize("char", ["\u200e", "\u200f", "\u061c"])
def test_directional_marks_stay(char: str) -> None:
    # They reorder no letter; right-to-left writing uses them around digits and marks.
    assert (
        without_hidden(f"\u05e9\u05dc\u05d5\u05dd{char} 2024")
        == f"\u05e9\u05dc\u05d5\u05dd{char} 2024"
    )


def test_controls_go_and_tabs_and_newlines_stay() -> None:
    assert without_hidden("a\x00b\x07c\x1bd\x7fe") == "abcde"
    assert without_hidden("line\tone\nline two\r\n") == "line\tone\nline two\r\n"
    assert without_hidden("C++ and Müller, 日本語") == "C++ and Müller, 日本語"
