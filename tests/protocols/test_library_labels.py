"""The library's two approved-product labels (studies.md, studies 6 and 7): Ryoncil
(``ryoncil2024-pediatric-sr-agvhd-remestemcel``) and Alofisel
(``alofisel-crohn-perianal-fistula-darvadstrocel``).

Hand-worked cells, from the facts of studies.md only:

- Ryoncil, a 20 kg child from Monday 2026-01-05: 2×10⁶ cells/kg × 20 kg = 4×10⁷ cells a dose;
  4×10⁷ / 6.68×10⁶ cells/mL = 5.988 mL; a vial holds 3.8 mL, so 2 vials a dose. Twice weekly
  for 4 weeks at least 3 days apart: days 0, 3, 7, 10, 14, 17, 21, 24 (2026-01-05 … 01-29);
  8 × 4×10⁷ = 3.2×10⁸ cells. Day 28 ± 2 = 2026-02-02, window 2026-01-31 to 2026-02-04.
- Alofisel, a 70 kg adult: 4 vials × 30×10⁶ cells = 1.2×10⁸ cells (flat), 4 × 6 mL = 24 mL,
  1.2×10⁸ / 70 kg = 1.714×10⁶ cells/kg.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import celldose
from celldose.protocols import NOT_REPORTED, load_protocol
from celldose.simulator.dosing import get_species

RYONCIL = "ryoncil2024-pediatric-sr-agvhd-remestemcel"
ALOFISEL = "alofisel-crohn-perianal-fistula-darvadstrocel"
ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "protocols" / "library"
FIXTURES = ROOT / "tests" / "fixtures"


def _text(protocol_id: str) -> str:
    return (LIBRARY / f"{protocol_id}.yaml").read_text(encoding="utf-8")


# --- Ryoncil ----------------------------------------------------------------------------------


def test_ryoncil_is_for_children_iv_with_its_product() -> None:
    p = load_protocol(RYONCIL)
    assert p.species == "human-child"  # patients 2 months of age and older
    assert "2 months of age and older" in p.indication
    assert p.route == "IV"
    assert p.product.donor == "allogeneic"
    assert p.product.tissue_source == "bone marrow"
    assert p.product.concentration == pytest.approx(6.68e6)  # cells/mL
    assert p.product.vial_volume == pytest.approx(3.8)  # mL
    assert p.administration.premedication == "corticosteroids and antihistamines"
    assert str(p.administration.min_spacing) == "3 days"
    assert p.reference.registry == ("NCT02336230",)


def test_ryoncil_hand_worked_course_for_20_kg() -> None:
    plan = celldose.plan_doses(RYONCIL, weight="20 kg", start="2026-01-05")
    doses = plan.schedules[0].doses
    assert [d.day for d in doses] == [0, 3, 7, 10, 14, 17, 21, 24]
    assert doses[0].date == dt.date(2026, 1, 5)
    assert doses[-1].date == dt.date(2026, 1, 29)
    assert all(d.cells == pytest.approx(4e7) for d in doses)  # 2×10⁶ × 20 kg
    first = plan.to_dict()["doses"][0]
    assert first["volume_ml"] == pytest.approx(4e7 / 6.68e6)  # 5.988 mL
    assert first["vials"] == 2  # 5.988 mL / 3.8 mL a vial, rounded up
    assert plan.schedules[0].total_cells == pytest.approx(3.2e8)  # 8 × 4×10⁷
    assert plan.assessment is not None
    assert plan.assessment.text == "day 28 ± 2 (2026-02-02 ± 2 days: 2026-01-31 to 2026-02-04)"


def test_ryoncil_decision_has_both_branches_and_no_share_the_label_does_not_give() -> None:
    decision = load_protocol(RYONCIL).arms[0].regimen.decision
    assert decision is not None
    partial, recurrence = decision.branches
    assert partial.name == "partial-or-mixed-response"
    # 22/54 is the day-28 partial response; the branch is partial OR mixed, and mixed responses
    # are not reported separately: 22/54 is not the branch's share, so none is encoded
    assert partial.share is None
    assert recurrence.name == "recurrence-after-complete-response"
    assert recurrence.share is None  # the label reports no share for it
    assert "complete response: no further treatment" in decision.notes
    assert "no response: consider alternative treatments" in decision.notes

    plan = celldose.plan_doses(RYONCIL, weight="20 kg", start="2026-01-05")
    by_name = {b.name: b for b in plan.branches}
    # weekly ×4 from the assessment day (start not reported: assumed, labelled)
    assert [d.day for d in by_name["partial-or-mixed-response"].schedules[0].doses] == [
        28,
        35,
        42,
        49,
    ]
    # twice weekly for another 4 weeks: 8 doses
    assert len(by_name["recurrence-after-complete-response"].schedules[0].doses) == 8


def test_ryoncil_day_28_response_is_a_window_of_day_26_to_30() -> None:
    (window,) = load_protocol(RYONCIL).response_windows
    assert window.anchor == "first dose"
    assert (str(window.start), str(window.end)) == ("26 days", "30 days")  # day 28 ± 2
    assert window.responders is not None
    assert (window.responders.k, window.responders.n) == (38, 54)
    assert "complete 16/54 (30%), partial 22/54 (41%)" in window.definition


def test_ryoncil_not_reported_facts_are_not_reported() -> None:
    # studies.md: "Infusion rate and dilution volume: NOT REPORTED here"
    p = load_protocol(RYONCIL)
    assert p.administration.rate == NOT_REPORTED
    assert p.administration.final_volume == NOT_REPORTED  # the dilution volume
    text = _text(RYONCIL)
    assert "\n  rate: not reported" in text  # written, not merely left out
    assert "\n  final_volume: not reported" in text
    assert "Infusion rate and dilution\n  volume: not reported" in text  # and said in the notes
    # no fact of study 6 is (secondary): nothing to label
    assert "(secondary)" not in (p.notes or "")


# --- Alofisel ---------------------------------------------------------------------------------


def test_alofisel_is_the_whole_content_of_four_vials_intralesional() -> None:
    p = load_protocol(ALOFISEL)
    assert p.species == "human"
    assert p.route == "intralesional"
    assert p.dose_by == "whole containers"
    assert p.containers == 4
    assert p.product.donor == "allogeneic"
    assert p.product.tissue_source == "adipose tissue"
    assert p.reference.registry == ("NCT03706456",)


def test_alofisel_hand_worked_dose_for_70_kg() -> None:
    plan = celldose.plan_doses(ALOFISEL, weight="70 kg", start="2026-01-05")
    (dose,) = plan.to_dict()["doses"]
    assert dose["cells"] == pytest.approx(1.2e8)  # 4 × 30×10⁶
    assert dose["volume_ml"] == pytest.approx(24.0)  # 4 × 6 mL
    assert dose["vials"] == 4
    assert dose["leftover_cells"] == 0
    assert dose["cells_per_kg"] == pytest.approx(1.714e6, rel=1e-3)  # 1.2×10⁸ / 70 kg
    assert dose["route"] == "intralesional"


def test_alofisel_japanese_phase_3_results_are_response_windows() -> None:
    week24, week52 = load_protocol(ALOFISEL).response_windows
    assert (week24.anchor, str(week24.start), str(week24.end)) == (
        "first dose",
        "24 weeks",
        "24 weeks",
    )
    assert week24.responders is not None
    assert (week24.responders.k, week24.responders.n) == (13, 22)
    assert "95% CI 38.5–79.6" in week24.definition
    assert (str(week52.start), str(week52.end)) == ("52 weeks", "52 weeks")
    assert week52.responders is not None
    assert (week52.responders.k, week52.responders.n) == (15, 22)


def test_alofisel_follow_up_is_not_reported() -> None:
    # the last result is at week 52; how long patients were followed is not given
    assert load_protocol(ALOFISEL).follow_up == NOT_REPORTED


def test_alofisel_repeat_dosing_is_not_reported_with_the_labels_wording() -> None:
    # studies.md: "Repeat dosing: NOT ESTABLISHED" -> not reported, the label's words in notes
    p = load_protocol(ALOFISEL)
    assert p.arms[0].notes is not None
    assert p.arms[0].notes.startswith('Repeat dosing: not reported (the label: "not established")')
    assert "Repeat dosing: not established (the label's wording)" in (p.notes or "")
    assert len(p.arms[0].regimen.to_shorthand().split(";")) == 1  # one administration, no more
    # no fact of study 7 is (secondary): nothing to label
    assert "(secondary)" not in (p.notes or "")


# --- the fixtures the other tests use stay as they were, and agree with the library -----------


@pytest.mark.parametrize(
    ("library_id", "fixture", "weight"),
    [(RYONCIL, "ryoncil-label.yaml", "20 kg"), (ALOFISEL, "alofisel-label.yaml", "70 kg")],
)
def test_the_fixture_plans_the_same_doses_as_the_library_file(
    library_id: str, fixture: str, weight: str
) -> None:
    def doses(source: str) -> list[tuple[object, ...]]:
        plan = celldose.plan_doses(source, weight=weight, start="2026-01-05")
        data = plan.to_dict()
        return [
            (d["day"], d["cells"], d["volume_ml"], d["vials"], d["branch"])
            for d in data["doses"] + [x for b in data["branches"] for x in b["doses"]]
        ]

    assert doses(library_id) == doses(str(FIXTURES / fixture))


def test_species_plurals() -> None:
    assert get_species("human-child").plural == "human children"
    assert get_species("mouse").plural == "mice"
    assert get_species("dog").plural == "dogs"  # label + "s" where the table gives none
