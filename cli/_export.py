"""Machine-readable renderings of a dose plan: CSV and iCalendar (JSON is ``plan.to_dict()``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from celldose.cli._flags import in_flags, to_flags
from celldose.cli._range_render import cells_text, volume_text
from celldose.cli._render import csv_text
from celldose.protocols import NOT_REPORTED, OptionError, format_sig, route_info
from celldose.simulator.dosing import DosePlan

if TYPE_CHECKING:
    from icalendar import Event

CSV_COLUMNS = (
    "schedule",
    "number",
    "phase",
    "branch",
    "in_course",
    "offset",
    "day",
    "date",
    "weekday",
    "weekend",
    "moved_from",
    "dose",
    "basis",
    "route",
    "band",
    "weight_kg",
    "species",
    "protocol_species",
    "scale_factor",
    "scaling",
    "cells",
    "cells_per_kg",
    "cells_to_draw",
    "volume_ml",
    "vials",
    "leftover_cells",
    "leftover_ml",
    "cumulative_cells",
    "capped_by",
    "cap_note",
    "capped",
    "rounded",
    "prescribed_cells",
    "round_change",
    "dose_range",
    "dose_use",
    "cells_low",
    "cells_high",
    "volume_ml_low",
    "volume_ml_high",
    "cumulative_cells_low",
    "cumulative_cells_high",
)


def plan_csv(plan: DosePlan) -> str:
    """The CSV of `celldose dose --format csv`: one row per dose, the JSON "doses" fields; the
    doses of branches not in the course follow, with ``in_course`` false."""
    return csv_text(CSV_COLUMNS, (in_flags(r) for r in plan.all_records()), verbatim=("offset",))


def plan_ics(plan: DosePlan) -> str:
    """One all-day event per dose, named by its route ("IM injection 2 of 6"); byte-stable
    (DTSTAMP is the first dose's date)."""
    from icalendar import Calendar, Event

    dated = [d for d in plan.doses if d.date is not None]
    if not dated or len(dated) != len(plan.doses):
        raise OptionError("a calendar needs dates", "add --start YYYY-MM-DD")
    if len(plan.schedules) > 1:
        raise OptionError(
            "a frequency range has a minimum and a maximum schedule, not one calendar",
            "choose one with --schedule min or --schedule max, or use --format table or json "
            "to see both",
        )
    cal = Calendar()
    cal.add("prodid", "-//celldose//dose schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{plan.protocol_id} {plan.arm}")
    first = dated[0].date
    assert first is not None
    stamp = dt.datetime(first.year, first.month, first.day, tzinfo=dt.UTC)
    total = len(dated)
    route = plan.route
    if route != NOT_REPORTED and route_info(route).label != route:  # not "intralesional (…)"
        route = f"{route} ({route_info(route).label})"
    facts = plan.administration.facts()
    assessment = assessment_event(plan, stamp)
    for dose in dated:
        assert dose.date is not None
        if assessment is not None and dose.branch is not None:  # in date order: course, window
            cal.add_component(assessment)
            assessment = None
        event = Event()
        event.add(
            "uid", f"{plan.protocol_id}-{plan.arm}-{dose.number}-{dose.date.isoformat()}@celldose"
        )
        event.add("dtstamp", stamp)
        event.add("dtstart", dose.date)
        event.add("dtend", dose.date + dt.timedelta(days=1))
        what = f"{plan.route_event} {dose.number} of {total}"
        if plan.route == NOT_REPORTED:
            what += " (route not reported)"
        event.add("summary", f"{plan.protocol_id}: {what}")
        basis = f"Basis: {dose.dose.display()} ({dose.dose.basis}) for {plan.patient.weight.text}"
        if dose.dose.basis == "per m²" and plan.bsa_m2 is not None:
            basis += f", BSA {format_sig(plan.bsa_m2, 4)} m² ({plan.bsa_formula})"
        if dose.band is not None:
            basis += f", weight band {dose.band}"
        lines = [
            f"Dose {dose.number} of {total} (phase {dose.phase}): {cells_text(dose)}",
            f"{basis} ({plan.patient.species.label})",
            f"Route: {route}",
            *(f"{label.capitalize()}: {text}" for label, text in facts),
        ]
        if dose.branch is not None:
            lines.append(f"Branch {dose.branch}: given only if its condition is met")
        if dose.cap_note is not None:
            note = to_flags(dose.cap_note)
            lines.append(note[:1].upper() + note[1:])
        if dose.moved_from is not None:
            lines.append(f"Moved from {dose.moved_from.isoformat()} (a weekend)")
        if dose.volume_ml is not None:
            lines.append(f"Volume: {volume_text(dose)}")
        if dose.vials is not None:
            lines.append(f"Vials: {dose.vials}")
        lines.extend(f"Warning: {to_flags(w)}" for w in plan.warnings)
        event.add("description", "\n".join(lines))
        cal.add_component(event)
    if assessment is not None:
        cal.add_component(assessment)
    return str(cal.to_ical().decode("utf-8"))


def assessment_event(plan: DosePlan, stamp: dt.datetime) -> Event | None:
    """The decision's assessment window as one all-day event spanning it ("assess: day 28 ± 2"),
    its description naming each branch's condition and whether this calendar holds its doses;
    None without a decision or its dates."""
    from icalendar import Event

    window = plan.assessment
    if window is None or window.first_date is None or window.last_date is None:
        return None
    event = Event()
    event.add(
        "uid", f"{plan.protocol_id}-{plan.arm}-assess-{window.first_date.isoformat()}@celldose"
    )
    event.add("dtstamp", stamp)
    event.add("dtstart", window.first_date)
    event.add("dtend", window.last_date + dt.timedelta(days=1))  # all-day: the end is exclusive
    when = f"day {window.day}" + (f" ± {window.tolerance}" if window.tolerance else "")
    event.add("summary", f"{plan.protocol_id}: assess: {when} after the first dose")
    lines = [f"Assessment window: {window.text} after the first dose"]
    for branch in plan.branches:
        held = "its doses are in this calendar" if branch.chosen else "not in this calendar"
        lines.append(f"If {branch.condition}: branch {branch.name} ({held})")
    lines.extend(note[:1].upper() + note[1:] for note in window.notes)
    event.add("description", "\n".join(lines))
    return event
