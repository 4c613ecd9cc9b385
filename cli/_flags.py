"""Library errors in the words of the command line: API arguments shown as their flags.

The library names its arguments as a Python caller writes them (``patients must be at least 1``,
``pass dose="<amount> cells/kg"``) and lists them in the error's ``fields``; here each becomes the
flag a command-line user types (``--patients must be at least 1``, ``give it with --dose
"<amount> cells/kg"``). Only the fields an error lists are rewritten, so ordinary words that
happen to equal an argument's name stay as they are.
"""

from __future__ import annotations

import re

from celldose.protocols import CelldoseError

# API argument -> command-line flag, where the two differ by more than the leading dashes
# (every other field becomes --name, with underscores as hyphens).
_FLAG: dict[str, str] = {}


def flag(field: str) -> str:
    """The command-line flag of an API argument: ``weight_sigma`` -> ``--weight-sigma``."""
    return _FLAG.get(field, "--" + field.replace("_", "-"))


def cli_text(exc: CelldoseError) -> str:
    """The error's one line, with its API arguments written as flags."""
    text = str(exc)
    for field in exc.fields:
        name = re.escape(field)
        shown = flag(field)
        text = re.sub(rf"\bpass {name}=", f"give it with {shown} ", text)
        text = re.sub(rf"(?<![\w-]){name}=", f"{shown} ", text)
        text = re.sub(rf"^{name}\b", shown, text)
    return text
