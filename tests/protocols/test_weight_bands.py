"""Weight bands (issue 10, rule 2): reading a band's weight, the band that holds a weight at its
edges, and the refusals of gaps and overlaps between bands, with their exact messages.

Hand arithmetic: 1 lb = 0.45359237 kg exactly, so 110 lb = 110 × 0.45359237 = 49.8951607 kg
(below 50 kg: in "≤ 50 kg"), and 111 lb = 50.34875307 kg (above 50 kg).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from celldose.protocols import (
    DoseBands,
    ProtocolFileError,
    WeightBandError,
    load_protocol,
    parse_dose,
    parse_weight_range,
)


def bands(*weights: str) -> DoseBands:
    doses = ["2×10⁶ cells/kg", "1×10⁸ cells", "3×10⁸ cells"]
    return DoseBands.model_validate(
        [{"weight": w, "dose": d} for w, d in zip(weights, doses, strict=False)]
    )


def refusal(*weights: str) -> str:
    with pytest.raises(ValidationError) as info:
        bands(*weights)
    (error,) = info.value.errors()
    cause = error["ctx"]["error"]
    assert isinstance(cause, WeightBandError)
    return str(cause)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("≤ 50 kg", "≤ 50 kg"),
        ("<= 50 kg", "≤ 50 kg"),
        ("<50kg", "< 50 kg"),
        ("≥ 50 kg", "≥ 50 kg"),
        (">= 50 kg", "≥ 50 kg"),
        ("> 110 lb", "> 110 lb"),
        ("10–50 kg", "10–50 kg"),
        ("10-50 kg", "10–50 kg"),
        ("10 to 50 kg", "10–50 kg"),
        ("10 kg to 50 kg", "10–50 kg"),
    ],
)
def test_a_band_weight_reads_in_every_written_form(text: str, label: str) -> None:
    assert parse_weight_range(text).label == label


@pytest.mark.parametrize(
    ("kg", "dose"),
    [
        (50.0, "2×10⁶ cells/kg"),  # exactly 50 kg: "≤ 50 kg"
        (50.01, "1×10⁸ cells"),  # just above: "> 50 kg"
        (110 * 0.45359237, "2×10⁶ cells/kg"),  # 110 lb = 49.8951607 kg: "≤ 50 kg"
        (111 * 0.45359237, "1×10⁸ cells"),  # 111 lb = 50.34875307 kg: "> 50 kg"
        (0.3, "2×10⁶ cells/kg"),
    ],
)
def test_the_band_that_holds_a_weight_at_the_edges(kg: float, dose: str) -> None:
    band = bands("≤ 50 kg", "> 50 kg").band_for(kg)
    assert band is not None
    assert band.dose == parse_dose(dose)


def test_a_closed_band_holds_both_its_ends() -> None:
    three = bands("< 10 kg", "10–50 kg", "> 50 kg")
    assert [three.band_for(kg).label for kg in (9.99, 10.0, 50.0, 50.01)] == [  # type: ignore[union-attr]
        "< 10 kg",
        "10–50 kg",
        "10–50 kg",
        "> 50 kg",
    ]


def test_bands_in_pounds_meet_exactly() -> None:
    lb = bands("≤ 110 lb", "> 110 lb")
    assert lb.band_for(49.8951607).label == "≤ 110 lb"  # type: ignore[union-attr]
    assert lb.band_for(49.9).label == "> 110 lb"  # type: ignore[union-attr]


def test_bands_may_be_written_in_any_order() -> None:
    assert bands("> 50 kg", "≤ 50 kg").band_for(60).label == "> 50 kg"  # type: ignore[union-attr]


def test_a_gap_between_bands_is_refused() -> None:
    assert refusal("≤ 50 kg", "> 60 kg") == (
        "weight bands leave 50–60 kg uncovered (make one band end where the next begins "
        '("≤ 50 kg" then "> 50 kg"))'
    )


def test_a_gap_at_one_point_is_refused() -> None:
    # "< 50 kg" and "> 50 kg": a patient of exactly 50 kg is in neither
    assert refusal("< 50 kg", "> 50 kg") == (
        'weight bands "< 50 kg" and "> 50 kg" leave 50 kg uncovered (make one band end '
        'where the next begins ("≤ 50 kg" then "> 50 kg"))'
    )


def test_an_overlap_at_one_point_is_refused() -> None:
    # "≤ 50 kg" and "≥ 50 kg": a patient of exactly 50 kg is in both
    assert refusal("≤ 50 kg", "≥ 50 kg") == (
        'weight bands "≤ 50 kg" and "≥ 50 kg" both hold 50 kg (make one band end where '
        'the next begins ("≤ 50 kg" then "> 50 kg"))'
    )


def test_an_overlapping_range_is_refused() -> None:
    assert refusal("≤ 60 kg", "> 50 kg") == (
        'weight bands "≤ 60 kg" and "> 50 kg" overlap from 50 kg to 60 kg (make one band '
        'end where the next begins ("≤ 50 kg" then "> 50 kg"))'
    )


def test_closed_bands_that_share_an_end_overlap() -> None:
    # both ends of a closed band are in it: 10–50 kg and 50–90 kg both hold 50 kg
    assert refusal("10–50 kg", "50–90 kg").startswith(
        'weight bands "10–50 kg" and "50–90 kg" both hold 50 kg'
    )


def test_a_gap_between_pounds_and_kilograms_names_both() -> None:
    # 110 lb = 49.8951607 kg, so 49.895-50 kg is left
    assert refusal("≤ 110 lb", "> 50 kg").startswith("weight bands leave 110 lb to 50 kg uncovered")


def test_two_bands_open_below_overlap() -> None:
    assert refusal("≤ 50 kg", "< 60 kg") == (
        'weight bands "≤ 50 kg" and "< 60 kg" overlap (only the lightest band can be open '
        'below and only the heaviest open above (e.g. "≤ 50 kg" then "> 50 kg"))'
    )


def test_one_band_is_refused() -> None:
    assert refusal("≤ 50 kg") == (
        "a dose by weight band needs at least two bands, not 1 (for one dose at every "
        "weight, write the dose alone (dose: 2×10⁶ cells/kg))"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "≤ 50",
            "cannot read the weight band '≤ 50': 50 what? the weight needs a unit "
            "(write 50kg or 50lb)",
        ),
        (
            "~50 kg",
            'the weight band \'~50 kg\' is not understood (write "≤ 50 kg", "> 50 kg" '
            'or "10–50 kg" (both ends included))',
        ),
        (
            "50–10 kg",
            "the weight band '50–10 kg' ends before it starts (write the lower weight "
            "first, e.g. 10–50 kg)",
        ),
        (
            "≤ 50 stone",
            "cannot read the weight band '≤ 50 stone': unknown weight unit 'stone' in '50 stone' "
            "(use kg, g, lb, e.g. 12kg or 26.5lb)",
        ),
    ],
)
def test_an_unreadable_band_weight_is_refused(text: str, message: str) -> None:
    with pytest.raises(WeightBandError) as info:
        parse_weight_range(text)
    assert str(info.value) == message


def test_coverage_of_the_plausible_weights() -> None:
    bands("≤ 50 kg", "> 50 kg").check_covers(1.0, 90.0, "dog")  # open at both ends: covered
    with pytest.raises(WeightBandError) as info:
        bands("10–50 kg", "> 50 kg").check_covers(1.0, 90.0, "dog")
    assert str(info.value) == (
        "weight bands leave 1–10 kg uncovered (the plausible weights of a dog are 1–90 kg) "
        '(add a band "< 10 kg")'
    )


def test_coverage_above_the_heaviest_band() -> None:
    with pytest.raises(WeightBandError) as info:
        bands("< 10 kg", "10–80 kg").check_covers(1.0, 90.0, "dog")
    assert str(info.value) == (
        "weight bands leave 80–90 kg uncovered (the plausible weights of a dog are 1–90 kg) "
        '(add a band "> 80 kg")'
    )


def test_bands_round_trip_through_json() -> None:
    original = bands("≤ 50 kg", "> 50 kg")
    assert DoseBands.model_validate(original.model_dump(mode="json")) == original
    assert str(original) == "2×10⁶ cells/kg if ≤ 50 kg; 1×10⁸ cells if > 50 kg"


HEAD = """\
id: banded
title: Banded dose
species: dog
indication: test
product: {name: MSC, tissue_source: adipose, donor: allogeneic, origin_species: dog}
route: IV
"""


def load(tmp_path: Path, body: str) -> object:
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return load_protocol(str(path), known_species={"dog": (1.0, 90.0)})


def problems(tmp_path: Path, body: str) -> list[str]:
    with pytest.raises(ProtocolFileError) as info:
        load(tmp_path, body)
    return [f"{p.line}:{p.path}: {p.message}" for p in info.value.problems]


ARM = "arms:\n  - name: a\n    regimen: weekly ×4\nreference: {citation: test}\n"


def test_a_protocol_file_gap_points_at_the_band_line(tmp_path: Path) -> None:
    body = (
        "dose:\n"
        '  - {weight: "≤ 50 kg", dose: "2×10⁶ cells/kg"}\n'
        '  - {weight: "> 60 kg", dose: "1×10⁸ cells"}\n' + ARM
    )
    assert problems(tmp_path, body) == ["9:dose[1].weight: weight bands leave 50–60 kg uncovered"]


def test_arm_level_bands_are_checked_too(tmp_path: Path) -> None:
    body = (
        "arms:\n  - name: a\n    regimen: weekly ×4\n    dose:\n"
        '      - {weight: "≤ 50 kg", dose: "2×10⁶ cells/kg"}\n'
        '      - {weight: "≥ 50 kg", dose: "1×10⁸ cells"}\n'
        "reference: {citation: test}\n"
    )
    assert problems(tmp_path, body) == [
        '12:arms[0].dose[1].weight: weight bands "≤ 50 kg" and "≥ 50 kg" both hold 50 kg'
    ]


def test_uncovered_plausible_weights_point_at_the_bands(tmp_path: Path) -> None:
    # line 8: the first band (the value of dose:)
    body = (
        "dose:\n"
        '  - {weight: "10–50 kg", dose: "2×10⁶ cells/kg"}\n'
        '  - {weight: "> 50 kg", dose: "1×10⁸ cells"}\n' + ARM
    )
    assert problems(tmp_path, body) == [
        "8:dose: weight bands leave 1–10 kg uncovered (the plausible weights of a dog are 1–90 kg)"
    ]


def test_a_band_dose_that_is_not_cells_is_refused(tmp_path: Path) -> None:
    body = (
        "dose:\n"
        '  - {weight: "≤ 50 kg", dose: "2×10⁶ cells/kg"}\n'
        '  - {weight: "> 50 kg", dose: "10 mg"}\n' + ARM
    )
    assert problems(tmp_path, body) == [
        "11:arms[0]: arm 'a': a cell product is dosed in cells, cells/kg or cells/m², not mg "
        "(band > 50 kg)"
    ]


def test_bands_and_whole_containers_contradict(tmp_path: Path) -> None:
    body = (
        "dose:\n"
        '  - {weight: "≤ 50 kg", dose: "2×10⁶ cells/kg"}\n'
        '  - {weight: "> 50 kg", dose: "1×10⁸ cells"}\n'
        "dose_by: whole containers\ncontainers: 4\n" + ARM
    )
    assert problems(tmp_path, body) == [
        "13:arms[0]: arm 'a': a dose by weight band and dose_by: whole containers contradict "
        "each other; give one"
    ]


# --- one weight, one band, whatever its unit ---------------------------------------------------
# 10 lb = 10 × 0.45359237 kg = 4.5359237 kg exactly = 4535.9237 g; in floating point 10 lb is
# 4.535923700000001 kg and 4.5359237 kg is 4.5359237: the same weight must find the same band.

SAME_WEIGHT_KG = [10 * 0.45359237, 4.5359237, 4535.9237 / 1000]


@pytest.mark.parametrize("kg", SAME_WEIGHT_KG)
def test_a_weight_on_a_band_edge_is_on_it_in_any_unit(kg: float) -> None:
    lower_open = bands("< 10 lb", "≥ 10 lb")
    assert str(lower_open.band_for(kg).dose) == "1×10⁸ cells"  # ≥ 10 lb holds 10 lb
    lower_closed = bands("≤ 10 lb", "> 10 lb")
    assert str(lower_closed.band_for(kg).dose) == "2×10⁶ cells/kg"  # ≤ 10 lb holds 10 lb


def test_the_cohort_engine_places_edge_weights_as_one_patient_is_placed() -> None:
    import numpy as np

    from celldose.simulator.dosing import holds_array

    weights = np.array([*SAME_WEIGHT_KG, 4.5359, 4.5360])
    for pair in (("< 10 lb", "≥ 10 lb"), ("≤ 10 lb", "> 10 lb")):
        for band in bands(*pair).bands:
            assert list(holds_array(band.range, weights)) == [band.range.holds(w) for w in weights]
    first = bands("< 10 lb", "≥ 10 lb").bands[0].range
    # the three spellings of 10 lb are not below 10 lb; 4.5359 kg is, 4.5360 kg is not
    assert list(holds_array(first, weights)) == [False, False, False, True, False]


def test_bands_written_in_two_units_meet_exactly() -> None:
    # "< 10 lb" ends where "≥ 4.5359237 kg" begins: neither a gap nor an overlap
    meeting = bands("< 10 lb", "≥ 4.5359237 kg")
    assert str(meeting.band_for(4.5359237).dose) == "1×10⁸ cells"
    assert refusal("≤ 10 lb", "≥ 4.5359237 kg") == (
        'weight bands "≤ 10 lb" and "≥ 4.5359237 kg" both hold 10 lb (make one band end where '
        'the next begins ("≤ 10 lb" then "> 10 lb"))'
    )
