"""The caches are checked on every read: no foreign code, no crash, no hang, no edited dose.

pint's definitions cache (a pickle that may name any code) is not used at all. An entry of the
validated-protocol cache is a pickle read by an unpickler that resolves only protocol models: an
entry that names anything else, is corrupt, not a regular file, edited, stored under another
key or code version, or writable by others is a miss: the protocol is validated again and the
entry rewritten (private and atomically).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from celldose.protocols import Dose, Protocol, _cache, load_protocol, parse_protocol

VALID = """\
id: cached
title: cached
species: dog
indication: test
product: {name: X, tissue_source: fat, donor: allogeneic, origin_species: dog}
route: IV
arms:
  - name: a
    regimen: 2e6 cells/kg q4w x3
reference: {citation: none}
"""
CELLDOSE = str(Path(sys.executable).with_name("celldose"))
QI = "qi2017-sjogren-thrombocytopenia"
DOSE_ARGS = ["dose", "jang2025-canine-itp", "--weight", "12kg", "--dose", "1e6 cells/kg"]


@pytest.fixture()
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("CELLDOSE_NO_CACHE", raising=False)
    return tmp_path / "celldose"


def entry_path(cache_home: Path, text: str = VALID) -> Path:
    return cache_home / f"{_cache.cache_key(text).digest}.json"


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail with TimeoutError instead of hanging (a FIFO read would block forever)."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_celldose(cache_root: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_root)}
    env.pop("CELLDOSE_NO_CACHE", None)
    return subprocess.Popen(
        [CELLDOSE, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


class _Planted:
    """Unpickling this creates the file ``marker``: proof that a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


# --- pint's definitions cache --------------------------------------------------------------


def test_a_planted_pickle_in_the_old_pint_cache_folder_is_never_loaded(tmp_path: Path) -> None:
    import pint

    # pint names its cache files after the definitions' content: let pint write them where
    # celldose used to point it, then replace every pickle with one that creates a file.
    pint_folder = tmp_path / "celldose" / "pint"
    units = resources.files("celldose.protocols").joinpath("units.txt")
    with resources.as_file(units) as path:
        pint.UnitRegistry(str(path), cache_folder=pint_folder)
    pickles = sorted(pint_folder.glob("*.pickle"))
    assert pickles
    marker = tmp_path / "planted-code-ran"
    for planted in pickles:
        planted.write_bytes(pickle.dumps(_Planted(marker)))
    out, err = run_celldose(tmp_path, *DOSE_ARGS).communicate(timeout=60)
    assert err == ""
    assert "1.2×10⁷ cells" in out
    assert not marker.exists()


def _library_text(protocol_id: str) -> str:
    folder = resources.files("celldose.protocols").joinpath("library")
    return folder.joinpath(f"{protocol_id}.yaml").read_text(encoding="utf-8")


def test_concurrent_cold_runs_all_succeed(tmp_path: Path) -> None:
    runs = 4  # more runs than cores: writers of one entry overlap
    # Each run validates the protocol (building the unit registry) and writes the cache entry.
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("CELLDOSE_NO_CACHE", None)
    load = "from celldose.protocols import load_protocol as l; print(l('{}').model_dump_json())"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", load.format(QI)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(runs)
    ]
    results = [(p.communicate(timeout=120), p.returncode) for p in processes]
    assert [code for _, code in results] == [0] * runs
    assert [err for (_, err), _ in results] == [""] * runs
    published = load_protocol(QI).model_dump_json() + "\n"
    assert [out for (out, _), _ in results] == [published] * runs
    (entry,) = (tmp_path / "celldose").iterdir()  # one entry; no pint/ folder, no temporary file
    source = _library_text(QI).encode("utf-8")
    assert json.loads(entry.read_text(encoding="utf-8"))["source_sha256"] == (
        hashlib.sha256(source).hexdigest()
    )


# --- corrupt entries -----------------------------------------------------------------------


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(b"\xff\xfe\x00garbage\x80")


def _nested(path: Path) -> None:
    path.write_text("[" * 100_000, encoding="utf-8")


def _not_a_mapping(path: Path) -> None:
    path.write_text("[1, 2, 3]", encoding="utf-8")


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _symlink(path: Path) -> None:
    # a link to a copy of the genuine entry: links are never followed
    elsewhere = path.parent.parent / "elsewhere.json"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)


def _too_large(path: Path) -> None:
    path.write_bytes(b" " * (_cache.MAX_ENTRY_BYTES + 1))


@pytest.mark.parametrize(
    "damage",
    [_truncated, _garbage, _nested, _not_a_mapping, _fifo, _symlink, _too_large],
    ids=["truncated", "garbage", "nested-100000", "not-a-mapping", "fifo", "symlink", "4MiB+1"],
)
def test_a_corrupt_entry_is_a_miss_and_is_rebuilt(
    cache_home: Path, damage: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    first = parse_protocol(VALID, "a.yaml")
    path = entry_path(cache_home)
    damage(path)
    with deadline(5):
        assert parse_protocol(VALID, "a.yaml") == first
    assert capsys.readouterr().err == ""
    assert path.is_file() and not path.is_symlink()
    assert _cache.read(_cache.cache_key(VALID), Protocol) == first
    assert [p.name for p in cache_home.iterdir()] == [path.name]  # no temporary file left


def test_a_folder_in_place_of_the_entry_is_a_miss(
    cache_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = parse_protocol(VALID, "a.yaml")
    path = entry_path(cache_home)
    path.unlink()
    path.mkdir()
    (path / "keep").write_text("x", encoding="utf-8")
    assert parse_protocol(VALID, "a.yaml") == first
    assert capsys.readouterr().err == ""
    assert path.is_dir() and (path / "keep").read_text(encoding="utf-8") == "x"


# --- edited entries ------------------------------------------------------------------------


def _replace_payload(path: Path, payload: bytes, *, rehash: bool) -> None:
    """Put ``payload`` in the entry at ``path``; with ``rehash``, also its matching hash."""
    entry = json.loads(path.read_text(encoding="utf-8"))
    entry["data"] = base64.b64encode(payload).decode("ascii")
    if rehash:
        entry["content_sha256"] = hashlib.sha256(payload).hexdigest()
    path.write_text(json.dumps(entry), encoding="utf-8")


def test_a_dose_edited_in_a_cached_entry_is_not_served(cache_home: Path) -> None:
    published = load_protocol(QI)  # 2×10⁶ cells/kg monthly ×4
    text = _library_text(QI)
    tenfold = parse_protocol(text.replace("2×10⁶ cells/kg", "2×10⁷ cells/kg"), "edited.yaml")
    assert str(tenfold.arms[0].regimen.phases[0].dose) == "2×10⁷ cells/kg"
    path = entry_path(cache_home, text)
    _replace_payload(path, pickle.dumps(tenfold, protocol=5), rehash=False)  # the old hash
    again = load_protocol(QI)
    assert again == published
    assert str(again.arms[0].regimen.phases[0].dose) == "2×10⁶ cells/kg"
    assert _cache.read(_cache.cache_key(text), Protocol) == published  # rewritten


def test_a_planted_pickle_in_an_entry_never_runs(cache_home: Path, tmp_path: Path) -> None:
    # Even with a matching content hash: the unpickler resolves nothing but protocol models.
    first = parse_protocol(VALID, "a.yaml")
    marker = tmp_path / "planted-code-ran"
    _replace_payload(entry_path(cache_home), pickle.dumps(_Planted(marker)), rehash=True)
    assert _cache.read(_cache.cache_key(VALID), Protocol) is None
    assert parse_protocol(VALID, "a.yaml") == first
    assert not marker.exists()
    assert _cache.read(_cache.cache_key(VALID), Protocol) == first  # rebuilt


def test_an_entry_naming_a_celldose_function_is_refused(cache_home: Path) -> None:
    parse_protocol(VALID, "a.yaml")
    # a pickle of a function is a reference to it by name: resolving it is refused
    _replace_payload(entry_path(cache_home), pickle.dumps(load_protocol), rehash=True)
    assert _cache.read(_cache.cache_key(VALID), Protocol) is None


def test_an_entry_holding_another_model_is_a_miss(cache_home: Path) -> None:
    first = parse_protocol(VALID, "a.yaml")
    dose = first.arms[0].regimen.phases[0].dose
    assert isinstance(dose, Dose)
    _replace_payload(entry_path(cache_home), pickle.dumps(dose, protocol=5), rehash=True)
    assert _cache.read(_cache.cache_key(VALID), Protocol) is None
    assert parse_protocol(VALID, "a.yaml") == first


def test_an_entry_of_another_code_version_is_not_used(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The key hashes the protocol-language code: after an upgrade the old entry is never read.
    parse_protocol(VALID, "a.yaml")
    old = entry_path(cache_home)
    monkeypatch.setattr(_cache, "_code_fingerprint", lambda: "another version")
    assert entry_path(cache_home) != old
    assert _cache.read(_cache.cache_key(VALID), Protocol) is None
    parse_protocol(VALID, "a.yaml")
    assert entry_path(cache_home).is_file()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("key", "0" * 64),
        ("source_sha256", "0" * 64),
        ("content_sha256", "0" * 64),
        ("format", "1"),
    ],
)
def test_an_entry_whose_checks_disagree_is_a_miss(cache_home: Path, field: str, value: str) -> None:
    parse_protocol(VALID, "a.yaml")
    path = entry_path(cache_home)
    entry = json.loads(path.read_text(encoding="utf-8"))
    assert entry[field] != value
    entry[field] = value
    path.write_text(json.dumps(entry), encoding="utf-8")
    assert _cache.read(_cache.cache_key(VALID), Protocol) is None


def test_an_entry_copied_under_another_texts_name_is_a_miss(cache_home: Path) -> None:
    other = VALID.replace("q4w x3", "q4w x5")
    parse_protocol(VALID, "a.yaml")
    entry_path(cache_home).rename(entry_path(cache_home, other))
    assert parse_protocol(other, "a.yaml").arms[0].regimen.phases[0].count == 5


# --- permissions and location --------------------------------------------------------------


def test_the_folder_is_created_private_and_entries_owner_only(cache_home: Path) -> None:
    parse_protocol(VALID, "a.yaml")
    assert cache_home.stat().st_mode & 0o777 == 0o700
    assert entry_path(cache_home).stat().st_mode & 0o777 == 0o600


def test_a_folder_others_can_write_is_not_used_and_said_once(
    cache_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parse_protocol(VALID, "a.yaml")
    capsys.readouterr()
    cache_home.chmod(0o777)
    before = entry_path(cache_home).read_bytes()
    assert _cache.read(_cache.cache_key(VALID), Protocol) is None
    assert parse_protocol(VALID.replace("x3", "x4"), "a.yaml").arms[0].regimen.phases[0].count == 4
    assert capsys.readouterr().err == (
        f"warning: ignoring the cache folder {cache_home}: it is writable by other users "
        "(make it your own and private (chmod 700), or set CELLDOSE_NO_CACHE=1)\n"
    )
    assert sorted(p.name for p in cache_home.iterdir()) == [entry_path(cache_home).name]
    assert entry_path(cache_home).read_bytes() == before


def test_an_entry_others_can_write_is_rebuilt_private(
    cache_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = parse_protocol(VALID, "a.yaml")
    path = entry_path(cache_home)
    path.chmod(0o666)
    assert parse_protocol(VALID, "a.yaml") == first
    assert capsys.readouterr().err == (
        f"warning: ignoring the cache entry {path}: it is writable by other users (it is rebuilt)\n"
    )
    assert path.stat().st_mode & 0o777 == 0o600
    assert _cache.read(_cache.cache_key(VALID), Protocol) == first


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs chown (root)")
def test_an_entry_owned_by_another_user_is_not_used(
    cache_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parse_protocol(VALID, "a.yaml")
    path = entry_path(cache_home)
    os.chown(path, 65534, 65534)
    assert _cache.read(_cache.cache_key(VALID), Protocol) is None
    assert capsys.readouterr().err == (
        f"warning: ignoring the cache entry {path}: it is owned by another user (it is rebuilt)\n"
    )


def test_a_relative_xdg_cache_home_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative-cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CELLDOSE_NO_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert _cache.cache_dir() == tmp_path / "home" / ".cache" / "celldose"
    parse_protocol(VALID, "a.yaml")
    assert not (tmp_path / "relative-cache").exists()
    assert entry_path(tmp_path / "home" / ".cache" / "celldose").is_file()
