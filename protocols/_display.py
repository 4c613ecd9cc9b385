"""Numbers written for people, by safe-dosing conventions.

A leading zero (0.5), no trailing zero (5, not 5.0), powers of ten written as ``2.4×10⁷``
(never ``2.4e7`` and never a flattened ``2.4x107``). Used by the CLI and by the shorthand renderer.
"""

from __future__ import annotations

import math
from decimal import Decimal

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def superscript(number: int) -> str:
    """``6`` -> ``⁶``, ``-3`` -> ``⁻³``."""
    return str(number).translate(_SUPERSCRIPTS)


_NOISE_DIGITS = 12  # significant figures a computed dose keeps before it is rounded for people


def _strip(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_sig(value: float, digits: int = 3, *, sci_from: float = 1e4) -> str:
    """Round to ``digits`` significant figures, safe-display style.

    >>> format_sig(24040394.0)
    '2.4×10⁷'
    >>> format_sig(0.5), format_sig(5.0), format_sig(12.0202)
    ('0.5', '5', '12')
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot display {value!r}")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    value = abs(value)
    rounded = _round_sig(value, digits)
    exponent = math.floor(math.log10(rounded))
    if rounded >= sci_from or rounded < 1e-3:
        mantissa = rounded / 10**exponent
        text = _strip(f"{mantissa:.{digits - 1}f}")
        return f"{sign}{text}×10{superscript(exponent)}"
    decimals = max(digits - 1 - exponent, 0)
    return sign + _strip(f"{rounded:.{decimals}f}")


def _round_sig(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` significant figures as a person rounds it: half up, after
    the float's own noise is dropped (7 × 2.65×10⁷ computes as 185499999.99999997, which is
    1.855×10⁸ and shows as 1.86×10⁸, not 1.85×10⁸).

    >>> _round_sig(185499999.99999997, 3), _round_sig(0.125, 2), _round_sig(2.675, 3)
    (186000000.0, 0.13, 2.68)
    """
    from decimal import ROUND_HALF_UP, Decimal

    exact = Decimal(f"{value:.{_NOISE_DIGITS}g}")  # the float's noise past 12 figures dropped
    step = Decimal(1).scaleb(exact.adjusted() - digits + 1)
    return float(exact.quantize(step, rounding=ROUND_HALF_UP))


def plural(count: int, word: str, words: str | None = None) -> str:
    """``plural(1, "dose")`` -> ``1 dose``; ``plural(2, "dose")`` -> ``2 doses``."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def format_exact(value: float, *, scientific: bool = False) -> str:
    """Write a float exactly (its shortest repr), with a power of ten for large or small values
    (or always, with ``scientific``).

    Used where the text must read back to the same number (the shorthand renderer).

    >>> format_exact(2e6), format_exact(2345000.0), format_exact(0.5)
    ('2×10⁶', '2.345×10⁶', '0.5')
    >>> format_exact(106, scientific=True)
    '1.06×10²'
    """
    dec = Decimal(repr(float(value))).normalize()
    sign, digits, exp = dec.as_tuple()
    assert isinstance(exp, int)
    text_digits = "".join(map(str, digits))
    power = len(text_digits) - 1 + exp
    if 1e-3 <= abs(value) < 1e4 and not scientific:
        plain = format(dec, "f")
        return _strip(plain) if "." in plain else plain
    mantissa = text_digits[0] + ("." + text_digits[1:] if len(text_digits) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}×10{superscript(power)}"
