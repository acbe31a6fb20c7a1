"""Import circles among frames' modules: the goal is none.

Reads every module under frames/ (nothing is imported or run) and draws an arrow from a module to
each frames module it imports, at the top or inside a function alike, since a lazy import still
ties two modules together. A circle is a set of modules that reach one another through arrows
(a strongly connected component of more than one module). Prints the count beside its goal, each
circle's modules, and the arrows that point from a lower folder to a higher one (text, files,
labels, model, training, batch, show, cli, from the bottom up; the public API in frames/__init__.py
above them all). Exits 1 when there is either.

Usage: python scripts/check_imports.py
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "frames"
# Folders from the bottom up: a folder may import its own modules and those of lower folders.
FLOORS = ("", "text", "files", "labels", "model", "training", "batch", "show", "cli")


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package, by dotted name (a package's __init__ by the package's name)."""
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def arrows(found: dict[str, Path]) -> dict[str, set[str]]:
    """Each module's imports of other modules of the package."""
    graph: dict[str, set[str]] = {name: set() for name in found}
    for name, path in found.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the module's own package, up level - 1 packages
                    parts = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                    base = ".".join(parts + ([node.module] if node.module else []))
                # `from frames.model import scoring` imports the module frames.model.scoring
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in found else base for alias in node.names]
            for target in targets:
                while target and target not in found:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            step = next(targets, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph[step]))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
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


# The public API (frames/__init__.py, which imports lazily from every folder) and `python -m frames`
# stand above every folder.
TOP = (PACKAGE, f"{PACKAGE}.__main__")


def floor(name: str) -> int:
    """The floor of a module's folder; errors.py and version.py are the ground, TOP the roof."""
    parts = name.split(".")
    if name in TOP:
        return len(FLOORS)
    return FLOORS.index(parts[1]) if len(parts) > 1 and parts[1] in FLOORS else 0


def main() -> int:
    found = modules()
    graph = arrows(found)
    loops = circles(graph)
    upward = sorted((a, b) for a, targets in graph.items() for b in targets if floor(b) > floor(a))
    print(f"{len(found)} modules, {sum(map(len, graph.values()))} arrows between them")
    print(f"import circles: {len(loops)} (goal 0)")
    for loop in loops:
        print("  circle: " + " -> ".join(loop))
    print(f"arrows from a lower folder up to a higher one: {len(upward)} (goal 0)")
    for a, b in upward:
        print(f"  {a} imports {b}")
    return 1 if loops or upward else 0


if __name__ == "__main__":
    sys.exit(main())
