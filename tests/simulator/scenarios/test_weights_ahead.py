"""A large cohort's weights drawn a block ahead in a second thread (_cohort_weights.weights_ahead).

The thread draws from the same stream in the same order as the block loop would, so a cohort's
every figure is the same with and without it; an error in the loop leaves no thread behind.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from celldose.protocols import protocol_from_regimen
from celldose.simulator.scenarios import Cohort, _cohort_blocks, simulate_cohort

# 8 doses: a block is 2¹⁸ / 8 = 32,768 patients, so 100,000 patients are 4 blocks
EIGHT = protocol_from_regimen("1×10⁶ cells/kg q4w ×8", "dog")


@contextmanager
def _in_the_loop(*args: Any) -> Iterator[None]:
    yield None  # no thread: the loop draws each block's weights when it reaches it


@pytest.mark.parametrize(
    "cohort",
    [
        Cohort(patients=100_000, seed=7),
        Cohort(patients=100_000, missed=0.1, delayed=0.2, delay_days=(1, 7), seed=7),
        Cohort(patients=65_537, seed=3),  # two full blocks and one patient
    ],
    ids=["doses-only", "missed-and-delayed", "last-block-of-one"],
)
def test_weights_drawn_ahead_are_the_weights_drawn_in_the_loop(
    cohort: Cohort, monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead = simulate_cohort(EIGHT, cohort)
    monkeypatch.setattr(_cohort_blocks, "weights_ahead", _in_the_loop)
    in_loop = simulate_cohort(EIGHT, cohort)
    assert ahead.patient_weights_kg.tobytes() == in_loop.patient_weights_kg.tobytes()
    assert ahead.to_dict() == in_loop.to_dict()
    assert ahead.rows() == in_loop.rows()


def test_an_error_in_the_loop_leaves_no_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = _cohort_blocks.evaluate_scaled

    def fails_on_the_second_block(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("block 2")
        return real(*args, **kwargs)

    monkeypatch.setattr(_cohort_blocks, "evaluate_scaled", fails_on_the_second_block)
    with pytest.raises(RuntimeError, match="block 2"):
        simulate_cohort(EIGHT, Cohort(patients=300_000, seed=1))  # 10 blocks
    assert len(calls) == 2
    assert not [t for t in threading.enumerate() if t.name.startswith("celldose-weights")]
