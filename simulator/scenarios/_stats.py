"""Statistics: the Wilson interval of a proportion, percentiles, the beta-binomial forecast.

Percentiles (p5, median, p95) are the inverted empirical CDF: the smallest value such that at
least that share of the patients have it or less. Each is a value that occurs (whole vials, whole
days); the responders' predictive percentiles follow the same rule on the exact distribution.

numpy is imported inside the functions that need it, so that a comparison (which needs only the
Wilson interval) does not load it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from celldose.protocols import OptionError, Responders

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

Z95 = 1.959963984540054
"""The standard normal quantile for a two-sided 95% interval."""

PERCENTS = (5, 50, 95)
PERCENTILE_NOTE = (
    "p5, median, p95: the smallest value such that at least 5%, 50%, 95% of the patients have "
    "it or less (inverted empirical CDF; always a value that occurs)"
)
RESPONDERS_NOTE = (
    "This only restates the published rate: a Beta(k+1, n-k+1) posterior from k of n "
    "responders (uniform prior), spread over N patients as a beta-binomial; it is not a "
    "prediction of how well the treatment works."
)
_CDF_TOLERANCE = 1e-9


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of the proportion k/n (95% by default).

    p̂ = k/n; centre = (p̂ + z²/2n) / (1 + z²/n);
    half width = z √(p̂(1 − p̂)/n + z²/4n²) / (1 + z²/n).
    It stays inside [0, 1] and is not degenerate at k = 0 or k = n, unlike the Wald interval.

    >>> [round(v, 3) for v in wilson_interval(3, 6)]
    [0.188, 0.812]
    >>> [round(v, 3) for v in wilson_interval(0, 3)]
    [0.0, 0.561]
    """
    if n < 1 or not 0 <= k <= n:
        raise OptionError(f"responders {k}/{n} are not a proportion", "give 0 <= k <= n, n >= 1")
    p = k / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # At k = 0 (k = n) the lower (upper) bound is exactly 0 (1); avoid a -1e-17 from rounding.
    low = 0.0 if k == 0 else centre - half
    high = 1.0 if k == n else centre + half
    return low, high


def _percent(value: float, decimals: int) -> str:
    text = f"{value * 100:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def responders_text(responders: Responders | None | str, *, fraction: bool = True) -> str:
    """``3/6 (50%; 95% CI 19–81%)``; ``not reported``; ``—`` when the window gives none.

    With ``fraction=False`` the k/n is left out: ``50%; 95% CI 19–81%``.
    """
    if responders is None:
        return "—"
    if isinstance(responders, str):
        return "not reported"
    low, high = wilson_interval(responders.k, responders.n)
    share = _percent(responders.k / responders.n, 1)
    ci = f"{share}%; 95% CI {_percent(low, 0)}–{_percent(high, 0)}%"
    return f"{responders.k}/{responders.n} ({ci})" if fraction else ci


@dataclass(frozen=True)
class Stats:
    """Mean, median and the 5th and 95th percentiles (inverted empirical CDF)."""

    mean: float
    median: float
    p5: float
    p95: float

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "median": self.median, "p5": self.p5, "p95": self.p95}


def _positions(count: int) -> list[int]:
    """0-based sorted positions of p5, p50, p95 among ``count`` values (inverted CDF)."""
    return [(p * count + 99) // 100 - 1 for p in PERCENTS]


def summarise(values: npt.NDArray[Any]) -> Stats:
    """Mean and percentiles of a 1-D array (the array is not changed)."""
    import numpy as np

    positions = _positions(values.shape[0])
    picked = np.partition(values, sorted(set(positions)))[positions]
    return Stats(float(values.mean()), float(picked[1]), float(picked[0]), float(picked[2]))


def dose_percentiles(cells: FloatArray, received: npt.NDArray[np.int64]) -> FloatArray:
    """p5, median, p95 (columns) of each dose (rows) among the patients who received it.

    ``cells`` (doses, N) holds +inf for missed doses and is partitioned in place, every row at
    once: the union of the rows' percentile positions is passed as ``kth``. Rows nobody
    received give NaN.
    """
    import numpy as np

    rows = [_positions(int(c)) if c > 0 else [0, 0, 0] for c in received]
    kth = sorted({p for row in rows for p in row})
    cells.partition(kth, axis=1)
    picked: FloatArray = np.take_along_axis(cells, np.asarray(rows, dtype=np.intp), axis=1)
    picked[received == 0] = np.nan
    return picked


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


def beta_binomial_pmf(patients: int, alpha: float, beta: float) -> FloatArray:
    """P(X = x), x = 0..patients, for X ~ BetaBinomial(patients, alpha, beta).

    log P(0) comes from ``math.lgamma``; the rest from the exact ratio
    P(x+1)/P(x) = (N-x)(x+alpha) / ((x+1)(N-x-1+beta)), summed in log space.
    """
    if patients < 0:
        raise OptionError(f"patients must be >= 0, not {patients}", fields=("patients",))
    import numpy as np

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
    import numpy as np

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


__all__ = [
    "PERCENTILE_NOTE",
    "PERCENTS",
    "RESPONDERS_NOTE",
    "Z95",
    "ResponderForecast",
    "Stats",
    "beta_binomial_pmf",
    "dose_percentiles",
    "responder_forecast",
    "responders_text",
    "summarise",
    "wilson_interval",
]
