"""NONMEM-style dosing records of dose plans: ``ID, TIME, AMT, EVID, CMT, II, ADDL, MDV`` (and
``RATE`` where the source gives an infusion duration or rate), as NONMEM, mrgsolve, Pumas and
PKPDsim's ``regimen_to_nm`` read them.

- ``ID`` numbers the plans 1..N in the order given; ``TIME`` is hours from each patient's
  first dose (days × 24); ``AMT`` is cells received (the upper bound of a dose range planned
  without a target, said in the comments); ``EVID`` 1 (a dose), ``MDV`` 1 (no observation),
  ``CMT`` 1 (the one dosing compartment: map it to the model's).
- A regular phase (a fixed interval in days or weeks: q4w, weekly, every 3 days, once weekly
  on one weekday) is one record per run of equal doses: ``II`` the interval in hours, ``ADDL``
  the doses after the record's own (q4w ×8: ``II`` 672, ``ADDL`` 7). Anything else is one
  record per dose: calendar months (their days depend on the dates), twice weekly and other
  weekday patterns, explicit days, doses moved off a weekend. ``expand=True`` gives one record
  per dose everywhere.
- ``RATE`` (cells/h) is ``AMT`` over the source's duration of one administration, or its rate
  in mL/min (or mL/h) times the concentration; without either, there is no ``RATE`` column (a
  0 would claim a bolus the source does not report).
- Only the doses of the course are records: a decision's branches not chosen (``branch=``)
  and doses a course maximum stopped are named in the comments, never dosed.
- A frequency or interval range needs one schedule (:meth:`DosePlan.with_schedule`), and
  calendar months need a start date: both refused otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from celldose.protocols import (
    NOT_REPORTED,
    REGIMEN_ID,
    OptionError,
    format_sig,
)
from celldose.simulator.dosing._dose_runs import (
    course_doses,
    dose_runs,
    plan_phases,
    read_duration,
)
from celldose.simulator.dosing._output import data_frame
from celldose.simulator.dosing._records import DosePlan
from celldose.simulator.dosing._schedule import DoseRecord

NONMEM_COLUMNS = ("ID", "TIME", "AMT", "EVID", "CMT", "II", "ADDL", "MDV")
HOURS_PER_DAY = 24


@dataclass(frozen=True)
class DosingRecord:
    """One dosing record: ``addl`` more doses follow the record's own, ``ii`` hours apart."""

    id: int
    time: int  # hours from the patient's first dose
    amt: float  # cells
    ii: int  # hours between the record's doses (0: one dose)
    addl: int  # additional doses after this record's own
    rate: float | None = None  # cells per hour, where the source gives a duration or a rate
    evid: int = 1  # a dose
    cmt: int = 1  # the dosing compartment
    mdv: int = 1  # no observation

    @property
    def times(self) -> tuple[int, ...]:
        """The hour of each dose the record stands for."""
        return tuple(self.time + k * self.ii for k in range(self.addl + 1))

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "ID": self.id,
            "TIME": self.time,
            "AMT": self.amt,
            "EVID": self.evid,
            "CMT": self.cmt,
            "II": self.ii,
            "ADDL": self.addl,
            "MDV": self.mdv,
        }
        if self.rate is not None:
            row["RATE"] = self.rate
        return row


@dataclass(frozen=True)
class DosingData:
    """The dosing records of one or more plans, and the comments that explain them."""

    records: tuple[DosingRecord, ...]
    comments: tuple[str, ...]  # celldose's own words, one line each (ASCII)
    warnings: tuple[str, ...]  # the plans' warnings, in API words
    has_rate: bool

    @property
    def columns(self) -> tuple[str, ...]:
        return (*NONMEM_COLUMNS, "RATE") if self.has_rate else NONMEM_COLUMNS

    def rows(self) -> list[dict[str, Any]]:
        return [r.row() for r in self.records]

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "records": self.rows(),
            "comments": list(self.comments),
            "warnings": list(self.warnings),
        }

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` of the records (needs pandas)."""
        return data_frame(self.rows(), list(self.columns))

    def __repr__(self) -> str:
        ids = len({r.id for r in self.records})
        doses = sum(r.addl + 1 for r in self.records)
        people = f"{ids} patient{'s' if ids != 1 else ''}"
        return f"DosingData({people}, {len(self.records)} records, {doses} doses)"


def nonmem_records(
    plans: DosePlan | Sequence[DosePlan],
    *,
    expand: bool = False,
) -> DosingData:
    """NONMEM-style dosing records of ``plans`` (one plan, or a list: IDs 1..N in order).

    The comments' ID map names each plan's patient by ``plan.identity`` (its id and name);
    ``expand=True`` writes one record per dose. See the module docstring for the rules.

    >>> import celldose
    >>> plan = celldose.plan_doses("jang2025-canine-itp", weight="12 kg", dose="1e6 cells/kg")
    >>> [r.row() for r in nonmem_records(plan).records]  # q4w ×8: II 28 × 24 h, ADDL 7
    [{'ID': 1, 'TIME': 0, 'AMT': 12000000.0, 'EVID': 1, 'CMT': 1, 'II': 672, 'ADDL': 7, 'MDV': 1}]
    """
    many = [plans] if isinstance(plans, DosePlan) else list(plans)
    if not many:
        raise OptionError("there is no plan to write as dosing records", "give at least one plan")
    rates = [_rate(plan) for plan in many]
    given = {rate is not None for rate, _ in rates}
    if len(given) > 1:
        raise OptionError(
            "some plans give an infusion duration or rate and others do not: a RATE of 0 would "
            "claim a bolus the source does not report",
            "write the plans with and without a rate in separate files",
        )
    records: list[DosingRecord] = []
    comments = [
        "celldose NONMEM-style dosing records: one line per dosing record, lines starting with "
        "# are comments (NM-TRAN: $DATA <file> IGNORE=@ skips them and the header)",
        f"$INPUT {' '.join(NONMEM_COLUMNS)}{' RATE' if True in given else ''}",
        "units: TIME and II in hours from each ID's first dose (days x 24); AMT in cells; "
        + ("RATE in cells/h; " if True in given else "")
        + "EVID 1 dose; MDV 1 no observation; CMT 1 the dosing compartment (map it to your "
        "model's); ADDL doses follow the record's own, II hours apart",
    ]
    warnings: list[str] = []
    for number, (plan, (per_hour, why)) in enumerate(zip(many, rates, strict=True), start=1):
        doses = course_doses(plan, "NONMEM-style dosing records")
        first = doses[0]
        who = plan.identity.label
        who = "no patient id given" if who is None else f"patient {who}"
        when = "" if first.date is None else f", first dose {first.date.isoformat()}"
        comments.append(
            f"ID {number}: {who}; {plan.patient.species.id}, {plan.patient.weight.text}{when} "
            "(TIME 0)"
        )
        comments.extend(_plan_comments(plan, number, why))
        phases = plan_phases(plan)
        for group in dose_runs(doses, phases, plan, expand):
            amt = group[0].cells
            records.append(
                DosingRecord(
                    id=number,
                    time=_hours(group[0]),
                    amt=amt,
                    ii=0 if len(group) == 1 else _hours(group[1]) - _hours(group[0]),
                    addl=len(group) - 1,
                    rate=None if per_hour is None else per_hour(amt),
                )
            )
        warnings.extend(w for w in plan.warnings if w not in warnings)
    return DosingData(
        tuple(records), tuple(ascii_text(c) for c in comments), tuple(warnings), True in given
    )


def _hours(dose: DoseRecord) -> int:
    assert dose.day is not None
    return dose.day * HOURS_PER_DAY


_RATE = re.compile(
    r"^\s*(?P<value>\d+(?:\.\d+)?)\s*mL\s*/\s*(?P<unit>min|h|hr|hour)\s*$", re.IGNORECASE
)


def _rate(plan: DosePlan) -> tuple[Callable[[float], float] | None, str]:
    """RATE (cells/h) as a function of AMT, and the comment that says where it comes from: AMT
    over the source's duration of one administration, or the source's rate in mL times the
    concentration; (None, why) without either."""
    facts = plan.administration
    if facts.duration != NOT_REPORTED:
        read = read_duration(facts.duration)
        if read is None:
            return None, (
                f"no RATE: the source's duration '{facts.duration}' is not a number of minutes "
                "or hours"
            )
        value, unit, tolerance = read
        hours = value / 60 if unit == "min" else value
        nominal = f" (reported {facts.duration}: its nominal value)" if tolerance else ""
        return (lambda amt: amt / hours), (
            f"RATE: AMT over the source's duration of {value:g} {unit}{nominal}"
        )
    if facts.rate != NOT_REPORTED:
        match = _RATE.match(facts.rate)
        concentration = plan.product.concentration_in_use
        if match is None or concentration is None:
            missing = "is not in mL/min or mL/h" if match is None else "needs the concentration"
            return None, f"no RATE: the source's rate '{facts.rate}' {missing}"
        ml_per_hour = float(match["value"]) * (60 if match["unit"].lower() == "min" else 1)
        if ml_per_hour <= 0:
            return None, f"no RATE: the source's rate '{facts.rate}' is not positive"
        cells_per_hour = ml_per_hour * concentration
        return (lambda amt: cells_per_hour), (
            f"RATE: the source's rate {facts.rate} x {format_sig(concentration)} cells/mL"
        )
    return None, "no RATE: the source reports no duration or rate of an administration"


def _plan_comments(plan: DosePlan, number: int, rate_note: str) -> list[str]:
    what = (
        "regimen (given with regimen=)"
        if plan.protocol_id == REGIMEN_ID
        else (f"protocol {plan.protocol_id}, arm {plan.arm}")
    )
    side = "" if plan.schedule is None else f" ({plan.schedule}imum schedule)"
    lines = [f"ID {number}: {what}: {plan.regimen}{side}; route {plan.route}"]
    if any(d.range is not None and d.range.use == "upper bound" for d in plan.doses):
        lines.append(
            f"ID {number}: AMT is the upper bound of the dose range (dose= chooses a target "
            "within it)"
        )
    lines.append(f"ID {number}: {rate_note}")
    for branch in plan.branches:
        if not branch.chosen:
            lines.append(
                f"ID {number}: branch {branch.name} (if {branch.condition}) is not in these "
                f"records: only the course is; branch={branch.name} adds it"
            )
        else:
            lines.append(
                f"ID {number}: branch {branch.name} (if {branch.condition}) is in these "
                "records, as if its condition were met"
            )
    stopped = [s.number for s in plan.schedules[0].stopped]
    if stopped:
        many = len(stopped) > 1
        lines.append(
            f"ID {number}: dose{'s' if many else ''} {', '.join(map(str, stopped))} "
            f"{'are not records' if many else 'is not a record'}: stopped by a course maximum"
        )
    return lines


_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_WORDS = {"×": "x", "–": "-", "—": "-", "±": "+/-", "≤": "<=", "≥": ">=", "µ": "u", "·": "."}


def ascii_text(text: str) -> str:
    """``text`` in ASCII for a data file's comment: ``1×10⁶ cells/m²`` -> ``1x10^6 cells/m^2``."""
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+", lambda m: "^" + m[0].translate(_SUPERSCRIPT), text)
    for old, new in _WORDS.items():
        text = text.replace(old, new)
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")
