"""Route and administration on every output of `celldose dose` (rule 6).

Hand arithmetic: the Enciso 2019 fixture (tests/fixtures/enciso2019-im.yaml) is a flat
0.5×10⁶ cells IM weekly ×6; from Tuesday 2026-12-01 the doses fall on 12-01, 12-08, 12-15,
12-22, 12-29 and 2027-01-05 (7 days apart), each 500,000 cells, cumulative 6 × 5×10⁵ = 3×10⁶.
The Ryoncil fixture gives premedication (corticosteroids and antihistamines) and a minimum
spacing of 3 days, and reports no rate, duration, diluent or final volume.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import celldose
from celldose.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ENCISO = str(FIXTURES / "enciso2019-im.yaml")
RYONCIL = str(FIXTURES / "ryoncil-label.yaml")
IM_ARGS = [ENCISO, "--weight", "12kg", "--start", "2026-12-01"]
REGIMEN = ["--regimen", "1e6 cells/kg weekly ×2", "--species", "dog", "--weight", "12kg"]
CHOICES = (
    "IV, IM, SC, intralesional, intra-articular, intrathecal, intradermal, intraperitoneal, topical"
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["dose", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_of_an_im_protocol_names_the_route_at_the_top_and_on_every_dose(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, *IM_ARGS, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["route"] == "IM"  # written "intramuscular" in the file: read as its canonical name
    assert [d["route"] for d in data["doses"]] == ["IM"] * 6
    assert [d["date"] for d in data["doses"]] == [
        "2026-12-01",
        "2026-12-08",
        "2026-12-15",
        "2026-12-22",
        "2026-12-29",
        "2027-01-05",
    ]
    assert data["doses"][-1]["cumulative_cells"] == 3_000_000  # 6 × 5×10⁵
    assert data["administration"] == {  # the source gives none of the facts: never a default
        "duration": "not reported",
        "rate": "not reported",
        "final_volume_ml": "not reported",
        "diluent": "not reported",
        "premedication": "not reported",
        "min_spacing_days": "not reported",
    }


def test_csv_of_an_im_protocol_has_a_route_column(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *IM_ARGS, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 6
    assert {row["route"] for row in rows} == {"IM"}
    assert list(rows[0]).index("route") == list(rows[0]).index("basis") + 1


def test_calendar_events_of_an_im_protocol_are_im_injections(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, *IM_ARGS, "--format", "ics")
    assert code == 0
    summaries = [line for line in out.splitlines() if line.startswith("SUMMARY:")]
    assert summaries == [
        f"SUMMARY:dog 12 kg: IM injection {n} of 6 (enciso2019-canine-ad)" for n in range(1, 7)
    ]
    assert "infusion" not in out
    assert "Route: IM (intramuscular)" in out.replace("\r\n ", "")


def test_the_table_header_names_the_route(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *IM_ARGS)
    assert code == 0
    assert out.splitlines()[2] == "route: IM injection (intramuscular)"


def test_an_iv_calendar_says_iv_infusion(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, RYONCIL, "--weight", "20kg", "--start", "2026-01-05", "--format", "ics"
    )
    assert code == 0
    assert "SUMMARY:human child 20 kg: IV infusion 1 of 8 (ryoncil-label)" in out.splitlines()


def test_an_unknown_route_is_refused_with_the_choices(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "out.json"
    code, out, err = run(capsys, *REGIMEN, "--route", "oral", "-o", str(target))
    assert code == 2
    assert out == ""
    assert err == f"error: --route 'oral' is not a route celldose knows (write one of: {CHOICES})\n"
    assert not target.exists()


def test_an_unknown_route_in_a_file_is_refused_at_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "oral.yaml"
    bad.write_text(Path(ENCISO).read_text("utf-8").replace("route: intramuscular", "route: oral"))
    code = main(["check", str(bad)])
    _, err = capsys.readouterr()
    assert code == 2
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if t == "route: oral")
    assert f"{bad}:{line}:8: route: route 'oral' is not a route celldose knows" in err
    assert CHOICES in err


def test_a_route_not_reported_is_printed_as_such(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *REGIMEN)
    assert code == 0
    assert "route: not reported (give it with --route)" in out.splitlines()
    code, out, _ = run(capsys, *REGIMEN, "--format", "json")
    data = json.loads(out)
    assert data["route"] == "not reported"
    assert {d["route"] for d in data["doses"]} == {"not reported"}
    code, out, _ = run(capsys, *REGIMEN, "--start", "2026-12-01", "--format", "ics")
    summaries = [line for line in out.splitlines() if line.startswith("SUMMARY:")]
    assert summaries == [
        "SUMMARY:dog 12 kg: administration 1 of 2 (route not reported)",
        "SUMMARY:dog 12 kg: administration 2 of 2 (route not reported)",
    ]


def test_route_supplies_a_route_not_reported_and_is_labelled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, *REGIMEN, "--route", "intramuscular", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["route"] == "IM"
    assert data["warnings"][0] == "route IM given with --route (the source does not report it)"
    code, out, _ = run(capsys, *REGIMEN, "--route", "intramuscular")
    assert "route: IM injection (intramuscular)" in out.splitlines()
    assert "note: route IM given with --route (the source does not report it)" in out


def test_route_cannot_replace_a_reported_route(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, ENCISO, "--weight", "12kg", "--route", "IV")
    assert code == 2
    assert out == ""
    assert err == (
        "error: protocol enciso2019-canine-ad gives the route IM, not IV (leave --route out: "
        "it gives a route only where the source does not report one)\n"
    )
    code, _, _ = run(capsys, ENCISO, "--weight", "12kg", "--route", "im")  # the same route
    assert code == 0


def test_administration_facts_are_printed_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, RYONCIL, "--weight", "20kg", "--start", "2026-01-05")
    assert code == 0
    lines = out.splitlines()
    at = lines.index("route: IV infusion (intravenous)")
    assert lines[at + 1 : at + 3] == [
        "  premedication:   corticosteroids and antihistamines",
        "  minimum spacing: at least 3 days between doses",
    ]
    assert lines[at + 3].startswith("basis: ")  # nothing else: rate, diluent ... not reported
    code, out, _ = run(capsys, RYONCIL, "--weight", "20kg", "--format", "json")
    admin = json.loads(out)["administration"]
    assert admin["premedication"] == "corticosteroids and antihistamines"
    assert admin["min_spacing_days"] == 3
    assert admin["rate"] == admin["diluent"] == admin["final_volume_ml"] == "not reported"


def test_a_long_diluent_wraps_under_its_label(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    diluent = (
        "phosphate-buffered saline with 2% autologous serum, warmed to room temperature and "
        "mixed gently by inversion before drawing into the syringe"
    )
    text = (
        Path(ENCISO)
        .read_text("utf-8")
        .replace(
            "dose: 0.5×10⁶ cells\n",
            f'dose: 0.5×10⁶ cells\nadministration:\n  diluent: "{diluent}"\n  final_volume: 1 mL\n',
        )
    )
    path = tmp_path / "diluted.yaml"
    path.write_text(text, "utf-8")
    code, out, _ = run(capsys, str(path), "--weight", "12kg")
    assert code == 0
    lines = out.splitlines()
    at = lines.index("route: IM injection (intramuscular)")
    # labels padded to the longest ("final volume:", 13 characters), text wrapped under itself
    assert lines[at + 1] == "  final volume: 1 mL"
    assert lines[at + 2].startswith("  diluent:      phosphate-buffered saline")
    assert lines[at + 3].startswith(" " * 16) and lines[at + 3].strip()
    assert " ".join(x[16:] for x in lines[at + 2 : at + 4]) == diluent
    assert all(len(x) <= 96 for x in lines[at + 1 : at + 4])


# -- the other commands: simulate (what-if, cohort), show, compare -------------------------------
def test_whatif_csv_and_json_name_the_route(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", *IM_ARGS, "--skip", "2", "--format", "csv"])
    out, _ = capsys.readouterr()
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["route"] for r in rows] == ["IM"] * 6  # the missed dose 2 too: it was planned IM
    code = main(["simulate", *IM_ARGS, "--skip", "2", "--format", "json"])
    data = json.loads(capsys.readouterr()[0])
    assert data["route"] == "IM"
    assert data["administration"]["premedication"] == "not reported"


def test_whatif_table_names_the_route(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", *IM_ARGS, "--skip", "2"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "route: IM injection (intramuscular)" in out.splitlines()


def test_a_whatif_delay_closer_than_the_administrations_spacing_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # weekly ×6 from 2026-12-01 with min_spacing 5 days: dose 2 delayed 3 days (keep) falls on
    # day 7 + 3 = 10, dose 3 stays on day 14: 4 days apart, 1 short; the largest delay that
    # fits is 3 − 1 = 2 days
    spaced = tmp_path / "spaced.yaml"
    spaced.write_text(
        Path(ENCISO)
        .read_text("utf-8")
        .replace(
            "dose: 0.5×10⁶ cells\n", "dose: 0.5×10⁶ cells\nadministration:\n  min_spacing: 5 days\n"
        ),
        "utf-8",
    )
    args = ["simulate", str(spaced), "--weight", "12kg", "--delay", "2:3", "--delay-policy"]
    code = main([*args, "keep"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err == (
        "error: delaying dose 2 puts doses 2 and 3 4 days apart (days 10 and 14); the protocol "
        "needs at least 5 days between them (delay dose 2 by at most 2 days or use "
        "--delay-policy shift to move the later doses with it)\n"
    )
    fits = ["simulate", str(spaced), "--weight", "12kg", "--delay", "2:2", "--delay-policy", "keep"]
    assert main(fits) == 0  # days 9 and 14: 5 days apart


def test_cohort_csv_json_and_table_name_the_route(capsys: pytest.CaptureFixture[str]) -> None:
    cohort = ["simulate", ENCISO, "--patients", "5", "--seed", "1"]
    code = main([*cohort, "--format", "csv"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert {r["route"] for r in csv.DictReader(io.StringIO(out))} == {"IM"}
    main([*cohort, "--format", "json"])
    assert json.loads(capsys.readouterr()[0])["route"] == "IM"
    main(cohort)
    assert "route: IM injection (intramuscular)" in capsys.readouterr()[0].splitlines()


def test_show_prints_the_administration_facts(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["show", RYONCIL])
    out, _ = capsys.readouterr()
    assert code == 0
    lines = out.splitlines()
    at = lines.index("route: IV")
    assert lines[at + 1 : at + 3] == [
        "  premedication:   corticosteroids and antihistamines",
        "  minimum spacing: at least 3 days between doses",
    ]


def test_compare_has_a_route_column_and_the_figure_notes_name_each_route(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["compare", "qi2017-sjogren-thrombocytopenia", ENCISO])
    out, _ = capsys.readouterr()
    assert code == 0
    lines = out.splitlines()
    assert lines[2].split()[:4] == ["protocol", "arm", "route", "n"]
    enciso = next(line for line in lines if line.startswith("enciso2019-canine-ad"))
    assert enciso.split()[:4] == ["enciso2019-canine-ad", "msc", "IM", "12"]
    comparison = celldose.compare(["qi2017-sjogren-thrombocytopenia", ENCISO])
    assert "route: IV (qi2017-sjogren-thrombocytopenia); IM (enciso2019-canine-ad)" in (
        comparison.notes
    )


def test_alofisel_calendar_event_is_an_intralesional_injection(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the whole content of 4 vials of 30×10⁶ cells, once: one event, named by its route
    alofisel = str(FIXTURES / "alofisel-label.yaml")
    code, out, _ = run(
        capsys, alofisel, "--weight", "72kg", "--start", "2026-01-05", "--format", "ics"
    )
    assert code == 0
    summaries = [line for line in out.splitlines() if line.startswith("SUMMARY:")]
    assert summaries == [
        "SUMMARY:human adult 72 kg: intralesional injection 1 of 1 (alofisel-label)"
    ]
    code, out, _ = run(capsys, alofisel, "--weight", "72kg")
    assert "route: intralesional injection" in out.splitlines()
