"""Exact percentiles of a cohort's values, gathered block by block while the values are in cache.

A cohort of 10⁷ patients is computed in blocks of patients (see :mod:`._engine`). Selecting the
p5, median and p95 of 10⁷ values afterwards (``np.partition``) reads the whole array several
times; here each block is looked at once, while it is still in the processor's cache, and the
percentiles come out exact: the same values as ``np.quantile(values, q,
method="inverted_cdf")`` (the smallest value such that at least that share of the values are
it or less), tested against it.

- :class:`CountedInts` counts small non-negative whole numbers (vials, days, doses given); the
  k-th smallest is read from the running counts.
- :class:`Bracketed` keeps, for each percentile, the values of a narrow bracket around it, set
  from the first block (a random sample of the cohort), and counts the values below it. The
  k-th smallest is the right one of the bracket's values, found by a small partition. When
  the bracket misses (the first block was not representative, as in a sorted roster), it says
  so and the caller selects from the whole array instead: exact either way. With ``rows``, it
  selects within subsets (the patients who received each dose), given per value as a pattern
  of bits (``_patterns.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from celldose.simulator.scenarios._patterns import bit_rows
from celldose.simulator.scenarios._stats import PERCENTS, _positions

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.int32]

    from celldose.simulator.scenarios._patterns import Patterns

MOST_COUNTS = 1 << 20  # whole numbers up to this are counted; larger ones are selected at the end
_SIGMAS = 6.0  # the bracket's half width, in standard deviations of a sample quantile's rank
_SLACK = 64  # and this many sample values more on each side
_MOST_KEPT = 1 << 16  # values kept in brackets beyond a quarter of those seen: give up on them


class CountedInts:
    """Running counts of non-negative whole numbers, for their exact percentiles."""

    def __init__(self) -> None:
        self.counts: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self.usable = True

    def add(self, values: IntArray) -> None:
        if not self.usable or values.size == 0:
            return
        if int(values.max()) >= MOST_COUNTS:
            self.usable = False
            return
        try:
            counted = np.bincount(values, minlength=self.counts.size)
        except ValueError:  # a negative number
            self.usable = False
            return
        if counted.size > self.counts.size:
            counted[: self.counts.size] += self.counts
            self.counts = counted.astype(np.int64, copy=False)
        else:
            self.counts += counted

    def add_same(self, value: int, times: int) -> None:
        """Count ``value`` ``times`` times (a block where every patient has it)."""
        if not self.usable or times == 0:
            return
        if not 0 <= value < MOST_COUNTS:
            self.usable = False
            return
        if value >= self.counts.size:
            self.counts = np.concatenate([self.counts, np.zeros(value + 1 - self.counts.size)])
            self.counts = self.counts.astype(np.int64)
        self.counts[value] += times

    def total(self) -> int | None:
        """The sum of the values counted (exact), or None if they could not be counted."""
        if not self.usable:
            return None
        return int(np.dot(np.arange(self.counts.size, dtype=np.int64), self.counts))

    def pick(self, positions: Sequence[int]) -> list[int] | None:
        """The values at 0-based sorted ``positions``, or None if they could not be counted."""
        if not self.usable:
            return None
        cumulative = np.cumsum(self.counts)
        if not cumulative.size or positions and max(positions) >= cumulative[-1]:
            return None
        return [int(np.searchsorted(cumulative, p, side="right")) for p in positions]


class Bracketed:
    """Brackets around the percentiles of :data:`PERCENTS`, set from a first block of values.

    With ``rows``, it selects within ``rows`` subsets of the values (the patients who received
    each dose): each value comes with its pattern, bit ``row`` set when it belongs to subset
    ``row`` (see ``_patterns.py``; at most 16 rows).
    """

    def __init__(self, sample: FloatArray, rows: int | None = None) -> None:
        ordered = np.sort(sample)
        m = ordered.size
        self.edges: list[tuple[float, float]] = []
        for percent in PERCENTS:
            q = percent / 100
            centre = int(q * m)
            half = int(_SIGMAS * math.sqrt(m * q * (1 - q))) + _SLACK
            low = ordered[max(centre - half, 0)]
            high = ordered[min(centre + half, m - 1)]
            self.edges.append((float(low), float(high)))
        self.rows = rows
        lows = [low for low, _ in self.edges]
        self.ascending = lows == sorted(lows)  # then passing bracket t passes every one before
        self.below = np.zeros(len(PERCENTS), dtype=np.int64)  # without rows: values below
        # with rows: the values below, by pattern
        self.below_by = np.zeros((len(PERCENTS), 1 << (rows or 0)), dtype=np.int64)
        self.inside: list[list[FloatArray]] = [[] for _ in PERCENTS]
        self.patterns: list[list[Patterns]] = [[] for _ in PERCENTS]
        self.seen = self.kept = 0
        self.usable = True  # False once the brackets hold too much (many equal values)

    def add(self, values: FloatArray, patterns: Patterns | None = None) -> None:
        """Count and keep what a block of ``values`` has around each percentile (with
        ``rows``, ``patterns`` says which subsets each value belongs to)."""
        if not self.usable:
            return
        at_least = [values >= low for low, _ in self.edges]  # the rest are below the bracket
        if patterns is None:
            for t, above in enumerate(at_least):
                self.below[t] += values.size - int(np.count_nonzero(above))
        elif not self.ascending:
            for t, above in enumerate(at_least):
                under = patterns[~above]
                self.below_by[t] += np.bincount(under, minlength=self.below_by.shape[1])
        else:  # counted by (brackets passed, pattern) in one go: below bracket t, at most t
            kinds = self.below_by.shape[1]
            bins = (len(at_least) + 1) * kinds
            passes = at_least[0].view(np.uint8).copy()  # brackets passed: 0 .. 3
            for above in at_least[1:]:
                passes += above.view(np.uint8)
            if bins <= 1 << 16:  # up to 14 doses: two bytes a value, as the patterns
                key = passes.astype(np.uint16)
                key <<= kinds.bit_length() - 1  # the rows: kinds = 2 ** rows
                key |= patterns
                passed = np.bincount(key, minlength=bins)
            else:
                passed = np.bincount(passes.astype(np.intp) * kinds + patterns, minlength=bins)
            below = np.cumsum(passed.reshape(len(at_least) + 1, kinds), axis=0)
            self.below_by += below[:-1]
        for t, (above, (_, high)) in enumerate(zip(at_least, self.edges, strict=True)):
            above &= values <= high
            near = np.flatnonzero(above)
            self.inside[t].append(values[near])
            if patterns is not None:
                self.patterns[t].append(patterns[near])
            self.kept += near.size
        self.seen += values.size
        if self.kept > max(_MOST_KEPT, self.seen // 4):  # not narrow: select at the end instead
            self.usable = False
            self.inside = [[] for _ in PERCENTS]
            self.patterns = [[] for _ in PERCENTS]

    def pick(self, counts: Sequence[int], *, every: bool = False) -> list[list[float] | None]:
        """For each row, the values at the percentiles' positions among ``counts[row]``
        values (None for a row whose bracket missed, or that has no values). ``every``:
        among all the values, whatever their patterns (one count)."""
        if not self.usable:
            return [None for _ in counts]
        kept = [np.concatenate(parts) if parts else np.zeros(0) for parts in self.inside]
        patterns = [
            np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint16)
            for parts in self.patterns
        ]
        whole = self.rows is None or every
        if self.rows is None:
            below = self.below[None, :]
        elif every:
            below = self.below_by.sum(axis=1)[None, :]
        else:
            below = bit_rows(self.rows) @ self.below_by.T
        out: list[list[float] | None] = []
        for row, count in enumerate(counts):
            picked: list[float] | None = [] if count > 0 else None
            for t, position in enumerate(_positions(count) if count > 0 else ()):
                near = kept[t] if whole else kept[t][(patterns[t] >> row) & 1 == 1]
                rank = position - int(below[row, t])
                if picked is None or not 0 <= rank < near.size:
                    picked = None
                    break
                picked.append(float(np.partition(near, rank)[rank]))
            out.append(picked)
        return out


__all__ = ["MOST_COUNTS", "Bracketed", "CountedInts"]
