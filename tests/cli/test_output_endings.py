"""`dose -o FILE` without --format writes what the file's ending names (rex.ics is a calendar,
not the text table under a calendar's name); a --format the ending contradicts is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from celldose.cli import main

JANG = ["dose", "jang2025-canine-itp", "--weight", "12kg", "--dose", "1e6/kg"]
START = ["--start", "2026-12-01"]


@pytest.mark.parametrize(
    ("name", "starts"),
    [
        ("rex.ics", "BEGIN:VCALENDAR"),
        ("rex.ICS", "BEGIN:VCALENDAR"),
        ("rex.html", "<!DOCTYPE html>"),
        ("rex.csv", "id,name,protocol,arm"),
        ("rex.txt", "protocol: jang2025-canine-itp"),
        ("rex.out", "protocol: jang2025-canine-itp"),  # an ending that names nothing: the table
    ],
)
def test_the_file_s_ending_picks_the_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, starts: str
) -> None:
    target = tmp_path / name
    assert main([*JANG, *START, "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith(starts)


def test_a_json_file_gets_the_dose_plan(tmp_path: Path) -> None:
    target = tmp_path / "rex.json"
    assert main([*JANG, "-o", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["schema"] == "celldose/dose-plan/1"


def test_a_format_that_goes_with_the_ending_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "rex.csv"
    assert main([*JANG, "--format", "nonmem", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("# celldose NONMEM-style")


def test_a_format_the_ending_contradicts_is_refused_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "rex.csv"
    assert main([*JANG, "--format", "json", "-o", str(target)]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == (
        "",
        f"error: -o {target} ends in .csv, but --format json writes another kind of file "
        "(drop --format to write csv or nonmem there, or name the file for json)\n",
    )
    assert not target.exists()
