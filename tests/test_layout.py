"""The package layout (docs/adr/0003-packages-by-domain.md): no import circle, a core free of features and of aiohttp,
and a wheel that names every package.

Imports are read from the source (every ``import`` and ``from`` statement, at module level or inside functions),
except those under ``if TYPE_CHECKING:``: those name types for the checker and run nothing. Between packages even
the type-only ones count: the core does not even name a feature's type.
"""

from __future__ import annotations

import ast
import functools
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"protocol": "cybercollege.protocol", "worlds": "cybercollege.worlds", "server": "cybercollege.server",
           "client": "cybercollege.client"}  # fmt: skip
CORE = "cybercollege.server.core"
CORE_MAY_IMPORT = (CORE, "cybercollege.protocol", "cybercollege.worlds", "cybercollege.server.config",
                   "cybercollege.server.persistence")  # fmt: skip
FEATURES = ("classroom", "conference", "guests", "auth", "cluster", "edge")


@functools.cache
def modules() -> dict[str, Path]:
    """Every installed module name and its file."""
    found: dict[str, Path] = {}
    for folder, name in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            found[".".join([name, *parts])] = path
    return found


def imports(path: Path, module: str, *, type_only: bool) -> Iterator[str]:
    """The modules ``path`` imports (with ``type_only``, also those under ``if TYPE_CHECKING:``)."""
    known = modules()
    tree = ast.parse(path.read_text("utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def walk(node: ast.AST) -> Iterator[str]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                if type_only:
                    yield from walk(child)
                for other in child.orelse:
                    yield from walk(other)
                continue
            if isinstance(child, ast.Import):
                yield from (alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parent = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*parent, base]).rstrip(".")
                for alias in child.names:  # a submodule if it is one (``from pkg import mod``), else the module
                    yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
            yield from walk(child)

    yield from walk(tree)


def graph(*, type_only: bool) -> dict[str, set[str]]:
    known = modules()
    return {
        name: {i for i in imports(path, name, type_only=type_only) if i in known and i != name}
        for name, path in known.items()
    }


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import circle, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_no_module_import_circle() -> None:
    assert cycle(graph(type_only=False)) is None


def test_no_package_import_circle() -> None:
    def package(module: str) -> str:
        """``cybercollege.server.core`` for its modules; a module of server/ itself (config, http) stands alone."""
        parts = module.split(".")
        return ".".join(parts[:3]) if parts[1] == "server" and len(parts) > 2 else ".".join(parts[:2])

    edges: dict[str, set[str]] = {}
    for module, targets in graph(type_only=True).items():
        here = package(module)
        edges.setdefault(here, set()).update(package(t) for t in targets if package(t) != here)
    assert cycle(edges) is None


def test_core_imports_no_feature_and_not_aiohttp() -> None:
    known = modules()
    for name, path in known.items():
        if not name.startswith(CORE):
            continue
        for imported in imports(path, name, type_only=True):
            top = imported.split(".")[0]
            assert top != "aiohttp", f"{name} imports aiohttp"
            if top == "cybercollege":
                assert imported.startswith(CORE_MAY_IMPORT) or imported == "cybercollege", f"{name} imports {imported}"


def test_the_wheel_names_every_package() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    assert setuptools["package-dir"] == {name: folder for folder, name in FOLDERS.items()}
    packages = {name for name, path in modules().items() if path.name == "__init__.py"}
    assert set(setuptools["packages"]) == packages
