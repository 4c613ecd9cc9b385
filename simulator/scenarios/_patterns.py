"""Which doses a patient received, as one whole number: bit ``j`` set when dose ``j`` was given.

A block of a cohort holds ``given`` as a (doses, patients) array of booleans; reading it down
each patient's column (their first and last dose, how many they received) walks the array
across its rows, which is slow. Packed into one number per patient (up to 16 doses), the same
facts come from small tables indexed by that number: the first and last dose, and the count.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    Patterns = npt.NDArray[np.uint16]

MOST_DOSES = 16  # doses a pattern holds (a uint16)


def given_pattern(given: npt.NDArray[np.bool_]) -> Patterns | None:
    """One number per patient (column) of ``given``: bit j is dose j; None past 16 doses."""
    doses = given.shape[0]
    if doses > MOST_DOSES:
        return None
    kind = np.uint8 if doses <= 8 else np.uint16
    bits = given.view(np.uint8)  # a bool is one byte, 0 or 1
    pattern: npt.NDArray[Any] = bits[0].astype(kind)
    shifted = np.empty_like(pattern)
    for j in range(1, doses):  # row by row: each row of given is contiguous
        np.left_shift(bits[j], kind(j), out=shifted, dtype=kind)
        np.bitwise_or(pattern, shifted, out=pattern)
    out: Patterns = pattern.astype(np.uint16, copy=False)
    return out


def doses_in(pattern: Patterns) -> npt.NDArray[np.int32]:
    """How many doses each pattern holds (its bits set)."""
    counted: npt.NDArray[np.int32] = np.bitwise_count(pattern).astype(np.int32)
    return counted


def given_counts(given: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """(doses,): how many patients received each dose (row by row: each row is contiguous,
    and counting a row is much faster than counting along an axis)."""
    return np.array([np.count_nonzero(row) for row in given], dtype=np.int64)


@lru_cache(maxsize=16)
def course_spans(planned: tuple[int, ...]) -> npt.NDArray[np.int32]:
    """For every pattern of ``len(planned)`` doses: the planned days from its first dose to
    its last (0 with one dose or none)."""
    first, last, _ = tables(len(planned))
    days = np.asarray(planned, dtype=np.int32)
    spans: npt.NDArray[np.int32] = (days[last] - days[first]).astype(np.int32)
    spans[0] = 0
    return spans


@lru_cache(maxsize=16)
def tables(doses: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.int32]]:
    """For every pattern of ``doses`` doses: the first dose given, the last, and how many.

    A pattern with no dose has first 0 and last ``doses - 1`` (as ``argmax`` finds them)."""
    codes = np.arange(1 << doses)
    bits = (codes[:, None] >> np.arange(doses)[None, :]) & 1
    first = np.where(codes > 0, np.argmax(bits, axis=1), 0).astype(np.intp)
    last = (doses - 1 - np.argmax(bits[:, ::-1], axis=1)).astype(np.intp)
    return first, last, bits.sum(axis=1).astype(np.int32)


def bit_rows(doses: int) -> npt.NDArray[np.int64]:
    """(doses, 2**doses): 1 where pattern ``code`` includes dose ``j``."""
    codes = np.arange(1 << doses)
    return ((codes[None, :] >> np.arange(doses)[:, None]) & 1).astype(np.int64)


__all__ = [
    "MOST_DOSES",
    "bit_rows",
    "course_spans",
    "doses_in",
    "given_counts",
    "given_pattern",
    "tables",
]
