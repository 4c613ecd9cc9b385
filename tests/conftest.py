"""Shared fixtures."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("MPLBACKEND", "Agg")
# The cache of validated protocols goes to a fresh folder for each test process, never
# ~/.cache, and the folder is removed when the process ends.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="celldose-test-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)

# Property tests draw the same examples on every run (a test run that passes once passes again,
# and CI never turns red by chance); set CELLDOSE_EXPLORE=1 to draw new examples instead, e.g.
# with CELLDOSE_FUZZ_EXAMPLES=100000 for a long fuzzing run (see tests/protocols/test_fuzz.py).
from hypothesis import settings  # noqa: E402

settings.register_profile("celldose", derandomize=not os.environ.get("CELLDOSE_EXPLORE"))
settings.load_profile("celldose")
