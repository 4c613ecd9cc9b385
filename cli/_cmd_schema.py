"""`celldose schema [KIND]`: the JSON Schema of the protocol file format, or of an output kind."""

from __future__ import annotations

import click

from celldose.cli._render import to_json
from celldose.protocols import OptionError, protocol_json_schema


@click.command(name="schema")
@click.argument("kind", required=False, default=None)
def command(kind: str | None) -> None:
    """Print the JSON Schema of protocol files (for editors: see the README), or with KIND of
    a JSON output: dose-plan, dose-roster, whatif, cohort, protocol-list, comparison, protocol,
    regimen (or the command that writes it: dose, compare, list, show, parse).

    \b
    Examples:
      celldose schema > celldose-protocol.schema.json
      celldose schema dose-plan
      celldose schema dose          # the same: the kind dose writes
    """
    if kind is None:
        click.echo(to_json(protocol_json_schema()))
        return
    from celldose.cli._output_schemas import output_json_schema, output_kinds

    kind = _BY_COMMAND.get(kind, kind)
    if kind == "simulate":
        raise OptionError(
            "simulate writes two kinds of JSON",
            "choose whatif (one patient's what-if) or cohort (simulate --patients N)",
        )
    if kind not in output_kinds():
        raise OptionError(
            f"there is no output kind {kind!r}",
            f"choose one of: {', '.join(output_kinds())}; without KIND: the protocol file's",
        )
    click.echo(to_json(output_json_schema(kind)))


# A command's name stands for the one kind of JSON it writes (`celldose schema dose`).
_BY_COMMAND = {
    "dose": "dose-plan",
    "compare": "comparison",
    "list": "protocol-list",
    "show": "protocol",
    "parse": "regimen",
}
