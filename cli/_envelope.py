"""The envelope of a JSON document that holds several results: what it is and who wrote it.

``{"schema": "celldose/<kind>/<version>", "celldose_version": "0.1.0", ...}``: ``schema`` names
the kind of document and the version of its layout (a script checks it before reading on);
``celldose_version`` is the version that wrote it. One place, so that every kind gets the same
two fields.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

SCHEMA_VERSION = 1  # of every kind written here; raised when a kind's layout changes


def envelope(kind: str, **body: Any) -> dict[str, Any]:
    """``{"schema": "celldose/<kind>/1", "celldose_version": ..., **body}``."""
    return {
        "schema": f"celldose/{kind}/{SCHEMA_VERSION}",
        "celldose_version": version("celldose"),
        **body,
    }
