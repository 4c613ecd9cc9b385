"""Decisions: an assessment during a course, and the conditional phases (branches) after it.

The Ryoncil label: twice weekly for 4 weeks; assess on day 28 ± 2; if partial or mixed
response: once a week for 4 more weeks; if recurrence after a complete response: twice weekly
for another 4 weeks. In a regimen that is a ``decision``::

    decision:
      assess: day 28 ± 2          # or {day: 28, tolerance: 2}; days from the first dose
      branches:
        - condition: partial or mixed response     # name derived: partial-or-mixed-response
          start: next dose
          share: {k: 22, n: 54, source: "day-28 partial response, MSB-GVHD001"}
          phases:
            - every: 1 week
              count: 4
      notes: ["complete response: no further treatment"]

Rules (validated here and in the regimen, once):

- ``assess`` is a day counted from the first dose (day 0), with a tolerance in days: the
  assessment window is day − tolerance to day + tolerance. It falls after the course's last dose.
- Each branch has a ``name``: given (a slug), or derived from its ``condition`` (lower case,
  words joined by ``-``). Two branches with one name are refused.
- A branch's first dose (``start``): ``next dose`` is the regimen's "then" rule (one interval
  after the course's last dose, where its next dose would fall); ``decision`` is the assessment
  day; ``not reported`` (the default: sources rarely say) plans the branch from the assessment
  day, the earliest it can be known to apply, and every output says that this start is an
  assumption. A branch's later phases chain by the "then" rule, like a regimen's.
- A branch phase without a dose takes the dose in effect at the end of the course.
- ``share`` is the fraction of patients the source reports entering the branch, as k of n with
  a source label; the shares of a decision add up to at most 1 (the rest take no branch).
- ``notes`` keep outcomes that need no doses ("complete response: no further treatment").
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from celldose.protocols._calendar import MAX_DAYS
from celldose.protocols._model_base import FrozenModel, refuse_control_characters
from celldose.protocols._phase import Phase

MAX_BRANCHES = 20
MAX_CONDITION = 200
BranchStart = Literal["next dose", "decision", "not reported"]

_ASSESS_TEXT = re.compile(
    r"^\s*(?:day\s*)?(?P<day>\d+)\s*(?:(?:±|\+/-|\+-)\s*(?P<tol>\d+)\s*(?:days?)?)?\s*$",
    re.IGNORECASE,
)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def branch_name(condition: str) -> str:
    """The name a branch takes from its condition: lower case, words joined by ``-``.

    >>> branch_name("Recurrence after complete response")
    'recurrence-after-complete-response'
    """
    return "-".join(re.findall(r"[a-z0-9]+", condition.lower()))


class Assessment(FrozenModel):
    """When the decision is taken: ``day`` (from the first dose) ± ``tolerance`` days."""

    day: int = Field(ge=1, le=MAX_DAYS, description="Day of the assessment, from the first dose.")
    tolerance: int = Field(default=0, ge=0, description="Days either side of the day.")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            match = _ASSESS_TEXT.match(data)
            if match is None:
                raise ValueError(
                    f"assess {data!r} is not understood: write a day from the first dose and "
                    "its tolerance, e.g. 'day 28 ± 2'"
                )
            return {"day": int(match["day"]), "tolerance": int(match["tol"] or 0)}
        return data

    @model_validator(mode="after")
    def _inside_course(self) -> Assessment:
        if self.tolerance >= self.day:
            raise ValueError(
                f"the assessment window (day {self.day} ± {self.tolerance}) starts on or before "
                "the first dose: give a smaller tolerance"
            )
        return self

    @property
    def first_day(self) -> int:
        return self.day - self.tolerance

    @property
    def last_day(self) -> int:
        return self.day + self.tolerance

    def __str__(self) -> str:
        return f"day {self.day}" + (f" ± {self.tolerance}" if self.tolerance else "")


class Share(FrozenModel):
    """The share of patients a source reports entering a branch: k of n, with its source."""

    k: int = Field(ge=0)
    n: int = Field(ge=1)
    source: str = Field(default="", description="Where the share comes from.")

    @model_validator(mode="after")
    def _k_le_n(self) -> Share:
        if self.k > self.n:
            raise ValueError(f"a share of k={self.k} cannot exceed n={self.n}")
        return self

    @property
    def fraction(self) -> float:
        return self.k / self.n


class Branch(FrozenModel):
    """Conditional phases after a decision: given only to patients who meet ``condition``."""

    name: str = Field(default="", description="Short id; derived from the condition when omitted.")
    condition: str = Field(
        min_length=1, max_length=MAX_CONDITION, description="When the branch applies."
    )
    start: BranchStart = Field(
        default="not reported",
        description="First dose: 'next dose' (the 'then' rule), 'decision' (the assessment "
        "day) or 'not reported' (planned from the assessment day, labelled as assumed).",
    )
    phases: tuple[Phase, ...] = Field(min_length=1)
    share: Share | None = Field(
        default=None, description="Share of patients entering the branch, as the source reports."
    )

    @model_validator(mode="before")
    @classmethod
    def _derive_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("name") is None:
            condition = data.get("condition")
            if isinstance(condition, str):
                data = {**data, "name": branch_name(condition)}
        return data

    @model_validator(mode="after")
    def _checks(self) -> Branch:
        if not self.name:
            raise ValueError(
                f"the condition {self.condition!r} gives no name: give the branch a name"
            )
        if not _SLUG.match(self.name):
            raise ValueError(
                f"branch name {self.name!r} is not a short id: use lower-case letters, digits "
                "and '-' (e.g. partial-response)"
            )
        if any(c in self.condition for c in ";:"):
            raise ValueError(
                f"the condition {self.condition!r} cannot contain ';' or ':' "
                "(they separate the parts of the shorthand)"
            )
        if any(c in self.condition for c in "\n\t"):
            raise ValueError(f"the condition {self.condition!r} is one line: remove the break")
        from celldose.protocols._regimen import Regimen

        Regimen(phases=self.phases)  # the phases chain as a regimen's do
        return self


class Decision(FrozenModel):
    """An assessment after the course, and the branches that may follow it."""

    assess: Assessment
    branches: Annotated[tuple[Branch, ...], Field(min_length=1, max_length=MAX_BRANCHES)]
    notes: tuple[str, ...] = Field(
        default=(), description="Outcomes without doses, e.g. 'complete response: stop'."
    )

    @field_validator("notes", mode="after")
    @classmethod
    def _printable_notes(cls, notes: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(refuse_control_characters(note) for note in notes)

    @model_validator(mode="after")
    def _checks(self) -> Decision:
        seen: set[str] = set()
        for branch in self.branches:
            if branch.name in seen:
                raise ValueError(f"two branches are named {branch.name!r}: give each its own name")
            seen.add(branch.name)
        reported = [b.share for b in self.branches if b.share is not None]
        if sum(s.k / s.n for s in reported) > 1 + 1e-12:
            shares = ", ".join(f"{s.k}/{s.n}" for s in reported)
            raise ValueError(f"the branches' shares ({shares}) add up to more than all patients")
        return self

    def branch(self, name: str) -> Branch:
        """The branch called ``name`` (LookupError naming the choices otherwise)."""
        for branch in self.branches:
            if branch.name == name:
                return branch
        raise LookupError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.branches)


__all__ = [
    "MAX_BRANCHES",
    "Assessment",
    "Branch",
    "BranchStart",
    "Decision",
    "Share",
    "branch_name",
]
