"""What a fresh interpreter imports: `import celldose`, the commands, `celldose dose`.

Start-up time matters, so the heavy modules load only for what needs them:

- ``import celldose`` loads none of numpy, matplotlib, pint, pydantic or click;
- ``celldose --help`` loads no protocol code (nor pydantic, pint, numpy or YAML);
- the simulate command's module loads neither matplotlib nor numpy until a cohort is drawn;
- the plot and compare commands, and a timeline's lanes, load no matplotlib until they draw
  (the figure tests run in a process that has drawn already, so this is their check);
- ``celldose dose`` imports neither matplotlib nor numpy's random machinery, nor click's shell
  completion (only a completing shell needs it), with a cold or a warm cache;
- served from the cache of validated protocols, a dose needs neither pint, numpy nor the
  shorthand grammar (~80 regular expressions);
- jinja2 loads for the HTML dose sheet only.

The process is the subject (what ``sys.modules`` holds), so each check reads a fresh
interpreter; two children serve them all (a cold cache, then a warm one). A child takes its
steps in order and records ``sys.modules`` after each: a step's record also holds what the
steps before it imported, so a check that a module is absent is, if anything, stricter than in
a child of its own. The steps that must import least come first.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

JANG = ["dose", "jang2025-canine-itp", "--weight", "12kg", "--dose", "1e6/kg"]
# 26.5 lb × 0.45359237 = 12.020197805 kg; × 1×10⁶ cells/kg = 12020197.805 cells a dose
JANG_LB_CSV = ["dose", "jang2025-canine-itp", "--weight", "26.5lb", "--dose", "1e6 cells/kg"]
JANG_LB_CSV += ["--format", "csv"]
SHEET_FORMATS = ("table", "json", "csv", "ics", "html")
JANG_DATED = ["dose", "jang2025-canine-itp", "--weight", "12kg", "--dose", "1e6 cells/kg"]
JANG_DATED += ["--start", "2026-12-01", "--format"]

# the modules a figure command imports before it draws (matplotlib loads when it draws)
FIGURE_PATH = (
    "celldose.cli._cmd_plot",
    "celldose.cli._cmd_compare",
    "celldose.simulator",
    "celldose.simulator.figures",
    "celldose.simulator.scenarios",
)

# A child: takes the JSON steps in argv[1] (name, kind, argument): "import" a module, "run"
# ``main`` on an argv, or build the "lanes" of a timeline of a protocol; writes what each step
# returned and what sys.modules held after it to the file argv[2]. A run's output goes to the
# real standard output, each followed by a line "\0<step>" that ends it.
_CHILD = """
import importlib, json, sys
steps, record = json.loads(sys.argv[1]), {}
for name, kind, argument in steps:
    code = None
    if kind == "import":
        importlib.import_module(argument)
    elif kind == "lanes":
        from celldose.simulator.scenarios import build_lanes
        build_lanes([argument])
    else:
        from celldose.cli import main
        code = main(argument)
    sys.stdout.write("\\0" + name + "\\n")
    sys.stdout.flush()
    record[name] = {"code": code, "modules": sorted(sys.modules)}
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump(record, out)
"""

COLD = [
    ("import celldose", "import", "celldose"),
    ("celldose --help", "run", ["--help"]),
    ("import the simulate command", "import", "celldose.cli._cmd_simulate"),
    ("dose, cold cache", "run", JANG),
    *((f"import {m}", "import", m) for m in FIGURE_PATH),
    ("build the lanes of a timeline", "lanes", "chen2024-itp-ucmsc"),
]
WARM = [
    ("dose 26.5 lb as CSV, warm cache", "run", JANG_LB_CSV),
    ("dose, warm cache", "run", JANG),
    *((f"dose as {fmt}", "run", [*JANG_DATED, fmt]) for fmt in SHEET_FORMATS),
]


def _child(steps: list[tuple[str, str, Any]], cache: Path, record: Path) -> dict[str, Any]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("CELLDOSE_NO_CACHE", None)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(steps), str(record)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    # "<output 1>\0<step 1>\n<output 2>\0<step 2>\n ... <output n>\0<step n>\n"
    parts = done.stdout.split("\0")
    names = [part.partition("\n")[0] for part in parts[1:]]
    assert names == [name for name, _, _ in steps]
    outputs = [parts[0]] + [part.partition("\n")[2] for part in parts[1:-1]]
    printed = dict(zip(names, outputs, strict=True))
    found: dict[str, Any] = json.loads(record.read_text(encoding="utf-8"))
    for name, _, _ in steps:
        found[name]["printed"] = printed[name]
    return found


def _probe(folder: Path) -> dict[str, Any]:
    cache = folder / "cache"  # fresh: the first child validates and fills it, the second reads it
    cold = _child(COLD, cache, folder / "cold.json")
    return {**cold, **_child(WARM, cache, folder / "warm.json")}


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each step's exit code (None for an import), output and ``sys.modules`` after it.

    Once per test run: pytest-xdist may hand this module's tests to both workers, and the
    first worker to ask probes while the other waits for its record (pytest-xdist's recipe
    for a fixture run once; the workers share the parent of their temporary folders).
    """
    folder = tmp_path_factory.mktemp("start-up")
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return _probe(folder)
    shared = tmp_path_factory.getbasetemp().parent
    with open(shared / "start-up.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        record = shared / "start-up.json"
        if not record.exists():
            record.write_text(json.dumps(_probe(folder)), encoding="utf-8")
        found: dict[str, Any] = json.loads(record.read_text(encoding="utf-8"))
        return found


def loaded(step: dict[str, Any], *prefixes: str) -> list[str]:
    """The modules of ``step`` whose names start with one of ``prefixes``."""
    return [m for m in step["modules"] if m.startswith(prefixes)]


def test_every_step_ran(steps: dict[str, Any]) -> None:
    assert list(steps) == [name for name, _, _ in COLD + WARM]
    codes = [steps[name]["code"] for name, kind, _ in COLD + WARM if kind == "run"]
    assert codes == [0] * 9
    # 12 kg × 1×10⁶ cells/kg = 1.2×10⁷ cells a dose; × 8 doses = 9.6×10⁷ cells
    dose = steps["dose, cold cache"]["printed"]
    assert "course: 8 doses, 9.6×10⁷ cells in total, last dose on day 196\n" in dose
    assert steps["dose, warm cache"]["printed"] == dose


def test_import_celldose_loads_nothing_heavy(steps: dict[str, Any]) -> None:
    heavy = ("numpy", "matplotlib", "pint", "pydantic", "click")
    assert loaded(steps["import celldose"], *heavy) == []


def test_the_help_loads_no_protocol_code(steps: dict[str, Any]) -> None:
    """`celldose --help` lists the commands without loading what they run (it took 0.37 s with
    the protocols' models and units loaded, 0.11 s without)."""
    step = steps["celldose --help"]
    assert "dose      Per-patient doses, volumes, vials and dates." in step["printed"]
    assert loaded(step, "celldose.protocols", "pydantic", "pint", "numpy", "yaml") == []


def test_the_simulate_command_does_not_import_matplotlib_or_numpy(steps: dict[str, Any]) -> None:
    assert loaded(steps["import the simulate command"], "matplotlib", "numpy") == []


def test_the_figure_commands_import_matplotlib_only_to_draw(steps: dict[str, Any]) -> None:
    """Importing the plot and compare commands and building a timeline's lanes (the data, not
    the drawing) loads no matplotlib."""
    assert loaded(steps["build the lanes of a timeline"], "matplotlib") == []


@pytest.mark.parametrize("step", ["dose, cold cache", "dose, warm cache"])
def test_celldose_dose_imports_neither_matplotlib_nor_numpy_random(
    steps: dict[str, Any], step: str
) -> None:
    assert loaded(steps[step], "matplotlib", "numpy.random") == []


@pytest.mark.parametrize("step", ["dose, cold cache", "dose, warm cache"])
def test_completion_costs_a_normal_run_nothing(steps: dict[str, Any], step: str) -> None:
    """`celldose dose` never imports click's completion module (only a completing shell does)."""
    assert loaded(steps[step], "click.shell_completion") == []


def test_a_cached_library_protocol_is_dosed_without_loading_the_shorthand_grammar(
    steps: dict[str, Any],
) -> None:
    # The grammar compiles ~80 regular expressions on import (~20 ms); a protocol served from
    # the cache of validated protocols needs none of it.
    assert loaded(steps["dose, warm cache"], "celldose.protocols._shorthand") == []


def test_celldose_dose_on_a_cached_protocol_loads_neither_pint_nor_numpy(
    steps: dict[str, Any],
) -> None:
    step = steps["dose 26.5 lb as CSV, warm cache"]
    # 26.5 lb × 0.45359237 = 12.020197805 kg; × 1×10⁶ cells/kg = 12020197.805 cells
    assert ",12020197.805," in step["printed"]
    assert loaded(step, "pint", "numpy") == []


def test_jinja2_is_loaded_only_for_the_sheet(steps: dict[str, Any]) -> None:
    held = {fmt: "jinja2" in steps[f"dose as {fmt}"]["modules"] for fmt in SHEET_FORMATS}
    assert held == {"table": False, "json": False, "csv": False, "ics": False, "html": True}
