"""What a user installs and cites: dependency floors, licence, metadata, citation, changelog.

- every runtime dependency has one ``>=`` floor, and ``.ci/minimum-versions.txt`` pins exactly
  those dependencies to exactly those floors (CI installs it in a second environment);
- the installed metadata carries the licence (PEP 639), the authors and the classifiers;
- ``CITATION.cff``, ``LICENSE`` and ``CHANGELOG.md`` agree with ``pyproject.toml``.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


def _normalized(name: str) -> str:
    """A distribution name as PEP 503 compares it (``PyYAML`` and ``pyyaml`` are one)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _floors() -> dict[str, str]:
    floors = {}
    for requirement in PROJECT["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9._-]+)>=([0-9][0-9.]*)", requirement)
        assert match, f"{requirement!r} is not one `name>=version` floor"
        floors[_normalized(match[1])] = match[2]
    return floors


def _pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([0-9][0-9.]*)", line)
        assert match, f"{line!r} is not one `name==version` pin"
        name = _normalized(match[1])
        assert name not in pins, f"{name} is pinned twice"
        pins[name] = match[2]
    return pins


def test_the_runtime_floors_are_the_ones_the_suite_passes_with() -> None:
    # found by running the suite at each version (see .ci/minimum-versions.txt for why)
    assert _floors() == {
        "numpy": "2.0",
        "pint": "0.24.4",
        "platformdirs": "3.0",
        "pydantic": "2.14",
        "click": "8.1.4",
        "matplotlib": "3.10.7",
        "pyyaml": "6.0",
        "python-dateutil": "2.8.2",
        "icalendar": "5.0",
        "jinja2": "3.0",
    }


def test_the_minimum_versions_file_pins_exactly_the_declared_floors() -> None:
    text = (ROOT / ".ci" / "minimum-versions.txt").read_text(encoding="utf-8")
    assert _pins(text) == _floors()


def test_a_pin_that_is_not_exact_is_refused() -> None:
    with pytest.raises(AssertionError, match=r"^'numpy>=2\.0' is not one `name==version` pin"):
        _pins("numpy>=2.0\n")


def test_the_build_needs_a_setuptools_that_knows_pep_639() -> None:
    assert PYPROJECT["build-system"]["requires"] == ["setuptools>=77"]


def test_the_installed_metadata_names_the_licence_and_the_authors() -> None:
    meta = metadata.metadata("celldose")
    assert meta["License-Expression"] == "BSD-3-Clause"
    assert meta.get_all("License-File") == ["LICENSE"]
    assert meta["Author"] == "celldose developers"
    assert meta["Requires-Python"] == ">=3.11"
    keywords = meta["Keywords"].split(",")
    assert {"cell therapy", "mesenchymal stem cells", "MSC", "veterinary"} <= set(keywords)
    classifiers = set(meta.get_all("Classifier") or [])
    assert {
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Intended Audience :: Science/Research",
        "Intended Audience :: Healthcare Industry",
        "Topic :: Scientific/Engineering :: Medical Science Apps.",
        "Operating System :: OS Independent",
    } <= classifiers
    # PEP 639: the licence expression replaces the licence classifiers
    assert [c for c in classifiers if c.startswith("License ::")] == []


def test_the_licence_is_bsd_3_clause_of_the_celldose_developers() -> None:
    lines = (ROOT / "LICENSE").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "BSD 3-Clause License"
    assert lines[2] == "Copyright (c) 2026, celldose developers"


def test_the_citation_cites_this_version_under_this_licence() -> None:
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert citation["type"] == "software"
    assert citation["version"] == PROJECT["version"] == "0.1.0"
    assert citation["license"] == PROJECT["license"] == "BSD-3-Clause"
    assert citation["authors"] == [{"name": "celldose developers"}]


def test_the_changelog_has_an_unreleased_section_and_the_current_version() -> None:
    headings = [
        line
        for line in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    ]
    assert headings == ["## [Unreleased]", "## [0.1.0] - 2026-11-23"]
