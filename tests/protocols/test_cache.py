"""The cache of validated protocols: same protocol back, never stale, and optional."""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.protocols import (
    ProtocolFileError,
    _cache,
    library_ids,
    load_protocol,
    parse_protocol,
)

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


@pytest.fixture()
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("CELLDOSE_NO_CACHE", raising=False)
    return tmp_path / "celldose"


@pytest.mark.parametrize("protocol_id", library_ids())
def test_library_protocol_from_the_cache_equals_the_validated_one(
    cache_home: Path, protocol_id: str
) -> None:
    first = load_protocol(protocol_id)  # validates the YAML and writes the cache
    assert len(list(cache_home.glob("*.json"))) == 1
    second = load_protocol(protocol_id)  # served from the cache
    assert second == first
    assert second.arms[0].regimen.to_shorthand() == first.arms[0].regimen.to_shorthand()


def test_a_changed_text_is_not_served_from_the_cache(cache_home: Path) -> None:
    parse_protocol(VALID, "a.yaml")
    changed = parse_protocol(VALID.replace("q4w x3", "q4w x5"), "a.yaml")
    assert changed.arms[0].regimen.phases[0].count == 5
    assert len(list(cache_home.glob("*.json"))) == 2


def test_a_corrupt_cache_entry_is_ignored(cache_home: Path) -> None:
    parse_protocol(VALID, "a.yaml")
    (entry,) = cache_home.glob("*.json")
    entry.write_text('{"id": 3}', encoding="utf-8")
    assert parse_protocol(VALID, "a.yaml").arms[0].regimen.phases[0].count == 3


def test_the_cache_can_be_turned_off(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CELLDOSE_NO_CACHE", "1")
    parse_protocol(VALID, "a.yaml")
    assert not cache_home.exists()
    assert _cache.cache_dir() is None


def test_an_invalid_text_is_never_cached(cache_home: Path) -> None:
    with pytest.raises(ValueError):
        parse_protocol(VALID.replace("2e6 cells/kg", "2x106/kg"), "a.yaml")
    assert not (cache_home.exists() and any(cache_home.glob("*.json")))


def test_an_unknown_species_is_located_even_after_caching(cache_home: Path) -> None:
    text = VALID.replace("species: dog", "species: unicorn")
    parse_protocol(text, "a.yaml")  # no species list: valid, and cached
    with pytest.raises(ProtocolFileError) as info:
        parse_protocol(text, "a.yaml", known_species=("dog", "cat"))
    (problem,) = info.value.problems
    assert (problem.line, problem.column, problem.path) == (3, 10, "species")
