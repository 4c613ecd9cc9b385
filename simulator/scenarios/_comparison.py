"""The comparison of protocols: one row per arm (per schedule of a frequency range), as data.

:func:`compare` builds the lanes (:func:`~._lane_sets.build_lanes`) and returns a frozen
:class:`Comparison`; its :meth:`~Comparison.to_dict` is the object `celldose compare --format
json` writes and :meth:`~Comparison.records` its CSV rows (:data:`COMPARISON_COLUMNS`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from celldose.protocols import Duration, Protocol, format_sig, route_info
from celldose.simulator.dosing import Weight, data_frame, html_table
from celldose.simulator.scenarios._lane_model import Lane, LaneDose, LaneSchedule
from celldose.simulator.scenarios._lane_sets import PerProtocol, build_lanes
from celldose.simulator.scenarios._options import as_date

if TYPE_CHECKING:
    import pandas

    from celldose.protocols import Dose


@dataclass(frozen=True)
class ComparisonRow:
    """One row of `celldose compare`: one arm (one schedule of a frequency range)."""

    lane: Lane
    schedule: LaneSchedule

    @property
    def doses(self) -> int:
        return len(self.schedule.doses)

    @property
    def dose_texts(self) -> tuple[str, ...]:
        out: list[str] = []
        for d in self.schedule.doses:
            text = "not reported" if d.dose is None else d.dose.labelled()
            if d.dose is not None and self.lane.band is not None:
                text += f" (weight band {self.lane.band})"
            if text not in out:
                out.append(text)
        return tuple(out)

    def _distinct_pairs(self, per_kg: bool) -> tuple[tuple[float, float], ...] | None:
        """The distinct (lower bound, value) pairs of the doses, in order: a dose range's
        bounds stay paired (``1×10⁸–2×10⁸ then 1×10⁸``)."""
        out: list[tuple[float, float]] = []
        for d in self.schedule.doses:
            value = d.cells_per_kg if per_kg else d.cells
            if value is None:
                return None
            pair = (value * d.low_fraction, value)
            if pair not in out:
                out.append(pair)
        return tuple(out)

    @property
    def cells_per_kg_per_dose(self) -> tuple[float, ...] | None:
        pairs = self._distinct_pairs(per_kg=True)
        return None if pairs is None else tuple(v for _, v in pairs)

    @property
    def cells_per_dose(self) -> tuple[float, ...] | None:
        pairs = self._distinct_pairs(per_kg=False)
        return None if pairs is None else tuple(v for _, v in pairs)

    @property
    def is_range(self) -> bool:
        """True when some dose is a dose range (its upper bound is in the single numbers)."""
        return any(d.dose is not None and d.dose.is_range for d in self.schedule.doses)

    def _lows(self, values: Iterable[tuple[float | None, LaneDose]]) -> list[float | None]:
        """Each value at its dose range's lower bound (the dose plan's bounds, after its
        limits; without a patient, cells scale with the dose amount)."""
        return [None if value is None else value * d.low_fraction for value, d in values]

    @property
    def cells_per_kg_per_dose_low(self) -> tuple[float, ...] | None:
        """:attr:`cells_per_kg_per_dose` at the lower bound of a range (None without one)."""
        pairs = self._distinct_pairs(per_kg=True)
        return None if not self.is_range or pairs is None else tuple(low for low, _ in pairs)

    @property
    def cells_per_dose_low(self) -> tuple[float, ...] | None:
        """:attr:`cells_per_dose` at the lower bound of a range (None without one)."""
        pairs = self._distinct_pairs(per_kg=False)
        return None if not self.is_range or pairs is None else tuple(low for low, _ in pairs)

    def _total_low(self, per_kg: bool) -> float | None:
        if not self.is_range:
            return None
        lows = self._lows((d.cells_per_kg if per_kg else d.cells, d) for d in self.schedule.doses)
        return None if any(v is None for v in lows) else sum(v or 0.0 for v in lows)

    @property
    def total_cells_per_kg_low(self) -> float | None:
        return self._total_low(per_kg=True)

    @property
    def total_cells_low(self) -> float | None:
        return self._total_low(per_kg=False)

    @property
    def course_days(self) -> int | None:
        """Days from the first to the last dose; None for calendar months without a start."""
        last = self.schedule.doses[-1]
        return None if self.lane.start is None and last.calendar else last.day

    @property
    def last_dose(self) -> str:
        last = self.schedule.doses[-1]
        days = self.course_days
        return f"day {days}" if days is not None else last.offset

    def record(self) -> dict[str, Any]:
        """A plain dict for JSON and CSV (field names are stable, see the README)."""
        lane = self.lane
        window = lane.first_window()
        responders = window.responders if window is not None else None
        interval = window.interval if window is not None else None
        patient = lane.patient
        return {
            "protocol": lane.protocol_id,
            "arm": lane.arm,
            "species": lane.species,
            "route": lane.route,
            "n": lane.n,
            "schedule": self.schedule.which,
            "regimen": lane.regimen,
            "doses": self.doses,
            "dose": " then ".join(self.dose_texts),
            "dose_source": lane.dose_source,
            "given": ", ".join(lane.given) or None,
            "cells_per_kg_per_dose": _one_or_list(self.cells_per_kg_per_dose),
            "total_cells_per_kg": self.schedule.total_cells_per_kg,
            "weight_kg": patient.weight_kg if patient is not None else None,
            "cells_per_dose": _one_or_list(self.cells_per_dose) if patient is not None else None,
            "total_cells": self.schedule.total_cells if patient is not None else None,
            "last_dose": self.schedule.doses[-1].offset,
            "course_days": self.course_days,
            "follow_up": (str(lane.follow_up) if lane.follow_up is not None else _status(lane)),
            "window": None if window is None else window.label,
            "window_when": None if window is None else window.span_text(),
            "window_anchor": None if window is None else window.window.anchor,
            "window_start": None if window is None else str(window.window.start),
            "window_end": None if window is None else str(window.window.end),
            "responders": None
            if window is None
            else (None if responders is None else f"{responders.k}/{responders.n}"),
            "responders_reported": None if window is None else responders is not None,
            "responders_k": None if responders is None else responders.k,
            "responders_n": None if responders is None else responders.n,
            "ci95_low": None if interval is None else interval[0],
            "ci95_high": None if interval is None else interval[1],
            "ci95_method": None if interval is None else "Wilson",
            "cells_per_kg_per_dose_low": _one_or_list(self.cells_per_kg_per_dose_low),
            "total_cells_per_kg_low": self.total_cells_per_kg_low,
            "cells_per_dose_low": _one_or_list(self.cells_per_dose_low)
            if patient is not None
            else None,
            "total_cells_low": self.total_cells_low if patient is not None else None,
        }


def _status(lane: Lane) -> str | None:
    return "not reported" if lane.follow_up_status == "not reported" else None


def _one_or_list(values: tuple[float, ...] | None) -> float | list[float] | None:
    if values is None:
        return None
    return values[0] if len(values) == 1 else list(values)


COMPARISON_COLUMNS = (
    "protocol",
    "arm",
    "species",
    "route",
    "n",
    "schedule",
    "regimen",
    "doses",
    "dose",
    "dose_source",
    "given",
    "cells_per_kg_per_dose",
    "total_cells_per_kg",
    "weight_kg",
    "cells_per_dose",
    "total_cells",
    "last_dose",
    "course_days",
    "follow_up",
    "window",
    "window_when",
    "window_anchor",
    "window_start",
    "window_end",
    "responders",
    "responders_reported",
    "responders_k",
    "responders_n",
    "ci95_low",
    "ci95_high",
    "ci95_method",
    "cells_per_kg_per_dose_low",
    "total_cells_per_kg_low",
    "cells_per_dose_low",
    "total_cells_low",
)


def comparison_rows(lanes: Iterable[Lane]) -> tuple[ComparisonRow, ...]:
    """One row per lane, two (min and max schedule) for a frequency range."""
    return tuple(ComparisonRow(lane, s) for lane in lanes for s in lane.schedules)


def format_cells(
    values: tuple[float, ...] | None, unit: str, lows: tuple[float, ...] | None = None
) -> str:
    """``2×10⁶ cells/kg``; several values joined with ``then``; ``—`` when unknown; with
    ``lows`` (a dose range's lower bounds), both bounds: ``1×10⁶–2×10⁶ cells/kg``."""
    if values is None:
        return "—"
    if lows is not None and len(lows) == len(values):
        return " then ".join(
            f"{format_sig(v)} {unit}" if low == v else f"{format_sig(low)}–{format_sig(v)} {unit}"
            for low, v in zip(lows, values, strict=True)
        )
    return " then ".join(f"{format_sig(v)} {unit}" for v in values)


def comparison_notes(
    lanes: Sequence[Lane],
    *,
    aligned: bool = True,
    route: bool = True,
    figure: bool = False,
    cumulative: bool = False,
) -> tuple[str, ...]:
    """Notes for the table, or with ``figure`` for a figure caption, which speak only of what
    is drawn (a figure has no table and no totals; ``cumulative``: it has a cumulative panel).
    ``aligned``: say that the protocols are aligned at their first dose, when there are
    several; ``route``: name every lane's route, for a figure, whose lanes have no route
    column."""
    notes = []
    if aligned and len({lane.protocol_id for lane in lanes}) > 1:
        notes.append("every protocol is aligned at its first dose (day 0)")
    if route and lanes:
        notes.append(route_note(lanes))
    if any(w.responders is not None for lane in lanes for w in lane.windows):
        notes.append("95% CI of responders: Wilson score interval")
    for what in ("dose", "number of doses", "interval"):
        given = sorted({lane.protocol_id for lane in lanes if what in lane.given})
        if given:
            notes.append(
                f"{what} not reported by the source, given by the user: {', '.join(given)}"
            )
    replaced = sorted({lane.protocol_id for lane in lanes if lane.dose_replaced})
    if replaced:
        notes.append(f"published dose replaced by a given one: {', '.join(replaced)}")
    if any(lane.dose_source == "not reported" for lane in lanes):
        missing = sorted({lane.protocol_id for lane in lanes if lane.dose_source == "not reported"})
        notes.append(f"dose not reported by the source: {', '.join(missing)}")
    ranged = sorted(
        {
            lane.key
            for lane in lanes
            if any(d.dose is not None and d.dose.is_range for d in lane.doses)
        }
    )
    if ranged:
        if not figure:
            shown = "; the table gives both bounds and the cumulative panel shades the band "
            shown += "between them"
        elif cumulative:
            shown = "; the cumulative panel shades the band between its bounds"
        else:
            shown = ""
        drawn = (
            "a dose range is drawn as a light circle at its upper bound around a full one at "
            "its lower bound"
            if figure
            else "a dose range is drawn at its upper bound (markers, single numbers)"
        )
        notes.append(drawn + shown + ": " + ", ".join(ranged))
    decided = sorted({lane.key for lane in lanes if lane.branches})
    if decided:
        if not figure:
            counted = "its branches are not counted in the totals"
        else:
            counted = (
                "its branches (given only if their condition is met) are drawn dashed on rows "
                "of their own"
            )
            if cumulative:
                counted += ", and dotted where they continue the course's cumulative dose"
        notes.append(f"the course stops at a decision; {counted}: " + ", ".join(decided))
    return tuple(notes)


def route_note(lanes: Sequence[Lane]) -> str:
    """``route: IV (intravenous)`` when every lane shares it; else ``route: IV (a, b); IM (c)``."""
    by_route: dict[str, list[str]] = {}
    for lane in lanes:
        ids = by_route.setdefault(lane.route, [])
        if lane.protocol_id not in ids:
            ids.append(lane.protocol_id)
    if len(by_route) == 1:
        (route,) = by_route
        label = route_info(route).label if route != "not reported" else route
        return f"route: {route}" + (f" ({label})" if label != route else "")
    return "route: " + "; ".join(f"{r} ({', '.join(ids)})" for r, ids in by_route.items())


@dataclass(frozen=True, repr=False)
class Comparison:
    """Protocols side by side, aligned at their first dose: lanes, rows, notes, warnings.

    ``figure`` is the file a figure of it was drawn to (None: none), and ``warnings`` include
    the figure's own.
    """

    lanes: tuple[Lane, ...]
    start: dt.date | None = None
    warnings: tuple[str, ...] = ()
    figure: str | None = None

    @property
    def rows(self) -> tuple[ComparisonRow, ...]:
        return comparison_rows(self.lanes)

    @property
    def notes(self) -> tuple[str, ...]:
        return comparison_notes(self.lanes)

    def records(self) -> list[dict[str, Any]]:
        """One plain dict per row (:data:`COMPARISON_COLUMNS`): the CSV rows."""
        return [row.record() for row in self.rows]

    def to_dict(self) -> dict[str, Any]:
        """The comparison as plain data: the object the JSON output of `celldose compare` holds."""
        return {
            "aligned_at": "first dose",
            "start": self.start.isoformat() if self.start is not None else None,
            "rows": self.records(),
            "notes": list(self.notes),
            "warnings": list(dict.fromkeys(self.warnings)),
            "figure": self.figure,
        }

    def to_pandas(self) -> pandas.DataFrame:
        """One row per comparison row (the CSV columns). Needs pandas."""
        return data_frame(self.records(), COMPARISON_COLUMNS)

    def __repr__(self) -> str:
        ids = list(dict.fromkeys(lane.protocol_id for lane in self.lanes))
        rows = len(self.rows)
        return f"Comparison({', '.join(ids)}: {rows} row{'' if rows == 1 else 's'})"

    def _repr_html_(self) -> str:
        headers = ("protocol", "arm", "doses", "dose", "total per kg", "last dose")
        body = [
            [
                r.lane.protocol_id,
                r.lane.arm if r.schedule.which is None else f"{r.lane.arm} ({r.schedule.which})",
                str(r.doses),
                " then ".join(r.dose_texts),
                format_cells(
                    None
                    if r.schedule.total_cells_per_kg is None
                    else (r.schedule.total_cells_per_kg,),
                    "cells/kg",
                ),
                r.last_dose,
            ]
            for r in self.rows
        ]
        return html_table(repr(self), headers, body, (*self.notes, *self.warnings))


def compare(
    protocols: Sequence[Protocol | str] | Protocol | str,
    *,
    arms: Sequence[str] | None = None,
    weight: PerProtocol[str | Weight] | None = None,
    height: str | None = None,
    dose: PerProtocol[str | Dose] | None = None,
    count: PerProtocol[int] | None = None,
    interval: PerProtocol[str | Duration] | None = None,
    start: str | dt.date | None = None,
) -> Comparison:
    """Compare protocols (library ids, files or Protocols), aligned at their first dose.

    The keywords act as in :func:`build_lanes`: one value for every protocol that needs it, or
    a mapping from protocol id to value.

    >>> c = compare(["chen2024-itp-ucmsc", "qi2017-sjogren-thrombocytopenia"], weight="70 kg")
    >>> [r.lane.arm for r in c.rows][:2]
    ['escalation-0.5', 'escalation-1.0']
    """
    day = as_date(start)
    lanes = build_lanes(
        protocols,
        arms=arms,
        weight=weight,
        height=height,
        dose=dose,
        count=count,
        interval=interval,
        start=day,
    )
    warnings = tuple(f"{lane.key}: {w}" for lane in lanes for w in lane.warnings)
    return Comparison(lanes=lanes, start=day, warnings=warnings)


__all__ = [
    "COMPARISON_COLUMNS",
    "Comparison",
    "ComparisonRow",
    "compare",
    "comparison_notes",
    "comparison_rows",
    "format_cells",
]
