"""The helpers package as a whole: its layout (the import graph's limits), its docstring names every
module, and each idea has one home."""

from __future__ import annotations

import ast
import re
import sys

import helpers
from helpers.settings import repo_root

ROOT = repo_root()
sys.path.insert(0, str(ROOT / "scripts"))
import import_graph  # noqa: E402

MODULES = sorted(
    ".".join(p.relative_to(ROOT / "helpers").with_suffix("").parts)
    for p in (ROOT / "helpers").rglob("*.py")
    if p.name != "__init__.py"
)
SOURCES = sorted(
    p for folder in ("helpers", "scripts", "tests") for p in (ROOT / folder).rglob("*.py")
)
# The Hangul bigram cut written out by hand: a slice from i to i + 2 in a comprehension.
BIGRAM_CUT = re.compile(r"\[\s*\w+\s*:\s*\w+\s*\+\s*2\s*\]")
# Names of the glued-word detector of notebook 01 (helpers.documents.cleaning).
GLUED_DETECTOR = re.compile(r"^_?glued_(share|words)$")
# The Chroma collection settings of the course (helpers.index.chroma.COLLECTION_SETTINGS).
HNSW = re.compile(r"hnsw:search_ef")


def defined_functions(path) -> set[str]:
    """Return the names of every function defined in the Python file ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_the_import_graph_keeps_its_limits():
    info = import_graph.figures()
    assert info["cycle"] is None, info["cycle"]
    assert info["upward"] == []
    assert info["layers"] <= 6, "a module imports too deep a chain: python scripts/import_graph.py"
    assert info["over 350 lines"] == {}, "split the module along its ideas"
    assert info["unused"] == [], "no module, notebook or test imports these"


def test_the_graph_finds_imports_inside_functions_and_cycles(tmp_path):
    # A cross-check that can disagree: a function-level import counts, and a loop is reported.
    known = {"helpers.a", "helpers.b"}
    tree = ast.parse("def f():\n    from helpers.b import x\n")
    assert import_graph.imported(tree, known, "helpers.a") == {"helpers.b"}
    try:
        import_graph.layers({"helpers.a": {"helpers.b"}, "helpers.b": {"helpers.a"}})
    except ValueError as err:
        assert "cycle" in str(err)
    else:
        raise AssertionError("a cycle went unnoticed")
    assert import_graph.layers({"helpers.a": {"helpers.b"}, "helpers.b": set()}) == {
        "helpers.a": 2, "helpers.b": 1}


def test_package_docstring_names_every_module_on_its_own_line():
    named = re.findall(r"^\s*- :mod:`helpers\.([\w.]+)` — \S", helpers.__doc__, re.MULTILINE)
    missing, stale = set(MODULES) - set(named), set(named) - set(MODULES)
    assert not missing, f"add one line to helpers/__init__.py's docstring for: {sorted(missing)}"
    assert not stale, f"helpers/__init__.py's docstring names modules that are gone: {stale}"


def test_glued_word_detector_has_one_home():
    homes = {
        p.relative_to(ROOT).as_posix()
        for p in SOURCES
        if any(GLUED_DETECTOR.match(name) for name in defined_functions(p))
    }
    assert homes == {"helpers/documents/cleaning.py"}, (
        "import glued_share/glued_words from helpers.documents.cleaning"
    )


def test_hangul_bigrams_have_one_home():
    cutters = {
        p.relative_to(ROOT).as_posix()
        for p in SOURCES
        if p.name != "test_package.py" and BIGRAM_CUT.search(p.read_text(encoding="utf-8"))
    }
    assert cutters == {"helpers/documents/hangul.py"}, (
        "cut Hangul into bigrams with helpers.documents.hangul.hangul_bigrams, not by hand"
    )


def test_chroma_collection_settings_have_one_home():
    homes = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "helpers").rglob("*.py")
        if HNSW.search(p.read_text(encoding="utf-8"))
    }
    assert homes == {"helpers/index/chroma.py"}, "use helpers.index.chroma.new_collection"


def test_every_name_a_notebook_imports_from_helpers_exists():
    # Moving a function between modules must not break a notebook's import line.
    import importlib
    import json

    def importable(module: str, name: str) -> bool:
        if hasattr(importlib.import_module(module), name):
            return True
        try:  # a submodule: "from helpers import gemini"
            importlib.import_module(f"{module}.{name}")
        except ImportError:
            return False
        return True

    missing = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            lines = "".join(cell["source"]).splitlines()
            code = "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(code)):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
                    missing += [
                        f"{path.name}: from {node.module} import {a.name}"
                        for a in node.names
                        if not importable(node.module, a.name)
                    ]
    assert missing == []
