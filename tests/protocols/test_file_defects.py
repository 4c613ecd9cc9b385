"""Issue 11's smaller defects of protocol files, as a new user meets them.

``not reported`` where a field takes it (product, reference), refused in celldose's words where
it cannot be (arms); every problem of a file at once, each with its line, in file order.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.protocols import NOT_REPORTED, ProtocolFileError, parse_protocol

BASE = """\
id: mine
title: My protocol
species: dog
indication: OA
product:
  name: cAD-MSC
  tissue_source: adipose tissue
  donor: allogeneic
  origin_species: dog
route: IV
arms:
  - name: a
    regimen: 2×10⁶ cells/kg weekly ×4
reference:
  citation: In-house
"""


def _replace(block: str, text: str) -> str:
    """BASE with the block that starts ``block:`` replaced by the one line ``text`` (or none)."""
    lines = BASE.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{block}:"))
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    return "".join(lines[:start] + ([text + "\n"] if text else []) + lines[end:])


def _problems(text: str) -> list[tuple[int | None, str, str, str | None]]:
    with pytest.raises(ProtocolFileError) as caught:
        parse_protocol(text, "mine.yaml", known_species={"dog", "cat"})
    return [(p.line, p.path, p.message, p.hint) for p in caught.value.problems]


def test_product_not_reported_is_every_fact_not_reported() -> None:
    protocol = parse_protocol(_replace("product", "product: not reported"))
    product = protocol.product
    assert (product.name, product.tissue_source, product.donor, product.origin_species) == (
        NOT_REPORTED,
    ) * 4
    assert product.concentration is None and product.cells_per_vial is None


def test_reference_not_reported_is_a_citation_not_reported() -> None:
    protocol = parse_protocol(_replace("reference", "reference: not reported"))
    assert protocol.reference.citation == NOT_REPORTED
    assert protocol.reference.doi is None


def test_arms_not_reported_is_refused_saying_why() -> None:
    assert _problems(_replace("arms", "arms: not reported")) == [
        (
            11,
            "arms",
            "arms cannot be 'not reported': a protocol needs at least one arm (its regimen is "
            "what celldose plans)",
            "write arms: [{name: a, regimen: '2×10⁶ cells/kg weekly ×4'}]",
        )
    ]


def test_empty_arms_and_arms_of_the_wrong_type_are_refused_in_celldose_words() -> None:
    assert _problems(_replace("arms", "arms: []"))[0][2] == (
        "arms is empty: a protocol needs at least one arm (its regimen is what celldose plans)"
    )
    assert _problems(_replace("arms", "arms: weekly"))[0][2] == (
        "arms must be a list of arms, not 'weekly'"
    )


def test_a_product_or_reference_of_the_wrong_type_says_what_to_write() -> None:
    assert _problems(_replace("product", "product: cells")) == [
        (
            5,
            "product",
            "product must be a mapping of the product's facts (name, tissue_source, donor, "
            "origin_species), not 'cells'",
            "write product: {name: MSC, tissue_source: adipose tissue, donor: allogeneic, "
            "origin_species: dog}, with 'not reported' for what the source does not give, or "
            "product: not reported",
        )
    ]
    assert _problems(_replace("reference", "reference: [Smith 2020]")) == [
        (
            14,
            "reference",
            "reference must be a mapping (citation, doi, pubmed, registry, url), not "
            "['Smith 2020']",
            "write reference: {citation: 'Author A. Title. Journal 2025.'}, or reference: "
            "not reported",
        )
    ]


@pytest.mark.parametrize(
    ("field", "hint"),
    [
        (
            "arms",
            "add it: a protocol needs at least one arm (arms: [{name: a, regimen: "
            "'2×10⁶ cells/kg weekly ×4'}])",
        ),
        ("id", "add it: a short id in lower case, digits and '-' (id: my-protocol)"),
        ("species", "add it: the patients' species id (species: dog)"),
        ("product", "add it (or write 'not reported')"),
        ("reference", "add it (or write 'not reported')"),
        ("route", "add it (or write 'not reported')"),
    ],
)
def test_a_missing_key_offers_not_reported_only_where_it_is_accepted(field: str, hint: str) -> None:
    text = _replace(field, "")
    assert _problems(text) == [(1, field, f"required key {field!r} is missing", hint)]


def test_a_missing_arm_name_or_regimen_does_not_offer_not_reported() -> None:
    text = _replace("arms", "arms: [{dose: 1×10⁶ cells/kg}]")
    assert {(path, hint) for _, path, _, hint in _problems(text)} == {
        ("arms[0].name", "add it"),
        ("arms[0].regimen", "add it"),
    }


SEVEN_ERRORS = (Path(__file__).parents[1] / "fixtures" / "seven-errors.yaml").read_text(
    encoding="utf-8"
)


def test_seven_errors_of_a_file_are_all_reported_at_once_with_lines_in_file_order() -> None:
    # Before issue 11 the repeated arm name showed only once the six others were mended: the
    # protocol's cross-field checks ran only when every field was valid.
    found = _problems(SEVEN_ERRORS)
    assert [(line, path) for line, path, _, _ in found] == [
        (4, "species"),
        (6, "product"),
        (7, "route"),
        (9, "administration.min_spacing"),
        (13, "arms[0].role"),
        (16, "arms[2].name"),
        (18, "follow_up"),
    ]
    messages = {path: (message, hint) for _, path, message, hint in found}
    assert messages["species"][0] == "unknown species 'dgo' (did you mean 'dog'?)"
    assert messages["product"][0].startswith("product must be a mapping of the product's facts")
    assert messages["route"][0] == "route 'intravenus' is not a route celldose knows"
    assert messages["arms[0].role"] == (
        "role must be one of: treatment, dose escalation, expansion, placebo, control, "
        "not 'treatement'",
        "did you mean 'treatment'?",
    )
    assert messages["arms[2].name"] == (
        "arm name 'a' repeats; arm names must be unique",
        "rename one of them (the first is arm 1)",
    )


def test_cross_field_problems_show_beside_a_field_error() -> None:
    # the product is wrong; the arms, windows and course length are valid: their contradictions
    # are reported in the same run
    text = """\
id: mine
title: My protocol
species: dog
indication: OA
product: cells
route: IV
arms:
  - name: a
    regimen: cAT-MSC q4w ×8
response_windows:
  - {label: r, arm: zz, start: 1 week, end: 2 weeks}
course_length: 2 months
reference: {citation: x}
"""
    assert [(line, path, message) for line, path, message, _ in _problems(text)][1:] == [
        (
            11,
            "response_windows[0].arm",
            "response window 'r' names arm 'zz', which is not one of: a",
        ),
        (
            12,
            "course_length",
            "arm 'a': the stated course length of 2 months (59-62 days) contradicts the regimen "
            "'cAT-MSC q4w ×8', whose last dose falls on day 196",
        ),
    ]


def test_a_repeated_arm_name_is_reported_at_each_repeat_and_once() -> None:
    text = _replace(
        "arms",
        "arms: [{name: a, regimen: weekly ×4, dose: 1×10⁶ cells/kg},\n"
        "       {name: a, regimen: weekly ×4, dose: 2×10⁶ cells/kg},\n"
        "       {name: a, regimen: weekly ×4, dose: 3×10⁶ cells/kg, n: 0}]",
    )
    assert [(line, path, message) for line, path, message, _ in _problems(text)] == [
        (12, "arms[1].name", "arm name 'a' repeats; arm names must be unique"),
        (13, "arms[2].name", "arm name 'a' repeats; arm names must be unique"),
        (13, "arms[2].n", "n must be at least 1, not 0"),
    ]


def test_a_literal_or_a_bound_is_refused_in_celldose_words() -> None:
    text = BASE.replace("donor: allogeneic", "donor: alogeneic\n  viability: 1.5")
    assert _problems(text) == [
        (
            8,
            "product.donor",
            "donor must be one of: autologous, allogeneic, not reported, not 'alogeneic'",
            "did you mean 'allogeneic'?",
        ),
        (9, "product.viability", "viability must be at most 1.0, not 1.5", None),
    ]


def test_three_product_quantities_that_disagree_are_refused_with_the_numbers() -> None:
    text = BASE.replace(
        "origin_species: dog",
        "origin_species: dog\n  concentration: 6×10⁶ cells/mL\n  cells_per_vial: 2.5×10⁷ cells\n"
        "  vial_volume: 5 mL",
    )
    # 6×10⁶ cells/mL × 5 mL = 3×10⁷ cells, not 2.5×10⁷
    assert _problems(text) == [
        (
            6,
            "product",
            "cells_per_vial (2.5×10⁷ cells) contradicts concentration × vial_volume "
            "(6×10⁶ cells/mL × 5 mL = 3×10⁷ cells); give two of the three (the third is derived "
            "from them), or make them agree",
            None,
        )
    ]


def test_a_protocol_dose_every_arm_overrides_is_refused_saying_why() -> None:
    text = BASE.replace("route: IV\n", "route: IV\ndose: 1×10⁶ cells/kg\n")
    assert _problems(text) == [
        (
            11,
            "dose",
            "the protocol's dose (1×10⁶ cells/kg) is used by no arm: every arm gives its own",
            "a dose that doses no one would still read as the study's dose: delete it, or "
            "delete the arms' doses that repeat it (an arm without a dose takes the protocol's)",
        )
    ]


def test_an_invalid_arm_hides_no_cross_field_problem_of_the_valid_ones() -> None:
    # arm b's role is misspelt; arm a is valid: the window naming an arm the file does not have
    # and arm a's course length contradiction are reported in the same run. q4w ×8: the last dose
    # falls on day 7 × 4 × 7 = 196, far beyond 2 months (59-62 days).
    text = """\
id: mine
title: My protocol
species: dog
indication: OA
product: {name: MSC, tissue_source: adipose tissue, donor: allogeneic, origin_species: dog}
route: IV
arms:
  - name: a
    regimen: 1×10⁶ cells/kg q4w ×8
  - name: b
    role: treatement
    regimen: 1×10⁶ cells/kg q4w ×8
response_windows:
  - {label: r, arm: zz, start: 1 week, end: 2 weeks}
course_length: 2 months
reference: {citation: x}
"""
    found = [(line, path, message) for line, path, message, _ in _problems(text)]
    assert found == [
        (11, "arms[1].role", (
            "role must be one of: treatment, dose escalation, expansion, placebo, control, "
            "not 'treatement'"
        )),
        (14, "response_windows[0].arm", (
            "response window 'r' names arm 'zz', which is not one of: a, b"
        )),
        (15, "course_length", (
            "arm 'a': the stated course length of 2 months (59-62 days) contradicts the regimen "
            "'1×10⁶ cells/kg q4w ×8', whose last dose falls on day 196"
        )),
    ]  # fmt: skip


def test_a_window_of_an_invalid_arm_is_not_called_unknown() -> None:
    # the window names arm b, which is written but invalid: no "not one of" problem for it
    text = """\
id: mine
title: My protocol
species: dog
indication: OA
product: {name: MSC, tissue_source: adipose tissue, donor: allogeneic, origin_species: dog}
route: IV
arms:
  - name: a
    regimen: 1×10⁶ cells/kg q4w ×8
  - name: b
    role: treatement
    regimen: 1×10⁶ cells/kg q4w ×8
response_windows:
  - {label: r, arm: b, start: 1 week, end: 2 weeks}
reference: {citation: x}
"""
    assert [path for _, path, _, _ in _problems(text)] == ["arms[1].role"]
