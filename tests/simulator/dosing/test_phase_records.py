"""A plan's doses worked out phase by phase: the edges, by hand.

A regular phase is planned as its first dose and days (``PlannedPhase``): the later doses of a
phase repeat the first dose's fields until a max per course is reached, and their dates are
arithmetic on the phase's days. These tests pin the numbers at the edges where that could go
wrong: month ends, a leap day, weekend moves, a course maximum reached mid-phase, weekday
patterns across a month end, branches after calendar months, rounding and caps on a long course.
Every expected value is worked out in the comments.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from celldose.protocols import parse_regimen, protocol_from_regimen
from celldose.simulator import plan_doses
from celldose.simulator.dosing import DosePlan
from celldose.simulator.dosing._schedule import DoseRecord

D = dt.date


def _plan(regimen: str, start: str | None = "2026-01-05", **kwargs: Any) -> DosePlan:
    """The plan of ``regimen`` for a 12 kg dog (a Monday start unless given)."""
    return plan_doses(protocol_from_regimen(regimen, "dog"), weight="12kg", start=start, **kwargs)


def _when(plan: DosePlan) -> list[tuple[int, str, int | None, dt.date | None]]:
    return [(d.number, d.offset, d.day, d.date) for d in plan.doses]


def test_monthly_from_a_month_end_then_days_after_the_months() -> None:
    # monthly from Sat 2026-01-31 keeps the 31st, clipped to each month's last day:
    # Jan 31, Feb 28 (+1 month, day 28), Mar 31 (+2 months, day 59). The weekly phase starts
    # one interval after the last monthly dose: +3 months = Apr 30 (day 89), then Apr 30 + 7 =
    # May 7 (day 96) and May 14 (day 103); its offsets keep the months.
    plan = _plan("1×10⁶ cells/kg monthly ×3 then weekly ×3", start="2026-01-31")
    assert _when(plan) == [
        (1, "day 0", 0, D(2026, 1, 31)),
        (2, "+1 month", 28, D(2026, 2, 28)),
        (3, "+2 months", 59, D(2026, 3, 31)),
        (4, "+3 months", 89, D(2026, 4, 30)),
        (5, "+3 months + 7 days", 96, D(2026, 5, 7)),
        (6, "+3 months + 14 days", 103, D(2026, 5, 14)),
    ]
    # 1×10⁶ cells/kg × 12 kg = 1.2×10⁷ cells a dose, 6 doses: 7.2×10⁷
    assert [d.cumulative_cells for d in plan.doses][-1] == 7.2e7


def test_months_without_a_start_date_have_no_days() -> None:
    # without a date a month has no length: offsets only; the weekly phase after the months
    # has no day either, and a phase in days before any month has its days
    plan = _plan("1×10⁶ cells/kg weekly ×2 then monthly ×2 then weekly ×2", start=None)
    # weekly ×2: days 0, 7; the monthly phase starts 7 days later (day 14) and steps a month;
    # the weekly phase starts one month after the last monthly dose
    assert _when(plan) == [
        (1, "day 0", 0, None),
        (2, "day 7", 7, None),
        (3, "day 14", 14, None),
        (4, "+14 days + 1 month", None, None),
        (5, "+14 days + 2 months", None, None),
        (6, "+14 days + 2 months + 7 days", None, None),
    ]


def test_daily_across_a_leap_day_and_monthly_onto_it() -> None:
    # 2028 is a leap year: Feb 27, 28, 29, Mar 1
    plan = _plan("1×10⁶ cells/kg daily ×4", start="2028-02-27")
    assert [d.date for d in plan.doses] == [
        D(2028, 2, 27),
        D(2028, 2, 28),
        D(2028, 2, 29),
        D(2028, 3, 1),
    ]
    # monthly from Jan 31, 2028: Feb 29 (the leap month's last day, day 29), Mar 31 (day 60)
    plan = _plan("1×10⁶ cells/kg monthly ×3", start="2028-01-31")
    assert _when(plan) == [
        (1, "day 0", 0, D(2028, 1, 31)),
        (2, "+1 month", 29, D(2028, 2, 29)),
        (3, "+2 months", 60, D(2028, 3, 31)),
    ]


def test_a_long_daily_course_crosses_leap_days_by_the_calendar() -> None:
    # dose k (1-based) falls on day k - 1. From 2026-01-05, day 789 is 2028-03-04: 2026-01-05 +
    # 361 days = 2027-01-01 (2026 has 365 days: 365 - 4 = 361), + 365 = 2028-01-01 (day 726),
    # + 31 (January) + 29 (February 2028) = 2028-03-01 (day 786), + 3 = 2028-03-04 (day 789)
    plan = _plan("1×10⁶ cells/kg daily ×1000")
    assert (plan.doses[789].day, plan.doses[789].date) == (789, D(2028, 3, 4))
    assert plan.doses[785].date == D(2028, 2, 29)  # day 785: the day before 2028-03-01
    assert plan.doses[789].offset == "day 789" and plan.doses[789].number == 790


def test_a_q3d_course_moves_its_weekend_doses_to_monday() -> None:
    # q3d from Mon 2026-01-05: Jan 5, 8, 11 (Sun), 14, 17 (Sat), 20, 23, 26, 29, Feb 1 (Sun).
    # Sundays and Saturdays move to the next Monday; the days count from the first dose.
    plan = _plan("1×10⁶ cells/kg q3d ×10", weekends="next-weekday")
    assert [(d.date, d.moved_from, d.day) for d in plan.doses] == [
        (D(2026, 1, 5), None, 0),
        (D(2026, 1, 8), None, 3),
        (D(2026, 1, 12), D(2026, 1, 11), 7),
        (D(2026, 1, 14), None, 9),
        (D(2026, 1, 19), D(2026, 1, 17), 14),
        (D(2026, 1, 20), None, 15),
        (D(2026, 1, 23), None, 18),
        (D(2026, 1, 26), None, 21),
        (D(2026, 1, 29), None, 24),
        (D(2026, 2, 2), D(2026, 2, 1), 28),
    ]
    # the offset is the planned one; cells and the running total as without the moves
    assert plan.doses[2].offset == "day 6"
    assert [d.cumulative_cells for d in plan.doses] == [1.2e7 * k for k in range(1, 11)]


def test_a_long_weekly_course_from_a_saturday_moves_every_dose() -> None:
    # weekly ×5000 from Sat 2026-01-10: every dose is a Saturday, moved 2 days to a Monday;
    # the first given dose (Mon 2026-01-12) is day 0, so dose k is day 7 × (k - 1) still
    plan = _plan("1×10⁶ cells/kg weekly ×5000", start="2026-01-10", weekends="next-weekday")
    first, last = plan.doses[0], plan.doses[-1]
    assert (first.date, first.moved_from, first.day) == (D(2026, 1, 12), D(2026, 1, 10), 0)
    # 4,999 weeks = 34,993 days after the first planned Saturday
    planned_last = D(2026, 1, 10) + dt.timedelta(days=34_993)
    assert planned_last.weekday() == 5  # a Saturday
    assert (last.moved_from, last.date, last.day) == (
        planned_last,
        planned_last + dt.timedelta(days=2),
        34_993,
    )
    assert all(d.moved_from is not None for d in plan.doses)
    assert not any("weekend" in w for w in plan.warnings)  # none left on a weekend


def test_a_course_maximum_reached_mid_phase() -> None:
    # 1.2×10⁷ cells a dose; max per course 5×10⁷: doses 1-4 give 4.8×10⁷, dose 5 the 2×10⁶
    # left (5×10⁷ - 4.8×10⁷), doses 6-10 are stopped
    plan = _plan("1×10⁶ cells/kg daily ×10; max per course 5×10⁷ cells")
    assert [d.cells for d in plan.doses] == [1.2e7] * 4 + [2e6]
    assert [d.cumulative_cells for d in plan.doses] == [1.2e7, 2.4e7, 3.6e7, 4.8e7, 5e7]
    assert [d.capped_by for d in plan.doses] == [None] * 4 + ["max per course"]
    stopped = plan.schedules[0].stopped
    assert [(s.number, s.day, s.date) for s in stopped] == [
        (n, n - 1, (D(2026, 1, 5) + dt.timedelta(days=n - 1)).isoformat()) for n in range(6, 11)
    ]
    assert {s.reason for s in stopped} == {"max per course 5×10⁷ cells reached"}


def test_a_long_course_stops_exactly_at_its_maximum() -> None:
    # 6×10¹⁰ / 1.2×10⁷ = 5,000 doses reach the maximum exactly (every partial sum is a whole
    # number below 2⁵³, so exact): dose 5,000 is given in full (the course is not over the
    # maximum), dose 5,001 has 0 cells left and is stopped, as are the 4,999 after it
    plan = _plan("1×10⁶ cells/kg daily ×10000; max per course 6×10¹⁰ cells")
    doses, stopped = plan.schedules[0].doses, plan.schedules[0].stopped
    assert len(doses) == 5_000 and {d.cells for d in doses} == {1.2e7}
    assert doses[-1].cumulative_cells == 6e10 and doses[-1].capped_by is None
    assert [s.number for s in stopped] == list(range(5_001, 10_001))
    # one more 6×10⁶ cells of room: dose 5,001 gives them (capped), 5,002 on are stopped
    plan = _plan("1×10⁶ cells/kg daily ×10000; max per course 6.0006×10¹⁰ cells")
    doses, stopped = plan.schedules[0].doses, plan.schedules[0].stopped
    assert (doses[-1].number, doses[-1].cells, doses[-1].cumulative_cells) == (
        5_001,
        6e6,
        6.0006e10,
    )
    assert doses[-1].capped_by == "max per course" and doses[-2].capped_by is None
    assert stopped[0].number == 5_002 and len(stopped) == 4_999


def test_a_weekday_pattern_across_a_month_end_and_a_long_one() -> None:
    # Mondays and Thursdays from Thu 2026-01-29: Jan 29, Feb 2, 5, 9, 12, 16 (days 0, 4, 7, 11,
    # 14, 18: January has 31 days, so Thu Jan 29 + 4 = Mon Feb 2)
    plan = _plan("1×10⁶ cells/kg on Mondays and Thursdays ×6", start="2026-01-29")
    assert [(d.day, d.date) for d in plan.doses] == [
        (0, D(2026, 1, 29)),
        (4, D(2026, 2, 2)),
        (7, D(2026, 2, 5)),
        (11, D(2026, 2, 9)),
        (14, D(2026, 2, 12)),
        (18, D(2026, 2, 16)),
    ]
    # ×10000 from that Thursday: dose k (0-based) is 7 × ((k + 1) // 2) days on, less 3 for a
    # Monday (k odd): dose 9,999 (0-based) is on day 7 × 5,000 - 3 = 34,997, a Monday
    plan = _plan("1×10⁶ cells/kg on Mondays and Thursdays ×10000", start="2026-01-29")
    last = plan.doses[-1]
    assert last.day == 34_997 and last.date == D(2026, 1, 29) + dt.timedelta(days=34_997)
    assert last.date is not None and last.date.weekday() == 0
    assert plan.doses[-2].day == 34_993  # the Thursday before: 7 × 4,999 + 0 - 0
    assert {d.date.weekday() for d in plan.doses if d.date is not None} == {0, 3}


def test_twice_weekly_repeats_its_first_week() -> None:
    # twice weekly: days 0 and 3 of each week (7 // 2 = 3), so dose k (0-based) is on day
    # 7 × (k // 2) + 3 × (k % 2): dose 9,999 on day 7 × 4,999 + 3 = 34,996
    plan = _plan("1×10⁶ cells/kg twice weekly ×10000")
    assert [d.day for d in plan.doses[:5]] == [0, 3, 7, 10, 14]
    assert plan.doses[-1].day == 34_996


def test_a_branch_after_calendar_months_is_numbered_and_dated_on() -> None:
    # monthly ×2 from 2026-01-31: Jan 31, Feb 28. Assessed on day 60 (Jan 31 + 60 = Apr 1); the
    # branch "weekly ×2" starts on the assessment day: Apr 1 (day 60) and Apr 8 (day 67),
    # doses 3 and 4, phase 2
    plan = _plan(
        "1×10⁶ cells/kg monthly ×2; assess on day 60; if partial: weekly ×2",
        start="2026-01-31",
        branch="partial",
    )
    assert [(d.number, d.phase, d.day, d.date, d.branch) for d in plan.doses] == [
        (1, 1, 0, D(2026, 1, 31), None),
        (2, 1, 28, D(2026, 2, 28), None),
        (3, 2, 60, D(2026, 4, 1), "partial"),
        (4, 2, 67, D(2026, 4, 8), "partial"),
    ]
    assert plan.doses[-1].cumulative_cells == 4.8e7  # 4 × 1.2×10⁷


def test_a_rounded_long_course_shares_one_rounding() -> None:
    # a vial of 1.9 mL × 6.68×10⁶ cells/mL = 1.2692×10⁷ cells; 1.2×10⁷ cells is 0.9455 of a
    # vial, rounded to the nearest whole vial: 1 vial, 1.2692×10⁷ cells (+5.77%), every dose
    plan = _plan(
        "1×10⁶ cells/kg daily ×10000",
        concentration="6.68e6 cells/mL",
        vial="1.9 mL",
        rounding="nearest",
    )
    doses = plan.doses
    assert {(d.cells, d.vials, d.volume_ml) for d in doses} == {(1.9 * 6.68e6, 1, 1.9)}
    assert all(d.rounded is not None and d.rounded.prescribed_cells == 1.2e7 for d in doses)
    rounding = [w for w in plan.warnings if "rounded to 1 vial" in w]
    assert len(rounding) == 1 and rounding[0].startswith("doses 1–10000 rounded to 1 vial")
    # the running total is the sum of the rounded doses, added in dose order
    total = 0.0
    for _ in range(10_000):
        total += 1.9 * 6.68e6
    assert doses[-1].cumulative_cells == total


def test_a_per_dose_cap_on_a_long_course() -> None:
    # cap=1×10⁷ cells: every 1.2×10⁷-cell dose is capped at 1×10⁷; 10,000 of them: 1×10¹¹
    plan = _plan("1×10⁶ cells/kg daily ×10000", cap="1e7 cells")
    assert {(d.cells, d.capped_by) for d in plan.doses} == {(1e7, "max per dose")}
    assert plan.doses[-1].cumulative_cells == 1e11
    # capped: cells per kg from the cells given, 1×10⁷ / 12 kg
    assert plan.doses[0].cells_per_kg == pytest.approx(1e7 / 12, rel=1e-15)


def test_a_non_integer_dose_sums_in_dose_order() -> None:
    # 12.3 kg × 1×10⁶ cells/kg: the running total is the float sum in dose order, dose by dose
    plan = plan_doses(
        protocol_from_regimen("1×10⁶ cells/kg q2d ×3000", "dog"),
        weight="12.3kg",
        start="2026-01-05",
    )
    cells = 12.3 * 1e6
    total, expected = 0.0, []
    for _ in range(3_000):
        total += cells
        expected.append(total)
    assert [d.cumulative_cells for d in plan.doses] == expected
    assert {d.cells for d in plan.doses} == {cells}


@pytest.mark.parametrize(
    ("regimen", "start"),
    [
        ("1×10⁶ cells/kg weekly ×3 then monthly ×3 then q2w ×3", "2026-01-31"),
        ("1×10⁶ cells/kg on Mondays and Thursdays ×5 then after 10 days daily ×3", "2026-01-29"),
        ("1×10⁶ cells/kg on days 0, 3, 10 then after 2 months twice weekly ×3", "2028-02-29"),
        ("1×10⁶ cells/kg monthly ×3 then weekly ×3", None),
        ("1×10⁶ cells/kg q3d ×4 then q1w ×2", None),
    ],
)
def test_every_dose_is_dated_as_its_regimen_times_it(regimen: str, start: str | None) -> None:
    """The plan's numbers, offsets, days and dates are the regimen's dose by dose expansion
    (each dose's DoseTime applied to the start date)."""
    plan = _plan(regimen, start=start)
    first = None if start is None else D.fromisoformat(start)
    planned = parse_regimen(regimen).expand(start=first)
    assert _when(plan) == [
        (
            p.number,
            str(p.time),
            p.time.days if first is None else p.time.day_on(first),
            None if first is None else p.time.date(first),
        )
        for p in planned
    ]
    assert [p.phase for p in planned] == [d.phase for d in plan.doses]


def test_every_record_is_a_whole_dataclass() -> None:
    """Records built from a phase's first dose are whole: every field, equal to the
    dataclass built field by field, with their own number, time and total."""
    plan = _plan(
        "1×10⁶ cells/kg daily ×4 then q2d ×5; max per course 1×10⁸ cells",
        concentration="6.68e6 cells/mL",
        vial="3.8 mL",
        weekends="next-weekday",
    )
    names = {f.name for f in dataclasses.fields(DoseRecord)}
    for record in plan.doses:
        assert set(vars(record)) == names
        assert DoseRecord(**vars(record)) == record
    assert len({id(d) for d in plan.doses}) == len(plan.doses)


def test_a_long_dose_range_keeps_both_running_totals() -> None:
    # 1–2×10⁶ cells/kg × 12 kg: 1.2×10⁷ to 2.4×10⁷ cells a dose, kept as a range (the upper
    # bound is the dose's cells); after k doses the course is 1.2×10⁷ k to 2.4×10⁷ k (whole
    # numbers below 2⁵³: exact)
    plan = _plan("1–2×10⁶ cells/kg daily ×1000")
    for k in (1, 2, 500, 1000):
        dose = plan.doses[k - 1]
        assert dose.range is not None and dose.range.use == "upper bound"
        assert (dose.range.cells_low, dose.range.cells_high) == (1.2e7, 2.4e7)
        assert (dose.range.cumulative_low, dose.range.cumulative_high) == (1.2e7 * k, 2.4e7 * k)
        assert dose.cumulative_cells == 2.4e7 * k
    assert plan.schedules[0].totals()["total_cells_low"] == 1.2e10
    assert len({id(d.range) for d in plan.doses}) == 1000  # each dose its own totals
    # a target chosen within the range: one dose of 1.5×10⁶ × 12 = 1.8×10⁷ cells, both totals
    plan = _plan("1–2×10⁶ cells/kg daily ×1000", dose="1.5e6 cells/kg")
    last = plan.doses[-1]
    assert last.range is not None and last.range.use == "chosen"
    assert (last.range.cumulative_low, last.range.cumulative_high) == (1.8e10, 1.8e10)


def test_a_dose_range_reaching_its_course_maximum() -> None:
    # upper bound 2.4×10⁷ cells a dose, max per course 1×10⁸: doses 1-4 reach 9.6×10⁷ (lower
    # bound 4.8×10⁷); dose 5 would pass the maximum at its upper bound, so it is capped at the
    # 4×10⁶ left, both bounds (min(1.2×10⁷, 4×10⁶) = 4×10⁶): totals 5.2×10⁷ and 1×10⁸; dose 6
    # has nothing left and is stopped, as are 7-10
    plan = _plan("1–2×10⁶ cells/kg daily ×10; max per course 1×10⁸ cells")
    ranges = [d.range for d in plan.doses]
    assert [(r.cumulative_low, r.cumulative_high) for r in ranges if r is not None] == [
        (1.2e7, 2.4e7),
        (2.4e7, 4.8e7),
        (3.6e7, 7.2e7),
        (4.8e7, 9.6e7),
        (5.2e7, 1e8),
    ]
    assert plan.doses[-1].cells == 4e6
    stopped = plan.schedules[0].stopped
    assert [s.number for s in stopped] == [6, 7, 8, 9, 10]
    assert stopped[0].reason == (
        "max per course 1×10⁸ cells reached at the upper bound of the dose range; the course at "
        "its lower bound is 5.2×10⁷ cells, and dose= chooses a target within the range"
    )


def test_a_week_of_records_names_each_weekday() -> None:
    # Mon 2026-01-05 to Sun 2026-01-11: the weekday as written in English in every locale, the
    # last two a weekend; each dose written as the regimen gives it
    rows = _plan("1×10⁶ cells/kg daily ×7").records()
    assert [(r["date"], r["weekday"], r["weekend"]) for r in rows] == [
        ("2026-01-05", "Mon", False),
        ("2026-01-06", "Tue", False),
        ("2026-01-07", "Wed", False),
        ("2026-01-08", "Thu", False),
        ("2026-01-09", "Fri", False),
        ("2026-01-10", "Sat", True),
        ("2026-01-11", "Sun", True),
    ]
    assert {r["dose"] for r in rows} == {"1×10⁶ cells/kg"}
    undated = _plan("1×10⁶ cells/kg daily ×2", start=None).records()
    assert [(r["date"], r["weekday"], r["weekend"]) for r in undated] == [(None, None, None)] * 2


def test_the_dose_rule_runs_once_per_phase(monkeypatch: pytest.MonkeyPatch) -> None:
    """The unit work is per phase, not per dose: 100 doses of one phase ask the dose rule once
    (a rule asked per dose would be asked 100 times), two phases twice, and a course maximum
    reached mid-phase adds no call."""
    from celldose.simulator.dosing import _dose_records

    calls: list[object] = []
    rule = _dose_records.cells_per_dose

    def counted(*args: Any, **kwargs: Any) -> float:
        calls.append(args[0])
        return rule(*args, **kwargs)

    monkeypatch.setattr(_dose_records, "cells_per_dose", counted)
    # 12 kg × 1×10⁶ = 1.2×10⁷ cells a dose: 50 doses give 6×10⁸, dose 51 the 6×10⁴ left of
    # 6.0006×10⁸ (capped), doses 52-100 are stopped: the maximum is reached mid-phase
    for regimen, phases in (
        ("1×10⁶ cells/kg daily ×100", 1),
        ("1×10⁶ cells/kg daily ×50 then 2×10⁶ cells/kg q2d ×50", 2),
        ("1×10⁶ cells/kg daily ×100; max per course 6.0006×10⁸ cells", 1),
    ):
        calls.clear()
        _plan(regimen)
        assert len(calls) == phases, regimen


def test_a_plan_never_lists_its_planned_doses_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan reads each phase's days (PlannedPhase), never a PlannedDose per dose (reading
    the regimen, which checks a decision against its doses, is done before)."""
    from celldose.protocols import PlannedPhase

    daily = protocol_from_regimen("1×10⁶ cells/kg daily ×10000", "dog")
    branched = protocol_from_regimen(
        "1×10⁶ cells/kg monthly ×2; assess on day 60; if partial: weekly ×3", "dog"
    )

    def refuse(self: PlannedPhase) -> None:
        raise AssertionError("a plan listed the planned doses one by one")

    monkeypatch.setattr(PlannedPhase, "doses", refuse)
    plan = plan_doses(daily, weight="12kg", start="2026-01-05")
    assert plan.doses[-1].number == 10_000
    # the branch starts on the assessment day, 60, then weekly: 67, 74
    plan = plan_doses(branched, weight="12kg", start="2026-01-31")
    assert [d.day for d in plan.branches[0].schedules[0].doses] == [60, 67, 74]
