"""The one error hierarchy of celldose.

Every error the library raises on purpose derives from :class:`CelldoseError`, and also from the
built-in exception it resembles, so ``except ValueError`` keeps working for callers who do not
know celldose. Messages are built in ``__str__`` from stored attributes and always say how to fix
the input. The library never imports click: the CLI maps these to exit codes (bad input: 2).

Messages speak of the Python API: an argument is named as in a call (``patients must be at least
1``; a hint ``pass dose="<amount> cells/kg"``), and the error lists the arguments it names in
``fields``, so that the command line can show its own flags instead (``--patients``, ``give it
with --dose``) without the library ever knowing them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def close_matches(word: str, choices: Iterable[str], n: int = 1) -> list[str]:
    """The ``choices`` closest to ``word``, for a "did you mean" hint (difflib, loaded only
    when a hint is needed: a valid command never pays for it)."""
    import difflib

    return difflib.get_close_matches(word, list(choices), n=n)


class CelldoseError(Exception):
    """Base class of every celldose error: a one-line message that says how to fix the input."""

    def __init__(
        self, message: str, hint: str | None = None, *, fields: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.fields = tuple(fields)  # API arguments the message names (for the CLI's flags)

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UnitError(CelldoseError, ValueError):
    """A quantity, dose or unit that cannot be read safely."""

    def __init__(
        self,
        text: str,
        problem: str,
        hint: str | None = None,
        *,
        fields: Sequence[str] = (),
        refused: bool = False,
    ) -> None:
        # ``refused``: the text was read, and what it says is refused (a dose beyond the possible)
        lead = f"the dose {text!r} is refused" if refused else f"cannot read {text!r}"
        super().__init__(f"{lead}: {problem}", hint, fields=fields)
        self.text = text
        self.problem = problem


class RegimenSyntaxError(CelldoseError, ValueError):
    """A regimen shorthand that cannot be read; ``start``/``end`` give the character span."""

    def __init__(
        self, text: str, start: int, end: int, problem: str, hint: str | None = None
    ) -> None:
        span = text[start:end]
        where = (
            f"at characters {start + 1}-{end}" if end > start + 1 else f"at character {start + 1}"
        )
        word = f" {span!r}" if span.strip() and span.strip() != text.strip() else ""
        super().__init__(f"regimen {text!r}{word} {where}: {problem}", hint)
        self.text = text
        self.start = start
        self.end = end
        self.problem = problem


class AmbiguousWordError(RegimenSyntaxError):
    """A word with more than one common reading (``biweekly``): refused, the choices spelled out."""

    def __init__(self, text: str, start: int, end: int, choices: Sequence[str]) -> None:
        self.choices = tuple(choices)
        super().__init__(
            text,
            start,
            end,
            "is ambiguous",
            "write one of: " + "; ".join(self.choices),
        )


class RegimenError(CelldoseError, ValueError):
    """A regimen that reads but does not make sense (zero doses, spacing broken, ...)."""


class NotReportedError(CelldoseError, LookupError):
    """A value the source does not report, needed now: the user must supply it.

    ``field`` is the API argument that supplies it (``dose``, ``count``, ``interval``).
    """

    def __init__(self, what: str, field: str, example: str, context: str = "") -> None:
        where = f" {context}" if context else ""
        super().__init__(
            f"the source{where} does not report {what}",
            f"pass {field}={example}",
            fields=(field,),
        )
        self.what = what
        self.field = field
        self.example = example


class PatientError(CelldoseError, ValueError):
    """A patient description (weight, height, species) that cannot be used."""


class WeightBandError(CelldoseError, ValueError):
    """Weight bands of a dose that cannot be read, or that leave a gap or overlap.

    ``where`` is the place of the band in the list of bands (``(1, "weight")``), so that a
    protocol file's problem points at the band's line.
    """

    def __init__(
        self, message: str, hint: str | None = None, *, where: tuple[int | str, ...] = ()
    ) -> None:
        super().__init__(message, hint)
        self.where = where


class ProtocolNotFoundError(CelldoseError, LookupError):
    """A protocol id that is neither in the library nor an existing file."""


class OptionError(CelldoseError, ValueError):
    """Options that contradict each other or the protocol."""


class OutputPathError(CelldoseError, ValueError):
    """An output path that cannot be written: a folder, a missing folder, one of the inputs."""


class InputTooLargeError(CelldoseError, ValueError):
    """An input file or text longer than celldose reads (a limit against runaway input)."""


class SystemFailure(CelldoseError, OSError):
    """Valid input, but the system failed (no space left, an I/O error): not the user's input.

    The CLI exits 1 for these, not 2: running again after fixing the system may succeed.
    """


@dataclass(frozen=True)
class Problem:
    """One problem found in a protocol file, with where it is."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.path}:" if self.path else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}:{field} {self.message}{hint}"


class ProtocolFileError(CelldoseError, ValueError):
    """A protocol file with one or more problems; all of them are listed, not only the first."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        self.file = file
        self.problems = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{file}: {count} {noun}")

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def dotted(path: tuple[str | int, ...]) -> str:
    """``('arms', 0, 'dose')`` -> ``arms[0].dose``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
