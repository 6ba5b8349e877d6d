"""The layering rules, checked on the source: front doors -> services -> core stages -> storage.

- only the storage package (tipwatch.store) imports SQLAlchemy or Alembic;
- no import cycles, between modules or between top-level packages (imports inside functions count too: a lazy
  import hides a cycle, it does not remove it); imports under ``if TYPE_CHECKING:`` do not count;
- storage never imports media/, link/, report/, services/ or cli/; core stages never import services/ or cli/.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import networkx as nx

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = "tipwatch"


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    is_pkg = path.name == "__init__.py"

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_pkg else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # ``from tipwatch.x import y`` may import the module tipwatch.x.y
            found.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> tuple[nx.DiGraph, dict[str, set[str]]]:
    files = {_module_name(p): p for p in (SRC / PKG).rglob("*.py")}
    graph: nx.DiGraph = nx.DiGraph()
    external: dict[str, set[str]] = defaultdict(set)
    for mod, path in files.items():
        graph.add_node(mod)
        for imp in _imports(path, mod):
            if imp in files and imp != mod:
                graph.add_edge(mod, imp)
            elif not imp.startswith(PKG):
                external[mod].add(imp.split(".")[0])
    return graph, external


def _package(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_only_storage_speaks_sql() -> None:
    _, external = _graph()
    offenders = sorted(
        mod for mod, libs in external.items() if libs & {"sqlalchemy", "alembic"} and not mod.startswith(f"{PKG}.store")
    )
    assert offenders == []


def test_no_module_import_cycles() -> None:
    graph, _ = _graph()
    # A package's __init__ re-exporting its own submodules is not a cycle between modules of different purpose.
    pruned = nx.DiGraph(
        (a, b) for a, b in graph.edges if not (b.startswith(a + ".") and graph.has_node(a) and _is_init(a))
    )
    cycles = [sorted(c) for c in nx.strongly_connected_components(pruned) if len(c) > 1]
    assert cycles == []


def _is_init(mod: str) -> bool:
    return (SRC / Path(*mod.split(".")) / "__init__.py").is_file()


def test_no_package_import_cycles() -> None:
    graph, _ = _graph()
    packages: nx.DiGraph = nx.DiGraph()
    for a, b in graph.edges:
        pa, pb = _package(a), _package(b)
        if pa and pb and pa != pb:
            packages.add_edge(pa, pb)
    cycles = [sorted(c) for c in nx.strongly_connected_components(packages) if len(c) > 1]
    assert cycles == []


def test_layers_point_down() -> None:
    graph, _ = _graph()
    forbidden = {
        "store": {"media", "link", "report", "services", "cli", "engines", "indicators", "extract", "synth"},
        "services": {"cli"},
        "link": {"services", "cli"},
        "media": {"services", "cli"},
        "report": {"services", "cli"},
        "extract": {"services", "cli", "store"},
        "indicators": {"services", "cli", "store"},
        "sources": {"services", "cli", "store"},
        "text": {"services", "cli", "store"},
    }
    wrong = sorted(f"{a} -> {b}" for a, b in graph.edges if _package(b) in forbidden.get(_package(a), set()))
    assert wrong == []
