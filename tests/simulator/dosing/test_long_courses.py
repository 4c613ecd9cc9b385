"""A course of thousands of doses: the same records as a short one, dose by dose.

The unit work of a dose is done once per phase (_dose_records.py); these tests pin what that
must not change: each dose's cells, day, date and running total, worked out by hand.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from celldose.protocols import parse_regimen, protocol_from_regimen
from celldose.simulator import plan_doses
from celldose.simulator.dosing._dose_records import dose_record
from celldose.simulator.dosing._schedule import DoseRecord


def test_ten_thousand_daily_doses_by_hand() -> None:
    protocol = protocol_from_regimen("1×10⁶ cells/kg daily ×10000", "dog")
    plan = plan_doses(protocol, weight="12kg", start="2026-01-05")
    doses = plan.schedules[0].doses
    assert len(doses) == 10_000
    # 1×10⁶ cells/kg × 12 kg = 1.2×10⁷ cells a dose; after 10,000 doses 1.2×10¹¹ (every partial
    # sum is a whole number below 2⁵³, so the float sum is exact)
    assert {d.cells for d in doses} == {1.2e7}
    assert doses[-1].cumulative_cells == 1.2e11
    assert doses[4_999].cumulative_cells == 6e10
    # dose k is on day k - 1: the last on day 9,999, 2026-01-05 + 9,999 days = 2053-05-22
    assert (doses[-1].number, doses[-1].day, doses[-1].offset) == (10_000, 9_999, "day 9999")
    assert doses[-1].date == dt.date(2053, 5, 22)
    assert doses[0].date == dt.date(2026, 1, 5) and doses[0].offset == "day 0"


def test_a_fixed_interval_expands_as_dose_by_dose() -> None:
    """The compact expansion of a fixed interval in days equals the general one, dose k at
    k × the interval (q3d: 0, 3, 6, ...; weekly: 0, 7, 14, ...)."""
    for text in ("1e6 cells/kg q3d ×50", "1e6 cells/kg weekly ×4 then q2w ×3"):
        for phase in parse_regimen(text).phases:
            fast = phase.times_from_start("min")
            assert fast == tuple(phase._nth(k, "min") for k in range(len(fast)))
    q3d = parse_regimen("1e6 cells/kg q3d ×50").phases[0].times_from_start("min")
    assert [t.days for t in q3d[:4]] == [0, 3, 6, 9] and q3d[-1].days == 147


def test_a_record_built_at_once_equals_the_dataclass() -> None:
    plan = plan_doses("jang2025-canine-itp", weight="12 kg", dose="1e6 cells/kg")
    names = {f.name for f in dataclasses.fields(DoseRecord)}
    for record in plan.doses:
        assert set(vars(record)) == names  # the plan gives every field
        values = {name: getattr(record, name) for name in names}
        assert dose_record(**values) == DoseRecord(**values) == record
        assert hash(dose_record(**values)) == hash(record)


def test_a_long_course_names_its_first_weekend_doses_and_counts_the_rest() -> None:
    protocol = protocol_from_regimen("1×10⁶ cells/kg daily ×100", "dog")
    plan = plan_doses(protocol, weight="12kg", start="2026-01-05")  # a Monday
    # day 0 is Monday: doses 6 and 7 are the first Saturday and Sunday, then every 7 days on;
    # 100 days are 14 weeks and 2 days (a Monday and a Tuesday), so 14 × 2 = 28 weekend doses:
    # the first ten named, 18 more counted
    assert (
        "doses 6, 7, 13, 14, 20, 21, 27, 28, 34, 35 and 18 more fall on a weekend "
        "(weekends=next-weekday moves them)"
    ) in plan.warnings
