"""CISS, McIntyre 2018 (studies.md, study 12): the library file against the facts.

The facts below are transcribed from /work/shared/studies.md, not from the YAML file.
"""

from __future__ import annotations

from importlib import resources

import pytest

import celldose
from celldose.protocols import NOT_REPORTED, Dose, Limit, Phase, Regimen, load_protocol

ID = "mcintyre2018-ciss-septic-shock-bmmsc"


def _text() -> str:
    entry = resources.files("celldose.protocols").joinpath("library", f"{ID}.yaml")
    return entry.read_text(encoding="utf-8")


def test_the_facts_of_studies_md() -> None:
    p = load_protocol(ID)
    assert p.species == "human"
    assert p.indication == "Septic shock"
    assert p.route == "IV"
    assert p.product.tissue_source == "bone marrow"
    assert p.product.donor == "allogeneic"
    assert p.product.origin_species == "human"
    assert "Fresh" in p.product.notes  # "fresh allogeneic bone-marrow MSC"
    # three escalation arms, 3 patients each, a single infusion each
    assert [(a.name, a.role, a.n) for a in p.arms] == [
        ("escalation-0.3", "dose escalation", 3),
        ("escalation-1.0", "dose escalation", 3),
        ("escalation-3.0", "dose escalation", 3),
    ]
    for arm, per_kg in zip(p.arms, (0.3e6, 1.0e6, 3.0e6), strict=True):
        dose = Dose(amount=per_kg, unit="cells", basis="per kg")
        assert arm.regimen == Regimen(phases=(Phase(dose=dose, count=1),))
    assert p.reference.doi == "10.1164/rccm.201705-1006OC"
    assert p.reference.pubmed == "28960096"
    assert "Am J Respir Crit Care Med 2018;197(3):337-347" in p.reference.citation


def test_the_course_maximum_is_a_cap() -> None:
    # (secondary) "a total of at most 300×10⁶ cells per patient": the amount given is bounded
    (limit,) = load_protocol(ID).limits
    assert limit == Limit(max_per_course="300×10⁶ cells", action="cap")


def test_every_not_reported_fact_is_not_reported() -> None:
    p = load_protocol(ID)
    # "efficacy: NOT REPORTED": a window with neither end nor responders known
    (window,) = p.response_windows
    assert window.label == "Efficacy"
    assert window.start == NOT_REPORTED and window.end == NOT_REPORTED
    assert window.responders == NOT_REPORTED
    assert "Efficacy: not reported" in p.notes
    # studies.md gives no follow-up and no registry id
    assert p.follow_up == NOT_REPORTED
    assert p.reference.registry == ()


def test_every_secondary_fact_is_labelled_in_the_notes() -> None:
    notes = load_protocol(ID).notes
    assert "(secondary) A total of at most 300×10⁶ cells per patient" in notes
    assert "(secondary)" in _text().split("limits:")[1].split("\n")[1]  # the limit's own line


@pytest.mark.parametrize(
    ("arm", "weight", "cells", "capped"),
    [
        # 70 kg × 0.3×10⁶ = 2.1×10⁷ cells
        ("escalation-0.3", "70 kg", 2.1e7, False),
        # 70 kg × 1.0×10⁶ = 7×10⁷ cells
        ("escalation-1.0", "70 kg", 7e7, False),
        # 70 kg × 3.0×10⁶ = 2.1×10⁸ cells, under 3×10⁸
        ("escalation-3.0", "70 kg", 2.1e8, False),
        # 100 kg × 3.0×10⁶ = 3×10⁸ cells: exactly the maximum, not capped
        ("escalation-3.0", "100 kg", 3e8, False),
        # 120 kg × 3.0×10⁶ = 3.6×10⁸ cells > 3×10⁸: capped to 3×10⁸ (the course maximum)
        ("escalation-3.0", "120 kg", 3e8, True),
    ],
)
def test_hand_worked_cells(arm: str, weight: str, cells: float, capped: bool) -> None:
    plan = celldose.plan_doses(ID, arm=arm, weight=weight, start="2026-01-05")
    (dose,) = plan.doses
    assert dose.cells == pytest.approx(cells)
    assert dose.day == 0
    assert dose.capped is capped
    assert plan.schedules[0].total_cells == pytest.approx(cells)


def test_the_capped_dose_is_labelled() -> None:
    plan = celldose.plan_doses(ID, arm="escalation-3.0", weight="120 kg")
    (dose,) = plan.doses
    assert dose.capped_by == "max per course"
    assert dose.cap_note == "capped at 3×10⁸ cells (max per course 3×10⁸ cells reached)"
    assert plan.schedules[0].stopped == ()  # a single infusion: nothing after it to stop
