"""The author keys a fuzzy title match looks candidates up by."""

from __future__ import annotations

from paperscope.models import author_key
from paperscope.references.matching import author_keys


def test_keys_hold_the_name_and_its_initials_form() -> None:
    assert author_keys(["Ashish Vaswani"]) == ["ashish vaswani", "a vaswani"]
    # One initial per part of a hyphenated or dotted given name, as the key reads them.
    assert author_keys(["Jean-Pierre Dupont"]) == ["jean pierre dupont", "j p dupont"]
    assert author_key("J.-P. Dupont") in author_keys(["Jean-Pierre Dupont"])
    assert author_key("C. P. Yuan") in author_keys(["Chien-Peng Yuan"])
    assert author_keys(["Søren Hauberg"]) == ["soren hauberg", "s hauberg"]
    # A one-word name, and names that are nothing once keyed, add no more.
    assert author_keys(["Plato", "  ", "--"]) == ["plato"]
