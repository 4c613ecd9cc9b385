"""`celldose check FILE...`: validate protocol files, listing every problem."""

from __future__ import annotations

import click

from celldose.protocols import CelldoseError, ProtocolFileError, load_protocol
from celldose.simulator.dosing import species_names


@click.command(name="check")
@click.argument("files", nargs=-1, required=True)
def command(files: tuple[str, ...]) -> None:
    """Validate protocol files (or library ids). Exit 0 when all are valid, 2 otherwise.

    Every problem of every file is listed as FILE:LINE:COLUMN: FIELD: message (hint: ...).

    \b
    Example:
      celldose check examples/clinic-dog-protocol.yaml
    """
    failed = False
    for name in files:
        try:
            protocol = load_protocol(name, known_species=species_names())
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
