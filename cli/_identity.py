"""`--patient-id`, `--patient-name`, `--owner`, `--clinic` and `--weighed`: who a plan is for.

The flags are read into the library's :class:`PatientIdentity`; every output of `celldose dose`
shows it (the table's header, the JSON ``patient`` object, the CSV's ``id`` column, the
calendar's name and events, the HTML sheet).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import click

from celldose.cli._render import DATE
from celldose.simulator.dosing import PatientIdentity, make_identity

F = TypeVar("F", bound=Callable[..., Any])


def identity_options(func: F) -> F:
    """--patient-id, --patient-name, --owner, --clinic, --weighed."""
    for decorator in reversed(
        [
            click.option(
                "--patient-id",
                default=None,
                help="The patient's record number at the clinic (names the calendar's events).",
            ),
            click.option("--patient-name", default=None, help="The patient's name: Rex."),
            click.option("--owner", default=None, help="The owner's name (animals)."),
            click.option("--clinic", default=None, help="The clinic or hospital, for the header."),
            click.option(
                "--weighed",
                type=DATE,
                default=None,
                help="Date the weight was taken, YYYY-MM-DD (flagged when more than 7 days "
                "before the first dose).",
            ),
        ]
    ):
        func = decorator(func)
    return func


def build_identity(
    patient_id: str | None,
    patient_name: str | None,
    owner: str | None,
    clinic: str | None,
    weighed: dt.date | None,
) -> PatientIdentity:
    return make_identity(
        patient_id, patient_name=patient_name, owner=owner, clinic=clinic, weighed=weighed
    )


def identity_lines(identity: PatientIdentity) -> list[str]:
    """``clinic: …`` and ``owner: …`` lines for a header (none when not given)."""
    lines = []
    if identity.clinic is not None:
        lines.append(f"clinic: {identity.clinic}")
    if identity.owner is not None:
        lines.append(f"owner: {identity.owner}")
    return lines


def who(identity: PatientIdentity) -> str:
    """The header's patient words before the species: ``Rex (rex-01), `` or nothing."""
    return "" if identity.label is None else f"{identity.label}, "
