"""Dose limits: at most so many cells per dose or per course, and a dosing weight cap.

A protocol, an arm and a regimen may each give ``limits``: a list of entries, each with exactly
one of ``max_per_dose`` (cells), ``max_per_course`` (cells) or ``dose_weight_up_to`` (a weight)
and a required ``action``:

- ``cap``: the dose is reduced to the limit and labelled "capped at … (max per dose)"; a per-kg
  dose is computed on the weight cap (labelled "dosed at 100 kg (weight cap)"); the dose that
  would take the course past its maximum is reduced so that the total equals it, and the doses
  after it are listed as stopped by the limit;
- ``refuse``: the plan is refused, saying which dose breaks which limit and by how much.

There is no default action: an entry without one is refused with the choices. The shorthand
clauses ``; max per dose 3×10⁸ cells``, ``; max per course 3×10⁸ cells`` and ``; dose by weight
up to 100 kg`` take ``(cap)`` or ``(refuse)`` after them; without it they mean ``cap`` (a
maximum written on a label bounds the dose given), and the output says the dose was capped.

Which limits apply: the protocol's, then the arm's, then the regimen's; a later level's entry
replaces an earlier level's entry of the same kind and action. The rules that apply them to a
patient are in ``simulator/dosing/_limits.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    field_validator,
    model_validator,
)

from celldose.protocols._display import format_exact, format_sig
from celldose.protocols._dose import parse_amount
from celldose.protocols._errors import CelldoseError
from celldose.protocols._model_base import FrozenModel
from celldose.protocols._weight import parse_weight

LimitAction = Literal["cap", "refuse"]
LimitKind = Literal["max per dose", "max per course", "dose weight"]
ACTIONS: tuple[LimitAction, ...] = ("cap", "refuse")

_KINDS: dict[str, LimitKind] = {
    "max_per_dose": "max per dose",
    "max_per_course": "max per course",
    "dose_weight_up_to": "dose weight",
}


def _amount(target: str, what: str, least: str | None = None) -> BeforeValidator:
    """Read a limit in ``target`` (positive: parse_amount refuses 0), at least ``least``."""

    def read(value: object) -> float:
        amount = parse_amount(value, target, what)
        if least is not None and amount < parse_amount(least, target, what):
            raise ValueError(f"{what} is at least {least}, not {value}")
        return amount

    return BeforeValidator(read, json_schema_input_type=str)


LimitCells = Annotated[float, _amount("cells", "a limit", "1 cell")]
LimitKg = Annotated[float, _amount("kg", "a weight cap")]


class Limit(FrozenModel):
    """One limit: exactly one of ``max_per_dose``, ``max_per_course``, ``dose_weight_up_to``,
    and its ``action`` (``cap`` or ``refuse``, required).

    >>> Limit(max_per_dose="2×10⁸ cells", action="cap").label
    'max per dose 2×10⁸ cells (cap)'
    """

    max_per_dose: LimitCells | None = Field(
        default=None, description="At most this many cells in one dose, e.g. '3×10⁸ cells'."
    )
    max_per_course: LimitCells | None = Field(
        default=None, description="At most this many cells in the whole course."
    )
    dose_weight_up_to: LimitKg | None = Field(
        default=None, description="Per-kg doses are computed on at most this weight, e.g. '100 kg'."
    )
    action: LimitAction = Field(
        description="cap: reduce the dose to the limit (labelled); refuse: refuse the plan."
    )
    # the weight cap as written when not in kg: (50.0, "lb"); shown with its kg equivalent
    _weight_given: tuple[float, str] | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_weight_unit(cls, data: object, handler: ModelWrapValidatorHandler[Limit]) -> Limit:
        limit = handler(data)
        given = data.get("dose_weight_up_to") if isinstance(data, dict) else None
        if isinstance(given, str):
            try:
                weight = parse_weight(given)
            except CelldoseError:  # parse_amount read it; the unit is kg's own words
                weight = None
            if weight is not None and weight.unit != "kg":
                limit._weight_given = (weight.value, weight.unit)
        return limit

    @model_validator(mode="before")
    @classmethod
    def _action_required(cls, data: object) -> object:
        if isinstance(data, dict) and "action" not in data:
            kinds = [k for k in _KINDS if k in data]
            entry = f"{kinds[0]}: {data[kinds[0]]}" if kinds else "a limit"
            raise ValueError(
                f"the limit '{entry}' needs its action: add action: cap (reduce the dose to the "
                "limit) or action: refuse (refuse the plan)"
            )
        return data

    @field_validator("action", mode="before")
    @classmethod
    def _known_action(cls, value: object) -> object:
        if value not in ACTIONS:
            shown = f"'{value}'" if isinstance(value, str) else repr(value)
            raise ValueError(
                f"a limit's action is cap (reduce the dose to the limit) or refuse (refuse the "
                f"plan), not {shown}"
            )
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Limit:
        given = [name for name in _KINDS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "a limit gives exactly one of max_per_dose, max_per_course, dose_weight_up_to "
                f"(this one gives {', '.join(given) if given else 'none'}): write one entry each"
            )
        return self

    @property
    def kind(self) -> LimitKind:
        for name, kind in _KINDS.items():
            if getattr(self, name) is not None:
                return kind
        raise AssertionError("validated: one kind")  # pragma: no cover

    @property
    def value(self) -> float:
        """The limit: cells, or kg for the weight cap."""
        for name in _KINDS:
            value = getattr(self, name)
            if value is not None:
                return float(value)
        raise AssertionError("validated: one kind")  # pragma: no cover

    @property
    def amount_text(self) -> str:
        """``3×10⁸ cells``, ``100 kg``, or a weight cap as written: ``50 lb``."""
        if self.kind == "dose weight":
            if self._weight_given is not None:
                value, unit = self._weight_given
                return f"{format_exact(value)} {unit}"
            return f"{format_exact(self.value)} kg"
        return f"{format_exact(self.value)} {'cell' if self.value == 1 else 'cells'}"

    @property
    def weight_text(self) -> str:
        """A weight cap with its kg equivalent when written in another unit: ``50 lb (22.68
        kg)``; ``100 kg``."""
        if self._weight_given is None:
            return self.amount_text
        return f"{self.amount_text} ({format_sig(self.value, 4)} kg)"  # as a patient weight

    @property
    def label(self) -> str:
        """``max per dose 3×10⁸ cells (cap)``; the shorthand clause that gives this limit."""
        if self.kind == "dose weight":
            return f"dose by weight up to {self.amount_text} ({self.action})"
        return f"{self.kind} {self.amount_text} ({self.action})"

    @property
    def description(self) -> str:
        """The label for people: a weight cap in lb also in kg (``dose by weight up to 50 lb
        (22.68 kg) (cap)``)."""
        if self.kind == "dose weight":
            return f"dose by weight up to {self.weight_text} ({self.action})"
        return self.label


def merge_limits(*levels: Sequence[Limit]) -> tuple[Limit, ...]:
    """The limits that apply: each level's entry replaces an earlier level's entry of the same
    kind and action (protocol, then arm, then regimen)."""
    merged: dict[tuple[str, str], Limit] = {}
    for level in levels:
        for limit in level:
            merged[(limit.kind, limit.action)] = limit
    return tuple(merged.values())


# The shorthand clauses: "max per dose 3×10⁸ cells", "maximum per course: 3e8 cells (refuse)",
# "dose by weight up to 100 kg".
LIMIT_CLAUSE = re.compile(
    r"^\s*(?:(?P<max>max(?:imum)?\s+(?:dose\s+)?per\s+(?P<per>dose|course))"
    r"|(?P<weight>dos(?:e|ed|ing)\s+by\s+weight\s+up\s+to))\s*:?\s*"
    r"(?P<amount>.*?)\s*(?:\(\s*(?P<action>[^)]*?)\s*\))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
LIMIT_HINT = (
    "write e.g. 'max per dose 3×10⁸ cells', 'max per course 3×10⁸ cells (refuse)' or "
    "'dose by weight up to 100 kg (cap)'"
)


def limit_from_clause(match: re.Match[str]) -> dict[str, str]:
    """The fields of a :class:`Limit` from a :data:`LIMIT_CLAUSE` match (action default cap);
    the model validates them."""
    if match["weight"]:
        key = "dose_weight_up_to"
    else:
        key = "max_per_dose" if match["per"].lower() == "dose" else "max_per_course"
    action = (match["action"] or "cap").lower()
    return {key: match["amount"], "action": action}


__all__ = [
    "ACTIONS",
    "LIMIT_CLAUSE",
    "LIMIT_HINT",
    "Limit",
    "LimitAction",
    "LimitKind",
    "limit_from_clause",
    "merge_limits",
]
