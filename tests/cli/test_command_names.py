"""A mistyped command name is refused with the nearest command names (exit 2, one line)."""

from __future__ import annotations

import pytest

from celldose.cli import main


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("dos", "did you mean dose?"),
        ("plto", "did you mean plot?"),
        ("simualte", "did you mean simulate?"),
    ],
)
def test_a_near_miss_names_the_command_meant(
    capsys: pytest.CaptureFixture[str], typed: str, suggestion: str
) -> None:
    assert main([typed, "--weight", "12kg"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: there is no command '{typed}': {suggestion} (see celldose --help)\n"


def test_a_name_like_no_command_lists_them_all(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["xyz"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "error: there is no command 'xyz': the commands: list, show, check, schema, parse, dose, "
        "plot, compare, simulate (see celldose --help)\n"
    )
