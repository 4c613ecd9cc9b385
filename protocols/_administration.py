"""How each dose is given: the ``administration:`` block of a protocol (and of an arm).

Every fact is optional, and a fact the source does not give is ``not reported``: celldose prints
the facts a source gives with the dose and never fills one in. The facts are kept as data on the
dose plan (a printable clinic sheet reads them there). An arm's block replaces, fact by fact,
the protocol's (only the facts the arm writes).

- ``duration``: how long one administration takes, as the source writes it (``10 ± 5 min``)
- ``rate``: the infusion rate, as written (``2 mL/min``)
- ``final_volume``: the volume given, after any dilution (``50 mL``)
- ``diluent``: what the cells are diluted in (``0.9% sodium chloride with 5% albumin``)
- ``premedication``: what is given before each dose (``corticosteroids and antihistamines``)
- ``min_spacing``: the least time between two doses (``3 days``, ``1 week``); a dose plan
  that puts two doses closer is refused (see README "Administration")
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from celldose.protocols._calendar import Duration
from celldose.protocols._display import format_sig, plural
from celldose.protocols._model_base import FrozenModel
from celldose.protocols._phase import NOT_REPORTED, NotReported
from celldose.protocols._product import Millilitres

_TEXT = 500  # characters of one fact: it is printed on one line (wrapped) with every dose


class Administration(FrozenModel):
    """How each dose is given; every fact the source does not give is ``not reported``."""

    duration: str | NotReported = Field(
        default=NOT_REPORTED,
        min_length=1,
        max_length=_TEXT,
        description="How long one administration takes, as written: '10 ± 5 min'.",
    )
    rate: str | NotReported = Field(
        default=NOT_REPORTED,
        min_length=1,
        max_length=_TEXT,
        description="Infusion rate, as written: '2 mL/min'.",
    )
    final_volume: Millilitres | NotReported = Field(
        default=NOT_REPORTED, description="Volume given after dilution, with its unit: '50 mL'."
    )
    diluent: str | NotReported = Field(
        default=NOT_REPORTED,
        min_length=1,
        max_length=_TEXT,
        description="What the cells are diluted in.",
    )
    premedication: str | NotReported = Field(
        default=NOT_REPORTED,
        min_length=1,
        max_length=_TEXT,
        description="What is given before each dose.",
    )
    min_spacing: Duration | NotReported = Field(
        default=NOT_REPORTED,
        description="Least time between two doses, in days or weeks: '3 days'.",
    )

    @field_validator("min_spacing")
    @classmethod
    def _days_or_weeks(cls, value: Duration | NotReported) -> Duration | NotReported:
        if isinstance(value, Duration):
            if value.is_calendar:
                raise ValueError(
                    f"min_spacing {value} is in calendar {value.unit}s, whose length varies: "
                    "write it in days or weeks"
                )
            if value.amount < 1:
                raise ValueError(f"min_spacing must be at least 1 day, not {value}")
        return value

    @property
    def min_spacing_days(self) -> int | None:
        """The minimum spacing in days, or None when not reported."""
        if isinstance(self.min_spacing, Duration):
            return self.min_spacing.days
        return None

    def updated(self, other: Administration) -> Administration:
        """These facts, with the facts ``other`` writes (its set fields) in their place."""
        given = {name: getattr(other, name) for name in other.model_fields_set}
        return self.model_copy(update=given)

    def facts(self) -> list[tuple[str, str]]:
        """The facts the source gives, as (label, text) pairs for people, in field order.

        >>> Administration(premedication="antihistamines", final_volume="50 mL").facts()
        [('final volume', '50 mL'), ('premedication', 'antihistamines')]
        """
        out = []
        for name, label in _LABELS.items():
            value = getattr(self, name)
            if value == NOT_REPORTED:
                continue
            if name == "final_volume":
                text = f"{format_sig(value)} mL"
            elif name == "min_spacing":
                days = self.min_spacing_days
                text = f"at least {plural(days or 0, 'day')} between doses"
            else:
                text = " ".join(str(value).split())
            out.append((label, text))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Every fact, ``not reported`` where the source does not give it (the JSON form)."""
        return {
            "duration": self.duration,
            "rate": self.rate,
            "final_volume_ml": self.final_volume,
            "diluent": self.diluent,
            "premedication": self.premedication,
            "min_spacing_days": (
                self.min_spacing_days if self.min_spacing_days is not None else NOT_REPORTED
            ),
        }


_LABELS = {
    "duration": "duration",
    "rate": "rate",
    "final_volume": "final volume",
    "diluent": "diluent",
    "premedication": "premedication",
    "min_spacing": "minimum spacing",
}

__all__ = ["Administration"]
