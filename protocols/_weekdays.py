"""Days of the week, as a clinic keeps a calendar: ``on Mondays and Thursdays ×6``.

A weekday pattern lists the weekdays doses fall on; they repeat every week. The words read are
the full names (``Monday``), their plurals (``Mondays``), the three-letter abbreviations
(``Mon``, with or without a full stop) and the common ``Tues``, ``Thur``, ``Thurs``; any case.
Shorter forms are refused with the choices (``T`` is Tuesday or Thursday, ``S`` Saturday or
Sunday; ``Tu`` is refused too, with the spelling to use), never guessed.

The first dose of a weekday phase falls on the first listed weekday on or after the day the
phase starts (the start date, or where the phase before it ends); every later dose on the next
listed weekday. Day offsets therefore depend on the weekday of the first dose:
:func:`pattern_offset` gives them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

WeekdayName = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
NAMES: tuple[WeekdayName, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
_EXTRA = {"tues": 1, "thur": 3, "thurs": 3}
_AMBIGUOUS = {"t": (1, 3), "s": (5, 6)}


class WeekdayWordError(ValueError):
    """A word that is not a weekday celldose reads; ``choices`` for an ambiguous one."""

    def __init__(self, word: str, problem: str, choices: Sequence[str] = (), hint: str = ""):
        super().__init__(f"{word!r} {problem}" + (f" ({hint})" if hint else ""))
        self.word = word
        self.problem = problem
        self.choices = tuple(choices)
        self.hint = hint


def short(day: int) -> str:
    """``Mon`` for 0 (Monday) ... ``Sun`` for 6."""
    return NAMES[day][:3]


def read_weekday(word: str) -> int:
    """The weekday (0 = Monday) of a word; refuses short, ambiguous and unknown words.

    >>> read_weekday("Thursdays"), read_weekday("tue."), read_weekday("Sun")
    (3, 1, 6)
    """
    key = word.strip().lower().removesuffix(".")
    for day, name in enumerate(NAMES):
        full = name.lower()
        if key in (full, full + "s", full[:3]):
            return day
    if key in _EXTRA:
        return _EXTRA[key]
    if key in _AMBIGUOUS:
        days = _AMBIGUOUS[key]
        raise WeekdayWordError(word, "is ambiguous", [f"{short(d)} ({NAMES[d]})" for d in days])
    for day, name in enumerate(NAMES):
        if len(key) < 3 and name.lower().startswith(key):
            return _too_short(word, day)
    raise WeekdayWordError(
        word,
        "is not a weekday",
        hint="write a full name (Monday), a plural (Mondays) or three letters (Mon)",
    )


def _too_short(word: str, day: int) -> int:
    raise WeekdayWordError(
        word, "is too short to be read as a weekday", hint=f"write {short(day)} or {NAMES[day]}"
    )


def normalize(days: Sequence[int | str]) -> tuple[WeekdayName, ...]:
    """Weekday words or numbers (0 = Monday) -> full names, Monday first; repeats refused."""
    numbers: list[int] = []
    for item in days:
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise ValueError(f"a weekday is a name (Monday, Mon), not {item!r}")
        day = item if isinstance(item, int) else read_weekday(item)
        if not 0 <= day <= 6:
            raise ValueError(f"a weekday number is 0 (Monday) to 6 (Sunday), not {day}")
        if day in numbers:
            raise ValueError(f"{NAMES[day]} is listed twice")
        numbers.append(day)
    if not numbers:
        raise ValueError("list at least one weekday")
    return tuple(NAMES[d] for d in sorted(numbers))


def numbers(names: Sequence[WeekdayName]) -> tuple[int, ...]:
    return tuple(NAMES.index(n) for n in names)


def listed_text(names: Sequence[WeekdayName]) -> str:
    """``Mon, Wed and Fri``."""
    parts = [n[:3] for n in names]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def next_listed(date: dt.date, days: Sequence[int]) -> dt.date:
    """The first of ``days`` (weekday numbers) on or after ``date``."""
    return date + dt.timedelta(days=min((d - date.weekday()) % 7 for d in days))


def pattern_offset(days: Sequence[int], first: int, k: int) -> int:
    """Days from the first dose (on weekday ``first``, one of ``days``) to dose ``k`` (0-based).

    >>> [pattern_offset((0, 3), 3, k) for k in range(6)]  # Mon/Thu from a Thursday
    [0, 4, 7, 11, 14, 18]
    """
    start = days.index(first)
    cycle, j = divmod(start + k, len(days))
    return 7 * cycle + days[j] - first


def smallest_gap(days: Sequence[int]) -> int:
    """The smallest gap, in days, between consecutive doses of the pattern (7 for one day)."""
    if len(days) == 1:
        return 7
    gaps = [b - a for a, b in zip(days, days[1:], strict=False)]
    return min([*gaps, days[0] + 7 - days[-1]])
