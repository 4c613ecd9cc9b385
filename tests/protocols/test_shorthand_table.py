"""The shorthand table: every grammar rule, as text and as the structured regimen it means.

Every expected value here is written out by hand from the rules of the protocol language (see
``protocols/_shorthand.py`` and ``protocols/_regimen.py``), never copied from the parser's output.
The seed texts in /work/shared/seeds/ contribute their regimen-like strings, accepted or refused.
"""

from __future__ import annotations

import pytest

from celldose.protocols import (
    AmbiguousWordError,
    CelldoseError,
    Dose,
    Duration,
    FrequencyRange,
    Phase,
    Regimen,
    RegimenError,
    RegimenSyntaxError,
    parse_regimen,
)

# -- builders ----------------------------------------------------------------------------------


def dose(amount: float, unit: str = "cells", basis: str = "per kg") -> Dose:
    return Dose(amount=amount, unit=unit, basis=basis)


def day(n: int) -> Duration:
    return Duration(amount=n, unit="day")


def week(n: int) -> Duration:
    return Duration(amount=n, unit="week")


def month(n: int) -> Duration:
    return Duration(amount=n, unit="month")


def one(product: str | None = None, **phase: object) -> Regimen:
    """A one-phase regimen."""
    return Regimen(phases=(Phase(**phase),), product=product)


def phases(*items: Phase, product: str | None = None) -> Regimen:
    return Regimen(phases=items, product=product)


P = Phase
TWO_MILLION = dose(2e6)
Q4W_X8 = one(dose=TWO_MILLION, every=week(4), count=8)

# -- accepted: text -> structured reading ------------------------------------------------------

ACCEPTED: list[tuple[str, Regimen]] = [
    # dose spellings: all the same 2×10⁶ cells/kg
    ("2×10⁶ cells/kg q4w ×8", Q4W_X8),
    ("2x10^6 cells/kg q4w x8", Q4W_X8),
    ("2*10^6 cells/kg q4w ×8", Q4W_X8),
    ("2e6 cells/kg q4w ×8", Q4W_X8),
    ("2 million cells/kg q4w ×8", Q4W_X8),
    ("2×10⁶/kg q4w ×8", Q4W_X8),
    ("2X10^6 cells/kg Q4W X8", Q4W_X8),
    ("2×10⁶ cells per kg q4w ×8", Q4W_X8),
    # other amounts and bases
    ("1.5×10⁸ cells monthly ×4", one(dose=dose(1.5e8, basis="flat"), every=month(1), count=4)),
    ("5×10⁷ cells/m² weekly ×4", one(dose=dose(5e7, basis="per m²"), every=week(1), count=4)),
    ("5×10⁷ cells/m2 weekly ×4", one(dose=dose(5e7, basis="per m²"), every=week(1), count=4)),
    ("0.5×10⁶ cells once", one(dose=dose(500_000, basis="flat"), count=1)),
    ("0.5×10⁶ cells/kg weekly ×4", one(dose=dose(500_000), every=week(1), count=4)),
    ("1.0×10⁶ cells/kg weekly ×4", one(dose=dose(1e6), every=week(1), count=4)),
    ("10 mg/kg weekly ×4", one(dose=dose(10, "mg"), every=week(1), count=4)),
    ("2.5 mL daily ×5", one(dose=dose(2.5, "mL", "flat"), every=day(1), count=5)),
    # intervals
    ("q3d ×5", one(every=day(3), count=5)),
    ("q28d ×3", one(every=day(28), count=3)),
    ("q2w ×6", one(every=week(2), count=6)),
    ("q4wk ×8", one(every=week(4), count=8)),
    ("qd ×7", one(every=day(1), count=7)),
    ("qw ×4", one(every=week(1), count=4)),
    ("q2mo ×3", one(every=month(2), count=3)),
    ("q1mo ×4", one(every=month(1), count=4)),
    ("q1y ×2", one(every=Duration(amount=1, unit="year"), count=2)),
    ("every 1 year ×2", one(every=Duration(amount=1, unit="year"), count=2)),
    ("annually ×3", one(every=month(12), count=3)),
    ("2-weekly ×3", one(every=week(2), count=3)),
    ("daily ×10", one(every=day(1), count=10)),
    ("weekly ×4", one(every=week(1), count=4)),
    ("monthly ×4", one(every=month(1), count=4)),
    ("every day ×5", one(every=day(1), count=5)),
    ("every week ×3", one(every=week(1), count=3)),
    ("every month ×2", one(every=month(1), count=2)),
    ("every 3 days ×4", one(every=day(3), count=4)),
    ("every 2 weeks ×3", one(every=week(2), count=3)),
    ("every four weeks ×2", one(every=week(4), count=2)),
    ("every 3 months ×4", one(every=month(3), count=4)),
    ("every other day ×5", one(every=day(2), count=5)),
    ("every other week ×4", one(every=week(2), count=4)),
    ("every other month ×3", one(every=month(2), count=3)),
    ("fortnightly ×4", one(every=week(2), count=4)),
    ("at four-week intervals ×8", one(every=week(4), count=8)),
    ("at intervals of 3 weeks ×4", one(every=week(3), count=4)),
    ("once a week ×4", one(every=week(1), count=4)),
    ("once weekly ×4", one(every=week(1), count=4)),
    ("once daily ×3", one(every=day(1), count=3)),
    # so many times a week
    ("twice weekly ×8", one(times_per_week=2, count=8)),
    ("twice a week ×8", one(times_per_week=2, count=8)),
    ("2×/week ×8", one(times_per_week=2, count=8)),
    ("2x/week ×8", one(times_per_week=2, count=8)),
    ("2/week ×8", one(times_per_week=2, count=8)),
    ("2 times a week ×8", one(times_per_week=2, count=8)),
    ("three times a week ×6", one(times_per_week=3, count=6)),
    ("thrice weekly ×6", one(times_per_week=3, count=6)),
    ("twice per week ×4", one(times_per_week=2, count=4)),
    ("2 times per week ×4", one(times_per_week=2, count=4)),
    ("3×/week at least 2 days apart ×6", one(times_per_week=3, min_spacing=day(2), count=6)),
    ("3×/week for 2 weeks", one(times_per_week=3, duration=week(2))),
    (
        "twice weekly at least 3 days apart ×8",
        one(times_per_week=2, min_spacing=day(3), count=8),
    ),
    # ranges: kept as ranges
    ("once or twice weekly ×8", one(times_per_week=FrequencyRange(min=1, max=2), count=8)),
    ("once or twice a week ×8", one(times_per_week=FrequencyRange(min=1, max=2), count=8)),
    ("1-2×/week ×8", one(times_per_week=FrequencyRange(min=1, max=2), count=8)),
    ("1 to 2 times a week ×8", one(times_per_week=FrequencyRange(min=1, max=2), count=8)),
    ("2-3×/week for 4 weeks", one(times_per_week=FrequencyRange(min=2, max=3), duration=week(4))),
    # counts
    ("weekly 4 doses", one(every=week(1), count=4)),
    ("monthly, four infusions", one(every=month(1), count=4)),
    ("q4w 8 sessions", one(every=week(4), count=8)),
    ("q2w eleven doses", one(every=week(2), count=11)),
    ("weekly twelve injections", one(every=week(1), count=12)),
    ("weekly x 4", one(every=week(1), count=4)),
    ("weekly for a total of 4 doses", one(every=week(1), count=4)),
    ("q2w 5 administrations", one(every=week(2), count=5)),
    ("once", one(count=1)),
    ("once only", one(count=1)),
    ("single dose", one(count=1)),
    ("a single dose", one(count=1)),
    ("one dose", one(count=1)),
    ("2×10⁶ cells/kg single dose", one(dose=TWO_MILLION, count=1)),
    # durations (doses strictly before the end: checked in test_schedule_days.py)
    ("weekly for 4 weeks", one(every=week(1), duration=week(4))),
    ("weekly for four weeks", one(every=week(1), duration=week(4))),
    ("q3d for 2 weeks", one(every=day(3), duration=week(2))),
    ("daily for 10 days", one(every=day(1), duration=day(10))),
    ("monthly for 6 months", one(every=month(1), duration=month(6))),
    ("twice weekly for 4 weeks", one(times_per_week=2, duration=week(4))),
    ("weekly for 4 consecutive weeks", one(every=week(1), duration=week(4))),
    ("weekly over 4 weeks", one(every=week(1), duration=week(4))),
    # explicit days
    ("on days 0, 14, 28", one(days=(0, 14, 28))),
    ("days 0 and 7", one(days=(0, 7))),
    ("on days 0 & 3", one(days=(0, 3))),
    ("2×10⁶ cells/kg on days 0, 14, 28", one(dose=TWO_MILLION, days=(0, 14, 28))),
    # phases
    (
        "2×10⁶ cells/kg twice weekly ×8 then weekly ×4",
        phases(
            P(dose=TWO_MILLION, times_per_week=2, count=8),
            P(every=week(1), count=4),
        ),
    ),
    (
        "weekly ×4, then monthly ×2",
        phases(P(every=week(1), count=4), P(every=month(1), count=2)),
    ),
    (
        "weekly ×4 followed by monthly ×2",
        phases(P(every=week(1), count=4), P(every=month(1), count=2)),
    ),
    (
        "q2w ×3 then after 4 weeks monthly ×3",
        phases(P(every=week(2), count=3), P(wait=week(4), every=month(1), count=3)),
    ),
    (
        "q2w ×2 then wait 4 weeks q2w ×2",
        phases(P(every=week(2), count=2), P(wait=week(4), every=week(2), count=2)),
    ),
    (
        "q2w ×2 then after a 4-week break q2w ×2",
        phases(P(every=week(2), count=2), P(wait=week(4), every=week(2), count=2)),
    ),
    (
        "single dose then after 2 weeks weekly ×4",
        phases(P(count=1), P(wait=week(2), every=week(1), count=4)),
    ),
    (
        "on days 0, 14 then after 4 weeks q4w ×2",
        phases(P(days=(0, 14)), P(wait=week(4), every=week(4), count=2)),
    ),
    (
        "2×10⁶ cells/kg weekly ×2 then 1×10⁶ cells/kg q2w ×2",
        phases(
            P(dose=TWO_MILLION, every=week(1), count=2),
            P(dose=dose(1e6), every=week(2), count=2),
        ),
    ),
    (
        "once or twice weekly ×4 then q4w ×2",
        phases(
            P(times_per_week=FrequencyRange(min=1, max=2), count=4),
            P(every=week(4), count=2),
        ),
    ),
    # product prefix
    ("cAT-MSC q4w ×8", one(product="cAT-MSC", every=week(4), count=8)),
    (
        "UC-MSC 1×10⁶ cells/kg once or twice weekly ×8",
        one(
            product="UC-MSC",
            dose=dose(1e6),
            times_per_week=FrequencyRange(min=1, max=2),
            count=8,
        ),
    ),
    # strings from the seed texts and studies.md
    ("Four infusions (Once a month)", one(every=month(1), count=4)),  # seed 001
    ("at four-week intervals for eight sessions", one(every=week(4), count=8)),  # seed 000
    (
        "cAT-MSC at four-week intervals for eight sessions",  # seed 000, with its product
        one(product="cAT-MSC", every=week(4), count=8),
    ),
    ("q4w x8", one(every=week(4), count=8)),  # studies.md, jang2025
    ("2x10^6 cells/kg, monthly x4", one(dose=TWO_MILLION, every=month(1), count=4)),  # qi2017
    ("weekly x4", one(every=week(1), count=4)),  # studies.md, chen2024
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED, ids=[t for t, _ in ACCEPTED])
def test_shorthand_reads_as_structured(text: str, expected: Regimen) -> None:
    assert parse_regimen(text) == expected


@pytest.mark.parametrize(("text", "expected"), ACCEPTED, ids=[t for t, _ in ACCEPTED])
def test_regimen_model_validates_text(text: str, expected: Regimen) -> None:
    # A protocol file's `regimen: q4w ×8` goes through the model: same reading.
    assert Regimen.model_validate(text) == expected


def test_twice_weekly_promises_three_days_between_doses() -> None:
    phase = parse_regimen("twice weekly ×8").phases[0]
    assert phase.min_spacing is None  # not written, so not stored...
    assert phase.spacing_days() == 3  # ...but the pattern (days 0, 3) is at least 3 days apart


def test_named_product_is_recognised_as_prefix() -> None:
    expected = one(product="Stemirac", every=week(1), count=4)
    assert parse_regimen("Stemirac weekly ×4", products=["Stemirac"]) == expected


def test_unknown_product_word_is_not_silently_dropped() -> None:
    with pytest.raises(RegimenSyntaxError) as info:
        parse_regimen("Stemirac weekly ×4")
    assert (info.value.start, info.value.end) == (0, 8)


# -- refused: text -> error type, message fragment, span ---------------------------------------

Span = tuple[int, int] | None
REFUSED: list[tuple[str, type[CelldoseError], str, Span]] = [
    # flattened superscripts and other dose traps, inside a regimen: the span is the dose
    ("2x106/Kg", RegimenSyntaxError, "did you mean 2×10⁶/kg?", (0, 8)),  # seed 001
    ("2x106/Kg monthly ×4", RegimenSyntaxError, "did you mean 2×10⁶/kg?", (0, 8)),
    (
        "1 × 106/kg once or twice a week",  # seed 003
        RegimenSyntaxError,
        "did you mean 1×10⁶/kg?",
        (0, 10),
    ),
    ("10E9/L weekly ×4", RegimenSyntaxError, "1×10^10", (0, 6)),  # seed 001 style
    ("100*10E9/L once", RegimenSyntaxError, "'100*10E9/L'", (0, 10)),  # seed 001 "100*10E9/L"
    ("PLT 14–30*10E9/L", RegimenSyntaxError, "'PLT'", (0, 3)),  # seed 001, verbatim
    ("2 M cells/kg weekly ×4", RegimenSyntaxError, "molar", None),
    ("1,5 mL once", RegimenSyntaxError, "commas", None),
    ("5 cc once", RegimenSyntaxError, "'cc'", None),
    ("2×10⁶ weekly ×4", RegimenSyntaxError, "without a unit", (0, 5)),
    ("70 kg once", RegimenSyntaxError, "body weight", (0, 5)),
    # seed 000's lay summary: a count over a span of months is not a schedule
    ("eight intravenous sessions over two months", RegimenSyntaxError, "", None),
    ("eight sessions over two months", RegimenSyntaxError, "count or duration", None),
    ("q4w ×8 over two months", RegimenSyntaxError, "count or duration", None),
    # seed 000's abstract, verbatim: words that are not regimen words
    (
        "administered intravenously at four-week intervals for eight sessions",
        RegimenSyntaxError,
        "not understood",
        (0, 12),
    ),
    (
        "intravenously at four-week intervals for eight sessions",
        RegimenSyntaxError,
        "route",
        (0, 13),
    ),
    # seed 004: "two doses" with no interval
    ("two doses", RegimenSyntaxError, "no interval", None),
    ("received two doses", RegimenSyntaxError, "not understood", (0, 8)),
    # seed 002 (Chinese): not the shorthand
    ("连续4周每周给药", RegimenSyntaxError, "not understood", (0, 8)),
    # ambiguous words
    ("biweekly ×4", AmbiguousWordError, "ambiguous", (0, 8)),
    ("bi-weekly ×4", AmbiguousWordError, "ambiguous", (0, 9)),
    ("2×10⁶ cells/kg biweekly ×4", AmbiguousWordError, "'biweekly'", (15, 23)),
    ("bimonthly ×3", AmbiguousWordError, "ambiguous", (0, 9)),
    ("qod ×5", AmbiguousWordError, "ambiguous", (0, 3)),
    ("QOD ×5", AmbiguousWordError, "ambiguous", (0, 3)),
    ("q.o.d. ×5", AmbiguousWordError, "ambiguous", (0, 6)),
    ("qm ×4", AmbiguousWordError, "ambiguous", (0, 2)),
    ("tiw ×6", AmbiguousWordError, "ambiguous", (0, 3)),
    # unknown words: the span is the word
    ("q4w ×8 foo", RegimenSyntaxError, "'foo'", (7, 10)),
    ("weekly ×4 banana", RegimenSyntaxError, "'banana'", (10, 16)),
    ("thirteen doses weekly", RegimenSyntaxError, "'thirteen'", (0, 8)),
    # not supported
    ("bid ×5", RegimenSyntaxError, "sub-daily", (0, 3)),
    ("q12h ×4", RegimenSyntaxError, "sub-daily", (0, 4)),
    # were "not understood": the span is the whole sub-daily phrase
    ("twice daily ×3", RegimenSyntaxError, "sub-daily", (0, 11)),
    ("2×10⁶ cells/kg 3 times daily ×3", RegimenSyntaxError, "sub-daily", (15, 28)),
    ("every 12 hours ×3", RegimenSyntaxError, "sub-daily", (0, 14)),
    ("every 8h ×3", RegimenSyntaxError, "sub-daily", (0, 8)),
    ("every 30 min ×3", RegimenSyntaxError, "sub-daily", (0, 12)),
    # 24 hours is a day, not sub-daily: still not understood (write daily or qd)
    ("every 24 hours ×3", RegimenSyntaxError, "not understood", (0, 5)),
    ("twice a month ×4", RegimenSyntaxError, "per month", None),
    # structure
    ("", RegimenSyntaxError, "empty", None),
    ("   ", RegimenSyntaxError, "empty", None),
    ("then weekly ×4", RegimenSyntaxError, "'then' needs a phase before it", (0, 4)),
    ("weekly ×4 then", RegimenSyntaxError, "not followed by a phase", None),
    ("weekly ×4 ×8", RegimenSyntaxError, "second count", (10, 12)),
    ("q4w monthly ×4", RegimenSyntaxError, "second every", (4, 11)),
    ("twice weekly q4w ×4", RegimenSyntaxError, "one way of spacing", None),
    ("weekly", RegimenSyntaxError, "how many doses", None),
    ("once or twice a week", RegimenSyntaxError, "how many doses", None),  # seed 003, no count
    ("q0d ×3", RegimenSyntaxError, "at least 1 day", None),
    ("weekly ×0", RegimenSyntaxError, "count must be between", None),
    ("on days 3, 10", RegimenSyntaxError, "start at 0", None),
    ("on days 0, 14, 7", RegimenSyntaxError, "increasing", None),
    ("q4w for 2 months", RegimenSyntaxError, "calendar months", None),
    ("twice weekly for 2 months", RegimenSyntaxError, "number of months", None),
    ("once then weekly ×4", RegimenError, "no interval", None),
    ("twice weekly ×4 then after 2 days weekly ×2", RegimenError, "3-day minimum spacing", None),
]


@pytest.mark.parametrize(
    ("text", "error", "fragment", "span"), REFUSED, ids=[t or "<empty>" for t, *_ in REFUSED]
)
def test_shorthand_is_refused(
    text: str, error: type[CelldoseError], fragment: str, span: Span
) -> None:
    with pytest.raises(CelldoseError) as info:
        parse_regimen(text)
    exc = info.value
    assert type(exc) is error, f"{type(exc).__name__}: {exc}"
    assert fragment in str(exc)
    if span is not None:
        assert isinstance(exc, RegimenSyntaxError)
        assert (exc.start, exc.end) == span
        assert exc.text == text


def test_syntax_error_span_is_inside_the_text() -> None:
    with pytest.raises(RegimenSyntaxError) as info:
        parse_regimen("eight intravenous sessions over two months")
    exc = info.value
    assert 0 <= exc.start < exc.end <= len(exc.text)


AMBIGUOUS: list[tuple[str, str, str]] = [
    # (word, a fragment of one reading, a fragment of the other reading)
    ("biweekly", "twice", "2 weeks"),
    ("bimonthly", "twice a month", "2 months"),
    ("qod", "every other day", "daily"),
    ("q.o.d.", "every other day", "daily"),
    ("qm", "every month", "morning"),
    ("tiw", "three times a week", "twice a week"),
]


@pytest.mark.parametrize(("word", "first", "second"), AMBIGUOUS)
def test_ambiguous_word_spells_out_both_readings(word: str, first: str, second: str) -> None:
    with pytest.raises(AmbiguousWordError) as info:
        parse_regimen(f"{word} ×4")
    choices = info.value.choices
    assert len(choices) >= 2
    assert any(first in c for c in choices)
    assert any(second in c for c in choices)
    # both readings are in the message a user sees
    assert first in str(info.value) and second in str(info.value)


def test_ambiguous_error_is_a_syntax_error_and_a_value_error() -> None:
    with pytest.raises(ValueError) as info:
        parse_regimen("biweekly ×4")
    assert isinstance(info.value, RegimenSyntaxError)
    assert isinstance(info.value, CelldoseError)


def test_flattened_superscript_hint_in_regimen() -> None:
    with pytest.raises(RegimenSyntaxError) as info:
        parse_regimen("2x106/Kg monthly ×4")
    assert info.value.hint is not None
    assert info.value.hint.startswith("did you mean 2×10⁶/kg?")


def test_not_text_is_refused() -> None:
    with pytest.raises(RegimenError):
        parse_regimen(8)  # type: ignore[arg-type]


# -- bugs found while writing the table --------------------------------------------------------


def test_reversed_frequency_range_is_a_celldose_error() -> None:
    # Fixed: "twice or once weekly ×4" (a range written high-to-low) escapes as a raw
    # pydantic.ValidationError from FrequencyRange, built inside the grammar rule's handler
    # (_shorthand._RULES[0]) outside the try/except that turns model errors into
    # RegimenSyntaxError. Expected: RegimenSyntaxError pointing at the range (every error the
    # library raises on purpose is a CelldoseError, _errors.py).
    with pytest.raises(RegimenSyntaxError):
        parse_regimen("twice or once weekly ×4")


@pytest.mark.parametrize("text", ["0×/week ×4", "8×/week ×8", "10 times a week ×4"])
def test_times_per_week_outside_one_to_seven_is_refused(text: str) -> None:
    # Fixed: an integer times_per_week is not range-checked (FrequencyRange is, 1..7). "0×/week ×4"
    # parses, then expand() dies with ZeroDivisionError (week_pattern divides by 0); "8×/week ×8"
    # parses and expands to days [0, 0, 1, 2, 3, 4, 5, 6]: two doses on day 0. A week has 7 days
    # and celldose schedules whole days, so 1..7 a week is the valid range: expected
    # RegimenSyntaxError at parse time.
    with pytest.raises(RegimenSyntaxError):
        parse_regimen(text)
