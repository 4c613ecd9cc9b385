"""Fixtures and settings for the protocol-language tests."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis keeps caches in ./.hypothesis by default. pyproject's `norecursedirs` replaces
# pytest's default ignores (which skip dot-directories), so with a ./.hypothesis directory
# Hypothesis's plugin warns on collection and `filterwarnings = error` fails the whole run.
# Keep its storage out of the working tree.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "celldose-tests-hypothesis")
