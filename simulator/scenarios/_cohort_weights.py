"""How a virtual cohort's weights are drawn: a truncated lognormal, one fixed weight, or a roster.

:func:`weight_model` reads the cohort and the species table into a :class:`WeightModel`
(refusing a distribution that truncation would reshape), :func:`truncated_lognormal` draws a
block of weights (:func:`weights_ahead`: every block of a large cohort, in a second thread), and
:func:`describe_weights` says in words where the weights come from.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from celldose.protocols import OptionError, format_sig, plural
from celldose.simulator.dosing import Species, make_patient

if TYPE_CHECKING:
    from celldose.simulator.scenarios._cohort import Cohort

MIN_INSIDE = 0.9  # refuse a weight distribution that truncation would reshape more than this


@dataclass(frozen=True)
class WeightModel:
    """How a block's weights are drawn."""

    kind: str  # "lognormal", "fixed" or "roster"
    median_kg: float = 0.0
    sigma: float = 0.0
    low_kg: float = 0.0
    high_kg: float = 0.0
    roster_kg: tuple[float, ...] = ()


def truncated_lognormal(
    rng: np.random.Generator,
    n: int,
    model: WeightModel,
    out: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """Lognormal(median, sigma) conditioned on [low, high]: out-of-range draws are redrawn
    (into ``out`` when given: the cohort's own array, not a copy)."""
    log_median = math.log(model.median_kg)
    weights: npt.NDArray[np.float64] = rng.standard_normal(None if out is not None else n, out=out)
    weights *= model.sigma  # in place: the same arithmetic as exp(log_median + sigma × z)
    weights += log_median
    np.exp(weights, out=weights)
    light, heavy = weights.min() < model.low_kg, weights.max() > model.high_kg
    if not (light or heavy):
        return weights
    if light and heavy:
        outside = np.flatnonzero((weights < model.low_kg) | (weights > model.high_kg))
    else:  # one side only (the usual case): one comparison
        outside = np.flatnonzero(weights < model.low_kg if light else weights > model.high_kg)
    while outside.size:
        redrawn = np.exp(log_median + model.sigma * rng.standard_normal(outside.size))
        weights[outside] = redrawn
        keep = (redrawn < model.low_kg) | (redrawn > model.high_kg)
        outside = outside[keep]
    return weights


@contextmanager
def weights_ahead(
    rng: np.random.Generator,
    model: WeightModel,
    weights: npt.NDArray[np.float64],
    block: int,
) -> Iterator[Callable[[int], None] | None]:
    """Draw a lognormal cohort's weights into ``weights`` block by block in a second thread,
    ahead of the block loop; yields a function that waits until the block starting at a given
    patient is drawn (None when there is one block or nothing to draw).

    The thread draws the blocks one after the other, in order, from ``rng`` (which nothing else
    draws from meanwhile): the same stream, so the same weights, as drawing each block when the
    loop reaches it. numpy releases the GIL while it draws, so the next blocks' draws run on a
    second core while the loop evaluates this one. Draws not started when the loop ends (an
    error, an interrupt) are cancelled; the one under way finishes first."""
    size = weights.size
    if size <= block or model.kind != "lognormal" or model.sigma == 0:
        yield None
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="celldose-weights") as thread:
        drawn = {
            start: thread.submit(
                truncated_lognormal,
                rng,
                min(block, size - start),
                model,
                weights[start : start + block],
            )
            for start in range(0, size, block)
        }

        def wait(start: int) -> None:
            drawn[start].result()  # re-raises an error of the draw

        try:
            yield wait
        finally:
            for future in drawn.values():
                future.cancel()


def weight_model(cohort: Cohort, species: Species) -> WeightModel:
    """How the weights of ``cohort`` are drawn; a distribution truncation would reshape is
    refused."""
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
                f"lower the sigma of log weight: sigma {sigma:g} puts 90% of the weights within "
                f"×/÷ {format_sig(math.exp(1.645 * sigma))} of the median",
            )
    return WeightModel("lognormal", median, sigma, soft_low, soft_high)


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def describe_weights(model: WeightModel, cohort: Cohort, species: Species) -> str:
    """The weights in words, with where their distribution comes from."""
    if model.kind == "roster":
        assert cohort.roster is not None
        return f"roster {cohort.roster.source} ({plural(len(model.roster_kg), 'patient')})"
    if model.kind == "fixed":
        assert cohort.weight is not None
        return f"every patient {cohort.weight.text}"
    overridden = cohort.weight_median is not None or cohort.weight_sigma is not None
    source = "weight_median/weight_sigma" if overridden else "species.toml"
    return (
        f"lognormal, median {model.median_kg:g} kg, sigma {model.sigma:g} (of log weight), "
        f"truncated to {model.low_kg:g}-{model.high_kg:g} kg ({source}; {species.label}: "
        "celldose planning assumptions, not study data)"
    )


__all__ = [
    "MIN_INSIDE",
    "WeightModel",
    "describe_weights",
    "truncated_lognormal",
    "weight_model",
    "weights_ahead",
]
