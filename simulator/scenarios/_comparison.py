"""Timeline lanes and the comparison table: what `celldose plot` and `celldose compare` show.

The data side of the figures, with no matplotlib: :func:`build_lanes` turns protocols into
:class:`Lane` objects (one per arm: every dose's day, dose and cells, the reported response
windows placed in days, the follow-up), and :func:`comparison_rows` turns lanes into the rows of
the comparison table. The drawing code (``_timeline``) only reads lanes.

Conventions, all of them shown on the figure or in the table:

- Every lane is aligned at its first dose (day 0).
- Calendar months are calendar months. With a start date, days are counted on the calendar.
  Without one, month steps are placed *for the x position only* as if the first dose were on
  :data:`REFERENCE_START` (1 January 2001): monthly ×4 falls on days 0, 31, 59, 90. The table
  never uses this reference: it writes such times as ``+3 months``.
- Response windows are placed from their anchor dose (first, last or dose N). With a frequency
  range, the window spans the earliest start and the latest end over the two schedules.
- The follow-up is counted from the first dose.
- Values a source does not report stay unknown (``None``) unless the caller supplies them
  (``dose``, ``count``, ``interval``): a lane without a dose is still drawn (hollow markers).
- Responders k/n come with a Wilson 95% interval (:func:`wilson_interval`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeAlias, TypedDict, TypeVar

from celldose.protocols._calendar import DoseTime, Duration, parse_duration
from celldose.protocols._display import format_sig
from celldose.protocols._dose import Dose, parse_dose
from celldose.protocols._errors import NotReportedError, OptionError
from celldose.protocols._load import load_protocol
from celldose.protocols._protocol import Arm, Protocol, Responders, ResponseWindow
from celldose.protocols._regimen import NOT_REPORTED, Regimen, Which
from celldose.simulator.dosing._patient import Patient, Weight, make_patient
from celldose.simulator.dosing._schedule import (
    DoseOptions,
    fill_unreported,
    plan_doses,
    resolve_phase_doses,
    treatment_arm,
)
from celldose.simulator.dosing._species import get_species

REFERENCE_START = dt.date(2001, 1, 1)
"""Where calendar-month doses are placed on a figure when no start date is given."""

DAYS_PER_MONTH = 30.4375
"""Length of one unit of a 'months' x axis (365.25 / 12 days); positions stay calendar-exact."""

Z95 = 1.959963984540054
"""The standard normal quantile for a two-sided 95% interval."""

ANY = "*"
"""Key of a per-protocol mapping whose value fills every protocol that does not report it."""

DoseSource = Literal["published", "given", "not reported"]
FollowUpStatus = Literal["reported", "not reported", "absent"]
V = TypeVar("V")
PerProtocol: TypeAlias = V | Mapping[str, V]


# -- responders --------------------------------------------------------------------------------
def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of the proportion k/n (95% by default).

    p̂ = k/n; centre = (p̂ + z²/2n) / (1 + z²/n);
    half width = z √(p̂(1 − p̂)/n + z²/4n²) / (1 + z²/n).
    It stays inside [0, 1] and is not degenerate at k = 0 or k = n, unlike the Wald interval.

    >>> [round(v, 3) for v in wilson_interval(3, 6)]
    [0.188, 0.812]
    >>> [round(v, 3) for v in wilson_interval(0, 3)]
    [0.0, 0.561]
    """
    if n < 1 or not 0 <= k <= n:
        raise OptionError(f"responders {k}/{n} are not a proportion", "give 0 <= k <= n, n >= 1")
    p = k / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # At k = 0 (k = n) the lower (upper) bound is exactly 0 (1); avoid a -1e-17 from rounding.
    low = 0.0 if k == 0 else centre - half
    high = 1.0 if k == n else centre + half
    return low, high


def _percent(value: float, decimals: int) -> str:
    text = f"{value * 100:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def responders_text(responders: Responders | None | str, *, fraction: bool = True) -> str:
    """``3/6 (50%; 95% CI 19–81%)``; ``not reported``; ``—`` when the window gives none.

    With ``fraction=False`` the k/n is left out: ``50%; 95% CI 19–81%``.
    """
    if responders is None:
        return "—"
    if isinstance(responders, str):
        return "not reported"
    low, high = wilson_interval(responders.k, responders.n)
    share = _percent(responders.k / responders.n, 1)
    ci = f"{share}%; 95% CI {_percent(low, 0)}–{_percent(high, 0)}%"
    return f"{responders.k}/{responders.n} ({ci})" if fraction else ci


# -- lanes -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LaneDose:
    """One dose on a lane. ``dose`` is None when the source does not report it (and none was
    given); then the cells are unknown too."""

    number: int
    phase: int
    offset: str  # the dose's time as the regimen gives it: 'day 14', '+2 months'
    calendar: bool  # the time includes calendar months (its day depends on the start date)
    day: int  # x position: days from the first dose (see the module docstring for months)
    date: dt.date | None  # with a start date
    dose: Dose | None
    source: DoseSource
    cells_per_kg: float | None
    cells: float | None  # for the patient (with a weight), or a flat dose
    cumulative_cells_per_kg: float | None
    cumulative_cells: float | None


@dataclass(frozen=True)
class LaneSchedule:
    """The doses of one schedule; a frequency range has a 'min' and a 'max' schedule."""

    which: Which | None
    doses: tuple[LaneDose, ...]
    label: str | None = None  # a range's schedule in words: 'twice weekly'

    @property
    def last_day(self) -> int:
        return self.doses[-1].day

    @property
    def total_cells_per_kg(self) -> float | None:
        return self.doses[-1].cumulative_cells_per_kg

    @property
    def total_cells(self) -> float | None:
        return self.doses[-1].cumulative_cells


@dataclass(frozen=True)
class LaneWindow:
    """A reported response window placed on a lane: ``start_day``/``end_day`` are None where
    the source does not report that end."""

    window: ResponseWindow
    start_day: int | None
    end_day: int | None
    anchor_day: int | None  # day of the anchor dose (None: the anchor dose does not exist)
    note: str | None = None

    @property
    def label(self) -> str:
        return self.window.label

    @property
    def responders(self) -> Responders | None:
        r = self.window.responders
        return r if isinstance(r, Responders) else None

    @property
    def known(self) -> Literal["both", "start", "end", "neither"]:
        if self.start_day is not None and self.end_day is not None:
            return "both"
        if self.start_day is not None:
            return "start"
        if self.end_day is not None:
            return "end"
        return "neither"

    @property
    def interval(self) -> tuple[float, float] | None:
        r = self.responders
        return None if r is None else wilson_interval(r.k, r.n)

    def responders_text(self) -> str:
        """Responders with their interval; without k/n when the label already gives it."""
        r = self.responders
        repeated = r is not None and f"{r.k}/{r.n}" in self.label
        return responders_text(self.window.responders, fraction=not repeated)

    def span_text(self) -> str:
        """When the window is, in the source's own terms: ``1–28 weeks after first dose``."""
        w = self.window
        anchor = w.anchor
        start = w.start if isinstance(w.start, Duration) else None
        end = w.end if isinstance(w.end, Duration) else None
        if start is not None and end is not None:
            if start.unit == end.unit:
                return f"{start.amount}–{end} after {anchor}"
            return f"{start}–{end} after {anchor}"
        if start is not None:
            begins = f"from {anchor}" if start.amount == 0 else f"from {start} after {anchor}"
            return f"{begins}, end not reported"
        if end is not None:
            return f"until {end} after {anchor}, start not reported"
        return "timing not reported"


@dataclass(frozen=True)
class Lane:
    """One arm of one protocol, ready to draw or tabulate. Build it with :func:`build_lanes`."""

    protocol_id: str
    protocol_title: str
    species: str
    arm: str
    arm_label: str
    n: int | None
    regimen: str  # dose and schedule in words, with the values given for unreported ones
    dose_source: DoseSource
    dose_replaced: bool  # a given dose replaced a reported one (labelled on the figure)
    given: tuple[str, ...]  # unreported values given by the user: dose, number of doses, interval
    schedules: tuple[LaneSchedule, ...]
    windows: tuple[LaneWindow, ...]
    follow_up: Duration | None
    follow_up_status: FollowUpStatus
    follow_up_day: int | None
    start: dt.date | None
    uses_reference: bool  # month steps placed from REFERENCE_START (no start date given)
    patient: Patient | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        """A stable id, used for SVG element ids: ``chen2024-itp-ucmsc.expansion-2.0``."""
        return f"{self.protocol_id}.{self.arm}"

    @property
    def is_range(self) -> bool:
        return len(self.schedules) > 1

    @property
    def doses(self) -> tuple[LaneDose, ...]:
        return tuple(d for s in self.schedules for d in s.doses)

    @property
    def dose_known(self) -> bool:
        return all(d.dose is not None for d in self.doses)

    @property
    def per_kg_known(self) -> bool:
        return all(d.cells_per_kg is not None for d in self.doses)

    @property
    def last_day(self) -> int:
        return max(s.last_day for s in self.schedules)

    @property
    def end_day(self) -> int:
        """The last day with something reported on it: last dose, window ends, follow-up."""
        days = [self.last_day]
        for w in self.windows:
            days += [d for d in (w.start_day, w.end_day) if d is not None]
        if self.follow_up_day is not None:
            days.append(self.follow_up_day)
        return max(days)

    def first_window(self) -> LaneWindow | None:
        """The earliest reported window (windows whose start is not reported come last)."""
        if not self.windows:
            return None
        order = sorted(
            range(len(self.windows)),
            key=lambda i: (
                self.windows[i].start_day is None,
                self.windows[i].start_day or 0,
                i,
            ),
        )
        return self.windows[order[0]]

    def follow_up_text(self) -> str:
        if self.follow_up_status == "reported":
            return f"follow-up {self.follow_up}"
        if self.follow_up_status == "not reported":
            return "follow-up not reported"
        return ""


def _origin(start: dt.date | None) -> dt.date:
    return start if start is not None else REFERENCE_START


def needs_dose(protocol: Protocol, arm: Arm) -> bool:
    """True when some phase of ``arm`` has no reported dose."""
    return any(
        not isinstance(protocol.phase_dose(arm, i), Dose)
        for i in range(1, len(arm.regimen.phases) + 1)
    )


def needs_count(arm: Arm) -> bool:
    return any(p.count == NOT_REPORTED or p.duration == NOT_REPORTED for p in arm.regimen.phases)


def needs_interval(arm: Arm) -> bool:
    return any(p.every == NOT_REPORTED for p in arm.regimen.phases)


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
    regimen = fill_unreported(chosen.regimen, options, context)
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
        planned = regimen.expand(which, context=context)
        times_by_schedule.append(tuple(p.time for p in planned))
        records = plan.schedules[s].doses if plan is not None else None
        doses: list[LaneDose] = []
        per_kg_total: float | None = 0.0
        cells_total: float | None = 0.0
        for i, item in enumerate(planned):
            uses_reference = uses_reference or (start is None and item.time.has_months)
            phase_dose = phase_doses[item.phase - 1]
            per_kg: float | None
            cells: float | None
            if records is not None:
                record = records[i]
                assert record.dose == phase_dose, "lane and dose plan disagree"
                cells, per_kg = record.cells, record.cells_per_kg
            else:
                per_kg, cells = _amounts(phase_dose, patient, bsa)
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
    return Lane(
        protocol_id=protocol.id,
        protocol_title=protocol.title,
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
        warnings=tuple(warnings),
    )


_TIMES = {1: "once weekly", 2: "twice weekly"}


def _frequency_words(regimen: Regimen, which: Which) -> str:
    """'twice weekly' for the max schedule of 'once or twice weekly' (phases joined)."""
    words = []
    for phase in regimen.phases:
        times = phase.times(which)
        if phase.is_range and times is not None:
            words.append(_TIMES.get(times, f"{times}×/week"))
    return " then ".join(words)


def _needs_bsa(doses: Iterable[Dose | None]) -> bool:
    return any(d is not None and d.basis == "per m²" for d in doses)


def _amounts(
    dose: Dose | None, patient: Patient | None, bsa: float | None
) -> tuple[float | None, float | None]:
    """(cells per kg, cells) of one dose without a dose plan: whatever can be known."""
    if dose is None:
        return None, None
    if dose.basis == "per kg":
        return dose.amount, dose.amount * patient.weight_kg if patient is not None else None
    if dose.basis == "flat":
        return (dose.amount / patient.weight_kg if patient is not None else None), dose.amount
    if patient is not None and bsa is not None:
        cells = dose.amount * bsa
        return cells / patient.weight_kg, cells
    return None, None


def _place_window(
    window: ResponseWindow, schedules: Sequence[tuple[DoseTime, ...]], origin: dt.date
) -> LaneWindow:
    starts: list[int] = []
    ends: list[int] = []
    anchors: list[int] = []
    note = None
    anchor = window.anchor_dose
    for times in schedules:
        index = len(times) - 1 if anchor == "last" else anchor - 1
        if index >= len(times):
            note = f"its anchor, dose {anchor}, is after the last dose ({len(times)})"
            continue
        at = times[index]
        anchors.append(at.day_on(origin))
        if isinstance(window.start, Duration):
            starts.append(at.plus(window.start.as_time()).day_on(origin))
        if isinstance(window.end, Duration):
            ends.append(at.plus(window.end.as_time()).day_on(origin))
    return LaneWindow(
        window=window,
        start_day=min(starts) if starts else None,
        end_day=max(ends) if ends else None,
        anchor_day=min(anchors) if anchors else None,
        note=note,
    )


class LaneOptions(TypedDict, total=False):
    """The keyword options of :func:`build_lanes`, which the drawing functions pass on."""

    arms: Sequence[str] | None
    weight: PerProtocol[str | Weight] | None
    height: str | None
    dose: PerProtocol[str | Dose] | None
    count: PerProtocol[int] | None
    interval: PerProtocol[str | Duration] | None
    start: dt.date | None


# -- many protocols ----------------------------------------------------------------------------
def _per_protocol(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    return {ANY: value}


def split_assignment(text: str) -> tuple[str, str]:
    """``"jang2025-canine-itp=12kg"`` -> (id, value); ``"12kg"`` -> ("*", value)."""
    key, sep, value = text.partition("=")
    if sep and key.strip() and " " not in key.strip():
        return key.strip(), value.strip()
    return ANY, text.strip()


def build_lanes(
    sources: Sequence[Protocol | str] | Protocol | str,
    *,
    arms: Sequence[str] | None = None,
    weight: PerProtocol[str | Weight] | None = None,
    height: str | None = None,
    dose: PerProtocol[str | Dose] | None = None,
    count: PerProtocol[int] | None = None,
    interval: PerProtocol[str | Duration] | None = None,
    start: dt.date | None = None,
) -> tuple[Lane, ...]:
    """Lanes for every treatment arm of every protocol (library ids, files or Protocols).

    ``arms`` selects arms: ``"expansion-2.0"`` (in every protocol that has it) or
    ``"chen2024-itp-ucmsc:expansion-2.0"``; protocols with no selected arm keep all their
    treatment arms (placebo arms have no cells and are left out).

    ``weight``, ``dose``, ``count`` and ``interval`` take one value, or a mapping from protocol
    id to value. A single value (or the key ``"*"``) is used for every protocol that needs it:
    a weight for all of them (a patient of each protocol's species), a dose, count or interval
    only where the source does not report it. A value under a protocol's id is used for that
    protocol as `celldose dose` would use it.

    >>> [lane.arm for lane in build_lanes("chen2024-itp-ucmsc", arms=["expansion-2.0"])]
    ['expansion-2.0']
    """
    if isinstance(sources, Protocol | str):
        sources = [sources]
    protocols = [p if isinstance(p, Protocol) else load_protocol(p) for p in sources]
    if not protocols:
        raise OptionError("no protocol given", "name one or more library ids or files")
    ids = [p.id for p in protocols]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise OptionError(f"protocol {', '.join(repeated)} is given twice", "give it once")
    selection = _select_arms(protocols, arms or ())
    values = {
        "weight": _per_protocol(weight),
        "dose": _per_protocol(dose),
        "count": _per_protocol(count),
        "interval": _per_protocol(interval),
    }
    for option, mapping in values.items():
        unknown = sorted(k for k in mapping if k != ANY and k not in ids)
        if unknown:
            raise OptionError(
                f"--{option} names {', '.join(unknown)}, which is not among the protocols",
                "use one of: " + ", ".join(ids),
            )
    used: dict[str, bool] = {name: False for name in values}
    lanes: list[Lane] = []
    for protocol in protocols:
        patient = None
        w = values["weight"].get(protocol.id, values["weight"].get(ANY))
        if w is not None:
            used["weight"] = True
            patient = make_patient(get_species(protocol.species), w, height=height)
        for arm in selection[protocol.id]:
            chosen_dose = _choose(
                values["dose"], protocol.id, needs_dose(protocol, arm), used, "dose"
            )
            chosen_count = _choose(values["count"], protocol.id, needs_count(arm), used, "count")
            chosen_interval = _choose(
                values["interval"], protocol.id, needs_interval(arm), used, "interval"
            )
            lanes.append(
                build_lane(
                    protocol,
                    arm.name,
                    patient=patient,
                    dose=_as_dose(chosen_dose),
                    count=_as_count(chosen_count),
                    interval=_as_duration(chosen_interval),
                    start=start,
                )
            )
    for option, mapping in values.items():
        if ANY in mapping and not used[option]:
            what = {"count": "number of doses"}.get(option, option)
            raise OptionError(
                f"every protocol reports its {what}, so --{option} {mapping[ANY]} is not used",
                f"drop --{option}, or write ID={mapping[ANY]} to replace one protocol's value",
            )
    return tuple(lanes)


def _choose(
    mapping: Mapping[str, Any], protocol_id: str, needed: bool, used: dict[str, bool], name: str
) -> Any:
    if protocol_id in mapping:
        used[name] = True
        return mapping[protocol_id]
    if needed and ANY in mapping:
        used[name] = True
        return mapping[ANY]
    return None


def _as_dose(value: str | Dose | None) -> Dose | None:
    return parse_dose(value) if isinstance(value, str) else value


def _as_count(value: int | str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise OptionError(f"--count {value!r} is not a whole number", "e.g. --count 8") from None
    if number < 1:
        raise OptionError(f"--count must be at least 1, not {number}")
    return number


def _as_duration(value: str | Duration | None) -> Duration | None:
    return parse_duration(value) if isinstance(value, str) else value


def _select_arms(protocols: Sequence[Protocol], arms: Sequence[str]) -> dict[str, list[Arm]]:
    chosen: dict[str, list[str]] = {p.id: [] for p in protocols}
    by_id = {p.id: p for p in protocols}
    for text in arms:
        protocol_id, sep, name = text.rpartition(":")
        if sep:
            if protocol_id not in by_id:
                raise OptionError(
                    f"--arm {text}: {protocol_id} is not among the protocols",
                    "use one of: " + ", ".join(by_id),
                )
            targets = [by_id[protocol_id]]
        else:
            targets = [p for p in protocols if any(a.name == name for a in p.arms)]
            if not targets:
                every = [f"{p.id}:{a.name}" for p in protocols for a in p.arms]
                raise OptionError(
                    f"no protocol has an arm {name!r}", "choose one of: " + ", ".join(every)
                )
        for protocol in targets:
            protocol.arm(name)  # raises with the list of arms when it does not exist
            if name not in chosen[protocol.id]:
                chosen[protocol.id].append(name)
    selection: dict[str, list[Arm]] = {}
    for protocol in protocols:
        names = chosen[protocol.id]
        if names:
            selection[protocol.id] = [a for a in protocol.arms if a.name in names]
        else:
            selection[protocol.id] = [a for a in protocol.arms if not a.is_placebo]
    return selection


# -- the comparison table ----------------------------------------------------------------------
@dataclass(frozen=True)
class ComparisonRow:
    """One row of `celldose compare`: one arm (one schedule of a frequency range)."""

    lane: Lane
    schedule: LaneSchedule

    @property
    def doses(self) -> int:
        return len(self.schedule.doses)

    def _distinct(self, values: Iterable[float | None]) -> tuple[float, ...] | None:
        out: list[float] = []
        for v in values:
            if v is None:
                return None
            if v not in out:
                out.append(v)
        return tuple(out)

    @property
    def dose_texts(self) -> tuple[str, ...]:
        out: list[str] = []
        for d in self.schedule.doses:
            text = "not reported" if d.dose is None else str(d.dose)
            if text not in out:
                out.append(text)
        return tuple(out)

    @property
    def cells_per_kg_per_dose(self) -> tuple[float, ...] | None:
        return self._distinct(d.cells_per_kg for d in self.schedule.doses)

    @property
    def cells_per_dose(self) -> tuple[float, ...] | None:
        return self._distinct(d.cells for d in self.schedule.doses)

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
)


def comparison_rows(lanes: Iterable[Lane]) -> tuple[ComparisonRow, ...]:
    """One row per lane, two (min and max schedule) for a frequency range."""
    return tuple(ComparisonRow(lane, s) for lane in lanes for s in lane.schedules)


def format_cells(values: tuple[float, ...] | None, unit: str) -> str:
    """``2×10⁶ cells/kg``; several values joined with ``then``; ``—`` when unknown."""
    if values is None:
        return "—"
    return " then ".join(f"{format_sig(v)} {unit}" for v in values)


def comparison_notes(lanes: Sequence[Lane], *, aligned: bool = True) -> tuple[str, ...]:
    """Notes for the table and the figure caption (``aligned``: say that the protocols are
    aligned at their first dose, when there are several)."""
    notes = []
    if aligned and len({lane.protocol_id for lane in lanes}) > 1:
        notes.append("every protocol is aligned at its first dose (day 0)")
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
    return tuple(notes)


__all__ = [
    "ANY",
    "COMPARISON_COLUMNS",
    "DAYS_PER_MONTH",
    "REFERENCE_START",
    "ComparisonRow",
    "Lane",
    "LaneDose",
    "LaneOptions",
    "LaneSchedule",
    "LaneWindow",
    "build_lane",
    "build_lanes",
    "comparison_notes",
    "comparison_rows",
    "format_cells",
    "responders_text",
    "split_assignment",
    "wilson_interval",
]
