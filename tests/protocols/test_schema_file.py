"""The schema shipped in examples/ is the one `celldose schema` prints (regenerate it if not)."""

from __future__ import annotations

import json
from pathlib import Path

from celldose.protocols._schema import protocol_json_schema

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_shipped_schema_is_current() -> None:
    shipped = json.loads((EXAMPLES / "celldose-protocol.schema.json").read_text(encoding="utf-8"))
    assert shipped == protocol_json_schema(), (
        "examples/celldose-protocol.schema.json is stale: run "
        "`celldose schema > examples/celldose-protocol.schema.json`"
    )


def test_schema_accepts_text_forms_for_doses_durations_and_regimens() -> None:
    defs = protocol_json_schema()["$defs"]
    for name in ("Dose", "Duration", "Regimen"):
        kinds = [alt.get("type") for alt in defs[name]["anyOf"]]
        assert "string" in kinds, name
