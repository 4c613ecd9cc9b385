"""Command-line inputs shared by `dose`, `simulate`, `plot` and `compare`.

Options are read into library objects here (protocol, patient, product, dose options); every
refusal is a CelldoseError with a hint, so the CLI prints one line and exits 2.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Callable, Collection, Sequence
from typing import Any, BinaryIO, TypeVar, cast

import click

from celldose.cli._complete import (
    complete_arm,
    complete_protocol,
    complete_route,
    complete_species,
)
from celldose.cli._envelope import STDIN_KEY
from celldose.cli._render import DATE, FRACTION
from celldose.protocols import (
    OptionError,
    Protocol,
    load_protocol,
    protocol_from_regimen,
)
from celldose.simulator.dosing import (
    DoseOptions,
    Patient,
    get_species,
    make_patient,
    product_with,
    species_names,
)

F = TypeVar("F", bound=Callable[..., Any])


def target_options(func: F) -> F:
    """PROTOCOL argument (optional; ``-`` reads standard input) or --regimen, and --arm,
    --species, --cross-species."""
    for decorator in reversed(
        [
            click.argument("protocol", required=False, shell_complete=complete_protocol),
            click.option(
                "--regimen",
                default=None,
                help='A one-line regimen instead of a protocol: "1×10⁶ cells/kg q21d ×3".',
            ),
            click.option(
                "--arm",
                default=None,
                shell_complete=complete_arm,
                help="Arm of the protocol (when it has several).",
            ),
            click.option(
                "--species",
                default=None,
                shell_complete=complete_species,
                help="Patient species (default: the protocol's). Ids: "
                + ", ".join(species_names()),
            ),
            click.option(
                "--cross-species",
                is_flag=True,
                help="Allow a patient of another species than the protocol's (labelled).",
            ),
        ]
    ):
        func = decorator(func)
    return func


def patient_options(
    *,
    weight_required: bool = True,
    weight_help: str = "Body weight with a unit: 12kg, 26.5lb, 950g.",
) -> Callable[[F], F]:
    """--weight, --height and --bsa-formula."""

    def apply(func: F) -> F:
        for decorator in reversed(
            [
                click.option("--weight", required=weight_required, help=weight_help),
                click.option(
                    "--height", default=None, help="Height (humans, for per-m² doses): 170cm."
                ),
                click.option(
                    "--bsa-formula",
                    type=click.Choice(["mosteller", "dubois"]),
                    default="mosteller",
                    show_default=True,
                    help="Human BSA formula.",
                ),
            ]
        ):
            func = decorator(func)
        return func

    return apply


def dosing_options(func: F) -> F:
    for decorator in reversed(
        [
            click.option(
                "--start", type=DATE, default=None, help="Date of the first dose, YYYY-MM-DD."
            ),
            click.option(
                "--dose",
                "dose_text",
                default=None,
                help="Dose per administration: needed when the source does not report it; replaces "
                "a published dose (labelled), or picks a target within a published range "
                '(1–2×10⁶ cells/kg). E.g. "1×10⁶ cells/kg".',
            ),
            click.option(
                "--override-range",
                is_flag=True,
                default=False,
                help="Allow a --dose outside the published dose range (labelled on every output).",
            ),
            click.option(
                "--count",
                type=int,
                default=None,
                help="Number of doses, when the source does not report it.",
            ),
            click.option(
                "--interval",
                default=None,
                help='Interval between doses, when the source does not report it: "2 weeks".',
            ),
            click.option(
                "--scale",
                type=click.Choice(["none", "bsa"]),
                default="none",
                show_default=True,
                help="Cross-species scaling by FDA Km (labelled); default: the per-kg dose.",
            ),
            click.option(
                "--concentration", default=None, help='Product concentration: "6.68e6 cells/mL".'
            ),
            click.option(
                "--vial", default=None, help='One vial: a volume "3.8 mL" or a count "25e6 cells".'
            ),
            click.option(
                "--viability",
                type=FRACTION,
                default=None,
                help="Viable fraction (0.92 or 92%), for products dosed in viable cells.",
            ),
            click.option(
                "--cap", default=None, help='At most this many cells per dose: "1e8 cells".'
            ),
            click.option(
                "--route",
                default=None,
                shell_complete=complete_route,
                help="Route of administration (IV, IM, SC, intralesional, ...), when the source "
                "does not report it.",
            ),
            click.option(
                "--weekends",
                type=click.Choice(["show", "next-weekday"]),
                default="show",
                show_default=True,
                help="Weekend dates: flag them, or move them to Monday.",
            ),
        ]
    ):
        func = decorator(func)
    return func


schedule_option = click.option(
    "--schedule",
    type=click.Choice(["min", "max"]),
    default=None,
    help="For a frequency or interval range: keep one schedule. min is the least dosing (once "
    "or twice weekly: once; every 3 to 6 months: every 6), max the most.",
)


def load_target(protocol: str | None, regimen: str | None, species: str | None) -> Protocol:
    """The protocol named on the command line, or a one-arm protocol around --regimen."""
    if protocol and regimen:
        raise OptionError("give a PROTOCOL or --regimen, not both", "drop one of them")
    if regimen:
        if not species:
            raise OptionError(
                "--regimen needs the species", "add --species dog (or cat, human, ...)"
            )
        return protocol_from_regimen(regimen, get_species(species).id)
    if not protocol:
        raise OptionError(
            "no protocol given", "name a library id (celldose list), a YAML file, or --regimen"
        )
    return read_protocol(protocol, known_species=species_names())


STDIN = "-"  # a protocol read from standard input, named <stdin> in messages


def read_protocol(source: str, *, known_species: Collection[str] | None = None) -> Protocol:
    """The protocol a command line names: a library id, a YAML file, or ``-`` (standard input,
    read as a file is: at most 1 MB of UTF-8)."""
    if source == STDIN:
        return load_protocol(
            cast(BinaryIO, _Recorded(sys.stdin.buffer)), known_species=known_species
        )
    return load_protocol(source, known_species=known_species)


class _Recorded(io.RawIOBase):
    """Standard input, read once, its bytes kept for the JSON's provenance (SHA-256)."""

    name = "<stdin>"

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream
        self._data = bytearray()
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            ctx.meta[STDIN_KEY] = self._data

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        chunk = self._stream.read(-1 if size is None else size)
        self._data += chunk
        return chunk


def roster_input(roster: str) -> str | BinaryIO:
    """The roster a command line names: a CSV file, or ``-`` (standard input, named <stdin>)."""
    return cast(BinaryIO, _Stdin()) if roster == STDIN else roster


class _Stdin:
    """Standard input as the roster reader reads a stream, named as messages name it."""

    name = "<stdin>"

    def read(self, size: int = -1) -> bytes:
        return sys.stdin.buffer.read(size)


def refuse_stdin_twice(sources: Sequence[str]) -> None:
    """Standard input can be read once: ``-`` named twice is refused before any is read."""
    if list(sources).count(STDIN) > 1:
        raise OptionError(
            "- (standard input) is given more than once", "give - once; name the others as files"
        )


def build_patient(
    protocol: Protocol, weight: str, species: str | None, height: str | None, bsa_formula: str
) -> Patient:
    chosen = get_species(species or protocol.species)
    return make_patient(
        chosen,
        weight,
        height=height,
        human_bsa="dubois" if bsa_formula == "dubois" else "mosteller",
    )


def build_options(
    protocol: Protocol,
    *,
    dose_text: str | None,
    count: int | None,
    interval: str | None,
    scale: str,
    start: dt.date | None,
    concentration: str | None,
    vial: str | None,
    viability: float | None,
    cap: str | None,
    weekends: str,
    cross_species: bool,
    override_range: bool = False,
    route: str | None = None,
) -> DoseOptions:
    product, notes = product_with(
        protocol.product, concentration=concentration, vial=vial, viability=viability, cap=cap
    )
    return DoseOptions(
        dose=dose_text,
        count=count,
        interval=interval,
        scale="bsa" if scale == "bsa" else "none",
        start=start,
        weekends="next-weekday" if weekends == "next-weekday" else "show",
        product=product,
        cross_species=cross_species,
        notes=notes,
        override_range=override_range,
        route=route,
    )
