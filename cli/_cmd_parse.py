"""`celldose parse "REGIMEN"`: the normalized reading of a one-line regimen and its dose days."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from celldose.cli._describe import (
    describe_decision,
    describe_phase,
    dose_row,
    expansions,
    weekday_note,
)
from celldose.cli._render import DATE, format_option, table, to_json
from celldose.protocols import parse_regimen, plural


@click.command(name="parse")
@click.argument("regimen")
@click.option(
    "--start",
    type=DATE,
    default=None,
    help="Date of the first dose (YYYY-MM-DD): adds dates, and day numbers for months.",
)
@format_option("table", "json")
def command(regimen: str, start: dt.date | None, fmt: str) -> None:
    """Read a one-line REGIMEN and print every dose's day (first dose = day 0).

    \b
    Examples:
      celldose parse "2×10⁶ cells/kg twice weekly ×8 then weekly ×4"
      celldose parse "2×10⁶ cells/kg monthly ×4" --start 2025-01-31 --format json
      celldose parse "1×10⁶ cells/kg once or twice weekly ×8"
      celldose parse "1×10⁶ cells/kg on Mondays and Thursdays ×6" --start 2026-01-04
      celldose parse "1×10⁶ cells/kg every 3 to 6 months ×3" --start 2026-01-05

    Monthly means calendar months (Jan 31, Feb 28, Mar 31, ...): without --start their day
    numbers are not known and are shown as month offsets.
    A weekday pattern's first dose falls on the first listed weekday on or after --start
    (said when that moves it); an interval range shows its latest and earliest schedules.
    """
    parsed = parse_regimen(regimen)
    note = weekday_note(parsed, start)
    if start is not None:
        start = parsed.first_dose_date(start)
    schedules = expansions(parsed, start=start)
    rows = {which: [dose_row(d, start) for d in doses] for which, doses in schedules.items()}
    if fmt == "json":
        from celldose.cli._envelope import envelope, provenance

        data = _as_json(regimen, parsed, rows, start, note)
        where = provenance(None, None, regimen)
        click.echo(to_json(envelope("regimen", provenance=where, **data)))
        return
    click.echo(f"regimen: {parsed.to_shorthand()}")
    if parsed.product:
        click.echo(f"product: {parsed.product} (dose from the protocol's dose field)")
    for i, phase in enumerate(parsed.phases, start=1):
        click.echo(describe_phase(phase, i))
    if parsed.limits:
        click.echo("limits: " + "; ".join(x.description for x in parsed.limits))
    for which, schedule in rows.items():
        title = (
            f"{plural(len(schedule), 'dose')}"
            if len(rows) == 1
            else (
                f"{which}imum schedule ({parsed.schedule_words(which)}): "
                f"{plural(len(schedule), 'dose')}"
            )
        )
        click.echo("")
        click.echo(title)
        headers = ["#", "phase", "day"] + (["date"] if start else [])
        body = []
        for r in schedule:
            day = str(r["day"]) if r["day"] is not None else r["offset"]
            body.append(
                [str(r["number"]), str(r["phase"]), day]
                + ([f"{r['date']} {r['weekday']}"] if start else [])
            )
        click.echo(table(headers, body, right=(0, 1, 2)))
    decision = describe_decision(parsed, start)
    if decision:
        click.echo("")
        click.echo("\n".join(decision))
    if any(r["day"] is None for sched in rows.values() for r in sched):
        click.echo("\nnote: calendar months have no fixed number of days; give --start for days.")
    if note is not None:
        click.echo(f"\nnote: {note}")


def _as_json(
    text: str,
    parsed: Any,
    rows: dict[Any, list[dict[str, Any]]],
    start: dt.date | None,
    note: str | None,
) -> dict[str, Any]:
    def days(schedule: list[dict[str, Any]]) -> list[int] | None:
        values = [r["day"] for r in schedule]
        return None if any(v is None for v in values) else values

    out: dict[str, Any] = {
        "input": text,
        "normalized": parsed.to_shorthand(),
        "product": parsed.product,
        "start": start.isoformat() if start else None,
        "range": parsed.is_range,
        "phases": [p.model_dump(mode="json", exclude_none=True) for p in parsed.phases],
    }
    if parsed.limits:
        out["limits"] = [x.model_dump(mode="json", exclude_none=True) for x in parsed.limits]
    if parsed.decision is not None:
        out["decision"] = parsed.decision.model_dump(mode="json", exclude_none=True)
        out["branch_doses"] = {
            b.name: [dose_row(d, start) for d in parsed.expand_branch(b.name, start=start)]
            for b in parsed.decision.branches
        }
    if parsed.is_range:
        out["days"] = None
        out["schedules"] = {
            which: {"days": days(schedule), "doses": schedule} for which, schedule in rows.items()
        }
    else:
        out["days"] = days(rows["min"])
        out["doses"] = rows["min"]
    if any(r["day"] is None for schedule in rows.values() for r in schedule):
        out["note"] = "calendar months: day offsets depend on the start date; give --start"
    if note is not None:
        out["weekdays_note"] = note
    return out
