"""The package layout: dependencies point one way, down the data flow (ARCHITECTURE.md).

Every import in ``tmlmap`` and ``scrapers`` is read from the source with ``ast``,
module-level, function-level and ``TYPE_CHECKING`` imports alike, so a cycle
cannot hide behind a lazy import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Layer of each part of the engine; a module may import only from its own
#: subpackage or from a lower layer.
LAYERS = {
    "tmlmap.config": 0,
    "tmlmap.lexicons": 0,
    "tmlmap.helper_process": 0,
    "tmlmap.corpus": 1,
    "tmlmap.text": 2,
    "tmlmap.network": 3,
    "tmlmap.maps": 4,
    "tmlmap.analysis": 5,
    "tmlmap.risk": 5,
    "tmlmap.views": 6,
    "tmlmap.cli": 6,
    "tmlmap.__main__": 7,
}


def _part(module: str) -> str | None:
    for name in sorted(LAYERS, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
            # "from tmlmap import config" imports the module tmlmap.config
            found.update(f"{mod}.{alias.name}" for alias in node.names)
    return found


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_engine_imports_point_down_the_data_flow():
    wrong = []
    for path in _sources("tmlmap"):
        me = _module_name(path)
        mine = _part(me)
        if mine is None:  # tmlmap/__init__.py
            continue
        for target in _imports(path):
            if target.startswith("scrapers") and mine not in ("tmlmap.cli", "tmlmap.views"):
                wrong.append(f"{me} imports {target} (only the CLI and the views use scrapers)")
            other = _part(target)
            if other is None or other == mine:
                continue
            if LAYERS[other] >= LAYERS[mine]:
                wrong.append(f"{me} ({mine}) imports {target} ({other})")
    assert not wrong, "\n".join(wrong)


def test_scrapers_talk_to_the_engine_only_through_corpus_and_config():
    wrong = []
    for path in _sources("scrapers"):
        for target in _imports(path):
            if target.startswith("tmlmap") and _part(target) not in ("tmlmap.corpus", "tmlmap.config", None):
                wrong.append(f"{_module_name(path)} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_between_modules():
    graph: dict[str, set[str]] = {}
    modules = {_module_name(p): p for p in _sources("tmlmap")}
    for name, path in modules.items():
        graph[name] = {t for t in _imports(path) if t in modules and t != name}
    # Tarjan would name the cycle; a DFS with colours is enough to find one.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            # a package importing its own submodules (its public API) is not a cycle
            if nxt.startswith(node + "."):
                continue
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            assert cycle is None, " -> ".join(cycle)


def test_top_level_modules_are_few_and_no_cli_module_sits_beside_the_engine():
    top = sorted(p.name for p in (ROOT / "tmlmap").glob("*.py"))
    assert len(top) <= 8, top
    assert not [n for n in top if n.startswith("cli")], top


@pytest.mark.parametrize(
    "package", ["corpus", "text", "network", "maps", "analysis", "risk", "views", "cli"]
)
def test_each_subpackage_exposes_its_public_api(package):
    import importlib

    mod = importlib.import_module(f"tmlmap.{package}")
    assert mod.__doc__ and len(mod.__doc__.strip()) > 40
    for name in getattr(mod, "__all__", []):
        assert hasattr(mod, name), f"tmlmap.{package}.__all__ names {name}, which it lacks"
    if package not in ("views", "cli"):
        assert getattr(mod, "__all__", None), f"tmlmap.{package} has no __all__"


def test_app_is_a_thin_entry_point():
    imports = _imports(ROOT / "app.py")
    engine = [t for t in imports if t.startswith("tmlmap") and _part(t) not in ("tmlmap.views", None)]
    assert not engine, engine
