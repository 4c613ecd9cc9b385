"""`celldose schema`: the JSON Schema of the protocol file format."""

from __future__ import annotations

import click

from celldose.cli._render import to_json
from celldose.protocols import protocol_json_schema


@click.command(name="schema")
def command() -> None:
    """Print the JSON Schema of protocol files (for editors: see the README).

    \b
    Example:
      celldose schema > celldose-protocol.schema.json
    """
    click.echo(to_json(protocol_json_schema()))
