"""The package's import graph: imports flow one way (no cycles among citegraph modules), the
analysis package never imports networkx, and each layer imports only the layers below it.

The layers, bottom up: base (``errors``, ``config``, ``models``, ``identifiers``, ``links``),
sources and parsing (``sources/``, ``pubmed/``, ``pmc/``), ``store/``, ``crawl/``, ``analysis/``,
presentation (``views/``, ``tui/``, ``exports/``) and the front end (``cli/``, entered only through
the root ``cli.py`` and ``python -m citegraph``).

The graph is read from the source (``ast``), counting every import a module makes, at its top
or inside a function: a cycle through a function-level import is still a cycle in the design.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import citegraph

PACKAGE = Path(citegraph.__file__).resolve().parent



def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    """{module: the modules (citegraph's and others') it imports}."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                found.add(target)
                for alias in node.names:  # "from . import sections" imports a module
                    if f"{target}.{alias.name}" in modules:
                        found.add(f"{target}.{alias.name}")
        graph[name] = found
    return graph


def _internal(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph among citegraph's modules; importing ``a.b.c`` counts as importing ``a.b.c``
    (a package's ``__init__`` is its own node)."""
    return {name: {t for t in targets if t in graph and t != name} for name, targets in graph.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return components


def _is_package_init(name: str) -> bool:
    return (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()


def test_no_import_cycles_among_citegraph_modules():
    graph = _internal(_imports())
    # a package's __init__ re-exporting its modules' names is the package's face, not a layer:
    # an edge from a module into its own package's __init__ would make every such package a
    # "cycle", so those edges are followed to the modules the __init__ imports instead
    for name, targets in graph.items():
        for target in list(targets):
            if _is_package_init(target) and name.startswith(target + "."):
                targets.discard(target)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_analysis_never_imports_networkx():
    graph = _imports()
    offenders = sorted(name for name, targets in graph.items()
                       if name.startswith("citegraph.analysis")
                       and any(t == "networkx" or t.startswith("networkx.") for t in targets))
    assert offenders == []


#: the base layer: these modules import only the standard library and each other
BASE = ["citegraph.errors", "citegraph.config", "citegraph.models", "citegraph.identifiers",
        "citegraph.links"]
PRESENTATION = ["citegraph.views", "citegraph.tui", "citegraph.exports"]

#: (importers, what they must never import): a name covers the module or package and everything
#: under it (``citegraph.crawl`` is the crawl package, not ``citegraph.crawl_lock``)
FORBIDDEN = [
    (["citegraph.sources", "citegraph.pubmed", "citegraph.pmc"],
     ["citegraph.store", "citegraph.crawl", "citegraph.analysis", *PRESENTATION, "citegraph.cli"]),
    (["citegraph.store"],
     ["citegraph.crawl", "citegraph.analysis", *PRESENTATION, "citegraph.cli"]),
    (["citegraph.analysis"],
     [*PRESENTATION, "citegraph.cli"]),
]

#: the only modules outside the front end that may import it (the root ``cli.py`` is outside the
#: package and so outside this graph)
CLI_ENTRIES = ["citegraph.__main__"]

#: (importer, imported) pairs that break a rule above and are let pass until they are moved;
#: any other upward import fails the tests below
LAYER_EXCEPTIONS: list[tuple[str, str]] = []


def _under(name: str, prefixes: list[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _upward_imports(graph: dict[str, set[str]],
                    rules: list[tuple[list[str], list[str]]]) -> list[tuple[str, str]]:
    """Every (importer, imported) pair of citegraph modules that one of ``rules`` forbids."""
    found = []
    for name, targets in sorted(graph.items()):
        for importers, forbidden in rules:
            if _under(name, importers):
                found.extend((name, t) for t in sorted(targets) if _under(t, forbidden))
    return found


def test_base_modules_import_only_the_standard_library_and_each_other():
    graph = _imports()
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    offenders = sorted((name, target) for name in BASE for target in graph[name]
                       if target not in BASE and target.split(".")[0] not in allowed
                       and (name, target) not in LAYER_EXCEPTIONS)
    assert offenders == []


def test_no_layer_imports_a_layer_above_it():
    found = _upward_imports(_internal(_imports()), FORBIDDEN)
    assert [pair for pair in found if pair not in LAYER_EXCEPTIONS] == []


def test_nothing_outside_the_front_end_imports_it():
    graph = _internal(_imports())
    offenders = sorted((name, target) for name, targets in graph.items()
                       if not _under(name, ["citegraph.cli", *CLI_ENTRIES])
                       for target in targets if _under(target, ["citegraph.cli"])
                       and (name, target) not in LAYER_EXCEPTIONS)
    assert offenders == []


def test_the_layer_rules_catch_an_upward_import():
    graph = {"citegraph.store.articles": {"citegraph.crawl.step", "citegraph.crawl_lock"},
             "citegraph.pmc.jats": {"citegraph.tui.app"},
             "citegraph.crawl.step": {"citegraph.store"}}
    assert _upward_imports(graph, FORBIDDEN) == [
        ("citegraph.pmc.jats", "citegraph.tui.app"),
        ("citegraph.store.articles", "citegraph.crawl.step"),
    ]
