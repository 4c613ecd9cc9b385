"""Calendars a clinic keeps: weekday patterns and interval ranges (issue 10, rule 7).

Every date below is worked out by hand from a calendar (2026-01-01 is a Thursday; January has
31 days, February 2026 has 28), never copied from the code's output.
"""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from celldose.protocols import (
    AmbiguousWordError,
    Duration,
    IntervalRange,
    Phase,
    Regimen,
    RegimenSyntaxError,
    parse_regimen,
)

D = dt.date


def dates(regimen: Regimen, start: dt.date, which: str = "min") -> list[str]:
    first = regimen.first_dose_date(start)
    return [d.time.date(first).isoformat() for d in regimen.expand(which, start=first)]  # type: ignore[arg-type]


# -- weekday patterns ----------------------------------------------------------------------------


def test_mondays_and_thursdays_across_a_month_end() -> None:
    # Thu 2026-01-29 is listed, so it is the first dose; then Mon 02-02 (Jan 29 + 4, January
    # has 31 days), Thu 02-05, Mon 02-09, Thu 02-12, Mon 02-16: six doses.
    regimen = parse_regimen("2×10⁶ cells/kg on Mondays and Thursdays ×6")
    assert regimen.first_dose_note(D(2026, 1, 29)) is None
    assert dates(regimen, D(2026, 1, 29)) == [
        "2026-01-29",
        "2026-02-02",
        "2026-02-05",
        "2026-02-09",
        "2026-02-12",
        "2026-02-16",
    ]
    # days from the first dose: 0, 4, 7, 11, 14, 18
    assert [d.time.days for d in regimen.expand(start=D(2026, 1, 29))] == [0, 4, 7, 11, 14, 18]


def test_a_saturday_start_moves_the_first_dose_to_the_first_listed_weekday() -> None:
    # Sat 2026-01-31: the next Monday is 02-02 (Sat + 2); then Thu 02-05, Mon 02-09, ...
    regimen = parse_regimen("2×10⁶ cells/kg on Mondays and Thursdays ×6")
    assert regimen.first_dose_date(D(2026, 1, 31)) == D(2026, 2, 2)
    assert regimen.first_dose_note(D(2026, 1, 31)) == (
        "first dose moved from Sat 2026-01-31 to Mon 2026-02-02, the first listed weekday"
    )
    assert dates(regimen, D(2026, 1, 31)) == [
        "2026-02-02",
        "2026-02-05",
        "2026-02-09",
        "2026-02-12",
        "2026-02-16",
        "2026-02-19",
    ]


def test_a_sunday_start_is_moved_to_monday() -> None:
    regimen = parse_regimen("1×10⁶ cells/kg on Mon and Thu ×2")
    assert regimen.first_dose_note(D(2026, 1, 4)) == (
        "first dose moved from Sun 2026-01-04 to Mon 2026-01-05, the first listed weekday"
    )


def test_twice_weekly_on_tuesday_and_friday_for_four_weeks() -> None:
    # from Tue 2026-01-06: Tue/Fri of each of 4 weeks = 8 doses, days 0, 3, 7, ..., 24 (< 28)
    regimen = parse_regimen("1×10⁶ cells/kg twice weekly on Tue/Fri for 4 weeks")
    planned = regimen.expand(start=D(2026, 1, 6))
    assert [d.time.days for d in planned] == [0, 3, 7, 10, 14, 17, 21, 24]
    assert dates(regimen, D(2026, 1, 6))[-1] == "2026-01-30"  # Jan 6 + 24 days, a Friday


def test_three_weekdays_for_two_weeks_from_a_wednesday() -> None:
    # from Wed 2026-01-07: Wed 0, Fri 2, Mon 5, Wed 7, Fri 9, Mon 12: 6 doses (2 weeks × 3 days)
    regimen = parse_regimen("1×10⁶ cells/kg on Mon, Wed and Fri for 2 weeks")
    assert [d.time.days for d in regimen.expand(start=D(2026, 1, 7))] == [0, 2, 5, 7, 9, 12]


def test_weekly_on_one_weekday_is_that_weekday() -> None:
    assert parse_regimen("1e6 cells/kg weekly on Wednesday ×4") == parse_regimen(
        "1e6 cells/kg on Wednesdays ×4"
    )


def test_a_weekday_phase_after_another_starts_on_its_first_listed_weekday() -> None:
    # weekly ×2 from Mon 2026-01-05: 01-05, 01-12; the next dose would fall on Mon 01-19, so
    # the Thursday phase starts on Thu 01-22, then 01-29: days 0, 7, 17, 24
    regimen = parse_regimen("1e6 cells/kg weekly ×2 then on Thursdays ×2")
    assert dates(regimen, D(2026, 1, 5)) == ["2026-01-05", "2026-01-12", "2026-01-22", "2026-01-29"]
    assert [d.time.days for d in regimen.expand(start=D(2026, 1, 5))] == [0, 7, 17, 24]


def test_without_a_start_date_day_0_is_the_first_listed_weekday() -> None:
    # Mon/Thu from a Monday: 0, 3, 7, 10
    regimen = parse_regimen("1e6 cells/kg on Thursdays and Mondays ×4")
    assert [d.time.days for d in regimen.expand()] == [0, 3, 7, 10]
    assert regimen.reference_start().weekday() == 0


@pytest.mark.parametrize(
    "text",
    [
        "on Mondays and Thursdays ×6",
        "on Mon and Thu ×6",
        "on mon/thu ×6",
        "on Monday, Thursday ×6",
        "on Mon. & Thurs. ×6",
        "every Monday and Thursday ×6",
        "twice weekly on Mon/Thu ×6",
        "2×/week on Monday and Thursday ×6",
    ],
)
def test_the_spellings_of_a_weekday_pattern(text: str) -> None:
    expected = Regimen(
        phases=(Phase(dose="1×10⁶ cells/kg", weekdays=("Monday", "Thursday"), count=6),)
    )
    assert parse_regimen("1×10⁶ cells/kg " + text) == expected


def test_the_structured_form_equals_the_shorthand() -> None:
    structured = Phase.model_validate(
        {"weekdays": ["Tue", "Fridays"], "times_per_week": 2, "duration": "4 weeks"}
    )
    assert structured == Phase(
        weekdays=("Tuesday", "Friday"), duration=Duration.model_validate("4 weeks")
    )
    assert Regimen(phases=(structured,)) == parse_regimen("twice weekly on Tue/Fri for 4 weeks")
    assert Regimen(phases=(structured,)).to_shorthand() == "on Tue and Fri for 4 weeks"


def test_the_shorthand_round_trips() -> None:
    for text in (
        "1×10⁶ cells/kg on Mon, Wed and Fri ×6",
        "1×10⁶ cells/kg every 3 to 6 months ×3",
        "1×10⁶ cells/kg on Sat ×2 then every 2 to 4 weeks ×2",
    ):
        regimen = parse_regimen(text)
        assert regimen.to_shorthand() == text
        assert parse_regimen(regimen.to_shorthand()) == regimen


def test_weekday_spacing_is_the_smallest_gap() -> None:
    # Mon/Tue: gaps 1 and 6 days; Mon/Thu: 3 and 4; Wed alone: 7
    assert parse_regimen("on Mon and Tue ×4").phases[0].spacing_days() == 1
    assert parse_regimen("on Mon and Thu ×4").phases[0].spacing_days() == 3
    assert parse_regimen("on Wed ×4").phases[0].spacing_days() == 7


# -- refusals --------------------------------------------------------------------------------


def test_an_ambiguous_weekday_letter_is_refused_with_the_choices() -> None:
    with pytest.raises(AmbiguousWordError) as info:
        parse_regimen("1e6 cells/kg on T and Fri ×3")
    assert str(info.value) == (
        "regimen '1e6 cells/kg on T and Fri ×3' 'T' at character 17: is ambiguous "
        "(write one of: Tue (Tuesday); Thu (Thursday))"
    )


def test_a_two_letter_weekday_is_refused() -> None:
    with pytest.raises(RegimenSyntaxError) as info:
        parse_regimen("1e6 cells/kg on Tu and Fri ×3")
    assert str(info.value) == (
        "regimen '1e6 cells/kg on Tu and Fri ×3' 'Tu' at characters 17-18: is too short to be "
        "read as a weekday (write Tue or Tuesday)"
    )


def test_a_frequency_that_disagrees_with_the_weekdays_is_refused() -> None:
    with pytest.raises(RegimenSyntaxError) as info:
        parse_regimen("1e6 cells/kg twice weekly on Mon, Wed and Fri ×3")
    assert info.value.problem == (
        "2 doses a week do not match the 3 weekdays listed (Mon, Wed and Fri): list one "
        "weekday per dose a week"
    )


def test_weekly_with_two_weekdays_is_refused() -> None:
    with pytest.raises(RegimenSyntaxError) as info:
        parse_regimen("1e6 cells/kg weekly on Mon and Thu ×3")
    assert info.value.problem == (
        "an interval of 1 week does not go with the weekdays listed (Mon and Thu): give the "
        "weekdays alone (on Mon and Thu), or one weekday with weekly"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("on Mon-Fri ×3", "a range of weekdays is not read"),
        ("on Mon and mon ×3", "Monday is listed twice"),
        (
            "once or twice weekly on Mon ×3",
            "a range of doses a week does not go with listed weekdays (Mon)",
        ),
        (
            "on Mondays for 2 months",
            "a weekly frequency for a number of months has no fixed count; give weeks or a "
            "count (×N)",
        ),
        (
            "on Mon and Tue at least 3 days apart ×4",
            "doses on Mon and Tue can be 1 days apart, closer than the minimum spacing of 3 days",
        ),
        ("on days 0, 7 on Mon", "give one way of spacing doses, not days and weekdays"),
    ],
)
def test_weekday_refusals(text: str, problem: str) -> None:
    with pytest.raises(RegimenSyntaxError) as info:
        parse_regimen(text)
    assert info.value.problem == problem


def test_an_unknown_weekday_in_a_file_is_refused() -> None:
    with pytest.raises(ValidationError, match="'Funday' is not a weekday"):
        Phase.model_validate({"weekdays": ["Monday", "Funday"], "count": 2})


# -- interval ranges -------------------------------------------------------------------------


def test_an_interval_range_has_a_latest_and_an_earliest_schedule() -> None:
    # every 3 to 6 months ×3 from Mon 2026-01-05:
    #   max (earliest, every 3 months): 01-05, 04-05, 07-05; days 0, 90 (26 + 28 + 31 + 5), 181
    #   min (latest, every 6 months):   01-05, 07-05, 2027-01-05; days 0, 181, 365
    regimen = parse_regimen("1e6 cells/kg every 3 to 6 months ×3")
    assert regimen.is_range
    start = D(2026, 1, 5)
    assert dates(regimen, start, "max") == ["2026-01-05", "2026-04-05", "2026-07-05"]
    assert dates(regimen, start, "min") == ["2026-01-05", "2026-07-05", "2027-01-05"]
    assert [d.time.day_on(start) for d in regimen.expand("min")] == [0, 181, 365]
    assert regimen.schedule_words("min") == "longest interval, every 6 months: the latest dates"
    assert regimen.schedule_words("max") == "shortest interval, every 3 months: the earliest dates"


@pytest.mark.parametrize(
    "text",
    [
        "every 3 to 6 months ×3",
        "every 3–6 months ×3",
        "every 3-6 months ×3",
        "every three to six months ×3",
    ],
)
def test_interval_range_spellings(text: str) -> None:
    expected = Phase(every=IntervalRange.model_validate("3 to 6 months"), count=3)
    assert parse_regimen(text).phases == (expected,)
    assert (
        Phase.model_validate({"every": {"min": "3 months", "max": "6 months"}, "count": 3})
        == expected
    )


def test_an_interval_range_for_a_duration_counts_differently() -> None:
    # every 2 to 4 weeks for 8 weeks: the latest (every 4 weeks) 0, 28 (2 doses); the earliest
    # (every 2 weeks) 0, 14, 28, 42 (4 doses), strictly before day 56
    regimen = parse_regimen("1e6 cells/kg every 2 to 4 weeks for 8 weeks")
    assert [d.time.days for d in regimen.expand("min")] == [0, 28]
    assert [d.time.days for d in regimen.expand("max")] == [0, 14, 28, 42]


@pytest.mark.parametrize(
    ("every", "message"),
    [
        (
            "6 to 3 months",
            "an interval range needs its shorter interval first (got 6 months to 3 months)",
        ),
        (
            "3 to 3 weeks",
            "an interval range needs its shorter interval first (got 3 weeks to 3 weeks)",
        ),
        ({"min": "4 weeks", "max": "2 months"}, "mixes calendar months with days"),
        ("3 to six months", "cannot read the duration '3 to six months'"),
    ],
)
def test_interval_range_refusals(every: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Phase.model_validate({"every": every, "count": 3})
