"""Patients and species: weights with units, plausibility ranges, BSA formulas, the Km table.

Every expected value is worked out by hand in a comment (1 lb = 0.45359237 kg exactly; Meeh
BSA = K × (weight in g)^(2/3) × 10⁻⁴ m²; Mosteller BSA = √(height cm × weight kg / 3600);
DuBois BSA = 0.007184 × W^0.425 × H^0.725; FDA 2005 Km = body weight / BSA).
"""

from __future__ import annotations

import pytest

from celldose.protocols import CelldoseError, PatientError
from celldose.simulator import (
    Patient,
    dubois_bsa,
    get_species,
    make_patient,
    meeh_bsa,
    mosteller_bsa,
    parse_height,
    parse_weight,
    species_names,
    species_table,
)

# --------------------------------------------------------------------------------------------
# weights


@pytest.mark.parametrize(
    ("text", "kg", "value", "unit"),
    [
        ("12kg", 12.0, 12.0, "kg"),
        ("12 kg", 12.0, 12.0, "kg"),
        ("  12 kg  ", 12.0, 12.0, "kg"),
        ("12 KG", 12.0, 12.0, "kg"),
        # 26.5 × 0.45359237 = 11.79340162 (26 lb) + 0.226796185 (0.5 lb) = 12.020197805 kg
        ("26.5lb", 12.020197805, 26.5, "lb"),
        ("26.5 lb", 12.020197805, 26.5, "lb"),
        ("26.5 lbs", 12.020197805, 26.5, "lb"),
        # 950 g × 0.001 = 0.95 kg
        ("950g", 0.95, 950.0, "g"),
        ("950 g", 0.95, 950.0, "g"),
        # 1 lb = 0.45359237 kg exactly, never 1/2.2 = 0.4545...
        ("1lb", 0.45359237, 1.0, "lb"),
        # 1.2e1 = 12
        ("1.2e1 kg", 12.0, 12.0, "kg"),
    ],
)
def test_parse_weight_units(text: str, kg: float, value: float, unit: str) -> None:
    weight = parse_weight(text)
    assert weight.kg == pytest.approx(kg, rel=1e-12)
    assert weight.value == pytest.approx(value, rel=1e-12)
    assert weight.unit == unit


def test_pound_is_the_exact_international_pound() -> None:
    # 100 lb = 45.359237 kg exactly; 100/2.2 would be 45.4545...
    assert parse_weight("100lb").kg == pytest.approx(45.359237, rel=1e-12)
    assert parse_weight("100lb").kg != pytest.approx(100 / 2.2, rel=1e-6)


def test_weight_text_shows_the_given_unit_and_kg() -> None:
    # 26.5 lb = 12.020197805 kg, shown to 4 significant figures: 12.02 kg
    assert parse_weight("26.5lb").text == "26.5 lb (12.02 kg)"
    assert parse_weight("950g").text == "950 g (0.95 kg)"
    assert parse_weight("12kg").text == "12 kg"


def test_bare_number_is_refused_with_a_unit_hint() -> None:
    with pytest.raises(PatientError) as info:
        parse_weight("12")
    message = str(info.value)
    assert "12 what?" in message
    assert "12kg" in message and "12lb" in message


@pytest.mark.parametrize(
    "text",
    [
        "0kg",
        "0 lb",
        "0.0 g",
        "-5kg",
        "−5 kg",
        "nan kg",
        "NaN",
        "inf kg",
        "infinity lb",
        "1e999 kg",  # overflows to inf
        "",
        "   ",
        "kg",
        "12 stone",
        "12 oz",
        "12,5 kg",  # decimal comma
        "twelve kg",
    ],
)
def test_unusable_weights_are_refused(text: str) -> None:
    with pytest.raises(PatientError):
        parse_weight(text)


def test_zero_weight_message_says_positive() -> None:
    with pytest.raises(PatientError, match="positive"):
        parse_weight("0kg")


def test_patient_error_is_a_celldose_and_value_error() -> None:
    with pytest.raises(CelldoseError):
        parse_weight("12")
    with pytest.raises(ValueError):
        parse_weight("12")


# --------------------------------------------------------------------------------------------
# plausibility ranges


def test_typical_dog_has_no_warning() -> None:
    patient = make_patient(get_species("dog"), "26.5lb")
    assert isinstance(patient, Patient)
    assert patient.weight_kg == pytest.approx(12.020197805, rel=1e-12)
    assert patient.warnings == ()
    assert patient.species.id == "dog"


@pytest.mark.parametrize(
    ("species", "weight"),
    [
        ("dog", "900kg"),  # a 900 kg dog: a typo
        ("dog", "900lb"),  # 900 × 0.45359237 = 408.2 kg: still absurd
        ("dog", "121kg"),  # above the hard limit of 120 kg
        ("dog", "100g"),  # 0.1 kg: below the hard limit of 0.3 kg
        ("cat", "40kg"),
        ("human", "900kg"),
        ("human", "5kg"),  # an adult of 5 kg (below 15 kg)
        ("mouse", "25kg"),  # a 25 kg mouse: 25 g written as kg
    ],
)
def test_absurd_weights_are_refused(species: str, weight: str) -> None:
    with pytest.raises(PatientError) as info:
        make_patient(get_species(species), weight)
    message = str(info.value)
    assert "outside the accepted" in message
    assert "unit" in message  # the hint says to check the unit


def test_hard_limits_are_inclusive() -> None:
    # dog hard range 0.3-120 kg: both ends accepted (with a soft-range warning)
    assert make_patient(get_species("dog"), "120kg").weight_kg == 120.0
    assert make_patient(get_species("dog"), "300g").weight_kg == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("species", "weight", "shown"),
    [
        ("dog", "0.5kg", "0.5 kg"),  # below the usual 1-90 kg
        ("dog", "95kg", "95 kg"),  # above the usual 1-90 kg
        ("dog", "950g", "950 g (0.95 kg)"),
        ("cat", "12kg", "12 kg"),  # usual 1.5-10 kg
        ("human", "30kg", "30 kg"),  # usual 35-200 kg for an adult
    ],
)
def test_weight_outside_soft_range_warns(species: str, weight: str, shown: str) -> None:
    patient = make_patient(get_species(species), weight)
    assert len(patient.warnings) == 1
    warning = patient.warnings[0]
    assert shown in warning
    assert "outside the usual" in warning
    assert "check" in warning


# --------------------------------------------------------------------------------------------
# heights


@pytest.mark.parametrize(
    ("text", "cm"),
    [
        ("170cm", 170.0),
        ("170 cm", 170.0),
        ("1.8m", 180.0),  # 1.8 × 100
        ("71in", 180.34),  # 71 × 2.54 = 180.34
    ],
)
def test_parse_height(text: str, cm: float) -> None:
    assert parse_height(text) == pytest.approx(cm, rel=1e-12)


@pytest.mark.parametrize("text", ["170", "0cm", "-170cm", "17m", "5cm", "nan cm", "170 ft"])
def test_bad_heights_are_refused(text: str) -> None:
    with pytest.raises(PatientError):
        parse_height(text)


def test_bare_height_asks_for_cm() -> None:
    with pytest.raises(PatientError, match="170cm"):
        parse_height("170")


# --------------------------------------------------------------------------------------------
# body surface area


def test_meeh_10kg_dog() -> None:
    # 10 kg = 10000 g; 10000^(2/3) = 10^(8/3) = 464.1588834
    # 10.1 × 464.1588834 × 10⁻⁴ = 0.46880047 m²
    assert meeh_bsa(10.0, 10.1) == pytest.approx(0.46880047, rel=1e-7)


def test_meeh_8kg_dog_and_cat_exact() -> None:
    # 8 kg = 8000 g = 20³ g; 8000^(2/3) = 20² = 400
    # dog: 10.1 × 400 × 10⁻⁴ = 0.404 m²; cat: 10.0 × 400 × 10⁻⁴ = 0.4 m²
    assert meeh_bsa(8.0, 10.1) == pytest.approx(0.404, rel=1e-12)
    assert meeh_bsa(8.0, 10.0) == pytest.approx(0.4, rel=1e-12)


def test_patient_bsa_uses_meeh_for_dogs_and_cats() -> None:
    dog = make_patient(get_species("dog"), "8kg")
    area, formula = dog.bsa()
    assert area == pytest.approx(0.404, rel=1e-12)  # as above
    assert "Meeh" in formula and "10.1" in formula
    cat = make_patient(get_species("cat"), "2kg")
    # 2000^(2/3) = 100 × 2^(2/3) = 100 × 1.587401052 = 158.7401052; × 10 × 10⁻⁴ = 0.15874 m²
    assert cat.bsa()[0] == pytest.approx(0.1587401052, rel=1e-9)
    assert "Meeh" in cat.bsa()[1]


def test_mosteller_exact_value() -> None:
    # 180 cm × 80 kg / 3600 = 14400 / 3600 = 4; √4 = 2 m²
    assert mosteller_bsa(80.0, 180.0) == pytest.approx(2.0, rel=1e-12)
    # 170 × 70 / 3600 = 11900 / 3600 = 3.3055556; √ = 1.8181187 m²
    assert mosteller_bsa(70.0, 170.0) == pytest.approx(1.8181187, rel=1e-7)


def test_dubois_value() -> None:
    # 80^0.425 = e^(0.425 × 4.3820266) = e^1.8623613 = 6.438773
    # 180^0.725 = e^(0.725 × 5.1929569) = e^3.7648938 = 43.16755
    # 0.007184 × 6.438773 × 43.16755 = 1.99642 m²
    assert dubois_bsa(80.0, 180.0) == pytest.approx(1.99642, rel=1e-4)


def test_human_bsa_needs_height() -> None:
    patient = make_patient(get_species("human"), "80kg")
    with pytest.raises(PatientError) as info:
        patient.bsa()
    assert str(info.value) == (
        'a per-m² dose for a human adult needs the body surface area (pass height="170cm")'
    )


def test_human_bsa_mosteller_and_dubois() -> None:
    human = get_species("human")
    mosteller = make_patient(human, "80kg", height="180cm")
    assert mosteller.bsa() == (pytest.approx(2.0, rel=1e-12), "Mosteller")  # see above
    dubois = make_patient(human, "80kg", height="180cm", human_bsa="dubois")
    area, formula = dubois.bsa()
    assert area == pytest.approx(1.99642, rel=1e-4)  # see test_dubois_value
    assert formula == "DuBois"


def test_no_bsa_formula_for_a_horse() -> None:
    horse = make_patient(get_species("horse"), "500kg")
    with pytest.raises(PatientError, match="no BSA formula"):
        horse.bsa()


# --------------------------------------------------------------------------------------------
# the species table


@pytest.mark.parametrize(
    ("species", "km"),
    [
        # FDA 2005 guidance, Table 1 (as listed in /work/shared/studies.md)
        ("human", 37),
        ("human-child", 25),
        ("dog", 20),
        ("mouse", 3),
        ("rat", 6),
        ("rabbit", 12),
        ("rhesus-monkey", 12),
        ("mini-pig", 35),
    ],
)
def test_fda_km_values(species: str, km: float) -> None:
    assert get_species(species).km == km


def test_no_km_for_cat_or_horse() -> None:
    assert get_species("cat").km is None
    assert get_species("horse").km is None


def test_meeh_constants() -> None:
    assert get_species("dog").meeh_k == 10.1
    assert get_species("cat").meeh_k == 10.0
    assert get_species("dog").bsa == "meeh"
    assert get_species("cat").bsa == "meeh"
    assert get_species("human").bsa == "mosteller"


def test_km_is_weight_over_bsa_for_the_fda_reference_weights() -> None:
    # Km = weight / BSA: human 60 kg / 1.62 m² = 37; dog 10 kg / 0.5 m² = 20 (FDA 2005)
    assert get_species("human").typical_kg == 60
    assert get_species("dog").typical_kg == 10


def test_species_lookup_is_forgiving_about_case_and_spaces() -> None:
    assert get_species("Dog").id == "dog"
    assert get_species(" human child ").id == "human-child"


def test_unknown_species_is_refused_with_the_list() -> None:
    with pytest.raises(PatientError) as info:
        get_species("dragon")
    assert "dragon" in str(info.value)
    assert "dog" in str(info.value) and "cat" in str(info.value)


def test_species_ranges_are_consistent() -> None:
    for sp in species_table().values():
        soft_low, soft_high = sp.soft_kg
        hard_low, hard_high = sp.hard_kg
        assert 0 < hard_low <= soft_low < soft_high <= hard_high, sp.id
        assert soft_low <= sp.cohort_median_kg <= soft_high, sp.id
        assert sp.bsa != "meeh" or sp.meeh_k is not None, sp.id
    assert set(species_names()) == set(species_table())
    assert get_species("human").group == get_species("human-child").group
