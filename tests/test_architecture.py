"""The house's rules, read from the code's imports: public doors between wings, one-way data flow, no circles.

Every ``import`` and ``from ... import`` of the installed package counts, at module level or inside a function (a
lazy import is still a dependency). Tests and benchmarks are left out: they test and time the private kernels.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALLED = ("sim", "theory", "figures", "paper_checks")


def _module_name(path: Path) -> str:
    parts = ["batchlab", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    paths = list(ROOT.glob("*.py")) + [p for folder in INSTALLED for p in (ROOT / folder).rglob("*.py")]
    return {_module_name(path): path for path in paths}


SOURCES = _sources()


def _package(module: str) -> str:
    """The package a module lives in (a package's ``__init__`` lives in the package itself)."""
    return module if SOURCES[module].name == "__init__.py" else module.rpartition(".")[0]


def _imports(module: str) -> set[str]:
    """The batchlab modules ``module`` imports: ``from P import m`` imports module P.m where that is one, else P.

    (Python runs P's ``__init__`` on the way to P.m, but that is the package handing on its own modules.)
    """
    found = set()
    for node in ast.walk(ast.parse(SOURCES[module].read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("batchlab")}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("batchlab"):
            names = {f"{node.module}.{alias.name}" for alias in node.names}
            found |= (names & SOURCES.keys()) | ({node.module} if names - SOURCES.keys() else set())
    return found & SOURCES.keys()


IMPORTS = {module: _imports(module) for module in SOURCES}


def _is_private(module: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in module.split("."))


def _owner(module: str) -> str:
    """The package whose private part ``module`` is: the parent of its first private component."""
    parts = module.split(".")
    first = next(k for k, part in enumerate(parts) if part.startswith("_") and not part.startswith("__"))
    return ".".join(parts[:first])


def test_the_walk_sees_the_whole_package():
    assert {"batchlab.cli", "batchlab.sim.linreg._engines", "batchlab.theory.scg_symbolic",
            "batchlab.figures.linreg_cbs_steps", "batchlab.paper_checks.related_2025"} <= SOURCES.keys()
    assert "batchlab.sim.linreg" in IMPORTS["batchlab.sim.sfo._growth"]  # a lazy or aliased import is still seen


def test_no_module_imports_another_wings_private_module():
    """A private module (``_name``) is imported only from inside the package that holds it; the command line's own
    modules (``batchlab._cli*``) only by the command line."""
    crossings = []
    for importer, imported in IMPORTS.items():
        for module in filter(_is_private, imported):
            owner = _owner(module)
            inside = _package(importer) == owner if owner == "batchlab" else (
                importer == owner or importer.startswith(owner + "."))
            if not inside:
                crossings.append(f"{importer} -> {module}")
    assert crossings == []


@pytest.mark.parametrize("layer, forbidden", [
    ("batchlab.theory", ("batchlab.sim", "batchlab.figures", "batchlab.paper_checks", "batchlab.cli",
                         "batchlab._cli")),
    ("batchlab.sim", ("batchlab.figures", "batchlab.paper_checks", "batchlab.cli", "batchlab._cli")),
])
def test_data_flows_one_way(layer, forbidden):
    """theory <- sim <- (figures, paper_checks, cli): a lower layer imports nothing above it."""
    upward = [f"{m} -> {i}" for m, imported in IMPORTS.items() if m.startswith(layer)
              for i in imported if i.startswith(forbidden)]
    assert upward == []


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_circle_finder_finds_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles():
    """No two modules import each other, directly or round a loop (a package's ``__init__`` re-exporting its own
    modules is not a circle: the modules import their siblings, never the package)."""
    assert _circles(IMPORTS) == []


def test_bl_sim_shows_the_toolkit_in_a_fresh_interpreter():
    """``bl.sim.sweep`` was an AttributeError until a system had been imported."""
    import subprocess
    import sys

    code = ("import batchlab as bl; print(*(getattr(bl.sim, name).__name__ for name in ('sweep', 'tuning', 'parallel', "
            "'critical_batch', 'montecarlo')), sorted(dir(bl.sim)) == sorted(bl.sim.__all__))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["batchlab.sim.sweep", "batchlab.sim.tuning", "batchlab.sim.parallel", "batchlab.sim.critical_batch",
                   "batchlab.sim.montecarlo", "True"]
