"""The cohort histogram: on a figure of its own (as `celldose simulate --plot` saves it), or on
the caller's axes (``ax=``, like draw_timeline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from celldose.protocols import OptionError, load_protocol, parse_dose
from celldose.simulator import Cohort, DoseOptions, parse_weight, simulate_cohort
from celldose.simulator.figures import draw_cohort_histogram, save_figure

matplotlib = pytest.importorskip("matplotlib")

JANG = "jang2025-canine-itp"


@pytest.fixture(scope="module")
def ten_dogs() -> Any:
    """Ten 10 kg dogs at 1×10⁶ cells/kg q4w ×8, no missed dose: 8×10⁷ cells each."""
    return simulate_cohort(
        load_protocol(JANG),
        Cohort(patients=10, weight=parse_weight("10kg")),
        options=DoseOptions(dose=parse_dose("1e6 cells/kg")),
    )


@pytest.fixture(scope="module")
def chen_400() -> tuple[Any, Any]:
    """400 patients of Chen's expansion-2.0 arm (seed 1) and their histogram, drawn once for
    the two tests that read it (neither changes it)."""
    result = simulate_cohort(
        "chen2024-itp-ucmsc", Cohort(patients=400, seed=1), arm="expansion-2.0"
    )
    return result, draw_cohort_histogram(result)


def bars(ax: Any) -> list[Any]:
    from matplotlib.patches import StepPatch

    return [p for p in ax.patches if isinstance(p, StepPatch)]


def test_every_patient_the_same_is_one_narrow_bar(ten_dogs: Any) -> None:
    fig = draw_cohort_histogram(ten_dogs)
    (ax,) = fig.axes
    filled, outline = bars(ax)
    counts = [int(v) for v in filled.get_data().values]
    # 40 bins of 0.004 × 8 = 0.032 (×10⁷ cells), from 8 − 20.5 × 0.032 = 7.344: the value 8
    # falls in bin 20, [7.984, 8.016)
    assert counts == [0] * 20 + [10] + [0] * 19
    edges = filled.get_data().edges
    assert (edges[0], edges[20], edges[21], edges[40]) == pytest.approx(
        (7.344, 7.984, 8.016, 8.624)
    )
    assert [int(v) for v in outline.get_data().values] == counts
    assert ax.get_xlabel() == "total cells per patient over the course (×10⁷)"
    assert ax.get_ylabel() == "patients"
    assert ax.get_title(loc="left") == "Jang 2025, arm msc"  # its short_label, as on lanes
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "median 8×10⁷",
        "mean 8×10⁷",
        "5–95%: 8×10⁷–8×10⁷",
    ]
    assert legend.get_title().get_text() == "10 virtual dogs, seed 0"


def test_the_default_size_is_a_single_column(ten_dogs: Any) -> None:
    width, _ = draw_cohort_histogram(ten_dogs).get_size_inches()
    assert width == pytest.approx(85 / 25.4)
    width, _ = draw_cohort_histogram(ten_dogs, size="double").get_size_inches()
    assert width == pytest.approx(174 / 25.4)


def test_draws_on_the_callers_axes(ten_dogs: Any) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3))
    left, right = fig.subplots(1, 2)
    drawn = draw_cohort_histogram(ten_dogs, ax=right)
    assert drawn is right
    assert not left.patches and not left.lines and left.get_legend() is None
    assert fig.legends == []  # the legend is on the caller's axes, not on their figure
    assert len(bars(right)) == 2
    assert right.get_title(loc="left") == "Jang 2025, arm msc"
    legend = right.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "median 8×10⁷",
        "mean 8×10⁷",
        "5–95%: 8×10⁷–8×10⁷",
    ]
    assert legend.get_title().get_text() == "10 virtual dogs, seed 0"


def test_a_size_with_the_callers_axes_is_refused(ten_dogs: Any) -> None:
    from matplotlib.figure import Figure

    with pytest.raises(OptionError) as caught:
        draw_cohort_histogram(ten_dogs, ax=Figure().add_subplot(), size="single")
    assert str(caught.value) == (
        "size is the size of a figure drawn here: with ax= the figure is yours "
        "(drop size=, or drop ax=)"
    )


def test_a_spread_cohort_fills_forty_bins(tmp_path: Path) -> None:
    result = simulate_cohort(
        load_protocol("chen2024-itp-ucmsc"), Cohort(patients=500, seed=3), arm="expansion-2.0"
    )
    fig = draw_cohort_histogram(result)
    filled, _ = bars(fig.axes[0])
    assert len(filled.get_data().values) == 40
    assert int(filled.get_data().values.sum()) == 500
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    save_figure(fig, first)
    save_figure(draw_cohort_histogram(result), second)
    assert first.read_bytes() == second.read_bytes()


def test_the_axis_and_the_key_share_one_power_of_ten(chen_400: tuple[Any, Any]) -> None:
    """Totals on both sides of 10⁹ (Chen expansion-2.0, 2×10⁶ cells/kg weekly ×4: 8×10⁶ cells
    per kg of weight): a 100 kg patient gets 8×10⁸, a 150 kg one 1.2×10⁹. The median is of
    the order of 10⁸, so the axis is in ×10⁸ and the key says 12×10⁸ for 1.2×10⁹, not a
    ×10⁹ axis beside a key in ×10⁸."""
    from celldose.simulator.figures._cohort_plot import in_power, scale_power

    assert scale_power(8e8, 1.2e9) == 8
    assert in_power(1.2e9, 8) == "12×10⁸"
    assert in_power(5.59e8, 8) == "5.59×10⁸"
    assert in_power(4.0, 0) == "4"
    result, fig = chen_400
    (ax,) = fig.axes
    assert float(result.patient_total_cells.max()) > 1e9 > result.total_cells.median
    assert ax.get_xlabel() == "total cells per patient over the course (×10⁸)"
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert all(text.count("×10⁸") == text.count("×10") for text in texts), texts
    assert ax.get_title(loc="left") == "Chen 2024, arm expansion-2.0"


def test_tick_labels_have_no_trailing_zero(chen_400: tuple[Any, Any]) -> None:
    """The histogram's x ticks on a ×10⁸ axis from 4 to 11 read 4, 6, 8, 10 (not 4.0 ...)."""
    _, fig = chen_400
    fig.draw_without_rendering()  # the ticks and their labels made, no pixel painted
    (ax,) = fig.axes
    for axis in (ax.xaxis, ax.yaxis):
        labels = [t.get_text() for t in axis.get_ticklabels() if t.get_text()]
        assert labels and not any(label.endswith((".0", ".00")) for label in labels), labels


def test_a_regimen_s_title_is_its_regimen_and_a_roster_s_patients_are_listed() -> None:
    from celldose.protocols import protocol_from_regimen
    from celldose.simulator.dosing import get_species
    from celldose.simulator.scenarios import parse_roster

    regimen = protocol_from_regimen("1×10⁶ cells/kg q4w ×8", "dog")
    roster = parse_roster("rex,12kg\nbella,8kg\n", get_species("dog"))
    result = simulate_cohort(regimen, Cohort(roster=roster))
    fig = draw_cohort_histogram(result)
    (ax,) = fig.axes
    assert ax.get_title(loc="left") == "1×10⁶ cells/kg q4w ×8"  # not "regimen, arm regimen"
    (legend,) = fig.legends
    assert legend.get_title().get_text() == "2 dogs, seed 0"  # listed, not virtual
