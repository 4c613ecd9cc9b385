"""`celldose check FILE...`: validate protocol files, listing every problem."""

from __future__ import annotations

import click

from celldose.cli._complete import complete_protocol
from celldose.cli._inputs import STDIN, read_protocol, refuse_stdin_twice
from celldose.protocols import CelldoseError, ProtocolFileError
from celldose.simulator.dosing import species_table


@click.command(name="check")
@click.argument("files", nargs=-1, required=True, shell_complete=complete_protocol)
def command(files: tuple[str, ...]) -> None:
    """Validate protocol files (or library ids). Exit 0 when all are valid, 2 otherwise.

    Every problem of every file is listed as FILE:LINE:COLUMN: FIELD: message (hint: ...).
    A FILE of - is read from standard input (named <stdin>).

    \b
    Examples:
      celldose check examples/clinic-dog-protocol.yaml
      generate-protocol | celldose check -
    """
    refuse_stdin_twice(files)
    failed = False
    plausible = {s.id: s.soft_kg for s in species_table().values()}  # weight bands cover it
    for given in files:
        name = "<stdin>" if given == STDIN else given
        try:
            protocol = read_protocol(given, known_species=plausible)
        except ProtocolFileError as exc:
            failed = True
            click.echo(str(exc), err=True)
            continue
        except CelldoseError as exc:  # not found, unreadable, or refused as a whole
            failed = True
            click.echo(f"{name}: {exc}", err=True)
            continue
        arms = len(protocol.arms)
        click.echo(f"ok: {name} ({protocol.id}, {arms} arm{'s' if arms != 1 else ''})")
    if failed:
        raise click.exceptions.Exit(2)
