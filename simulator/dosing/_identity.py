"""Who a plan is for: the patient's id and name, the owner, the clinic, and the date the weight
was taken; and the stable key that names one patient's course in calendars.

A :class:`PatientIdentity` is optional data the plan carries (``plan.identity``) and every output
shows; it changes no dose. A weight taken more than ``max_age_days`` (``checks.toml``, 7) before
the first dose is flagged on the plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from celldose.protocols import PatientError, refuse_control_characters
from celldose.simulator.dosing._checks import checks

if TYPE_CHECKING:
    from celldose.simulator.dosing._records import DosePlan

MAX_IDENTITY_TEXT = 200  # characters of an id, a name, an owner or a clinic

# each text field and its argument (make_identity's, and the command line's flag)
_LINE_CHARACTERS = {"\n": "a line break", "\t": "a tab"}  # allowed in notes, not in one line
_FIELDS = {"id": "patient_id", "name": "patient_name", "owner": "owner", "clinic": "clinic"}


def one_line(value: object, argument: str, label: str | None = None) -> str:
    """``value`` if it is one line of text of at most :data:`MAX_IDENTITY_TEXT` characters
    without control characters (an id, a name, a lot number); else a PatientError naming
    ``argument`` (as ``argument=``, or as ``label`` when given: ``the name`` of a roster line).

    >>> one_line("Rex II", "patient_name")
    'Rex II'
    """
    shown = label or f"{argument}="
    fields = () if label else (argument,)
    if not isinstance(value, str):
        raise PatientError(
            f"{shown} must be text, not {type(value).__name__} {value!r}", fields=fields
        )
    if not value.strip():
        raise PatientError(f"{shown} is empty", "give it, or leave it out", fields=fields)
    if len(value) > MAX_IDENTITY_TEXT:
        raise PatientError(
            f"{shown} is {len(value):,} characters long, more than {MAX_IDENTITY_TEXT}",
            "shorten it",
            fields=fields,
        )
    breaks = [i for i, c in enumerate(value, start=1) if c in _LINE_CHARACTERS]
    if breaks:
        raise PatientError(
            f"{shown} has {_LINE_CHARACTERS[value[breaks[0] - 1]]} at character {breaks[0]}",
            "write it on one line",
            fields=fields,
        )
    try:
        refuse_control_characters(value)
    except ValueError as exc:
        reason = str(exc).removeprefix("the text ").removesuffix(": remove it")
        raise PatientError(f"{shown} {reason}", "remove it", fields=fields) from None
    return value


@dataclass(frozen=True)
class PatientIdentity:
    """The patient's ``id`` (a clinic's record number), ``name``, ``owner``, ``clinic`` and the
    date the weight was taken (``weighed``); each optional. Text is one line of at most
    :data:`MAX_IDENTITY_TEXT` characters, without control characters.

    >>> PatientIdentity(id="rex-01", name="Rex").label
    'Rex (rex-01)'
    """

    id: str | None = None
    name: str | None = None
    owner: str | None = None
    clinic: str | None = None
    weighed: dt.date | None = None

    def __post_init__(self) -> None:
        for name, argument in _FIELDS.items():
            value = getattr(self, name)
            if value is not None:
                one_line(value, argument)
        if self.weighed is not None and not isinstance(self.weighed, dt.date):
            raise PatientError(
                f"weighed must be a date, not {type(self.weighed).__name__} {self.weighed!r}",
                'pass weighed="YYYY-MM-DD"',
                fields=("weighed",),
            )

    @property
    def label(self) -> str | None:
        """``Rex (rex-01)``, ``rex-01`` or ``Rex``; None without an id or a name."""
        if self.name and self.id:
            return f"{self.name} ({self.id})"
        return self.name or self.id

    @property
    def empty(self) -> bool:
        return all(getattr(self, name) is None for name in (*_FIELDS, "weighed"))

    def to_dict(self) -> dict[str, Any]:
        """``id``, ``name``, ``owner``, ``clinic`` and ``weighed`` (ISO date), each or null."""
        data: dict[str, Any] = {name: getattr(self, name) for name in _FIELDS}
        data["weighed"] = None if self.weighed is None else self.weighed.isoformat()
        return data


def make_identity(
    patient_id: str | None = None,
    *,
    patient_name: str | None = None,
    owner: str | None = None,
    clinic: str | None = None,
    weighed: str | dt.date | None = None,
) -> PatientIdentity:
    """A :class:`PatientIdentity` from the text a user types (``weighed="2026-01-02"``).

    >>> make_identity("rex-01", weighed="2026-01-02").weighed
    datetime.date(2026, 1, 2)
    """
    if isinstance(weighed, str):
        try:
            weighed = dt.date.fromisoformat(weighed)
        except ValueError:
            raise PatientError(
                f"weighed={weighed!r} is not a date",
                "write it as YYYY-MM-DD, e.g. 2026-12-01",
                fields=("weighed",),
            ) from None
    return PatientIdentity(
        id=patient_id, name=patient_name, owner=owner, clinic=clinic, weighed=weighed
    )


def weight_age_warnings(identity: PatientIdentity, first: dt.date | None) -> list[str]:
    """The warning of a weight taken more than ``max_age_days`` before the first dose, or after
    it; none without both dates."""
    if identity.weighed is None or first is None:
        return []
    most = int(checks()["weight"]["max_age_days"])
    age = (first - identity.weighed).days
    weighed = identity.weighed.isoformat()
    if age > most:
        return [
            f"the weight was taken on {weighed}, {age} days before the first dose "
            f"({first.isoformat()}; more than {most}): weigh the patient again and recompute"
        ]
    if age < 0:
        return [
            f"the weight was taken on {weighed}, {-age} day{'s' if age < -1 else ''} after the "
            f"first dose ({first.isoformat()}): check the date given with weighed="
        ]
    return []


def with_identity(
    plan: DosePlan, identity: PatientIdentity | None, notes: tuple[str, ...] | list[str] = ()
) -> DosePlan:
    """``plan`` for this patient: it carries the identity, the warning of an old weight (first
    among the warnings), and ``notes``: which of its warnings only label a value given by the
    caller (a concentration, a count the source does not report), not a problem."""
    identity = identity if identity is not None else PatientIdentity()
    if not isinstance(identity, PatientIdentity):
        raise PatientError(
            f"identity must be a PatientIdentity, not {type(identity).__name__} {identity!r}",
            'pass identity=make_identity("rex-01", patient_name="Rex")',
            fields=("identity",),
        )
    first = plan.doses[0].date if plan.doses else None
    aged = weight_age_warnings(identity, first)
    labels = tuple(n for n in dict.fromkeys(notes) if n in plan.warnings)
    return replace(plan, identity=identity, warnings=(*aged, *plan.warnings), notes=labels)


def course_key(plan: DosePlan) -> str:
    """What names this patient's course in a calendar's event UIDs.

    With a patient id: the id, percent-encoded (``rex-01``, ``Bella%20B``), so two patients have
    two keys. Without one: ``c`` and 12 hex digits of the SHA-256 of the species, the weight in
    kg, the planned first date (before a weekend move), the protocol and the arm, so two weights
    or two starts give two keys and a re-export the same one.

    >>> from celldose.simulator.dosing import plan_doses
    >>> course_key(plan_doses("jang2025-canine-itp", weight="12 kg", dose="1e6 cells/kg",
    ...     identity=make_identity("rex 01")))
    'rex%2001'
    """
    import hashlib  # loaded for calendars only
    from urllib.parse import quote

    if plan.identity.id is not None:
        return quote(plan.identity.id, safe="-._~")
    first = plan.doses[0] if plan.doses else None
    start = None if first is None else (first.moved_from or first.date)
    parts = (
        plan.patient.species.id,
        repr(plan.patient.weight_kg),
        "" if start is None else start.isoformat(),
        plan.protocol_id,
        plan.arm,
    )
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return "c" + digest[:12]


__all__ = [
    "MAX_IDENTITY_TEXT",
    "one_line",
    "PatientIdentity",
    "course_key",
    "make_identity",
    "weight_age_warnings",
    "with_identity",
]
