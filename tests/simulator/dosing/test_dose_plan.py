"""plan_doses: per-patient cells, dates, volumes and vials, checked against hand arithmetic.

Facts from /work/shared/studies.md: Chen 2024 expansion arm 2.0×10⁶ cells/kg weekly ×4;
Qi 2017 2×10⁶ cells/kg monthly ×4 (calendar months); Jang 2025 q4w ×8, dose not reported;
aplastic anemia (aa-ucmsc-18) 1×10⁶ cells/kg once or twice weekly, count not reported;
Izadi 2022 two doses of 1×10⁶ cells/kg, interval not reported, plus a placebo arm.
1 lb = 0.45359237 kg; FDA Km human 37, dog 20, none for the cat.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from celldose.protocols import (
    CelldoseError,
    NotReportedError,
    OptionError,
    PatientError,
    load_protocol,
    parse_dose,
    parse_duration,
    protocol_from_regimen,
)
from celldose.simulator import (
    DoseOptions,
    DosePlan,
    Product,
    draw,
    get_species,
    make_patient,
    plan_doses,
)

D = dt.date
JANG_KG = 12.020197805  # 26.5 lb × 0.45359237 kg/lb


def human(weight: str = "70kg", height: str | None = None):  # type: ignore[no-untyped-def]
    return make_patient(get_species("human"), weight, height=height)


def dog(weight: str = "26.5lb"):  # type: ignore[no-untyped-def]
    return make_patient(get_species("dog"), weight)


def chen(options: DoseOptions | None = None, weight: str = "70kg") -> DosePlan:
    return plan_doses(
        load_protocol("chen2024-itp-ucmsc"), human(weight), arm="expansion-2.0", options=options
    )


def jang(dose: str = "2e6 cells/kg", weight: str = "26.5lb", **kw: object) -> DosePlan:
    options = DoseOptions(dose=parse_dose(dose), **kw)  # type: ignore[arg-type]
    return plan_doses(load_protocol("jang2025-canine-itp"), dog(weight), options=options)


# --------------------------------------------------------------------------------------------
# per-kg doses


def test_jang_26_5_lb_dog_at_2e6_per_kg() -> None:
    plan = jang()
    (schedule,) = plan.schedules
    assert len(schedule.doses) == 8
    first = schedule.doses[0]
    # 2×10⁶ cells/kg × 12.020197805 kg = 24,040,395.61 cells
    assert first.cells == pytest.approx(24_040_395.61, rel=1e-12)
    assert first.cells_per_kg == pytest.approx(2e6, rel=1e-12)
    assert plan.patient.weight_kg == pytest.approx(JANG_KG, rel=1e-12)
    assert plan.dose_source == "given"
    # 8 × 24,040,395.61 = 192,323,164.88 cells
    assert schedule.total_cells == pytest.approx(192_323_164.88, rel=1e-12)
    # cumulative grows by one dose each time
    for i, d in enumerate(schedule.doses, start=1):
        assert d.cumulative_cells == pytest.approx(i * 24_040_395.61, rel=1e-12)
        assert d.number == i


def test_jang_q4w_x8_days() -> None:
    plan = jang()
    days = [d.day for d in plan.doses]
    # q4w = every 28 days: 0, 28, ..., 7 × 28 = 196
    assert days == [0, 28, 56, 84, 112, 140, 168, 196]
    assert plan.schedules[0].course_days == 196


@pytest.mark.parametrize("start", [D(2026, 12, 1), D(2024, 2, 29), D(2025, 12, 31), D(2027, 1, 2)])
def test_jang_q4w_dates_are_28_days_apart_from_any_start(start: dt.date) -> None:
    plan = jang(start=start)
    dates = [d.date for d in plan.doses]
    assert dates == [start + dt.timedelta(days=28 * k) for k in range(8)]
    assert plan.doses[-1].day == 196
    assert plan.doses[-1].date == start + dt.timedelta(days=196)


def test_jang_without_dose_is_refused() -> None:
    protocol = load_protocol("jang2025-canine-itp")
    with pytest.raises(NotReportedError) as info:
        plan_doses(protocol, dog())
    assert str(info.value) == (
        "the source (jang2025-canine-itp, arm msc) does not report the dose per administration "
        '(pass dose="<amount> cells/kg")'
    )
    assert info.value.field == "dose"
    assert info.value.fields == ("dose",)


def test_chen_expansion_70kg() -> None:
    plan = chen(DoseOptions(start=D(2026, 1, 5)))
    (schedule,) = plan.schedules
    assert [d.date for d in schedule.doses] == [
        D(2026, 1, 5),
        D(2026, 1, 12),
        D(2026, 1, 19),
        D(2026, 1, 26),
    ]
    assert [d.day for d in schedule.doses] == [0, 7, 14, 21]
    # 2×10⁶ cells/kg × 70 kg = 1.4×10⁸ cells per dose; × 4 = 5.6×10⁸
    assert all(d.cells == pytest.approx(1.4e8, rel=1e-12) for d in schedule.doses)
    assert schedule.total_cells == pytest.approx(5.6e8, rel=1e-12)
    assert plan.dose_source == "protocol"
    assert plan.scale is None
    assert plan.warnings == ()  # 2026-01-05 is a Monday: no weekend doses


def test_chen_needs_an_arm() -> None:
    with pytest.raises(OptionError, match="expansion-2.0"):
        plan_doses(load_protocol("chen2024-itp-ucmsc"), human())


def test_dose_override_is_labelled() -> None:
    # 1×10⁶ cells/kg × 70 kg = 7×10⁷ cells
    plan = chen(DoseOptions(dose=parse_dose("1e6 cells/kg")))
    assert plan.doses[0].cells == pytest.approx(7e7, rel=1e-12)
    assert plan.dose_source == "given"
    assert any("replaces" in w for w in plan.warnings)


def test_qi_calendar_months_from_jan_31() -> None:
    protocol = load_protocol("qi2017-sjogren-thrombocytopenia")
    plan = plan_doses(protocol, human("60kg"), options=DoseOptions(start=D(2025, 1, 31)))
    # once a calendar month, clipped to the month's end (2025 is not a leap year)
    assert [d.date for d in plan.doses] == [
        D(2025, 1, 31),
        D(2025, 2, 28),
        D(2025, 3, 31),
        D(2025, 4, 30),
    ]
    # Jan 31 -> Feb 28: 28 days; -> Mar 31: 28 + 31 = 59; -> Apr 30: 59 + 30 = 89
    assert [d.day for d in plan.doses] == [0, 28, 59, 89]
    # 2×10⁶ × 60 kg = 1.2×10⁸ cells; × 4 = 4.8×10⁸
    assert plan.schedules[0].total_cells == pytest.approx(4.8e8, rel=1e-12)


def test_qi_months_in_a_leap_year() -> None:
    protocol = load_protocol("qi2017-sjogren-thrombocytopenia")
    plan = plan_doses(protocol, human("60kg"), options=DoseOptions(start=D(2024, 1, 31)))
    assert [d.date for d in plan.doses] == [
        D(2024, 1, 31),
        D(2024, 2, 29),
        D(2024, 3, 31),
        D(2024, 4, 30),
    ]
    # 29, 29 + 31 = 60, 60 + 30 = 90
    assert [d.day for d in plan.doses] == [0, 29, 60, 90]


def test_qi_months_without_a_start_have_no_day_number() -> None:
    protocol = load_protocol("qi2017-sjogren-thrombocytopenia")
    plan = plan_doses(protocol, human("60kg"))
    # a calendar month is 28 to 31 days: not a fixed number (and not pint's 30.4375)
    assert plan.doses[0].day == 0
    assert [d.day for d in plan.doses[1:]] == [None, None, None]
    assert all(d.date is None for d in plan.doses)
    assert plan.schedules[0].course_days is None


# --------------------------------------------------------------------------------------------
# per-m² doses and BSA


def test_meeh_per_m2_dose_for_a_10kg_dog() -> None:
    protocol = protocol_from_regimen("5×10⁷ cells/m² q21d ×3", "dog")
    plan = plan_doses(protocol, dog("10kg"))
    # BSA: 10.1 × 10000^(2/3) × 10⁻⁴ = 10.1 × 464.1588834 × 10⁻⁴ = 0.46880047 m²
    assert plan.bsa_m2 == pytest.approx(0.46880047, rel=1e-7)
    assert plan.bsa_formula is not None and "Meeh" in plan.bsa_formula
    # 5×10⁷ cells/m² × 0.46880047 m² = 23,440,023.6 cells ≈ 2.344×10⁷
    assert plan.doses[0].cells == pytest.approx(23_440_023.6, rel=1e-7)
    # per kg: 23,440,023.6 / 10 = 2,344,002.36
    assert plan.doses[0].cells_per_kg == pytest.approx(2_344_002.36, rel=1e-7)
    assert [d.day for d in plan.doses] == [0, 21, 42]
    assert plan.doses[0].dose.basis == "per m²"


def test_meeh_per_m2_dose_for_an_8kg_dog_exact() -> None:
    protocol = protocol_from_regimen("5×10⁷ cells/m² q21d ×3", "dog")
    plan = plan_doses(protocol, dog("8kg"))
    # 8000^(2/3) = 400; 10.1 × 400 × 10⁻⁴ = 0.404 m²; 5×10⁷ × 0.404 = 2.02×10⁷ cells
    assert plan.doses[0].cells == pytest.approx(2.02e7, rel=1e-12)


def test_mosteller_per_m2_dose_for_a_human() -> None:
    protocol = protocol_from_regimen("5×10⁷ cells/m² q21d ×3", "human")
    plan = plan_doses(protocol, human("80kg", height="180cm"))
    # Mosteller: √(180 × 80 / 3600) = √4 = 2 m²; 5×10⁷ × 2 = 1×10⁸ cells
    assert plan.bsa_m2 == pytest.approx(2.0, rel=1e-12)
    assert plan.bsa_formula == "Mosteller"
    assert plan.doses[0].cells == pytest.approx(1e8, rel=1e-12)


def test_per_m2_human_dose_needs_height() -> None:
    protocol = protocol_from_regimen("5×10⁷ cells/m² q21d ×3", "human")
    with pytest.raises(PatientError) as info:
        plan_doses(protocol, human("80kg"))
    assert str(info.value) == (
        'a per-m² dose for a human adult needs the body surface area (pass height="170cm")'
    )
    assert info.value.fields == ("height",)


def test_flat_dose_does_not_depend_on_weight() -> None:
    protocol = protocol_from_regimen("1×10⁸ cells q4w ×2", "dog")
    plan = plan_doses(protocol, dog("20kg"))
    assert plan.doses[0].cells == 1e8
    # 1×10⁸ / 20 kg = 5×10⁶ cells/kg
    assert plan.doses[0].cells_per_kg == pytest.approx(5e6, rel=1e-12)
    assert plan.bsa_m2 is None


# --------------------------------------------------------------------------------------------
# values the source does not report


def aa(options: DoseOptions | None = None) -> DosePlan:
    return plan_doses(load_protocol("aa-ucmsc-18"), human("60kg"), options=options)


def test_aa_needs_count() -> None:
    with pytest.raises(NotReportedError) as info:
        aa()
    assert str(info.value) == (
        "the source (aa-ucmsc-18, arm uc-msc) does not report the number of doses (pass count=<N>)"
    )


def test_aa_with_count_has_min_and_max_schedules() -> None:
    plan = aa(DoseOptions(count=4))
    assert [s.which for s in plan.schedules] == ["min", "max"]
    low, high = plan.schedules
    # once weekly: days 0, 7, 14, 21; twice weekly: days 0 and 3 of each week: 0, 3, 7, 10
    assert [d.day for d in low.doses] == [0, 7, 14, 21]
    assert [d.day for d in high.doses] == [0, 3, 7, 10]
    # 1×10⁶ cells/kg × 60 kg = 6×10⁷ cells; × 4 = 2.4×10⁸ in both schedules
    for schedule in plan.schedules:
        assert all(d.cells == pytest.approx(6e7, rel=1e-12) for d in schedule.doses)
        assert schedule.total_cells == pytest.approx(2.4e8, rel=1e-12)
    records = plan.records()
    assert [r["schedule"] for r in records] == ["min"] * 4 + ["max"] * 4


def test_izadi_needs_interval() -> None:
    protocol = load_protocol("izadi2022-t1d-bmmsc")
    with pytest.raises(NotReportedError) as info:
        plan_doses(protocol, human("60kg"), arm="msc")
    assert str(info.value) == (
        "the source (izadi2022-t1d-bmmsc, arm msc) does not report the interval between doses "
        '(pass interval="<N> weeks")'
    )


def test_izadi_with_interval() -> None:
    protocol = load_protocol("izadi2022-t1d-bmmsc")
    options = DoseOptions(interval=parse_duration("2 weeks"), start=D(2026, 1, 5))
    plan = plan_doses(protocol, human("60kg"), arm="msc", options=options)
    assert [d.date for d in plan.doses] == [D(2026, 1, 5), D(2026, 1, 19)]
    # 1×10⁶ × 60 kg = 6×10⁷ cells; two doses: 1.2×10⁸
    assert plan.schedules[0].total_cells == pytest.approx(1.2e8, rel=1e-12)


def test_izadi_single_treatment_arm_is_the_default() -> None:
    protocol = load_protocol("izadi2022-t1d-bmmsc")
    plan = plan_doses(
        protocol, human("60kg"), options=DoseOptions(interval=parse_duration("2 weeks"))
    )
    assert plan.arm == "msc"


def test_placebo_arm_is_refused() -> None:
    protocol = load_protocol("izadi2022-t1d-bmmsc")
    options = DoseOptions(interval=parse_duration("2 weeks"))
    with pytest.raises(OptionError, match="placebo"):
        plan_doses(protocol, human("60kg"), arm="placebo", options=options)


def test_count_on_a_reported_count_is_refused() -> None:
    with pytest.raises(OptionError) as info:
        chen(DoseOptions(count=4))
    assert str(info.value) == (
        "the source (chen2024-itp-ucmsc, arm expansion-2.0) reports the number of doses "
        "(2×10⁶ cells/kg weekly ×4) (count= only fills a count the source does not report; "
        "drop it)"
    )


def test_interval_on_a_reported_interval_is_refused() -> None:
    with pytest.raises(OptionError) as info:
        chen(DoseOptions(interval=parse_duration("2 weeks")))
    assert str(info.value) == (
        "the source (chen2024-itp-ucmsc, arm expansion-2.0) reports the interval "
        "(2×10⁶ cells/kg weekly ×4) (interval= only fills an interval the source does not "
        "report; drop it)"
    )


def test_absurd_count_is_a_celldose_error() -> None:
    # Fixed: DoseOptions(count=100000) for aa-ucmsc-18 raises pydantic's ValidationError
    # ("count must be between 1 and 10000") from Phase.model_validate in _fill, not a
    # CelldoseError; the CLI then prints a traceback instead of "error: ...".
    with pytest.raises(CelldoseError):
        aa(DoseOptions(count=100_000))


def test_zero_interval_is_a_celldose_error() -> None:
    # Fixed: parse_duration("0 days") is accepted, then Phase.model_validate in _fill raises
    # pydantic's ValidationError ("the interval must be at least 1 day"), not a CelldoseError;
    # `celldose dose izadi2022-t1d-bmmsc --interval "0 days"` prints a traceback, exit 1.
    protocol = load_protocol("izadi2022-t1d-bmmsc")
    with pytest.raises(CelldoseError):
        plan_doses(
            protocol,
            human("60kg"),
            arm="msc",
            options=DoseOptions(interval=parse_duration("0 days")),
        )


# --------------------------------------------------------------------------------------------
# product logistics


def test_draw_volume_vials_leftover() -> None:
    # 1×10⁷ cells at 2×10⁶ cells/mL = 5 mL; a 3 mL vial holds 3 × 2×10⁶ = 6×10⁶ cells;
    # vials = ceil(10/6) = 2; leftover 1.2×10⁷ − 1×10⁷ = 2×10⁶ cells = 1 mL
    taken = draw(1e7, Product(concentration=2e6, vial_volume_ml=3.0))
    assert taken.cells_to_draw == 1e7
    assert taken.volume_ml == pytest.approx(5.0, rel=1e-12)
    assert taken.vials == 2
    assert taken.leftover_cells == pytest.approx(2e6, rel=1e-12)
    assert taken.leftover_ml == pytest.approx(1.0, rel=1e-12)


def test_draw_exactly_one_vial() -> None:
    # 3.8 mL × 6.68×10⁶ cells/mL = 25,384,000 cells: a dose of exactly that is one vial
    taken = draw(25_384_000.0, Product(concentration=6.68e6, vial_volume_ml=3.8))
    assert taken.vials == 1
    assert taken.leftover_cells == pytest.approx(0.0, abs=1e-3)
    # one cell more needs a second vial
    assert draw(25_384_001.0, Product(concentration=6.68e6, vial_volume_ml=3.8)).vials == 2


def test_draw_vial_as_cell_count_without_concentration() -> None:
    # 1.4×10⁸ cells from vials of 5×10⁷: ceil(2.8) = 3 vials; leftover 1.5×10⁸ − 1.4×10⁸ = 10⁷
    taken = draw(1.4e8, Product(vial_cells=5e7))
    assert taken.vials == 3
    assert taken.leftover_cells == pytest.approx(1e7, rel=1e-12)
    assert taken.volume_ml is None
    assert taken.leftover_ml is None


def test_draw_without_product_information() -> None:
    taken = draw(1.4e8, Product())
    assert (taken.volume_ml, taken.vials, taken.leftover_cells) == (None, None, None)


def test_vial_volume_without_concentration_is_refused() -> None:
    with pytest.raises(OptionError, match="concentration"):
        draw(1e7, Product(vial_volume_ml=3.8))
    with pytest.raises(OptionError, match="concentration"):
        jang(product=Product(vial_volume_ml=3.8))


@pytest.mark.parametrize("viability", [0.0, -0.5, 1.5, math.nan])
def test_bad_viability_is_refused(viability: float) -> None:
    with pytest.raises(OptionError, match="viability"):
        Product(viability=viability)


def test_viable_dose_without_viability_is_refused() -> None:
    with pytest.raises(OptionError, match="viability"):
        Product(dose_counts_viable=True)


def test_jang_logistics_with_concentration_and_vial() -> None:
    plan = jang(product=Product(concentration=6.68e6, vial_volume_ml=3.8), start=D(2026, 12, 1))
    d = plan.doses[0]
    # volume = 24,040,395.61 / 6.68×10⁶ = 3.5988616 mL
    assert d.volume_ml == pytest.approx(3.5988616, rel=1e-7)
    # vial = 3.8 × 6.68×10⁶ = 25,384,000 cells; ceil(24,040,395.61 / 25,384,000) = ceil(0.947) = 1
    assert d.vials == 1
    # leftover = 25,384,000 − 24,040,395.61 = 1,343,604.39 cells = 3.8 − 3.5988616 = 0.2011384 mL
    assert d.leftover_cells == pytest.approx(1_343_604.39, rel=1e-9)
    assert d.leftover_ml == pytest.approx(0.2011384, rel=1e-6)
    schedule = plan.schedules[0]
    assert schedule.total_vials == 8
    # 8 × 3.5988616 = 28.790893 mL
    assert schedule.total_volume_ml == pytest.approx(28.790893, rel=1e-7)


def test_two_vials_when_the_dose_exceeds_one() -> None:
    # 40 kg dog: 2×10⁶ × 40 = 8×10⁷ cells; vial 25,384,000 cells: ceil(3.1516) = 4 vials
    # leftover 4 × 25,384,000 − 8×10⁷ = 101,536,000 − 80,000,000 = 21,536,000 cells
    plan = jang(weight="40kg", product=Product(concentration=6.68e6, vial_volume_ml=3.8))
    assert plan.doses[0].vials == 4
    assert plan.doses[0].leftover_cells == pytest.approx(21_536_000, rel=1e-9)
    assert plan.schedules[0].total_vials == 32  # 8 doses × 4 vials


VIABLE_PROTOCOL = """\
id: viable-test
title: A protocol dosed in viable cells
species: dog
indication: test only
product:
  name: MSC
  tissue_source: adipose tissue
  donor: allogeneic
  origin_species: dog
  concentration: 5e6 cells/mL
  cells_per_vial: 2e7 cells
  viability: 0.8
  dose_counts: viable cells
route: IV
dose: 2×10⁶ cells/kg
arms:
  - name: msc
    regimen: q4w ×2
reference:
  citation: test only
"""


@pytest.fixture
def viable_protocol(tmp_path: Path) -> Path:
    path = tmp_path / "viable.yaml"
    path.write_text(VIABLE_PROTOCOL, encoding="utf-8")
    return path


def test_viability_correction_from_protocol_file(viable_protocol: Path) -> None:
    protocol = load_protocol(str(viable_protocol))
    plan = plan_doses(protocol, dog("10kg"))
    assert plan.product.dose_counts_viable
    assert plan.product.viability == 0.8
    d = plan.doses[0]
    # 2×10⁶ viable cells/kg × 10 kg = 2×10⁷ viable cells received
    assert d.cells == pytest.approx(2e7, rel=1e-12)
    # cells to draw = 2×10⁷ / 0.8 = 2.5×10⁷; volume = 2.5×10⁷ / 5×10⁶ = 5 mL
    assert d.cells_to_draw == pytest.approx(2.5e7, rel=1e-12)
    assert d.volume_ml == pytest.approx(5.0, rel=1e-12)
    # vials of 2×10⁷: ceil(2.5×10⁷ / 2×10⁷) = 2; leftover 4×10⁷ − 2.5×10⁷ = 1.5×10⁷ = 3 mL
    assert d.vials == 2
    assert d.leftover_cells == pytest.approx(1.5e7, rel=1e-12)
    assert d.leftover_ml == pytest.approx(3.0, rel=1e-12)
    # the cumulative count is of cells received: 2 × 2×10⁷ = 4×10⁷
    assert plan.schedules[0].total_cells == pytest.approx(4e7, rel=1e-12)


def test_cap_limits_each_dose_and_is_labelled() -> None:
    # 10 kg dog: 2×10⁶ × 10 = 2×10⁷ cells, capped at 1.5×10⁷
    plan = jang(weight="10kg", product=Product(cap_cells=1.5e7))
    assert all(d.cells == 1.5e7 and d.capped for d in plan.doses)
    # 1.5×10⁷ / 10 kg = 1.5×10⁶ cells/kg actually given
    assert plan.doses[0].cells_per_kg == pytest.approx(1.5e6, rel=1e-12)
    # 8 × 1.5×10⁷ = 1.2×10⁸
    assert plan.schedules[0].total_cells == pytest.approx(1.2e8, rel=1e-12)
    assert any("cap" in w for w in plan.warnings)


def test_cap_above_the_dose_changes_nothing() -> None:
    plan = jang(weight="10kg", product=Product(cap_cells=1e9))
    assert all(d.cells == pytest.approx(2e7) and not d.capped for d in plan.doses)
    assert not any("cap" in w for w in plan.warnings)


# --------------------------------------------------------------------------------------------
# species


def test_dog_protocol_for_a_cat_needs_cross_species() -> None:
    cat = make_patient(get_species("cat"), "4kg")
    protocol = load_protocol("jang2025-canine-itp")
    options = DoseOptions(dose=parse_dose("2e6 cells/kg"))
    with pytest.raises(OptionError) as info:
        plan_doses(protocol, cat, options=options)
    assert str(info.value) == (
        "protocol jang2025-canine-itp is for a dog, not a cat (pass cross_species=True to use "
        "it anyway (every output is then labelled))"
    )
    assert info.value.fields == ("cross_species",)
    plan = plan_doses(
        protocol, cat, options=DoseOptions(dose=parse_dose("2e6 cells/kg"), cross_species=True)
    )
    assert plan.species_note is not None
    assert "cat" in plan.species_note and "dog" in plan.species_note
    assert any("cat" in w and "dog" in w for w in plan.warnings)
    # unscaled: 2×10⁶ × 4 kg = 8×10⁶
    assert plan.doses[0].cells == pytest.approx(8e6, rel=1e-12)


def test_bsa_scaling_human_protocol_to_dog() -> None:
    patient = dog("10kg")
    protocol = load_protocol("chen2024-itp-ucmsc")
    options = DoseOptions(scale="bsa", cross_species=True)
    plan = plan_doses(protocol, patient, arm="expansion-2.0", options=options)
    assert plan.scale is not None
    # Km human / Km dog = 37 / 20 = 1.85
    assert plan.scale.factor == pytest.approx(1.85, rel=1e-12)
    assert (plan.scale.km_from, plan.scale.km_to) == (37, 20)
    # 2×10⁶ cells/kg × 1.85 × 10 kg = 3.7×10⁷ cells; per kg 3.7×10⁶
    assert plan.doses[0].cells == pytest.approx(3.7e7, rel=1e-12)
    assert plan.doses[0].cells_per_kg == pytest.approx(3.7e6, rel=1e-12)
    assert any("Km" in w and "1.85" in w for w in plan.warnings)


def test_bsa_scaling_dog_protocol_to_human() -> None:
    # Km dog / Km human = 20/37; 1×10⁶ × 20/37 × 74 kg = 1×10⁶ × 20 × 2 = 4×10⁷ cells
    plan = plan_doses(
        load_protocol("jang2025-canine-itp"),
        human("74kg"),
        options=DoseOptions(dose=parse_dose("1e6 cells/kg"), scale="bsa", cross_species=True),
    )
    assert plan.doses[0].cells == pytest.approx(4e7, rel=1e-12)


def test_bsa_scaling_needs_cross_species_first() -> None:
    with pytest.raises(OptionError, match=r"\(pass cross_species=True to use it anyway"):
        plan_doses(
            load_protocol("chen2024-itp-ucmsc"),
            dog("10kg"),
            arm="expansion-2.0",
            options=DoseOptions(scale="bsa"),
        )


def test_bsa_scaling_for_a_cat_is_refused() -> None:
    cat = make_patient(get_species("cat"), "4kg")
    with pytest.raises(OptionError, match="Km"):
        plan_doses(
            load_protocol("chen2024-itp-ucmsc"),
            cat,
            arm="expansion-2.0",
            options=DoseOptions(scale="bsa", cross_species=True),
        )


def test_bsa_scaling_within_one_species_is_refused() -> None:
    with pytest.raises(OptionError) as info:
        chen(DoseOptions(scale="bsa"))
    assert str(info.value) == (
        "scale=bsa converts between species, but the patient and the protocol are both "
        "human adult (drop scale=bsa, or pass species=<id> for another species)"
    )


def test_bsa_scaling_of_a_per_m2_or_flat_dose_is_refused() -> None:
    for regimen in ("5×10⁷ cells/m² q21d ×3", "1×10⁸ cells q21d ×3"):
        protocol = protocol_from_regimen(regimen, "human")
        with pytest.raises(OptionError, match=r"^scale=bsa applies to per-kg doses"):
            plan_doses(
                protocol,
                dog("10kg"),
                options=DoseOptions(scale="bsa", cross_species=True),
            )


def test_default_is_per_kg_without_scaling_across_species() -> None:
    plan = plan_doses(
        load_protocol("chen2024-itp-ucmsc"),
        dog("10kg"),
        arm="expansion-2.0",
        options=DoseOptions(cross_species=True),
    )
    assert plan.scale is None
    # 2×10⁶ × 10 kg = 2×10⁷
    assert plan.doses[0].cells == pytest.approx(2e7, rel=1e-12)


# --------------------------------------------------------------------------------------------
# weekends


def test_weekend_doses_are_flagged() -> None:
    # 2026-01-03 is a Saturday; weekly doses all fall on Saturdays
    plan = chen(DoseOptions(start=D(2026, 1, 3)))
    assert [d.weekend for d in plan.doses] == [True] * 4
    assert [d.date for d in plan.doses] == [D(2026, 1, 3 + 7 * k) for k in range(4)]
    assert any("weekend" in w and "next-weekday" in w for w in plan.warnings)


def test_weekend_doses_moved_to_monday() -> None:
    plan = chen(DoseOptions(start=D(2026, 1, 3), weekends="next-weekday"))
    # Saturday + 2 days = Monday
    assert [d.date for d in plan.doses] == [
        D(2026, 1, 5),
        D(2026, 1, 12),
        D(2026, 1, 19),
        D(2026, 1, 26),
    ]
    assert [d.moved_from for d in plan.doses] == [D(2026, 1, 3 + 7 * k) for k in range(4)]
    assert not any(d.weekend for d in plan.doses)
    assert all(d.cells == pytest.approx(1.4e8) for d in plan.doses)


def test_moved_first_dose_is_day_0() -> None:
    # Fixed: with --start 2026-01-03 (a Saturday) and --weekends next-weekday every dose moves to
    # the Monday; the README defines `day` as "days from the first dose" and Schedule.course_days
    # as "days from the first to the last dose", and studies.md says "Day 0 is the first dose".
    # The first dose is on 2026-01-05 and the last on 2026-01-26, so days should be 0, 7, 14, 21
    # and course_days 21; the code counts from --start instead: 2, 9, 16, 23 and 23.
    plan = chen(DoseOptions(start=D(2026, 1, 3), weekends="next-weekday"))
    assert plan.schedules[0].course_days == 21
    assert [d.day for d in plan.doses] == [0, 7, 14, 21]


def test_moving_weekends_that_breaks_spacing_is_refused() -> None:
    # twice weekly from a Saturday: days 0 (Sat), 3 (Tue), 7 (Sat), 10 (Tue); moving Saturday to
    # Monday puts doses 1 and 2 one day apart: refused
    with pytest.raises(OptionError, match="apart"):
        aa(DoseOptions(count=4, start=D(2026, 1, 3), weekends="next-weekday"))


# --------------------------------------------------------------------------------------------
# records


def test_records_have_the_documented_fields() -> None:
    plan = chen(DoseOptions(start=D(2026, 1, 5)))
    records = plan.records()
    assert len(records) == 4
    for key in (
        "number",
        "phase",
        "day",
        "date",
        "cells",
        "cells_per_kg",
        "volume_ml",
        "vials",
        "cumulative_cells",
        "schedule",
        "basis",
        "weight_kg",
    ):
        assert key in records[0]
    assert records[0]["date"] == "2026-01-05"
    assert records[0]["weekday"] == "Mon"
    assert records[0]["basis"] == "per kg"
    assert records[0]["schedule"] is None
    assert records[0]["weight_kg"] == 70.0
    assert records[-1]["cumulative_cells"] == pytest.approx(5.6e8, rel=1e-12)


def test_plan_is_frozen() -> None:
    plan = chen()
    with pytest.raises(AttributeError):
        plan.arm = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        plan.doses[0].cells = 1.0  # type: ignore[misc]
