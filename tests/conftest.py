"""Shared fixtures."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("MPLBACKEND", "Agg")
# The cache of validated protocols goes to a fresh folder for each test run, never ~/.cache.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="celldose-test-cache-")
