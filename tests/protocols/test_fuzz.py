"""Fuzzing the readers with mutants of valid input.

Mutated regimen strings and mutated library protocol files must either be refused with one of
celldose's own errors, or be read into something that means exactly what its normalized form
means: the same doses on the same days when ``to_shorthand()`` is parsed again. A foreign
exception (RecursionError, OverflowError, a bare ValueError) or a round trip that differs fails.

The default run tries a few hundred examples (a few seconds). For a long run, set
``CELLDOSE_FUZZ_EXAMPLES``, e.g.::

    CELLDOSE_EXPLORE=1 CELLDOSE_FUZZ_EXAMPLES=100000 pytest -q tests/protocols/test_fuzz.py
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from celldose.protocols import CelldoseError, Regimen, library_ids, parse_protocol, parse_regimen

EXAMPLES = int(os.environ.get("CELLDOSE_FUZZ_EXAMPLES", "150"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

SEED_REGIMENS = (
    "2×10⁶ cells/kg q4w ×8",
    "2x10^6 cells/kg monthly x4",
    "1e6 cells/kg twice weekly ×8 then weekly ×4",
    "1.5×10⁸ cells on days 0, 14, 28",
    "5×10⁷ cells/m² every 2 weeks for 8 weeks",
    "1 million cells/kg once or twice weekly ×10",
    "cAT-MSC q4w ×8",
    "2×10⁶ cells/kg weekly ×4 then after 4 weeks monthly ×3",
    "10 mg/kg q3d ×5",
    "2.5 mL single dose",
    "1×10⁶ cells/kg at four-week intervals for eight sessions",
    "2×10⁶/kg q2mo ×3",
)

# Characters that matter to the readers: digits, the ways of writing a power, superscripts,
# Unicode spaces, separators, unit letters and prefixes, and a few that must never be dropped.
ALPHABET = "0123456789×xX*^·eE.,;:-–+/%⁰¹²³⁴⁵⁶⁷⁸⁹⁻ \u00a0\u2009\u2003\u202f\tkmMµuGcellsgwdqy²()"
WORDS = (" million", " then ", " ×", "10^", "10⁶", "0", "00", "_", "1:30", "0x", "/kg", "/m²")


@st.composite
def mutated(draw: st.DrawFn, seeds: tuple[str, ...] | list[str]) -> str:
    """A seed with one to four edits: insert, delete, replace a character, or insert a word."""
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        pos = draw(st.integers(min_value=0, max_value=len(text)))
        op = draw(st.sampled_from(("insert", "delete", "replace", "word")))
        if op == "insert":
            text = text[:pos] + draw(st.sampled_from(ALPHABET)) + text[pos:]
        elif op == "delete" and text:
            text = text[: max(pos - 1, 0)] + text[pos:]
        elif op == "replace" and pos < len(text):
            text = text[:pos] + draw(st.sampled_from(ALPHABET)) + text[pos + 1 :]
        else:
            text = text[:pos] + draw(st.sampled_from(WORDS)) + text[pos:]
    return text


def schedule(regimen: Regimen) -> list[tuple[object, ...]]:
    """Every dose of both schedules (a range has two) as comparable values."""
    out: list[tuple[object, ...]] = []
    for which in ("min", "max") if regimen.is_range else ("min",):
        out.extend((which, d.number, d.phase, d.time, d.dose) for d in regimen.expand(which))
    return out


def check_round_trip(regimen: Regimen, source: str) -> None:
    """An accepted regimen means what its normalized form means (or refuses to expand)."""
    try:
        planned = schedule(regimen)
    except CelldoseError:
        return
    normalized = regimen.to_shorthand()
    again = parse_regimen(normalized)
    assert schedule(again) == planned, f"{source!r} -> {normalized!r} reads differently"


@SETTINGS
@given(mutated(SEED_REGIMENS))
def test_mutated_regimens_are_refused_or_mean_their_normalized_form(text: str) -> None:
    try:
        regimen = parse_regimen(text)
    except CelldoseError:
        event("refused")
        return
    event("accepted")
    check_round_trip(regimen, text)


@contextmanager
def no_cache() -> Iterator[None]:
    """Mutants are validated afresh (and do not fill the test run's cache folder)."""
    old = os.environ.get("CELLDOSE_NO_CACHE")
    os.environ["CELLDOSE_NO_CACHE"] = "1"
    try:
        yield
    finally:
        if old is None:
            del os.environ["CELLDOSE_NO_CACHE"]
        else:
            os.environ["CELLDOSE_NO_CACHE"] = old


def library_lines() -> list[str]:
    folder = resources.files("celldose.protocols").joinpath("library")
    return [folder.joinpath(f"{i}.yaml").read_text(encoding="utf-8") for i in library_ids()]


LIBRARY_TEXTS = library_lines()
VALUE_EDITS = ("0", "00", "_", ":30", "0x1", "0o7", "0b1", ".", "e9", "%", "\u2009", " ×10", "-")


@st.composite
def protocol_mutants(draw: st.DrawFn) -> str:
    """A library file with one to three lines edited: a value mangled, a line dropped or doubled."""
    lines = draw(st.sampled_from(LIBRARY_TEXTS)).splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        op = draw(st.sampled_from(("value", "value", "char", "drop", "double")))
        line = lines[i]
        if op == "value" and ": " in line:
            key, _, value = line.partition(": ")
            pos = draw(st.integers(min_value=0, max_value=len(value)))
            value = value[:pos] + draw(st.sampled_from(VALUE_EDITS)) + value[pos:]
            lines[i] = f"{key}: {value}"
        elif op == "char":
            pos = draw(st.integers(min_value=0, max_value=len(line)))
            lines[i] = line[:pos] + draw(st.sampled_from(ALPHABET + "[]{}&*!|>'\"#")) + line[pos:]
        elif op == "drop" and len(lines) > 1:
            del lines[i]
        else:
            lines.insert(i, line)
    return "\n".join(lines) + "\n"


@SETTINGS
@given(protocol_mutants())
def test_mutated_protocol_files_are_refused_or_consistent(text: str) -> None:
    with no_cache():
        try:
            protocol = parse_protocol(text, "mutant.yaml")
        except CelldoseError:
            event("refused")
            return
    event("accepted")
    for arm in protocol.arms:
        if arm.regimen.product is None:
            check_round_trip(arm.regimen, f"{protocol.id} arm {arm.name}")
