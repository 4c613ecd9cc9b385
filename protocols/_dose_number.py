"""The number of a dose, read by a strict grammar: ``2×10⁶``, ``2x10^6``, ``2e6``, ``2 million``.

Never pint's parser (which drops commas and reads ``10E9`` as 1×10¹⁰). A flattened superscript
as copy-paste leaves it (``2x106`` for 2×10⁶) is refused with a hint.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from celldose.protocols._display import superscript
from celldose.protocols._errors import UnitError

_SUP_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_WORDS = {"thousand": 3, "million": 6, "billion": 9}

# The number part of a dose. Group names are used below; see `read_number`.
NUMBER_RE = re.compile(
    r"""
    (?P<mant>\d+(?:\.\d+)?)
    (?:(?P<e>[eE])(?P<epow>[+-]?\d+))?
    (?:\s*(?P<times>[x×X*·])\s*(?P<ten>10)
        (?:\s*(?:\^|\*\*)\s*(?P<pow>[+-]?\d+)|(?P<sup>[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)|(?P<flat>\d+))?
    )?
    (?:\s+(?P<word>thousand|million|billion)\b)?
    """,
    re.VERBOSE,
)
_BARE_POWER_RE = re.compile(r"10\s*(?:\^|\*\*)\s*[+-]?\d+|10[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_CONTROL_SPACES = {"\t": "tab", "\n": "line break", "\r": "carriage return"}
_DIGIT_AFTER_SPACE = re.compile(r"\s+[0-9⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻]")
# 10⁴-10⁹ and 10¹⁰-10¹² with the superscript flattened and no mantissa: "106 cells/kg"
FLATTENED_BARE = re.compile(r"0*(10[4-9]|101[0-2])")


def read_number(text: str, pos: int = 0) -> tuple[Decimal, int] | None:
    """Read a dose number at ``pos``; return (value, end) or None if no number starts there.

    Raises :class:`UnitError` for forms that would be misread (decimal commas, ``10E9``,
    flattened superscripts).
    """
    source = text
    if _BARE_POWER_RE.match(text, pos):
        text = text[:pos] + "1×" + text[pos:]
        shift = 2
    else:
        shift = 0
    match = NUMBER_RE.match(text, pos)
    if match is None:
        return None
    end = match.end() - shift
    _refuse_split_number(source, pos, end)
    mant = match.group("mant")
    tail = text[match.end() :]
    if re.match(r",\d", tail):
        raise UnitError(
            text[pos:].strip(),
            "commas are not accepted in numbers (decimal comma or thousands separator)",
            "write 1.5 for one and a half, and 1000000 or 1×10⁶ without separators",
        )
    if match.group("e") and mant == "10":
        raise UnitError(
            text[pos:].strip(),
            f"'10{match.group('e')}{match.group('epow')}' means "
            f"1×10^{int(match.group('epow')) + 1}, "
            "not 10^" + match.group("epow"),
            f"write 10^{match.group('epow')} or 1e{match.group('epow')}",
        )
    too_long = len(mant) > 40 or any(len(match.group(g) or "") > 6 for g in ("epow", "pow", "flat"))
    if too_long:
        raise UnitError(text[pos:].strip(), "the number is out of range")
    if match.group("ten") and re.match(r"[eE][+-]?\d", text[match.end() :]):
        raise UnitError(
            text[pos:].strip(),
            f"'{mant}{match.group('times')}10E…' mixes ×10 with E notation",
            "write a power of ten as ×10^9 (or 10⁹), or E notation alone as 1e9",
        )
    if match.group("flat") is not None:
        digits = match.group("flat")
        after = text[match.end() :]
        rest = after.strip().split(" ")[0]
        rest = (" " if after[:1].isspace() else "") + re.sub(r"(?i)kg", "kg", rest)
        raise UnitError(
            text[pos:].strip(),
            f"'{mant}{match.group('times')}10{digits}' looks like a flattened superscript",
            f"did you mean {mant}×10{superscript(int(digits))}{rest}? "
            f"write {mant}×10^{int(digits)} or {mant}e{int(digits)}",
        )
    if match.group("ten") and match.group("pow") is None and match.group("sup") is None:
        raise UnitError(
            text[pos:].strip(),
            f"'{mant}{match.group('times')}10' has no power",
            f"write {mant}×10^6 (or {mant}×10⁶) with the power",
        )
    try:
        value = Decimal(mant)
        if match.group("e"):
            value = value.scaleb(int(match.group("epow")))
        if match.group("pow") is not None:
            value = value.scaleb(int(match.group("pow")))
        elif match.group("sup") is not None:
            value = value.scaleb(int(match.group("sup").translate(_SUP_DIGITS)))
        if match.group("word"):
            value = value.scaleb(_WORDS[match.group("word")])
    except (ArithmeticError, ValueError):
        raise UnitError(text[pos:].strip(), "the number is out of range") from None
    return value, end


def _refuse_split_number(text: str, pos: int, end: int) -> None:
    """A space other than a plain one inside the number ``text[pos:end]``, or any space between
    it and more digits (``5×10¹ ¹cells``, ``25×10^1 1cells``): its reading would drop digits.
    The position is counted in ``text`` (the whole regimen, when the number is in one)."""
    odd = next((i for i in range(pos, end) if text[i].isspace() and text[i] != " "), None)
    if odd is None and _DIGIT_AFTER_SPACE.match(text, end):
        odd = end
    if odd is None:
        return
    char = text[odd]
    name = _CONTROL_SPACES.get(char) or unicodedata.name(char, "space").lower()
    raise UnitError(
        text[pos:].strip(),
        f"the {name} (U+{ord(char):04X}) at character {odd + 1} splits the number",
        "write the number in one piece with plain characters (<m>×10^<n> or <m>e<n>), "
        "then a space and the unit",
    )


def bare_power_at(text: str, pos: int) -> bool:
    """True when a bare power of ten (``10⁶``, ``10^6``) starts at ``pos``."""
    return _BARE_POWER_RE.match(text, pos) is not None


_PLAIN = re.compile(r"(?P<number>\d+(?:\.\d+)?|\.\d+)(?P<percent>\s?%)?")


def read_fraction(text: str) -> float | None:
    """A share or tolerance as a person writes it: ``0.41`` or ``41%`` (as 0.41); None for
    anything else, including what Python's float() would read but a person would not
    (``0.4_1``, ``1e-1``, ``nan``, ``inf``).

    >>> read_fraction("41%"), read_fraction("0.41"), read_fraction("0.4_1")
    (0.41, 0.41, None)
    """
    match = _PLAIN.fullmatch(text.strip())
    if match is None:
        return None
    value = float(match["number"])
    return value / 100 if match["percent"] else value
