"""celldose.cli: the command-line application. ``main(argv)`` runs it (tests call it directly).

``cli`` is the click group (for click's own testing and completion tools); it is imported on
first use, so that the ``celldose`` script can handle Ctrl-C before click and the rest load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from celldose.cli._app import main

if TYPE_CHECKING:
    from celldose.cli._group import cli

__all__ = ["cli", "main"]


def __getattr__(name: str) -> Any:
    if name != "cli":
        raise AttributeError(f"module 'celldose.cli' has no attribute {name!r}")
    from celldose.cli._group import cli

    return cli


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
