"""What-if scenarios for one patient, worked by hand.

Reference regimens (days from the first dose, see protocols/_regimen.py):
- q4w ×8: 0, 28, 56, 84, 112, 140, 168, 196;
- twice weekly ×8: 0, 3, 7, 10, 14, 17, 21, 24 (weekly pattern days 0 and 3; spacing 3 days).
A 12 kg dog on 1×10⁶ cells/kg gets 1.2×10⁷ cells a dose.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from celldose.protocols import (
    OptionError,
    PatientError,
    Protocol,
    load_protocol,
    parse_dose,
    protocol_from_regimen,
)
from celldose.simulator import DoseOptions, get_species, make_patient, parse_weight
from celldose.simulator.scenarios import (
    WhatIf,
    WhatIfResult,
    parse_delays,
    parse_skips,
    parse_weights,
    whatif,
)

DOSE = DoseOptions(dose=parse_dose("1e6 cells/kg"))
DOG12 = make_patient(get_species("dog"), "12kg")
JANG = load_protocol("jang2025-canine-itp")  # cAT-MSC q4w ×8, dose not reported


def regimen(text: str) -> Protocol:
    return protocol_from_regimen(text, "dog")


def run(protocol: Protocol, scenario: WhatIf, **kwargs: object) -> WhatIfResult:
    options = kwargs.pop("options", DOSE if protocol is JANG else DoseOptions())
    return whatif(protocol, DOG12, scenario, options=options, **kwargs)  # type: ignore[arg-type]


def given_days(result: WhatIfResult) -> list[int | None]:
    return [d.day for d in result.given]


# -- missed doses ---------------------------------------------------------------------------------
def test_skip_dose_2_of_q4w_x8() -> None:
    result = run(JANG, WhatIf(missed=(2,)))
    assert [d.status for d in result.doses] == ["given", "missed"] + ["given"] * 6
    assert given_days(result) == [0, 56, 84, 112, 140, 168, 196]
    assert [d.cells for d in result.doses][:3] == [1.2e7, 0.0, 1.2e7]
    # cumulative: 1.2e7 after dose 1, still 1.2e7 after the missed dose 2, 2.4e7 after dose 3
    assert [d.cumulative_cells for d in result.doses][:3] == pytest.approx([1.2e7, 1.2e7, 2.4e7])
    assert [d.planned_cumulative_cells for d in result.doses][:3] == pytest.approx(
        [1.2e7, 2.4e7, 3.6e7]
    )
    assert result.planned_total_cells == pytest.approx(9.6e7)  # 8 × 1.2e7
    assert result.total_cells == pytest.approx(8.4e7)  # 7 × 1.2e7
    assert result.planned_course_days == 196
    assert result.course_days == 196


def test_skipping_the_first_dose_shortens_the_course() -> None:
    result = run(JANG, WhatIf(missed=(1,)))
    assert result.course_days == 196 - 28  # first dose given is dose 2, on day 28


# -- delays ---------------------------------------------------------------------------------------
def test_delay_dose_3_by_5_days_shift() -> None:
    result = run(JANG, WhatIf(delays=((3, 5),), policy="shift"))
    assert given_days(result) == [0, 28, 61, 89, 117, 145, 173, 201]
    assert [d.status for d in result.doses] == ["given", "given", "delayed"] + ["shifted"] * 5
    assert [d.moved_days for d in result.doses] == [0, 0, 5, 5, 5, 5, 5, 5]
    assert result.total_cells == pytest.approx(9.6e7)  # a delay changes no dose
    assert result.course_days == 201


def test_delay_dose_3_by_5_days_keep() -> None:
    result = run(JANG, WhatIf(delays=((3, 5),), policy="keep"))
    assert given_days(result) == [0, 28, 61, 84, 112, 140, 168, 196]
    assert [d.status for d in result.doses] == ["given", "given", "delayed"] + ["given"] * 5
    assert result.course_days == 196
    # dose 3 moved 5 days closer to dose 4: 23 days instead of 28
    assert "doses 3 and 4 are now 23 days apart (planned 28)" in result.warnings


def test_shift_delays_add_up() -> None:
    result = run(JANG, WhatIf(delays=((2, 3), (5, 4))))
    # doses 2-4 move 3 days, doses 5-8 move 3 + 4 = 7 days
    assert given_days(result) == [0, 31, 59, 87, 119, 147, 175, 203]


def test_delays_move_the_dates() -> None:
    options = DoseOptions(dose=parse_dose("1e6 cells/kg"), start=dt.date(2026, 1, 5))
    result = run(JANG, WhatIf(delays=((3, 5),)), options=options)
    dose3 = result.doses[2]
    assert dose3.planned_date == dt.date(2026, 3, 2)  # 2026-01-05 + 56 days
    assert dose3.date == dt.date(2026, 3, 7)  # + 5 days: a Saturday
    assert "moved doses 3, 4, 5, 6, 7, 8 now fall on a weekend" in result.warnings


def test_twice_weekly_delay_that_breaks_the_spacing_is_refused() -> None:
    twice = regimen("1e6 cells/kg twice weekly ×8")
    with pytest.raises(OptionError) as info:
        run(twice, WhatIf(delays=((3, 2),), policy="keep"))
    # dose 3 on day 7 + 2 = 9, dose 4 stays on day 10: 1 day apart, 3 needed
    assert str(info.value) == (
        "delaying dose 3 puts doses 3 and 4 1 day apart (days 9 and 10); the protocol needs "
        "at least 3 days between them (no delay of dose 3 fits before dose 4: skip it instead "
        "or use delay_policy=shift to move the later doses with it)"
    )


def test_twice_weekly_refusal_names_the_largest_delay_that_fits() -> None:
    twice = regimen("1e6 cells/kg twice weekly ×8")
    with pytest.raises(OptionError, match=r"delay dose 2 by at most 1 day or use"):
        # dose 2 on day 3 + 2 = 5, dose 3 on day 7: 2 days apart; day 4 would leave 3
        run(twice, WhatIf(delays=((2, 2),), policy="keep"))
    fits = run(twice, WhatIf(delays=((2, 1),), policy="keep"))
    assert given_days(fits) == [0, 4, 7, 10, 14, 17, 21, 24]


def test_twice_weekly_shift_keeps_the_spacing() -> None:
    twice = regimen("1e6 cells/kg twice weekly ×8")
    result = run(twice, WhatIf(delays=((3, 2),), policy="shift"))
    assert given_days(result) == [0, 3, 9, 12, 16, 19, 23, 26]


def test_keep_delay_past_the_next_dose_is_refused() -> None:
    with pytest.raises(OptionError) as info:
        run(JANG, WhatIf(delays=((3, 40),), policy="keep"))
    # day 56 + 40 = 96, after dose 4 on day 84; at most 84 - 1 - 56 = 27 days keeps the order
    assert str(info.value).startswith(
        "delaying dose 3 puts dose 3 on day 96, after dose 4 on day 84; the protocol needs at "
        "least 1 day between them (delay dose 3 by at most 27 days"
    )


def test_skipping_makes_room_for_a_delay() -> None:
    twice = regimen("1e6 cells/kg twice weekly ×8")
    # with dose 4 skipped, dose 3 (day 9) is followed by dose 5 (day 14): 5 days, fine
    result = run(twice, WhatIf(missed=(4,), delays=((3, 2),), policy="keep"))
    assert given_days(result) == [0, 3, 9, 14, 17, 21, 24]


# -- response windows -----------------------------------------------------------------------------
WINDOW_YAML = """\
id: window-test
title: A protocol with a window anchored at dose 2
species: dog
indication: test
product: {name: cells, tissue_source: not reported, donor: not reported, origin_species: dog}
route: IV
arms:
  - name: msc
    regimen: 1e6 cells/kg q4w ×4
response_windows:
  - label: after two infusions
    anchor: dose 2
    start: 0 days
    end: 8 weeks
    responders: {k: 1, n: 2}
reference: {citation: test}
"""


@pytest.fixture()
def windowed(tmp_path: Path) -> Protocol:
    path = tmp_path / "window.yaml"
    path.write_text(WINDOW_YAML, encoding="utf-8")
    return load_protocol(str(path))


def test_window_anchored_at_dose_2_moves_with_dose_2(windowed: Protocol) -> None:
    result = run(windowed, WhatIf(delays=((2, 5),)))
    (window,) = result.windows
    # planned: dose 2 on day 28, window days 28 to 28 + 56 = 84; dose 2 moves 5 days
    assert (window.planned_dose, window.planned_day) == (2, 28)
    assert (window.dose, window.day) == (2, 33)
    assert window.moved_days == 5
    assert (window.planned_start[0], window.planned_end[0]) == (28, 84)
    assert (window.start[0], window.end[0]) == (33, 89)


def test_window_does_not_move_when_a_later_dose_moves(windowed: Protocol) -> None:
    (window,) = run(windowed, WhatIf(delays=((3, 5),))).windows
    assert (window.day, window.moved_days) == (28, 0)


def test_window_moves_with_a_delayed_first_dose(windowed: Protocol) -> None:
    (window,) = run(windowed, WhatIf(delays=((1, 3),))).windows
    assert window.day == 31  # the shift moves dose 2 too


def test_window_anchor_is_the_second_dose_given(windowed: Protocol) -> None:
    (window,) = run(windowed, WhatIf(missed=(2,))).windows
    # dose 2 is missed: the second dose given is dose 3, on day 56
    assert (window.dose, window.day, window.moved_days) == (3, 56, 28)
    assert window.note == "the 2nd dose given is dose 3 (the plan's is dose 2)"


def test_calendar_month_window_moves_by_date() -> None:
    qi = load_protocol("qi2017-sjogren-thrombocytopenia")  # monthly ×4, window anchored dose 2
    human = make_patient(get_species("human"), "60kg")
    start = dt.date(2025, 1, 31)
    result = whatif(qi, human, WhatIf(delays=((2, 7),)), options=DoseOptions(start=start))
    (window,) = result.windows
    # monthly from Jan 31: Feb 28 (clipped), then + 7 days = Mar 7
    assert window.planned_date == dt.date(2025, 2, 28)
    assert window.date == dt.date(2025, 3, 7)
    assert (window.planned_day, window.day) == (28, 35)
    assert window.planned_end == (None, None)  # the end is not reported


def test_calendar_months_need_a_start_date_for_delays() -> None:
    qi = load_protocol("qi2017-sjogren-thrombocytopenia")
    human = make_patient(get_species("human"), "60kg")
    with pytest.raises(OptionError, match=r"give the first dose's date with start=YYYY-MM-DD\)$"):
        whatif(qi, human, WhatIf(delays=((2, 7),)))
    skipped = whatif(qi, human, WhatIf(missed=(3,)))  # a missed dose needs no days
    assert skipped.total_cells == pytest.approx(3 * 2e6 * 60)


# -- weight over time -----------------------------------------------------------------------------
WEIGHTS = ((0, parse_weight("12kg")), (28, parse_weight("13kg")), (56, parse_weight("13.5kg")))


def test_dose_on_the_current_weight() -> None:
    q4w3 = regimen("1e6 cells/kg q4w ×3")
    result = run(q4w3, WhatIf(weights=WEIGHTS))
    assert [d.cells for d in result.doses] == pytest.approx([1.2e7, 1.3e7, 1.35e7])
    assert result.total_cells == pytest.approx(3.85e7)
    assert result.planned_total_cells == pytest.approx(3.6e7)
    assert [d.weight.kg for d in result.doses if d.weight] == [12, 13, 13.5]


def test_dose_on_the_baseline_weight() -> None:
    q4w3 = regimen("1e6 cells/kg q4w ×3")
    result = run(q4w3, WhatIf(weights=WEIGHTS, weight_basis="baseline"))
    assert [d.cells for d in result.doses] == pytest.approx([1.2e7, 1.2e7, 1.2e7])


def test_weight_is_the_latest_measurement_on_or_before_the_dose() -> None:
    q4w3 = regimen("1e6 cells/kg q4w ×3")
    weights = ((30, parse_weight("13kg")),)
    # dose 2 on day 28 comes before the day-30 measurement: still 12 kg
    assert [d.cells for d in run(q4w3, WhatIf(weights=weights)).doses] == pytest.approx(
        [1.2e7, 1.2e7, 1.3e7]
    )
    # delayed by 5 days, dose 2 falls on day 33: after it, 13 kg
    delayed = run(q4w3, WhatIf(weights=weights, delays=((2, 5),)))
    assert [d.cells for d in delayed.doses] == pytest.approx([1.2e7, 1.3e7, 1.3e7])


def test_per_m2_dose_follows_the_weight_through_the_bsa() -> None:
    q4w2 = regimen("1e8 cells/m² q4w ×2")
    dog10 = make_patient(get_species("dog"), "10kg")
    result = whatif(q4w2, dog10, WhatIf(weights=((28, parse_weight("20kg")),)))
    # Meeh, K = 10.1: 10 kg -> 10.1 × 10000^(2/3) × 1e-4; 20 kg -> 10.1 × 20000^(2/3) × 1e-4
    bsa10 = 10.1 * 10000 ** (2 / 3) * 1e-4
    bsa20 = 10.1 * 20000 ** (2 / 3) * 1e-4
    assert bsa10 == pytest.approx(0.4688, abs=1e-4)
    assert [d.cells for d in result.doses] == pytest.approx([1e8 * bsa10, 1e8 * bsa20])


def test_a_measured_weight_out_of_range_is_refused() -> None:
    q4w3 = regimen("1e6 cells/kg q4w ×3")
    with pytest.raises(PatientError, match=r"outside the accepted 0.3-120 kg"):
        run(q4w3, WhatIf(weights=((28, parse_weight("300kg")),)))
    # a measurement after the last dose is checked too
    with pytest.raises(PatientError, match=r"a dog of 100 g \(0.1 kg\)"):
        run(q4w3, WhatIf(weights=((500, parse_weight("100g")),)))


# -- refusals -------------------------------------------------------------------------------------
def test_a_dose_that_does_not_exist_is_refused() -> None:
    with pytest.raises(OptionError) as info:
        run(JANG, WhatIf(missed=(9,)))
    assert str(info.value) == (
        "dose 9 does not exist: jang2025-canine-itp arm msc has 8 doses (1×10⁶ cells/kg q4w ×8) "
        "(give a dose number from 1 to 8)"
    )
    with pytest.raises(OptionError, match=r"dose 12 does not exist"):
        run(JANG, WhatIf(delays=((12, 1),)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"missed": (0,)}, "^skip 0: doses are numbered from 1$"),
        ({"missed": (2, 2)}, "dose 2 is skipped twice"),
        (
            {"delays": ((3, 0),)},
            (
                r"^delay 3:0: a delay is at least 1 day \(write the dose and the days it "
                r"moves later, e.g. delay=3:5\)$"
            ),
        ),
        (
            {"delays": ((3, -2),)},
            (
                r"^delay 3:-2: a delay is at least 1 day \(write the dose and the days "
                r"it moves later, e.g. delay=3:5\)$"
            ),
        ),
        ({"delays": ((3, 1), (3, 2))}, "dose 3 is delayed twice"),
        ({"missed": (3,), "delays": ((3, 1),)}, "dose 3 is both missed and delayed"),
        ({"weights": ((0, parse_weight("12kg")), (0, parse_weight("13kg")))}, "two weights"),
    ],
)
def test_bad_scenarios_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(OptionError, match=message):
        WhatIf(**kwargs)  # type: ignore[arg-type]


def test_missing_every_dose_is_refused() -> None:
    q4w2 = regimen("1e6 cells/kg q4w ×2")
    with pytest.raises(OptionError, match=r"every dose \(2\) is missed"):
        run(q4w2, WhatIf(missed=(1, 2)))


def test_frequency_range_needs_a_schedule() -> None:
    aa = load_protocol("aa-ucmsc-18")  # once or twice weekly, count not reported
    human = make_patient(get_species("human"), "60kg")
    options = DoseOptions(count=4)
    with pytest.raises(OptionError, match=r"choose schedule=min"):
        whatif(aa, human, WhatIf(), options=options)
    most = whatif(aa, human, WhatIf(delays=((2, 1),)), options=options, schedule="max")
    assert [d.day for d in most.doses] == [0, 4, 8, 11]  # twice weekly 0, 3, 7, 10; +1 shift
    fewest = whatif(aa, human, WhatIf(), options=options, schedule="min")
    assert [d.day for d in fewest.doses] == [0, 7, 14, 21]
    with pytest.raises(
        OptionError, match=r"has one schedule \(1×10⁶ cells/kg q4w ×8\) \(leave it out\)$"
    ):
        run(JANG, WhatIf(), schedule="min")


# -- parsers --------------------------------------------------------------------------------------
def test_parse_weights() -> None:
    parsed = parse_weights("0:12kg, 28:26.5lb,-3:11.9kg")
    assert [(d, w.kg) for d, w in parsed] == [(0, 12.0), (28, 26.5 * 0.45359237), (-3, 11.9)]
    with pytest.raises(OptionError, match=r"'12kg' is not DAY:WEIGHT"):
        parse_weights("12kg")
    with pytest.raises(PatientError, match=r"12 what\?"):
        parse_weights("0:12")


def test_parse_delays_and_skips() -> None:
    assert parse_delays(["3:5", "6:1w,7:2 days"]) == ((3, 5), (6, 7), (7, 2))
    with pytest.raises(OptionError, match=r"write DOSE:DAYS"):
        parse_delays(["3"])
    with pytest.raises(OptionError, match=r"not months"):
        parse_delays(["3:1 month"])
    assert parse_skips(["2", "5,7"]) == (2, 5, 7)
    with pytest.raises(OptionError, match=r"'x' is not a dose number"):
        parse_skips(["2,x"])


def test_describe() -> None:
    assert WhatIf().describe() == "as planned"
    assert WhatIf(missed=(2,), delays=((3, 1),)).describe() == (
        "dose 2 missed; dose 3 delayed 1 day (later doses shift with it)"
    )
