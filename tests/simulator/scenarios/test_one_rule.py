"""One dose rule, one window rule: the plan, the figure lane and the cohort agree.

For every library protocol and every treatment arm (each schedule of a frequency range), the
same patient gets the same cells per dose from the dose plan, from the figure lane and from a
cohort at zero variance (one fixed weight, no missed or delayed doses); and what-if and the
lanes place every response window on the same days. Values a source does not report are given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from celldose.protocols import DoseTime, Protocol, library_protocols, parse_dose, parse_duration
from celldose.simulator.dosing import (
    DoseOptions,
    get_species,
    land_window,
    make_patient,
    needs_count,
    needs_dose,
    needs_interval,
    plan_doses,
)
from celldose.simulator.scenarios import Cohort, build_lane, simulate_cohort, whatif

START = dt.date(2026, 1, 5)  # a Monday
WEIGHT = {"human": "70kg", "dog": "12kg", "cat": "4kg"}
ARMS = [(p, arm.name) for p in library_protocols() for arm in p.arms if not arm.gives_no_cells]


def _options(protocol: Protocol, arm_name: str) -> DoseOptions:
    arm = protocol.arm(arm_name)
    return DoseOptions(
        dose=parse_dose("1e6 cells/kg") if needs_dose(protocol, arm) else None,
        count=4 if needs_count(arm) else None,
        interval=parse_duration("4 weeks") if needs_interval(arm) else None,
    )


@pytest.mark.parametrize(("protocol", "arm"), ARMS, ids=[f"{p.id}:{a}" for p, a in ARMS])
def test_plan_lane_and_cohort_give_the_same_cells(protocol: Protocol, arm: str) -> None:
    species = get_species(protocol.species)
    weight = WEIGHT.get(protocol.species, "10kg")
    patient = make_patient(species, weight)
    options = _options(protocol, arm)
    plan = plan_doses(protocol, patient, arm=arm, options=options)
    lane = build_lane(
        protocol,
        arm,
        patient=patient,
        dose=options.dose,
        count=options.count,
        interval=options.interval,
    )
    for index, schedule in enumerate(plan.schedules):
        planned = [r.cells for r in schedule.doses]
        assert [d.cells for d in lane.schedules[index].doses] == planned
        cohort = simulate_cohort(
            protocol,
            Cohort(patients=3, weight=weight),
            arm=arm,
            options=options,
            schedule=schedule.which,
        )
        assert [d.cells.median if d.cells else None for d in cohort.per_dose] == planned


@pytest.mark.parametrize(("protocol", "arm"), ARMS, ids=[f"{p.id}:{a}" for p, a in ARMS])
def test_whatif_and_lanes_place_windows_alike(protocol: Protocol, arm: str) -> None:
    # with a start date both count calendar days; each schedule of a range on its own
    patient = make_patient(get_species(protocol.species), WEIGHT.get(protocol.species, "10kg"))
    options = replace(_options(protocol, arm), start=START)
    plan = plan_doses(protocol, patient, arm=arm, options=options)
    for schedule in plan.schedules:
        result = whatif(protocol, patient, arm=arm, options=options, schedule=schedule.which)
        days = [d.day for d in result.doses]
        for shift in result.windows:
            landed = land_window(shift.window, [DoseTime.zero().plus_days(d or 0) for d in days])
            assert landed.anchor is not None
            assert shift.planned_day == landed.anchor.day_on(START)
            start = landed.start.day_on(START) if landed.start is not None else None
            end = landed.end.day_on(START) if landed.end is not None else None
            assert (shift.start[0], shift.end[0]) == (start, end)
        if len(plan.schedules) == 1:
            lane = build_lane(
                protocol,
                arm,
                patient=patient,
                dose=options.dose,
                count=options.count,
                interval=options.interval,
                start=START,
            )
            placed = [(w.anchor_day, w.start_day, w.end_day) for w in lane.windows]
            assert placed == [(w.planned_day, w.start[0], w.end[0]) for w in result.windows]
