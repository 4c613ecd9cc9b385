"""The notes of a figure are its caption: printed (plot), after the table (compare), written to
--caption FILE, drawn inside only with --notes; --no-notes leaves them out; --font.

The figures here are SVG files: the caption is the subject, and SVG is the quickest format to
write (PNG and PDF files are checked in tests/simulator/figures/test_timeline.py and
tests/cli/test_plot_compare_commands.py)."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from celldose.cli._app import main

CHEN = "chen2024-itp-ucmsc"
JANG = "jang2025-canine-itp"
# Chen 2024: IV, responders reported (Wilson interval), follow-up 28 weeks reported: three notes,
# then the reference of the protocol drawn (its citation and DOI, from the library file)
CHEN_CAPTION = (
    "Notes: route: IV (intravenous); 95% CI of responders: Wilson score interval; "
    "follow-up counted from the first dose; references: Chen 2024: Chen Y, Xu Y, ..., Yang R, "
    "Zhang L. Umbilical cord mesenchymal stem cells in refractory immune thrombocytopenia: a "
    "phase I trial. Signal Transduct Target Ther 2024;9. doi:10.1038/s41392-024-01793-5."
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def chen_caption_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, str, str]:
    """``plot chen2024-itp-ucmsc -o c.svg --caption c.txt``, run once for the tests that read
    it: (exit code, standard output, standard error, the caption file's text)."""
    folder = tmp_path_factory.mktemp("chen-caption")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["plot", CHEN, "-o", str(folder / "c.svg"), "--caption", str(folder / "c.txt")])
    return code, out.getvalue(), err.getvalue(), (folder / "c.txt").read_text("utf-8")


def test_plot_prints_the_caption_and_does_not_draw_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "chen.svg"
    assert run(capsys, "plot", CHEN, "-o", str(target)) == (0, CHEN_CAPTION + "\n", "")
    assert "Wilson score interval" not in target.read_text("utf-8")


def test_notes_draws_them_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "chen.svg"
    assert run(capsys, "plot", CHEN, "--notes", "-o", str(target)) == (0, "", "")
    assert "Wilson score interval" in target.read_text("utf-8")


def test_no_notes_neither_draws_nor_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "chen.svg"
    assert run(capsys, "plot", CHEN, "--no-notes", "-o", str(target)) == (0, "", "")
    assert "Wilson score interval" not in target.read_text("utf-8")


def test_caption_file(chen_caption_file: tuple[int, str, str, str]) -> None:
    code, out, err, caption = chen_caption_file
    assert (code, out, err) == (0, "", "")
    assert caption == CHEN_CAPTION + "\n"


def test_caption_onto_the_figure_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "chen.svg"
    code, out, err = run(capsys, "plot", CHEN, "-o", str(target), "--caption", str(target))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: -o and --caption name the same file ({target})")
    assert not target.exists()


def test_compare_prints_the_caption_after_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "c.svg"
    code, out, err = run(capsys, "compare", CHEN, "-o", str(target))
    assert (code, err) == (0, "")
    assert out.endswith(f"\n\ncaption of {target}:\n{CHEN_CAPTION}\n")


def test_compare_json_carries_the_caption(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "c.svg"
    code, out, _ = run(capsys, "compare", CHEN, "--format", "json", "-o", str(target))
    assert code == 0
    assert json.loads(out)["caption"] == CHEN_CAPTION


def test_compare_csv_keeps_standard_output_for_the_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "c.svg"
    code, out, err = run(capsys, "compare", CHEN, "--format", "csv", "-o", str(target))
    assert code == 0 and "Notes:" not in out
    assert err == f"caption: {CHEN_CAPTION}\n"


def test_compare_caption_needs_a_figure(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "compare", CHEN, "--caption", "x.txt")
    assert (code, out) == (2, "")
    assert err == "error: --caption is the caption of the figure (add -o FIGURE)\n"


def test_an_uninstalled_font_is_refused_with_the_choices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "chen.svg"
    code, out, err = run(capsys, "plot", CHEN, "--font", "Comic Nonexistent", "-o", str(target))
    assert (code, out) == (2, "")
    assert err.startswith("error: --font 'Comic Nonexistent' is not installed (use one of: ")
    assert "DejaVu Sans, " in err and "fc-list" in err
    assert not target.exists()


def test_font_sets_every_text_of_the_svg(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "chen.svg"
    assert run(capsys, "plot", CHEN, "--font", "dejavu serif", "-o", str(target))[0] == 0
    families = set(re.findall(r"font-family: ([^;\"]+)", target.read_text("utf-8")))
    assert families == {"'DejaVu Serif'"}  # every text, one family, kept as text


def test_a_font_without_the_dose_characters_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # STIXGeneral has ¹²³ (Latin-1) but not ⁰ or ⁴-⁹: 2×10⁶ would print 2×10 and a box
    target = tmp_path / "chen.svg"
    code, out, err = run(capsys, "plot", CHEN, "--font", "STIXGeneral", "-o", str(target))
    assert (code, out) == (2, "")
    assert err.startswith(
        "error: --font 'STIXGeneral' cannot draw ⁰ ⁴ ⁵ ⁶ ⁷ ⁸ ⁹ ⁻ (doses would show empty boxes) "
        "(use one of: DejaVu Sans, "
    )
    assert not target.exists()


def test_a_wide_font_still_fits_the_width(tmp_path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from celldose.simulator.figures import timeline_figure

    fig, _ = timeline_figure([CHEN, JANG], size="single", cumulative=True, font="DejaVu Sans Mono")
    box = fig.get_tightbbox(FigureCanvasAgg(fig).get_renderer())
    assert box.x1 <= fig.get_size_inches()[0] + 1e-9  # text wrapped for the font's width


def test_the_caption_ends_with_the_references_of_the_protocols_drawn(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # issue 13: "Figures' caption text (notes) ends with the references of the protocols drawn"
    # (the citations and DOIs of the library files, each once, named as the figure names them)
    out_file = tmp_path / "two.svg"
    code = main(
        ["compare", "chen2024-itp-ucmsc", "qi2017-sjogren-thrombocytopenia", "-o", str(out_file)]
    )
    assert code == 0
    caption = capsys.readouterr().out.split(f"caption of {out_file}:\n")[1]
    references = caption[caption.index("; references: ") :]
    assert references.startswith("; references: Chen 2024: Chen Y, Xu Y, ")
    assert "Signal Transduct Target Ther 2024;9. doi:10.1038/s41392-024-01793-5; Qi 2017: " in (
        references
    )
    assert references.endswith("Ann Rheum Dis 2017;76(Suppl 2):1208.\n")
    assert caption.count("Chen 2024: Chen Y") == 1  # four Chen arms, one reference


def test_a_one_line_regimen_has_no_reference(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "r.svg"
    argv = ["plot", "--regimen", "1e6 cells/kg q4w ×3", "--species", "dog", "-o", str(out_file)]
    assert main(argv) == 0
    assert "references" not in capsys.readouterr().out


# Caption defects a README-only reviewer found (figfix).
VILLATORO = "villatoro2018-canine-ad-admsc"
QI = "qi2017-sjogren-thrombocytopenia"
ALOFISEL = "alofisel-crohn-perianal-fistula-darvadstrocel"


def caption_of(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> str:
    target = tmp_path / "c.svg"
    code, out, err = run(capsys, *args, "-o", str(target), "--caption", str(tmp_path / "c.txt"))
    assert (code, err) == (0, "")
    assert out == "" or args[0] == "compare"  # compare prints its table
    return (tmp_path / "c.txt").read_text("utf-8")


def test_a_doi_not_reported_shows_no_doi_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # villatoro2018's file: citation "Villatoro AJ, et al. Vet Rec 2018;183:654.", doi: not
    # reported: the reference is the citation alone, and it closes the caption with one "."
    caption = caption_of(capsys, tmp_path, "plot", VILLATORO)
    assert "doi:" not in caption
    assert caption.endswith(
        "references: Villatoro 2018: Villatoro AJ, et al. Vet Rec 2018;183:654.\n"
    )


def test_a_citation_ending_in_a_full_stop_is_not_followed_by_dot_semicolon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Qi's citation ends "...Ann Rheum Dis 2017;76(Suppl 2):1208." and has no DOI; Alofisel's
    # ends "...PMC10069615 (results)." (no DOI either): both followed by "; " in the list
    caption = caption_of(capsys, tmp_path, "compare", QI, ALOFISEL, CHEN, "--weight", "70kg")
    assert ".;" not in caption
    assert "Ann Rheum Dis 2017;76(Suppl 2):1208; Alofisel" in caption
    assert "PMC10069615 (results); Chen 2024: Chen Y" in caption
    assert caption.endswith("doi:10.1038/s41392-024-01793-5.\n")


def test_the_reference_date_note_names_what_it_places(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # no dose of Chen (weekly) or Villatoro (once) is monthly; Villatoro's windows end at
    # "6 months": only windows are placed from 1 Jan 2001
    caption = caption_of(capsys, tmp_path, "compare", VILLATORO, CHEN, "--weight", "20kg")
    assert "calendar-month doses" not in caption
    assert (
        "no start date given: calendar-month response windows are placed as if the first dose "
        "were on 1 Jan 2001 (a month is 28 to 31 days)"
    ) in caption
    # Qi: "2×10⁶ cells/kg monthly ×4", follow-up "1 year" (12 calendar months), and its window
    # "PLT >100×10⁹/L" has no month end: doses and the follow-up
    caption = caption_of(capsys, tmp_path, "plot", QI)
    assert "calendar-month doses and follow-up are placed as if the first dose" in caption


def test_no_reference_date_note_when_nothing_is_counted_in_months(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], chen_caption_file: tuple[int, str, str, str]
) -> None:
    # Chen: weekly doses, windows and follow-up in weeks: nothing depends on a start date
    # (``caption_of(capsys, tmp_path, "plot", CHEN)``, run once for test_caption_file too)
    code, out, err, caption = chen_caption_file
    assert (code, out, err) == (0, "", "")
    assert "1 Jan 2001" not in caption
    # with a start date nothing is placed from the reference date
    caption = caption_of(capsys, tmp_path, "plot", QI, "--start", "2026-01-05")
    assert "1 Jan 2001" not in caption
