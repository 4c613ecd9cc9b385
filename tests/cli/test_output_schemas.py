"""`celldose schema KIND`: every JSON output of every command validates against the schema of
its kind (for every library study where it is cheap), and a broken output does not."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from celldose.cli import main
from celldose.cli._output_schemas import output_kinds
from celldose.protocols import library_ids

EXAMPLES = Path(__file__).parents[2] / "examples"
JANG = ["jang2025-canine-itp", "--dose", "1e6/kg"]
DOG = [*JANG, "--weight", "12kg"]

COMMANDS: list[tuple[str, list[str]]] = [
    ("dose-plan", ["dose", *DOG]),
    ("dose-plan", ["dose", "--regimen", "1e6 cells/kg q4w x3", "--species", "dog", "--weight",
                   "12kg"]),
    ("dose-roster", ["dose", *JANG, "--roster", str(EXAMPLES / "clinic-roster.csv")]),
    ("whatif", ["simulate", *DOG, "--skip", "2"]),
    ("cohort", ["simulate", *JANG, "--patients", "5", "--seed", "1"]),
    ("comparison", ["compare", "jang2025-canine-itp", str(EXAMPLES / "clinic-dog-protocol.yaml"),
                    "--weight", "12kg"]),
    ("protocol-list", ["list"]),
    ("regimen", ["parse", "2e6 cells/kg twice weekly x8 then weekly x4"]),
    *[("protocol", ["show", protocol_id]) for protocol_id in library_ids()],
]  # fmt: skip


def schema_of(capsys: pytest.CaptureFixture[str], kind: str) -> dict[str, Any]:
    assert main(["schema", kind]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, dict)
    return data


@functools.cache
def _checked_validator(schema_json: str) -> Any:
    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate(data: dict[str, Any], schema: dict[str, Any]) -> None:
    """``jsonschema.validate(data, schema)``: the schema checked against its metaschema and the
    validator built once per schema and test process, not on every call (~70 ms each)."""
    _checked_validator(json.dumps(schema, sort_keys=True)).validate(data)


def output(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, Any]:
    assert main([*argv, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, dict)
    return data


def test_every_kind_has_a_schema_that_is_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert set(output_kinds()) == {kind for kind, _ in COMMANDS}  # every kind is exercised
    for kind in output_kinds():
        schema = schema_of(capsys, kind)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["properties"]["schema"]["const"] == f"celldose/{kind}/1"


@pytest.mark.parametrize(("kind", "argv"), COMMANDS, ids=lambda a: " ".join(a)[:60])
def test_every_json_output_validates(
    capsys: pytest.CaptureFixture[str], kind: str, argv: list[str]
) -> None:
    data = output(capsys, argv)
    assert data["schema"] == f"celldose/{kind}/1"
    validate(data, schema_of(capsys, kind))


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.pop("provenance"),
        lambda d: d.pop("doses"),
        lambda d: d.update(schema="celldose/dose-plan/2"),
        lambda d: d.update(schema="celldose/whatif/1"),
        lambda d: d["provenance"].update(protocol_sha256="not a digest"),
        lambda d: d["provenance"].update(sha256_of="somewhere"),
        lambda d: d["provenance"].update(command_line=[]),
        lambda d: d["provenance"].update(extra="field"),
        lambda d: d["provenance"].pop("doi"),
    ],
)
def test_a_broken_output_does_not_validate(
    capsys: pytest.CaptureFixture[str], breakage: Any
) -> None:
    data = output(capsys, ["dose", *DOG])
    schema = schema_of(capsys, "dose-plan")
    validate(data, schema)  # whole, it does
    breakage(data)
    with pytest.raises(jsonschema.ValidationError):
        validate(data, schema)


def test_a_list_of_many_protocols_needs_each_source(capsys: pytest.CaptureFixture[str]) -> None:
    data = output(capsys, ["list"])
    schema = schema_of(capsys, "protocol-list")
    del data["provenance"]["protocols"][0]["protocol_sha256"]
    with pytest.raises(jsonschema.ValidationError):
        validate(data, schema)


def test_an_unknown_kind_is_refused_with_the_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "plan"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "error: there is no output kind 'plan' (choose one of: dose-plan, dose-roster, whatif, "
        "cohort, protocol-list, comparison, protocol, regimen; without KIND: the protocol "
        "file's)\n"
    )


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("dose", "dose-plan"),
        ("compare", "comparison"),
        ("list", "protocol-list"),
        ("show", "protocol"),
        ("parse", "regimen"),
    ],
)
def test_a_command_name_stands_for_the_kind_it_writes(
    capsys: pytest.CaptureFixture[str], command: str, kind: str
) -> None:
    # the issue's own example: `celldose schema dose`
    assert main(["schema", command]) == 0
    by_command = capsys.readouterr().out
    assert main(["schema", kind]) == 0
    assert by_command == capsys.readouterr().out
    assert f'"$id": "celldose/{kind}/1"' in by_command


def test_simulate_names_its_two_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "simulate"]) == 2
    assert capsys.readouterr().err == (
        "error: simulate writes two kinds of JSON (choose whatif (one patient's what-if) or "
        "cohort (simulate --patients N))\n"
    )


def test_a_bare_schema_is_still_the_protocol_files(capsys: pytest.CaptureFixture[str]) -> None:
    text = (EXAMPLES / "celldose-protocol.schema.json").read_text(encoding="utf-8")
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == text


def test_a_protocol_file_may_say_its_format_version(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from celldose.cli._group import cli

    base = (EXAMPLES / "clinic-dog-protocol.yaml").read_text(encoding="utf-8")
    (tmp_path / "v1.yaml").write_text("version: 1\n" + base, encoding="utf-8")
    (tmp_path / "v2.yaml").write_text("version: 2\n" + base, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "v1.yaml")])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "v2.yaml")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'v2.yaml'}:1:10: version: version must be one of: 1, not 2" in (
        result.output
    )
    from celldose.protocols import load_protocol

    assert load_protocol(EXAMPLES / "clinic-dog-protocol.yaml").version == 1  # the default


def test_a_quoted_version_is_refused_with_the_fix(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from celldose.cli._group import cli

    base = (EXAMPLES / "clinic-dog-protocol.yaml").read_text(encoding="utf-8")
    (tmp_path / "v.yaml").write_text('version: "1"\n' + base, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "v.yaml")])
    assert result.exit_code == 2
    assert (
        f"{tmp_path / 'v.yaml'}:1:10: version: version must be the number 1, not the text '1' "
        "(hint: write it without quotes: version: 1)"
    ) in result.output
