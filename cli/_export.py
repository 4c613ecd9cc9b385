"""Machine-readable renderings of a dose plan: CSV and iCalendar (JSON is ``plan.to_dict()``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from celldose.cli._flags import in_flags, to_flags
from celldose.cli._range_render import cells_text, volume_text
from celldose.cli._render import csv_text
from celldose.protocols import NOT_REPORTED, REGIMEN_ID, OptionError, format_sig, route_info
from celldose.simulator.dosing import DosePlan, course_key

if TYPE_CHECKING:
    from icalendar import Event

CSV_COLUMNS = (
    "id",
    "name",
    "protocol",
    "arm",
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
    "dose_source",
    "basis",
    "route",
    "band",
    "weight_kg",
    "weighed",
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


def csv_rows(plan: DosePlan) -> list[dict[str, object]]:
    """The CSV rows of ``plan``: the JSON "doses" fields, with the plan's ``protocol``, ``arm``
    and ``dose_source`` (JSON's ``basis.source``: ``protocol``, ``given``, ``regimen``) on each
    row, so that a row read alone still says where its dose came from."""
    course = {"protocol": plan.protocol_id, "arm": plan.arm, "dose_source": plan.dose_source}
    return [in_flags({**record, **course}) for record in plan.all_records()]


def plan_csv(plan: DosePlan) -> str:
    """The CSV of `celldose dose --format csv`: one row per dose (:func:`csv_rows`); the doses
    of branches not in the course follow, with ``in_course`` false."""
    return csv_text(CSV_COLUMNS, csv_rows(plan), verbatim=("offset",))


def plan_ics(plan: DosePlan) -> str:
    """One all-day event per dose, named by the patient and its route ("Rex (2026-0147): IM
    injection 2 of 6, enciso2019-canine-ad-admsc"); byte-stable (DTSTAMP is the first dose's
    date)."""
    return plans_ics([plan], calendar_name(plan))


def plans_ics(plans: Sequence[DosePlan], name: str) -> str:
    """One calendar named ``name`` holding the events of every plan (a clinic list)."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//celldose//dose schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for plan in plans:
        for event in plan_events(plan):
            cal.add_component(event)
    return str(cal.to_ical().decode("utf-8"))


def patient_words(plan: DosePlan) -> str:
    """Who the plan is for: ``Rex (2026-0147)``, or the species and weight without an id or a
    name (``dog 12 kg``)."""
    return plan.identity.label or f"{plan.patient.species.label} {plan.patient.weight.text}"


def course_words(plan: DosePlan) -> str:
    """What is given: ``jang2025-canine-itp, arm msc``, or the regimen of ``--regimen``."""
    if plan.protocol_id == REGIMEN_ID:
        return plan.regimen
    return f"{plan.protocol_id}, arm {plan.arm}"


def calendar_name(plan: DosePlan) -> str:
    """``Rex (2026-0147): jang2025-canine-itp, arm msc``."""
    return f"{patient_words(plan)}: {course_words(plan)}"


def event_uid(plan: DosePlan, what: str | int, *, prefix: str | None = None) -> str:
    """``<course key>-<protocol>-<arm>-<dose number>@celldose`` (``what``: a dose number, or
    ``assess``). The course key is the patient id, or a digest of what identifies the course
    (``course_key``); a ``--regimen`` course names a digest of its regimen for the protocol.
    Never the date: a re-export, or a dose moved off a weekend, keeps its UID. ``prefix`` is
    :func:`uid_prefix` of the plan, when the caller names many events of one plan."""
    return f"{prefix if prefix is not None else uid_prefix(plan)}-{what}@celldose"


def uid_prefix(plan: DosePlan) -> str:
    """``<course key>-<protocol>-<arm>``: the part of a UID every event of the plan shares."""
    import hashlib

    protocol = plan.protocol_id
    if protocol == REGIMEN_ID:
        digest = hashlib.sha256(plan.regimen.encode("utf-8")).hexdigest()[:8]
        protocol = f"{REGIMEN_ID}-{digest}"
    return f"{course_key(plan)}-{protocol}-{plan.arm}"


def summary_tail(plan: DosePlan) -> str:
    """`` (jang2025-canine-itp)``, `` (route not reported; …)``, or nothing for a regimen."""
    parts = ["route not reported"] if plan.route == NOT_REPORTED else []
    if plan.protocol_id != REGIMEN_ID:
        parts.append(plan.protocol_id)
    return f" ({'; '.join(parts)})" if parts else ""


_API_HINT = re.compile(r" \([^()]*\b[a-z][a-z_]*=[^()]*\)")  # "(weekends=next-weekday moves them)"


def calendar_warning(text: str) -> str:
    """A warning in a calendar: the problem, without the command-line hint in parentheses."""
    return to_flags(_API_HINT.sub("", text))


def plan_events(plan: DosePlan) -> list[Event]:
    """The plan's events: a dose each, and the assessment window of a decision."""
    from icalendar import Event

    dated = [d for d in plan.doses if d.date is not None]
    if not dated or len(dated) != len(plan.doses):
        raise OptionError("a calendar needs dates", "add --start YYYY-MM-DD")
    if len(plan.schedules) > 1:
        raise OptionError(
            "a frequency range has a minimum and a maximum schedule, not one calendar",
            "choose one with --schedule min or --schedule max, or use --format table or json "
            "to see both",
        )
    first = dated[0].date
    assert first is not None
    stamp = dt.datetime(first.year, first.month, first.day, tzinfo=dt.UTC)
    total = len(dated)
    route = plan.route
    if route != NOT_REPORTED and route_info(route).label != route:  # not "intralesional (…)"
        route = f"{route} ({route_info(route).label})"
    facts = plan.administration.facts()
    who = patient_words(plan)
    named = "" if plan.identity.label is None else f"{plan.identity.label}, "
    patient = f"Patient: {named}{plan.patient.species.label}, {plan.patient.weight.text}"
    if plan.identity.weighed is not None:
        patient += f", weighed {plan.identity.weighed.isoformat()}"
    warnings = [f"Warning: {calendar_warning(w)}" for w in dict.fromkeys(plan.problems)]
    assessment = assessment_event(plan, stamp)
    prefix = uid_prefix(plan)  # once: a course of many doses shares it
    tail = summary_tail(plan)
    events = []
    for dose in dated:
        assert dose.date is not None
        if assessment is not None and dose.branch is not None:  # in date order: course, window
            events.append(assessment)
            assessment = None
        event = Event()
        event.add("uid", event_uid(plan, dose.number, prefix=prefix))
        event.add("dtstamp", stamp)
        event.add("dtstart", dose.date)
        event.add("dtend", dose.date + dt.timedelta(days=1))
        what = f"{plan.route_event} {dose.number} of {total}"
        event.add("summary", f"{who}: {what}{tail}")
        basis = f"Basis: {dose.dose.display()} ({dose.dose.basis}) for {plan.patient.weight.text}"
        if dose.dose.basis == "per m²" and plan.bsa_m2 is not None:
            basis += f", BSA {format_sig(plan.bsa_m2, 4)} m² ({plan.bsa_formula})"
        if dose.band is not None:
            basis += f", weight band {dose.band}"
        lines = [
            patient,
            f"Dose {dose.number} of {total} (phase {dose.phase}): {cells_text(dose)}",
            f"{basis} ({plan.patient.species.label})",
            f"Route: {route}",
            *(f"{label.capitalize()}: {text}" for label, text in facts),
        ]
        if dose.branch is not None:
            lines.append(f"Branch {dose.branch}: given only if its condition is met")
        if dose.cap_note is not None:
            note = calendar_warning(dose.cap_note)
            lines.append(note[:1].upper() + note[1:])
        if dose.moved_from is not None:
            lines.append(f"Moved from {dose.moved_from.isoformat()} (a weekend)")
        if dose.volume_ml is not None:
            lines.append(f"Volume: {volume_text(dose)}")
        else:
            lines.append("Volume: not computed (the product's concentration is not known)")
        if dose.vials is not None:
            lines.append(f"{plan.product.container.capitalize()}s: {dose.vials}")
        lines.extend(warnings)
        event.add("description", "\n".join(lines))
        events.append(event)
    if assessment is not None:
        events.append(assessment)
    return events


def assessment_event(plan: DosePlan, stamp: dt.datetime) -> Event | None:
    """The decision's assessment window as one all-day event spanning it ("assess: day 28 ± 2"),
    its description naming each branch's condition and whether this calendar holds its doses;
    None without a decision or its dates."""
    from icalendar import Event

    window = plan.assessment
    if window is None or window.first_date is None or window.last_date is None:
        return None
    event = Event()
    event.add("uid", event_uid(plan, "assess"))
    event.add("dtstamp", stamp)
    event.add("dtstart", window.first_date)
    event.add("dtend", window.last_date + dt.timedelta(days=1))  # all-day: the end is exclusive
    when = f"day {window.day}" + (f" ± {window.tolerance}" if window.tolerance else "")
    tail = "" if plan.protocol_id == REGIMEN_ID else f" ({plan.protocol_id})"
    event.add("summary", f"{patient_words(plan)}: assess {when} after the first dose{tail}")
    lines = [f"Assessment window: {window.text} after the first dose"]
    for branch in plan.branches:
        held = "its doses are in this calendar" if branch.chosen else "not in this calendar"
        lines.append(f"If {branch.condition}: branch {branch.name} ({held})")
    lines.extend(note[:1].upper() + note[1:] for note in window.notes)
    event.add("description", "\n".join(lines))
    return event
