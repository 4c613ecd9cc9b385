"""Virtual cohorts: many patients of one protocol arm, drawn at random, summarised.

A cohort is N virtual patients whose weights come from the species' distribution (lognormal
with the ``cohort`` median and sigma of species.toml, truncated to its ``soft_kg`` range), from
one fixed weight, or from a roster file (``id,weight`` with units). Each dose is missed with
probability ``missed``; a dose that is given is delayed with probability ``delayed`` by a whole
number of days drawn uniformly from ``delay_days`` (inclusive), and a delay moves every later
dose with it (the "shift" policy: keeping the calendar could break the spacing rule at random).

Everything is vectorised with numpy on arrays of doses × patients, in blocks of patients so the
memory stays near the size of the one array that must be kept (the cells of every dose of every
patient, for the per-dose percentiles). The same seed gives the same result: the weights, the
missed doses and the delays each come from their own stream of ``numpy.random.SeedSequence``
(seed), so changing ``missed`` does not change the weights drawn.

Percentiles (p5, median, p95) are the inverted empirical CDF: the smallest value such that at
least that share of the patients have it or less. Each is a value that occurs (whole vials, whole
days); the responders' predictive percentiles follow the same rule on the exact distribution.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from celldose.protocols._calendar import MAX_DAYS
from celldose.protocols._display import format_sig
from celldose.protocols._dose import Dose
from celldose.protocols._errors import OptionError, PatientError
from celldose.protocols._files import read_capped
from celldose.protocols._protocol import Protocol, Responders
from celldose.protocols._regimen import Which
from celldose.simulator.dosing._patient import Weight, make_patient, parse_weight
from celldose.simulator.dosing._schedule import DoseOptions, DosePlan, plan_doses
from celldose.simulator.dosing._species import Species, get_species

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]
Progress = Callable[[int, int], None]

DEFAULT_SEED = 0
MAX_PATIENTS = 10_000_000
MAX_CELLS = 200_000_000  # patients × doses: the per-dose array is 8 bytes each (1.6 GB)
MAX_ROSTER_BYTES = 16 << 20  # a roster of 100,000 patients takes about 2 MB
MAX_ROSTER_PATIENTS = 100_000  # real patients, one a line; a larger cohort is drawn (patients=N)
MAX_ID_LENGTH = 200  # characters of a patient id (and of a weight as written)
MAX_OVERAGE = 10.0  # ten times the demand; real overages are 1.1-2
MAX_WEIGHT_SIGMA = 3.0  # of log weight: 90% of the weights within ×/÷ 139 of the median
PERCENTS = (5, 50, 95)
MIN_INSIDE = 0.9  # refuse a weight distribution that truncation would reshape more than this
BLOCK = 1 << 18  # doses × patients handled at once (2 MB per float array)
_CDF_TOLERANCE = 1e-9
RESPONDERS_NOTE = (
    "This only restates the published rate: a Beta(k+1, n-k+1) posterior from k of n "
    "responders (uniform prior), spread over N patients as a beta-binomial; it is not a "
    "prediction of how well the treatment works."
)


@dataclass(frozen=True)
class Roster:
    """Patients read from a roster file: ids and weights in kg, in file order."""

    source: str
    ids: tuple[str, ...]
    weights_kg: tuple[float, ...]
    warnings: tuple[str, ...] = ()


def read_roster(path: str | Path, species: Species) -> Roster:
    """Read a CSV roster of ``id,weight`` lines (``rex,12kg``; a header ``id,weight`` is allowed).

    Blank lines and lines starting with ``#`` are skipped. Every weight needs a unit; a weight
    outside the species' accepted range is refused, one outside its usual range is reported.
    Errors name the line. The file is UTF-8, with or without the byte-order mark that Excel's
    "CSV UTF-8" writes; it is read up to :data:`MAX_ROSTER_BYTES` (a pipe too), so a wrong file
    such as ``/dev/zero`` is refused instead of filling the memory.
    """
    source = str(path)
    try:
        text = read_capped(path, MAX_ROSTER_BYTES, what="the roster").decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OptionError(
            f"cannot read the roster {source}: {exc}", "give a UTF-8 CSV file of id,weight lines"
        ) from None
    return parse_roster(text, species, source)


def _roster_rows(reader: Any, source: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, row) of a csv reader; a line the csv module refuses is an OptionError."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a field past csv's own limit (131,072), a NUL byte, ...
            reason = str(exc)
            if "field larger than field limit" in reason:
                reason = f"a field is more than {MAX_ID_LENGTH} characters long"
            raise OptionError(
                f"roster {source} line {reader.line_num}: {reason}",
                "write one patient a line as id,weight with a unit, e.g. rex,12kg",
            ) from None
        yield reader.line_num, row


def parse_roster(text: str, species: Species, source: str = "<roster>") -> Roster:
    """The roster in ``text`` (see :func:`read_roster`)."""
    ids: list[str] = []
    weights: list[float] = []
    first_line: dict[str, int] = {}
    unusual: list[int] = []
    low, high = species.hard_kg
    soft_low, soft_high = species.soft_kg
    reader = csv.reader(io.StringIO(text))
    seen_data = False
    for line, row in _roster_rows(reader, source):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not seen_data and [c.lower() for c in cells] == ["id", "weight"]:
            seen_data = True
            continue
        seen_data = True
        where = f"roster {source} line {line}"
        if len(cells) != 2:
            raise OptionError(
                f"{where}: expected 2 fields (id,weight), found {len(cells)}",
                "write one patient a line as id,weight with a unit, e.g. rex,12kg",
            )
        patient_id, weight_text = cells
        if not patient_id:
            raise OptionError(f"{where}: the id is empty", "give every patient an id: rex,12kg")
        longest = max(len(patient_id), len(weight_text))
        if longest > MAX_ID_LENGTH:
            raise OptionError(
                f"{where}: a field is {longest:,} characters long, more than {MAX_ID_LENGTH}",
                "write one patient a line as id,weight with a unit, e.g. rex,12kg",
            )
        if len(ids) == MAX_ROSTER_PATIENTS:
            raise OptionError(
                f"{where}: the roster lists more than {MAX_ROSTER_PATIENTS:,} patients",
                "for a larger cohort, draw the weights for a number of patients instead",
            )
        if patient_id in first_line:
            raise OptionError(
                f"{where}: id {patient_id!r} repeats line {first_line[patient_id]}",
                "give every patient its own id",
            )
        try:
            weight = parse_weight(weight_text)
        except PatientError as exc:
            raise PatientError(f"{where}: {exc.message}", exc.hint) from None
        if not low <= weight.kg <= high:
            raise PatientError(
                f"{where}: a {species.label} of {weight.text} is outside the accepted "
                f"{low:g}-{high:g} kg",
                "check the number and the unit: kg, g or lb",
            )
        if not soft_low <= weight.kg <= soft_high:
            unusual.append(line)
        first_line[patient_id] = line
        ids.append(patient_id)
        weights.append(weight.kg)
    if not ids:
        raise OptionError(
            f"roster {source} lists no patients", "write one patient a line: id,weight (rex,12kg)"
        )
    warnings: tuple[str, ...] = ()
    if unusual:
        many = len(unusual) > 1
        lines = ", ".join(map(str, unusual[:10])) + (", ..." if len(unusual) > 10 else "")
        warnings = (
            f"{len(unusual)} roster weight{'s are' if many else ' is'} outside the usual "
            f"{soft_low:g}-{soft_high:g} kg for a {species.label} "
            f"(line{'s' if many else ''} {lines}): check {'them' if many else 'it'}",
        )
    return Roster(source, tuple(ids), tuple(weights), warnings)


@dataclass(frozen=True)
class Cohort:
    """Who the virtual patients are, how they adhere, and how the run is seeded.

    Give ``patients`` (weights drawn from the species distribution, or all equal to ``weight``)
    or a ``roster``. ``weight_median``/``weight_sigma`` override the species' defaults.
    ``missed`` and ``delayed`` are probabilities per dose; ``delay_days`` is the inclusive range
    of a delay in days; ``overage`` multiplies the manufacturing demand (1.2 = 20% extra).
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
        if (self.patients is None) == (self.roster is None):
            raise OptionError(
                "give the number of virtual patients or a roster, not both"
                if self.roster is not None
                else "a cohort needs a number of patients or a roster",
                "use --patients N or --roster FILE",
            )
        if self.patients is not None:
            if isinstance(self.patients, bool) or not isinstance(self.patients, int):
                raise OptionError(f"--patients must be a whole number, not {self.patients!r}")
            if self.patients < 1:
                raise OptionError(
                    f"--patients must be at least 1, not {self.patients}",
                    "give the number of virtual patients, e.g. --patients 1000",
                )
            if self.patients > MAX_PATIENTS:
                raise OptionError(
                    f"--patients {self.patients} is more than the {MAX_PATIENTS:,} celldose "
                    "simulates at once",
                    "10⁵ patients already give percentiles to about 0.1%",
                )
        if self.roster is not None:
            for name in ("weight", "weight_median", "weight_sigma"):
                if getattr(self, name) is not None:
                    option = "--" + name.replace("_", "-")
                    raise OptionError(
                        f"{option} does not go with --roster: the roster gives every weight",
                        f"drop {option}",
                    )
        if self.weight is not None and (
            self.weight_median is not None or self.weight_sigma is not None
        ):
            raise OptionError(
                "--weight gives every virtual patient the same weight; it does not go with "
                "--weight-median or --weight-sigma",
                "drop --weight to draw weights from a distribution",
            )
        if self.weight_sigma is not None and (
            not math.isfinite(self.weight_sigma) or self.weight_sigma < 0
        ):
            raise OptionError(
                f"--weight-sigma must be a finite number >= 0, not {self.weight_sigma:g}",
                "it is the standard deviation of log weight, e.g. 0.3",
            )
        if self.weight_sigma is not None and self.weight_sigma > MAX_WEIGHT_SIGMA:
            raise OptionError(
                f"a weight sigma of {self.weight_sigma:g} is out of range: at most "
                f"{MAX_WEIGHT_SIGMA:g} (90% of the weights within ×/÷ 139 of the median)",
                "it is the standard deviation of log weight, e.g. 0.3",
            )
        _probability("--missed", self.missed, "the probability that a dose is missed")
        _probability("--delayed", self.delayed, "the probability that a dose is delayed")
        if self.delayed > 0 and self.delay_days is None:
            raise OptionError(
                "--delayed needs the length of a delay", 'give --delay-days "1-7" (days)'
            )
        if self.delay_days is not None:
            low, high = self.delay_days
            if self.delayed == 0:
                raise OptionError(
                    "--delay-days without --delayed delays nothing",
                    "give the probability that a dose is delayed, e.g. --delayed 0.1",
                )
            if not 1 <= low <= high:
                raise OptionError(
                    f"--delay-days {low}-{high} is not a range of whole days >= 1",
                    'write the shortest and longest delay, e.g. "1-7" (or "3" for exactly 3)',
                )
            if high > MAX_DAYS:
                raise OptionError(
                    f"a delay of up to {high:,} days is out of range: at most {MAX_DAYS:,} days "
                    "(100 years)",
                    'write the shortest and longest delay in days, e.g. "1-7"',
                )
        if not math.isfinite(self.overage) or self.overage < 1:
            raise OptionError(
                f"--overage must be at least 1, not {self.overage:g}",
                "it multiplies the demand: 1 for none, 1.2 for 20% extra",
            )
        if self.overage > MAX_OVERAGE:
            raise OptionError(
                f"an overage of {self.overage:g} is out of range: at most {MAX_OVERAGE:g} "
                "(ten times the demand)",
                "it multiplies the demand: 1 for none, 1.2 for 20% extra",
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise OptionError(f"--seed must be a whole number >= 0, not {self.seed!r}")

    @property
    def size(self) -> int:
        """The number of patients (the roster's length with a roster)."""
        if self.roster is not None:
            return len(self.roster.ids)
        assert self.patients is not None
        return self.patients


def _probability(option: str, value: float, what: str) -> None:
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise OptionError(
            f"{option} is {what}, a number from 0 to 1, not {value:g}",
            "write 0.1 for 10%",
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
            f"--delay-days {text!r} is not understood",
            'write the shortest and longest delay in days, e.g. "1-7", or "3" for exactly 3',
        )
    return numbers[0], numbers[1]


# -- results ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stats:
    """Mean, median and the 5th and 95th percentiles (inverted empirical CDF)."""

    mean: float
    median: float
    p5: float
    p95: float

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "median": self.median, "p5": self.p5, "p95": self.p95}


@dataclass(frozen=True)
class DoseStats:
    """One dose number across the cohort; ``cells`` counts the patients who received it."""

    number: int
    phase: int
    dose: str
    planned_day: int | None
    received: int
    missed_fraction: float
    delayed_fraction: float
    cells: Stats | None  # None when nobody received it


@dataclass(frozen=True)
class Demand:
    """What the cohort needs manufactured, with the overage factor applied."""

    overage: float
    cells_given: float
    cells_to_draw: float  # cells given, divided by the viability when the dose counts viable
    cells_to_manufacture: float  # cells_to_draw × overage
    cells_per_vial: float | None
    vials: int | None  # whole vials opened over the cohort (None: vial size unknown)
    vials_to_manufacture: int | None  # ceil(vials × overage)


@dataclass(frozen=True)
class ResponderForecast:
    """Predictive distribution of responders among ``patients`` (beta-binomial)."""

    label: str
    k: int
    n: int
    patients: int
    mean: float
    median: int
    p5: int
    p95: int
    note: str = RESPONDERS_NOTE

    @property
    def posterior(self) -> str:
        return f"Beta({self.k + 1}, {self.n - self.k + 1})"


@dataclass(frozen=True, eq=False)
class CohortResult:
    """A simulated cohort: summaries, plus one value per patient in read-only arrays."""

    plan: DosePlan  # the reference plan: doses, basis, product (its patient is a placeholder)
    cohort: Cohort
    schedule: Which | None
    species: Species
    weight_model: str
    weight_kg: Stats
    total_cells: Stats
    cohort_total_cells: float
    per_dose: tuple[DoseStats, ...]
    vials: Stats | None
    course_days: Stats | None
    doses_given: Stats
    patients_without_dose: int
    capped_doses: int
    demand: Demand
    responders: tuple[ResponderForecast, ...]
    warnings: tuple[str, ...]
    patient_weights_kg: FloatArray = field(repr=False)
    patient_total_cells: FloatArray = field(repr=False)
    patient_vials: IntArray | None = field(repr=False)
    patient_course_days: IntArray | None = field(repr=False)
    patient_doses_given: IntArray = field(repr=False)

    @property
    def seed(self) -> int:
        return self.cohort.seed

    @property
    def patients(self) -> int:
        return self.cohort.size


# -- responders ---------------------------------------------------------------------------------
def beta_binomial_pmf(patients: int, alpha: float, beta: float) -> FloatArray:
    """P(X = x), x = 0..patients, for X ~ BetaBinomial(patients, alpha, beta).

    log P(0) comes from ``math.lgamma``; the rest from the exact ratio
    P(x+1)/P(x) = (N-x)(x+alpha) / ((x+1)(N-x-1+beta)), summed in log space.
    """
    if patients < 0:
        raise OptionError(f"the number of patients must be >= 0, not {patients}")
    n = patients
    log0 = (
        math.lgamma(n + beta)
        + math.lgamma(alpha + beta)
        - math.lgamma(n + alpha + beta)
        - math.lgamma(beta)
    )
    x = np.arange(n, dtype=np.float64)
    steps = np.log(n - x) - np.log(x + 1) + np.log(x + alpha) - np.log(n - x - 1 + beta)
    logs = np.empty(n + 1)
    logs[0] = log0
    np.cumsum(steps, out=logs[1:])
    logs[1:] += log0
    pmf: FloatArray = np.exp(logs)
    return pmf


def responder_forecast(label: str, responders: Responders, patients: int) -> ResponderForecast:
    """Responders among ``patients`` new patients, given k of n published.

    >>> f = responder_forecast("response", Responders(k=1, n=1), 2)
    >>> f.mean, f.median, f.p5, f.p95
    (1.3333333333333333, 1, 0, 2)
    """
    k, n = responders.k, responders.n
    pmf = beta_binomial_pmf(patients, k + 1.0, n - k + 1.0)
    cdf = np.cumsum(pmf)
    points = [int(np.searchsorted(cdf, p / 100 - _CDF_TOLERANCE)) for p in PERCENTS]
    points = [min(p, patients) for p in points]
    return ResponderForecast(
        label=label,
        k=k,
        n=n,
        patients=patients,
        mean=patients * (k + 1) / (n + 2),
        median=points[1],
        p5=points[0],
        p95=points[2],
    )


# -- the engine ---------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Engine:
    """Per-dose constants of one schedule: cells = per_kg × weight + per_m2 × BSA + flat."""

    per_kg: FloatArray  # (doses,) cells per kg (scaling included), 0 for other bases
    per_m2: FloatArray  # (doses,) cells per m² (Meeh BSA), 0 for other bases
    flat: FloatArray  # (doses,) cells, 0 for other bases
    meeh_k: float | None
    cap: float | None
    viability: float | None  # divide the cells by it to get the cells to draw
    cells_per_vial: float | None
    planned_days: IntArray | None  # (doses,) or None when calendar months have no start date

    @property
    def doses(self) -> int:
        return int(self.per_kg.shape[0])


@dataclass(frozen=True, eq=False)
class Draws:
    """The random input of one block: weights (n,), given (doses, n), delays (doses, n)."""

    weights: FloatArray
    given: BoolArray | None  # None: every dose given
    delays: IntArray | None  # None: no delays


@dataclass(eq=False)
class BlockOut:
    total_cells: FloatArray
    cells_to_draw: float
    vials: IntArray | None
    course_days: IntArray | None
    doses_given: IntArray
    dose_sums: FloatArray
    received: npt.NDArray[np.int64]
    delayed: npt.NDArray[np.int64]
    capped: int


@dataclass(frozen=True)
class WeightModel:
    """How a block's weights are drawn."""

    kind: str  # "lognormal", "fixed" or "roster"
    median_kg: float = 0.0
    sigma: float = 0.0
    low_kg: float = 0.0
    high_kg: float = 0.0
    roster_kg: tuple[float, ...] = ()


def draw_block(
    model: WeightModel,
    streams: Sequence[np.random.Generator],
    start: int,
    n: int,
    doses: int,
    cohort: Cohort,
) -> Draws:
    """Draw the weights, missed doses and delays of patients ``start`` .. ``start + n``."""
    weight_rng, missed_rng, delay_rng = streams
    if model.kind == "roster":
        weights = np.asarray(model.roster_kg[start : start + n], dtype=np.float64)
    elif model.kind == "fixed" or model.sigma == 0:
        weights = np.full(n, model.median_kg)
    else:
        weights = _truncated_lognormal(weight_rng, n, model)
    given: BoolArray | None = None
    if cohort.missed > 0:
        given = missed_rng.random((doses, n)) >= cohort.missed
    delays: IntArray | None = None
    if cohort.delayed > 0:
        assert cohort.delay_days is not None
        low, high = cohort.delay_days
        late = delay_rng.random((doses, n)) < cohort.delayed
        if given is not None:
            late &= given
        delays = np.zeros((doses, n), dtype=np.int32)
        delays[late] = delay_rng.integers(low, high + 1, size=int(late.sum()), dtype=np.int32)
    return Draws(weights, given, delays)


def _truncated_lognormal(rng: np.random.Generator, n: int, model: WeightModel) -> FloatArray:
    """Lognormal(median, sigma) conditioned on [low, high]: out-of-range draws are redrawn."""
    log_median = math.log(model.median_kg)
    weights: FloatArray = np.exp(log_median + model.sigma * rng.standard_normal(n))
    outside = np.flatnonzero((weights < model.low_kg) | (weights > model.high_kg))
    while outside.size:
        redrawn = np.exp(log_median + model.sigma * rng.standard_normal(outside.size))
        weights[outside] = redrawn
        keep = (redrawn < model.low_kg) | (redrawn > model.high_kg)
        outside = outside[keep]
    return weights


def evaluate_block(engine: Engine, draws: Draws, cells: FloatArray) -> BlockOut:
    """Cells, vials and course of one block; ``cells`` (doses, n) receives the per-dose cells,
    with +inf where a dose was missed (so that missed doses sort last)."""
    weights, given, delays = draws.weights, draws.given, draws.delays
    doses, n = cells.shape
    with np.errstate(over="ignore", invalid="ignore"):  # past the float range: refused below
        np.multiply.outer(engine.per_kg, weights, out=cells)
        if engine.per_m2.any():
            assert engine.meeh_k is not None
            bsa = engine.meeh_k * np.power(weights * 1000.0, 2.0 / 3.0) * 1e-4
            cells += np.multiply.outer(engine.per_m2, bsa)
        if engine.flat.any():
            cells += engine.flat[:, None]
        capped = 0
        if engine.cap is not None:
            over = cells > engine.cap
            if given is not None:
                over &= given
            capped = int(over.sum())
            np.minimum(cells, engine.cap, out=cells)
        if given is not None:
            np.multiply(cells, given, out=cells)
        total = cells.sum(axis=0)
        dose_sums = cells.sum(axis=1)
        to_draw = cells / engine.viability if engine.viability is not None else cells
        draw_total = float(to_draw.sum())
    if not math.isfinite(draw_total):
        raise _cells_out_of_range()
    vials: IntArray | None = None
    if engine.cells_per_vial is not None:
        opened = to_draw / engine.cells_per_vial  # the same steps as draw(), in place
        slack = np.maximum(opened, 1.0)
        slack *= 1e-9
        opened -= slack
        del slack
        np.ceil(opened, out=opened)
        np.maximum(opened, 1.0, out=opened)
        if given is not None:
            opened *= given
        vials = opened.sum(axis=0).astype(np.int32)
    if given is None:
        doses_given = np.full(n, doses, dtype=np.int32)
        received = np.full(doses, n, dtype=np.int64)
    else:
        doses_given = given.sum(axis=0, dtype=np.int32)
        received = given.sum(axis=1, dtype=np.int64)
    course: IntArray | None = None
    if engine.planned_days is not None:
        course = _course_days(engine.planned_days, given, delays, n)
    delayed = (
        np.zeros(doses, dtype=np.int64)
        if delays is None
        else np.count_nonzero(delays, axis=1).astype(np.int64)
    )
    if given is not None:
        np.copyto(cells, np.inf, where=~given)
    return BlockOut(
        total, draw_total, vials, course, doses_given, dose_sums, received, delayed, capped
    )


def _cells_out_of_range() -> OptionError:
    return OptionError(
        "the cells of the cohort add up to more than a number can hold",
        "check the dose and its unit, the viability and the number of patients",
    )


def _course_days(
    planned: IntArray, given: BoolArray | None, delays: IntArray | None, n: int
) -> IntArray:
    """Days from the first to the last dose given (0 with one dose or none)."""
    doses = planned.shape[0]
    if given is None:
        first = np.zeros(n, dtype=np.intp)
        last = np.full(n, doses - 1, dtype=np.intp)
    else:
        first = np.argmax(given, axis=0)
        last = doses - 1 - np.argmax(given[::-1], axis=0)
    course = (planned[last] - planned[first]).astype(np.int32)
    if delays is not None:
        # A dose's day is its planned day plus every delay up to it (shift policy). Missed doses
        # carry no delay, so between the first and the last dose given the delays add up to
        # all delays minus the first dose's own.
        course += delays.sum(axis=0, dtype=np.int32)
        course -= np.take_along_axis(delays, first[None, :], axis=0)[0]
    if given is not None:
        course[~given.any(axis=0)] = 0
    return course


def _positions(count: int) -> list[int]:
    """0-based sorted positions of p5, p50, p95 among ``count`` values (inverted CDF)."""
    return [(p * count + 99) // 100 - 1 for p in PERCENTS]


def summarise(values: npt.NDArray[Any]) -> Stats:
    """Mean and percentiles of a 1-D array (the array is not changed)."""
    positions = _positions(values.shape[0])
    picked = np.partition(values, sorted(set(positions)))[positions]
    return Stats(float(values.mean()), float(picked[1]), float(picked[0]), float(picked[2]))


def _dose_percentiles(cells: FloatArray, received: npt.NDArray[np.int64]) -> FloatArray:
    """p5, median, p95 (columns) of each dose (rows) among the patients who received it.

    ``cells`` (doses, N) holds +inf for missed doses and is partitioned in place, every row at
    once: the union of the rows' percentile positions is passed as ``kth``. Rows nobody
    received give NaN.
    """
    rows = [_positions(int(c)) if c > 0 else [0, 0, 0] for c in received]
    kth = sorted({p for row in rows for p in row})
    cells.partition(kth, axis=1)
    picked: FloatArray = np.take_along_axis(cells, np.asarray(rows, dtype=np.intp), axis=1)
    picked[received == 0] = np.nan
    return picked


def simulate_cohort(
    protocol: Protocol,
    cohort: Cohort,
    *,
    arm: str | None = None,
    options: DoseOptions | None = None,
    schedule: Which | None = None,
    progress: Progress | None = None,
) -> CohortResult:
    """Simulate ``cohort`` on ``arm`` of ``protocol``.

    ``schedule`` picks the minimum or maximum schedule of a frequency range (required then).
    ``progress(done, total)`` is called after each block of patients.

    >>> from celldose.protocols import load_protocol, parse_dose
    >>> p = load_protocol("jang2025-canine-itp")
    >>> r = simulate_cohort(p, Cohort(patients=3, weight=parse_weight("10kg")),
    ...                     options=DoseOptions(dose=parse_dose("1e6 cells/kg")))
    >>> r.total_cells.median, r.cohort_total_cells
    (80000000.0, 240000000.0)
    """
    options = options or DoseOptions()
    species = cohort.species or get_species(protocol.species)
    chosen = protocol.arm(arm)
    _check_bsa(protocol, chosen.name, species, options)
    model = _weight_model(cohort, species)
    reference = make_patient(species, Weight(model.median_kg, model.median_kg, "kg"))
    plan = plan_doses(protocol, reference, arm=chosen.name, options=options)
    index = plan.schedule_index(schedule)
    records = plan.schedules[index].doses
    doses = len(records)
    patients = cohort.size
    if patients * doses > MAX_CELLS:
        raise OptionError(
            f"{patients:,} patients × {doses} doses is more than celldose holds at once "
            f"({MAX_CELLS:,} doses)",
            f"give at most {MAX_CELLS // doses:,} patients",
        )
    engine = _engine(plan, index, species)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(cohort.seed).spawn(3)]
    cells = np.empty((doses, patients), dtype=np.float64)
    weights = np.empty(patients, dtype=np.float64)
    totals = np.empty(patients, dtype=np.float64)
    vials = np.empty(patients, dtype=np.int32) if engine.cells_per_vial is not None else None
    course = np.empty(patients, dtype=np.int32) if engine.planned_days is not None else None
    given_counts = np.empty(patients, dtype=np.int32)
    dose_sums = np.zeros(doses)
    received = np.zeros(doses, dtype=np.int64)
    delayed = np.zeros(doses, dtype=np.int64)
    to_draw = 0.0
    capped = 0
    block = max(1, BLOCK // doses)
    for start in range(0, patients, block):  # blocks of patients bound the temporary memory
        stop = min(start + block, patients)
        draws = draw_block(model, streams, start, stop - start, doses, cohort)
        out = evaluate_block(engine, draws, cells[:, start:stop])
        weights[start:stop] = draws.weights
        totals[start:stop] = out.total_cells
        given_counts[start:stop] = out.doses_given
        if vials is not None:
            assert out.vials is not None
            vials[start:stop] = out.vials
        if course is not None:
            assert out.course_days is not None
            course[start:stop] = out.course_days
        dose_sums += out.dose_sums
        received += out.received
        delayed += out.delayed
        to_draw += out.cells_to_draw
        capped += out.capped
        if progress is not None:
            progress(stop, patients)
    with np.errstate(over="ignore"):
        cohort_total = float(totals.sum())
    drawn = to_draw if engine.viability is not None else cohort_total
    if not math.isfinite(drawn * cohort.overage):
        raise _cells_out_of_range()
    percentiles = _dose_percentiles(cells, received)
    del cells
    per_dose = [
        DoseStats(
            number=record.number,
            phase=record.phase,
            dose=str(record.dose),
            planned_day=record.day,
            received=int(received[j]),
            missed_fraction=1.0 - float(received[j]) / patients,
            delayed_fraction=float(delayed[j]) / patients,
            cells=None
            if received[j] == 0
            else Stats(
                mean=float(dose_sums[j] / received[j]),
                median=float(percentiles[j, 1]),
                p5=float(percentiles[j, 0]),
                p95=float(percentiles[j, 2]),
            ),
        )
        for j, record in enumerate(records)
    ]
    total_vials = int(vials.sum(dtype=np.int64)) if vials is not None else None
    demand = Demand(
        overage=cohort.overage,
        cells_given=cohort_total,
        cells_to_draw=drawn,
        cells_to_manufacture=drawn * cohort.overage,
        cells_per_vial=engine.cells_per_vial,
        vials=total_vials,
        vials_to_manufacture=None
        if total_vials is None
        else math.ceil(total_vials * cohort.overage * (1 - 1e-12)),  # 10 × 1.1 is 11, not 12
    )
    forecasts = tuple(
        responder_forecast(w.label, w.responders, patients)
        for w in protocol.response_windows
        if isinstance(w.responders, Responders) and w.arm in (None, chosen.name)
    )
    placeholder = () if model.kind == "fixed" else reference.warnings  # a fixed weight is real
    warnings = _warnings(plan, placeholder, cohort, engine, capped, given_counts)
    for array in (weights, totals, vials, course, given_counts):
        if array is not None:
            array.flags.writeable = False
    return CohortResult(
        plan=plan,
        cohort=cohort,
        schedule=plan.schedules[index].which,
        species=species,
        weight_model=_describe_weights(model, cohort, species),
        weight_kg=summarise(weights),
        total_cells=summarise(totals),
        cohort_total_cells=cohort_total,
        per_dose=tuple(per_dose),
        vials=summarise(vials) if vials is not None else None,
        course_days=summarise(course) if course is not None else None,
        doses_given=summarise(given_counts),
        patients_without_dose=int(np.count_nonzero(given_counts == 0)),
        capped_doses=capped,
        demand=demand,
        responders=forecasts,
        warnings=warnings,
        patient_weights_kg=weights,
        patient_total_cells=totals,
        patient_vials=vials,
        patient_course_days=course,
        patient_doses_given=given_counts,
    )


def _check_bsa(protocol: Protocol, arm: str, species: Species, options: DoseOptions) -> None:
    chosen = protocol.arm(arm)
    doses: list[Any] = (
        [options.dose]
        if options.dose is not None
        else [protocol.phase_dose(chosen, i) for i in range(1, len(chosen.regimen.phases) + 1)]
    )
    per_m2 = any(isinstance(d, Dose) and d.basis == "per m²" for d in doses)
    if per_m2 and (species.bsa != "meeh" or species.meeh_k is None):
        raise OptionError(
            f"a per-m² dose for a virtual cohort of {species.label}s needs each patient's body "
            "surface area, and celldose draws weights only (Meeh BSA from the weight: dogs, cats)",
            "simulate one patient at a time with --height, or give a per-kg dose with --dose",
        )


def _weight_model(cohort: Cohort, species: Species) -> WeightModel:
    if cohort.roster is not None:
        weights = cohort.roster.weights_kg
        ordered = sorted(weights)
        return WeightModel("roster", median_kg=ordered[(len(ordered) - 1) // 2], roster_kg=weights)
    low, high = species.hard_kg
    if cohort.weight is not None:
        if not low <= cohort.weight.kg <= high:
            make_patient(species, cohort.weight)  # raises the usual refusal
        return WeightModel("fixed", median_kg=cohort.weight.kg)
    median = cohort.weight_median.kg if cohort.weight_median else species.cohort_median_kg
    sigma = cohort.weight_sigma if cohort.weight_sigma is not None else species.cohort_sigma
    soft_low, soft_high = species.soft_kg
    if not soft_low <= median <= soft_high:
        raise OptionError(
            f"a median weight of {median:g} kg is outside the {soft_low:g}-{soft_high:g} kg that "
            f"cohort weights of a {species.label} are kept within (soft_kg, species.toml)",
            "give a median inside that range, or a roster",
        )
    if sigma > 0:
        inside = _normal_cdf(math.log(soft_high / median) / sigma) - _normal_cdf(
            math.log(soft_low / median) / sigma
        )
        if inside < MIN_INSIDE:
            raise OptionError(
                f"with median {median:g} kg and sigma {sigma:g}, {100 * (1 - inside):.0f}% of the "
                f"weights fall outside {soft_low:g}-{soft_high:g} kg; truncating that much would "
                "change the distribution",
                f"lower --weight-sigma: sigma {sigma:g} puts 90% of the weights within "
                f"×/÷ {format_sig(math.exp(1.645 * sigma))} of the median",
            )
    return WeightModel("lognormal", median, sigma, soft_low, soft_high)


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _describe_weights(model: WeightModel, cohort: Cohort, species: Species) -> str:
    if model.kind == "roster":
        assert cohort.roster is not None
        return f"roster {cohort.roster.source} ({len(model.roster_kg)} patients)"
    if model.kind == "fixed":
        assert cohort.weight is not None
        return f"every patient {cohort.weight.text}"
    overridden = cohort.weight_median is not None or cohort.weight_sigma is not None
    source = "--weight-median/--weight-sigma" if overridden else "species.toml"
    return (
        f"lognormal, median {model.median_kg:g} kg, sigma {model.sigma:g} (of log weight), "
        f"truncated to {model.low_kg:g}-{model.high_kg:g} kg ({source}; {species.label}: "
        "celldose planning assumptions, not study data)"
    )


def _engine(plan: DosePlan, index: int, species: Species) -> Engine:
    records = plan.schedules[index].doses
    factor = plan.scale.factor if plan.scale is not None else 1.0
    per_kg = np.zeros(len(records))
    per_m2 = np.zeros(len(records))
    flat = np.zeros(len(records))
    for j, record in enumerate(records):  # the schedule's constants, once
        dose = record.dose
        if dose.basis == "per kg":
            per_kg[j] = dose.amount * factor
        elif dose.basis == "per m²":
            per_m2[j] = dose.amount
        else:
            flat[j] = dose.amount
    days = [r.day for r in records]
    planned = None if any(d is None for d in days) else np.asarray(days, dtype=np.int32)
    product = plan.product
    return Engine(
        per_kg=per_kg,
        per_m2=per_m2,
        flat=flat,
        meeh_k=species.meeh_k,
        cap=product.cap_cells,
        viability=product.viability if product.dose_counts_viable else None,
        cells_per_vial=product.cells_per_vial,
        planned_days=planned,
    )


def _warnings(
    plan: DosePlan,
    reference_warnings: tuple[str, ...],
    cohort: Cohort,
    engine: Engine,
    capped: int,
    given_counts: IntArray,
) -> tuple[str, ...]:
    out = [w for w in plan.warnings if w not in reference_warnings and "capped at" not in w]
    out = [w for w in out if "fall on a weekend" not in w]
    if cohort.roster is not None:
        out.extend(cohort.roster.warnings)
    if capped:
        assert engine.cap is not None
        out.append(
            f"{capped:,} doses were above the cap and capped at {format_sig(engine.cap)} cells"
        )
    if engine.planned_days is None:
        out.append(
            "the regimen counts calendar months: course lengths in days need a start date "
            "(--start YYYY-MM-DD)"
        )
    if cohort.missed == 1:
        out.append("--missed 1: every dose is missed, nobody is treated")
    return tuple(out)


__all__ = [
    "DEFAULT_SEED",
    "Cohort",
    "CohortResult",
    "Demand",
    "DoseStats",
    "ResponderForecast",
    "Roster",
    "Stats",
    "beta_binomial_pmf",
    "parse_delay_days",
    "parse_roster",
    "read_roster",
    "responder_forecast",
    "simulate_cohort",
]
