"""The words of the one-line regimen shorthand, read by the grammar in ``_shorthand.py``.

Number words, duration units, and one rule per item of the grammar (its pattern and the model
values it builds); the words refused as ambiguous, with their readings spelled out; the forms
refused as unsupported, with a hint; and the separators, 'then', the wait before a phase, the
product prefix and the unit after a dose. Patterns compile here, once, on import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from celldose.protocols._calendar import Duration, DurationUnit
from celldose.protocols._phase import FrequencyRange, IntervalRange
from celldose.protocols._weekdays import WeekdayWordError, read_weekday

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
NUM = r"(?:\d+|" + "|".join(_NUMBER_WORDS) + r")"
_UNITS: dict[str, DurationUnit] = {
    "d": "day",
    "w": "week",
    "wk": "week",
    "mo": "month",
    "y": "year",
}
_PER_WEEK = r"\s*(?:(?:a|per|each|every)\s+week\b|weekly\b|/\s*w(?:ee)?k\b)"
_FREQ = rf"(?:once|twice|thrice|{NUM}\s*(?:times|[x×])?)"
_COUNT_NOUNS = r"(?:doses?|infusions?|injections?|sessions?|administrations?|treatments?)"
_ROUTES = (
    r"(?:iv|i\.v\.|intravenous(?:ly)?|sc|s\.c\.|subcutaneous(?:ly)?|im|i\.m\.|"
    r"intramuscular(?:ly)?|intra-?articular(?:ly)?|intralesional(?:ly)?)"
)
SCHEDULE_WORDS = re.compile(
    r"(?i)^(?:q\d*[a-z]*|daily|weekly|monthly|every|once|twice|then|for|on|days?|x\d*|×\d*|"
    r"single|fortnightly|at)$"
)


def word_number(word: str) -> int:
    word = word.lower()
    return _NUMBER_WORDS[word] if word in _NUMBER_WORDS else int(word)


def _freq(word: str) -> int:
    word = word.lower().strip()
    fixed = {"once": 1, "twice": 2, "thrice": 3}
    if word in fixed:
        return fixed[word]
    return word_number(re.sub(r"\s*(times|[x×])$", "", word))


def duration_unit(word: str) -> DurationUnit:
    word = word.lower().rstrip("s")
    if word in _UNITS:
        return _UNITS[word]
    if word in ("day", "week", "month", "year"):
        return word  # type: ignore[return-value]
    raise ValueError(f"not a duration unit: {word!r}")


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    handle: Callable[[re.Match[str]], dict[str, Any]]


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern + r"(?![\w])", re.IGNORECASE)


def _every(amount: int, unit: DurationUnit) -> dict[str, Any]:
    return {"every": Duration(amount=amount, unit=unit)}


_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?|mo|tu|we|th|fr|sa|su|[mtwrfsu])"
_WEEKDAY_SEP = r"(?:\s*,\s*(?:and\s+)?|\s*[&/+]\s*|\s+and\s+)"
_WEEKDAY_TOKEN = re.compile(r"[A-Za-z]+\.?")


AMBIGUOUS: list[tuple[re.Pattern[str], Sequence[str]]] = [
    (_rx(r"bi-?weekly"), ["twice weekly (2×/week)", "every 2 weeks (q2w)"]),
    (_rx(r"bi-?monthly"), ["twice a month (on days 0, 14)", "every 2 months (q2mo)"]),
    (_rx(r"bi-?annual(?:ly)?"), ["twice a year (q6mo)", "every 2 years (q24mo)"]),
    (
        _rx(r"bi-?daily"),
        ["twice a day (not supported: celldose schedules whole days)", "every 2 days (q2d)"],
    ),
    (
        _rx(r"q\.?o\.?d\.?"),
        ["every other day (q2d)", "once daily (qd): q.o.d. is a known error-prone abbreviation"],
    ),
    (_rx(r"q\.?a\.?d\.?"), ["every other day (q2d)", "once daily (qd)"]),
    (_rx(r"qm"), ["every month (monthly)", "every morning (not a regimen interval)"]),
    (_rx(r"q\d+m"), ["every N months (write qNmo)", "every N minutes (not supported)"]),
    (_rx(r"t\.?i\.?w\.?"), ["three times a week (3×/week)", "twice a week (2×/week)"]),
    (_rx(r"b\.?i\.?w\.?"), ["twice a week (2×/week)", "every 2 weeks (q2w)"]),
]

UNSUPPORTED: list[tuple[re.Pattern[str], str, str]] = [
    (
        _rx(
            r"q\d*h|hourly|(?:twice|thrice|\d+\s*times)\s+(?:(?:a\s+|per\s+)?day|daily)|"
            r"every\s+(?:(?:[1-9]|1\d|2[0-3])\s*)?(?:hours?|hrs?|h)|every\s+(?:\d+\s*)?(?:minutes?|mins?)|"
            r"b\.?i\.?d\.?|t\.?i\.?d\.?"
        ),
        "sub-daily dosing is not supported",
        "celldose schedules whole days: use qd or q2d",
    ),
    (
        _rx(r"(?:twice|\d+\s*times)\s+(?:a\s+|per\s+)?month|semi-?monthly"),
        "a number of doses per month has no fixed days",
        "write the days (on days 0, 14) or an interval (q2w)",
    ),
    (
        _rx(rf"(?:on|every)\s+{_WEEKDAY}\s*(?:-|–|to|through|thru)\s*{_WEEKDAY}"),
        "a range of weekdays is not read",
        "list the days: on Mon, Tue, Wed, Thu and Fri",
    ),
    (
        _rx(_ROUTES),
        "the route is not part of the regimen",
        "remove it from the regimen; a protocol file gives it in its route field",
    ),
]


class WordSpanError(ValueError):
    """A word inside a rule's match that cannot be read, with its span in the text."""

    def __init__(self, start: int, end: int, error: WeekdayWordError) -> None:
        super().__init__(str(error))
        self.start, self.end, self.error = start, end, error


def _weekdays(match: re.Match[str]) -> dict[str, Any]:
    """'on Mon, Wed and Fri' -> weekdays; a word that is not a weekday is refused at its span."""
    offset = match.start("list")
    days = []
    for token in _WEEKDAY_TOKEN.finditer(match["list"]):
        if token.group(0).lower() == "and":
            continue
        try:
            days.append(read_weekday(token.group(0)))
        except WeekdayWordError as exc:
            raise WordSpanError(offset + token.start(), offset + token.end(), exc) from None
    return {"weekdays": days}


def _interval_range(match: re.Match[str]) -> dict[str, Any]:
    unit = duration_unit(match["u"])
    low, high = word_number(match["lo"]), word_number(match["hi"])
    return {
        "every": IntervalRange(
            min=Duration(amount=low, unit=unit), max=Duration(amount=high, unit=unit)
        )
    }


RULES: list[_Rule] = [
    _Rule(
        _rx(rf"(?P<lo>{_FREQ})\s*(?:or|to|-|–)\s*(?P<hi>{_FREQ}){_PER_WEEK}"),
        lambda m: {"times_per_week": FrequencyRange(min=_freq(m["lo"]), max=_freq(m["hi"]))},
    ),
    _Rule(
        _rx(rf"(?P<n>twice|thrice|{NUM}\s*(?:times|[x×])){_PER_WEEK}"),
        lambda m: {"times_per_week": _freq(m["n"])},
    ),
    _Rule(_rx(rf"(?P<n>{NUM})\s*/\s*w(?:ee)?k"), lambda m: {"times_per_week": word_number(m["n"])}),
    _Rule(
        _rx(rf"(?:at\s+least|min(?:imum)?|≥|>=)\s*(?P<n>{NUM})\s*-?\s*days?(?:\s+apart)?"),
        lambda m: {"min_spacing": Duration(amount=word_number(m["n"]), unit="day")},
    ),
    _Rule(
        _rx(r"q(?P<n>\d+)(?P<u>d|w|wk|mo|y)"),
        lambda m: _every(int(m["n"]), duration_unit(m["u"])),
    ),
    _Rule(
        _rx(r"qd|q\.d\.|(?:once\s+)?daily|every\s+day|once\s+(?:a|per)\s+day"),
        lambda m: _every(1, "day"),
    ),
    _Rule(
        _rx(r"qw|(?:once\s+)?weekly|every\s+week|once\s+(?:a|per|each)\s+week"),
        lambda m: _every(1, "week"),
    ),
    _Rule(
        _rx(r"(?:once\s+)?monthly|every\s+(?:calendar\s+)?month|once\s+(?:a|per|each)\s+month"),
        lambda m: _every(1, "month"),
    ),
    _Rule(_rx(r"fortnightly"), lambda m: _every(2, "week")),
    _Rule(_rx(r"annually|yearly"), lambda m: _every(12, "month")),
    _Rule(
        _rx(r"every\s+other\s+(?P<u>day|week|month)"),
        lambda m: _every(2, duration_unit(m["u"])),
    ),
    _Rule(
        _rx(
            rf"every\s+(?P<lo>{NUM})\s*(?:to|-|–)\s*(?P<hi>{NUM})\s*-?\s*"
            r"(?P<u>day|week|month|year)s?"
        ),
        _interval_range,
    ),
    _Rule(
        _rx(rf"every\s+(?P<n>{NUM})\s*-?\s*(?P<u>day|week|month|year)s?"),
        lambda m: _every(word_number(m["n"]), duration_unit(m["u"])),
    ),
    _Rule(
        _rx(rf"at\s+(?P<n>{NUM})\s*-?\s*(?P<u>day|week|month)s?\s+intervals?"),
        lambda m: _every(word_number(m["n"]), duration_unit(m["u"])),
    ),
    _Rule(
        _rx(rf"at\s+intervals\s+of\s+(?P<n>{NUM})\s*(?P<u>day|week|month)s?"),
        lambda m: _every(word_number(m["n"]), duration_unit(m["u"])),
    ),
    _Rule(
        _rx(rf"(?P<n>{NUM})-(?P<u>week|month)ly"),
        lambda m: _every(word_number(m["n"]), duration_unit(m["u"])),
    ),
    _Rule(
        _rx(r"(?:on\s+)?days?\s+(?P<list>\d+(?:\s*(?:,|and|&)\s*\d+)*)"),
        lambda m: {"days": tuple(int(d) for d in re.findall(r"\d+", m["list"]))},
    ),
    _Rule(
        _rx(rf"(?:on|every)\s+(?P<list>{_WEEKDAY}(?:{_WEEKDAY_SEP}{_WEEKDAY})*)"),
        _weekdays,
    ),
    _Rule(
        _rx(
            rf"for\s+(?:a\s+total\s+of\s+)?(?P<n>{NUM})\s+(?:consecutive\s+)?"
            r"(?P<u>day|week|month|year)s?"
        ),
        lambda m: {"duration": Duration(amount=word_number(m["n"]), unit=duration_unit(m["u"]))},
    ),
    _Rule(
        _rx(rf"over\s+(?P<n>{NUM})\s+(?P<u>day|week|month|year)s?"),
        lambda m: {"duration": Duration(amount=word_number(m["n"]), unit=duration_unit(m["u"]))},
    ),
    _Rule(_rx(r"(?:a\s+)?single(?:\s+dose)?|once(?:\s+only)?|one\s+dose"), lambda m: {"count": 1}),
    _Rule(
        re.compile(r"[x×]\s*(?P<n>\d+)(?![\w^⁰¹²³⁴⁵⁶⁷⁸⁹*.])", re.IGNORECASE),
        lambda m: {"count": int(m["n"])},
    ),
    _Rule(
        _rx(rf"(?:for\s+|in\s+)?(?:a\s+total\s+of\s+)?(?P<n>{NUM})\s+{_COUNT_NOUNS}"),
        lambda m: {"count": word_number(m["n"])},
    ),
]

THEN = _rx(r"(?:and\s+)?then|followed\s+by")
WAIT = _rx(
    rf"(?:after|wait)\s+(?:a\s+)?(?P<n>{NUM})\s*-?\s*(?P<u>day|week|month)s?"
    r"(?:\s+(?:break|rest|pause|gap))?"
)


def wait_values(match: re.Match[str]) -> dict[str, Any]:
    """The wait before a phase, from a match of :data:`WAIT` ('then after 2 weeks ...')."""
    return {"wait": Duration(amount=word_number(match["n"]), unit=duration_unit(match["u"]))}


# The clauses after ';' (a decision): "assess on day 28 ± 2" and "if CONDITION: PHASES".
ASSESS = re.compile(
    r"\s*(?:assess(?:ed|ment)?|decide|decision|evaluate)\s+(?:on|at)\s+(?P<when>\S.*?)\s*$",
    re.IGNORECASE | re.DOTALL,
)
IF_BRANCH = re.compile(
    r"\s*if\s+(?P<cond>[^:]*?)\s*:\s*(?P<body>.*?)\s*$", re.IGNORECASE | re.DOTALL
)
CLAUSES = (
    "after ';' write 'assess on day 28 ± 2' or 'if <condition>: <phases>' "
    "(e.g. 'if partial response: weekly ×4')"
)

PRODUCT = re.compile(r"[A-Za-z][\w.+-]*")
SEPARATORS = " \t\n,;()"
DOSE_UNIT = re.compile(
    r"\s*(?:cells?\s*(?:/|\s+per\s+)\s*[^\s,;()]+|/\s*[^\s,;()]+|cells?(?![\w/])|[^\s,;()]+)",
    re.IGNORECASE,
)
ACCEPTED = (
    "expected a dose (2×10⁶ cells/kg), an interval (q4w, weekly, monthly, every 3 days, "
    "twice weekly), weekdays (on Mon and Thu), a count (×4, 4 doses), days (on days 0, 14), "
    "a duration (for 4 weeks) "
    "or 'then'"
)
