"""Lanes and the comparison table: days, windows, follow-up, values given, Wilson intervals."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from celldose.cli._cmd_compare import split_assignment
from celldose.protocols import (
    NotReportedError,
    OptionError,
    Responders,
    load_protocol,
    parse_dose,
)
from celldose.simulator import get_species, make_patient, plan_doses
from celldose.simulator.scenarios import (
    COMPARISON_COLUMNS,
    REFERENCE_START,
    build_lane,
    build_lanes,
    comparison_notes,
    comparison_rows,
    responders_text,
    wilson_interval,
)

CHEN = "chen2024-itp-ucmsc"
QI = "qi2017-sjogren-thrombocytopenia"
JANG = "jang2025-canine-itp"
AA = "aa-ucmsc-18"
IZADI = "izadi2022-t1d-bmmsc"


# -- Wilson ------------------------------------------------------------------------------------
# Hand computation with z = 1.959963985 (z² = 3.841459):
#   3/6: p = 0.5, 1 + z²/n = 1.640243, centre = (0.5 + 0.320122)/1.640243 = 0.5,
#        half = z·√(0.25/6 + 3.841459/144)/1.640243 = 1.959964·0.261426/1.640243 = 0.312384
#        -> 0.187616 to 0.812384
#   0/3: the upper bound is z²/(n + z²) = 3.841459/6.841459 = 0.561497 (0.5615: it is 0.562
#        only with z rounded to 1.96), the lower bound exactly 0
#   1/1: n/(n + z²) = 1/4.841459 = 0.206549 to exactly 1
#   2/3: centre 0.573139, half 0.365479 -> 0.207660 to 0.938508
#   13/18: p = 0.722222, 1 + z²/n = 1.213414, centre = (0.722222 + 0.106707)/1.213414 = 0.683138,
#        half = z·√(0.011145 + 0.002964)/1.213414 = 0.191864 -> 0.491274 to 0.875002
#   5/12: p = 0.416667, 1 + z²/n = 1.320122, centre = (0.416667 + 0.160061)/1.320122 = 0.436874,
#        half = z·√(0.020255 + 0.006669)/1.320122 = 0.243615 -> 0.193259 to 0.680489
@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (3, 6, 0.187616, 0.812384),
        (0, 3, 0.0, 0.561497),
        (1, 1, 0.206549, 1.0),
        (2, 3, 0.207660, 0.938508),
        (13, 18, 0.491274, 0.875002),
        (5, 12, 0.193259, 0.680489),
    ],
)
def test_wilson_interval_matches_hand_computation(k: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=2e-6)


def test_wilson_interval_bounds_are_exact_at_zero_and_all() -> None:
    assert wilson_interval(0, 5)[0] == 0.0
    assert wilson_interval(5, 5)[1] == 1.0
    low, high = wilson_interval(1, 1000)
    assert 0 < low < 0.001 < high


@pytest.mark.parametrize(("k", "n"), [(4, 3), (-1, 3), (0, 0)])
def test_wilson_interval_refuses_a_non_proportion(k: int, n: int) -> None:
    with pytest.raises(OptionError, match="not a proportion"):
        wilson_interval(k, n)


def test_responders_text() -> None:
    assert responders_text(Responders(k=3, n=6)) == "3/6 (50%; 95% CI 19–81%)"
    assert responders_text(Responders(k=0, n=3)) == "0/3 (0%; 95% CI 0–56%)"
    assert responders_text(Responders(k=2, n=3)) == "2/3 (66.7%; 95% CI 21–94%)"
    assert responders_text(Responders(k=13, n=18), fraction=False) == "72.2%; 95% CI 49–88%"
    assert responders_text("not reported") == "not reported"
    assert responders_text(None) == "—"


# -- lanes -------------------------------------------------------------------------------------
def test_chen_lanes_are_the_four_arms_with_their_windows() -> None:
    lanes = build_lanes(CHEN)
    assert [lane.arm for lane in lanes] == [
        "escalation-0.5",
        "escalation-1.0",
        "escalation-2.0",
        "expansion-2.0",
    ]
    for lane, k in zip(lanes, (0, 2, 3, 3), strict=True):
        assert [d.day for d in lane.doses] == [0, 7, 14, 21]
        (window,) = lane.windows
        assert (window.start_day, window.end_day) == (7, 196)
        assert window.responders is not None and window.responders.k == k
        assert lane.follow_up_day == 196
        assert not lane.uses_reference
    assert [d.cells_per_kg for d in lanes[0].doses] == [5e5] * 4
    assert lanes[0].schedules[0].total_cells_per_kg == 2e6


def test_monthly_doses_use_the_reference_date_without_a_start() -> None:
    (lane,) = build_lanes(QI)
    assert lane.uses_reference
    # 2001-01-01 + 1, 2, 3 calendar months: Feb 1 (31), Mar 1 (59), Apr 1 (90)
    assert [d.day for d in lane.doses] == [0, 31, 59, 90]
    assert [d.offset for d in lane.doses] == ["day 0", "+1 month", "+2 months", "+3 months"]
    assert dt.date(2001, 1, 1) == REFERENCE_START
    (window,) = lane.windows  # anchored at dose 2, end not reported
    assert (window.start_day, window.end_day, window.known) == (31, None, "start")
    assert lane.follow_up_day == 365


def test_a_start_date_places_months_on_the_calendar() -> None:
    (lane,) = build_lanes(QI, start=dt.date(2025, 1, 31))
    assert not lane.uses_reference
    assert [d.date for d in lane.doses] == [
        dt.date(2025, 1, 31),
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 31),
        dt.date(2025, 4, 30),
    ]
    assert [d.day for d in lane.doses] == [0, 28, 59, 89]
    assert lane.windows[0].start_day == 28


def test_an_unreported_dose_stays_unknown_and_drawable() -> None:
    (lane,) = build_lanes(JANG)
    assert len(lane.doses) == 8 and lane.doses[-1].day == 196
    assert all(d.dose is None and d.cells_per_kg is None for d in lane.doses)
    assert lane.dose_source == "not reported" and not lane.dose_known
    assert lane.regimen == "(dose not reported) q4w ×8"
    (window,) = lane.windows
    assert window.known == "neither"
    assert lane.follow_up_status == "not reported" and lane.follow_up_day is None


def test_a_given_dose_is_labelled_as_given() -> None:
    (lane,) = build_lanes(JANG, dose="1e6 cells/kg")
    assert lane.given == ("dose",) and lane.dose_source == "given"
    assert lane.regimen == "1×10⁶ cells/kg q4w ×8"
    assert lane.schedules[0].total_cells_per_kg == 8e6


def test_a_plain_dose_fills_only_protocols_that_do_not_report_one() -> None:
    lanes = build_lanes([QI, JANG], dose="1e6 cells/kg")
    assert [lane.dose_source for lane in lanes] == ["published", "given"]
    assert lanes[0].doses[0].cells_per_kg == 2e6


def test_a_dose_for_one_protocol_replaces_its_published_dose_as_dose_does() -> None:
    (lane,) = build_lanes(QI, dose={QI: "1e6 cells/kg"})
    assert lane.dose_replaced and lane.given == ()
    assert lane.doses[0].cells_per_kg == 1e6
    assert lane.warnings == (
        "dose 1×10⁶ cells/kg from dose= replaces the protocol's 2×10⁶ cells/kg",
    )


def test_a_plain_value_that_nobody_needs_is_refused() -> None:
    with pytest.raises(OptionError) as info:
        build_lanes([CHEN, QI], count=8)
    assert str(info.value) == (
        "every protocol reports its number of doses, so count=8 is not used "
        "(drop count=, or write ID=8 to replace one protocol's value)"
    )


def test_a_value_for_an_unknown_protocol_is_refused() -> None:
    with pytest.raises(
        OptionError,
        match=(
            r"^dose names nope, which is not among the protocols \(use one of: "
            r"qi2017-sjogren-thrombocytopenia\)$"
        ),
    ):
        build_lanes([QI], dose={"nope": "1e6 cells/kg"})


def test_count_and_interval_are_needed_as_in_dose() -> None:
    with pytest.raises(NotReportedError, match="number of doses"):
        build_lanes(AA)
    with pytest.raises(NotReportedError, match="interval"):
        build_lanes(IZADI)
    (lane,) = build_lanes(IZADI, interval="4 weeks")
    assert [d.day for d in lane.doses] == [0, 28]
    assert lane.given == ("interval",)


def test_frequency_range_has_min_and_max_schedules() -> None:
    (lane,) = build_lanes(AA, count=6)
    assert lane.is_range and lane.given == ("number of doses",)
    low, high = lane.schedules
    assert (low.which, low.label, [d.day for d in low.doses]) == (
        "min",
        "once weekly",
        [0, 7, 14, 21, 28, 35],
    )
    assert (high.which, high.label, [d.day for d in high.doses]) == (
        "max",
        "twice weekly",
        [0, 3, 7, 10, 14, 17],
    )


def test_lane_cells_agree_with_the_dose_plan() -> None:
    patient = make_patient(get_species("human"), "70kg")
    (lane,) = build_lanes(CHEN, arms=["expansion-2.0"], weight="70kg")
    plan = plan_doses(load_protocol(CHEN), patient, arm="expansion-2.0")
    # by hand: 2×10⁶ cells/kg × 70 kg = 1.4×10⁸ cells, weekly ×4 = 5.6×10⁸ cells
    assert [d.cells for d in lane.doses] == [pytest.approx(1.4e8, rel=1e-12)] * 4
    assert [d.cells_per_kg for d in lane.doses] == [2e6] * 4
    assert [r.cells for r in plan.doses] == [pytest.approx(1.4e8, rel=1e-12)] * 4
    assert lane.schedules[0].total_cells == pytest.approx(5.6e8, rel=1e-12)


def test_flat_and_per_m2_doses_without_a_weight() -> None:
    protocol = load_protocol(QI)
    lane = build_lane(protocol, dose=parse_dose("1e8 cells"))
    assert lane.doses[0].cells == 1e8 and lane.doses[0].cells_per_kg is None
    lane = build_lane(protocol, dose=parse_dose("5e7 cells/m²"))
    assert lane.doses[0].cells is None and lane.dose_known and not lane.per_kg_known


def test_arm_selection() -> None:
    lanes = build_lanes([CHEN, QI], arms=[f"{CHEN}:escalation-0.5", "expansion-2.0"])
    assert [lane.key for lane in lanes] == [
        f"{CHEN}.escalation-0.5",
        f"{CHEN}.expansion-2.0",
        f"{QI}.msc",
    ]
    with pytest.raises(OptionError, match="no protocol has an arm 'nope'"):
        build_lanes([CHEN], arms=["nope"])
    with pytest.raises(OptionError, match="is a placebo"):
        build_lanes(IZADI, arms=["placebo"], interval="4 weeks")
    # the placebo arm is left out by default
    assert [lane.arm for lane in build_lanes(IZADI, interval="4 weeks")] == ["msc"]


def test_a_protocol_given_twice_is_refused() -> None:
    with pytest.raises(OptionError, match="given twice"):
        build_lanes([QI, QI])


def test_split_assignment() -> None:
    assert split_assignment(f"{JANG}=12kg") == (JANG, "12kg")
    assert split_assignment("12kg") == ("*", "12kg")
    assert split_assignment("1e6 cells/kg") == ("*", "1e6 cells/kg")


# -- the comparison table ----------------------------------------------------------------------
def test_rows_and_records() -> None:
    lanes = build_lanes([CHEN, QI, JANG], weight={QI: "60kg"})
    rows = comparison_rows(lanes)
    assert len(rows) == 6
    records = {(r.lane.protocol_id, r.lane.arm): r.record() for r in rows}
    assert all(tuple(rec) == COMPARISON_COLUMNS for rec in records.values())
    chen = records[(CHEN, "escalation-1.0")]
    assert chen["doses"] == 4 and chen["dose"] == "1×10⁶ cells/kg"
    assert chen["total_cells_per_kg"] == 4e6 and chen["course_days"] == 21
    assert chen["window"] == "Response"
    assert chen["window_when"] == "1–28 weeks after first dose"
    assert (chen["responders_k"], chen["responders_n"]) == (2, 3)
    assert chen["ci95_low"] == pytest.approx(0.207660, abs=1e-6)
    qi = records[(QI, "msc")]
    assert qi["cells_per_dose"] == 1.2e8 and qi["total_cells"] == 4.8e8
    assert qi["course_days"] is None and qi["last_dose"] == "+3 months"
    assert qi["window_when"] == "from dose 2, end not reported"
    jang = records[(JANG, "msc")]
    assert jang["dose"] == "not reported" and jang["total_cells_per_kg"] is None
    assert jang["follow_up"] == "not reported"
    assert jang["window_when"] == "timing not reported"


def test_range_rows_and_course_days_with_a_start() -> None:
    rows = comparison_rows(build_lanes(AA, count=4, start=dt.date(2026, 1, 5)))
    assert [(r.schedule.which, r.course_days) for r in rows] == [("min", 21), ("max", 10)]


def test_notes() -> None:
    lanes = build_lanes([QI, JANG])
    assert comparison_notes(lanes) == (
        "every protocol is aligned at its first dose (day 0)",
        "route: IV (intravenous)",  # every protocol here is IV: one route, named once
        "95% CI of responders: Wilson score interval",
        f"dose not reported by the source: {JANG}",
    )
    assert comparison_notes(lanes[:1]) == (
        "route: IV (intravenous)",
        "95% CI of responders: Wilson score interval",
    )


def test_window_of_izadi_is_in_calendar_months() -> None:
    (lane,) = build_lanes(IZADI, interval="4 weeks")
    (window,) = lane.windows
    assert window.span_text() == "12–24 months after first dose"
    assert (window.start_day, window.end_day) == (365, 730)
    assert lane.uses_reference  # months from the reference date, for the x position only
    assert math.isclose(window.start_day / 30.4375, 11.99, abs_tol=0.01)
