"""The JSON Schema of every kind of JSON document celldose writes (``celldose schema KIND``).

Generated from typed definitions (pydantic models, already a dependency) rather than kept as
hand-written files: the envelope is typed once and shared by every kind, so a schema cannot drift
from another. The envelope (``schema``, ``celldose_version``, ``provenance``) is typed in full;
of each kind's own fields, the ones always present are required and any others are allowed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from celldose.cli._envelope import KINDS, SCHEMA_VERSION

SourceKind = Literal["library file", "file", "stdin", "regimen"]

# each kind's fields that are always present (beyond the envelope); see README "JSON output"
_FIELDS: dict[str, tuple[str, ...]] = {
    "dose-plan": (
        "protocol", "arm", "regimen", "route", "patient", "basis", "doses", "warnings", "notes",
    ),
    "dose-roster": ("roster", "roster_sha256", "patients", "warnings", "plans"),
    "whatif": ("mode", "protocol", "arm", "regimen", "doses", "warnings"),
    "cohort": ("mode", "seed", "patients", "protocol", "arm", "warnings"),
    "protocol-list": ("protocols",),
    "comparison": ("rows", "warnings"),
    "protocol": ("id", "title", "species", "arms", "reference"),
    "regimen": ("input", "phases"),
}  # fmt: skip
_MANY = ("protocol-list", "comparison")  # documents of several protocols


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProtocolSource(_Strict):
    """A protocol's id, the SHA-256 of its text and which text, its citation and DOI."""

    protocol: str | None
    sha256_of: SourceKind
    protocol_sha256: str = Field(pattern="^[0-9a-f]{64}$")
    citation: str | None
    doi: str | None


class Provenance(ProtocolSource):
    """Where a document of one protocol (or one regimen) came from."""

    command_line: list[str] = Field(min_length=1)


class ManyProvenance(_Strict):
    """Where a document of several protocols came from."""

    protocols: list[ProtocolSource]
    command_line: list[str] = Field(min_length=1)


def output_kinds() -> tuple[str, ...]:
    """The kinds ``celldose schema KIND`` knows."""
    return KINDS


def output_json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of the document kind ``kind`` (one of :func:`output_kinds`)."""
    name = "".join(part.title() for part in kind.split("-"))
    fields: dict[str, Any] = {
        "schema_": (
            Literal[f"celldose/{kind}/{SCHEMA_VERSION}"],
            Field(alias="schema"),
        ),
        "celldose_version": (str, ...),
        "provenance": (ManyProvenance if kind in _MANY else Provenance, ...),
        **{field: (Any, ...) for field in _FIELDS[kind]},
    }
    model = create_model(name, __config__=ConfigDict(extra="allow"), **fields)
    schema = model.model_json_schema(by_alias=True)
    for field in _FIELDS[kind]:  # Any: present, of any JSON type
        schema["properties"][field].pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"celldose/{kind}/{SCHEMA_VERSION}",
        **schema,
    }
