"""A cache of validated protocols: loading a known file skips YAML, shorthand and validation.

`celldose dose` must start fast. A protocol text that validated once is stored as its validated
model, one file per text in the user's cache folder (``platformdirs.user_cache_dir("celldose")``:
``$XDG_CACHE_HOME/celldose`` or ``~/.cache/celldose`` on Linux; a relative ``XDG_CACHE_HOME`` is
ignored, as the XDG spec requires). The file's name is a key hashed from the text and from the
protocol-language code, unit definitions and route table (names, sizes, modification times), so
a change to any of them is never served stale.

A hit is not validated again (validation builds pydantic's schemas, the largest part of a warm
start): the model is stored as a pickle, and read back by an unpickler that resolves no name but
the model classes and enumerations of ``celldose.protocols``. A planted pickle that names
anything else (``builtins.open``, ``os.system``) is refused before it runs: reading an entry can
build protocol objects, nothing more.

The cache is as trusted as the home folder, no more: an entry is used only when it is a small
regular file (no link, FIFO or folder), owned by the user and writable by nobody else, in a
folder likewise private (created 0700; a folder or entry that others can write is ignored, with
one warning on stderr), and when it names its format and key and carries the SHA-256 of its
source text and of its own content, all checked on every read, and holds an object of the type
asked for. Anything else (truncated, edited, garbage, nested too deep) is a miss: the text is
validated again and the entry rewritten, atomically. Set ``CELLDOSE_NO_CACHE=1`` to turn it off;
a cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import enum
import hashlib
import io
import json
import os
import pickle
import stat
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from celldose.protocols._errors import CelldoseError
from celldose.protocols._files import read_regular, write_atomic

T = TypeVar("T")

CACHE_FORMAT = "3"  # 3: the model pickled (read by _ModelUnpickler); 2 was its JSON data
MAX_ENTRY_BYTES = 4 << 20  # a protocol file is at most 1 MB; its validated data far less
_FOLDER_FIX = "make it your own and private (chmod 700), or set CELLDOSE_NO_CACHE=1"
_warned: set[str] = set()  # each warning is printed once per process


@dataclass(frozen=True)
class CacheKey:
    """Where a text's entry lives (``digest``) and the hash an entry must carry of its text."""

    digest: str
    source_sha256: str


def cache_dir() -> Path | None:
    """The cache folder (which may not exist yet), or None when ``CELLDOSE_NO_CACHE`` is set."""
    if os.environ.get("CELLDOSE_NO_CACHE"):
        return None
    import platformdirs

    folder = Path(platformdirs.user_cache_dir("celldose", appauthor=False))
    if not folder.is_absolute():  # older platformdirs kept a relative XDG_CACHE_HOME
        folder = Path.home() / ".cache" / "celldose"
    return folder


@cache
def _code_fingerprint() -> str:
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    folder = Path(__file__).resolve().parent
    for path in sorted([*folder.glob("*.py"), *folder.glob("*.txt"), *folder.glob("*.toml")]):
        info = path.stat()
        digest.update(f"{path.name}:{info.st_size}:{info.st_mtime_ns};".encode())
    return digest.hexdigest()


def cache_key(text: str) -> CacheKey:
    """The key of ``text``'s entry."""
    encoded = text.encode("utf-8", "surrogatepass")
    return CacheKey(
        digest=hashlib.sha256(_code_fingerprint().encode() + b"\0" + encoded).hexdigest(),
        source_sha256=hashlib.sha256(encoded).hexdigest(),
    )


def read(key: CacheKey, kind: type[T]) -> T | None:
    """The ``kind`` object stored for ``key``, or None when there is no sound, private,
    verified entry holding one."""
    folder = _private_folder(create=False)
    if folder is None:
        return None
    path = folder / f"{key.digest}.json"
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or _unsafe(path, info, "cache entry", "it is rebuilt"):
        return None
    raw = read_regular(path, MAX_ENTRY_BYTES)
    if raw is None:
        return None
    try:
        entry = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # garbage, truncated, or nested past the stack
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("data"), str):
        return None
    try:
        payload = base64.b64decode(entry["data"], validate=True)
    except (binascii.Error, ValueError):
        return None
    sound = (
        entry.get("format") == CACHE_FORMAT
        and entry.get("key") == key.digest
        and entry.get("source_sha256") == key.source_sha256
        and entry.get("content_sha256") == hashlib.sha256(payload).hexdigest()
    )
    if not sound:
        return None
    try:
        value = _ModelUnpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - any unreadable or refused payload is a miss
        return None
    return value if type(value) is kind else None


def write(key: CacheKey, value: object) -> None:
    """Store ``value`` (a protocol model) for ``key``, replacing whatever is there; failures
    are ignored."""
    folder = _private_folder(create=True)
    if folder is None:
        return
    try:
        payload = pickle.dumps(value, protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    body = json.dumps(
        {
            "format": CACHE_FORMAT,
            "key": key.digest,
            "source_sha256": key.source_sha256,
            "content_sha256": hashlib.sha256(payload).hexdigest(),
            "data": base64.b64encode(payload).decode("ascii"),
        }
    ).encode("utf-8")
    if len(body) > MAX_ENTRY_BYTES:
        return
    path = folder / f"{key.digest}.json"
    # Remove what was refused on reading (a FIFO, a link, an entry others can write): a new
    # entry is then created private, and never written through a FIFO or a link.
    with contextlib.suppress(OSError):
        os.unlink(path)
    with contextlib.suppress(OSError, CelldoseError):
        write_atomic(path, body, private=True)


class _ModelUnpickler(pickle.Unpickler):
    """Resolves only the models and enumerations of ``celldose.protocols``: a pickle
    naming any other global (a function, a builtin, another module) is refused unread."""

    def find_class(self, module: str, name: str) -> Any:
        if module.startswith("celldose.protocols.") and "." not in name:
            from pydantic import BaseModel

            found = getattr(sys.modules.get(module), name, None)
            if isinstance(found, type) and issubclass(found, BaseModel | enum.Enum):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not a protocol model")


def _private_folder(*, create: bool) -> Path | None:
    """The cache folder if it is a folder of this user that nobody else can write, else None."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        if create:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.stat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or _unsafe(folder, info, "cache folder", _FOLDER_FIX):
        return None
    return folder


def _unsafe(path: Path, info: os.stat_result, what: str, fix: str) -> bool:
    """True (and a warning on stderr, once per path) when others own or can write ``path``."""
    getuid = getattr(os, "getuid", None)
    if getuid is not None and info.st_uid != getuid():
        reason = "it is owned by another user"
    elif info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        reason = "it is writable by other users"
    else:
        return False
    message = f"warning: ignoring the {what} {path}: {reason} ({fix})"
    if message not in _warned:
        _warned.add(message)
        print(message, file=sys.stderr)
    return True
