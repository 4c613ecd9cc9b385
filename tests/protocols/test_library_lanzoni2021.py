"""Lanzoni 2021 (studies.md, study 13): the library file against the facts, and its control arm.

The facts below are transcribed from /work/shared/studies.md, not from the YAML file.
"""

from __future__ import annotations

import pytest

import celldose
from celldose.protocols import (
    NOT_REPORTED,
    Dose,
    OptionError,
    Phase,
    ProtocolFileError,
    Regimen,
    load_protocol,
    parse_protocol,
)

ID = "lanzoni2021-covid-ards-ucmsc"


def test_the_facts_of_studies_md() -> None:
    p = load_protocol(ID)
    assert p.species == "human"
    assert p.route == "IV"
    assert p.product.tissue_source == "umbilical cord"
    assert p.product.donor == "allogeneic"
    assert p.product.origin_species == "human"
    msc, control = p.arms
    # 100×10⁶ cells per infusion (flat), two infusions on days 0 and 3 (secondary)
    assert (msc.name, msc.role, msc.n) == ("msc", "treatment", 12)
    assert msc.dose == Dose(amount=1e8, unit="cells", basis="flat")
    assert msc.regimen == Regimen(phases=(Phase(days=(0, 3)),))
    # 12 MSC vs 12 control
    assert (control.name, control.role, control.n) == ("control", "control", 12)
    assert control.gives_no_cells
    assert p.administration.duration == "10 ± 5 min"  # (secondary)
    assert p.reference.doi == "10.1002/sctm.20-0472"
    assert p.reference.registry == ("NCT04355728",)
    assert "Stem Cells Transl Med 2021;10(5):660-673" in p.reference.citation


def test_the_dose_is_the_primary_point_dose_not_a_range() -> None:
    # "100 ± 20×10⁶ cells" (secondary) stays in the notes: the dose planned is 100×10⁶ cells
    dose = load_protocol(ID).arm("msc").dose
    assert isinstance(dose, Dose) and dose.amount == 1e8


def test_every_not_reported_fact_is_not_reported() -> None:
    p = load_protocol(ID)
    # "Outcome numbers: ... NOT REPORTED in what we read"
    (window,) = p.response_windows
    assert window.start == NOT_REPORTED and window.end == NOT_REPORTED
    assert window.responders == NOT_REPORTED
    assert "Outcome numbers: not reported" in p.notes
    assert p.follow_up == NOT_REPORTED  # no follow-up in studies.md
    # what the controls received, and when: not given
    (phase,) = p.arm("control").regimen.phases
    assert phase.every == NOT_REPORTED and phase.count == NOT_REPORTED
    for fact in ("rate", "final_volume", "diluent", "premedication", "min_spacing"):
        assert getattr(p.administration, fact) == NOT_REPORTED


def test_every_secondary_fact_is_labelled_in_the_notes() -> None:
    notes = load_protocol(ID).notes
    assert "(secondary) Days 0 and 3" in notes
    assert "(secondary) 100 ± 20×10⁶ cells" in notes
    assert "(secondary) Infused over 10 ± 5 min" in notes


def test_hand_worked_cells() -> None:
    # flat 1×10⁸ cells per infusion, whatever the weight: 70 kg gets 1×10⁸ cells
    # (1×10⁸ / 70 = 1.43×10⁶ cells/kg) on 2026-01-05 (day 0) and 2026-01-08 (day 3);
    # course total 2 × 1×10⁸ = 2×10⁸ cells
    plan = celldose.plan_doses(ID, weight="70 kg", start="2026-01-05")
    assert [d.cells for d in plan.doses] == [1e8, 1e8]
    assert [d.day for d in plan.doses] == [0, 3]
    assert [d.date.isoformat() for d in plan.doses] == ["2026-01-05", "2026-01-08"]
    assert plan.doses[0].cells_per_kg == pytest.approx(1e8 / 70)
    assert plan.schedules[0].total_cells == 2e8
    assert plan.to_dict()["administration"]["duration"] == "10 ± 5 min"


def test_the_control_arm_has_no_cells_to_dose() -> None:
    with pytest.raises(
        OptionError, match="'control' of lanzoni2021-covid-ards-ucmsc is a control arm"
    ):
        celldose.plan_doses(ID, arm="control", weight="70 kg")


# -- role control: an arm that gives no cells (the code change this study needed) ----------

CONTROL = """\
id: with-control
title: A control arm
species: human
indication: Testing
product: {name: MSC, tissue_source: bone marrow, donor: allogeneic, origin_species: human}
route: IV
arms:
  - {name: msc, role: treatment, dose: 1×10⁶ cells/kg, regimen: weekly ×2}
  - name: control
    role: control
    regimen: {phases: [{every: not reported, count: not reported}]}
reference: {citation: example}
"""


def test_a_control_arm_needs_no_dose_and_the_treatment_arm_is_the_default() -> None:
    p = parse_protocol(CONTROL, "control.yaml")
    assert p.arm(None).name == "msc"  # the only arm that gives cells
    plan = celldose.plan_doses(p, weight="50 kg")
    assert [d.cells for d in plan.doses] == [5e7, 5e7]  # 50 kg × 1×10⁶


def test_a_control_arm_with_a_dose_of_its_own_is_refused() -> None:
    text = CONTROL.replace("    role: control\n", "    role: control\n    dose: 1×10⁶ cells/kg\n")
    with pytest.raises(ProtocolFileError) as info:
        parse_protocol(text, "control.yaml")
    (problem,) = info.value.problems
    assert problem.message == (
        "arm 'control' has role control, which gives no cells, but it has a dose of its own: "
        "remove the dose, or give the arm role treatment"
    )
