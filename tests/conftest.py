"""Shared fixtures."""

from __future__ import annotations

import atexit
import dataclasses
import functools
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# matplotlib's font list stays in the cache folder matplotlib uses outside the tests (below, the
# cache folder is replaced): else every test process that draws builds it again (~0.25 s). Set
# in the first process, inherited by pytest-xdist's workers and the processes tests start.
os.environ.setdefault(
    "MPLCONFIGDIR",
    str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matplotlib"),
)
# The cache of validated protocols goes to a fresh folder for each test process, never
# ~/.cache, and the folder is removed when the process ends.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="celldose-test-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)


def pytest_configure(config: pytest.Config) -> None:
    """Property tests draw the same examples on every run (a test run that passes once passes
    again, and CI never turns red by chance); set CELLDOSE_EXPLORE=1 to draw new examples
    instead, e.g. with CELLDOSE_FUZZ_EXAMPLES=100000 for a long fuzzing run (see
    tests/protocols/test_fuzz.py).

    The profile is loaded before any test module is imported (a ``@settings`` made at import
    takes the profile's values then). pytest-xdist's controller runs no test, so it does not
    import Hypothesis (about 0.5 s before the workers can start); its workers and a run without
    workers (``-p no:xdist``, ``-n 0``) do.
    """
    if not hasattr(config, "workerinput"):  # the first process: before any worker starts
        _compile_celldose()
    if config.getoption("numprocesses", None) and not hasattr(config, "workerinput"):
        return
    from hypothesis import settings

    settings.register_profile("celldose", derandomize=not os.environ.get("CELLDOSE_EXPLORE"))
    settings.load_profile("celldose")


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection imported and built (modules, their constants, the test items) lives to the
    end of the run: moved out of the garbage collector's reach (``gc.freeze``), so that the
    collections that run between tests do not walk it again and again; and the youngest
    generation is collected every 10,000 allocations, not 700. Garbage collection took ~10% of
    a test worker's CPU (5.7 s of a run), now ~4% (2.5 s)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000)


def _compile_celldose() -> None:
    """Compile celldose's modules where the installed package finds them, once per test run.

    With PYTHONDONTWRITEBYTECODE set (as on the shared test machines), Python caches no
    bytecode: every test worker, and each of the ~35 celldose processes the tests start,
    would compile celldose from source again (~0.15 s a process). An editable install finds
    the modules through links in its build folder (build/__editable__...), so the bytecode goes
    there, never beside the source; a pip install has compiled it already. Only modules whose
    source changed are compiled again.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("celldose")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            compileall.compile_dir(folder, quiet=2, workers=1)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """After failed asserts in a run without assert rewriting (pyproject's ``--assert=plain``),
    say how to see what they compared."""
    if config.getoption("assertmode") != "plain":
        return
    failed = [
        report.nodeid
        for report in terminalreporter.stats.get("failed", [])
        if "AssertionError" in getattr(report, "longreprtext", "")
    ]
    if failed:
        terminalreporter.write_line(
            "asserts are not rewritten in the default run (--assert=plain, for speed): to see "
            f"what a failing assert compared, run: pytest --assert=rewrite -n 0 {' '.join(failed)}"
        )


# -- every study of the library (and the clinic example), dosed as the tests of the interchange
# formats need: one case per treatment arm, branch of a decision and side of a range ---------

CLINIC_EXAMPLE = str(Path(__file__).resolve().parents[1] / "examples" / "clinic-dog-protocol.yaml")
LIBRARY_WEIGHTS = {"dog": "12kg", "cat": "4kg", "human": "70kg", "human-child": "20kg"}
# what each study needs that its source does not report (as the other library tests give it)
LIBRARY_NEEDS: dict[str, dict[str, Any]] = {
    "jang2025-canine-itp": {"dose": "1e6 cells/kg"},
    "aa-ucmsc-18": {"count": 6},
    "izadi2022-t1d-bmmsc": {"interval": "4 weeks"},
}
LIBRARY_START = "2026-01-05"


@dataclasses.dataclass(frozen=True)
class LibraryCase:
    """One plan of a library study: `celldose dose` arguments and plan_doses() keywords."""

    source: str
    arm: str
    species: str
    branch: str | None = None
    schedule: str | None = None

    @property
    def weight(self) -> str:
        return LIBRARY_WEIGHTS[self.species]

    def args(self) -> list[str]:
        """``celldose dose`` arguments (without --format)."""
        out = [self.source, "--arm", self.arm, "--weight", self.weight, "--start", LIBRARY_START]
        for key, value in LIBRARY_NEEDS.get(self.source, {}).items():
            out += [f"--{key}", str(value)]
        if self.branch is not None:
            out += ["--branch", self.branch]
        if self.schedule is not None:
            out += ["--schedule", self.schedule]
        return out

    def plan(self) -> Any:
        from celldose.simulator.dosing import plan_doses

        plan = plan_doses(
            self.source,
            weight=self.weight.replace("kg", " kg"),
            arm=self.arm,
            branch=self.branch,
            start=LIBRARY_START,
            **LIBRARY_NEEDS.get(self.source, {}),
        )
        return plan.with_schedule(self.schedule)


@functools.cache
def library_cases() -> tuple[Any, ...]:
    """Built once per test process (loading every study takes ~0.3 s), for every test that asks."""
    from celldose.protocols import library_ids, load_protocol

    out = []
    for source in [*library_ids(), CLINIC_EXAMPLE]:
        protocol = load_protocol(source)
        for arm in protocol.arms:
            if arm.gives_no_cells:
                continue
            decision = arm.regimen.decision
            branches = [None, *(decision.names if decision is not None else ())]
            for branch in branches:
                for schedule in ["min", "max"] if arm.regimen.is_range else [None]:
                    case = LibraryCase(source, arm.name, protocol.species, branch, schedule)
                    name = Path(source).stem if source == CLINIC_EXAMPLE else source
                    ident = "-".join(x for x in (name, arm.name, branch, schedule) if x)
                    out.append(pytest.param(case, id=ident))
    return tuple(out)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes ``library_case`` runs once per :func:`library_cases`."""
    if "library_case" in metafunc.fixturenames:
        metafunc.parametrize("library_case", library_cases())
