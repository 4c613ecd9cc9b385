"""Words for regimens, phases and dose times, shared by `parse` and `show`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celldose.protocols import (
    NOT_REPORTED,
    CelldoseError,
    Dose,
    Duration,
    FrequencyRange,
    IntervalRange,
    Phase,
    PlannedDose,
    Regimen,
    Which,
    plural,
)


def describe_phase(phase: Phase, index: int, *, follows: bool | None = None) -> str:
    """``phase 2: every 1 week, 4 doses, ...``; ``follows`` (default: index > 1) says how it
    starts after the phase before it (False for a branch's first phase: it has its own start)."""
    parts: list[str] = []
    if phase.dose is not None:
        parts.append(
            f"dose {phase.dose.labelled() if isinstance(phase.dose, Dose) else phase.dose}"
        )
    if isinstance(phase.every, Duration):
        parts.append(
            f"every {phase.every}" + (" (calendar months)" if phase.every.is_calendar else "")
        )
    elif isinstance(phase.every, IntervalRange):
        parts.append(
            f"every {phase.every} (a range: the latest and the earliest schedules)"
            + (" (calendar months)" if phase.every.min.is_calendar else "")
        )
    elif phase.every == NOT_REPORTED:
        parts.append("interval not reported")
    tpw = phase.times_per_week
    if isinstance(tpw, FrequencyRange):
        parts.append(f"{tpw.min} to {tpw.max} times a week (a range: min and max schedules)")
    elif tpw is not None:
        parts.append(f"{tpw} times a week, at least {phase.spacing_days()} days apart")
    if phase.days is not None:
        parts.append("on days " + ", ".join(map(str, phase.days)) + " of the phase")
    if phase.weekdays is not None:
        parts.append(
            f"every week on {phase.weekdays_text} (first dose on the first listed "
            "weekday on or after the phase's start)"
        )
    if isinstance(phase.count, int):
        parts.append(plural(phase.count, "dose"))
    elif phase.count == NOT_REPORTED or phase.duration == NOT_REPORTED:
        parts.append("number of doses not reported")
    if isinstance(phase.duration, Duration):
        parts.append(f"for {phase.duration} (doses strictly before the end)")
    if index > 1 if follows is None else follows:
        if phase.wait is not None:
            parts.append(f"starts {phase.wait} after the previous phase's last dose")
        else:
            parts.append("starts where the previous phase's next dose would fall")
    return f"phase {index}: " + ", ".join(parts)


def dose_row(dose: PlannedDose, start: dt.date | None) -> dict[str, Any]:
    """A dose's number, phase and time, as data (day is None when it needs a start date)."""
    day = dose.time.days if start is None else dose.time.day_on(start)
    date = dose.time.date(start) if start is not None else None
    return {
        "number": dose.number,
        "phase": dose.phase,
        "offset": str(dose.time),
        "day": day,
        "date": date.isoformat() if date else None,
        "weekday": date.strftime("%a") if date else None,
    }


def expansions(
    regimen: Regimen, *, context: str = "", start: dt.date | None = None
) -> dict[Which, tuple[PlannedDose, ...]]:
    """The minimum and maximum schedules of a range regimen, or just one ('min') otherwise.

    ``start`` is the date of the first dose (see :meth:`Regimen.first_dose_date`)."""
    if regimen.is_range:
        return {
            "min": regimen.expand("min", context=context, start=start),
            "max": regimen.expand("max", context=context, start=start),
        }
    return {"min": regimen.expand("min", context=context, start=start)}


def weekday_note(regimen: Regimen, start: dt.date | None) -> str | None:
    """Why the days of a weekday pattern are what they are: the first dose moved to a listed
    weekday, or (without a start date) day 0 taken as a listed weekday."""
    if not regimen.has_weekdays:
        return None
    if start is not None:
        return regimen.first_dose_note(start)
    day0 = regimen.reference_start()
    return f"weekdays: day 0 is taken as a {day0:%A}; give a start date for the real days"


def schedule_summary(regimen: Regimen, start: dt.date | None) -> str:
    """One line: dose days (or why they are not known)."""
    try:
        schedules = expansions(regimen, start=start)
    except CelldoseError as exc:
        return f"dose days: unknown ({exc.message})"
    lines = []
    for which, doses in schedules.items():
        label = "" if len(schedules) == 1 else f"{which} schedule: "
        rows = [dose_row(d, start) for d in doses]
        if all(r["day"] is not None for r in rows):
            days = ", ".join(str(r["day"]) for r in rows)
            lines.append(
                f"{label}{plural(len(rows), 'dose')} on day{'s' if len(rows) > 1 else ''} {days}"
            )
        else:
            offsets = ", ".join(r["offset"] for r in rows)
            lines.append(
                f"{label}{plural(len(rows), 'dose')} at {offsets} (calendar months: days "
                "depend on the start date, give --start)"
            )
    return "; ".join(lines)


_STARTS = {
    "next dose": "starts where the course's next dose would fall",
    "decision": "starts on the assessment day",
    "not reported": "start not reported: planned from the assessment day (labelled as assumed)",
}


def describe_decision(regimen: Regimen, start: dt.date | None) -> list[str]:
    """Lines for a regimen's decision: the assessment, its notes, and each branch with its
    condition, start, reported share, phases and dose days (numbered on after the course)."""
    decision = regimen.decision
    if decision is None:
        return []
    lines = [f"decision: assess on {decision.assess} after the first dose"]
    lines += [f"  {note}" for note in decision.notes]
    phases = len(regimen.phases)
    for branch in decision.branches:
        lines.append(f"branch {branch.name}: if {branch.condition}; {_STARTS[branch.start]}")
        if branch.share is not None:
            source = f" ({branch.share.source})" if branch.share.source else ""
            lines.append(f"  share from the source: {branch.share.k}/{branch.share.n}{source}")
        for i, phase in enumerate(branch.phases, start=1):
            lines.append(f"  {describe_phase(phase, phases + i, follows=i > 1)}")
        try:
            doses = regimen.expand_branch(branch.name, start=start)
        except CelldoseError as exc:
            lines.append(f"  dose days: unknown ({exc.message})")
            continue
        rows = [dose_row(d, start) for d in doses]
        first, last = rows[0]["number"], rows[-1]["number"]
        numbers = f"dose {first}" if first == last else f"doses {first}–{last}"
        if all(r["day"] is not None for r in rows):
            days = "day" if first == last else "days"
            lines.append(f"  {numbers} on {days} " + ", ".join(str(r["day"]) for r in rows))
        else:
            lines.append(f"  {numbers} at " + ", ".join(r["offset"] for r in rows))
    return lines


def schedule_words(regimen: str, which: Which) -> str:
    """How the ``which`` schedule of a plan's range regimen (its shorthand) differs from the
    other: 'fewest doses a week', or 'longest interval, every 6 months: the latest dates'."""
    try:
        from celldose.protocols import parse_regimen  # loaded on first use: see protocols' _LAZY

        words = parse_regimen(regimen).schedule_words(which)
    except CelldoseError:
        words = ""
    return words or ("fewest doses a week" if which == "min" else "most doses a week")
