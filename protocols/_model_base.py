"""The base of every protocol-file model: frozen, no unknown fields, finite numbers, capped text.

Free text is printed to terminals, tables, calendars and figures, so it may hold line breaks and
tabs but no other control character (an escape sequence would rewrite the terminal) and no
bidirectional override (it would show the text in another order than it is read).
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, field_validator

MAX_TEXT = 20_000  # characters of any free text (titles, notes, citations, labels)

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# the control characters (Unicode category Cc: U+0000-U+001F and U+007F-U+009F) but the tab
# (U+0009) and the line feed (U+000A), and the bidirectional overrides: one search of the text,
# not a lookup per character (tests/protocols/test_printable_text.py compares the two on every
# code point)
_REFUSED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def refuse_control_characters(text: str) -> str:
    """Return ``text``, or raise ``ValueError`` naming its first control or bidi character.

    >>> refuse_control_characters("Arm A\\tlow dose")
    'Arm A\\tlow dose'
    >>> refuse_control_characters("Arm \\x1b[2JA")
    Traceback (most recent call last):
    ...
    ValueError: the text has a control character (U+001B) at character 5: remove it
    """
    found = _REFUSED.search(text)
    if found is not None:
        char = found.group()
        kind = "a bidirectional override" if char in _BIDI_CONTROLS else "a control character"
        raise ValueError(
            f"the text has {kind} (U+{ord(char):04X}) at character {found.start() + 1}: remove it"
        )
    return text


class FrozenModel(BaseModel):
    """Frozen, no unknown fields, finite numbers, free text of at most ``MAX_TEXT`` characters
    and without control characters other than line breaks and tabs."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True, str_max_length=MAX_TEXT
    )

    @field_validator("*", mode="after")
    @classmethod
    def _printable_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            return refuse_control_characters(value)
        return value


@functools.cache
def field_adapter(model: type[BaseModel], field: str) -> TypeAdapter[Any]:
    """The validator of one field of ``model`` on its own (its type and constraints).

    Built once per field and process: building one takes about a millisecond, and a file that
    does not validate has each of its fields validated on its own.
    """
    info = model.model_fields[field]
    form: Any = Annotated[info.annotation, info]
    return TypeAdapter(form)


__all__ = ["MAX_TEXT", "FrozenModel", "field_adapter", "refuse_control_characters"]
