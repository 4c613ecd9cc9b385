"""The envelope of every JSON document celldose writes: what it is, who wrote it, from what.

``{"schema": "celldose/<kind>/<version>", "celldose_version": "0.1.0", "provenance": {...},
...}``: ``schema`` names the kind of document and the version of its layout (a script checks it
before reading on); ``celldose_version`` is the version that wrote it; ``provenance`` (where a
protocol was read) names the protocol, the SHA-256 of its text, its citation and DOI, and the
command line as typed. One place, so that every kind gets the same fields.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celldose.protocols import Protocol

SCHEMA_VERSION = 1  # of every kind written here; raised when a kind's layout changes
KINDS = (  # every kind of JSON document, each with its schema (celldose schema KIND)
    "dose-plan",  # dose
    "dose-roster",  # dose --roster
    "whatif",  # simulate
    "cohort",  # simulate --patients
    "protocol-list",  # list
    "comparison",  # compare
    "protocol",  # show
    "regimen",  # parse
)
ARGV_KEY = "celldose.argv"  # click's ctx.meta: the command's arguments as typed
# where the output goes is not what it is: the same JSON on the screen and in a file
OUTPUT_FLAGS = ("-o", "--output")
STDIN_KEY = "celldose.stdin"  # click's ctx.meta: the bytes of a protocol read from standard input


@functools.cache
def celldose_version() -> str:
    """The installed celldose's version, read once per process (reading the package metadata
    scans every installed distribution: about 3 ms)."""
    from importlib.metadata import version

    return version("celldose")


def envelope(kind: str, **body: Any) -> dict[str, Any]:
    """``{"schema": "celldose/<kind>/1", "celldose_version": ..., **body}``."""
    assert kind in KINDS, kind
    return {
        "schema": f"celldose/{kind}/{SCHEMA_VERSION}",
        "celldose_version": celldose_version(),
        **body,
    }


def command_line() -> list[str]:
    """The command and its arguments as typed (after the shell): ``["dose", "x", "--weight",
    "12kg"]``, without the output file (-o); empty outside a command."""
    import click

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return []
    typed: list[str] = []
    skip = False
    for arg in ctx.meta.get(ARGV_KEY, []):
        if skip:
            skip = False
        elif arg in OUTPUT_FLAGS:
            skip = True  # and its value
        elif not arg.startswith(tuple(f"{f}=" for f in OUTPUT_FLAGS if f.startswith("--"))):
            typed.append(arg)
    return [ctx.info_name or "", *typed]


def provenance(
    protocol: Protocol | None, source: str | None, regimen: str | None
) -> dict[str, Any]:
    """Which protocol, from which text, cited how, asked for how.

    ``source`` is the PROTOCOL argument (a library id, a file, or ``-``); ``regimen`` the
    --regimen text (or parse's REGIMEN, with no ``protocol``). ``sha256_of`` says what was
    hashed: the bundled file, the file given, standard input, or the regimen's text.
    """
    return {**protocol_source(protocol, source, regimen), "command_line": command_line()}


def provenance_of_many(protocols: Iterable[tuple[Protocol, str]]) -> dict[str, Any]:
    """The provenance of a document of several protocols (each with its PROTOCOL argument):
    ``{"protocols": [{"protocol": ..., "sha256_of": ..., ...}, ...], "command_line": [...]}``."""
    return {
        "protocols": [protocol_source(p, source, None) for p, source in protocols],
        "command_line": command_line(),
    }


def protocol_source(
    protocol: Protocol | None, source: str | None, regimen: str | None
) -> dict[str, Any]:
    """A protocol's id, the SHA-256 of its text (and which text), its citation and DOI."""
    import hashlib

    text, of = _source_text(source, regimen)
    reference = protocol.reference if protocol is not None else None
    return {
        "protocol": protocol.id if protocol is not None else None,
        "sha256_of": of,
        "protocol_sha256": hashlib.sha256(text).hexdigest(),
        "citation": _reported(reference.citation) if reference is not None else None,
        "doi": reference.doi if reference is not None else None,
    }


def _source_text(source: str | None, regimen: str | None) -> tuple[bytes, str]:
    """The bytes the protocol was read from, and what they are."""
    import click

    from celldose.cli._render import input_files

    if regimen is not None:
        return regimen.encode("utf-8"), "regimen"
    assert source is not None
    if source == "-":
        ctx = click.get_current_context(silent=True)
        data = ctx.meta.get(STDIN_KEY, b"") if ctx is not None else b""
        return bytes(data), "stdin"
    path = input_files(source)[0]
    with open(path, "rb") as file:
        data = file.read()
    return data, ("library file" if path != source else "file")


def _reported(value: str) -> str | None:
    from celldose.protocols import NOT_REPORTED

    return None if value == NOT_REPORTED or value.startswith("none (") else value
