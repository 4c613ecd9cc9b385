"""`celldose plot` and `celldose compare`: exit codes, exact messages, tables and files."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from celldose.cli._app import main

CHEN = "chen2024-itp-ucmsc"
QI = "qi2017-sjogren-thrombocytopenia"
JANG = "jang2025-canine-itp"
AA = "aa-ucmsc-18"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- plot --------------------------------------------------------------------------------------
def test_plot_writes_the_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "chen.svg"
    code, out, err = run(capsys, "plot", CHEN, "-o", str(target))
    assert (code, err) == (0, "")
    assert out.startswith("Notes: route: IV (intravenous);")  # the caption: tests/cli/...captions
    svg = target.read_text("utf-8")
    assert "escalation-2.0 (n=6): 2×10⁶ cells/kg weekly ×4" in svg


def test_plot_is_byte_identical_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [QI, "--weight", "60kg", "--start", "2025-01-31", "--cumulative"]
    for suffix in (".svg", ".pdf"):
        a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
        assert run(capsys, "plot", *args, "-o", str(a))[0] == 0
        assert run(capsys, "plot", *args, "-o", str(b))[0] == 0
        assert a.read_bytes() == b.read_bytes()


def test_plot_png_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from matplotlib import image

    target = tmp_path / "jang.png"
    code, _, _ = run(
        capsys, "plot", JANG, "--size", "single", "--dpi", "120", "--x", "days", "-o", str(target)
    )
    assert code == 0
    assert abs(image.imread(target).shape[1] - 85 / 25.4 * 120) <= 1


def test_plot_without_a_dose_draws_hollow_markers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "jang.svg"
    assert run(capsys, "plot", JANG, "--weight", "12kg", "-o", str(target))[0] == 0
    assert "(dose not reported) q4w ×8" in target.read_text("utf-8")


def test_plot_needs_an_unreported_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "plot", AA, "-o", str(tmp_path / "aa.svg"))
    assert (code, out) == (2, "")
    assert err == (
        "error: the source (aa-ucmsc-18, arm uc-msc) does not report the number of doses "
        "(give it with --count <N>)\n"
    )
    assert run(capsys, "plot", AA, "--count", "12", "-o", str(tmp_path / "aa.svg"))[0] == 0


def test_plot_refuses_a_count_the_source_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "plot", QI, "--count", "3", "-o", str(tmp_path / "qi.svg"))
    assert code == 2
    assert err == (
        "error: the source (qi2017-sjogren-thrombocytopenia, arm msc) reports the number of doses "
        "(2×10⁶ cells/kg monthly ×4) (--count only fills a count the source does not report; "
        "drop it)\n"
    )


def test_plot_dose_replacing_the_published_one_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "plot", QI, "--dose", "1e6 cells/kg", "-o", str(tmp_path / "qi.svg"))
    assert code == 0
    assert err == (
        "warning: dose 1×10⁶ cells/kg from --dose replaces the protocol's 2×10⁶ cells/kg\n"
    )


def test_plot_unknown_extension(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "plot", QI, "-o", "figure.jpg")
    assert code == 2
    assert err == (
        "error: cannot tell the figure format of 'figure.jpg' "
        "(end the file name with .png, .svg or .pdf)\n"
    )


def test_plot_requires_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "plot", QI)
    assert code == 2 and "Missing option '-o' / '--output'" in err


def test_plot_bad_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "plot", QI, "--size", "huge", "-o", str(tmp_path / "q.png"))
    assert code == 2
    assert err.startswith("error: --size 'huge' is not understood")


def test_plot_a_regimen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "regimen.svg"
    code, _, _ = run(
        capsys,
        "plot",
        "--regimen",
        "2×10⁶ cells/kg twice weekly ×4 then weekly ×2",
        "--species",
        "dog",
        "-o",
        str(target),
    )
    assert code == 0
    svg = target.read_text("utf-8")
    assert ">P1<" in svg and ">P2<" in svg


def test_plot_species_without_regimen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "plot", QI, "--species", "dog", "-o", str(tmp_path / "q.svg"))
    assert code == 2
    assert err == (
        "error: --species goes with --regimen; a protocol has its own species (drop --species)\n"
    )


# -- compare -----------------------------------------------------------------------------------
def test_compare_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "compare", CHEN, QI, JANG)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "aligned at the first dose of each protocol (day 0)"
    assert lines[2].split() == [
        "protocol",
        "arm",
        "route",
        "n",
        "doses",
        "dose",
        "total",
        "per",
        "kg",
        "last",
        "dose",
        "follow-up",
        "first",
        "response",
        "window",
        "responders",
    ]
    chen = next(line for line in lines if "escalation-1.0" in line)
    assert "1×10⁶ cells/kg  4×10⁶ cells/kg  day 21" in chen
    assert "Response: 1–28 weeks after first dose" in chen and "2/3 (66.7%; 95% CI 21–94%)" in chen
    qi = next(line for line in lines if line.startswith(QI))
    assert "+3 months" in qi and "from dose 2, end not reported" in qi
    jang = next(line for line in lines if line.startswith(JANG))
    assert "not reported" in jang and "timing not reported" in jang
    assert lines[-3:] == [
        "note: 95% CI of responders: Wilson score interval",
        f"note: dose not reported by the source: {JANG}",
        "note: a course in calendar months has no fixed length in days: give --start",
    ]


def test_compare_with_weights_per_protocol(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "compare",
        QI,
        JANG,
        "--weight",
        "60kg",
        "--weight",
        f"{JANG}=12kg",
        "--dose",
        "1e6 cells/kg",
        "--start",
        "2026-01-05",
    )
    assert code == 0
    rows = {line.split()[0]: re.split(r"\s{2,}", line) for line in out.splitlines()[4:6]}
    assert rows[QI][2] == rows[JANG][2] == "IV"  # the route column
    assert rows[QI][5:11] == [
        "2×10⁶ cells/kg",
        "8×10⁶ cells/kg",
        "60 kg",
        "1.2×10⁸ cells",
        "4.8×10⁸ cells",
        "day 90",
    ]
    assert rows[JANG][5:11] == [
        "1×10⁶ cells/kg (given)",
        "8×10⁶ cells/kg",
        "12 kg",
        "1.2×10⁷ cells",
        "9.6×10⁷ cells",
        "day 196",
    ]


def test_compare_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "compare", CHEN, AA, "--count", "4", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["aligned_at"] == "first dose" and data["figure"] is None
    rows = data["rows"]
    assert [(r["arm"], r["schedule"]) for r in rows] == [
        ("escalation-0.5", None),
        ("escalation-1.0", None),
        ("escalation-2.0", None),
        ("expansion-2.0", None),
        ("uc-msc", "min"),
        ("uc-msc", "max"),
    ]
    assert rows[0]["ci95_high"] == pytest.approx(0.561497, abs=1e-6)
    assert rows[4]["given"] == "number of doses" and rows[4]["course_days"] == 21
    assert rows[5]["course_days"] == 10


def test_compare_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "compare", QI, JANG, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["protocol"] for r in rows] == [QI, JANG]
    assert rows[0]["cells_per_kg_per_dose"] == "2000000.0"
    assert rows[1]["dose"] == "not reported" and rows[1]["total_cells_per_kg"] == ""


def test_compare_figure_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "compare.pdf"
    code, out, err = run(
        capsys, "compare", CHEN, QI, JANG, "--dose", "1e6 cells/kg", "-o", str(target)
    )
    assert (code, err) == (0, "")
    assert target.read_bytes().startswith(b"%PDF")
    assert "1×10⁶ cells/kg (given)" in out


def test_compare_arm_selection(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "compare", CHEN, QI, "--arm", f"{CHEN}:escalation-0.5", "--format", "csv"
    )
    assert code == 0
    assert [r["arm"] for r in csv.DictReader(io.StringIO(out))] == ["escalation-0.5", "msc"]


def test_compare_unused_dose_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "compare", CHEN, QI, "--dose", "1e6 cells/kg")
    assert (code, out) == (2, "")
    assert err == (
        "error: every protocol reports its dose, so --dose 1e6 cells/kg is not used "
        "(drop --dose, or write ID=1e6 cells/kg to replace one protocol's value)\n"
    )


def test_compare_option_given_twice(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "compare", QI, JANG, "--weight", "60kg", "--weight", "70kg")
    assert code == 2
    assert err == "error: --weight is given twice for every protocol (give it once)\n"


def test_compare_bad_count(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "compare", AA, "--count", "many")
    assert code == 2
    assert err == "error: --count 'many' is not a whole number (e.g. --count 8)\n"


def test_compare_needs_a_protocol(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "compare")
    assert code == 2 and "Missing argument 'PROTOCOLS...'" in err


def test_help_lists_plot_and_compare(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "Draw a protocol's timeline to a figure file." in out
    assert "Compare protocols: a table and a figure." in out


def test_compare_to_a_table_file_says_where_the_table_goes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "cmp.csv"
    args = ["compare", "chen2024-itp-ucmsc", "qi2017-sjogren-thrombocytopenia"]
    assert main([*args, "--format", "csv", "-o", str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"error: -o {target} is where compare draws its figure (.png, .svg or .pdf); the table "
        f"goes to standard output (write the table with: celldose compare ... --format csv > "
        f"{target})\n"
    )
    assert not target.exists()
