"""The author keys a fuzzy title match looks candidates up by."""

from __future__ import annotations

from paperscope.models import author_key, initials_key


def _initials(name: str) -> str:
    return initials_key(author_key(name))


def test_full_names_and_initials_meet_in_one_key() -> None:
    assert _initials("Ashish Vaswani") == _initials("A. Vaswani") == "a vaswani"
    # One initial per part of a hyphenated or dotted given name, as the key reads them.
    assert _initials("Jean-Pierre Dupont") == _initials("J.-P. Dupont") == "j p dupont"
    assert _initials("C. P. Yuan") == _initials("Chien-Peng Yuan") == "c p yuan"
    assert _initials("Søren Hauberg") == "s hauberg"
    # A one-word name stays as it is; a name that is nothing once keyed is empty.
    assert _initials("Plato") == "plato"
    assert _initials("  ") == _initials("--") == ""
