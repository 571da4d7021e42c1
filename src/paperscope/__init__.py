"""paperscope: a self-hosted research-paper discovery engine.

    import paperscope

    with paperscope.open("paperscope-data") as ps:
        results = ps.search("diffusion models", limit=5)

``open`` and the names below load on first use, so ``import paperscope`` stays
instant and loads no model (docs/python.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from paperscope.config import Settings
    from paperscope.instance import (
        DailyPapers,
        InvalidArgument,
        LibraryPage,
        NotFound,
        NotReady,
        Paperscope,
        PaperscopeError,
        TrendingPaper,
    )

__version__ = "0.1.0"
__all__ = [
    "DailyPapers",
    "InvalidArgument",
    "LibraryPage",
    "NotFound",
    "NotReady",
    "Paperscope",
    "PaperscopeError",
    "Settings",
    "TrendingPaper",
    "open",
]

_LAZY = {name: "paperscope.instance" for name in __all__ if name not in ("open", "Settings")}
_LAZY["Settings"] = "paperscope.config"


def open(source: str | Path | Settings | None = None, **settings: Any) -> Paperscope:
    """Open a paperscope: a data folder, a ``Settings``, or None for the
    ``PAPERSCOPE_*`` environment; keyword arguments override single settings
    (``paperscope.open("data", feed_mode="categories")``). Use it as a context
    manager, or call ``close()``."""
    from paperscope.instance import open_instance

    return open_instance(source, **settings)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'paperscope' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
