"""Who a virtual cohort is: its patients (a number or a roster), their weights, how they
adhere to the schedule, and the seed. :func:`~._simulate.simulate_cohort` runs it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from celldose.protocols import MAX_DAYS, OptionError
from celldose.simulator.dosing import Species, Weight, get_species, parse_weight
from celldose.simulator.scenarios._roster import Roster

DEFAULT_SEED = 0
MAX_PATIENTS = 10_000_000
MAX_OVERAGE = 10.0  # ten times the demand; real overages are 1.1-2
MAX_WEIGHT_SIGMA = 3.0  # of log weight: 90% of the weights within ×/÷ 139 of the median


@dataclass(frozen=True)
class Cohort:
    """Who the virtual patients are, how they adhere, and how the run is seeded.

    Give ``patients`` (weights drawn from the species distribution, or all equal to ``weight``)
    or a ``roster`` (a :class:`Roster`, or the path of a roster file). ``weight_median`` and
    ``weight_sigma`` override the species' defaults. ``missed`` and ``delayed`` are
    probabilities per dose; ``delay_days`` is the inclusive range of a delay in days (``(1, 7)``
    or ``"1-7"``); ``overage`` multiplies the manufacturing demand (1.2 = 20% extra). Weights
    may be written as text (``"70kg"``).

    >>> Cohort(patients=100, weight="12 kg", missed=0.1).weight.kg
    12.0
    """

    patients: int | None = None
    roster: Roster | None = None
    weight: Weight | None = None
    weight_median: Weight | None = None
    weight_sigma: float | None = None
    missed: float = 0.0
    delayed: float = 0.0
    delay_days: tuple[int, int] | None = None
    overage: float = 1.0
    seed: int = DEFAULT_SEED
    species: Species | None = None  # None: the protocol's species

    def __post_init__(self) -> None:
        self._read_text()
        if (self.patients is None) == (self.roster is None):
            raise OptionError(
                "give the number of virtual patients or a roster, not both"
                if self.roster is not None
                else "a cohort needs a number of patients or a roster",
                "pass patients=N or roster=FILE",
                fields=("patients", "roster"),
            )
        if self.patients is not None:
            if isinstance(self.patients, bool) or not isinstance(self.patients, int):
                raise OptionError(
                    f"patients must be a whole number, not {self.patients!r}",
                    fields=("patients",),
                )
            if self.patients < 1:
                raise OptionError(
                    f"patients must be at least 1, not {self.patients}",
                    "give the number of virtual patients, e.g. patients=1000",
                    fields=("patients",),
                )
            if self.patients > MAX_PATIENTS:
                raise OptionError(
                    f"patients={self.patients} is more than the {MAX_PATIENTS:,} celldose "
                    "simulates at once",
                    "10⁵ patients already give percentiles to about 0.1%",
                    fields=("patients",),
                )
        if self.roster is not None:
            for name in ("weight", "weight_median", "weight_sigma"):
                if getattr(self, name) is not None:
                    raise OptionError(
                        f"{name} does not go with a roster, which gives every weight",
                        fields=(name,),
                    )
        if self.weight is not None and (
            self.weight_median is not None or self.weight_sigma is not None
        ):
            raise OptionError(
                "weight gives every virtual patient the same weight; it does not go with a "
                "median weight or a sigma",
                "leave the weight out to draw weights from a distribution",
                fields=("weight",),
            )
        self._check_sigma()
        _probability("missed", self.missed, "the probability that a dose is missed")
        _probability("delayed", self.delayed, "the probability that a dose is delayed")
        self._check_delays()
        if not math.isfinite(self.overage) or self.overage < 1:
            raise OptionError(
                f"overage must be at least 1, not {self.overage:g}",
                "it multiplies the demand: 1 for none, 1.2 for 20% extra",
                fields=("overage",),
            )
        if self.overage > MAX_OVERAGE:
            raise OptionError(
                f"an overage of {self.overage:g} is out of range: at most {MAX_OVERAGE:g} "
                "(ten times the demand)",
                "it multiplies the demand: 1 for none, 1.2 for 20% extra",
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise OptionError(
                f"seed must be a whole number >= 0, not {self.seed!r}", fields=("seed",)
            )

    def _read_text(self) -> None:
        """Values given as text, as a user types them: weights, a roster path, delay days."""
        for name in ("weight", "weight_median"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, parse_weight(value))
            elif value is not None and not isinstance(value, Weight):
                raise OptionError(
                    f'{name} must be a weight such as "70kg", not {value!r}', fields=(name,)
                )
        if isinstance(self.delay_days, str):
            object.__setattr__(self, "delay_days", parse_delay_days(self.delay_days))
        if self.roster is not None and not isinstance(self.roster, Roster):
            raise OptionError(
                f"roster must be a Roster, not {self.roster!r}",
                'give simulate_cohort the roster file\'s path (roster="patients.csv"), or read '
                "it with read_roster(path, species)",
                fields=("roster",),
            )
        if isinstance(self.species, str):
            object.__setattr__(self, "species", get_species(self.species))
        elif self.species is not None and not isinstance(self.species, Species):
            raise OptionError(
                f'species must be a species id such as "dog" or a Species, not {self.species!r}',
                fields=("species",),
            )
        for name in ("weight_sigma", "missed", "delayed", "overage"):
            value = getattr(self, name)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if value is not None and not number:
                raise OptionError(f"{name} must be a number, not {value!r}", fields=(name,))

    def _check_sigma(self) -> None:
        sigma = self.weight_sigma
        if sigma is not None and (not math.isfinite(sigma) or sigma < 0):
            raise OptionError(
                f"weight_sigma must be a finite number >= 0, not {sigma:g}",
                "it is the standard deviation of log weight, e.g. 0.3",
                fields=("weight_sigma",),
            )
        if sigma is not None and sigma > MAX_WEIGHT_SIGMA:
            raise OptionError(
                f"a weight sigma of {sigma:g} is out of range: at most "
                f"{MAX_WEIGHT_SIGMA:g} (90% of the weights within ×/÷ 139 of the median)",
                "it is the standard deviation of log weight, e.g. 0.3",
            )

    def _check_delays(self) -> None:
        if self.delayed > 0 and self.delay_days is None:
            raise OptionError(
                "delayed needs the length of a delay",
                'pass delay_days="1-7" (days)',
                fields=("delayed", "delay_days"),
            )
        if self.delay_days is None:
            return
        low, high = self.delay_days
        if self.delayed == 0:
            raise OptionError(
                "delay_days without a probability of delay delays nothing",
                "give the probability that a dose is delayed, e.g. delayed=0.1",
                fields=("delay_days", "delayed"),
            )
        if not 1 <= low <= high:
            raise OptionError(
                f"delay_days {low}-{high} is not a range of whole days >= 1",
                'write the shortest and longest delay, e.g. "1-7" (or "3" for exactly 3)',
                fields=("delay_days",),
            )
        if high > MAX_DAYS:
            raise OptionError(
                f"a delay of up to {high:,} days is out of range: at most {MAX_DAYS:,} days "
                "(100 years)",
                'write the shortest and longest delay in days, e.g. "1-7"',
            )

    @property
    def size(self) -> int:
        """The number of patients (the roster's length with a roster)."""
        if self.roster is not None:
            return len(self.roster.ids)
        assert self.patients is not None
        return self.patients


def _probability(field: str, value: float, what: str) -> None:
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise OptionError(
            f"{field} is {what}, a number from 0 to 1, not {value:g}",
            "write 0.1 for 10%",
            fields=(field,),
        )


def parse_delay_days(text: str) -> tuple[int, int]:
    """``"1-7"`` -> (1, 7); ``"3"`` -> (3, 3). Whole days, inclusive."""
    parts = text.replace("–", "-").split("-")
    try:
        numbers = [int(p.strip().removesuffix("days").removesuffix("d").strip()) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) == 1:
        numbers = numbers * 2
    if len(numbers) != 2:
        raise OptionError(
            f"delay_days {text!r} is not understood",
            'write the shortest and longest delay in days, e.g. "1-7", or "3" for exactly 3',
            fields=("delay_days",),
        )
    return numbers[0], numbers[1]


__all__ = ["DEFAULT_SEED", "MAX_PATIENTS", "Cohort", "parse_delay_days"]
