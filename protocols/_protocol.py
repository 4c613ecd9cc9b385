"""The protocol file format: frozen pydantic models, validated once, here.

A protocol describes one published (or in-house) treatment: the product, the route, one or more
arms with their regimens, the response windows the source reports, and the reference. Whatever
the source does not report is written as ``not reported``: it validates, and whatever later needs
the value asks the user for it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator

from celldose.protocols._calendar import Duration
from celldose.protocols._display import format_exact
from celldose.protocols._dose import Dose, parse_amount
from celldose.protocols._errors import CelldoseError, OptionError, UnitError
from celldose.protocols._regimen import NOT_REPORTED, NotReported, Regimen

Route = Literal[
    "IV",
    "IM",
    "SC",
    "intralesional",
    "intra-articular",
    "intrathecal",
    "intradermal",
    "intraperitoneal",
    "topical",
]
Donor = Literal["autologous", "allogeneic"]
ArmRole = Literal["treatment", "dose escalation", "expansion", "placebo", "control"]

MAX_TEXT = 20_000  # characters of any free text (titles, notes, citations, labels)
UNITS_REQUIRED = "units_required"  # validation context key: a file must give every unit


def _amount(target: str, what: str) -> BeforeValidator:
    """Read a product quantity in ``target``; from a file (context ``units_required``) a
    number without its unit is refused, since nothing but the field's name says what it counts.
    """

    def read(value: object, info: ValidationInfo) -> float:
        required = (info.context or {}).get(UNITS_REQUIRED)
        if required and isinstance(value, int | float) and not isinstance(value, bool):
            shown = format_exact(float(value)) if math.isfinite(value) else str(value)
            raise UnitError(str(value), f"{what} needs a unit", f"write {shown} {target}")
        return parse_amount(value, target, what)

    return BeforeValidator(read, json_schema_input_type=str)


CellsPerML = Annotated[float, _amount("cells/mL", "a concentration")]
Cells = Annotated[float, _amount("cells", "a cell count")]
Millilitres = Annotated[float, _amount("mL", "a volume")]

_SLUG = r"^[a-z0-9][a-z0-9-]*$"
_ANCHOR = re.compile(r"^(first dose|last dose|dose ([1-9][0-9]*))$")


class FieldProblem(ValueError):
    """A cross-field problem found by a model validator, with the path of the field to blame."""

    def __init__(self, message: str, *path: str | int) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


class FieldProblems(ValueError):
    """Every cross-field problem of a protocol at once (``celldose check`` lists them all)."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = tuple(problems)


class _Frozen(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True, str_max_length=MAX_TEXT
    )


class Product(_Frozen):
    """The cell product."""

    name: str = Field(min_length=1, description="Product name, e.g. 'cAT-MSC'.")
    tissue_source: str | NotReported = Field(description="Tissue, e.g. 'adipose tissue'.")
    donor: Donor | NotReported = Field(description="autologous or allogeneic.")
    origin_species: str = Field(min_length=1, description="Species the cells come from.")
    concentration: CellsPerML | None = Field(default=None, description="Cells per mL.")
    cells_per_vial: Cells | None = Field(default=None, description="Cells in one vial.")
    vial_volume: Millilitres | None = Field(default=None, description="Volume of one vial.")
    viability: float | None = Field(
        default=None, gt=0, le=1, description="Fraction of viable cells (0.92 = 92%)."
    )
    dose_counts: Literal["total cells", "viable cells"] | None = Field(
        default=None,
        description="Whether the dose counts all cells or viable cells only; not stated: no "
        "viability correction, and the output says so.",
    )
    notes: str = ""

    @model_validator(mode="after")
    def _vial(self) -> Product:
        if self.dose_counts == "viable cells" and self.viability is None:
            raise ValueError("dose_counts: viable cells needs the product's viability")
        if (
            self.concentration is not None
            and self.cells_per_vial is not None
            and self.vial_volume is not None
        ):
            implied = self.concentration * self.vial_volume
            if abs(implied - self.cells_per_vial) > 0.01 * self.cells_per_vial:
                raise ValueError(
                    f"cells_per_vial ({self.cells_per_vial:.4g}) contradicts concentration × "
                    f"vial_volume ({self.concentration:.4g} × {self.vial_volume:g} mL = "
                    f"{implied:.4g} cells); give two of the three, or make them agree"
                )
        return self


class Responders(_Frozen):
    """Responders k of n, as reported."""

    k: int = Field(ge=0)
    n: int = Field(ge=1)

    @model_validator(mode="after")
    def _k_le_n(self) -> Responders:
        if self.k > self.n:
            raise ValueError(f"responders k={self.k} cannot exceed n={self.n}")
        return self


class ResponseWindow(_Frozen):
    """A response the source reports, placed in time relative to a dose."""

    label: str = Field(min_length=1)
    definition: str = ""
    arm: str | None = Field(default=None, description="The arm it belongs to; omitted: all arms.")
    anchor: str = Field(default="first dose", description="'first dose', 'last dose' or 'dose N'.")
    start: Duration | NotReported = Field(description="Offset of the window's start.")
    end: Duration | NotReported = Field(description="Offset of the window's end.")
    responders: Responders | NotReported | None = None

    @model_validator(mode="after")
    def _anchor_and_order(self) -> ResponseWindow:
        if not _ANCHOR.match(self.anchor):
            raise ValueError(
                f"anchor {self.anchor!r} is not understood: write 'first dose', 'last dose' "
                "or 'dose N'"
            )
        if isinstance(self.start, Duration) and isinstance(self.end, Duration):
            low, _ = self.start.day_range()
            _, high = self.end.day_range()
            if high < low:
                raise ValueError(f"the window ends ({self.end}) before it starts ({self.start})")
        return self

    @property
    def anchor_dose(self) -> int | Literal["last"]:
        """1-based dose number of the anchor, or ``"last"``."""
        match = _ANCHOR.match(self.anchor)
        assert match is not None
        if match.group(1) == "first dose":
            return 1
        if match.group(1) == "last dose":
            return "last"
        return int(match.group(2))


class Arm(_Frozen):
    """One arm: a dose-escalation group, an expansion cohort, a placebo group..."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$", description="Short id; it chooses the arm.")
    label: str = ""
    role: ArmRole = "treatment"
    n: Annotated[int, Field(ge=1)] | NotReported | None = Field(
        default=None, description="Patients in the arm."
    )
    dose: Dose | NotReported | None = Field(
        default=None, description="Dose of this arm; omitted: the protocol's dose."
    )
    regimen: Regimen
    notes: str = ""

    @property
    def is_placebo(self) -> bool:
        return self.role == "placebo"


class Reference(_Frozen):
    citation: str = Field(min_length=1)
    doi: str | None = None
    pubmed: str | None = None
    registry: tuple[str, ...] = ()
    url: str | None = None


class Protocol(_Frozen):
    """A treatment protocol. See README "Protocol files" for every field."""

    id: str = Field(pattern=_SLUG)
    title: str = Field(min_length=1)
    species: str = Field(pattern=_SLUG, description="Species of the patients, e.g. dog.")
    indication: str = Field(min_length=1)
    product: Product
    route: Route | NotReported
    dose: Dose | NotReported | None = Field(
        default=None, description="Dose for every arm that does not give its own."
    )
    arms: tuple[Arm, ...] = Field(min_length=1)
    response_windows: tuple[ResponseWindow, ...] = ()
    follow_up: Duration | NotReported | None = None
    course_length: Duration | None = Field(
        default=None, description="Course length as stated by the source, checked against arms."
    )
    reference: Reference
    notes: str = ""

    @model_validator(mode="after")
    def _cross_checks(self) -> Protocol:
        problems = [p for check in _CROSS_CHECKS for p in check(self)]
        if problems:
            raise FieldProblems(problems)
        return self

    def phase_dose(self, arm: Arm, phase: int) -> Dose | NotReported | None:
        """The dose of phase ``phase`` (1-based) of ``arm``: the phase's, arm's or protocol's."""
        for p in reversed(arm.regimen.phases[:phase]):
            if p.dose is not None:
                return p.dose
        return arm.dose if arm.dose is not None else self.dose

    def arm(self, name: str | None) -> Arm:
        """The arm called ``name``; with None, the only arm (error when there are several)."""
        if name is None:
            treated = [a for a in self.arms if not a.is_placebo]
            if len(treated) == 1:
                return treated[0]
            raise OptionError(
                f"protocol {self.id} has {len(self.arms)} arms",
                "choose one: " + ", ".join(f"arm={a.name}" for a in self.arms),
                fields=("arm",),
            )
        for arm in self.arms:
            if arm.name == name:
                return arm
        raise OptionError(
            f"protocol {self.id} has no arm {name!r}",
            "choose one of: " + ", ".join(a.name for a in self.arms),
        )


def course_contradiction(regimen: Regimen, stated: Duration) -> str | None:
    """Say why a stated course length contradicts the regimen, or None when it fits.

    A course of length L fits when the last dose falls within it and the next dose (one interval
    later) would not: span <= L <= span + interval. With calendar months the check is made for
    every start date over a year (2 months is 59 to 62 days), and passes if any date fits.
    """
    try:
        doses = regimen.expand("min")
        after = regimen.phases[-1].next_start("min")
    except CelldoseError:  # a value is not reported: nothing to check against
        return None
    first_of_last = next(d for d in doses if d.phase == doses[-1].phase).time
    following = first_of_last.plus(after) if after is not None else None
    calendar = stated.is_calendar or doses[-1].time.has_months
    starts = [_PROBE + dt.timedelta(days=k) for k in range(366 if calendar else 1)]
    spans: list[int] = []
    for start in starts:
        length = stated.as_time().day_on(start)
        span = doses[-1].time.day_on(start)
        limit = following.day_on(start) if following is not None else None
        if span <= length and (limit is None or length <= limit):
            return None
        spans.append(span)
    low, high = stated.day_range()
    shown = f"{min(spans)}" if min(spans) == max(spans) else f"{min(spans)}-{max(spans)}"
    length_text = f"{low} days" if low == high else f"{low}-{high} days"
    return (
        f"the stated course length of {stated} ({length_text}) contradicts the regimen "
        f"{regimen.to_shorthand()!r}, whose last dose falls on day {shown}"
    )


_PROBE = dt.date(2024, 1, 1)


# -- cross-field checks: each yields every problem it finds -------------------------------------
def _unique_arm_names(p: Protocol) -> Iterator[FieldProblem]:
    names = [arm.name for arm in p.arms]
    for i, name in enumerate(names):
        if name in names[:i]:
            yield FieldProblem(
                f"arm name {name!r} repeats; arm names must be unique", "arms", i, "name"
            )


def _arm_products_and_doses(p: Protocol) -> Iterator[FieldProblem]:
    used_protocol_dose = False
    for index, arm in enumerate(p.arms):
        product = arm.regimen.product
        if product is not None and product.lower() != p.product.name.lower():
            yield FieldProblem(
                f"arm {arm.name!r}: the regimen names product {product!r}, "
                f"but the protocol's product is {p.product.name!r}",
                "arms", index, "regimen",
            )  # fmt: skip
        first = arm.regimen.phases[0].dose
        if arm.dose is not None and first is not None and first != arm.dose:
            yield FieldProblem(
                f"arm {arm.name!r}: its dose ({arm.dose}) contradicts the dose in its regimen "
                f"({first}); give the dose once",
                "arms", index, "dose",
            )  # fmt: skip
        if arm.dose is None and first is None:
            used_protocol_dose = True
        for i in range(1, len(arm.regimen.phases) + 1):
            dose = p.phase_dose(arm, i)
            if dose is None and not arm.is_placebo:
                yield FieldProblem(
                    f"arm {arm.name!r} has no dose: give dose (or write 'dose: not reported' "
                    "when the source does not report it)",
                    "arms", index,
                )  # fmt: skip
                break
            if isinstance(dose, Dose) and not dose.is_cells:
                yield FieldProblem(
                    f"arm {arm.name!r}: a cell product is dosed in cells, cells/kg or "
                    f"cells/m², not {dose.unit}",
                    "arms", index,
                )  # fmt: skip
                break
    if p.dose is not None and not used_protocol_dose:
        yield FieldProblem(
            f"the protocol's dose ({p.dose}) is used by no arm: every arm gives its own",
            "dose",
        )


def _windows(p: Protocol) -> Iterator[FieldProblem]:
    names = [arm.name for arm in p.arms]
    for j, window in enumerate(p.response_windows):
        if window.arm is not None and window.arm not in names:
            yield FieldProblem(
                f"response window {window.label!r} names arm {window.arm!r}, "
                f"which is not one of: {', '.join(names)}",
                "response_windows", j, "arm",
            )  # fmt: skip
            continue
        anchor = window.anchor_dose
        if isinstance(anchor, int) and anchor > 1:
            arms = [a for a in p.arms if window.arm in (None, a.name) and not a.is_placebo]
            for arm in arms:
                count = _dose_count(arm.regimen)
                if count is not None and anchor > count:
                    yield FieldProblem(
                        f"response window {window.label!r} is anchored at dose {anchor}, but "
                        f"arm {arm.name!r} has {count} doses",
                        "response_windows", j, "anchor",
                    )  # fmt: skip
                    break
        follow = p.follow_up
        if (
            isinstance(follow, Duration)
            and window.anchor == "first dose"
            and isinstance(window.end, Duration)
            and window.end.day_range()[0] > follow.day_range()[1]
        ):
            yield FieldProblem(
                f"response window {window.label!r} ends {window.end} after the first dose, "
                f"after the follow-up of {follow}",
                "response_windows", j, "end",
            )  # fmt: skip


def _course(p: Protocol) -> Iterator[FieldProblem]:
    for arm in p.arms:
        if p.course_length is not None:
            problem = course_contradiction(arm.regimen, p.course_length)
            if problem:
                yield FieldProblem(f"arm {arm.name!r}: {problem}", "course_length")
        if isinstance(p.follow_up, Duration):
            last = _last_dose_days(arm.regimen)
            if last is not None and p.follow_up.day_range()[1] < last:
                yield FieldProblem(
                    f"the follow-up of {p.follow_up} (counted from the first dose) ends before "
                    f"the last dose of arm {arm.name!r} (day {last})",
                    "follow_up",
                )
                break


def _dose_count(regimen: Regimen) -> int | None:
    try:
        return len(regimen.expand("min"))
    except CelldoseError:
        return None


def _last_dose_days(regimen: Regimen) -> int | None:
    """The smallest day the last dose can fall on (over start dates), or None if not known."""
    try:
        last = regimen.expand("min")[-1].time
    except CelldoseError:
        return None
    if not last.has_months:
        return last.days
    return min(last.day_on(_PROBE + dt.timedelta(days=k)) for k in range(366))


_CROSS_CHECKS = (_unique_arm_names, _arm_products_and_doses, _windows, _course)


__all__ = [
    "NOT_REPORTED",
    "Arm",
    "Product",
    "Protocol",
    "Reference",
    "Responders",
    "ResponseWindow",
    "course_contradiction",
]
