"""The choices a dose plan is computed with: :class:`DoseOptions` and cross-species scaling.

Every option takes the text a user types or a value object: ``DoseOptions(dose="1e6 cells/kg",
start="2026-01-05", interval="2 weeks")`` equals ``DoseOptions(dose=parse_dose(...), ...)``.
Anything wrong raises :class:`~celldose.protocols.OptionError` naming the argument.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from celldose.protocols import (
    Dose,
    Duration,
    OptionError,
    parse_dose,
    parse_duration,
    read_route,
)
from celldose.simulator.dosing._logistics import Product
from celldose.simulator.dosing._rounding import Rounding, as_rounding, as_tolerance

WeekendPolicy = Literal["show", "next-weekday"]
Scale = Literal["none", "bsa"]
_WEEKENDS: tuple[WeekendPolicy, ...] = ("show", "next-weekday")
_SCALES: tuple[Scale, ...] = ("none", "bsa")


@dataclass(frozen=True, init=False)
class DoseOptions:
    """Choices for :func:`plan_doses`; every one of them is labelled on the output.

    >>> DoseOptions(dose="1e6 cells/kg", start="2026-01-05").start
    datetime.date(2026, 1, 5)
    """

    dose: Dose | None  # the dose, when the protocol does not report it (or to override)
    count: int | None  # the number of doses, when not reported
    interval: Duration | None  # the interval, when not reported
    scale: Scale  # "bsa": cross-species scaling by FDA Km
    start: dt.date | None
    weekends: WeekendPolicy
    product: Product | None  # logistics; None: from the protocol's product
    cross_species: bool  # allow a patient of another species than the protocol's
    notes: tuple[str, ...]  # labels for values the caller gave (product values, ...)
    route: str | None  # the route, when the source does not report it (a routes.toml name)
    rounding: Rounding  # round each dose to whole containers: "none", "down", "nearest"
    round_tolerance: float  # the largest change rounding may make (0.1: 10%)
    override_range: bool  # allow a dose outside a published dose range (labelled)

    def __init__(
        self,
        dose: Dose | str | None = None,
        count: int | str | None = None,
        interval: Duration | str | None = None,
        scale: Scale = "none",
        start: dt.date | str | None = None,
        weekends: WeekendPolicy = "show",
        product: Product | None = None,
        cross_species: bool = False,
        notes: tuple[str, ...] = (),
        route: str | None = None,
        rounding: Rounding | None = None,
        round_tolerance: float | str | None = None,
        override_range: bool = False,
    ) -> None:
        values = {
            "dose": as_dose(dose),
            "count": as_count(count),
            "interval": as_interval(interval),
            "scale": _choice("scale", scale, _SCALES),
            "start": as_start(start),
            "weekends": _choice("weekends", weekends, _WEEKENDS),
            "product": _typed("product", product, Product, "a Product"),
            "cross_species": _typed("cross_species", cross_species, bool, "True or False"),
            "notes": tuple(notes),
            "route": None if route is None else read_route(route),
            "rounding": as_rounding(rounding),
            "round_tolerance": as_tolerance(round_tolerance),
            "override_range": _typed("override_range", override_range, bool, "True or False"),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)


def as_dose(value: Dose | str | None) -> Dose | None:
    """A dose from text (``"1e6 cells/kg"``) or a :class:`Dose`."""
    if value is None or isinstance(value, Dose):
        return value
    if isinstance(value, str):
        return _read_dose(value)
    raise _wrong("dose", value, 'text like "1e6 cells/kg" or a Dose')


@lru_cache(maxsize=256)
def _read_dose(text: str) -> Dose:
    """A dose read once per text: a list of patients gives every patient the same dose= (a
    :class:`Dose` is immutable; a refusal is raised again each time, never cached)."""
    return parse_dose(text)


def as_count(value: int | str | None) -> int | None:
    """A number of doses: a whole number of at least 1 (or its digits as text)."""
    if value is None:
        return None
    number = int(value) if isinstance(value, str) and value.strip().isdigit() else value
    if isinstance(number, bool) or not isinstance(number, int):
        raise _wrong("count", value, "a whole number of at least 1")
    if number < 1:
        raise OptionError(f"count must be at least 1, not {number}", fields=("count",))
    return number


def as_interval(value: Duration | str | None) -> Duration | None:
    """An interval from text (``"2 weeks"``) or a :class:`Duration`."""
    if value is None or isinstance(value, Duration):
        return value
    if isinstance(value, str):
        return parse_duration(value)
    raise _wrong("interval", value, 'text like "2 weeks" or a Duration')


def as_start(value: dt.date | str | None) -> dt.date | None:
    """A start date from ``YYYY-MM-DD`` text or a :class:`datetime.date`."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        raise _wrong("start", value, "a date, not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise OptionError(
                f"start {value!r} is not a date",
                'write it as YYYY-MM-DD: start="2026-12-01"',
                fields=("start",),
            ) from None
    raise _wrong("start", value, 'text like "2026-12-01" or a datetime.date')


def _choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise OptionError(
            f"{name} must be one of {', '.join(map(repr, choices))}, not {value!r}",
            fields=(name,),
        )
    return value


def _typed(name: str, value: object, kind: type, what: str) -> object:
    if value is not None and not isinstance(value, kind):
        raise _wrong(name, value, what)
    return value


def _wrong(name: str, value: object, expected: str) -> OptionError:
    return OptionError(
        f"{name} must be {expected}, not {type(value).__name__} {value!r}", fields=(name,)
    )


@dataclass(frozen=True)
class ScaleInfo:
    """Cross-species scaling: dose per kg × km_from / km_to."""

    from_species: str
    to_species: str
    km_from: float
    km_to: float

    @property
    def factor(self) -> float:
        return self.km_from / self.km_to

    @property
    def label(self) -> str:
        return (
            f"BSA (Km {self.from_species} {self.km_from:g} / {self.to_species} {self.km_to:g} "
            f"= {self.factor:.3g})"
        )
