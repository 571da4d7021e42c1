"""Validation failures said in words ("Page must be between 1 and 500") instead of
the validator's own phrasing: pydantic's error dicts, as the web app's request
validation and the MCP tools' argument checks both raise them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_LOCATIONS = ("body", "query", "path", "header", "cookie")


# Words a label spells its own way.
_SPELLING = {"arxiv": "arXiv", "doi": "DOI", "url": "URL", "q": "query"}


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    # A field typed as a union gets one error per member, each located under the
    # member's schema tag ("literal['bibtex','ris']", "function-after[...]"); the
    # field is the same.
    # Only the first part names where the value was (a JSON field may itself be
    # called "body").
    rest = loc[1:] if loc and loc[0] in _LOCATIONS else loc
    parts = [str(part) for part in rest if not _is_tag(part)]
    return ".".join(parts) or "request"


def error_field(error: Mapping[str, Any]) -> str:
    """The field one validation error is about. A body that is not JSON at all is
    located at ("body", <character position>): the field is the body, and the
    position is not a field's name."""
    if error.get("type") == "json_invalid":
        return "body"
    return field_name(error.get("loc", ()))


def _json_position(error: Mapping[str, Any]) -> int | None:
    loc = tuple(error.get("loc", ()))
    if len(loc) == 2 and loc[0] == "body" and isinstance(loc[1], int):
        return loc[1]
    return None


def _not_json(error: Mapping[str, Any]) -> str:
    """A body that is not JSON, in words: "The request body is not valid JSON: expecting
    ',' delimiter, at character 12" (the decoder's reason and where it stopped, when
    they are known)."""
    said = "The request body is not valid JSON"
    reason = str(dict(error.get("ctx") or {}).get("error") or "").strip().rstrip(".")
    position = _json_position(error)
    if reason:
        said += f": {reason[:1].lower()}{reason[1:]}"
    if position is not None:
        # the decoder counts from 0; people count characters from 1
        said += f"{',' if reason else ''} at character {position + 1}"
    return said


def _is_tag(part: object) -> bool:
    return isinstance(part, str) and "[" in part and part.endswith("]")


def _label(field: str) -> str:
    """``date_from`` -> "Date from"; ``texts.0`` -> "Texts item 1"; ``arxiv_id`` ->
    "arXiv id"."""
    words = []
    for part in field.split("."):
        if part.isdigit():
            words.append(f"item {int(part) + 1}")
        else:
            words.extend(_SPELLING.get(word, word) for word in part.split("_"))
    text = " ".join(words)
    return text if text.startswith("arXiv") else text[:1].upper() + text[1:]


def _range(label: str, bounds: Mapping[str, Any]) -> str | None:
    low = bounds.get("ge", bounds.get("gt"))
    high = bounds.get("le", bounds.get("lt"))
    if "ge" in bounds and "le" in bounds:
        return f"{label} must be between {low} and {high}"
    if high is not None and low is None:
        return f"{label} must be {'at most' if 'le' in bounds else 'less than'} {high}"
    if low is not None and high is None:
        return f"{label} must be {'at least' if 'ge' in bounds else 'more than'} {low}"
    if low is not None and high is not None:
        return f"{label} must be more than {low} and less than {high}"
    return None


_BY_TYPE = {
    "missing": "{label} is required",
    "int_parsing": "{label} must be a whole number",
    "int_from_float": "{label} must be a whole number",
    "float_parsing": "{label} must be a number",
    "bool_parsing": "{label} must be true or false",
    "bool_type": "{label} must be true or false",
    "int_type": "{label} must be a whole number",
    "float_type": "{label} must be a number",
    "date_parsing": "{label} must be a date such as 2024-10-25",
    "date_from_datetime_parsing": "{label} must be a date such as 2024-10-25",
    "datetime_parsing": "{label} must be a date and time such as 2024-10-25T08:00:00Z",
    "string_too_long": "{label} must be at most {max_length} {characters}",
    "string_too_short": "{label} must be at least {min_length} {characters}",
    "too_long": "{label} must have at most {max_length} {items}",
    "too_short": "{label} must have at least {min_length} {items}",
    "literal_error": "{label} must be one of {expected}",
    "enum": "{label} must be one of {expected}",
    "string_type": "{label} must be text",
    "list_type": "{label} must be a list",
    "model_attributes_type": "The request body must be a JSON object",
    "dict_type": "{label} must be a JSON object",
    "extra_forbidden": "{label} is not a known field",
}
_BOUNDED = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def describe(error: Mapping[str, Any], bounds: Mapping[str, Any], *, as_named: bool = False) -> str:
    """One validation error as a sentence, e.g. "Page must be between 1 and 500";
    ``as_named`` calls the field by its own name ("page_size must ...") rather than in
    words, for callers that write the name themselves (a tool's arguments)."""
    kind = str(error.get("type", ""))
    if kind == "json_invalid":
        return _not_json(error)
    field = error_field(error)
    label = field if as_named else _label(field)
    if field == "request":
        label = "The request body"
    ctx = dict(error.get("ctx") or {})
    if kind in _BOUNDED:
        said = _range(label, {**ctx, **bounds})
        if said:
            return said
    template = _BY_TYPE.get(kind)
    if template:
        # "at least 1 character", "at most 2 items"
        count = ctx.get("min_length", ctx.get("max_length"))
        one = count == 1
        try:
            return template.format(
                label=label,
                characters="character" if one else "characters",
                items="item" if one else "items",
                **ctx,
            )
        except (KeyError, IndexError):
            pass
    return f"{label}: {error.get('msg', 'not valid')}"
