"""Every JSON document of `dose` names its kind, the version that wrote it and its provenance:
the protocol, the SHA-256 of the text it was read from, its citation and DOI, and the command
line as typed (without the output file)."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

from celldose.cli import main
from celldose.cli._group import cli

JANG = "jang2025-canine-itp"
JANG_ARGS = ["--weight", "12kg", "--dose", "1e6/kg", "--format", "json"]
JANG_DOI = "10.1007/s11259-025-10849-y"  # the library file's reference.doi


def bundled(protocol_id: str) -> bytes:
    entry = resources.files("celldose.protocols") / "library" / f"{protocol_id}.yaml"
    return entry.read_bytes()


def dose_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    code = main(["dose", *argv])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def test_a_library_protocol_names_its_bundled_file_and_its_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = dose_json(capsys, JANG, *JANG_ARGS)
    assert list(data)[:3] == ["schema", "celldose_version", "provenance"]
    assert data["schema"] == "celldose/dose-plan/1"
    assert data["celldose_version"] == version("celldose")
    provenance = data["provenance"]
    assert isinstance(provenance, dict)
    assert provenance["protocol"] == JANG
    assert provenance["sha256_of"] == "library file"
    assert provenance["protocol_sha256"] == hashlib.sha256(bundled(JANG)).hexdigest()
    assert provenance["citation"].startswith("Jang H-W, Lim G-H")
    assert provenance["doi"] == JANG_DOI
    assert provenance["command_line"] == ["dose", JANG, *JANG_ARGS]
    assert data["doses"]  # the plan's own fields keep their names, beside the envelope


def test_a_file_and_standard_input_hash_the_text_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = bundled(JANG) + b"# a local copy\n"  # one more line: another hash
    path = tmp_path / "jang.yaml"
    path.write_bytes(text)
    from_file = dose_json(capsys, str(path), *JANG_ARGS)["provenance"]
    assert isinstance(from_file, dict)
    assert (from_file["sha256_of"], from_file["protocol_sha256"]) == (
        "file",
        hashlib.sha256(text).hexdigest(),
    )
    result = CliRunner().invoke(cli, ["dose", "-", *JANG_ARGS], input=text)
    assert result.exit_code == 0, result.output
    from_stdin = json.loads(result.stdout)["provenance"]
    assert (from_stdin["sha256_of"], from_stdin["protocol_sha256"]) == (
        "stdin",
        hashlib.sha256(text).hexdigest(),
    )
    assert from_stdin["command_line"] == ["dose", "-", *JANG_ARGS]


def test_a_regimen_hashes_its_text_and_cites_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    regimen = "1e6 cells/kg q4w x3"
    argv = ["--regimen", regimen, "--species", "dog", "--weight", "12kg", "--format", "json"]
    provenance = dose_json(capsys, *argv)["provenance"]
    assert provenance == {
        "protocol": "regimen",
        "sha256_of": "regimen",
        "protocol_sha256": hashlib.sha256(regimen.encode()).hexdigest(),
        "citation": None,  # a one-line regimen has no source
        "doi": None,
        "command_line": ["dose", *argv],
    }


def test_the_output_file_is_not_part_of_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    on_screen = dose_json(capsys, JANG, *JANG_ARGS)
    for flag in (["-o", str(tmp_path / "a.json")], [f"--output={tmp_path / 'b.json'}"]):
        assert main(["dose", JANG, *flag, *JANG_ARGS]) == 0
        capsys.readouterr()
    for name in ("a.json", "b.json"):  # the same bytes wherever they are written
        assert json.loads((tmp_path / name).read_text(encoding="utf-8")) == on_screen


def test_a_roster_carries_the_provenance_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    roster = tmp_path / "clinic.csv"
    roster.write_text("id,weight\nrex,12kg\nbella,20kg\n", encoding="utf-8")
    argv = [JANG, "--dose", "1e6/kg", "--roster", str(roster), "--format", "json"]
    data = dose_json(capsys, *argv)
    assert data["schema"] == "celldose/dose-roster/1"
    provenance = data["provenance"]
    assert isinstance(provenance, dict)
    assert provenance["protocol_sha256"] == hashlib.sha256(bundled(JANG)).hexdigest()
    assert provenance["command_line"] == ["dose", *argv]
    plans = data["plans"]
    assert isinstance(plans, list) and len(plans) == 2
    assert all("provenance" not in plan for plan in plans)


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        (["show", JANG, "--format", "json"], "protocol"),
        (["simulate", JANG, "--weight", "12kg", "--dose", "1e6/kg", "--skip", "2", "--format",
          "json"], "whatif"),
        (["simulate", JANG, "--dose", "1e6/kg", "--patients", "5", "--seed", "1", "--format",
          "json"], "cohort"),
    ],
)  # fmt: skip
def test_show_and_simulate_carry_the_protocols_provenance(
    capsys: pytest.CaptureFixture[str], argv: list[str], kind: str
) -> None:
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == f"celldose/{kind}/1"
    assert data["celldose_version"] == version("celldose")
    assert data["provenance"] == {
        "protocol": JANG,
        "sha256_of": "library file",
        "protocol_sha256": hashlib.sha256(bundled(JANG)).hexdigest(),
        "citation": data["provenance"]["citation"],  # the long text: checked below
        "doi": JANG_DOI,
        "command_line": argv,
    }
    assert data["provenance"]["citation"].endswith("Vet Res Commun 2025.")


def test_parse_hashes_the_regimen_and_names_no_protocol(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["parse", "1e6 cells/kg weekly x3", "--format", "json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "celldose/regimen/1"
    assert data["provenance"] == {
        "protocol": None,
        "sha256_of": "regimen",
        "protocol_sha256": hashlib.sha256(b"1e6 cells/kg weekly x3").hexdigest(),
        "citation": None,
        "doi": None,
        "command_line": argv,
    }
    assert data["input"] == "1e6 cells/kg weekly x3"  # parse's own fields keep their names


def test_compare_gives_each_protocols_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = (Path(__file__).parents[2] / "examples" / "clinic-dog-protocol.yaml").read_bytes()
    path = tmp_path / "clinic.yaml"
    path.write_bytes(text)
    argv = ["compare", JANG, str(path), "--weight", "12kg", "--format", "json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "celldose/comparison/1"
    sources = data["provenance"]["protocols"]
    assert [(s["protocol"], s["sha256_of"], s["protocol_sha256"]) for s in sources] == [
        (JANG, "library file", hashlib.sha256(bundled(JANG)).hexdigest()),
        ("clinic-dog-admsc", "file", hashlib.sha256(text).hexdigest()),
    ]
    assert [s["doi"] for s in sources] == [JANG_DOI, None]  # an in-house protocol has none
    assert data["provenance"]["command_line"] == argv
    assert data["rows"]  # the comparison's own fields keep their names
