"""The package's shape: the front door, the public names of every stage, imports one way.

- ``import celldose`` exposes the public API and ``python -m celldose`` runs the CLI;
- every public package's ``__all__`` is importable, holds no private name, and misses no public
  name the package shows;
- no package imports another package's private modules, and the stages import one way
  (cli → figures → scenarios → dosing → protocols);
- no library message names a command-line flag (the CLI maps API arguments to flags).

What a fresh interpreter imports (nothing heavy for ``import celldose``, neither matplotlib nor
numpy's random machinery for ``celldose dose``) is tested in test_start_up_imports.py.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "celldose",
    "celldose.protocols",
    "celldose.simulator",
    "celldose.simulator.dosing",
    "celldose.simulator.scenarios",
    "celldose.simulator.figures",
    "celldose.cli",
)
# folder -> package, for the source scans (the repository root is the package `celldose`)
FOLDERS = {
    "protocols": "celldose.protocols",
    "simulator": "celldose.simulator",
    "simulator/dosing": "celldose.simulator.dosing",
    "simulator/scenarios": "celldose.simulator.scenarios",
    "simulator/figures": "celldose.simulator.figures",
    "cli": "celldose.cli",
}
# a stage may import from the stages after it in this list, never from those before it
STAGES = (
    "celldose.cli",
    "celldose.simulator.figures",
    "celldose.simulator.scenarios",
    "celldose.simulator.dosing",
    "celldose.protocols",
)


def test_the_front_door_exposes_the_public_api() -> None:
    import celldose

    for name in (
        "load_protocol",
        "library_protocols",
        "parse_regimen",
        "plan_doses",
        "Patient",
        "compare",
        "whatif",
        "simulate_cohort",
        "draw_timeline",
        "timeline_figure",
        "plot_timeline",
        "CelldoseError",
        "__version__",
    ):
        assert name in celldose.__all__
        assert name in dir(celldose)
    assert celldose.__version__ == importlib.metadata.version("celldose")
    assert celldose.CelldoseError is importlib.import_module("celldose.protocols").CelldoseError
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        celldose.nothing  # noqa: B018


def test_python_dash_m_celldose_runs_the_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "celldose", "list"], capture_output=True, text=True, check=True
    )
    assert "chen2024-itp-ucmsc" in out.stdout


@pytest.mark.parametrize("package", PACKAGES)
def test_all_is_importable_public_and_complete(package: str) -> None:
    module = importlib.import_module(package)
    names = list(module.__all__)
    assert len(names) == len(set(names)), "a name is listed twice"
    assert not [n for n in names if n.startswith("_") and n != "__version__"]
    for name in names:
        getattr(module, name)
    shown = {
        n
        for n, value in vars(module).items()
        if not n.startswith("_")
        and not isinstance(value, types.ModuleType)
        and n not in ("annotations", "TYPE_CHECKING", "Any", "importlib")
    }
    assert shown <= set(names), f"public but not in __all__: {sorted(shown - set(names))}"


def sources() -> list[tuple[str, Path]]:
    out = [("celldose", ROOT / "__init__.py"), ("celldose", ROOT / "__main__.py")]
    for folder, package in FOLDERS.items():
        out.extend((package, p) for p in sorted((ROOT / folder).glob("*.py")))
    return out


@dataclasses.dataclass(frozen=True)
class Scan:
    """What the source scans read in a module: its imports and its messages."""

    imports: tuple[tuple[int, str], ...]  # (line, module) of each absolute import
    messages: tuple[tuple[int, str], ...]  # (line, text) of each string that is no docstring


@functools.cache
def scan(path: Path) -> Scan:
    """Parse ``path`` and walk its tree once per test process (three tests read every module)."""
    imports: list[tuple[int, str]] = []
    strings: list[ast.Constant] = []
    docstrings = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imports.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            imports.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.append(node)
        elif isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    messages = tuple((n.lineno, n.value) for n in strings if id(n) not in docstrings)
    return Scan(tuple(imports), messages)


def test_no_package_imports_another_packages_private_modules() -> None:
    wrong = []
    for package, path in sources():
        for line, module in scan(path).imports:
            if not module.startswith("celldose."):
                continue
            owner, _, last = module.rpartition(".")
            if last.startswith("_") and owner != package:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {module}")
    assert wrong == []


def stage(module: str) -> int | None:
    for i, prefix in enumerate(STAGES):
        if module == prefix or module.startswith(prefix + "."):
            return i
    return None


def test_the_stages_import_one_way() -> None:
    wrong = []
    for package, path in sources():
        mine = stage(package)
        if mine is None:
            continue
        for line, module in scan(path).imports:
            theirs = stage(module)
            if theirs is not None and theirs < mine:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {module}")
    assert wrong == []


def test_no_library_message_names_a_command_line_flag() -> None:
    flag = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for package, path in sources()
        if not package.startswith("celldose.cli")
        for line, text in scan(path).messages
        if flag.search(text)
    ]
    assert wrong == []
