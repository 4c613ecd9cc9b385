"""The route and the administration facts of a dose plan: :func:`plan_route` and
:func:`check_spacing`.

A plan's route is the protocol's; where the protocol does not report it, ``route=`` gives it
(labelled on the plan), and a ``route=`` that contradicts the protocol's route is refused: the
route is never defaulted and never silently replaced. The administration's minimum spacing is
checked on the doses as planned (after any weekend move): two doses closer than it are refused,
naming them, since a dose plan is what a clinic follows (what-if delays that break it are
refused too, by ``celldose.simulator.scenarios``).
"""

from __future__ import annotations

from collections.abc import Sequence

from celldose.protocols import (
    NOT_REPORTED,
    Administration,
    OptionError,
    Protocol,
    plural,
    read_route,
)
from celldose.simulator.dosing._schedule import DoseRecord


def plan_route(protocol: Protocol, route: str | None) -> tuple[str, list[str]]:
    """The plan's route (a canonical name or ``not reported``) and the labels it needs.

    >>> from celldose.protocols import protocol_from_regimen
    >>> plan_route(protocol_from_regimen("1e6 cells/kg weekly ×4", "dog"), "intramuscular")
    ('IM', ['route IM given with route= (the source does not report it)'])
    """
    if route is None:
        return protocol.route, []
    name = read_route(route)
    if protocol.route == NOT_REPORTED:
        return name, [f"route {name} given with route= (the source does not report it)"]
    if name != protocol.route:
        raise OptionError(
            f"protocol {protocol.id} gives the route {protocol.route}, not {name}",
            "leave route= out: it gives a route only where the source does not report one",
            fields=("route",),
        )
    return name, []


def spacing_problems(
    doses: Sequence[DoseRecord], administration: Administration
) -> list[tuple[DoseRecord, DoseRecord, int]]:
    """Consecutive doses closer than the administration's minimum spacing: (a, b, days apart).

    Doses without a day (calendar months without a start date) are not compared.
    """
    need = administration.min_spacing_days
    if need is None:
        return []
    out = []
    for a, b in zip(doses, doses[1:], strict=False):
        if a.day is None or b.day is None:
            continue
        if b.day - a.day < need:
            out.append((a, b, b.day - a.day))
    return out


def spacing_text(a: DoseRecord, b: DoseRecord, gap: int, need: int) -> str:
    """``doses 3 and 4 are 2 days apart (2026-01-09, 2026-01-11); the minimum is 3 days``."""
    dates = ""
    if a.date is not None and b.date is not None:
        dates = f" ({a.date.isoformat()}, {b.date.isoformat()})"
    return (
        f"doses {a.number} and {b.number} are {plural(gap, 'day')} apart{dates}; "
        f"the minimum spacing is {plural(need, 'day')}"
    )


def check_spacing(
    doses: Sequence[DoseRecord], administration: Administration, context: str
) -> None:
    """Refuse a plan whose consecutive doses fall closer than the minimum spacing."""
    problems = spacing_problems(doses, administration)
    if problems:
        a, b, gap = problems[0]
        need = administration.min_spacing_days
        assert need is not None
        raise OptionError(
            f"{spacing_text(a, b, gap, need)} {context}",
            "the protocol's administration asks for it: check interval=, start= and weekends=",
            fields=("interval", "start", "weekends"),
        )


__all__ = ["check_spacing", "plan_route", "spacing_problems", "spacing_text"]
