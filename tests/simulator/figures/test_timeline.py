"""What the timeline draws: markers, windows, labels, follow-up, ranges, steps; and its files."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from celldose.protocols import OptionError
from celldose.simulator import draw_timeline, plot_timeline
from celldose.simulator.figures import Timeline, XAxis, timeline_figure
from celldose.simulator.scenarios import build_lanes

matplotlib = pytest.importorskip("matplotlib")

CHEN = "chen2024-itp-ucmsc"
QI = "qi2017-sjogren-thrombocytopenia"
JANG = "jang2025-canine-itp"
AA = "aa-ucmsc-18"


@pytest.fixture(scope="module")
def compared() -> Timeline:
    _, timeline = timeline_figure([CHEN, QI, JANG, AA], count={AA: 5}, cumulative=True, x="weeks")
    return timeline


def test_one_marker_per_dose_at_the_dose_day(compared: Timeline) -> None:
    to_x = compared.axis.to_x
    drawn = 0
    for lane in compared.lanes:
        for schedule in lane.schedules:
            suffix = f"-{schedule.which}" if schedule.which else ""
            markers = compared.doses[f"doses-{lane.key}{suffix}"]
            offsets = markers.get_offsets()
            assert len(offsets) == len(schedule.doses)
            assert [float(x) for x, _ in offsets] == [to_x(d.day) for d in schedule.doses]
            drawn += len(offsets)
    assert drawn == sum(len(lane.doses) for lane in compared.lanes) == 4 * 4 + 4 + 8 + 2 * 5
    # no other marker collections on the timeline
    assert len(compared.ax.collections) == len(compared.doses)


def test_unknown_doses_are_hollow_and_given_doses_filled(compared: Timeline) -> None:
    jang = compared.doses[f"doses-{JANG}.msc"]
    assert [tuple(c) for c in jang.get_facecolors()] == [(1.0, 1.0, 1.0, 1.0)] * 8
    _, given = timeline_figure(JANG, dose="1e6 cells/kg")
    faces = given.doses[f"doses-{JANG}.msc"].get_facecolors()
    assert all(tuple(c) != (1.0, 1.0, 1.0, 1.0) for c in faces)
    assert "dose not reported" in [t.get_text() for t in compared.ax.get_legend().get_texts()]


def test_marker_area_is_proportional_to_the_dose(compared: Timeline) -> None:
    small = compared.doses[f"doses-{CHEN}.escalation-0.5"].get_sizes()
    large = compared.doses[f"doses-{CHEN}.escalation-2.0"].get_sizes()
    qi = compared.doses[f"doses-{QI}.msc"].get_sizes()
    assert list(large / small) == pytest.approx([4.0] * 4)  # 2×10⁶ vs 0.5×10⁶ cells/kg
    assert list(qi) == pytest.approx(list(large))  # the same dose, the same area


def test_each_window_spans_its_reported_days(compared: Timeline) -> None:
    for arm in ("escalation-0.5", "escalation-1.0", "escalation-2.0", "expansion-2.0"):
        rect = compared.windows[f"window-{CHEN}.{arm}-1"]
        assert rect.get_x() == pytest.approx(1.0)  # week 1
        assert rect.get_x() + rect.get_width() == pytest.approx(28.0)  # week 28
    # qi: from dose 2 (day 31 from the reference date), end not reported: hatched, to the
    # reported follow-up (1 year = day 365)
    rect = compared.windows[f"window-{QI}.msc-1"]
    assert rect.get_x() == pytest.approx(31 / 7)
    assert rect.get_x() + rect.get_width() == pytest.approx(365 / 7)
    hatched = [p for p in compared.ax.patches if p.get_gid() == f"window-{QI}.msc-1-hatch"]
    assert len(hatched) == 1 and hatched[0].get_hatch()
    dashed = [
        line
        for line in compared.ax.lines
        if list(line.get_xdata()) == [365 / 7, 365 / 7] and line.get_linestyle() == "--"
    ]
    assert len(dashed) == 1


def test_windows_with_no_reported_time_are_a_note_not_a_patch(compared: Timeline) -> None:
    for key in (f"window-{JANG}.msc-1", f"window-{AA}.uc-msc-1"):
        assert key not in compared.windows
        note = compared.window_notes[key].get_text()
        assert "time not reported" in note and "not drawn" in note
    assert compared.window_notes[f"window-{AA}.uc-msc-1"].get_text() == (
        "Response 13/18 (72.2%; 95% CI 49–88%) — time not reported (not drawn)"
    )


def test_labels_and_responders_are_written(compared: Timeline) -> None:
    texts = compared.texts()
    assert "Chen 2024 (human): follow-up 28 weeks" in texts  # short_label, species (mixed)
    assert "escalation-0.5 (n=3): 5×10⁵ cells/kg weekly ×4" in texts
    for kn in ("0/3 (0%; 95% CI 0–56%)", "2/3 (66.7%; 95% CI 21–94%)", "3/6 (50%; 95% CI 19–81%)"):
        assert f"Response: {kn}" in texts
    label = compared.window_labels[f"window-{QI}.msc-1"].get_text().replace("\n", " ")
    assert label == "PLT >100×10⁹/L: 1/1 (100%; 95% CI 21–100%); end not reported"
    title = compared.titles[f"{JANG}.msc"].get_text().replace("\n", " ")
    assert title == ("Jang 2025 (dog, n=1): (dose not reported) q4w ×8; follow-up not reported")
    aa = compared.titles[f"{AA}.uc-msc"].get_text().replace("\n", " ")
    assert "×5 (number of doses not reported by the source: given here)" in aa


def test_follow_up_runs_from_the_last_dose_to_its_reported_end(compared: Timeline) -> None:
    qi = compared.follow_ups[f"{QI}.msc"]
    assert list(qi.get_xdata()) == pytest.approx([90 / 7, 365 / 7])
    chen = compared.follow_ups[f"{CHEN}.escalation-0.5"]
    assert list(chen.get_xdata()) == pytest.approx([3.0, 28.0])
    assert f"{JANG}.msc" not in compared.follow_ups  # not reported: said in the title


def test_frequency_range_is_a_band_between_min_and_max(compared: Timeline) -> None:
    (band,) = [p for p in compared.ax.patches if p.get_gid() == f"range-{AA}.uc-msc"]
    xs = sorted({round(float(x), 6) for x, _ in band.get_xy()})
    # from day 0 to the last dose of the max schedule (day 14) and of the min one (day 28)
    assert xs == [0.0, 2.0, 4.0]
    assert "max: twice weekly" in compared.texts() and "min: once weekly" in compared.texts()


def test_cumulative_panel_is_steps_per_kg(compared: Timeline) -> None:
    step = compared.cumulative[f"cumulative-{CHEN}.escalation-1.0"]
    assert list(step.get_ydata()) == pytest.approx([0, 1, 2, 3, 4, 4])  # ×10⁶ cells/kg
    assert step.get_drawstyle() == "steps-post"
    title = [t for t in compared.cumulative_ax.texts if t.get_gid() == "cumulative-title"]
    assert [t.get_text() for t in title] == ["cumulative dose (×10⁶ cells/kg)"]
    assert f"cumulative-{JANG}.msc" not in compared.cumulative
    assert any("not in the cumulative panel" in n and "Jang 2025" in n for n in compared.notes)
    low = compared.cumulative[f"cumulative-{AA}.uc-msc-min"]
    high = compared.cumulative[f"cumulative-{AA}.uc-msc-max"]
    assert list(low.get_ydata())[-1] == list(high.get_ydata())[-1] == pytest.approx(5)


def test_axis_units_and_labels() -> None:
    assert XAxis("weeks").to_x(14) == 2
    assert XAxis("months").to_x(30.4375) == 1
    assert XAxis("months").label() == "months from first dose (1 month = 30.4375 days)"
    assert XAxis("weeks", reference=True).label() == (
        "weeks from first dose (months placed from 1 Jan 2001)"
    )
    assert [label for _, label in XAxis("weeks").ticks(196)] == [str(4 * k) for k in range(8)]
    # calendar ticks: months from 2025-01-31 fall on days 0, 28, 59, 89, ...
    ticks = XAxis("months", start=dt.date(2025, 1, 31)).ticks(100)
    assert [round(t * 30.4375) for t, _ in ticks] == [0, 28, 59, 89]


def test_dates_axis() -> None:
    from matplotlib import dates as mdates

    start = dt.date(2025, 1, 31)
    _, timeline = timeline_figure(QI, start=start)
    assert timeline.axis.unit == "dates"
    markers = timeline.doses[f"doses-{QI}.msc"]
    got = [mdates.num2date(x).date() for x, _ in markers.get_offsets()]
    assert got == [start, dt.date(2025, 2, 28), dt.date(2025, 3, 31), dt.date(2025, 4, 30)]
    with pytest.raises(OptionError) as caught:
        timeline_figure(QI, x="dates")
    assert str(caught.value) == "a date axis needs the date of the first dose (pass start=<date>)"
    assert caught.value.fields == ("start",)


def test_draws_on_the_callers_axes() -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4))
    left, right = fig.subplots(1, 2)
    timeline = draw_timeline(right, QI, x="months", weight="60kg")
    assert timeline.ax is right and not left.texts and not left.patches
    title = timeline.titles[f"{QI}.msc"].get_text().replace("\n", " ")
    assert "= 1.2×10⁸ cells/dose for 60 kg" in title
    # auto: Qi's doses end on day 90 (1 Jan -> 1 Apr 2001) of a 365-day follow-up, under 30% of
    # the span (365 × 1.05 = 383.25 days): broken at 90 + 15 = 105 days = 3.45 months, rounded
    # up to month 4 = 121.75 days; squeeze 121.75 × 0.35 / 0.65 / (383.25 - 121.75) = 0.2507,
    # so later time is compressed 1 / 0.2507 = 4×
    assert right.get_xlabel().replace("\n", " ") == (
        "months from first dose (months placed from 1 Jan 2001); axis broken at month 4: later "
        "time compressed 4×"
    )


def test_lanes_can_be_passed_built() -> None:
    from matplotlib.figure import Figure

    lanes = build_lanes([QI, JANG], dose={JANG: "2e6 cells/kg"})
    timeline = draw_timeline(Figure().add_subplot(), lanes)
    assert timeline.lanes == lanes
    with pytest.raises(OptionError, match="lanes are already built"):
        draw_timeline(Figure().add_subplot(), lanes, weight="60kg")


def _render(path: Path) -> bytes:
    plot_timeline([CHEN, QI, JANG], path, dose="1e6 cells/kg", cumulative=True, size="1.5", dpi=100)
    return path.read_bytes()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], bytes]:
    """The figure's file in a format (``.svg``), drawn once per test process: the tests below
    read the same bytes (immutable), and the determinism test draws it a second time."""
    folder = tmp_path_factory.mktemp("rendered")
    files: dict[str, bytes] = {}

    def render(suffix: str) -> bytes:
        if suffix not in files:
            files[suffix] = _render(folder / f"figure{suffix}")
        return files[suffix]

    return render


@pytest.mark.parametrize("suffix", [".svg", ".pdf", ".png"])
def test_two_runs_give_identical_bytes(
    tmp_path: Path, suffix: str, rendered: Callable[[str], bytes]
) -> None:
    assert _render(tmp_path / f"again{suffix}") == rendered(suffix)


def test_svg_keeps_text_as_text_and_has_no_date(rendered: Callable[[str], bytes]) -> None:
    svg = rendered(".svg").decode("utf-8")
    assert "<dc:date>" not in svg
    assert "escalation-0.5 (n=3): 5×10⁵ cells/kg weekly ×4" in svg
    ids = re.findall(r'id="([^"]+)"', svg)
    assert len(ids) == len(set(ids))
    assert f"window-{CHEN}.escalation-0.5-1" in ids and f"doses-{JANG}.msc" in ids


def test_pdf_embeds_truetype_and_has_no_dates(rendered: Callable[[str], bytes]) -> None:
    pdf = rendered(".pdf")
    assert b"/FontFile2" in pdf  # TrueType (Type 42), not Type 3
    assert b"/Subtype /Type3" not in pdf
    assert b"/CreationDate" not in pdf and b"/ModDate" not in pdf


def test_size_presets_give_the_journal_width(tmp_path: Path) -> None:
    from matplotlib import image

    for preset, mm in (("single", 85), ("double", 174)):
        path = tmp_path / f"{preset}.png"
        plot_timeline(QI, path, size=preset, dpi=100)
        height, width = image.imread(path).shape[:2]
        assert abs(width - mm / 25.4 * 100) <= 1


FIGURES: dict[str, dict[str, Any]] = {
    "chen": {"source": CHEN},
    "qi": {"source": QI, "weight": "60kg"},
    "jang": {"source": JANG},
    "aa": {"source": AA, "count": 24},
    "izadi": {"source": "izadi2022-t1d-bmmsc", "interval": "4 weeks"},
    "compare": {"source": [CHEN, QI, JANG], "dose": "1e6 cells/kg"},
}


@pytest.mark.parametrize("size", ["single", "1.5", "double"])
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_nothing_runs_off_the_figure(name: str, size: str) -> None:
    """Labels, legends and notes fit: the tight box (what is saved) is inside the figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    options = dict(FIGURES[name])
    source = options.pop("source")
    fig, _ = timeline_figure(source, size=size, cumulative=True, **options)
    box = fig.get_tightbbox(FigureCanvasAgg(fig).get_renderer())
    width, height = fig.get_size_inches()
    assert box.x0 >= 0 and box.y0 >= 0
    assert box.x1 <= width + 1e-9 and box.y1 <= height + 1e-9


def test_explicit_size(tmp_path: Path) -> None:
    fig, timeline = timeline_figure(QI, size="120x60mm")
    assert fig.get_size_inches() == pytest.approx((120 / 25.4, 60 / 25.4))
    assert timeline.warnings == ()
    _, timeline = timeline_figure(CHEN, size="120x45mm")
    assert "labels may overlap" in timeline.warnings[0]
    with pytest.raises(OptionError, match=r"^size 120x20mm: too short for 4 lanes \(make it at"):
        timeline_figure(CHEN, size="120x20mm")
    with pytest.raises(OptionError) as caught:
        timeline_figure(CHEN, size="25x100mm")
    assert str(caught.value) == "size 25x100mm: too narrow for a timeline (use at least 40 mm)"
    assert caught.value.fields == ("size",)


def test_plot_timeline_returns_the_figure(tmp_path: Path) -> None:
    fig = plot_timeline(QI, tmp_path / "qi.svg")
    assert (tmp_path / "qi.svg").exists() and len(fig.axes) == 1


def test_a_cumulative_panel_with_no_dose_per_kg_says_why() -> None:
    _, timeline = timeline_figure(JANG, cumulative=True)
    assert timeline.cumulative == {}
    (message,) = [t.get_text() for t in timeline.cumulative_ax.texts if t.get_visible()]
    assert message.replace("\n", " ") == (
        "no cumulative dose: the dose per kg is not known (give the dose, and the weight for a "
        "dose in cells or cells/m²)"
    )
    assert timeline.cumulative_ax.get_yticks().size == 0


def test_the_timeline_record_is_frozen(compared: Timeline) -> None:
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        compared.notes = ()  # type: ignore[misc]


def test_size_errors_name_the_argument() -> None:
    with pytest.raises(OptionError) as caught:
        timeline_figure(QI, size="huge")
    assert str(caught.value) == (
        "size 'huge' is not understood (use single (85 mm), 1.5 (114 mm), double (174 mm) or "
        "WxH like 174x100mm or 7x4in)"
    )
    assert caught.value.fields == ("size",)
    with pytest.raises(OptionError) as caught:
        timeline_figure(QI, size="900x10mm")
    assert str(caught.value) == "size '900x10mm' is not a plausible figure size (e.g. 174x100mm)"
