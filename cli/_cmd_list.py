"""`celldose list`: the bundled protocol library, one line each."""

from __future__ import annotations

import click

from celldose.cli._render import format_option, to_json
from celldose.protocols import library_protocols


@click.command(name="list")
@format_option("table", "json")
def command(fmt: str) -> None:
    """List the bundled protocol library: id, species, arms and title.

    \b
    Example:
      celldose list
      celldose show chen2024-itp-ucmsc
    """
    protocols = list(library_protocols())
    if fmt == "json":
        from celldose.cli._envelope import envelope, provenance_of_many

        where = provenance_of_many((p, p.id) for p in protocols)
        click.echo(
            to_json(
                envelope(
                    "protocol-list",
                    provenance=where,
                    protocols=[
                        {
                            "id": p.id,
                            "species": p.species,
                            "title": p.title,
                            "arms": [a.name for a in p.arms],
                            "regimens": [a.regimen.to_shorthand() for a in p.arms],
                        }
                        for p in protocols
                    ],
                )
            )
        )
        return
    width = max(len(p.id) for p in protocols)
    species_width = max(len(p.species) for p in protocols)  # human-child is wider than human
    for p in protocols:
        arms = f"{len(p.arms)} arms" if len(p.arms) > 1 else p.arms[0].regimen.to_shorthand()
        click.echo(f"{p.id.ljust(width)}  {p.species.ljust(species_width)}  {p.title} [{arms}]")
