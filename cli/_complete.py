"""Shell completion of values, through click's completion API (``shell_complete=``).

click completes the commands and the options itself; these functions add the values: protocol
ids (the library's, and YAML files), the arms of the protocol already on the command line,
species ids, and paths for output files. They run only when the shell asks (the
``_CELLDOSE_COMPLETE`` variable is set) and import the library only then, so they cost the other
runs nothing. A value that cannot be read (an unknown protocol) completes to nothing.

Turn completion on with one line in the shell's start-up file::

    eval "$(_CELLDOSE_COMPLETE=bash_source celldose)"    # ~/.bashrc (bash 4.4 or later)
    eval "$(_CELLDOSE_COMPLETE=zsh_source celldose)"     # ~/.zshrc
    _CELLDOSE_COMPLETE=fish_source celldose | source     # ~/.config/fish/completions/celldose.fish
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # click imports its completion module only when the shell asks
    from click.shell_completion import CompletionItem

PROTOCOL_SUFFIXES = (".yaml", ".yml")


def complete_protocol(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Library ids, and YAML files and folders, that start with ``incomplete``.

    Folders come as one ``dir`` item, so that the shell completes them as it does (a ``/``, no
    space after it); bash shows them when no id or YAML file matches.
    """
    from click.shell_completion import CompletionItem

    from celldose.protocols import library_ids

    items: list[CompletionItem] = [CompletionItem(incomplete, type="dir")]
    if "/" not in incomplete:
        items += [CompletionItem(i) for i in library_ids() if i.startswith(incomplete)]
    folder, start = os.path.split(incomplete)
    try:
        names = sorted(os.listdir(folder or "."))
    except OSError:
        names = []
    for name in names:
        path = os.path.join(folder, name)
        if (
            name.startswith(start)
            and (start.startswith(".") or not name.startswith("."))
            and name.endswith(PROTOCOL_SUFFIXES)
            and os.path.isfile(path)
        ):
            items.append(CompletionItem(path))
    return items


def complete_arm(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """The arm names of the protocol(s) already given (``PROTOCOL`` or ``PROTOCOLS``).

    While the shell completes ``--arm``, the option still lacks its value, and click leaves the
    arguments before it unassigned, in ``ctx.args``: they are read from there.
    """
    from celldose.protocols import CelldoseError, load_protocol

    given = [*(ctx.params.get("protocols") or ()), ctx.params.get("protocol"), *ctx.args]
    names: list[str] = []
    for source in dict.fromkeys(given):
        if not source or source == "-":  # standard input is read by the run, not here
            continue
        try:
            protocol = load_protocol(source)
        except (CelldoseError, OSError):
            continue
        names += [arm.name for arm in protocol.arms if arm.name not in names]
    return [name for name in names if name.startswith(incomplete)]


def complete_species(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Species ids (dog, cat, horse, human, ...)."""
    from celldose.simulator.dosing import species_names

    return [name for name in species_names() if name.startswith(incomplete)]


def complete_route(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Route names of routes.toml (IV, IM, SC, intralesional, ...)."""
    from celldose.protocols import route_names

    return [name for name in route_names() if name.lower().startswith(incomplete.lower())]


def complete_path(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Any path: the shell completes it (an output file, a roster)."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]
