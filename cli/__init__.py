"""celldose.cli: the command-line application. ``main(argv)`` runs it (tests call it directly)."""

from celldose.cli._app import cli, main

__all__ = ["cli", "main"]
