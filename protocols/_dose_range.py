"""Dose ranges as papers write them: ``1–2×10⁶ cells/kg``, ``1-2×10⁶``, ``1 to 2×10⁶``,
``0.1–2.5×10⁸ cells``, ``1×10⁶–2×10⁶ cells/kg``.

The power of ten written on the upper bound applies to a lower bound written without one
(``1–2×10⁶`` is 1×10⁶ to 2×10⁶). Each bound is read by the strict number grammar of
:func:`~celldose.protocols._dose.read_number`. Refused: a lower bound above the upper one,
equal bounds (a point dose), a power on the lower bound only (``1×10⁶–2``: ambiguous), a unit
between the bounds (``1×10⁶ cells/kg–2×10⁸ cells``), and dashes that read as a minus or a
stop (``—``, ``−``).

:func:`read_amounts` reads the numbers; :func:`range_from_parts` builds the :class:`Dose`
(``amount`` is the upper bound, ``low`` the lower one).
"""

from __future__ import annotations

import re
from decimal import Decimal

from celldose.protocols._display import superscript
from celldose.protocols._dose_number import NUMBER_RE, bare_power_at, read_number
from celldose.protocols._errors import UnitError

# en dash, hyphen, or the word "to", with optional plain spaces around
_SEPARATOR = re.compile(r" *(?:–|-| to ) *")
_OTHER_DASH = re.compile(r" *([—−‒]) *(?=\d)")
_DIGIT_OR_POWER = re.compile(r"\d|10")
RANGE_AFTER_UNIT = re.compile(r" *(?:–|-| to ) *\d")  # "cells/kg–2×10⁶": a unit between bounds


def _has_power(text: str, pos: int) -> tuple[bool, str]:
    """Whether the number at ``pos`` carries a power of ten (or a million-word), and its
    mantissa as written."""
    if bare_power_at(text, pos):
        return True, "1"
    match = NUMBER_RE.match(text, pos)
    assert match is not None
    powered = any(match.group(g) for g in ("e", "ten", "word"))
    return powered, match.group("mant")


def read_amounts(text: str, pos: int = 0) -> tuple[Decimal | None, Decimal, int] | None:
    """Read a number, or a range of two numbers, at ``pos``: ``(low, high, end)`` with
    ``low`` None for a single number; None when no number starts there.

    >>> low, high, end = read_amounts("1–2×10⁶ cells/kg")
    >>> float(low), float(high), end
    (1000000.0, 2000000.0, 7)
    """
    first = read_number(text, pos)
    if first is None:
        return None
    value, end = first
    dash = _OTHER_DASH.match(text, end)
    if dash is not None:
        raise UnitError(
            text[pos:].strip(),
            f"'{dash.group(1)}' (U+{ord(dash.group(1)):04X}) between two numbers is not a range",
            "write a range with an en dash, a hyphen or 'to': 1–2×10⁶ cells/kg",
        )
    separator = _SEPARATOR.match(text, end)
    if separator is None or not _DIGIT_OR_POWER.match(text, separator.end()):
        return None, value, end
    second = read_number(text, separator.end())
    if second is None:  # pragma: no cover - a digit always starts a number
        return None, value, end
    high, high_end = second
    if high == 0:
        raise UnitError(
            text[pos:].strip(),
            "the upper bound of the range is 0",
            "a range's bounds are positive numbers, e.g. 1–2×10⁶ cells/kg",
        )
    low_powered, low_mant = _has_power(text, pos)
    high_powered, high_mant = _has_power(text, separator.end())
    if low_powered and not high_powered and value != 0:
        shown = text[pos:high_end].strip()
        power = "10" + superscript((value / Decimal(low_mant)).adjusted())
        raise UnitError(
            text[pos:].strip(),
            f"the range '{shown}' has a power of ten on its lower bound only (ambiguous)",
            f"write it on both bounds or on the upper one: {low_mant}×{power}–{high_mant}×{power} "
            f"or {low_mant}–{high_mant}×{power}",
        )
    more = _SEPARATOR.match(text, high_end)
    if more is not None and _DIGIT_OR_POWER.match(text, more.end()):
        raise UnitError(
            text[pos:].strip(), "a range has two bounds, not more", "write e.g. 1–2×10⁶ cells/kg"
        )
    low = value
    if high_powered and not low_powered:
        low = Decimal(low_mant) * (high / Decimal(high_mant))
    return low, high, high_end


def refuse_unit_between(original: str, unit_text: str) -> None:
    """Refuse a unit text that holds the rest of a range: a dash with nothing usable after it
    (``1–-2×10⁶``), or a unit on the lower bound (``1×10⁶ cells/kg–2×10⁸ cells``)."""
    if re.match(r"(?:–|-|to\b)", unit_text):
        raise UnitError(
            original,
            "a range needs a positive number after its dash or 'to'",
            "write e.g. 1–2×10⁶ cells/kg",
        )
    if re.search(r" *(?:–|-| to ) *\d", unit_text):
        raise UnitError(
            original,
            "a range has one unit, after its upper bound (a unit between the bounds may mix "
            "units or bases)",
            "write e.g. 1–2×10⁶ cells/kg or 1×10⁶–2×10⁶ cells/kg",
        )


def split_bounds(written: str) -> tuple[str, str]:
    """The two bounds of a range as written (``"1–2×10⁶"`` -> ``("1", "2×10⁶")``); for the
    checks that look at one number's text (a flattened ``106``)."""
    first = read_number(written)
    if first is None:
        return "", written
    separator = _SEPARATOR.match(written, first[1])
    if separator is None:
        return written[: first[1]], ""
    return written[: first[1]], written[separator.end() :]
