"""Every public function and class (each package's ``__all__``) has a docstring of its own."""

from __future__ import annotations

import dataclasses
import importlib
import inspect

import pytest

PACKAGES = (
    "celldose",
    "celldose.protocols",
    "celldose.simulator.dosing",
    "celldose.simulator.scenarios",
    "celldose.simulator.figures",
    "celldose.cli",
)


def own_docstring(obj: object) -> str | None:
    """The docstring written for ``obj``: not inherited, not the signature dataclass writes."""
    if inspect.isclass(obj):
        doc = obj.__dict__.get("__doc__")
        if dataclasses.is_dataclass(obj) and doc and doc.startswith(obj.__name__ + "("):
            return None
        return doc if isinstance(doc, str) else None
    doc = getattr(obj, "__doc__", None)
    return doc if isinstance(doc, str) else None


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_function_and_class_has_a_docstring(package: str) -> None:
    module = importlib.import_module(package)
    missing = [
        name
        for name in module.__all__
        if (inspect.isclass(obj := getattr(module, name)) or inspect.isroutine(obj))
        and not (own_docstring(obj) or "").strip()
    ]
    assert missing == []


def test_the_check_sees_a_missing_docstring() -> None:
    @dataclasses.dataclass
    class Bare:
        x: int

    def bare() -> None:
        pass

    assert own_docstring(Bare) is None
    assert own_docstring(bare) is None
