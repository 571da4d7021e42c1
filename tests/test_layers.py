"""The package imports in one direction only (docs/architecture.md, "Imports"): each
top-level module or package imports its own parts and the layers below it. Read from
the source files' import statements (function-level and type-only imports included:
they are dependencies too), so an import against the order fails here rather than as
an import cycle later."""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "paperscope"

# Each top-level module or package of paperscope, by layer, lowest first. The first
# layer is the foundation: small modules of plain values that every layer uses, and may
# use one another. The pipeline writes through the store (ingest imports store, not the
# other way), and the index reads from it.
LAYERS: list[set[str]] = [
    {
        "(root)",
        "arxiv_ids",
        "config",
        "emails",
        "links",
        "models",
        "periods",
        "site_paths",
        "typed_text",
        "validation_words",
    },
    {"sources"},
    {"store"},
    {"ingest", "index", "api_tokens"},
    {"references", "search", "rank"},
    {"feeds"},
    {"people", "instance"},
    {"mcp_server"},
    {"web"},
    {"cli"},
]
# paperscope/__init__.py is the facade over all of it (``paperscope.open`` loads the
# Python API on first use); what others import from it is its version, a foundation.
FACADE = len(LAYERS)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names} | {"(facade)": FACADE}


def _top(module: str) -> str:
    """paperscope.store.papers -> store; paperscope -> (root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(root)"


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """(imported paperscope module, line) for each import in ``path``."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "paperscope":
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "paperscope":
                # `from paperscope import emails` names a submodule; `__version__` the root.
                for alias in node.names:
                    sub = PACKAGE / alias.name
                    is_module = sub.is_dir() or sub.with_suffix(".py").is_file()
                    yield (f"paperscope.{alias.name}" if is_module else "paperscope"), node.lineno
            elif node.module.split(".")[0] == "paperscope":
                yield node.module, node.lineno


def _sources() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        top = relative.parts[0].removesuffix(".py") if len(relative.parts) > 1 else path.stem
        out.append(("(facade)" if top == "__init__" else top, path))
    return out


def test_every_top_level_module_has_a_layer() -> None:
    unplaced = {top for top, _ in _sources()} - set(RANK)
    assert not unplaced, f"give these a layer in LAYERS: {sorted(unplaced)}"


def test_imports_go_downward_only() -> None:
    upward = []
    for top, path in _sources():
        for module, line in _imports(path):
            target = _top(module)
            if target == top:
                continue
            same_foundation = RANK[top] == 0 and RANK[target] == 0
            if RANK[target] >= RANK[top] and not same_foundation:
                upward.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert not upward, "imports that do not go downward:\n" + "\n".join(upward)


def test_routes_do_not_import_one_another() -> None:
    """What several areas of the site share (a feed's answer, a download, a category's
    spelling) lives in web/, beside the routes, so each routes module stands alone."""
    routes = PACKAGE / "web" / "routes"
    crossing = [
        f"{path.name}:{line} imports {module}"
        for path in sorted(routes.glob("*.py"))
        if path.name != "__init__.py"
        for module, line in _imports(path)
        if module.startswith("paperscope.web.routes")
    ]
    assert not crossing, "\n".join(crossing)


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The reader above finds imports in functions and type-only blocks too."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from paperscope.web.app import create_app\n"
        "def f():\n"
        "    import paperscope.cli.main\n"
        "    from paperscope import emails, __version__\n"
    )
    assert list(_imports(sample)) == [
        ("paperscope.web.app", 3),
        ("paperscope.cli.main", 5),
        ("paperscope.emails", 6),
        ("paperscope", 6),
    ]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_import_cycles_between_modules() -> None:
    """Within a layer too: no module imports (at load time) one that imports it back,
    directly or through others."""
    modules = {_module_name(path): path for _, path in _sources()}

    def owner(module: str) -> str:
        """The module of ours that ``module`` names, or the package it is in."""
        while module not in modules:
            module = module.rpartition(".")[0]
        return module

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        at_load: set[str] = set()
        for node in ast.parse(path.read_text()).body:  # function-level imports run later
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.split(".")[0] == "paperscope":
                    for alias in node.names:
                        named = f"{node.module}.{alias.name}"
                        at_load.add(named if named in modules else owner(node.module))
            elif isinstance(node, ast.Import):
                at_load |= {owner(a.name) for a in node.names if a.name.startswith("paperscope.")}
        graph[name] = at_load - {name}
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as cycle:
        raise AssertionError(f"import cycle: {' -> '.join(cycle.args[1])}") from None
