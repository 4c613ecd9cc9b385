"""The one way every figure writes the numbers on its axes, by safe display: a leading zero
(0.5), no trailing zero (0, 2.5, 5, 7.5; never 5.0), thousands grouped (1,000).

:func:`tick_text` writes a value; :func:`number_formatter` is the matplotlib formatter built
on it, set on every numeric axis (the cumulative panel, the cohort histogram); the time axis
writes its own tick labels with :func:`tick_text` too. matplotlib is imported inside.
"""

from __future__ import annotations

from typing import Any

from celldose.protocols import format_sig

_DIGITS = 6  # tick values are round steps: six significant figures drop float noise only


def tick_text(value: float) -> str:
    """``0``, ``2.5``, ``5``, ``0.25``, ``1,000``: a tick value for people.

    >>> [tick_text(v) for v in (0.0, 2.5, 5.0, 7.5, 0.30000000000000004, 1000.0, -0.0)]
    ['0', '2.5', '5', '7.5', '0.3', '1,000', '0']
    """
    if abs(value) < 1e-12:
        return "0"  # never "-0"
    text = format_sig(value, _DIGITS, sci_from=1e15)
    if "×" in text:  # below 0.001: a power of ten (2×10⁻⁴)
        return text
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, fraction = digits.partition(".")
    return f"{sign}{int(whole):,}{dot}{fraction}"


def number_formatter() -> Any:
    """A matplotlib tick formatter that writes every tick with :func:`tick_text`."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: tick_text(float(value)))


def format_numbers(ax: Any, *, x: bool = False, y: bool = False) -> None:
    """Write the ticks of ``ax``'s x and/or y axis with :func:`tick_text`."""
    if x:
        ax.xaxis.set_major_formatter(number_formatter())
    if y:
        ax.yaxis.set_major_formatter(number_formatter())
