"""Product logistics: the volume to draw, whole vials, leftovers, viability, a per-dose cap."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from celldose.protocols import (
    OptionError,
    format_exact,
    format_sig,
    parse_amount,
    vial_contradiction,
)
from celldose.protocols import Product as ProtocolProduct
from celldose.simulator.dosing._checks import checks

MAX_VIALS = 1000


@dataclass(frozen=True)
class Product:
    """What is known of the product in hand (from the protocol or the command line)."""

    concentration: float | None = None  # cells per mL
    vial_cells: float | None = None  # cells in one vial
    vial_volume_ml: float | None = None  # mL in one vial
    viability: float | None = None  # fraction of viable cells
    dose_counts_viable: bool = False  # the dose counts viable cells only
    cap_cells: float | None = None  # at most this many cells per dose
    container: str = "vial"  # what one unit of the product is called: vial or bag

    def __post_init__(self) -> None:
        if self.dose_counts_viable and self.viability is None:
            raise OptionError(
                "the dose counts viable cells but the viability is not known",
                "pass viability=0.9",
                fields=("viability",),
            )
        if self.viability is not None and (
            not isinstance(self.viability, int | float)
            or isinstance(self.viability, bool)
            or not 0 < self.viability <= 1  # NaN fails this too
        ):
            given = self.viability
            shown = f"{given:g}" if isinstance(given, float) else repr(given)
            raise OptionError(
                f"viability must be a fraction in (0, 1], not {shown}",
                "write 0.9 for 90%",
                fields=("viability",),
            )
        for name, value, least, unit in (
            ("concentration", self.concentration, "1 cell/mL", "cells/mL"),
            ("vial_cells", self.vial_cells, "1 cell", "cells"),
        ):
            if value is not None and not (math.isfinite(value) and value >= 1):
                # less than one cell in a mL (or a vial) is no cell product: a wrong unit or power
                raise OptionError(
                    f"{name} must be at least {least}, not {format_sig(value)} {unit}",
                    "check the number, its power of ten and its unit",
                    fields=(name,),
                )
        densest = checks()["concentration"]["hard_max_cells_per_ml"]
        if self.concentration is not None and self.concentration > densest:
            raise OptionError(
                f"a concentration of {format_sig(self.concentration)} cells/mL is more than "
                f"cells can be packed ({format_sig(densest)} cells/mL at most)",
                "check the unit: cells/mL, not cells/µL (1 cell/µL = 1000 cells/mL)",
                fields=("concentration",),
            )
        cap = self.cap_cells
        if cap is not None and not (math.isfinite(cap) and cap >= 1 and float(cap).is_integer()):
            # the number as given (1.00000005×10⁷ for 10000000.5, never rounded to 1e+07)
            shown = format_exact(cap) if math.isfinite(cap) and cap != 0 else f"{cap:g}"
            raise OptionError(
                f"a per-dose cap is a whole number of cells (at least 1), not {shown}",
                "write it as a count of cells, e.g. 1e8 cells",
            )

    @property
    def concentration_in_use(self) -> float | None:
        """The concentration given, or, without one, derived from a vial given as both cells
        and mL (cells per vial / vial volume): two of the three determine the third."""
        if self.concentration is not None:
            return self.concentration
        if self.vial_cells and self.vial_volume_ml:
            return self.vial_cells / self.vial_volume_ml
        return None

    @property
    def concentration_derived(self) -> str | None:
        """How a derived concentration was found (``2.5×10⁷ cells per vial / 5 mL``), or None
        when the concentration is given or not known."""
        if self.concentration is not None or self.concentration_in_use is None:
            return None
        assert self.vial_cells is not None and self.vial_volume_ml is not None
        return (
            f"{format_sig(self.vial_cells)} cells per {self.container} / "
            f"{format_sig(self.vial_volume_ml)} mL"
        )

    @property
    def cells_per_vial(self) -> float | None:
        if self.vial_cells is not None:
            return self.vial_cells
        if self.vial_volume_ml is not None:
            if self.concentration is None:
                raise OptionError(
                    "a vial given as a volume needs the concentration to know its cells",
                    "give the concentration (cells/mL), or the vial as a count of cells",
                )
            return self.vial_volume_ml * self.concentration
        return None


def product_in_hand(product: ProtocolProduct) -> Product:
    """The logistics a protocol's product gives (command-line values replace them later)."""
    return Product(
        concentration=product.concentration,
        vial_cells=product.cells_per_vial,
        vial_volume_ml=product.vial_volume,
        viability=product.viability,
        dose_counts_viable=product.dose_counts == "viable cells",
        container=product.container,
    )


@dataclass(frozen=True)
class Draw:
    """What one dose takes from the product."""

    cells_to_draw: float  # total cells drawn (viable cells / viability when the dose is viable)
    volume_ml: float | None
    vials: int | None
    leftover_cells: float | None
    leftover_ml: float | None


def draw(cells: float, product: Product) -> Draw:
    """The cells, volume and whole vials for a dose of ``cells``.

    Vials are whole: each dose opens ceil(cells / cells per vial) vials (a thawed cell product
    is not kept for the next dose), and the leftover is shown.
    """
    to_draw = (
        cells / product.viability if product.dose_counts_viable and product.viability else cells
    )
    volume = _volume(to_draw, product)
    per_vial = product.cells_per_vial
    if per_vial is None:
        return Draw(to_draw, volume, None, None, None)
    ratio = to_draw / per_vial
    if not math.isfinite(ratio) or ratio > MAX_VIALS:
        raise OptionError(
            f"one dose would need more than {MAX_VIALS} vials of {per_vial:g} cells",
            "check the vial and the concentration (a vial is a volume like 3.8 mL or a count "
            "like 25e6 cells)",
        )
    vials = max(1, math.ceil(ratio - 1e-9 * max(1.0, ratio)))
    leftover = vials * per_vial - to_draw
    leftover_ml = _volume(leftover, product)
    return Draw(to_draw, volume, vials, max(leftover, 0.0), leftover_ml)


def _volume(cells: float, product: Product) -> float | None:
    """The mL that hold ``cells`` at the product's concentration (None if it is not known);
    without a concentration, a vial given as both cells and mL gives it (cells / mL)."""
    concentration = product.concentration_in_use
    if not concentration:
        return None
    volume = cells / concentration
    if not math.isfinite(volume):
        raise OptionError(
            f"{format_sig(cells)} cells at {format_sig(concentration)} cells/mL is a "
            "volume out of range",
            "check the concentration and its unit",
        )
    return volume


def _amount(value: object, unit: str, what: str) -> float:
    """An amount read once per text and unit (a list of patients shares its product)."""
    if isinstance(value, str | int | float):
        return _read_amount(value, unit, what)
    return parse_amount(value, unit, what)  # refused there, with its message


@lru_cache(maxsize=256)
def _read_amount(value: str | float, unit: str, what: str) -> float:
    return parse_amount(value, unit, what)


def product_with(
    product: ProtocolProduct,
    *,
    concentration: str | float | None = None,
    vial: str | None = None,
    viability: float | None = None,
    cap: str | float | None = None,
) -> tuple[Product, tuple[str, ...]]:
    """The protocol's product in hand with values the caller gives, and labels saying so.

    ``concentration`` is text such as ``"6.68e6 cells/mL"`` (or a number of cells/mL), ``vial``
    a volume (``"3.8 mL"``) or a cell count (``"2.5e7 cells"``), ``viability`` a fraction (only
    for a protocol whose dose counts viable cells), ``cap`` the most cells per dose.

    >>> from celldose.protocols import load_protocol
    >>> jang = load_protocol("jang2025-canine-itp").product
    >>> inhand, notes = product_with(jang, concentration="6.68e6 cells/mL", vial="3.8 mL")
    >>> inhand.cells_per_vial
    25384000.0
    """
    if viability is not None and product.dose_counts != "viable cells":
        raise OptionError(
            "viability= has no effect: this protocol's dose does not count viable cells",
            "drop viability= (it corrects only doses that count viable cells)",
            fields=("viability",),
        )
    base = product_in_hand(product)
    changes: dict[str, Any] = {}
    notes = []
    if concentration is not None:
        changes["concentration"] = _amount(concentration, "cells/mL", "concentration=")
    if vial is not None:
        if "cell" in str(vial):
            changes.update(vial_cells=_amount(vial, "cells", "vial="), vial_volume_ml=None)
        else:
            changes.update(vial_cells=None, vial_volume_ml=_amount(vial, "mL", "vial="))
            derived = base.concentration_derived
            if concentration is None and derived is not None:
                # the product's cells/mL, derived from its own vial, still hold for another size
                changes["concentration"] = base.concentration_in_use
                notes.append(
                    f"concentration {format_sig(base.concentration_in_use or 0)} cells/mL "
                    f"derived from the protocol's {base.container} ({derived})"
                )
    if viability is not None:
        changes["viability"] = viability
    if cap is not None:
        changes["cap_cells"] = _amount(cap, "cells", "cap=")
    in_hand = replace(base, **changes)  # checks every value before it is shown
    if vial_contradiction(in_hand.concentration, in_hand.vial_cells, in_hand.vial_volume_ml):
        # a concentration given against the protocol's vial, stated as cells and volume
        raise OptionError(
            f"the concentration given ({format_sig(in_hand.concentration or 0)} cells/mL) "
            f"contradicts the protocol's {base.container} of {_vial_words(base, cells_first=True)} "
            f"({format_sig(base.concentration_in_use or 0)} cells/mL)",
            f"give the {base.container} too with vial= (it replaces the protocol's), or leave "
            f"out concentration= to use the protocol's "
            f"{format_sig(base.concentration_in_use or 0)} cells/mL",
            fields=("concentration", "vial"),
        )
    if concentration is not None:  # in the order of the product's facts: then the vial
        notes.append(_given_note("concentration", in_hand.concentration, base.concentration))
    if vial is not None:
        notes.append(_vial_note(base, in_hand))
    if viability is not None:
        notes.append(_given_note("viability", viability, base.viability))
    return in_hand, tuple(notes)


def _given_note(name: str, value: float | None, published: float | None) -> str:
    """``concentration 1×10⁷ cells/mL given with concentration=``, or ``… from concentration=
    replaces the protocol's 6.68×10⁶ cells/mL`` when the protocol gives one."""
    unit = " cells/mL" if name == "concentration" else ""
    shown = f"{format_sig(value or 0)}{unit}"
    if published is None:
        return f"{name} {shown} given with {name}="
    return f"{name} {shown} from {name}= replaces the protocol's {format_sig(published)}{unit}"


def _vial_note(base: Product, in_hand: Product) -> str:
    """``vial 5×10⁷ cells (7.49 mL at 6.68×10⁶ cells/mL) from vial= replaces the protocol's
    vial (3.8 mL, 2.54×10⁷ cells)``; ``vial 3.8 mL given with vial=`` when the protocol has none."""
    container = in_hand.container
    if in_hand.vial_cells is not None:
        shown = f"{format_sig(in_hand.vial_cells)} cells"
        other = _vial_volume(in_hand)
    else:
        volume = in_hand.vial_volume_ml or 0.0
        shown = f"{format_sig(volume)} mL"
        cells = volume * in_hand.concentration if in_hand.concentration else None
        other = None if cells is None else f"{format_sig(cells)} cells"
    words = f"{container} {shown}"
    published = _vial_words(base)
    if published is None:
        return f"{words} given with vial="
    at = f" at {format_sig(in_hand.concentration_in_use or 0)} cells/mL"
    implied = f" ({other}{at})" if other is not None else ""
    return f"{words}{implied} from vial= replaces the protocol's {container} ({published})"


def _vial_volume(product: Product) -> str | None:
    concentration = product.concentration_in_use
    if product.vial_cells is None or not concentration:
        return None
    return f"{format_sig(product.vial_cells / concentration)} mL"


def _vial_words(product: Product, *, cells_first: bool = False) -> str | None:
    """The vial a product states, by volume and cells where both are known: ``3.8 mL,
    2.54×10⁷ cells`` (``cells_first``: ``3×10⁷ cells in 6 mL``); None when it states none."""
    volume = product.vial_volume_ml
    if cells_first and volume is not None and product.vial_cells is not None:
        return f"{format_sig(product.vial_cells)} cells in {format_sig(volume)} mL"
    if volume is None and product.vial_cells is not None:
        computed = _vial_volume(product)
        return f"{format_sig(product.vial_cells)} cells" + (
            f", {computed}" if computed is not None else ""
        )
    if volume is None:
        return None
    cells = product.vial_cells
    if cells is None and product.concentration is not None:
        cells = volume * product.concentration
    return f"{format_sig(volume)} mL" + (f", {format_sig(cells)} cells" if cells else "")
