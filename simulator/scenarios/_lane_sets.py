"""Lanes of many protocols: arm selection and values given for every protocol or for one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias, TypedDict, TypeVar

from celldose.protocols import Arm, Dose, Duration, OptionError, Protocol, load_protocol
from celldose.simulator.dosing import (
    Weight,
    get_species,
    make_patient,
    needs_count,
    needs_dose,
    needs_interval,
)
from celldose.simulator.scenarios._lane_model import Lane
from celldose.simulator.scenarios._lanes import build_lane
from celldose.simulator.scenarios._options import as_count, as_dose, as_duration

ANY = "*"
"""Key of a per-protocol mapping whose value fills every protocol that does not report it."""

V = TypeVar("V")
PerProtocol: TypeAlias = V | Mapping[str, V]


class LaneOptions(TypedDict, total=False):
    """The keyword options of :func:`build_lanes`, which the drawing functions pass on."""

    arms: Sequence[str] | None
    weight: PerProtocol[str | Weight] | None
    height: str | None
    dose: PerProtocol[str | Dose] | None
    count: PerProtocol[int] | None
    interval: PerProtocol[str | Duration] | None
    start: dt.date | None


def _per_protocol(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    return {ANY: value}


def split_assignment(text: str) -> tuple[str, str]:
    """``"jang2025-canine-itp=12kg"`` -> (id, value); ``"12kg"`` -> ("*", value)."""
    key, sep, value = text.partition("=")
    if sep and key.strip() and " " not in key.strip():
        return key.strip(), value.strip()
    return ANY, text.strip()


def build_lanes(
    sources: Sequence[Protocol | str] | Protocol | str,
    *,
    arms: Sequence[str] | None = None,
    weight: PerProtocol[str | Weight] | None = None,
    height: str | None = None,
    dose: PerProtocol[str | Dose] | None = None,
    count: PerProtocol[int] | None = None,
    interval: PerProtocol[str | Duration] | None = None,
    start: dt.date | None = None,
) -> tuple[Lane, ...]:
    """Lanes for every treatment arm of every protocol (library ids, files or Protocols).

    ``arms`` selects arms: ``"expansion-2.0"`` (in every protocol that has it) or
    ``"chen2024-itp-ucmsc:expansion-2.0"``; protocols with no selected arm keep all their
    treatment arms (placebo and control arms have no cells and are left out).

    ``weight``, ``dose``, ``count`` and ``interval`` take one value, or a mapping from protocol
    id to value. A single value (or the key ``"*"``) is used for every protocol that needs it:
    a weight for all of them (a patient of each protocol's species), a dose, count or interval
    only where the source does not report it. A value under a protocol's id is used for that
    protocol as `celldose dose` would use it.

    >>> [lane.arm for lane in build_lanes("chen2024-itp-ucmsc", arms=["expansion-2.0"])]
    ['expansion-2.0']
    """
    if isinstance(sources, Protocol | str):
        sources = [sources]
    protocols = [p if isinstance(p, Protocol) else load_protocol(p) for p in sources]
    if not protocols:
        raise OptionError("no protocol given", "name one or more library ids or files")
    ids = [p.id for p in protocols]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise OptionError(f"protocol {', '.join(repeated)} is given twice", "give it once")
    if isinstance(arms, str):  # one arm, not its letters
        arms = [arms]
    selection = _select_arms(protocols, arms or ())
    values = {
        "weight": _per_protocol(weight),
        "dose": _per_protocol(dose),
        "count": _per_protocol(count),
        "interval": _per_protocol(interval),
    }
    for option, mapping in values.items():
        unknown = sorted(k for k in mapping if k != ANY and k not in ids)
        if unknown:
            raise OptionError(
                f"{option} names {', '.join(unknown)}, which is not among the protocols",
                "use one of: " + ", ".join(ids),
                fields=(option,),
            )
    used: dict[str, bool] = {name: False for name in values}
    lanes: list[Lane] = []
    for protocol in protocols:
        patient = None
        w = values["weight"].get(protocol.id, values["weight"].get(ANY))
        if w is not None:
            used["weight"] = True
            patient = make_patient(get_species(protocol.species), w, height=height)
        for arm in selection[protocol.id]:
            chosen_dose = _choose(
                values["dose"], protocol.id, needs_dose(protocol, arm), used, "dose"
            )
            chosen_count = _choose(values["count"], protocol.id, needs_count(arm), used, "count")
            chosen_interval = _choose(
                values["interval"], protocol.id, needs_interval(arm), used, "interval"
            )
            lanes.append(
                build_lane(
                    protocol,
                    arm.name,
                    patient=patient,
                    dose=as_dose(chosen_dose),
                    count=as_count(chosen_count),
                    interval=as_duration(chosen_interval),
                    start=start,
                )
            )
    for option, mapping in values.items():
        if ANY in mapping and not used[option]:
            what = {"count": "number of doses"}.get(option, option)
            raise OptionError(
                f"every protocol reports its {what}, so {option}={mapping[ANY]} is not used",
                f"drop {option}=, or write ID={mapping[ANY]} to replace one protocol's value",
                fields=(option,),
            )
    return tuple(lanes)


def _choose(
    mapping: Mapping[str, Any], protocol_id: str, needed: bool, used: dict[str, bool], name: str
) -> Any:
    if protocol_id in mapping:
        used[name] = True
        return mapping[protocol_id]
    if needed and ANY in mapping:
        used[name] = True
        return mapping[ANY]
    return None


def _select_arms(protocols: Sequence[Protocol], arms: Sequence[str]) -> dict[str, list[Arm]]:
    chosen: dict[str, list[str]] = {p.id: [] for p in protocols}
    by_id = {p.id: p for p in protocols}
    for text in arms:
        protocol_id, sep, name = text.rpartition(":")
        if sep:
            if protocol_id not in by_id:
                raise OptionError(
                    f"arm {text}: {protocol_id} is not among the protocols",
                    "use one of: " + ", ".join(by_id),
                    fields=("arm",),
                )
            targets = [by_id[protocol_id]]
        else:
            targets = [p for p in protocols if any(a.name == name for a in p.arms)]
            if not targets:
                every = [f"{p.id}:{a.name}" for p in protocols for a in p.arms]
                raise OptionError(
                    f"no protocol has an arm {name!r}", "choose one of: " + ", ".join(every)
                )
        for protocol in targets:
            protocol.arm(name)  # raises with the list of arms when it does not exist
            if name not in chosen[protocol.id]:
                chosen[protocol.id].append(name)
    selection: dict[str, list[Arm]] = {}
    for protocol in protocols:
        names = chosen[protocol.id]
        if names:
            selection[protocol.id] = [a for a in protocol.arms if a.name in names]
        else:
            selection[protocol.id] = [a for a in protocol.arms if not a.gives_no_cells]
    return selection


__all__ = ["ANY", "LaneOptions", "PerProtocol", "build_lanes", "split_assignment"]
