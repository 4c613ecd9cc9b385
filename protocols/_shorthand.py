"""The one-line regimen shorthand: ``"2×10⁶ cells/kg twice weekly ×8 then weekly ×4"``.

This module only reads text into the structured :class:`Regimen`; every rule about what makes
sense lives once, in the models' validators. Every character must be accounted for: a word that
is not understood is an error that points at its character span, and ambiguous words
(``biweekly``, ``qod``) are refused with their readings spelled out.

Grammar (case-insensitive; commas and parentheses separate words)::

    regimen   := [product] phase ("then" [wait] phase)*
    phase     := [dose] item*
    item      := interval | per-week | range | days | count | duration | spacing | "once"
    interval  := qNd | qNw | qNmo | qd | qw | daily | weekly | monthly | fortnightly
               | every [N|other] day(s)|week(s)|month(s) | at N-week intervals | once a week
    per-week  := twice weekly | N×/week | N times a week | N/week
    range     := once or twice weekly | 1-2×/week | 1 to 2 times a week
    spacing   := at least N days apart
    days      := on days 0, 14, 28
    count     := ×N | xN | N doses|infusions|injections|sessions | single dose
    duration  := for N days|weeks|months
    wait      := after N days|weeks|months
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from celldose.protocols._calendar import Duration, DurationUnit
from celldose.protocols._dose import NUMBER_RE, dose_from_parts, read_number
from celldose.protocols._errors import (
    AmbiguousWordError,
    CelldoseError,
    RegimenError,
    RegimenSyntaxError,
    UnitError,
)
from celldose.protocols._regimen import FrequencyRange, Phase, Regimen
from celldose.protocols._units import MAX_TEXT_LENGTH, shorten

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
_SCHEDULE_WORDS = re.compile(
    r"(?i)^(?:q\d*[a-z]*|daily|weekly|monthly|every|once|twice|then|for|on|days?|x\d*|×\d*|"
    r"single|fortnightly|at)$"
)


def _number(word: str) -> int:
    word = word.lower()
    return _NUMBER_WORDS[word] if word in _NUMBER_WORDS else int(word)


def _freq(word: str) -> int:
    word = word.lower().strip()
    fixed = {"once": 1, "twice": 2, "thrice": 3}
    if word in fixed:
        return fixed[word]
    return _number(re.sub(r"\s*(times|[x×])$", "", word))


def _unit(word: str) -> DurationUnit:
    word = word.lower().rstrip("s")
    if word in _UNITS:
        return _UNITS[word]
    if word in ("day", "week", "month", "year"):
        return word  # type: ignore[return-value]
    raise ValueError(f"not a duration unit: {word!r}")


@dataclass
class _PhaseWords:
    start: int
    values: dict[str, Any] = field(default_factory=dict)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    end: int = 0


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    handle: Callable[[re.Match[str]], dict[str, Any]]


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern + r"(?![\w])", re.IGNORECASE)


def _every(amount: int, unit: DurationUnit) -> dict[str, Any]:
    return {"every": Duration(amount=amount, unit=unit)}


_AMBIGUOUS: list[tuple[re.Pattern[str], Sequence[str]]] = [
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

_UNSUPPORTED: list[tuple[re.Pattern[str], str, str]] = [
    (
        _rx(
            r"q\d*h|hourly|(?:twice|thrice|\d+\s*times)\s+(?:a\s+|per\s+)?day|b\.?i\.?d\.?|t\.?i\.?d\.?"
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
        _rx(_ROUTES),
        "the route is not part of the regimen",
        "remove it from the regimen; a protocol file gives it in its route field",
    ),
]

_RULES: list[_Rule] = [
    _Rule(
        _rx(rf"(?P<lo>{_FREQ})\s*(?:or|to|-|–)\s*(?P<hi>{_FREQ}){_PER_WEEK}"),
        lambda m: {"times_per_week": FrequencyRange(min=_freq(m["lo"]), max=_freq(m["hi"]))},
    ),
    _Rule(
        _rx(rf"(?P<n>twice|thrice|{NUM}\s*(?:times|[x×])){_PER_WEEK}"),
        lambda m: {"times_per_week": _freq(m["n"])},
    ),
    _Rule(_rx(rf"(?P<n>{NUM})\s*/\s*w(?:ee)?k"), lambda m: {"times_per_week": _number(m["n"])}),
    _Rule(
        _rx(rf"(?:at\s+least|min(?:imum)?|≥|>=)\s*(?P<n>{NUM})\s*-?\s*days?(?:\s+apart)?"),
        lambda m: {"min_spacing": Duration(amount=_number(m["n"]), unit="day")},
    ),
    _Rule(
        _rx(r"q(?P<n>\d+)(?P<u>d|w|wk|mo|y)"),
        lambda m: _every(int(m["n"]), _unit(m["u"])),
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
        lambda m: _every(2, _unit(m["u"])),
    ),
    _Rule(
        _rx(rf"every\s+(?P<n>{NUM})\s*-?\s*(?P<u>day|week|month|year)s?"),
        lambda m: _every(_number(m["n"]), _unit(m["u"])),
    ),
    _Rule(
        _rx(rf"at\s+(?P<n>{NUM})\s*-?\s*(?P<u>day|week|month)s?\s+intervals?"),
        lambda m: _every(_number(m["n"]), _unit(m["u"])),
    ),
    _Rule(
        _rx(rf"at\s+intervals\s+of\s+(?P<n>{NUM})\s*(?P<u>day|week|month)s?"),
        lambda m: _every(_number(m["n"]), _unit(m["u"])),
    ),
    _Rule(
        _rx(rf"(?P<n>{NUM})-(?P<u>week|month)ly"),
        lambda m: _every(_number(m["n"]), _unit(m["u"])),
    ),
    _Rule(
        _rx(r"(?:on\s+)?days?\s+(?P<list>\d+(?:\s*(?:,|and|&)\s*\d+)*)"),
        lambda m: {"days": tuple(int(d) for d in re.findall(r"\d+", m["list"]))},
    ),
    _Rule(
        _rx(
            rf"for\s+(?:a\s+total\s+of\s+)?(?P<n>{NUM})\s+(?:consecutive\s+)?"
            r"(?P<u>day|week|month|year)s?"
        ),
        lambda m: {"duration": Duration(amount=_number(m["n"]), unit=_unit(m["u"]))},
    ),
    _Rule(
        _rx(rf"over\s+(?P<n>{NUM})\s+(?P<u>day|week|month|year)s?"),
        lambda m: {"duration": Duration(amount=_number(m["n"]), unit=_unit(m["u"]))},
    ),
    _Rule(_rx(r"(?:a\s+)?single(?:\s+dose)?|once(?:\s+only)?|one\s+dose"), lambda m: {"count": 1}),
    _Rule(
        re.compile(r"[x×]\s*(?P<n>\d+)(?![\w^⁰¹²³⁴⁵⁶⁷⁸⁹*.])", re.IGNORECASE),
        lambda m: {"count": int(m["n"])},
    ),
    _Rule(
        _rx(rf"(?:for\s+|in\s+)?(?:a\s+total\s+of\s+)?(?P<n>{NUM})\s+{_COUNT_NOUNS}"),
        lambda m: {"count": _number(m["n"])},
    ),
]

_THEN = _rx(r"(?:and\s+)?then|followed\s+by")
_WAIT = _rx(
    rf"(?:after|wait)\s+(?:a\s+)?(?P<n>{NUM})\s*-?\s*(?P<u>day|week|month)s?"
    r"(?:\s+(?:break|rest|pause|gap))?"
)
_PRODUCT = re.compile(r"[A-Za-z][\w.+-]*")
_SEPARATORS = " \t\n,;()"
_DOSE_UNIT = re.compile(
    r"\s*(?:cells?\s*(?:/|\s+per\s+)\s*[^\s,;()]+|/\s*[^\s,;()]+|cells?(?![\w/])|[^\s,;()]+)",
    re.IGNORECASE,
)
_ACCEPTED = (
    "expected a dose (2×10⁶ cells/kg), an interval (q4w, weekly, monthly, every 3 days, "
    "twice weekly), a count (×4, 4 doses), days (on days 0, 14), a duration (for 4 weeks) "
    "or 'then'"
)


class _Reader:
    def __init__(self, text: str, products: Sequence[str]) -> None:
        self.text = text
        self.pos = 0
        self.products = {p.lower() for p in products}

    def fail(
        self, start: int, end: int, problem: str, hint: str | None = None
    ) -> RegimenSyntaxError:
        return RegimenSyntaxError(self.text, start, max(end, start + 1), problem, hint)

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _SEPARATORS:
            self.pos += 1

    def word_end(self, start: int) -> int:
        end = start
        while end < len(self.text) and self.text[end] not in _SEPARATORS:
            end += 1
        return max(end, start + 1)

    def at_end(self) -> bool:
        self.skip()
        return self.pos >= len(self.text)

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        match = pattern.match(self.text, self.pos)
        if match is not None and match.end() > self.pos:
            self.pos = match.end()
            return match
        return None

    def product(self) -> str | None:
        self.skip()
        match = _PRODUCT.match(self.text, self.pos)
        if match is None:
            return None
        word = match.group(0)
        end = match.end()
        if end < len(self.text) and self.text[end] not in _SEPARATORS:
            return None
        if word.lower() in self.products or "msc" in word.lower():
            self.pos = end
            return word
        return None

    def dose(self) -> tuple[dict[str, Any], int] | None:
        """A dose at the current position, if a number starts here and is not a count."""
        start = self.pos
        if any(rule.pattern.match(self.text, start) for rule in _RULES):
            return None  # '2×/week', '4 doses', '×4' start like a number but are not doses
        try:
            number = read_number(self.text, start)
        except UnitError as exc:
            plain = NUMBER_RE.match(self.text, start)
            end = plain.end() if plain else self.word_end(start)
            unit = _DOSE_UNIT.match(self.text, end)
            if unit is not None and not _SCHEDULE_WORDS.match(unit.group(0).strip()):
                end = unit.end()
            raise self.fail(start, end, exc.problem, exc.hint) from None
        if number is None:
            return None
        value, end = number
        written = self.text[start:end]
        unit_match = _DOSE_UNIT.match(self.text, end)
        unit_text = ""
        if unit_match is not None and not _SCHEDULE_WORDS.match(unit_match.group(0).strip()):
            unit_text = unit_match.group(0).strip()
            end = unit_match.end()
        unit_text = re.sub(r"\s*/\s*", "/", re.sub(r"\s+per\s+", "/", unit_text))
        try:
            dose = dose_from_parts(value, unit_text, self.text[start:end], written=written)
        except UnitError as exc:
            raise self.fail(start, end, exc.problem, exc.hint) from None
        self.pos = end
        return {"dose": dose}, end

    def build(
        self, handle: Callable[[re.Match[str]], dict[str, Any]], match: re.Match[str]
    ) -> dict[str, Any]:
        """Run a rule's builder; a value out of range becomes an error at the match's span."""
        try:
            return handle(match)
        except ValidationError as exc:
            raise self.fail(match.start(), match.end(), _validation_message(exc)) from None
        except ValueError:  # int() of a number too long to be a count or a day
            raise self.fail(match.start(), match.end(), "the number is out of range") from None

    def item(self) -> tuple[dict[str, Any], int, int]:
        start = self.pos
        for pattern, choices in _AMBIGUOUS:
            match = pattern.match(self.text, start)
            if match:
                raise AmbiguousWordError(self.text, start, match.end(), choices)
        for pattern, problem, hint in _UNSUPPORTED:
            match = pattern.match(self.text, start)
            if match:
                raise self.fail(start, match.end(), problem, hint)
        for rule in _RULES:
            match = self.take(rule.pattern)
            if match is not None:
                return self.build(rule.handle, match), start, match.end()
        end = self.word_end(start)
        raise self.fail(start, end, "is not understood", _ACCEPTED)


def _validation_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    message = str(first.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def parse_regimen(text: str, *, products: Sequence[str] = ()) -> Regimen:
    """Read a one-line regimen into a :class:`Regimen`.

    ``products`` are product names that may prefix the regimen (besides any word with "MSC").

    >>> r = parse_regimen("2×10⁶ cells/kg twice weekly ×8 then weekly ×4")
    >>> [d.time.days for d in r.expand()]
    [0, 3, 7, 10, 14, 17, 21, 24, 28, 35, 42, 49]
    """
    if not isinstance(text, str):
        raise RegimenError(f"a regimen is text, not {type(text).__name__}")
    if len(text) > MAX_TEXT_LENGTH:
        raise RegimenError(
            f"the regimen {shorten(text)!r} is {len(text):,} characters long, more than the "
            f"{MAX_TEXT_LENGTH:,} celldose reads",
            "write a long regimen as phases in a protocol file",
        )
    reader = _Reader(text, products)
    if reader.at_end():
        raise RegimenSyntaxError(
            text, 0, max(len(text), 1), "is empty", "write e.g. 2×10⁶ cells/kg monthly ×4"
        )
    product = reader.product()
    phases: list[_PhaseWords] = [_PhaseWords(start=reader.pos)]
    while not reader.at_end():
        current = phases[-1]
        start = reader.pos
        then = reader.take(_THEN)
        if then is not None:
            if not current.values:
                raise reader.fail(start, then.end(), "'then' needs a phase before it")
            current.end = start
            phases.append(_PhaseWords(start=start))
            reader.skip()
            wait = reader.take(_WAIT)
            if wait is not None:
                phases[-1].values.update(
                    reader.build(
                        lambda m: {"wait": Duration(amount=_number(m["n"]), unit=_unit(m["u"]))},
                        wait,
                    )
                )
                phases[-1].spans["wait"] = (wait.start(), wait.end())
            continue
        found = None
        if "dose" not in current.values and set(current.values) <= {"wait"}:
            found = reader.dose()
        if found is not None:
            values, end = found
            span = (start, end)
        else:
            values, begin, end = reader.item()
            span = (begin, end)
        for key, value in values.items():
            if key in current.values:
                first = current.spans[key]
                raise reader.fail(
                    span[0],
                    span[1],
                    f"a second {key.replace('_', ' ')} in one phase "
                    f"(the first is {text[first[0] : first[1]]!r})",
                    "separate phases with 'then'",
                )
            current.values[key] = value
            current.spans[key] = span
    phases[-1].end = len(text)
    if not phases[-1].values or set(phases[-1].values) == {"wait"}:
        raise RegimenSyntaxError(
            text, phases[-1].start, len(text), "'then' is not followed by a phase"
        )
    built: list[Phase] = []
    for words in phases:
        try:
            built.append(Phase(**words.values))
        except ValidationError as exc:
            raise RegimenSyntaxError(
                text, words.start, words.end, _validation_message(exc)
            ) from None
    try:
        return Regimen(phases=tuple(built), product=product)
    except ValidationError as exc:
        raise RegimenError(f"regimen {text!r}: {_validation_message(exc)}") from None
    except CelldoseError:
        raise
