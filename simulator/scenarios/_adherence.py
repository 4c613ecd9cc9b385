"""Which doses of a block of virtual patients are missed, which are delayed, and by how many days.

Each dose draws one 32-bit random number ``r`` (uniform on 0 .. 2³² − 1, from the raw output
of the cohort's adherence stream: two numbers per 64-bit word, low half first), and ``r``
decides everything about it:

- missed when ``r < T``, with ``T = round(missed × 2³²)``: a dose is missed with probability
  ``T / 2³²``, the given probability in steps of 2⁻³² (within 1.2×10⁻¹⁰ of it);
- a dose given (``r ≥ T``) is delayed when ``r − T < span × W``, where ``span`` is the number
  of possible delays (``high − low + 1`` days) and ``W = round(delayed × (2³² − T) / span)``:
  the probability of a delay among the doses given is ``span × W / (2³² − T)``, the given
  probability in steps of ``span`` × 2⁻³² of all doses;
- a delayed dose is delayed by ``low + (r − T) // W`` days: each of the ``span`` delays takes
  exactly ``W`` of the numbers, so the days are exactly uniform. With ``delayed=1`` every dose
  given is delayed and ``W = ceil((2³² − T) / span)``; the longest delay then takes fewer
  numbers than the others (at most ``span − 1`` fewer of 2³² − T).

Where 32 bits are too coarse for the probabilities asked (a missed probability below
1.5×10⁻⁵, or ``W`` below 65,536: a delay so rare or its range so wide that its steps would
exceed 1/65,536 of it), each dose draws 64-bit uniform numbers instead (missed when below
``missed``; a dose given delayed when its own number is below ``delayed``) and each delayed
dose a uniform whole number of days (numpy's exact bounded integers): slower, as exact as a
float.

One number per dose, drawn straight as 32-bit words and compared as whole numbers: a quarter
of the random bits, and none of the floating-point work, of two 64-bit uniforms and a draw of
whole days. The raw bits of numpy's PCG64 are a stable stream, so a seed gives the same doses
whatever the numpy version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    BoolArray = npt.NDArray[np.bool_]
    IntArray = npt.NDArray[np.int32]

FULL = 1 << 32  # the numbers a 32-bit draw can take
FINEST = 1 << 16  # fewer steps than this in a probability: 64-bit draws instead (see coarse)


def draw_words(rng: np.random.Generator, doses: int, n: int) -> npt.NDArray[np.uint32]:
    """(doses, n) uniform 32-bit whole numbers: the raw 64-bit output, low half first (on any
    byte order)."""
    count = doses * n
    raw = rng.bit_generator.random_raw((count + 1) // 2)
    words: npt.NDArray[np.uint32] = raw.astype("<u8", copy=False).view("<u4")[:count]
    return words.reshape(doses, n)


def draw_adherence(
    rng: np.random.Generator,
    doses: int,
    n: int,
    missed: float,
    delayed: float,
    delay_days: tuple[int, int] | None,
    entered: BoolArray | None = None,
) -> tuple[BoolArray | None, IntArray | None]:
    """The doses given (None: every dose) and each dose's delay in days (None: no delays; 0
    for a dose given on time or not given) of ``n`` patients × ``doses`` doses (see the
    module's docstring). ``entered`` (doses, n) marks the doses a patient's branch includes:
    the others are not given (nor delayed), whatever their number says."""
    if missed == 0 and delayed == 0:
        return entered, None
    if coarse(missed, delayed, delay_days):
        return _fine_draws(rng, doses, n, missed, delayed, delay_days, entered)
    return fates(draw_words(rng, doses, n), missed, delayed, delay_days, entered)


def coarse(missed: float, delayed: float, delay_days: tuple[int, int] | None) -> bool:
    """Whether 32 bits would give a probability in steps coarser than 1/65,536 of it (missed
    below 1.5×10⁻⁵, or a delay so rare or its range so wide that W < 65,536)."""
    threshold = round(missed * FULL)
    if 0 < threshold < FINEST:
        return True
    if delayed == 0 or threshold >= FULL or delay_days is None:
        return False
    span = delay_days[1] - delay_days[0] + 1
    room = FULL - threshold
    width = -(-room // span) if delayed >= 1 else round(delayed * room / span)
    return width < FINEST


def _fine_draws(
    rng: np.random.Generator,
    doses: int,
    n: int,
    missed: float,
    delayed: float,
    delay_days: tuple[int, int] | None,
    entered: BoolArray | None,
) -> tuple[BoolArray | None, IntArray | None]:
    """The fates of a :func:`coarse` case from 64-bit uniform numbers (missed when below
    ``missed``; a dose given delayed when its own number is below ``delayed``) and a uniform
    whole number of days for each delayed dose (numpy's exact bounded integers)."""
    given: BoolArray | None = rng.random((doses, n)) >= missed if missed > 0 else None
    if entered is not None:
        given = entered if given is None else given & entered
    if delayed == 0:
        return given, None
    assert delay_days is not None
    late = rng.random((doses, n)) < delayed
    if given is not None:
        late &= given
    delays: IntArray = np.zeros((doses, n), dtype=np.int32)
    where = np.flatnonzero(late)
    low, high = delay_days
    delays.ravel()[where] = rng.integers(low, high + 1, size=where.size, dtype=np.int32)
    return given, delays


def fates(
    words: npt.NDArray[np.uint32],
    missed: float,
    delayed: float,
    delay_days: tuple[int, int] | None,
    entered: BoolArray | None = None,
) -> tuple[BoolArray | None, IntArray | None]:
    """What :func:`draw_adherence` makes of the drawn ``words`` (doses, n), which it reuses
    for the delays."""
    doses, n = words.shape
    threshold = round(missed * FULL)
    given: BoolArray | None
    if threshold >= FULL:  # missed=1: every dose missed
        given = np.zeros((doses, n), dtype=bool)
    elif threshold > 0:
        given = words >= np.uint32(threshold)
    else:
        given = None
    if entered is not None:
        given = entered if given is None else given & entered
    if delayed == 0 or threshold >= FULL:
        return given, None
    assert delay_days is not None
    low, high = delay_days
    span = high - low + 1
    room = FULL - threshold  # the numbers of a dose given
    if delayed >= 1:
        width = -(-room // span)
    else:
        width = min(max(round(delayed * room / span), 1), room // span)
    if threshold:  # r - T: 0 .. 2³² - T - 1 for a dose given; a missed dose wraps past it
        np.subtract(words, np.uint32(threshold), out=words)
    late: BoolArray
    if delayed >= 1 or span * width >= room:  # every dose given is delayed
        late = np.ones((doses, n), dtype=bool) if given is None else given.copy()
    else:
        late = words < np.uint32(span * width)
        if entered is not None:
            late &= entered
    if span == 1:  # one possible delay
        words.fill(low)
    else:  # W <= ceil(2³² / 2): a 32-bit number
        np.floor_divide(words, np.uint32(width), out=words)
        np.add(words, np.uint32(low), out=words)
    np.multiply(words, late, out=words)
    delays: IntArray = words.view(np.int32)  # at most low + span - 1 <= 36,500 days
    return given, delays


def delayed_counts(delays: IntArray) -> npt.NDArray[np.int64]:
    """(doses,): how many patients each dose is delayed for (row by row: each row is
    contiguous, and counting a row is much faster than counting along an axis)."""
    return np.array([np.count_nonzero(row) for row in delays], dtype=np.int64)


__all__ = [
    "FINEST",
    "FULL",
    "coarse",
    "delayed_counts",
    "draw_adherence",
    "draw_words",
    "fates",
]
