"""Dose size means something: a key of reference doses drawn at their lane size; flat doses
(cells) never on the per-kg scale unmarked; dose ranges and conditional doses distinct."""

from __future__ import annotations

import math

import pytest

from celldose.protocols import protocol_from_regimen
from celldose.simulator.figures import timeline_figure
from celldose.simulator.figures._key import size_refs
from celldose.simulator.scenarios import build_lanes

matplotlib = pytest.importorskip("matplotlib")

CHEN = "chen2024-itp-ucmsc"
CISS = "mcintyre2018-ciss-septic-shock-bmmsc"
LANZONI = "lanzoni2021-covid-ards-ucmsc"


def legend_texts(legend: object) -> list[str]:
    return [t.get_text() for t in legend.get_texts()]  # type: ignore[attr-defined]


def size_key(timeline: object) -> object:
    ax = timeline.ax  # type: ignore[attr-defined]
    (key,) = [a for a in ax.get_children() if getattr(a, "get_gid", lambda: None)() == "size-key"]
    return key


def test_reference_doses_by_hand() -> None:
    # Chen: 0.5, 1 and 2 ×10⁶ cells/kg are all round: the three of them
    assert size_refs(build_lanes([CHEN]), False) == [5e5, 1e6, 2e6]
    # CISS: 0.3, 1 and 3 ×10⁶: the round doses between, 5×10⁵, 1×10⁶, 2×10⁶
    assert size_refs(build_lanes([CISS]), False) == [5e5, 1e6, 2e6]
    # one dose size (2×10⁶): it, and the round dose under a quarter of it (5×10⁵)
    assert size_refs(build_lanes(["qi2017-sjogren-thrombocytopenia"]), False) == [5e5, 2e6]


def test_the_size_key_draws_each_reference_at_its_lane_size() -> None:
    _, timeline = timeline_figure(CHEN)
    key = size_key(timeline)
    assert legend_texts(key) == ["area ∝ cells/kg:", "5×10⁵", "1×10⁶", "2×10⁶"]
    handles = key.legend_handles  # type: ignore[attr-defined]
    key_sizes = [h.get_markersize() for h in handles[1:]]
    lane = {
        dose: math.sqrt(timeline.doses[f"doses-{CHEN}.{arm}"].get_sizes()[0])
        for dose, arm in ((5e5, "escalation-0.5"), (1e6, "escalation-1.0"), (2e6, "escalation-2.0"))
    }
    assert key_sizes == pytest.approx([lane[5e5], lane[1e6], lane[2e6]])
    # area ∝ dose: the 2×10⁶ marker has 4 times the area of the 5×10⁵ one
    assert (key_sizes[2] / key_sizes[0]) ** 2 == pytest.approx(4)


def test_with_a_weight_the_key_is_in_cells() -> None:
    _, timeline = timeline_figure(CHEN, weight="50kg")
    # 50 kg × 0.5, 1, 2 ×10⁶ cells/kg = 2.5×10⁷, 5×10⁷, 1×10⁸ cells: round ones 5×10⁷, 1×10⁸
    assert legend_texts(size_key(timeline)) == ["area ∝ cells:", "5×10⁷", "1×10⁸"]


def test_flat_doses_are_squares_not_to_the_per_kg_scale() -> None:
    _, timeline = timeline_figure([CHEN, LANZONI])
    flat = timeline.doses[f"doses-{LANZONI}.msc"]
    per_kg = timeline.doses[f"doses-{CHEN}.escalation-0.5"]
    assert len(flat.get_paths()[0].vertices) == 5  # a square: four corners, closed
    assert len(per_kg.get_paths()[0].vertices) > 20  # a circle
    assert "flat dose (cells): not to scale" in legend_texts(timeline.ax.get_legend())
    # Chen alone: no flat dose, no such key entry
    _, alone = timeline_figure(CHEN)
    assert "flat dose (cells): not to scale" not in legend_texts(alone.ax.get_legend())


def test_a_dose_range_is_an_outer_and_an_inner_circle() -> None:
    ranged = protocol_from_regimen("1–2×10⁶ cells/kg weekly ×4", "dog")
    _, timeline = timeline_figure(ranged)
    (outer_id,) = [k for k in timeline.doses if not k.endswith("-low")]
    outer, inner = timeline.doses[outer_id], timeline.doses[f"{outer_id}-low"]
    # the lower bound is half the upper: its circle has half the area
    assert list(inner.get_sizes()) == pytest.approx([s / 2 for s in outer.get_sizes()])
    assert all(c[3] == pytest.approx(0.3) for c in outer.get_facecolors())  # light outer
    assert "range: outer upper, inner lower" in legend_texts(timeline.ax.get_legend())
