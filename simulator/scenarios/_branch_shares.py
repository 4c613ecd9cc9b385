"""Which virtual patients enter each branch of a decision (conditional phases after an
assessment), and with what share.

Each branch's share is a probability per patient: given with ``branch_share`` (``{"name": 0.41}``,
``"name=0.41"`` or a list of such texts), else the share the protocol file reports for it
(``share: {k: 22, n: 54}``, labelled "share from the source: 22/54"); a given share that
replaces a reported one says so ("replaces the share from the source 22/54"). A branch with
neither is refused, naming the branch and the argument: a share is never assumed. The shares add
up to at most 1; the rest of the patients take no branch. Each patient draws once, from its own
random stream (so adding branches does not change the weights, missed doses or delays drawn).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celldose.protocols import OptionError, read_fraction
from celldose.simulator.dosing import DosePlan

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

BranchShares = Mapping[str, float] | str | Sequence[str]


@dataclass(frozen=True)
class BranchShare:
    """One branch in a cohort: its share of patients, where the share comes from, and how many
    virtual patients were drawn into it."""

    name: str
    condition: str
    share: float
    source: str  # "given" (branch_share=) or "source" (the protocol file)
    label: str  # "share from the source: 22/54 (...)" or "share 0.41, given with branch_share="
    patients: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "condition": self.condition,
            "share": self.share,
            "share_source": self.source,
            "label": self.label,
            "patients": self.patients,
        }


def _share_number(text: str, number: str) -> float:
    """A share as a person writes it: ``0.41`` or ``41%`` (see :func:`read_fraction`)."""
    value = read_fraction(number)
    if value is None:
        raise OptionError(
            f"branch_share {text!r}: {number!r} is not a share",
            'write a share from 0 to 1 or a percentage, e.g. "partial-response=0.41" or '
            '"partial-response=41%"',
            fields=("branch_share",),
        )
    return value


def read_branch_shares(value: BranchShares | None) -> dict[str, float]:
    """``{"name": 0.41}``, ``"name=0.41"``, ``"name=41%"`` or ``["a=0.4", "b=0.1"]`` as a dict
    of floats."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        items = list(value.items())
    else:
        texts = [value] if isinstance(value, str) else list(value)
        items = []
        for text in texts:
            name, sep, number = str(text).partition("=")
            if not sep or not name.strip():
                raise OptionError(
                    f"branch_share {text!r} is not NAME=SHARE",
                    'write the branch and its share of patients, e.g. "partial-response=0.41"',
                    fields=("branch_share",),
                )
            items.append((name.strip(), _share_number(str(text), number.strip())))
    shares: dict[str, float] = {}
    for name, share in items:
        numeric = isinstance(share, int | float) and not isinstance(share, bool)
        if not numeric or not (math.isfinite(share) and 0 <= share <= 1):
            raise OptionError(
                f"the share of branch {name} is a probability from 0 to 1, not {share!r}",
                "write 0.41 for 41%",
                fields=("branch_share",),
            )
        if name in shares:
            raise OptionError(f"branch_share gives branch {name} twice", fields=("branch_share",))
        shares[name] = float(share)
    return shares


def branch_shares(plan: DosePlan, given: BranchShares | None) -> tuple[BranchShare, ...]:
    """Each branch of ``plan`` with its share: given, or reported by the source; else refused."""
    shares = read_branch_shares(given)
    names = [b.name for b in plan.branches]
    where = f"{plan.protocol_id} arm {plan.arm}"
    if shares and not names:
        raise OptionError(
            f"{where} has no decision, so no branches to share patients among",
            "drop branch_share=",
            fields=("branch_share",),
        )
    unknown = [n for n in shares if n not in names]
    if unknown:
        raise OptionError(
            f"{where} has no branch {unknown[0]!r}",
            "choose one of: " + ", ".join(names),
            fields=("branch_share",),
        )
    out = []
    for branch in plan.branches:
        if branch.name in shares:
            share = shares[branch.name]
            label = f"share {share:g}, given with branch_share="
            if branch.share is not None:  # flagged: it replaces what the source reports
                s = branch.share
                label += f", replaces the share from the source {s.k}/{s.n}"
                label += f" ({s.source})" if s.source else ""
            out.append(BranchShare(branch.name, branch.condition, share, "given", label))
        elif branch.share is not None:
            s = branch.share
            source = f" ({s.source})" if s.source else ""
            out.append(
                BranchShare(
                    branch.name,
                    branch.condition,
                    s.fraction,
                    "source",
                    f"share from the source: {s.k}/{s.n}{source}",
                )
            )
        else:
            raise OptionError(
                f"the source does not report the share of patients who enter branch "
                f"{branch.name} ({where}, if {branch.condition})",
                f'pass branch_share="{branch.name}=<0 to 1>"',
                fields=("branch_share",),
            )
    total = sum(b.share for b in out)
    if total > 1 + 1e-12:
        listed = ", ".join(f"{b.name} {b.share:g}" for b in out)
        raise OptionError(
            f"the branches' shares add up to {total:g}, more than all patients ({listed})",
            "each patient enters at most one branch: the shares add up to at most 1",
            fields=("branch_share",),
        )
    return tuple(out)


def draw_branches(
    rng: np.random.Generator, n: int, shares: Sequence[float]
) -> npt.NDArray[np.int32]:
    """Each of ``n`` patients' branch: an index into ``shares``, or -1 for none."""
    import numpy as np

    edges = np.cumsum(np.asarray(shares, dtype=np.float64))
    entry = np.searchsorted(edges, rng.random(n), side="right").astype(np.int32)
    entry[entry >= len(shares)] = -1
    return entry


__all__ = ["BranchShare", "BranchShares", "branch_shares", "draw_branches", "read_branch_shares"]
