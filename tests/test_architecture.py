"""The architecture a newcomer can see: layered subpackages, each saying what it owns, no import cycle.

The layer order itself (core → geo, data → analysis, registry, importer → maps, reports → cli) and "no
Streamlit in atlas" are import-linter contracts in pyproject.toml, run by `make lint` before the tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

from atlas.core import settings

ATLAS_DIR = settings.PACKAGE_DIR
SUBPACKAGES = sorted(p.parent.name for p in ATLAS_DIR.glob("*/__init__.py"))


def _docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def test_the_library_is_split_into_layer_subpackages_with_few_loose_modules():
    assert SUBPACKAGES == ["analysis", "cli", "core", "data", "geo", "importer", "maps", "registry", "reports", "site"]
    loose = sorted(p.name for p in ATLAS_DIR.glob("*.py"))
    assert len(loose) <= 10, loose


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_every_subpackage_says_in_a_paragraph_what_it_owns(package):
    doc = _docstring(ATLAS_DIR / package / "__init__.py")
    assert len(doc.split()) >= 20, f"atlas/{package}/__init__.py: {doc!r}"


def test_every_module_has_a_docstring_and_stays_under_500_lines():
    problems = []
    for path in sorted(ATLAS_DIR.rglob("*.py")):
        relative = path.relative_to(ATLAS_DIR.parent)
        if not _docstring(path):
            problems.append(f"{relative}: no docstring")
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > 500:
            problems.append(f"{relative}: {lines} lines")
    assert not problems, "\n".join(problems)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(edges.get(target, ())))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
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
                        found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_atlas_modules_counting_imports_inside_functions():
    graph = grimp.build_graph("atlas", cache_dir=None)  # grimp records every import statement, wherever it is
    edges = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    assert _cycles(edges) == []
