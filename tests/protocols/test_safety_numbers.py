"""Numbers and units that used to be misread silently (issue 8): each is now refused in one line.

The exact inputs of the issue: a stray ``%`` (×100), SI prefixes on cells (``mcells`` read as
milli-cells), exponents split or dropped by a Unicode space (``5×10¹ ¹cells`` read as 50), a
flattened ``10⁶`` written bare (``106 cells/kg``), and texts long enough to stall pint's parser.
Library errors are checked with their exact problem and hint; the CLI (`parse`, `dose`) with its
exit code and its one-line message.
"""

from __future__ import annotations

import time

import pytest

from celldose.cli import main
from celldose.protocols import (
    Dose,
    RegimenSyntaxError,
    UnitError,
    parse_amount,
    parse_dose,
    parse_regimen,
)
from celldose.protocols._units import parse_unit

HUMAN_70 = ["--species", "human", "--weight", "70kg"]


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the CLI; it must refuse (exit 2) with one line on stderr and nothing on stdout."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert err.count("\n") == 1 and err.endswith("\n")
    return err.removeprefix("error: ").removesuffix("\n")


# -- a stray % --------------------------------------------------------------------------------

PERCENT_PROBLEM = "'cells/kg%' is not a dose amount or basis ('%' would scale the dose by 100)"
DOSE_HINT = "a dose is cells, cells/kg or cells/m² (or mg, mL, mg/kg for ordinary drugs)"


def test_a_stray_percent_in_a_dose_is_refused() -> None:
    # was: 1×10⁶ cells/kg% read as 1×10⁸ cells/kg (7×10⁹ cells for 70 kg)
    with pytest.raises(UnitError) as info:
        parse_dose("1×10⁶ cells/kg%")
    assert (info.value.problem, info.value.hint) == (PERCENT_PROBLEM, DOSE_HINT)


def test_a_stray_percent_in_a_regimen_is_refused_by_dose_and_parse(
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = (
        "regimen '1×10⁶ cells/kg% q4w ×2' '1×10⁶ cells/kg%' at characters 1-15: "
        f"{PERCENT_PROBLEM} ({DOSE_HINT})"
    )
    assert refused(capsys, "dose", "--regimen", "1×10⁶ cells/kg% q4w ×2", *HUMAN_70) == expected
    assert refused(capsys, "parse", "1×10⁶ cells/kg% q4w ×2") == expected


def test_a_percent_in_a_product_quantity_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # viability is a plain fraction (0.9) everywhere; '%' is never a unit celldose reads
    message = refused(
        capsys,
        "dose",
        "--regimen",
        "1e6 cells/kg q4w ×2",
        *HUMAN_70,
        "--concentration",
        "6.68e6 cells/mL%",
    )
    assert message == (
        "cannot read '6.68e6 cells/mL%': '%' is not accepted in a unit (a percent would scale "
        "the number by 100) (write a fraction as a plain number (0.9 for 90%))"
    )


# -- SI prefixes on cells ---------------------------------------------------------------------

PREFIX_HINT = "write the power of ten with the number: 2×10⁶ cells/kg"


@pytest.mark.parametrize(
    "word",
    [
        "mcells",  # pint: milli-cells, 2×10⁶ mcells/kg = 2000 cells/kg
        "kcells",
        "µcells",
        "μcells",  # Greek mu
        "ucells",
        "ncells",
        "Mcells",
        "Gcells",
        "megacells",
        "millicells",
        "kilocells",
        "mcell",
    ],
)
def test_cells_take_no_prefix(word: str) -> None:
    with pytest.raises(UnitError) as info:
        parse_dose(f"2×10⁶ {word}/kg")
    assert info.value.problem == (
        f"{word!r}: cells take no prefix (it would be read as a multiple of one cell)"
    )
    assert info.value.hint == PREFIX_HINT


def test_prefixed_cells_are_refused_on_every_path(capsys: pytest.CaptureFixture[str]) -> None:
    problem = "cells take no prefix (it would be read as a multiple of one cell)"
    assert refused(capsys, "dose", "--regimen", "2×10⁶ mcells/kg q4w ×2", *HUMAN_70) == (
        "regimen '2×10⁶ mcells/kg q4w ×2' '2×10⁶ mcells/kg' at characters 1-15: "
        f"'mcells': {problem} ({PREFIX_HINT})"
    )
    regimen = ["--regimen", "1e6 cells/kg q4w ×2", *HUMAN_70]
    assert refused(capsys, "dose", *regimen, "--dose", "2 kcells/kg") == (
        f"cannot read '2 kcells/kg': 'kcells': {problem} ({PREFIX_HINT})"
    )
    assert refused(capsys, "dose", *regimen, "--cap", "1 Mcells") == (
        f"cannot read '1 Mcells': 'Mcells': {problem} ({PREFIX_HINT})"
    )
    with pytest.raises(UnitError, match="'kcells': cells take no prefix"):
        parse_amount("25 kcells", "cells", "a cell count")


# -- split and dropped exponents ----------------------------------------------------------------

SPLIT_HINT = (
    "write the number in one piece with plain characters (<m>×10^<n> or <m>e<n>), "
    "then a space and the unit"
)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # was 50 cells/kg: the ¹ after the thin or em space was dropped
        ("5×10¹\u2009¹cells/kg", "the thin space (U+2009) at character 6 splits the number"),
        ("5×10¹\u2003¹cells/kg", "the em space (U+2003) at character 6 splits the number"),
        ("5×10¹ ¹cells/kg", "the space (U+0020) at character 6 splits the number"),
        # was 250 cells/kg: '1cells' read as 1 × cells
        (
            "25X10^1\u202f1cells/kg",
            "the narrow no-break space (U+202F) at character 8 splits the number",
        ),
        ("25X10^1\u00a01cells/kg", "the no-break space (U+00A0) at character 8 splits the number"),
        ("25X10^1\t1cells/kg", "the tab (U+0009) at character 8 splits the number"),
        ("25X10^1 1cells/kg", "the space (U+0020) at character 8 splits the number"),
        # inside the number itself
        (
            "2\u00a0×\u00a010⁶ cells/kg",
            "the no-break space (U+00A0) at character 2 splits the number",
        ),
        ("2×10^\u20096 cells/kg", "the thin space (U+2009) at character 6 splits the number"),
    ],
)
def test_a_space_inside_a_number_is_refused_with_its_position(text: str, problem: str) -> None:
    with pytest.raises(UnitError) as info:
        parse_dose(text)
    assert (info.value.problem, info.value.hint) == (problem, SPLIT_HINT)


def test_split_exponents_are_refused_by_parse_and_dose(capsys: pytest.CaptureFixture[str]) -> None:
    assert refused(capsys, "parse", "5×10¹\u2009¹cells/kg q4w ×2") == (
        "regimen '5×10¹\\u2009¹cells/kg q4w ×2' '5×10¹\\u2009¹cells/kg' at characters 1-15: "
        f"the thin space (U+2009) at character 6 splits the number ({SPLIT_HINT})"
    )
    assert refused(capsys, "dose", "--regimen", "25X10^1\u202f1cells/kg q4w ×2", *HUMAN_70) == (
        "regimen '25X10^1\\u202f1cells/kg q4w ×2' '25X10^1\\u202f1cells/kg' at characters 1-17: "
        f"the narrow no-break space (U+202F) at character 8 splits the number ({SPLIT_HINT})"
    )


def test_the_position_of_a_split_is_counted_in_the_whole_regimen() -> None:
    # after a product prefix, the thin space is character 12 of the regimen
    with pytest.raises(RegimenSyntaxError) as info:
        parse_regimen("cAT-MSC 10¹\u2009¹cells/kg q4w ×2")
    assert info.value.problem == "the thin space (U+2009) at character 12 splits the number"


def test_a_digit_glued_inside_a_unit_is_refused() -> None:
    with pytest.raises(UnitError) as info:
        parse_unit("1cells/kg")
    assert info.value.problem == "'1cells' in the unit: a number glued to a unit"
    assert info.value.hint == (
        "write the number in one piece, then a space and the unit: 2×10^6 cells/kg"
    )
    with pytest.raises(UnitError, match="'cells2' in the unit: a number glued to a unit"):
        parse_amount("25×10^6 cells2", "cells", "a cell count")
    # after a number and a space, a digit is part of the number: refused as a split number
    with pytest.raises(UnitError, match="the space .U.0020. at character 8 splits the number"):
        parse_amount("25×10^6 1cells", "cells", "a cell count")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        # decided: a number glued to the start of its unit is read whole by the number grammar
        # (nothing dropped, nothing multiplied), so it stays accepted
        ("5cells/kg", 5.0),
        ("2e6cells/kg", 2e6),
        ("2×10⁶cells/kg", 2e6),
        # a no-break space between the number and its unit splits no number
        ("2×10⁶\u00a0cells/kg", 2e6),
        ("2 × 10⁶ cells/kg", 2e6),  # plain spaces around × are fine
    ],
)
def test_numbers_glued_to_or_apart_from_their_unit(text: str, amount: float) -> None:
    assert parse_dose(text) == Dose(amount=amount, unit="cells", basis="per kg")


def test_a_superscript_one_is_no_longer_dropped_from_a_unit() -> None:
    # normalize_unit_text used to delete every '¹' (so '¹cells' read as cells)
    with pytest.raises(UnitError) as info:
        parse_unit("¹cells/kg")
    assert info.value.problem == "the unit contains '¹', which celldose does not accept"


# -- a flattened 10⁶ written bare -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "power", "unit"),
    [
        ("106 cells/kg", "6", "cells/kg"),
        ("104 cells/kg", "4", "cells/kg"),
        ("109 cells/kg", "9", "cells/kg"),
        ("1010 cells", "10", "cells"),
        ("1012 cells", "12", "cells"),
        ("107 cells/m²", "7", "cells/m²"),
        ("0106 cells/kg", "6", "cells/kg"),
    ],
)
def test_a_flattened_power_written_bare_is_refused(text: str, power: str, unit: str) -> None:
    sup = {"4": "⁴", "6": "⁶", "7": "⁷", "9": "⁹", "10": "¹⁰", "12": "¹²"}[power]
    with pytest.raises(UnitError) as info:
        parse_dose(text)
    written = text.split(" ")[0]
    assert info.value.problem == (
        f"'{written}' looks like a flattened 10{sup} (a cell count without its power)"
    )
    assert info.value.hint == (
        f"did you mean 10{sup} (1×10{sup})? write 1×10^{power} {unit} or 1e{power} {unit}"
    )


def test_a_bare_flattened_count_per_kg_keeps_the_slash() -> None:
    with pytest.raises(UnitError) as info:
        parse_dose("106/kg")
    assert info.value.hint == "did you mean 10⁶ (1×10⁶)? write 1×10^6 cells/kg or 1e6 cells/kg"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100 cells/kg", Dose(amount=100, unit="cells", basis="per kg")),
        ("250 cells/kg", Dose(amount=250, unit="cells", basis="per kg")),
        ("103 cells", Dose(amount=103, unit="cells", basis="flat")),
        ("1013 cells", Dose(amount=1013, unit="cells", basis="flat")),
        ("106.0 cells/kg", Dose(amount=106, unit="cells", basis="per kg")),  # a decimal point
        ("1.06×10² cells/kg", Dose(amount=106, unit="cells", basis="per kg")),  # a power
        ("106 million cells", Dose(amount=1.06e8, unit="cells", basis="flat")),  # a word
        ("106 mg/kg", Dose(amount=106, unit="mg", basis="per kg")),  # not cells
    ],
)
def test_ordinary_numbers_are_not_taken_for_flattened_powers(text: str, expected: Dose) -> None:
    assert parse_dose(text) == expected


def test_a_dose_of_106_cells_is_written_so_that_it_reads_back() -> None:
    # the normalized form of an accepted dose must parse again to the same dose
    dose = Dose(amount=106, unit="cells", basis="per kg")
    assert str(dose) == "1.06×10² cells/kg"
    assert parse_dose(str(dose)) == dose
    assert str(Dose(amount=106, unit="mg", basis="per kg")) == "106 mg/kg"
    regimen = parse_regimen("1.06×10² cells/kg q4w ×2")
    assert regimen.to_shorthand() == "1.06×10² cells/kg q4w ×2"


def test_a_flattened_power_is_refused_by_parse_and_dose(
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = (
        "regimen '106 cells/kg q4w ×2' '106 cells/kg' at characters 1-12: '106' looks like a "
        "flattened 10⁶ (a cell count without its power) (did you mean 10⁶ (1×10⁶)? write "
        "1×10^6 cells/kg or 1e6 cells/kg)"
    )
    assert refused(capsys, "parse", "106 cells/kg q4w ×2") == expected
    assert refused(capsys, "dose", "--regimen", "106 cells/kg q4w ×2", *HUMAN_70) == expected
    # the same rule for a cell count given as a product quantity
    assert refused(
        capsys, "dose", "--regimen", "1e6 cells/kg q4w ×2", *HUMAN_70, "--cap", "107 cells"
    ) == (
        "cannot read '107 cells': '107' looks like a flattened 10⁷ (a cell count without its "
        "power) (did you mean 10⁷ (1×10⁷)? write 1×10^7 cells or 1e7 cells)"
    )


# -- long texts and huge numbers ----------------------------------------------------------------


def test_a_long_unit_text_is_refused_before_pint_reads_it() -> None:
    # pint's preprocessor is super-linear: 30,000 letters took 8 s, 1 MB more than 120 s
    for size in (1_001, 30_000, 1_000_000):
        started = time.perf_counter()
        with pytest.raises(UnitError) as info:
            parse_unit("a" * size)
        assert time.perf_counter() - started < 0.5
        assert info.value.problem == (
            f"the unit is {size:,} characters long, more than the 1,000 celldose reads"
        )
        assert info.value.text == "a" * 60 + "…"


def test_a_unit_text_of_1000_characters_is_still_read() -> None:
    started = time.perf_counter()
    with pytest.raises(UnitError) as info:
        parse_unit("a" * 1000)
    assert time.perf_counter() - started < 2.0
    assert info.value.problem.startswith("unknown unit ")


def test_a_long_dose_text_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UnitError) as info:
        parse_dose("2e6 cells/" + "k" * 30_000)
    assert info.value.problem == (
        "the dose is 30,010 characters long, more than the 1,000 celldose reads"
    )
    message = refused(
        capsys, "dose", "--regimen", "1e6 cells/kg q4w ×2", *HUMAN_70, "--dose", "1 " + "a" * 1000
    )
    assert message == (
        "cannot read '1 " + "a" * 58 + "…': the dose is 1,002 characters long, more than the "
        "1,000 celldose reads (write e.g. 2×10⁶ cells/kg)"
    )
    with pytest.raises(UnitError, match="a concentration is 1,001 characters long"):
        parse_amount("1" * 1001, "cells/mL", "a concentration")


@pytest.mark.parametrize(
    "text",
    ["1" + "0" * 4400 + " cells/kg", "1" + "0" * 900 + " cells/kg", "1e" + "9" * 900 + " cells"],
    ids=["4401-digits", "901-digits", "900-digit-power"],
)
def test_huge_numbers_are_refused_without_a_foreign_error(text: str) -> None:
    # int() of more than 4,300 digits raises a bare ValueError: never reached
    with pytest.raises(UnitError) as info:
        parse_dose(text)
    assert info.value.problem in (
        f"the dose is {len(text):,} characters long, more than the 1,000 celldose reads",
        "the number is out of range",
    )


@pytest.mark.parametrize("unit", ["kg^9^9^9", "kg**9**9**9", "m²²²²", "kg^99"])
def test_a_tower_of_powers_is_refused_before_pint_computes_it(unit: str) -> None:
    # found by the fuzz test: pint evaluated kg**9**9**9 (9 to the 387,420,489th power) for ever
    started = time.perf_counter()
    with pytest.raises(UnitError) as info:
        parse_dose(f"5×10⁷ cells/{unit}")
    assert time.perf_counter() - started < 0.5
    assert info.value.problem == "a power of a power, or a power above 9, is not a unit"
    assert str(parse_unit("m**-1")) == "1/m"  # one small power is still a unit power
