"""A roster of one patient says "1 patient", never "1 patients" (clinic list, calendar name,
cohort summary).

Hand arithmetic: jang2025-canine-itp q4w ×8 at 1×10⁶ cells/kg for 12 kg: 1.2×10⁷ cells a dose,
8 × 1.2×10⁷ = 9.6×10⁷ cells in the course.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.cli import main

JANG = ["jang2025-canine-itp", "--dose", "1e6/kg"]


@pytest.fixture
def roster(tmp_path: Path) -> str:
    path = tmp_path / "one.csv"
    path.write_text("id,weight\nA1,12kg\n", encoding="utf-8")
    return str(path)


def output(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    code = main(list(args))
    out, _ = capsys.readouterr()
    assert code == 0
    return out.splitlines()


def test_a_clinic_list_of_one(capsys: pytest.CaptureFixture[str], roster: str) -> None:
    lines = output(capsys, "dose", *JANG, "--roster", roster)
    assert lines[0] == f"clinic list: {roster}, 1 patient"
    start = ("--start", "2026-01-05")
    ics = output(capsys, "dose", *JANG, "--roster", roster, "--format", "ics", *start)
    # a calendar TEXT value may escape its commas (RFC 5545 3.3.11; icalendar 5.0 does)
    names = [line.replace("\\,", ",") for line in ics if line.startswith("X-WR-CALNAME:")]
    assert names == ["X-WR-CALNAME:one.csv: jang2025-canine-itp, arm msc (1 patient)"]


def test_a_cohort_of_one(capsys: pytest.CaptureFixture[str], roster: str) -> None:
    lines = output(capsys, "simulate", *JANG, "--roster", roster)
    assert any(line.startswith(f"weights: roster {roster} (1 patient); ") for line in lines)
    assert "cohort total: 9.6×10⁷ cells dosed to 1 patient" in lines
    assert not any("1 patients" in line for line in lines)


def test_outputs_for_people_show_no_floating_point_noise(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # 1×10⁶ cells/lb × 26.5 lb = 2.65×10⁷ cells, 26499999.999999996 in binary floating point:
    # JSON keeps the float (documented); the table, calendar and sheet show 2.65×10⁷ cells
    args = ["dose", "jang2025-canine-itp", "--dose", "1e6 cells/lb", "--weight", "26.5lb"]
    table = "\n".join(output(capsys, *args))
    ics = "\n".join(output(capsys, *args, "--format", "ics", "--start", "2026-01-05"))
    ics = ics.replace("\n ", "")  # unfold the calendar's 75-octet lines
    sheet = tmp_path / "sheet.html"
    assert main([*args, "--format", "html", "--start", "2026-01-05", "-o", str(sheet)]) == 0
    html = sheet.read_text(encoding="utf-8")
    for text in (table, ics, html):
        assert "2.65×10⁷ cells" in text
        assert "99999" not in text
