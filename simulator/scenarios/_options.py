"""The scenario functions' common arguments, read from the text a user types.

A protocol is a :class:`Protocol`, a library id or a file; a dose, an interval and a start date
may be text (``"1e6 cells/kg"``, ``"4 weeks"``, ``"2026-01-05"``). They fill a
:class:`DoseOptions` (given ``options`` stay; a keyword replaces the same field).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from celldose.protocols import (
    Dose,
    Duration,
    OptionError,
    Protocol,
    load_protocol,
    parse_dose,
    parse_duration,
)
from celldose.simulator.dosing import DoseOptions


def as_protocol(protocol: Protocol | str | Path) -> Protocol:
    """A Protocol as given, or loaded from a library id or a file."""
    if isinstance(protocol, Protocol):
        return protocol
    if isinstance(protocol, str | Path):
        return load_protocol(str(protocol))
    raise OptionError(
        f"protocol must be a Protocol, a library id or a file, not {protocol!r}",
        'e.g. "jang2025-canine-itp"',
    )


def as_dose(value: str | Dose | None) -> Dose | None:
    if value is None or isinstance(value, Dose):
        return value
    if isinstance(value, str):
        return parse_dose(value)
    raise OptionError(f'dose must be text such as "1e6 cells/kg", not {value!r}', fields=("dose",))


def as_duration(value: str | Duration | None) -> Duration | None:
    if value is None or isinstance(value, Duration):
        return value
    if isinstance(value, str):
        return parse_duration(value)
    raise OptionError(
        f'interval must be text such as "4 weeks", not {value!r}', fields=("interval",)
    )


def as_count(value: int | str | None) -> int | None:
    """A number of doses (a whole number >= 1, or its digits)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise OptionError(f"count must be a whole number, not {value!r}", fields=("count",))
    try:
        number = int(value)
    except ValueError:
        raise OptionError(
            f"count {value!r} is not a whole number", "e.g. count=8", fields=("count",)
        ) from None
    if number < 1:
        raise OptionError(f"count must be at least 1, not {number}", fields=("count",))
    return number


def as_date(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise OptionError(
        f"start must be a date (YYYY-MM-DD), not {value!r}",
        "e.g. start=2026-01-05",
        fields=("start",),
    )


def dose_options(options: DoseOptions | None, **given: Any) -> DoseOptions:
    """``options`` (or the defaults) with the keywords ``dose``, ``count``, ``interval`` and
    ``start`` that are not None, each read from text where needed."""
    if options is not None and not isinstance(options, DoseOptions):
        raise OptionError(f"options must be a DoseOptions, not {options!r}")
    readers: dict[str, Callable[[Any], Any]] = {
        "dose": as_dose,
        "count": as_count,
        "interval": as_duration,
        "start": as_date,
    }
    changes: dict[str, Any] = {k: readers[k](v) for k, v in given.items() if v is not None}
    return replace(options or DoseOptions(), **changes)


__all__ = ["as_count", "as_date", "as_dose", "as_duration", "as_protocol", "dose_options"]
