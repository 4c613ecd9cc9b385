"""Building the lane of one arm: its doses (cells by the one dose rule), its windows (placed by
the one window rule) and its follow-up. See :mod:`._lane_model` for the conventions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace

from celldose.protocols import (
    NOT_REPORTED,
    REGIMEN_ID,
    Arm,
    Dose,
    DoseTime,
    Duration,
    NotReportedError,
    Protocol,
    Regimen,
    ResponseWindow,
    Which,
)
from celldose.simulator.dosing import (
    DoseOptions,
    DoseRecord,
    Patient,
    cells_per_dose,
    fill_unreported,
    land_window,
    plan_doses,
    resolve_phase_doses,
    treatment_arm,
    weigh_in,
)
from celldose.simulator.scenarios._lane_branches import lane_branches
from celldose.simulator.scenarios._lane_model import (
    REFERENCE_START,
    DoseSource,
    FollowUpStatus,
    Lane,
    LaneDose,
    LaneSchedule,
    LaneWindow,
)


def _origin(start: dt.date | None) -> dt.date:
    return start if start is not None else REFERENCE_START


def _phase_doses(
    protocol: Protocol, arm: Arm, options: DoseOptions, context: str
) -> tuple[list[Dose | None], list[DoseSource], list[str]]:
    """Each phase's dose as `celldose dose` resolves it, except that an unreported dose with
    nothing given stays None (drawn hollow) instead of being an error."""
    reported = [protocol.phase_dose(arm, i) for i in range(1, len(arm.regimen.phases) + 1)]
    doses: list[Dose | None]
    try:
        resolved, _, warnings = resolve_phase_doses(protocol, arm, options, context)
        doses = list(resolved)
    except NotReportedError:  # no dose given: what is reported stays, the rest is unknown
        doses = [d if isinstance(d, Dose) else None for d in reported]
        warnings = []
    sources: list[DoseSource] = [
        "not reported" if d is None else "published" if d == r else "given"
        for d, r in zip(doses, reported, strict=True)
    ]
    return doses, sources, warnings


def _low_share_of(record: DoseRecord) -> float:
    """A planned dose's lower bound as a share of its cells: the plan's bounds of a range kept
    as a range (after its limits), 1.0 where one dose is given."""
    span = record.range
    if span is None or span.use != "upper bound" or not record.cells:
        return 1.0
    return span.cells_low / record.cells


def build_lane(
    protocol: Protocol,
    arm: str | None = None,
    *,
    patient: Patient | None = None,
    dose: Dose | None = None,
    count: int | None = None,
    interval: Duration | None = None,
    start: dt.date | None = None,
) -> Lane:
    """The lane of one arm. ``dose``, ``count`` and ``interval`` act as in `celldose dose`:
    they fill what the source does not report (``dose`` also replaces a reported dose, with a
    warning); a count or interval that is needed and not given raises NotReportedError."""
    chosen = treatment_arm(protocol, arm)
    context = f"({protocol.id}, arm {chosen.name})"
    options = DoseOptions(dose=dose, count=count, interval=interval, start=start)
    band = None
    if patient is not None:  # weight bands: the patient's band gives the dose
        protocol, chosen, used = weigh_in(protocol, chosen, patient.weight, context)
        band = next((b for b in used if b is not None), None)
    regimen = fill_unreported(chosen.regimen, options, context)
    moved = regimen.first_dose_note(start) if start is not None else None
    if start is not None:  # a weekday pattern: the first dose on a listed weekday
        start = regimen.first_dose_date(start)
    phase_doses, sources, warnings = _phase_doses(protocol, chosen, options, context)
    known = all(d is not None for d in phase_doses)
    plan = None
    if patient is not None and known:
        # without the start date: the dates are the lane's own, and the weekend advice of
        # `celldose dose` (--weekends) does not apply to a figure
        plan = plan_doses(protocol, patient, arm=chosen.name, options=replace(options, start=None))
        warnings = list(plan.warnings)
    origin = _origin(start)
    schedules: list[LaneSchedule] = []
    times_by_schedule: list[tuple[DoseTime, ...]] = []
    uses_reference = False
    which_list: tuple[Which, ...] = ("min", "max") if regimen.is_range else ("min",)
    bsa = patient.bsa()[0] if patient is not None and _needs_bsa(phase_doses) else None
    for s, which in enumerate(which_list):
        planned = regimen.expand(which, context=context, start=start)
        times_by_schedule.append(tuple(p.time for p in planned))
        # by number: a dose a course maximum stopped has no record and is not drawn (the plan's
        # warnings, which the figure's notes carry, list it)
        records = {r.number: r for r in plan.schedules[s].doses} if plan is not None else None
        doses: list[LaneDose] = []
        per_kg_total: float | None = 0.0
        cells_total: float | None = 0.0
        for item in planned:
            uses_reference = uses_reference or (start is None and item.time.has_months)
            phase_dose = phase_doses[item.phase - 1]
            per_kg: float | None
            cells: float | None
            if records is not None:
                if item.number not in records:
                    continue
                record = records[item.number]
                assert record.dose == phase_dose, "lane and dose plan disagree"
                cells, per_kg = record.cells, record.cells_per_kg
                low_share: float | None = _low_share_of(record)
                capped = record.capped
            else:
                per_kg, cells = _amounts(phase_dose, patient, bsa)
                low_share, capped = None, False
            per_kg_total = None if per_kg_total is None or per_kg is None else per_kg_total + per_kg
            cells_total = None if cells_total is None or cells is None else cells_total + cells
            doses.append(
                LaneDose(
                    number=item.number,
                    phase=item.phase,
                    offset=str(item.time),
                    calendar=item.time.has_months,
                    day=item.time.day_on(origin),
                    date=item.time.date(start) if start is not None else None,
                    dose=phase_dose,
                    source=sources[item.phase - 1],
                    cells_per_kg=per_kg,
                    cells=cells,
                    cumulative_cells_per_kg=per_kg_total,
                    cumulative_cells=cells_total,
                    low_share=low_share,
                    capped=capped,
                )
            )
        schedules.append(
            LaneSchedule(
                which if regimen.is_range else None,
                tuple(doses),
                _frequency_words(regimen, which) if regimen.is_range else None,
            )
        )
    windows = tuple(
        _place_window(w, times_by_schedule, origin)
        for w in protocol.response_windows
        if w.arm is None or w.arm == chosen.name
    )
    status: FollowUpStatus
    follow_up: Duration | None = None
    follow_up_day = None
    if isinstance(protocol.follow_up, Duration):
        status, follow_up = "reported", protocol.follow_up
        follow_up_day = follow_up.as_time().day_on(origin)
        uses_reference = uses_reference or (start is None and follow_up.is_calendar)
    else:
        status = "not reported" if protocol.follow_up == NOT_REPORTED else "absent"
    for w in windows:
        for value in (w.window.start, w.window.end):
            if isinstance(value, Duration) and value.is_calendar and start is None:
                uses_reference = True
    replaced = any(
        s == "given" and isinstance(protocol.phase_dose(chosen, i + 1), Dose)
        for i, s in enumerate(sources)
    )
    overall: DoseSource = (
        "not reported"
        if "not reported" in sources
        else "given"
        if "given" in sources
        else "published"
    )
    decision = regimen.decision
    return Lane(
        branches=lane_branches(
            regimen,
            phase_doses,
            sources,
            schedules[0].doses[-1],
            lambda d: _amounts(d, patient, bsa),
            origin,
            start,
            context,
            None
            if plan is None
            else {
                b.name: {
                    d.number: (d.cells_per_kg, d.cells, _low_share_of(d))
                    for d in b.schedules[0].doses
                }
                for b in plan.branches
            },
        ),
        assessment=None
        if decision is None
        else (decision.assess.first_day, decision.assess.last_day),
        band=band,
        protocol_id=protocol.id,
        protocol_title=protocol.title,
        short_label=protocol.short_label,
        reference=_reference_text(protocol),
        route=protocol.route,
        species=protocol.species,
        arm=chosen.name,
        arm_label=chosen.label,
        n=chosen.n if isinstance(chosen.n, int) else None,
        regimen=regimen.with_doses(
            [NOT_REPORTED if d is None else d for d in phase_doses]
        ).to_shorthand(),
        dose_source=overall,
        dose_replaced=replaced,
        given=tuple(
            name
            for name, used in (
                ("dose", "given" in sources and not replaced),
                ("number of doses", count is not None),
                ("interval", interval is not None),
            )
            if used
        ),
        schedules=tuple(schedules),
        windows=windows,
        follow_up=follow_up,
        follow_up_status=status,
        follow_up_day=follow_up_day,
        start=start,
        uses_reference=uses_reference,
        patient=patient,
        warnings=tuple(warnings) + ((moved,) if moved is not None else ()),
    )


_TIMES = {1: "once weekly", 2: "twice weekly"}


def _frequency_words(regimen: Regimen, which: Which) -> str:
    """'twice weekly' for the max schedule of 'once or twice weekly' (phases joined)."""
    words = []
    for phase in regimen.phases:
        times = phase.times(which)
        if phase.is_range and times is not None:
            words.append(_TIMES.get(times, f"{times}×/week"))
        if phase.is_interval_range:
            words.append(f"every {phase.interval(which)}")
    return " then ".join(words)


def _needs_bsa(doses: Iterable[Dose | None]) -> bool:
    return any(d is not None and d.basis == "per m²" for d in doses)


def _amounts(
    dose: Dose | None, patient: Patient | None, bsa: float | None
) -> tuple[float | None, float | None]:
    """(cells per kg, cells) of one dose without a dose plan: whatever can be known. With a
    patient, the cells are the one dose rule's; without one, a per-kg dose is its own cells
    per kg and a flat dose its own cells."""
    if dose is None:
        return None, None
    cells = None
    if patient is not None and (dose.basis != "per m²" or bsa is not None):
        cells = cells_per_dose(dose, patient.weight_kg, bsa_m2=bsa)
    elif dose.basis == "flat":
        cells = dose.amount
    if dose.basis == "per kg":
        return dose.amount, cells
    return (cells / patient.weight_kg if cells is not None and patient is not None else None), cells


def _place_window(
    window: ResponseWindow, schedules: Sequence[tuple[DoseTime, ...]], origin: dt.date
) -> LaneWindow:
    """The window on the lane: earliest start and latest end over the schedules."""
    starts: list[int] = []
    ends: list[int] = []
    anchors: list[int] = []
    note = None
    for times in schedules:
        landed = land_window(window, times)
        if landed.anchor is None:
            note = landed.note
            continue
        anchors.append(landed.anchor.day_on(origin))
        if landed.start is not None:
            starts.append(landed.start.day_on(origin))
        if landed.end is not None:
            ends.append(landed.end.day_on(origin))
    return LaneWindow(
        window=window,
        start_day=min(starts) if starts else None,
        end_day=max(ends) if ends else None,
        anchor_day=min(anchors) if anchors else None,
        note=note,
    )


__all__ = ["build_lane"]


def _reference_text(protocol: Protocol) -> str | None:
    """The citation of ``protocol``, with its DOI when the citation does not already give it
    (none when the source's DOI is not reported); None for a protocol with no published source
    (a one-line regimen)."""
    reference = protocol.reference
    if protocol.id == REGIMEN_ID or reference.citation == NOT_REPORTED:
        return None
    text = " ".join(reference.citation.split())
    doi = reference.doi
    if doi and doi != NOT_REPORTED and doi.lower() not in text.lower():
        text = f"{text.rstrip('.')}. doi:{doi}"
    return text
