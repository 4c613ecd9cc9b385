"""--time-axis on `plot` and `compare`."""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.cli._app import main

QI = "qi2017-sjogren-thrombocytopenia"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("choice", "words"),
    [
        ("broken", "axis broken at week 16"),  # Qi: doses to day 90, + 15 = 105 d, to week 16
        ("log", "log scale of (1 + days)"),
        ("linear", None),
    ],
)
def test_time_axis_choices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], choice: str, words: str | None
) -> None:
    target = tmp_path / "qi.svg"
    code, _, err = run(capsys, "plot", QI, "--time-axis", choice, "-o", str(target))
    assert (code, err) == (0, "")
    svg = target.read_text("utf-8").replace("\n", " ")
    if words is None:
        assert "axis broken" not in svg and "log scale" not in svg
    else:
        assert words in svg


def test_an_unknown_time_axis_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "compare", QI, "--time-axis", "logarithmic", "-o", "x.png")
    assert (code, out) == (2, "")
    assert "'logarithmic' is not one of 'auto', 'linear', 'broken', 'log'" in err
