"""The base of every protocol-file model: frozen, no unknown fields, finite numbers, capped text."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

MAX_TEXT = 20_000  # characters of any free text (titles, notes, citations, labels)


class FrozenModel(BaseModel):
    """Frozen, no unknown fields, finite numbers, free text of at most ``MAX_TEXT`` characters."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True, str_max_length=MAX_TEXT
    )


__all__ = ["MAX_TEXT", "FrozenModel"]
