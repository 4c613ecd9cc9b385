"""Numbers for people: rounded to significant figures as a person rounds them (half up), after
the float's own noise is dropped, so a computed total never rounds the other way than its exact
value does."""

from __future__ import annotations

import pytest

from celldose.cli import main
from celldose.protocols import format_sig


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (185499999.99999997, "1.86×10⁸"),  # 7 × 2.65×10⁷ = 1.855×10⁸, computed a hair below
        (132500000.0, "1.33×10⁸"),  # 5 × 2.65×10⁷ = 1.325×10⁸: half up
        (0.125, "0.13"),  # at 2 figures (see below): a tie, rounded up
        (2.675, "2.68"),  # the float is 2.67499999999999982236431605997495353221893310546875
        (1.845e8, "1.85×10⁸"),  # half up, not to even
        (24040394.0, "2.4×10⁷"),
        (0.5, "0.5"),
        (5.0, "5"),
    ],
)
def test_rounding_is_half_up_on_the_number_a_person_means(value: float, shown: str) -> None:
    digits = 2 if value == 0.125 else 3
    assert format_sig(value, digits) == shown


def test_a_cumulative_total_per_lb_rounds_as_its_exact_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 1×10⁶ cells/lb × 26.5 lb = 2.65×10⁷ cells a dose; after 7 doses 1.855×10⁸ → 1.86×10⁸
    args = ["dose", "jang2025-canine-itp", "--weight", "26.5lb", "--dose", "1e6 cells/lb"]
    assert main(args) == 0
    rows = capsys.readouterr().out.splitlines()
    (seventh,) = [r for r in rows if r.startswith("7 ")]
    assert seventh.split()[-2:] == ["1.86×10⁸", "cells"]
