"""Library text in the words of the command line: API arguments shown as their flags.

The library names its arguments as a Python caller writes them: ``name=`` in running text
(``pass dose="<amount> cells/kg"``, ``number of doses 3 given with count=``, ``height= has no
effect``), or the bare name at the start of an error whose ``fields`` lists it (``patients must
be at least 1``). Here each becomes the flag a command-line user types (``give it with --dose
"<amount> cells/kg"``, ``given with --count``, ``--height has no effect``, ``--patients must be at
least 1``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from celldose.protocols import CelldoseError

# API argument -> command-line flag, where the two differ by more than the leading dashes
# (every other argument becomes --name, with underscores as hyphens).
_FLAG: dict[str, str] = {
    "vial_cells": "--vial",
    "vial_volume_ml": "--vial",
    "rounding": "--round",
    "labels": "--label",
}
_PASS = re.compile(r"\bpass ([a-z][a-z_]*)=")
_SWITCH = re.compile(r"(?<![\w-])([a-z][a-z_]*)=True\b")  # a yes/no argument: its flag alone
_ALONE = re.compile(r"(?<![\w-])([a-z][a-z_]*)=(?=[\s),;]|$)")
_WITH_VALUE = re.compile(r"(?<![\w-])([a-z][a-z_]*)=")


def flag(field: str) -> str:
    """The command-line flag of an API argument: ``weight_sigma`` -> ``--weight-sigma``."""
    return _FLAG.get(field, "--" + field.replace("_", "-"))


def to_flags(text: str, fields: Sequence[str] = ()) -> str:
    """``text`` with every ``name=`` (and a leading field name) written as its flag."""
    text = _SWITCH.sub(lambda m: flag(m[1]), text)
    text = _PASS.sub(lambda m: f"give it with {flag(m[1])} ", text)
    text = _ALONE.sub(lambda m: flag(m[1]), text)
    text = _WITH_VALUE.sub(lambda m: f"{flag(m[1])} ", text)
    for field in fields:
        text = re.sub(rf"^{re.escape(field)}\b", flag(field), text)
    return text


def cli_text(exc: CelldoseError) -> str:
    """The error's one line, with its API arguments written as flags."""
    return to_flags(str(exc), exc.fields)


def warning_lines(warnings: Iterable[str], notes: Collection[str] = ()) -> list[str]:
    """``warning: …`` lines for people at the command line, each once, in flag words; those in
    ``notes`` (labels of values the user gave, not problems) are ``note: …`` lines."""
    return [
        f"{'note' if w in notes else 'warning'}: {to_flags(w)}" for w in dict.fromkeys(warnings)
    ]


# the fields of a result's data that celldose writes itself and that may name an API argument
# (``capped at 1×10⁸ cells (cap=)``); the protocol's own text (titles, notes, administration)
# is kept as written
FLAG_FIELDS = frozenset({"warnings", "cap_note", "limits", "stopped_by", "dosing_weight_note"})

# fields of the items of a list that celldose writes itself, where the same name elsewhere holds
# the protocol's text: a cohort branch's ``label`` ("share 0.41, given with branch_share=")
ITEM_FLAG_FIELDS: dict[str, frozenset[str]] = {"branches": frozenset({"label"})}


_SCALARS = frozenset({str, int, float, bool, type(None)})


def in_flags(data: Any, *, mapped: bool = False, item_fields: Collection[str] = ()) -> Any:
    """``data`` (a result's ``to_dict()``, a CSV row) with the text of :data:`FLAG_FIELDS` (and
    of :data:`ITEM_FLAG_FIELDS`) in flag words; everything else, and the structure, is kept.

    >>> in_flags({"branches": [{"label": "share 0.4, given with branch_share="}]})
    {'branches': [{'label': 'share 0.4, given with --branch-share'}]}
    """
    if isinstance(data, str):
        return to_flags(data) if mapped else data
    if isinstance(data, Mapping):
        out: dict[Any, Any] = {}
        for key, value in data.items():
            flagged = mapped or key in FLAG_FIELDS or key in item_fields
            if not flagged and type(value) in _SCALARS:  # kept as it is (most of a dose's row)
                out[key] = value
            else:
                item = ITEM_FLAG_FIELDS.get(key, ())
                out[key] = in_flags(value, mapped=flagged, item_fields=item)
        return out
    if isinstance(data, list | tuple):
        return [in_flags(value, mapped=mapped, item_fields=item_fields) for value in data]
    return data
