"""Library errors name API arguments; the command line shows its flags instead."""

from __future__ import annotations

from celldose.cli._flags import cli_text, flag
from celldose.protocols import NotReportedError, OptionError


def test_an_argument_becomes_its_flag() -> None:
    assert flag("dose") == "--dose"
    assert flag("weight_sigma") == "--weight-sigma"


def test_a_not_reported_value_asks_for_its_flag() -> None:
    exc = NotReportedError("the dose per administration", "dose", '"<amount> cells/kg"', "(x)")
    assert str(exc) == (
        'the source (x) does not report the dose per administration (pass dose="<amount> cells/kg")'
    )
    assert cli_text(exc) == (
        "the source (x) does not report the dose per administration "
        '(give it with --dose "<amount> cells/kg")'
    )


def test_only_the_listed_fields_are_rewritten() -> None:
    exc = OptionError(
        "weight_sigma must be at most 3",
        "a weight of 3 kg is not a weight_sigma=",
        fields=["weight_sigma"],
    )
    assert (
        cli_text(exc)
        == "--weight-sigma must be at most 3 (a weight of 3 kg is not a --weight-sigma )"
    )
    plain = OptionError("the dose must be a number of cells", "dose it in cells")
    assert cli_text(plain) == "the dose must be a number of cells (dose it in cells)"
