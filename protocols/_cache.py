"""A cache of validated protocols: loading a known file skips YAML and shorthand parsing.

`celldose dose` must start fast. A protocol file that validated once is stored, as the plain
data of its validated model, under ``$XDG_CACHE_HOME/celldose`` (``~/.cache/celldose``), keyed by
a hash of the file's text and of the protocol-language code and unit definitions (file
names, sizes and modification times), so a change to either is never served stale. Loading
from the cache still runs the models' validation. Set ``CELLDOSE_NO_CACHE=1`` to turn it off;
a cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

CACHE_FORMAT = "1"


def cache_dir() -> Path | None:
    if os.environ.get("CELLDOSE_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "celldose"


@cache
def _code_fingerprint() -> str:
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    folder = Path(__file__).resolve().parent
    for path in sorted([*folder.glob("*.py"), *folder.glob("*.txt")]):
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def cache_key(text: str) -> str:
    return hashlib.sha256((_code_fingerprint() + "\0" + text).encode()).hexdigest()


def read(key: str) -> dict[str, Any] | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write(key: str, data: dict[str, Any]) -> None:
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(folder / f"{key}.json")
    except OSError:
        return
