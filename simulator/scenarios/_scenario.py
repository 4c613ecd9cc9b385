"""A what-if scenario for one patient: missed doses, delays, weights over time; and the
readers of the text a user types for them (``"2,5"``, ``"3:5"``, ``"0:12kg,28:13kg"``).

The rules the scenario follows are in :mod:`._whatif`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from celldose.protocols import (
    MAX_DAYS,
    MAX_DOSES,
    CelldoseError,
    OptionError,
    parse_duration,
)
from celldose.simulator.dosing import Weight, parse_weight

DelayPolicy = Literal["shift", "keep"]
WeightBasis = Literal["current", "baseline"]
_MAX_DIGITS = 6  # a dose number or a day is read only up to this many digits (MAX_DAYS has 5)


@dataclass(frozen=True)
class WhatIf:
    """A scenario for one patient (see the module docstring for the rules).

    >>> WhatIf(missed=(2,), delays=((3, 5),), policy="keep").describe()
    'dose 2 missed; dose 3 delayed 5 days (later doses keep their days)'
    """

    missed: tuple[int, ...] = ()
    delays: tuple[tuple[int, int], ...] = ()  # (dose number, days later)
    policy: DelayPolicy = "shift"
    weights: tuple[tuple[int, Weight], ...] = ()  # (day, weight) measurements
    weight_basis: WeightBasis = "current"

    def __post_init__(self) -> None:
        for number in self.missed:
            if number < 1:
                raise OptionError(f"skip {number}: doses are numbered from 1", fields=("skip",))
        repeated = sorted({n for n in self.missed if self.missed.count(n) > 1})
        if repeated:
            raise OptionError(f"dose {repeated[0]} is skipped twice", "name each dose once")
        delayed = [n for n, _ in self.delays]
        for number, days in self.delays:
            if number < 1:
                raise OptionError(
                    f"delay {number}:{days}: doses are numbered from 1", fields=("delay",)
                )
            if days < 1:
                raise OptionError(
                    f"delay {number}:{days}: a delay is at least 1 day",
                    "write the dose and the days it moves later, e.g. delay=3:5",
                    fields=("delay",),
                )
            if days > MAX_DAYS:
                raise OptionError(
                    f"a delay of {days:,} days (dose {number}) is out of range: at most "
                    f"{MAX_DAYS:,} days (100 years)",
                    "write the days the dose moves later, e.g. 5",
                )
            if delayed.count(number) > 1:
                raise OptionError(
                    f"dose {number} is delayed twice", "give one delay per dose (the total)"
                )
            if number in self.missed:
                raise OptionError(
                    f"dose {number} is both missed and delayed", "skip it or delay it, not both"
                )
        if self.policy not in ("shift", "keep"):
            raise OptionError(f"unknown delay policy {self.policy!r}", "use shift or keep")
        if self.weight_basis not in ("current", "baseline"):
            raise OptionError(
                f"unknown weight basis {self.weight_basis!r}", "use current or baseline"
            )
        measured = [d for d, _ in self.weights]
        for day in measured:
            if abs(day) > MAX_DAYS:
                raise OptionError(
                    f"a weight on day {day:,} is out of range: at most {MAX_DAYS:,} days "
                    "(100 years) from the first dose",
                    "give the day of each weight from the first dose, e.g. 28",
                )
        if len(set(measured)) != len(measured):
            again = sorted({d for d in measured if measured.count(d) > 1})[0]
            raise OptionError(f"two weights are given for day {again}", "give one per day")
        object.__setattr__(self, "missed", tuple(sorted(self.missed)))
        object.__setattr__(self, "delays", tuple(sorted(self.delays)))
        object.__setattr__(self, "weights", tuple(sorted(self.weights, key=lambda m: m[0])))

    def describe(self) -> str:
        """The scenario in words (empty changes: 'as planned')."""
        parts = [f"dose {n} missed" for n in self.missed]
        after = (
            "later doses shift with it" if self.policy == "shift" else "later doses keep their days"
        )
        for number, days in self.delays:
            parts.append(f"dose {number} delayed {days} day{'s' if days != 1 else ''}")
        if self.delays:
            parts[-1] += f" ({after})"
        return "; ".join(parts) if parts else "as planned"


def parse_skips(texts: tuple[str, ...] | list[str]) -> tuple[int, ...]:
    """``["2", "5,7"]`` -> (2, 5, 7): dose numbers to skip."""
    out: list[int] = []
    for text in texts:
        for part in text.split(","):
            part = part.strip()
            if not part.isdigit():
                raise OptionError(
                    f"skip {text!r}: {part!r} is not a dose number",
                    "give dose numbers, e.g. skip=2 or skip=2,5",
                    fields=("skip",),
                )
            if len(part) > _MAX_DIGITS:
                raise OptionError(
                    f"a dose number of {len(part):,} digits is out of range",
                    f"doses are numbered from 1 to at most {MAX_DOSES:,}",
                )
            out.append(int(part))
    return tuple(out)


def parse_delays(texts: tuple[str, ...] | list[str]) -> tuple[tuple[int, int], ...]:
    """``["3:5", "6:1w"]`` -> ((3, 5), (6, 7)): dose number and days later (or weeks)."""
    out: list[tuple[int, int]] = []
    for text in texts:
        for part in text.split(","):
            number, sep, amount = part.strip().partition(":")
            hint = "write DOSE:DAYS, e.g. delay=3:5 (dose 3, five days later) or 3:1w"
            if not sep or not number.strip().isdigit():
                raise OptionError(f"delay {text!r} is not understood", hint, fields=("delay",))
            if len(number.strip()) > _MAX_DIGITS:
                raise OptionError(
                    f"a dose number of {len(number.strip()):,} digits is out of range",
                    f"doses are numbered from 1 to at most {MAX_DOSES:,}",
                )
            amount = amount.strip()
            if amount.lstrip("-").isdigit():
                if len(amount) > 6:
                    raise OptionError(
                        f"delay {text!r}: the delay is out of range", hint, fields=("delay",)
                    )
                days = int(amount)
            else:
                try:
                    duration = parse_duration(amount)
                except CelldoseError:
                    raise OptionError(
                        f"delay {text!r}: cannot read {amount!r}", hint, fields=("delay",)
                    ) from None
                if duration.is_calendar:
                    raise OptionError(
                        f"delay {text!r}: a delay is in days or weeks, not months",
                        hint,
                        fields=("delay",),
                    )
                days = duration.days
            out.append((int(number), days))
    return tuple(out)


def parse_weights(text: str) -> tuple[tuple[int, Weight], ...]:
    """``"0:12kg, 28:13kg, 56:13.5kg"`` -> ((0, 12 kg), (28, 13 kg), (56, 13.5 kg)).

    DAY is a whole number of days from the planned first dose (negative: before it).
    """
    out: list[tuple[int, Weight]] = []
    for part in text.split(","):
        day, sep, weight = part.strip().partition(":")
        if not sep or not day.strip().lstrip("-").isdigit():
            raise OptionError(
                f"weights: {part.strip()!r} is not DAY:WEIGHT",
                'write e.g. weights="0:12kg,28:13kg,56:13.5kg" (day from the first dose)',
                fields=("weights",),
            )
        if len(day.strip().lstrip("-")) > _MAX_DIGITS:
            raise OptionError(
                f"a weight on a day of {len(day.strip().lstrip('-')):,} digits is out of range",
                f"give the day of each weight from the first dose, at most {MAX_DAYS:,}",
            )
        out.append((int(day), parse_weight(weight)))
    return tuple(out)


__all__ = [
    "DelayPolicy",
    "WeightBasis",
    "WhatIf",
    "parse_delays",
    "parse_skips",
    "parse_weights",
]
