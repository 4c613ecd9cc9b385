"""Routes of administration: the route table (``routes.toml``) and reading a route's name.

Every output names the route of a dose plan, and calls one administration by its route's
``event`` ("IV infusion", "IM injection", "intralesional injection"), never "infusion" for every
route. A route is read from its canonical name or one of its listed spellings (ignoring case);
anything else is refused with the choices. A route is never defaulted: ``not reported`` stays
``not reported`` until the user gives it (``route=``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

from celldose.protocols._errors import OptionError, close_matches


@dataclass(frozen=True)
class RouteInfo:
    """One row of the route table; see the header of routes.toml for the fields."""

    name: str
    label: str
    event: str
    spellings: tuple[str, ...]


@cache
def route_table() -> dict[str, RouteInfo]:
    """Every route, by canonical name, in the table's order."""
    text = resources.files("celldose.protocols").joinpath("routes.toml").read_text("utf-8")
    return {
        name: RouteInfo(name, row["label"], row["event"], tuple(row["spellings"]))
        for name, row in tomllib.loads(text).items()
    }


def route_names() -> tuple[str, ...]:
    """The canonical route names, in the table's order.

    >>> route_names()[:3]
    ('IV', 'IM', 'SC')
    """
    return tuple(route_table())


@cache
def _by_spelling() -> dict[str, str]:
    out: dict[str, str] = {}
    for info in route_table().values():
        for spelling in (info.name, info.label, *info.spellings):
            out[" ".join(spelling.casefold().split())] = info.name
    return out


def read_route(value: object, field: str = "route") -> str:
    """The canonical name of the route ``value`` names; anything else is refused with the choices.

    >>> read_route("intramuscular"), read_route("iv")
    ('IM', 'IV')
    """
    if isinstance(value, str):
        name = _by_spelling().get(" ".join(value.casefold().split()))
        if name is not None:
            return name
    shown = repr(value) if isinstance(value, str) else f"{type(value).__name__} {value!r}"
    hint = "write one of: " + ", ".join(route_names())
    if isinstance(value, str):
        spellings = _by_spelling()
        close = close_matches(" ".join(value.casefold().split()), spellings, n=1)
        if close:
            hint = f"did you mean {close[0]!r} ({spellings[close[0]]})? or {hint}"
    raise OptionError(f"{field} {shown} is not a route celldose knows", hint, fields=(field,))


def route_info(name: str) -> RouteInfo:
    """The table row of the canonical route ``name``."""
    return route_table()[read_route(name)]


def route_event(route: str) -> str:
    """What one administration by ``route`` is called; ``administration`` when not reported.

    >>> route_event("IM"), route_event("not reported")
    ('IM injection', 'administration')
    """
    if route == "not reported":
        return "administration"
    return route_info(route).event


def _read_field(value: object) -> object:
    if value == "not reported":  # the literal of the union takes it
        raise ValueError("not a route")
    return read_route(value)


ROUTE_NAMES = (
    "IV",
    "IM",
    "SC",
    "intralesional",
    "intra-articular",
    "intrathecal",
    "intradermal",
    "intraperitoneal",
    "topical",
)

# A route in a protocol file: any listed spelling, stored as its canonical name.
RouteName = Annotated[
    str,
    BeforeValidator(_read_field),
    WithJsonSchema(
        {
            "type": "string",
            # the canonical names of routes.toml (a test checks they agree); celldose also
            # reads the spellings listed there
            "enum": list(ROUTE_NAMES),
            "description": "Route of administration; celldose also reads the spellings of "
            "routes.toml (intravenous, intramuscular, ...).",
        }
    ),
]

__all__ = [
    "ROUTE_NAMES",
    "RouteInfo",
    "RouteName",
    "read_route",
    "route_event",
    "route_info",
    "route_names",
    "route_table",
]
