"""The JSON Schema of protocol files, for editors (yaml-language-server) and other tools.

Doses, durations and regimens are written as text in YAML ("2×10⁶ cells/kg", "4 weeks",
"q4w ×8"), or in their structured form; the schema says both are accepted.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from celldose.protocols._protocol import Protocol

_TEXT_FORMS = {
    "Dose": "A dose, e.g. '2×10⁶ cells/kg', '1.5×10⁸ cells', '5×10⁷ cells/m²', a range "
    "'1–2×10⁶ cells/kg' (the power applies to both bounds), or per lb '1×10⁶ cells/lb'.",
    "Duration": "A duration, e.g. '30 days', '4 weeks', '6 months', '1 year'.",
    "Regimen": "A one-line regimen, e.g. '2×10⁶ cells/kg monthly ×4' or 'cAT-MSC q4w ×8', or "
    "with a decision: '2×10⁶ cells/kg twice weekly for 4 weeks; assess on day 28 ± 2; if partial "
    "response: weekly ×4'.",
    "Assessment": "A day from the first dose and its tolerance in days, e.g. 'day 28 ± 2'.",
}


def protocol_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a protocol file."""
    schema = Protocol.model_json_schema()
    defs = schema.get("$defs", {})
    _add_examples(schema, defs)
    for name, description in _TEXT_FORMS.items():
        if name in defs:
            structured = defs[name]
            defs[name] = {
                "anyOf": [{"type": "string", "description": description}, structured],
                "description": description,
            }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "celldose protocol"
    return schema


def field_examples() -> dict[str, dict[str, list[Any]]]:
    """The examples of every field (schema_examples.toml): model name → field → examples."""
    text = resources.files("celldose.protocols").joinpath("schema_examples.toml").read_text("utf-8")
    return tomllib.loads(text)


def _add_examples(schema: dict[str, Any], defs: dict[str, Any]) -> None:
    for model, fields in field_examples().items():
        node = schema if model == "Protocol" else defs.get(model)
        if node is None:
            continue
        for name, examples in fields.items():
            if name in node.get("properties", {}):
                node["properties"][name]["examples"] = examples
