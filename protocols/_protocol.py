"""The protocol file format: frozen pydantic models, validated once, here.

A protocol describes one published (or in-house) treatment: the product, the route, one or more
arms with their regimens, the response windows the source reports, and the reference. Whatever
the source does not report is written as ``not reported``: it validates, and whatever later needs
the value asks the user for it. The product's model is in ``_product.py``; the checks across
fields that the protocol's validator runs are in ``_protocol_checks.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, model_validator

from celldose.protocols._administration import Administration
from celldose.protocols._bands import DoseBands
from celldose.protocols._calendar import Duration
from celldose.protocols._containers import DoseBy, container_checks
from celldose.protocols._dose import Dose
from celldose.protocols._errors import OptionError
from celldose.protocols._limits import Limit
from celldose.protocols._model_base import FrozenModel, field_adapter
from celldose.protocols._phase import NOT_REPORTED, NotReported
from celldose.protocols._product import UNITS_REQUIRED, Product
from celldose.protocols._protocol_checks import (
    CHECK_FIELDS,
    CROSS_CHECKS,
    FieldProblem,
    FieldProblems,
    repeated_arm_names,
    shared_schedules,
)
from celldose.protocols._regimen import Regimen
from celldose.protocols._route import RouteName

ArmRole = Literal["treatment", "dose escalation", "expansion", "placebo", "control"]

_SLUG = r"^[a-z0-9][a-z0-9-]*$"
_ANCHOR = re.compile(r"^(first dose|last dose|dose ([1-9][0-9]*))$")


class Responders(FrozenModel):
    """Responders k of n, as reported."""

    k: int = Field(ge=0)
    n: int = Field(ge=1)

    @model_validator(mode="after")
    def _k_le_n(self) -> Responders:
        if self.k > self.n:
            raise ValueError(f"responders k={self.k} cannot exceed n={self.n}")
        return self


class ResponseWindow(FrozenModel):
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


class Arm(FrozenModel):
    """One arm: a dose-escalation group, an expansion cohort, a placebo group..."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$", description="Short id; it chooses the arm.")
    label: str = ""
    role: ArmRole = "treatment"
    n: Annotated[int, Field(ge=1)] | NotReported | None = Field(
        default=None, description="Patients in the arm."
    )
    dose: Dose | DoseBands | NotReported | None = Field(
        default=None,
        description="Dose of this arm, or a list of weight bands ({weight: '≤ 50 kg', dose: "
        "...}); omitted: the protocol's dose.",
    )
    dose_by: DoseBy | None = Field(
        default=None,
        description="'whole containers': the dose is the whole content of `containers` "
        "containers (vials or bags) of the product.",
    )
    containers: Annotated[int, Field(ge=1, le=1000)] | None = Field(
        default=None, description="With dose_by: the number of whole containers a dose uses."
    )
    regimen: Regimen
    administration: Administration | None = Field(
        default=None,
        description="How this arm's doses are given; its facts replace the protocol's.",
    )
    limits: tuple[Limit, ...] = Field(
        default=(),
        description="Limits of this arm; they replace the protocol's of the same kind and action.",
    )
    notes: str = ""

    @property
    def is_placebo(self) -> bool:
        return self.role == "placebo"

    @property
    def gives_no_cells(self) -> bool:
        """A placebo or control arm: it receives no cells of the product, so no dose is asked."""
        return self.role in ("placebo", "control")


class Reference(FrozenModel):
    """The source of a protocol: a citation, and its DOI, PubMed and trial ids; ``published``
    is false for a protocol of one's own (a clinic's in-house protocol), whose doses are then
    "from the protocol", never "published"."""

    citation: str = Field(min_length=1)
    doi: str | None = None
    pubmed: str | None = None
    registry: tuple[str, ...] = ()
    url: str | None = None
    published: bool = Field(
        default=True,
        description="False for an unpublished protocol (a clinic's own): its doses are "
        "labelled 'from the protocol', not 'published'.",
    )

    @property
    def is_published(self) -> bool:
        """Published, with a citation (``reference: not reported`` cites nothing)."""
        return self.published and self.citation != NOT_REPORTED


_ARM_EXAMPLE = "write arms: [{name: a, regimen: '2×10⁶ cells/kg weekly ×4'}]"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:36] + "…"


def _product_or_not_reported(value: object) -> object:
    """``product: not reported``: every fact of the product is not reported (its name too)."""
    if value == NOT_REPORTED:
        return dict.fromkeys(("name", "tissue_source", "donor", "origin_species"), NOT_REPORTED)
    if not isinstance(value, dict | Product):
        raise FieldProblem(
            "product must be a mapping of the product's facts (name, tissue_source, donor, "
            f"origin_species), not {_shown(value)}",
            "product",
            hint="write product: {name: MSC, tissue_source: adipose tissue, donor: allogeneic, "
            "origin_species: dog}, with 'not reported' for what the source does not give, or "
            "product: not reported",
        )
    return value


def _reference_or_not_reported(value: object) -> object:
    """``reference: not reported``: a protocol with no source to cite (citation not reported)."""
    if value == NOT_REPORTED:
        return {"citation": NOT_REPORTED}
    if not isinstance(value, dict | Reference):
        raise FieldProblem(
            f"reference must be a mapping (citation, doi, pubmed, registry, url), not "
            f"{_shown(value)}",
            "reference",
            hint="write reference: {citation: 'Author A. Title. Journal 2025.'}, or reference: "
            "not reported",
        )
    return value


def _some_arms(value: object) -> object:
    """Arms are never 'not reported': a protocol plans the regimen of at least one arm."""
    if value == NOT_REPORTED:
        raise FieldProblem(
            "arms cannot be 'not reported': a protocol needs at least one arm (its regimen is "
            "what celldose plans)",
            "arms",
            hint=_ARM_EXAMPLE,
        )
    if not isinstance(value, list | tuple):
        raise FieldProblem(
            f"arms must be a list of arms, not {_shown(value)}", "arms", hint=_ARM_EXAMPLE
        )
    if not value:
        raise FieldProblem(
            "arms is empty: a protocol needs at least one arm (its regimen is what celldose plans)",
            "arms",
            hint=_ARM_EXAMPLE,
        )
    return value


class Protocol(FrozenModel):
    """A treatment protocol. See README "Protocol files" for every field."""

    id: str = Field(pattern=_SLUG)
    title: str = Field(min_length=1)
    short_label: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="How figures name the protocol on its lanes: author and year of the source "
        "(Chen 2024) or the product (Ryoncil label 2024); without it, the id.",
    )
    species: str = Field(pattern=_SLUG, description="Species of the patients, e.g. dog.")
    indication: str = Field(min_length=1)
    product: Annotated[
        Product,
        BeforeValidator(_product_or_not_reported, json_schema_input_type=Product | NotReported),
    ] = Field(description="The cell product; 'not reported': every fact of it is not reported.")
    route: RouteName | NotReported = Field(
        description="Route of administration (routes.toml), or 'not reported'."
    )
    administration: Administration = Field(
        default_factory=Administration,
        description="How each dose is given; every fact omitted is 'not reported'.",
    )
    dose: Dose | DoseBands | NotReported | None = Field(
        default=None,
        description="Dose for every arm that does not give its own, or a list of weight bands "
        "({weight: '≤ 50 kg', dose: ...}).",
    )
    dose_by: DoseBy | None = Field(
        default=None,
        description="'whole containers': every arm that gives no dose of its own uses the whole "
        "content of `containers` containers (vials or bags) of the product.",
    )
    containers: Annotated[int, Field(ge=1, le=1000)] | None = Field(
        default=None, description="With dose_by: the number of whole containers a dose uses."
    )
    arms: Annotated[tuple[Arm, ...], BeforeValidator(_some_arms)] = Field(
        min_length=1, description="The arms (at least one): each with its name and regimen."
    )
    limits: tuple[Limit, ...] = Field(
        default=(),
        description="Dose limits, e.g. [{max_per_dose: '3×10⁸ cells', action: cap}, "
        "{dose_weight_up_to: '100 kg', action: refuse}].",
    )
    response_windows: tuple[ResponseWindow, ...] = ()
    follow_up: Duration | NotReported | None = None
    course_length: Duration | None = Field(
        default=None, description="Course length as stated by the source, checked against arms."
    )
    reference: Annotated[
        Reference,
        BeforeValidator(_reference_or_not_reported, json_schema_input_type=Reference | NotReported),
    ] = Field(description="The source cited; 'not reported': a protocol with none.")
    notes: str = ""
    version: Literal[1] = Field(
        default=1,
        description="The version of the protocol file format (1, the only one so far): later "
        "formats will say theirs, so that a reader can tell them apart.",
    )

    @model_validator(mode="after")
    def _cross_checks(self) -> Protocol:
        with shared_schedules():
            problems = [p for check in (*CROSS_CHECKS, container_checks) for p in check(self)]
        if problems:
            raise FieldProblems(problems)
        return self

    def phase_dose(self, arm: Arm, phase: int) -> Dose | DoseBands | NotReported | None:
        """The dose of phase ``phase`` (1-based) of ``arm``: the phase's, arm's or protocol's
        (weight bands, from the arm or the protocol, until a patient's weight picks one)."""
        for p in reversed(arm.regimen.phases[:phase]):
            if p.dose is not None:
                return p.dose
        return arm.dose if arm.dose is not None else self.dose

    def arm_administration(self, arm: Arm) -> Administration:
        """How ``arm``'s doses are given: the protocol's facts, the arm's own in their place."""
        if arm.administration is None:
            return self.administration
        return self.administration.updated(arm.administration)

    def arm(self, name: str | None) -> Arm:
        """The arm called ``name``; with None, the only arm (error when there are several)."""
        if name is None:
            treated = [a for a in self.arms if not a.gives_no_cells]
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


_CONTAINER_FIELDS = frozenset({"product", "arms", "dose", "dose_by", "containers"})


def partial_cross_checks(data: dict[str, Any], context: dict[str, Any]) -> list[FieldProblem]:
    """The cross-field problems of protocol data that does not validate as a whole.

    A protocol's own validator runs its cross-field checks only once every field is valid; so
    that a file's problems all show at once, this validates each field on its own and runs the
    checks that read only valid fields. A repeated arm name is found from the names as written,
    whatever else is wrong with the arms.
    """
    raw_arms = data.get("arms")
    names: list[str | None] = []
    if isinstance(raw_arms, list):
        for arm in raw_arms:
            name = arm.get("name") if isinstance(arm, dict) else None
            names.append(name if isinstance(name, str) else None)
    problems = list(repeated_arm_names(names))
    # each arm validated once (its regimen read once), for the field and for the valid arms
    good = _valid_arms(raw_arms, context) if isinstance(raw_arms, list) else ()
    valid: dict[str, Any] = {}
    for field, info in Protocol.model_fields.items():
        if field not in data:
            if not info.is_required():
                valid[field] = info.get_default(call_default_factory=True)
            continue
        value = data[field]
        if field == "arms" and isinstance(raw_arms, list):
            if len(good) < len(raw_arms):
                continue  # an arm is not valid: nor is the field
            value = good  # the field's own checks (at least one arm) on the arms validated
        try:
            valid[field] = field_adapter(Protocol, field).validate_python(value, context=context)
        except (ValidationError, ValueError):
            continue
    windows_ok = True
    if "arms" not in valid and isinstance(raw_arms, list):  # the arms that are valid, checked
        problems.extend(_windows_naming(valid.get("response_windows", ()), names))
        kept = {arm.name for arm in good}
        # a window of an arm written but not valid is checked once that arm is fixed
        windows = valid.get("response_windows", ())
        windows_ok = all(w.arm is None or w.arm in kept for w in windows)
        if good:
            valid["arms"] = good
    partial = Protocol.model_construct(**valid)
    checks = [
        (check, CHECK_FIELDS[check])
        for check in CROSS_CHECKS
        if check in CHECK_FIELDS and (windows_ok or "response_windows" not in CHECK_FIELDS[check])
    ]
    checks.append((container_checks, _CONTAINER_FIELDS))
    with shared_schedules():
        for check, needs in checks:
            if needs <= valid.keys():
                try:
                    problems.extend(check(partial))
                except (ValueError, LookupError, AttributeError, TypeError):
                    continue  # a check that needs more than the fields it names: skipped here
    return problems


def _valid_arms(raw_arms: list[Any], context: dict[str, Any]) -> tuple[Arm, ...]:
    """The arms of the file that validate on their own."""
    good = []
    for raw in raw_arms:
        try:
            good.append(Arm.model_validate(raw, context=context))
        except (ValidationError, ValueError):
            continue
    return tuple(good)


def _windows_naming(windows: Any, names: list[str | None]) -> Iterator[FieldProblem]:
    """Windows that name an arm the file does not have (the names as written, valid or not)."""
    written = [n for n in names if n is not None]
    for j, window in enumerate(windows):
        if window.arm is not None and window.arm not in written:
            yield FieldProblem(
                f"response window {window.label!r} names arm {window.arm!r}, "
                f"which is not one of: {', '.join(dict.fromkeys(written))}",
                "response_windows", j, "arm",
            )  # fmt: skip


__all__ = [
    "NOT_REPORTED",
    "UNITS_REQUIRED",
    "Arm",
    "partial_cross_checks",
    "FieldProblem",
    "FieldProblems",
    "Product",
    "Protocol",
    "Reference",
    "Responders",
    "ResponseWindow",
]
