"""The protocol commands of the CLI: list, show, check, parse, schema (and --version, --help).

``main(argv)`` returns the exit code: 0 success, 2 bad input (a one-line message on stderr).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from celldose.cli import cli, main

IDS = [
    "aa-ucmsc-18",
    "chen2024-itp-ucmsc",
    "enciso2019-canine-ad-admsc",
    "izadi2022-t1d-bmmsc",
    "jang2025-canine-itp",
    "lanzoni2021-covid-ards-ucmsc",
    "mcintyre2018-ciss-septic-shock-bmmsc",
    "perez-merino2015-canine-ibd-admsc",
    "qi2017-sjogren-thrombocytopenia",
    "quimby2016-feline-ckd-admsc",
    "villatoro2018-canine-ad-admsc",
]
ROUTES = {"enciso2019-canine-ad-admsc": "IM"}  # the others are IV
# the approved-product labels (studies 6 and 7): listed with the library, not among IDS, whose
# per-id tests assume an IV adult or dog study
LABELS = (
    "alofisel-crohn-perianal-fistula-darvadstrocel",
    "ryoncil2024-pediatric-sr-agvhd-remestemcel",
)
TWELVE_DAYS = [0, 3, 7, 10, 14, 17, 21, 24, 28, 35, 42, 49]

VALID = """\
id: test-protocol
title: A test protocol
species: dog
indication: Testing
product:
  name: cAT-MSC
  tissue_source: adipose tissue
  donor: allogeneic
  origin_species: dog
  viability: 0.9
route: IV
dose: 2×10⁶ cells/kg
arms:
  - name: msc
    n: 3
    regimen: q4w ×8
reference:
  citation: Test 2025.
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def valid_file(tmp_path: Path) -> Path:
    path = tmp_path / "valid.yaml"
    path.write_text(VALID, encoding="utf-8")
    return path


@pytest.fixture
def flattened_file(tmp_path: Path) -> Path:
    path = tmp_path / "flattened.yaml"
    path.write_text(VALID.replace("dose: 2×10⁶ cells/kg", "dose: 2x106/kg"), encoding="utf-8")
    return path


# -- list ------------------------------------------------------------------------------------


def test_list_shows_the_library_ids(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "list")
    assert code == 0
    lines = [line for line in out.splitlines() if line.strip()]
    assert [line.split()[0] for line in lines] == sorted((*IDS, *LABELS))


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["schema"] == "celldose/protocol-list/1"
    assert [entry["id"] for entry in data["protocols"]] == sorted((*IDS, *LABELS))
    assert [p["protocol"] for p in data["provenance"]["protocols"]] == sorted((*IDS, *LABELS))


# -- show ------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol_id", IDS)
def test_show_each_library_protocol(capsys: pytest.CaptureFixture[str], protocol_id: str) -> None:
    code, out, err = run(capsys, "show", protocol_id)
    assert code == 0, err
    assert out.startswith(f"{protocol_id}: ")
    assert f"route: {ROUTES.get(protocol_id, 'IV')}" in out


@pytest.mark.parametrize("protocol_id", IDS)
def test_show_json_each_library_protocol(
    capsys: pytest.CaptureFixture[str], protocol_id: str
) -> None:
    code, out, err = run(capsys, "show", protocol_id, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["id"] == protocol_id


def test_show_jang_has_no_dose_and_28_day_interval(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "show", "jang2025-canine-itp")
    assert "q4w ×8" in out
    assert "dose: not reported" in out
    assert "0, 28, 56, 84, 112, 140, 168, 196" in out


def test_show_chen_lists_the_four_arms(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "show", "chen2024-itp-ucmsc")
    for arm in ("escalation-0.5", "escalation-1.0", "escalation-2.0", "expansion-2.0"):
        assert f"arm {arm}" in out
    assert "0, 7, 14, 21" in out
    assert "responders 2/3" in out


def test_show_qi_with_start_date(capsys: pytest.CaptureFixture[str]) -> None:
    # monthly ×4 from Jan 31 2025: Jan 31, Feb 28, Mar 31, Apr 30 = days 0, 28, 59, 89
    code, out, _ = run(capsys, "show", "qi2017-sjogren-thrombocytopenia", "--start", "2025-01-31")
    assert code == 0
    assert "0, 28, 59, 89" in out


def test_show_unknown_id_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "chen2024-itp")
    assert code == 2
    assert "chen2024-itp-ucmsc" in err  # the suggestion


def test_show_a_file(capsys: pytest.CaptureFixture[str], valid_file: Path) -> None:
    code, out, _ = run(capsys, "show", str(valid_file))
    assert code == 0
    assert out.startswith("test-protocol: ")


# -- check -----------------------------------------------------------------------------------


def test_check_flattened_superscript_exits_2_with_line_and_hint(
    capsys: pytest.CaptureFixture[str], flattened_file: Path
) -> None:
    code, out, err = run(capsys, "check", str(flattened_file))
    assert code == 2
    assert f"{flattened_file}:12:" in err  # dose is on line 12
    assert "did you mean 2×10⁶/kg?" in err


def test_check_valid_file_exits_0(capsys: pytest.CaptureFixture[str], valid_file: Path) -> None:
    code, out, err = run(capsys, "check", str(valid_file))
    assert code == 0, err
    assert out.startswith(f"ok: {valid_file}")
    assert err == ""


def test_check_library_ids(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", *IDS)
    assert code == 0
    assert out.count("ok: ") == len(IDS)


def test_check_lists_every_file_and_every_problem(
    capsys: pytest.CaptureFixture[str], valid_file: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    text = VALID.replace("dose: 2×10⁶ cells/kg", "dose: 70 kg").replace(
        "  viability: 0.9", "  viability: 0"
    )
    bad.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "check", str(valid_file), str(bad))
    assert code == 2
    assert f"ok: {valid_file}" in out
    assert f"{bad}:10:" in err  # viability
    assert f"{bad}:12:" in err  # dose


def test_check_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "check", str(tmp_path / "missing.yaml"))
    assert code == 2
    assert "missing.yaml" in err


def test_check_unknown_species(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "unicorn.yaml"
    path.write_text(VALID.replace("species: dog", "species: unicorn"), encoding="utf-8")
    code, _, err = run(capsys, "check", str(path))
    assert code == 2
    assert f"{path}:3:" in err


# -- parse -----------------------------------------------------------------------------------


def test_parse_json_two_phases(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "parse", "2×10⁶ cells/kg twice weekly ×8 then weekly ×4", "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["days"] == TWELVE_DAYS
    assert data["normalized"] == "2×10⁶ cells/kg twice weekly ×8 then weekly ×4"
    assert data["range"] is False
    assert len(data["phases"]) == 2


def test_parse_table_two_phases(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "parse", "2x10^6 cells/kg twice weekly x8 then weekly x4")
    assert code == 0
    assert "2×10⁶ cells/kg twice weekly ×8 then weekly ×4" in out
    assert "12 doses" in out


def test_parse_range_shows_both_schedules_json(capsys: pytest.CaptureFixture[str]) -> None:
    text = "1×10⁶ cells/kg once or twice weekly ×8"
    code, out, _ = run(capsys, "parse", text, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["range"] is True
    assert data["schedules"]["min"]["days"] == [0, 7, 14, 21, 28, 35, 42, 49]  # once a week
    assert data["schedules"]["max"]["days"] == [0, 3, 7, 10, 14, 17, 21, 24]  # twice a week


def test_parse_range_shows_both_schedules_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "parse", "1×10⁶ cells/kg once or twice weekly ×8")
    assert code == 0
    titles = [line for line in out.splitlines() if "imum schedule" in line]
    assert len(titles) == 2
    assert titles[0].startswith("minimum schedule") and titles[0].endswith("8 doses")
    assert titles[1].startswith("maximum schedule") and titles[1].endswith("8 doses")


def test_parse_monthly_with_start(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "parse", "2×10⁶ cells/kg monthly ×4", "--start", "2025-01-31", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["days"] == [0, 28, 59, 89]
    assert [d["date"] for d in data["doses"]] == [
        "2025-01-31",
        "2025-02-28",
        "2025-03-31",
        "2025-04-30",
    ]


def test_parse_monthly_without_start_has_no_days(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "parse", "monthly ×4", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["days"] is None
    assert "note" in data


def test_parse_ambiguous_word_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "parse", "biweekly ×4")
    assert code == 2
    assert out == ""
    assert "ambiguous" in err
    assert "q2w" in err and "2×/week" in err
    assert "Traceback" not in err


def test_parse_flattened_superscript_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "parse", "2x106/Kg monthly ×4")
    assert code == 2
    assert "did you mean 2×10⁶/kg?" in err


def test_parse_bad_date_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "parse", "weekly ×4", "--start", "31/01/2025")
    assert code == 2
    assert "YYYY-MM-DD" in err


# -- schema, version, help ---------------------------------------------------------------------


def test_schema_is_json_with_defs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    assert "$defs" in schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"id", "species", "arms", "reference"} <= set(schema["properties"])
    assert "Dose" in schema["$defs"] and "Regimen" in schema["$defs"]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == "celldose 0.1.0"


def test_top_level_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "Example" in out
    for name in ("list", "show", "check", "schema", "parse"):
        assert name in out


def _commands() -> list[str]:
    with click.Context(cli) as ctx:
        return list(cli.list_commands(ctx))  # type: ignore[attr-defined]


def test_protocol_commands_are_available() -> None:
    assert {"list", "show", "check", "schema", "parse"} <= set(_commands())


@pytest.mark.parametrize("command", _commands())
def test_help_of_each_command_has_an_example(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert "Example" in out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "frobnicate")
    assert code == 2
    assert "frobnicate" in err
