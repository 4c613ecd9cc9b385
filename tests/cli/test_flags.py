"""Library errors name API arguments; the command line shows its flags instead."""

from __future__ import annotations

from celldose.cli._flags import cli_text, flag, warning_lines
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


def test_arguments_in_running_text_become_flags() -> None:
    exc = OptionError(
        "weight_sigma must be at most 3",
        "count= only fills a count; pass dose=1e6/kg or weekends=next-weekday",
        fields=["weight_sigma"],
    )
    assert cli_text(exc) == (
        "--weight-sigma must be at most 3 (--count only fills a count; give it with --dose "
        "1e6/kg or --weekends next-weekday)"
    )
    plain = OptionError("the dose must be a number of cells", "dose it in cells")
    assert cli_text(plain) == "the dose must be a number of cells (dose it in cells)"


def test_warnings_in_flag_words_each_once() -> None:
    warnings = ["number of doses 3 given with count= (the source does not report it)"] * 2
    assert warning_lines(warnings) == [
        "warning: number of doses 3 given with --count (the source does not report it)"
    ]


def test_a_yes_no_argument_becomes_its_flag_alone() -> None:
    exc = OptionError("a dog protocol for a cat", "pass cross_species=True to use it anyway")
    assert cli_text(exc) == "a dog protocol for a cat (pass --cross-species to use it anyway)"


def test_notes_are_note_lines_in_the_order_of_the_warnings() -> None:
    note = "vial 3.8 mL given with vial="
    warnings = ["doses 1, 2 fall on a weekend (weekends=next-weekday moves them)", note]
    assert warning_lines(warnings, notes=[note]) == [
        "warning: doses 1, 2 fall on a weekend (--weekends next-weekday moves them)",
        "note: vial 3.8 mL given with --vial",
    ]
