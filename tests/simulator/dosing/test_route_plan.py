"""The route and the administration facts on a dose plan, and the minimum spacing refused."""

from __future__ import annotations

from pathlib import Path

import pytest

import celldose
from celldose.protocols import OptionError, parse_protocol

RYONCIL = Path(__file__).resolve().parents[2] / "fixtures" / "ryoncil-label.yaml"

SPACED = """\
id: spaced
title: Spacing test
species: human
indication: test
product: {name: MSC, tissue_source: not reported, donor: not reported, origin_species: human}
route: IV
dose: 1×10⁶ cells/kg
administration: {min_spacing: 4 days}
arms:
  - name: a
    regimen:
      phases:
        - {every: not reported, count: 2}
reference: {citation: test}
"""


def test_the_plan_carries_the_route_and_the_arms_facts() -> None:
    plan = celldose.plan_doses(RYONCIL, weight="20 kg")
    assert plan.route == "IV"
    assert plan.route_event == "IV infusion"
    assert plan.administration.premedication == "corticosteroids and antihistamines"
    assert plan.administration.min_spacing_days == 3


def test_doses_closer_than_the_minimum_spacing_are_refused() -> None:
    # the interval is not reported; given as 3 days, doses 1 and 2 fall on Monday 2026-01-05
    # and Thursday 2026-01-08, 3 days apart, under the 4 days the administration asks for
    with pytest.raises(OptionError) as info:
        celldose.plan_doses(
            parse_protocol(SPACED), weight="60 kg", start="2026-01-05", interval="3 days"
        )
    assert str(info.value) == (
        "doses 1 and 2 are 3 days apart (2026-01-05, 2026-01-08); the minimum spacing is "
        "4 days (spaced, arm a) (the protocol's administration asks for it: check interval=, "
        "start= and weekends=)"
    )


def test_doses_at_the_minimum_spacing_are_planned() -> None:
    plan = celldose.plan_doses(
        parse_protocol(SPACED), weight="60 kg", start="2026-01-05", interval="4 days"
    )
    assert [d.day for d in plan.doses] == [0, 4]


def test_check_refuses_a_regimen_closer_than_the_minimum_spacing() -> None:
    # twice weekly: days 0 and 3 of each week, 3 days apart, under the 4 days asked for
    twice = SPACED.replace(
        "    regimen:\n      phases:\n        - {every: not reported, count: 2}",
        "    regimen: twice weekly ×4",
    )
    assert "twice weekly" in twice
    message = (
        "arm 'a': the regimen puts doses 1 and 2 3 days apart, closer than the "
        "administration's min_spacing of 4 days"
    )
    with pytest.raises(ValueError, match=message):
        parse_protocol(twice)


def test_a_branch_is_checked_from_the_courses_last_dose() -> None:
    # Ryoncil: the course's last dose is day 24, the branches start on day 28 (4 days later),
    # then weekly or twice weekly (gaps of at least 3 days): every gap meets the 3 days
    plan = celldose.plan_doses(RYONCIL, weight="20 kg", branch="partial-or-mixed-response")
    days = [d.day for d in plan.doses]
    assert days[7:9] == [24, 28]
