"""The import graph of ``helpers/``: every import between its modules, at top level or inside a
function, each module (a subpackage's too) a node of its own.

    python scripts/import_graph.py     print the modules by layer and the graph's figures

A module's layer is one more than the highest layer among the modules it imports (a module that
imports none is on layer 1). ``tests/test_layout.py`` holds the limits: no cycle, at most 6 layers,
no module over 350 lines, and none that no module, notebook or test imports.
"""

from __future__ import annotations

import ast
import json
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "helpers"


def module_name(path: Path) -> str:
    """Return the dotted name of a file of the package: ``helpers/index/chroma.py`` gives
    ``helpers.index.chroma``."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Return {dotted name: file} for every module of the package."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(tree: ast.AST, known: set[str], here: str) -> set[str]:
    """Return the package's modules that a parsed file imports, wherever the import statement is."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # a relative import: resolve it against the importing module
                package = here.split(".")[: len(here.split(".")) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != "helpers":
                found.add(name)
                break
    return found


def graph() -> dict[str, set[str]]:
    """Return {module: the package's modules it imports}, a package's __init__ included."""
    files = modules()
    known = set(files)
    return {
        name: imported(ast.parse(path.read_text(encoding="utf-8")), known, name) - {name}
        for name, path in files.items()
    }


def layers(edges: dict[str, set[str]]) -> dict[str, int]:
    """Return each module's layer; raise ValueError naming a cycle if there is one."""

    @cache
    def layer(name: str, path: tuple[str, ...] = ()) -> int:
        if name in path:
            raise ValueError("import cycle: " + " -> ".join([*path[path.index(name) :], name]))
        return 1 + max((layer(dep, (*path, name)) for dep in edges[name]), default=0)

    return {name: layer(name) for name in edges}


def used_elsewhere() -> set[str]:
    """Return the package's modules that a notebook, test, benchmark or script imports."""
    known = set(modules())
    found: set[str] = set()
    for folder in ("tests", "benchmarks", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            found |= imported(ast.parse(path.read_text(encoding="utf-8")), known, "")
    for path in (ROOT / "notebooks").rglob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                lines = "".join(cell["source"]).splitlines()
                code = "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))
                try:
                    found |= imported(ast.parse(code), known, "")
                except SyntaxError:
                    continue
    return found


def figures() -> dict[str, object]:
    """Return the graph's figures: modules, imports, layers, cycles, long and unused modules."""
    edges = graph()
    files = modules()
    lines = {
        name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in files.items()
    }
    try:
        layer, cycle = layers(edges), None
    except ValueError as err:
        layer, cycle = {}, str(err)
    packages = {name for name, path in files.items() if path.name == "__init__.py"}
    importers = set().union(*edges.values()) | used_elsewhere()
    return {
        "modules": len(files) - len(packages),
        "packages": len(packages),
        "imports": sum(len(deps) for deps in edges.values()),
        "layers": max(layer.values(), default=0),
        "layer": layer,
        "cycle": cycle,
        "upward": sorted(
            f"{a} -> {b}"
            for a, deps in edges.items()
            for b in deps
            if layer and layer[b] >= layer[a]
        ),
        "over 350 lines": {n: c for n, c in sorted(lines.items()) if c > 350},
        "unused": sorted(set(files) - packages - importers),
        "lines": lines,
    }


def main() -> int:
    """Print the modules by layer, then the figures."""
    info = figures()
    layer, lines = info["layer"], info["lines"]
    for level in sorted(set(layer.values()), reverse=True):
        names = sorted(n for n in layer if layer[n] == level)
        print(
            f"layer {level}: "
            + ", ".join(f"{n.removeprefix('helpers.')} ({lines[n]})" for n in names)
        )
    for key in (
        "modules",
        "packages",
        "imports",
        "layers",
        "cycle",
        "upward",
        "over 350 lines",
        "unused",
    ):
        print(f"{key}: {info[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
