"""Request validation failures said in words for error pages and the API's
``message`` (the wording: paperscope/validation_words.py). The API's
``details.fields`` keep the machine-readable parts: the field, the error type and its
limits."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant

from paperscope.validation_words import describe, error_field


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def declared_bounds(request: Request, name: str) -> dict[str, Any]:
    """The numeric bounds (ge, gt, le, lt) the route declares for parameter ``name``,
    so a message can give the whole range, not only the side that was crossed."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return {}
    for dep in _dependants(dependant):
        for param in (*dep.query_params, *dep.path_params):
            if name not in (param.name, param.alias):
                continue
            bounds: dict[str, Any] = {}
            for item in param.field_info.metadata:
                for key in ("ge", "gt", "le", "lt"):
                    if getattr(item, key, None) is not None:
                        bounds[key] = getattr(item, key)
            return bounds
    return {}


def field_details(error: Mapping[str, Any], bounds: Mapping[str, Any]) -> dict[str, Any]:
    """The machine-readable account of one error for ``details.fields``."""
    out: dict[str, Any] = {
        "field": error_field(error),
        "type": str(error.get("type", "invalid")),
        "message": describe(error, bounds),
    }
    limits = {k: v for k, v in {**dict(error.get("ctx") or {}), **bounds}.items()
              if k in ("ge", "gt", "le", "lt", "min_length", "max_length")}  # fmt: skip
    if limits:
        out["limits"] = limits
    return out
