"""Meta-tests: the shipped data loads and validates, the library stays UI-free, docs cover every file."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from atlas import settings
from atlas.load import load_atlas_with_problems

ATLAS_DIR = settings.REPO_ROOT / "atlas"


def test_the_library_never_imports_streamlit():
    offenders = []
    for path in ATLAS_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"streamlit", "streamlit_folium"}]
    assert not offenders


def test_every_shipped_data_file_loads_and_validates():
    atlas, problems = load_atlas_with_problems(settings.REPO_ROOT / "data")
    errors = [str(p) for p in problems if p.severity == "error"]
    assert not errors, "\n".join(errors)
    assert atlas is not None


@pytest.mark.parametrize("relative", sorted(settings.DATA_FILES.values()))
def test_every_data_file_is_documented_in_the_data_readme(relative):
    readme = (settings.REPO_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert Path(relative).name in readme


def test_every_module_has_a_docstring():
    missing = [p.name for p in ATLAS_DIR.glob("*.py") if not ast.get_docstring(ast.parse(p.read_text("utf-8")))]
    assert not missing
