"""Weight bands: a dose that depends on the patient's weight.

In a protocol file, ``dose`` (of the protocol or of an arm) may be a list of bands::

    dose:
      - {weight: "≤ 50 kg", dose: "2×10⁶ cells/kg"}
      - {weight: "> 50 kg", dose: "1×10⁸ cells"}

A band's ``weight`` is one of:

- one side open: ``≤ 50 kg``, ``< 50 kg``, ``≥ 50 kg``, ``> 50 kg`` (also ASCII ``<=``, ``>=``);
- closed: ``10–50 kg``, ``10-50 kg`` or ``10 to 50 kg``, which holds **both ends** (10 kg and
  50 kg are in the band, as people read "10 to 50 kg").

Weights are read by the weight parser (kg, g, lb; 1 lb = 0.45359237 kg exactly) and compared in
kg. The bands must not leave a gap or overlap between them: ``≤ 50 kg`` then ``> 50 kg`` meet
exactly; ``< 50 kg`` and ``> 50 kg`` leave 50 kg itself uncovered; ``≤ 50 kg`` and ``≥ 50 kg``
both hold 50 kg. Whether they cover the plausible weights of the protocol's species is checked
where the species table is known (:meth:`DoseBands.check_covers`, called by ``celldose check``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, RootModel, field_validator, model_validator

from celldose.protocols._display import format_exact, format_sig
from celldose.protocols._dose import Dose
from celldose.protocols._errors import PatientError, WeightBandError
from celldose.protocols._model_base import FrozenModel
from celldose.protocols._weight import Weight, parse_weight

# The dose of a band: one function call (Dose's own reading) away from a dose range, when
# ranges land (issue 10, rule 1): widen this alias and the bands take ranges.
BandDose = Dose
_EXAMPLES = 'write "≤ 50 kg", "> 50 kg" or "10–50 kg" (both ends included)'
_OPEN = re.compile(r"^(<=|>=|≤|≥|<|>)\s*(.+)$")
_CLOSED = re.compile(
    r"^(?P<low>\d+(?:\.\d+)?)\s*(?P<unit>[A-Za-z]+)?\s*(?:–|-|\bto\b)\s*(?P<high>\d.*)$"
)
_SIGN = {"<=": "≤", ">=": "≥", "≤": "≤", "≥": "≥", "<": "<", ">": ">"}
Sign = Literal["≤", "<", "≥", ">"]


def _shown(weight: Weight) -> str:
    return f"{format_exact(weight.value)} {weight.unit}"


def _span(low: Weight, high: Weight) -> str:
    """``50–60 kg``; ``110 lb to 50 kg`` when the units differ."""
    if low.unit == high.unit:
        return f"{format_exact(low.value)}–{format_exact(high.value)} {low.unit}"
    return f"{_shown(low)} to {_shown(high)}"


@dataclass(frozen=True)
class Bound:
    """One end of a weight band: the weight, and whether the band holds it."""

    weight: Weight
    included: bool


@dataclass(frozen=True)
class WeightRange:
    """The weights a band holds; ``None`` is an open end (no lower or no upper limit)."""

    low: Bound | None
    high: Bound | None

    def holds(self, kg: float) -> bool:
        """True when a patient of ``kg`` kilograms is in the band (a weight on an edge, in
        whatever unit either was written, is on the edge: see :func:`compare_kg`)."""
        if self.low is not None:
            side = compare_kg(kg, self.low.weight.kg)
            if side < 0 or (side == 0 and not self.low.included):
                return False
        if self.high is not None:
            side = compare_kg(kg, self.high.weight.kg)
            if side > 0 or (side == 0 and not self.high.included):
                return False
        return True

    @property
    def label(self) -> str:
        """``≤ 50 kg``, ``> 110 lb``, ``10–50 kg``: the band in one normal form."""
        if self.low is not None and self.high is not None:
            return _span(self.low.weight, self.high.weight)
        if self.high is not None:
            return f"{'≤' if self.high.included else '<'} {_shown(self.high.weight)}"
        assert self.low is not None
        return f"{'≥' if self.low.included else '>'} {_shown(self.low.weight)}"


def parse_weight_range(text: str) -> WeightRange:
    """Read a band's weight (``≤ 50 kg``, ``> 110 lb``, ``10–50 kg``).

    >>> parse_weight_range("<= 50 kg").label
    '≤ 50 kg'
    >>> parse_weight_range("10 to 50 kg").holds(50.0)
    True
    """
    stripped = text.strip()
    try:
        match = _OPEN.match(stripped)
        if match is not None:
            sign = _SIGN[match.group(1)]
            bound = Bound(parse_weight(match.group(2)), sign in ("≤", "≥"))
            return WeightRange(None, bound) if sign in ("≤", "<") else WeightRange(bound, None)
        match = _CLOSED.match(stripped)
        if match is not None:
            high = parse_weight(match.group("high"))
            low = parse_weight(f"{match.group('low')} {match.group('unit') or high.unit}")
            if compare_kg(low.kg, high.kg) >= 0:
                raise WeightBandError(
                    f"the weight band {stripped!r} ends before it starts",
                    "write the lower weight first, e.g. 10–50 kg",
                )
            return WeightRange(Bound(low, True), Bound(high, True))
    except PatientError as exc:
        raise WeightBandError(
            f"cannot read the weight band {stripped!r}: {exc.message}", exc.hint
        ) from None
    raise WeightBandError(f"the weight band {stripped!r} is not understood", _EXAMPLES)


class WeightBand(FrozenModel):
    """One band: the dose for patients whose weight is in ``weight``."""

    weight: str = Field(
        description="The weights of the band: '≤ 50 kg', '> 50 kg', or '10–50 kg' (both ends "
        "included); kg, g or lb."
    )
    dose: BandDose = Field(description="The dose for a patient in the band.")

    @field_validator("weight")
    @classmethod
    def _readable(cls, value: str) -> str:
        parse_weight_range(value)
        return value.strip()

    @property
    def range(self) -> WeightRange:
        return parse_weight_range(self.weight)

    @property
    def label(self) -> str:
        """The band's weight in normal form (``≤ 50 kg``)."""
        return self.range.label

    def __str__(self) -> str:
        return f"{self.dose} if {self.label}"


class DoseBands(RootModel[tuple[WeightBand, ...]]):
    """A dose by weight band: at least two bands, with no gap or overlap between them."""

    model_config = {"frozen": True, "defer_build": True, "json_schema_extra": {"minItems": 2}}

    root: tuple[WeightBand, ...]

    @model_validator(mode="after")
    def _no_gap_or_overlap(self) -> DoseBands:
        if len(self.root) < 2:
            raise WeightBandError(
                f"a dose by weight band needs at least two bands, not {len(self.root)}",
                "for one dose at every weight, write the dose alone (dose: 2×10⁶ cells/kg)",
            )
        order = sorted(range(len(self.root)), key=lambda i: _sort_key(self.root[i].range))
        for before, after in zip(order, order[1:], strict=False):
            _check_meet(self.root[before], self.root[after], after)
        return self

    @property
    def bands(self) -> tuple[WeightBand, ...]:
        return self.root

    def band_for(self, weight_kg: float) -> WeightBand | None:
        """The band that holds ``weight_kg`` (None: outside every band).

        >>> bands = DoseBands.model_validate([
        ...     {"weight": "≤ 50 kg", "dose": "2×10⁶ cells/kg"},
        ...     {"weight": "> 50 kg", "dose": "1×10⁸ cells"},
        ... ])
        >>> str(bands.band_for(50.0).dose), str(bands.band_for(50.01).dose)
        ('2×10⁶ cells/kg', '1×10⁸ cells')
        """
        return next((b for b in self.root if b.range.holds(weight_kg)), None)

    def check_covers(self, low_kg: float, high_kg: float, species: str) -> None:
        """Refuse when the bands leave part of ``low_kg``-``high_kg`` (the plausible weights of
        ``species``) uncovered. The bands meet each other (checked when they are built), so only
        below the lightest band and above the heaviest can be left."""
        ranges = sorted((b.range for b in self.root), key=_sort_key)
        plausible = f"the plausible weights of a {species} are {_kg(low_kg)}–{_kg(high_kg)} kg"
        first, last = ranges[0].low, ranges[-1].high
        below = None if first is None else compare_kg(first.weight.kg, low_kg)
        if (
            first is not None
            and below is not None
            and (below > 0 or (below == 0 and not first.included))
        ):
            sign = "<" if first.included else "≤"
            raise WeightBandError(
                f"weight bands leave {_from_kg(low_kg, first.weight)} uncovered ({plausible})",
                f'add a band "{sign} {_shown(first.weight)}"',
            )
        above = None if last is None else compare_kg(last.weight.kg, high_kg)
        if (
            last is not None
            and above is not None
            and (above < 0 or (above == 0 and not last.included))
        ):
            sign = ">" if last.included else "≥"
            raise WeightBandError(
                f"weight bands leave {_to_kg(last.weight, high_kg)} uncovered ({plausible})",
                f'add a band "{sign} {_shown(last.weight)}"',
            )

    def __str__(self) -> str:
        return "; ".join(str(b) for b in self.root)


EDGE_TOLERANCE = 1e-9  # relative: weights this close are one weight (see compare_kg)


def compare_kg(a: float, b: float) -> int:
    """-1, 0 or 1 as weight ``a`` is below, equal to or above ``b`` (both in kg). Weights equal
    to a billionth are equal: 10 lb is 4.535923700000001 kg in floating point, and a patient of
    4.5359237 kg (the same weight, written in kg) is on a band's "10 lb" edge, not beside it."""
    if abs(a - b) <= EDGE_TOLERANCE * abs(b):
        return 0
    return -1 if a < b else 1


def _kg(value: float) -> str:
    return format_sig(value, 4)


def _from_kg(low_kg: float, high: Weight) -> str:
    if high.unit == "kg":
        return f"{_kg(low_kg)}–{format_exact(high.value)} kg"
    return f"{_kg(low_kg)} kg to {_shown(high)}"


def _to_kg(low: Weight, high_kg: float) -> str:
    if low.unit == "kg":
        return f"{format_exact(low.value)}–{_kg(high_kg)} kg"
    return f"{_shown(low)} to {_kg(high_kg)} kg"


def _sort_key(band: WeightRange) -> tuple[float, int]:
    if band.low is None:
        return (float("-inf"), 0)
    return (band.low.weight.kg, 0 if band.low.included else 1)


def _check_meet(lower: WeightBand, upper: WeightBand, index: int) -> None:
    """Refuse a gap or an overlap between two bands next to each other by weight."""
    a, b = lower.range, upper.range
    where = (index, "weight")
    meet = 'make one band end where the next begins ("≤ {0}" then "> {0}")'
    if a.high is None or b.low is None:  # two bands open at the same end
        raise WeightBandError(
            f'weight bands "{lower.weight}" and "{upper.weight}" overlap',
            "only the lightest band can be open below and only the heaviest open above "
            '(e.g. "≤ 50 kg" then "> 50 kg")',
            where=where,
        )
    top, bottom = a.high.weight, b.low.weight
    side = compare_kg(top.kg, bottom.kg)
    if side < 0:
        raise WeightBandError(
            f"weight bands leave {_span(top, bottom)} uncovered",
            meet.format(_shown(top)),
            where=where,
        )
    if side > 0:
        end = top if b.high is None or compare_kg(top.kg, b.high.weight.kg) <= 0 else b.high.weight
        raise WeightBandError(
            f'weight bands "{lower.weight}" and "{upper.weight}" overlap from '
            f"{_shown(bottom)} to {_shown(end)}",
            meet.format(_shown(bottom)),
            where=where,
        )
    if a.high.included and b.low.included:
        raise WeightBandError(
            f'weight bands "{lower.weight}" and "{upper.weight}" both hold {_shown(top)}',
            meet.format(_shown(top)),
            where=where,
        )
    if not a.high.included and not b.low.included:
        raise WeightBandError(
            f'weight bands "{lower.weight}" and "{upper.weight}" leave {_shown(top)} uncovered',
            meet.format(_shown(top)),
            where=where,
        )


__all__ = ["Bound", "DoseBands", "WeightBand", "WeightRange", "parse_weight_range"]
