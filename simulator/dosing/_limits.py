"""Applying dose limits inside the one dose rule: per dose, per course, and the dosing weight cap.

The limits are the protocol's, the arm's and the regimen's (see ``protocols/_limits.py``), and a
per-dose cap given with ``cap=`` (a ``max per dose`` with action ``cap``). For each dose, in this
order:

1. the dosing weight: a per-kg dose is computed on min(weight, cap) (``cap``), or the plan is
   refused when the patient weighs more (``refuse``); per-m² and flat doses are not changed;
2. per dose: the dose is reduced to the smallest ``cap`` maximum; then a ``refuse`` maximum the
   (capped) dose still exceeds refuses the plan, saying by how much;
3. per course: counted over the doses given, in order (a chosen branch's doses count too). A
   ``cap`` reduces the dose that would take the total past the maximum so that the total equals
   it; the doses after it are stopped by the limit (listed as stopped, never dropped silently).
   A ``refuse`` maximum refuses the plan at the dose that passes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celldose.protocols import Limit, OptionError, Protocol, format_sig

if TYPE_CHECKING:
    from celldose.simulator.dosing._schedule import Schedule


def _cells(value: float) -> str:
    return f"{format_sig(value)} {'cell' if value == 1 else 'cells'}"


def _over(value: float, limit: float, unit: str) -> str:
    """``by 4×10⁷ cells (20%)``."""
    excess = value - limit
    amount = f"{format_sig(excess)} {unit}" if unit == "kg" else _cells(excess)
    return f"by {amount} ({format_sig(100 * excess / limit)}%)"


@dataclass(frozen=True)
class StoppedDose:
    """A planned dose not given because the course reached its maximum."""

    number: int
    phase: int
    day: int | None
    date: str | None  # ISO date
    branch: str | None
    reason: str  # "max per course 3×10⁸ cells reached"

    def record(self) -> dict[str, object]:
        return {
            "number": self.number,
            "phase": self.phase,
            "day": self.day,
            "date": self.date,
            "branch": self.branch,
            "stopped_by": self.reason,
        }


@dataclass(frozen=True)
class LimitedDose:
    """The cells of one dose after its limits: ``capped_by`` names the limit that reduced it
    (``max per dose``, ``max per course``), ``note`` the label every output shows, ``stopped``
    says the course maximum was already reached (the dose is not given)."""

    cells: float
    capped_by: str | None = None
    note: str | None = None
    stopped: bool = False


@dataclass(frozen=True)
class DoseLimits:
    """The limits that apply to one plan, and ``cap_cells``: the per-dose cap given with
    ``cap=`` (a max per dose with action cap, labelled as ``cap=``)."""

    limits: tuple[Limit, ...] = ()
    cap_cells: float | None = None  # cap= (a max per dose with action cap)

    @property
    def refuses(self) -> bool:
        """Whether any limit refuses."""
        return any(x.action == "refuse" for x in self.limits)

    def without_refusals(self) -> DoseLimits:
        """These limits without the ones that refuse (an optional branch, shown anyway)."""
        return DoseLimits(tuple(x for x in self.limits if x.action == "cap"), self.cap_cells)

    def _limits_of(self, kind: str, action: str) -> list[Limit]:
        return [x for x in self.limits if x.kind == kind and x.action == action]

    def _of(self, kind: str, action: str) -> list[float]:
        return [x.value for x in self.limits if x.kind == kind and x.action == action]

    @property
    def per_dose_cap(self) -> float | None:
        caps = self._of("max per dose", "cap") + (
            [self.cap_cells] if self.cap_cells is not None else []
        )
        return min(caps) if caps else None

    @property
    def course_cap(self) -> float | None:
        caps = self._of("max per course", "cap")
        return min(caps) if caps else None

    @property
    def weight_cap(self) -> float | None:
        caps = self._of("dose weight", "cap")
        return min(caps) if caps else None

    def dosing_weight(self, weight_kg: float, weight_text: str) -> tuple[float, str | None]:
        """The weight per-kg doses are computed on, and its label (None: the patient's)."""
        for limit in self._limits_of("dose weight", "refuse"):
            most = limit.value
            if weight_kg > most:
                raise OptionError(
                    f"the patient weighs {weight_text}, over the dose weight limit of "
                    f"{limit.weight_text} {_over(weight_kg, most, 'kg')}, and the protocol "
                    "refuses such a dose",
                    "check the weight, or dose this patient by another protocol",
                    fields=("limits",),
                )
        caps = self._limits_of("dose weight", "cap")
        if caps:
            limit = min(caps, key=lambda x: x.value)
            cap = limit.value
            if weight_kg > cap:
                cap_text = (
                    "weight cap"
                    if limit.weight_text == limit.amount_text
                    else (f"weight cap {limit.amount_text}")
                )
                return cap, (
                    f"dosed at {format_sig(cap, 4)} kg ({cap_text}); patient weighs {weight_text}"
                )
        return weight_kg, None

    def check_whole(self, cells: float, whole_text: str, context: str) -> None:
        """Refuse a cap below a whole-container dose: the dose is the whole content of its
        containers, so a smaller dose would leave part of them unused without saying so."""
        cap = self.per_dose_cap
        if cap is None or cells <= cap * (1 + 1e-12):
            return
        given = cap not in self._of("max per dose", "cap")
        source = "cap=" if given else f"the protocol's max per dose of {_cells(cap)} (cap)"
        what = f"cap={format_sig(cap)} cells" if given else source
        raise OptionError(
            f"the dose {context} is {whole_text} ({_cells(cells)}), and {what} would cut it "
            f"short by {_cells(cells - cap)}: a whole-container dose cannot be capped",
            'drop cap=, or dose by cells rather than whole containers with dose="<amount> cells"'
            if given
            else 'dose by cells rather than whole containers with dose="<amount> cells", or check '
            "the protocol's limits and containers",
            fields=("cap",) if given else ("limits",),
        )

    def limit_dose(
        self,
        number: int,
        cells: float,
        before: float,
        *,
        low: float | None = None,
        before_low: float | None = None,
    ) -> LimitedDose:
        """The cells of dose ``number`` (``cells`` as computed) after the per-dose and per-course
        limits, ``before`` cells having been given in the course.

        For a dose range, ``cells`` is its upper bound and ``low`` its lower bound (``before_low``
        the course so far at the lower bounds): a ``refuse`` max per dose refuses only when the
        lower bound passes it; when only the upper bound does, the upper bound is limited to the
        maximum (the part of the range the protocol allows), labelled. A ``refuse`` max per
        course that only the upper bounds pass is refused with a hint to choose a dose within
        the range (which part of each dose to give up is the prescriber's choice).
        """
        capped_by = note = None
        cap = self.per_dose_cap
        if cap is not None and cells > cap:
            cells = cap
            capped_by = "max per dose"
            source = "max per dose" if cap in self._of("max per dose", "cap") else "cap="
            note = f"capped at {_cells(cap)} ({source})"
        for most in self._of("max per dose", "refuse"):
            if low is not None and low <= most < cells:
                cells = most
                capped_by = "max per dose"
                note = f"range limited to {_cells(most)} (max per dose; more is refused)"
            elif cells > most:
                raise OptionError(
                    f"dose {number} ({_cells(cells)}) is over the max per dose of {_cells(most)} "
                    f"{_over(cells, most, 'cells')}, and the protocol refuses such a dose",
                    "check the weight and the dose, or give a smaller dose=",
                    fields=("limits",),
                )
        for most in self._of("max per course", "refuse"):
            if (
                low is not None
                and before_low is not None
                and before + cells > most >= before_low + low
            ):
                raise OptionError(
                    f"at the upper bound of its range, dose {number} takes the course to "
                    f"{_cells(before + cells)}, over the max per course of {_cells(most)} "
                    f"{_over(before + cells, most, 'cells')}, which the protocol refuses; at the "
                    f"lower bound the course so far is {_cells(before_low + low)}",
                    "choose a dose within the range with dose= so that the course stays "
                    "within its maximum",
                    fields=("limits", "dose"),
                )
            if before + cells > most:
                raise OptionError(
                    f"dose {number} takes the course to {_cells(before + cells)}, over the max "
                    f"per course of {_cells(most)} {_over(before + cells, most, 'cells')}, and "
                    "the protocol refuses such a course",
                    "check the dose and the number of doses, or give a smaller dose= or count=",
                    fields=("limits",),
                )
        course = self.course_cap
        if course is not None and before + cells > course:
            left = course - before
            reached = f"max per course {_cells(course)} reached"
            if left < 1:
                return LimitedDose(0.0, "max per course", f"stopped: {reached}", stopped=True)
            return LimitedDose(left, "max per course", f"capped at {_cells(left)} ({reached})")
        return LimitedDose(cells, capped_by, note)


def without_course_caps(protocol: Protocol) -> Protocol:
    """``protocol`` without its ``max per course`` limits of action cap, at every level: the
    course a cohort's engine expands in full before it applies the course maximum itself,
    patient by patient, over the doses each receives."""

    def keep(limits: Sequence[Limit]) -> tuple[Limit, ...]:
        return tuple(x for x in limits if not (x.kind == "max per course" and x.action == "cap"))

    arms = tuple(
        arm.model_copy(
            update={
                "limits": keep(arm.limits),
                "regimen": arm.regimen.model_copy(update={"limits": keep(arm.regimen.limits)}),
            }
        )
        for arm in protocol.arms
    )
    return protocol.model_copy(update={"limits": keep(protocol.limits), "arms": arms})


def dose_limits(limits: Sequence[Limit], cap_cells: float | None) -> DoseLimits:
    """The :class:`DoseLimits` of a plan: its merged limits and the ``cap=`` value."""
    return DoseLimits(tuple(limits), cap_cells)


def _numbers(numbers: Sequence[int]) -> str:
    """``dose 3`` or ``doses 1–4, 7`` (an en dash, as in the rounding labels)."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    text = ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
    return f"dose{'s' if len(set(numbers)) > 1 else ''} {text}"


def limit_notes(
    schedules: Sequence[Schedule], weight_note: str | None, cap_cells: float | None
) -> list[str]:
    """The plan's warnings about its limits: which doses were capped, at what, and by which
    limit; the dosing weight; the doses stopped by the course maximum."""
    out = [] if weight_note is None else [weight_note]
    by_note: dict[str, list[int]] = {}
    stopped: dict[tuple[str, str | None], list[int]] = {}
    for schedule in schedules:
        for dose in schedule.doses:
            if dose.cap_note is not None and dose.capped_by != "dose weight":
                by_note.setdefault(dose.cap_note, []).append(dose.number)
        for gone in schedule.stopped:
            stopped.setdefault((gone.reason, gone.branch), []).append(gone.number)
    for note, numbers in by_note.items():
        if note.endswith("(cap=)"):
            assert cap_cells is not None
            out.append(f"doses above the cap are capped at {_cells(cap_cells)}")
        else:
            out.append(f"{_numbers(numbers)} {note}")
    for (reason, branch), numbers in stopped.items():
        where = "" if branch is None else f" of branch {branch}"
        out.append(f"{_numbers(numbers)}{where} not given: stopped, {reason}")
    return out


__all__ = [
    "DoseLimits",
    "LimitedDose",
    "StoppedDose",
    "dose_limits",
    "limit_notes",
    "without_course_caps",
]
