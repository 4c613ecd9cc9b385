"""celldose's sanity thresholds (``checks.toml``): what warns, and what is refused as impossible."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def checks() -> dict[str, Any]:
    """The tables of ``checks.toml`` (read once)."""
    text = resources.files("celldose.simulator.dosing").joinpath("checks.toml").read_text("utf-8")
    return tomllib.loads(text)
