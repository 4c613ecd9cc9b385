"""The one-line regimen shorthand: ``"2×10⁶ cells/kg twice weekly ×8 then weekly ×4"``.

This module only reads text into the structured :class:`Regimen`; every rule about what makes
sense lives once, in the models' validators. Every character must be accounted for: a word that
is not understood is an error that points at its character span, and ambiguous words
(``biweekly``, ``qod``) are refused with their readings spelled out.

Grammar (case-insensitive; commas and parentheses separate words)::

    regimen   := course (";" clause)*
    course    := [product] phase ("then" [wait] phase)*
    clause    := "assess on day" N ["±" T] | "if" condition ":" phase ("then" phase)* | limit
    limit     := ("max per dose" | "max per course") cells ["(cap)" | "(refuse)"]
               | "dose by weight up to" weight ["(cap)" | "(refuse)"]
    phase     := [dose] item*
    item      := interval | per-week | range | days | weekdays | count | duration | spacing
               | "once"
    interval  := qNd | qNw | qNmo | qd | qw | daily | weekly | monthly | fortnightly
               | every [N|other] day(s)|week(s)|month(s) | at N-week intervals | once a week
    per-week  := twice weekly | N×/week | N times a week | N/week
    range     := once or twice weekly | 1-2×/week | 1 to 2 times a week
               | every N to M days|weeks|months (an interval range: every 3 to 6 months)
    weekdays  := on|every WEEKDAY (("," | "and" | "/" | "&") WEEKDAY)*  (on Mon and Thu)
    spacing   := at least N days apart
    days      := on days 0, 14, 28
    count     := ×N | xN | N doses|infusions|injections|sessions | single dose
    duration  := for N days|weeks|months
    wait      := after N days|weeks|months

A decision (``; assess on day 28 ± 2; if partial response: weekly ×4``) comes after the course:
one assessment, then one or more branches, each a condition and its phases (see
``_decision.py``; a branch's name is derived from its condition, its start is 'not reported').
Limit clauses (``; max per dose 3×10⁸ cells``) may follow the course or the decision; without
``(cap)`` or ``(refuse)`` a limit caps (see ``_limits.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from celldose.protocols._decision import Assessment, Branch, Decision
from celldose.protocols._dose import dose_from_parts
from celldose.protocols._dose_number import NUMBER_RE
from celldose.protocols._dose_range import RANGE_AFTER_UNIT, read_amounts, refuse_unit_between
from celldose.protocols._errors import (
    AmbiguousWordError,
    CelldoseError,
    RegimenError,
    RegimenSyntaxError,
    UnitError,
)
from celldose.protocols._limits import LIMIT_CLAUSE, LIMIT_HINT, Limit, limit_from_clause
from celldose.protocols._phase import Phase
from celldose.protocols._regimen import Regimen
from celldose.protocols._shorthand_words import (
    ACCEPTED,
    AMBIGUOUS,
    ASSESS,
    CLAUSES,
    DOSE_UNIT,
    IF_BRANCH,
    PRODUCT,
    RULES,
    SCHEDULE_WORDS,
    SEPARATORS,
    THEN,
    UNSUPPORTED,
    WAIT,
    WordSpanError,
    wait_values,
)
from celldose.protocols._units import MAX_TEXT_LENGTH, shorten


@dataclass
class _PhaseWords:
    start: int
    values: dict[str, Any] = field(default_factory=dict)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    end: int = 0


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
        while self.pos < len(self.text) and self.text[self.pos] in SEPARATORS:
            self.pos += 1

    def word_end(self, start: int) -> int:
        end = start
        while end < len(self.text) and self.text[end] not in SEPARATORS:
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
        match = PRODUCT.match(self.text, self.pos)
        if match is None:
            return None
        word = match.group(0)
        end = match.end()
        if end < len(self.text) and self.text[end] not in SEPARATORS:
            return None
        if word.lower() in self.products or "msc" in word.lower():
            self.pos = end
            return word
        return None

    def dose(self) -> tuple[dict[str, Any], int] | None:
        """A dose at the current position, if a number starts here and is not a count."""
        start = self.pos
        if any(rule.pattern.match(self.text, start) for rule in RULES):
            return None  # '2×/week', '4 doses', '×4' start like a number but are not doses
        try:
            number = read_amounts(self.text, start)
        except UnitError as exc:
            plain = NUMBER_RE.match(self.text, start)
            end = plain.end() if plain else self.word_end(start)
            unit = DOSE_UNIT.match(self.text, end)
            if unit is not None and not SCHEDULE_WORDS.match(unit.group(0).strip()):
                end = unit.end()
            raise self.fail(start, end, exc.problem, exc.hint) from None
        if number is None:
            return None
        low, value, end = number
        written = self.text[start:end]
        unit_match = DOSE_UNIT.match(self.text, end)
        unit_text = ""
        if unit_match is not None and not SCHEDULE_WORDS.match(unit_match.group(0).strip()):
            unit_text = unit_match.group(0).strip()
            end = unit_match.end()
        unit_text = re.sub(r"\s*/\s*", "/", re.sub(r"\s+per\s+", "/", unit_text))
        try:
            if low is None:
                after = self.text[end:]  # a range's upper bound right after the unit
                tail = after if RANGE_AFTER_UNIT.match(after) else ""
                refuse_unit_between(self.text[start:end], unit_text + tail)
            dose = dose_from_parts(value, unit_text, self.text[start:end], written=written, low=low)
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
        except WordSpanError as exc:
            if exc.error.choices:
                raise AmbiguousWordError(self.text, exc.start, exc.end, exc.error.choices) from None
            raise self.fail(exc.start, exc.end, exc.error.problem, exc.error.hint or None) from None
        except ValidationError as exc:
            raise self.fail(match.start(), match.end(), _validation_message(exc)) from None
        except ValueError:  # int() of a number too long to be a count or a day
            raise self.fail(match.start(), match.end(), "the number is out of range") from None

    def item(self) -> tuple[dict[str, Any], int, int]:
        start = self.pos
        for pattern, choices in AMBIGUOUS:
            match = pattern.match(self.text, start)
            if match:
                raise AmbiguousWordError(self.text, start, match.end(), choices)
        for pattern, problem, hint in UNSUPPORTED:
            match = pattern.match(self.text, start)
            if match:
                raise self.fail(start, match.end(), problem, hint)
        for rule in RULES:
            match = self.take(rule.pattern)
            if match is not None:
                return self.build(rule.handle, match), start, match.end()
        end = self.word_end(start)
        raise self.fail(start, end, "is not understood", ACCEPTED)


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
    if ";" in text:
        return _parse_decision(text, products)
    return _parse_course(text, products)


def _parse_course(text: str, products: Sequence[str]) -> Regimen:
    """The course: phases joined by 'then' (the whole grammar but the decision)."""
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
        then = reader.take(THEN)
        if then is not None:
            if not current.values:
                raise reader.fail(start, then.end(), "'then' needs a phase before it")
            current.end = start
            phases.append(_PhaseWords(start=start))
            reader.skip()
            wait = reader.take(WAIT)
            if wait is not None:
                phases[-1].values.update(reader.build(wait_values, wait))
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


def _parse_decision(text: str, products: Sequence[str]) -> Regimen:
    """A course, then ';'-separated clauses: one assessment and the branches after it."""
    clauses: list[tuple[int, str]] = []
    start = 0
    for part in text.split(";"):
        clauses.append((start, part))
        start += len(part) + 1
    course = _segment(text, clauses[0], products)
    assess: Assessment | None = None
    branches: list[Branch] = []
    limits: list[Limit] = []
    for offset, part in clauses[1:]:
        lead = len(part) - len(part.lstrip())
        span = (offset + lead, offset + max(len(part.rstrip()), lead + 1))
        if not part.strip():
            raise RegimenSyntaxError(text, offset, offset + 1, "is an empty clause", CLAUSES)
        limit = LIMIT_CLAUSE.match(part)
        if limit is not None:
            try:
                limits.append(Limit.model_validate(limit_from_clause(limit)))
            except ValidationError as exc:
                raise RegimenSyntaxError(
                    text, *span, _validation_message(exc), LIMIT_HINT
                ) from None
            except UnitError as exc:
                raise RegimenSyntaxError(text, *span, exc.problem, LIMIT_HINT) from None
            continue
        assessed = ASSESS.match(part)
        branch = IF_BRANCH.match(part)
        if assessed is not None:
            if assess is not None or branches:
                raise RegimenSyntaxError(
                    text, *span, "a second assessment", "give one 'assess on day N' before the ifs"
                )
            try:
                assess = Assessment.model_validate(assessed["when"])
            except ValidationError as exc:
                raise RegimenSyntaxError(text, *span, _validation_message(exc)) from None
        elif branch is not None:
            if assess is None:
                raise RegimenSyntaxError(
                    text,
                    *span,
                    "a branch needs the assessment before it",
                    "write 'assess on day 28 ± 2; if ...'",
                )
            body = offset + branch.start("body")
            phases = _segment(text, (body, branch["body"]), ())
            if phases.product is not None:
                raise RegimenSyntaxError(
                    text, *span, f"a branch cannot name a product ({phases.product!r})"
                )
            condition = " ".join(branch["cond"].split())
            try:
                branches.append(Branch(condition=condition, phases=phases.phases))
            except ValidationError as exc:
                raise RegimenSyntaxError(text, *span, _validation_message(exc)) from None
        else:
            raise RegimenSyntaxError(text, *span, "is not understood", CLAUSES)
    if assess is None and not branches and limits:
        try:
            return Regimen(phases=course.phases, product=course.product, limits=tuple(limits))
        except ValidationError as exc:
            raise RegimenError(f"regimen {text!r}: {_validation_message(exc)}") from None
    if assess is None or not branches:
        raise RegimenSyntaxError(
            text,
            clauses[1][0],
            len(text),
            "a decision needs an assessment and at least one branch",
            "write 'assess on day 28 ± 2; if partial response: weekly ×4'",
        )
    try:
        decision = Decision(assess=assess, branches=tuple(branches))
        return Regimen(
            phases=course.phases, product=course.product, decision=decision, limits=tuple(limits)
        )
    except ValidationError as exc:
        raise RegimenError(f"regimen {text!r}: {_validation_message(exc)}") from None


def _segment(text: str, clause: tuple[int, str], products: Sequence[str]) -> Regimen:
    """Read one clause's phases; an error points at its characters in the whole text."""
    offset, part = clause
    try:
        return _parse_course(part, products)
    except AmbiguousWordError as exc:
        raise AmbiguousWordError(text, exc.start + offset, exc.end + offset, exc.choices) from None
    except RegimenSyntaxError as exc:
        raise RegimenSyntaxError(
            text, exc.start + offset, exc.end + offset, exc.problem, exc.hint
        ) from None
