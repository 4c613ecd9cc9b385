"""Rendering helpers shared by the commands: tables, JSON, option types, safe numbers."""

from __future__ import annotations

import datetime as dt
import json
import numbers
import os
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import click

from celldose.protocols import NOT_REPORTED, Dose, OptionError

_F = TypeVar("_F", bound=Callable[..., Any])


def format_option(*choices: str, help: str = "Output format.") -> Callable[[_F], _F]:
    """The ``--format`` option of a command; its first choice is the default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help,
    )


# what a file name's ending says it holds: the formats it may be written in, the first picked
# when --format is not given (rex.ics: a calendar, not the table under another name)
_ENDINGS = {
    ".json": ("json", "fhir"),
    ".csv": ("csv", "nonmem"),
    ".ics": ("ics",),
    ".html": ("html",),
    ".htm": ("html",),
    ".txt": ("table", "text"),
}


def output_format(fmt: str, output: str | None, choices: Collection[str]) -> str:
    """The format to write: ``--format`` when given; without it, what ``-o``'s ending names
    (``rex.ics``: ics); else the default. A ``--format`` the ending contradicts is refused."""
    from pathlib import Path

    from click.core import ParameterSource

    suffix = Path(output).suffix.lower() if output not in (None, "-") else ""
    named = [f for f in _ENDINGS.get(suffix, ()) if f in choices]
    if not named:
        return fmt
    ctx = click.get_current_context(silent=True)
    given = ctx is not None and ctx.get_parameter_source("fmt") not in (
        None,
        ParameterSource.DEFAULT,
    )
    if not given:
        return named[0]
    if fmt not in named:
        raise OptionError(
            f"-o {output} ends in {suffix}, but --format {fmt} writes another kind of file",
            f"drop --format to write {' or '.join(named)} there, or name the file for {fmt}",
        )
    return fmt


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()
) -> str:
    """A plain aligned text table (numbers right-aligned by column index)."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            out.append(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def to_json(data: Any) -> str:
    """Stable, human-diffable JSON (UTF-8 text, not escaped)."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)


def reported(value: object) -> str:
    if isinstance(value, Dose):
        return value.labelled()  # a dose per lb: as written, with its per-kg equivalent
    return "not reported" if value is None or value == NOT_REPORTED else str(value)


class DateType(click.ParamType):  # type: ignore[type-arg]
    """An ISO date (2026-12-01); anything else is refused with the expected form."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(
                f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-12-01", param, ctx
            )


DATE = DateType()


class FractionType(click.ParamType):  # type: ignore[type-arg]
    """A fraction as a person writes it: ``0.92`` or ``92%`` (both 0.92); anything else is
    refused with both forms. Its range is checked where it is used."""

    name = "FRACTION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, float):
            return value
        from celldose.protocols import read_fraction

        fraction = read_fraction(str(value))
        if fraction is None:
            signed = _SIGNED.fullmatch(str(value).strip())
            if signed is None:
                self.fail(f"{value!r} is not a fraction: write it like 0.92 or 92%", param, ctx)
            # a negative number: read, so that the option's own range check names it
            fraction = float(signed[1].replace("−", "-")) / (100 if signed[2] else 1)
        return fraction


_SIGNED = re.compile(r"([-−]?\d+(?:\.\d+)?)\s*(%)?")
FRACTION = FractionType()


def input_files(*sources: str | None) -> tuple[str, ...]:
    """The files a command reads, given as it was given: protocol files, a roster, ...

    A library id (``chen2024-itp-ucmsc``) stands for its bundled file; ``-`` (standard input)
    is no file; a name that is neither is kept as it is (the command refuses it anyway).
    """
    from importlib import resources

    from celldose.protocols import LIBRARY_FOLDER, LIBRARY_PACKAGE

    files = []
    for source in sources:
        if not source or source == "-":
            continue
        if "/" not in source:  # a library id first, as load_protocol reads it
            entry = resources.files(LIBRARY_PACKAGE) / LIBRARY_FOLDER / f"{source}.yaml"
            if entry.is_file() and isinstance(entry, os.PathLike):
                files.append(os.path.realpath(entry))
                continue
        files.append(source)
    return tuple(files)


def check_outputs(outputs: Mapping[str, str | None], inputs: Sequence[str]) -> None:
    """Refuse, before any work, an output that cannot be written or that is an input, and two
    outputs of one command onto one file (``outputs`` maps an option to its path)."""
    from celldose.protocols import check_writable, same_file

    given = [(option, path) for option, path in outputs.items() if path not in (None, "-")]
    for i, (option, path) in enumerate(given):
        assert path is not None
        for other, other_path in given[:i]:
            assert other_path is not None
            if same_file(path, other_path):
                raise OptionError(
                    f"{other} and {option} name the same file ({path})",
                    "write them to two different files",
                )
        check_writable(path, inputs=inputs)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBERS = frozenset({int, float, bool})  # the common case, before the slower ABC check
_QUOTED = re.compile('[,"\r\n]')  # a cell holding one of these is quoted


def csv_text(
    columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *, verbatim: Collection[str] = ()
) -> str:
    """CSV text (a header line, then one line per row) that spreadsheets cannot run as formulas.

    Numbers are written as numbers (-3 stays -3); ``None`` is an empty cell; a list is its
    items joined by ``;``. Text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading ``'`` and is quoted (OWASP, CSV injection): such text comes from
    protocol files (labels, window names). ``verbatim`` columns hold text celldose writes in a
    fixed form of its own (offsets such as ``+2 months``) and are left as they are.

    >>> print(csv_text(["label", "day"], [{"label": "=1+1", "day": -3}]), end="")
    label,day
    "'=1+1",-3
    """
    lines = [",".join(_csv_cell(c, False) for c in columns)]
    flags = [c in verbatim for c in columns]
    for row in rows:
        get = row.get
        lines.append(",".join([_csv_cell(get(c), v) for c, v in zip(columns, flags, strict=True)]))
    return "\n".join(lines) + "\n"


def _csv_cell(value: Any, verbatim: bool) -> str:
    if value is None:
        return ""
    kind = type(value)
    text: str
    if kind is str:
        text = value
    elif kind in _NUMBERS or isinstance(value, numbers.Number):  # and numpy's numbers
        return str(value)
    elif isinstance(value, list | tuple):
        text = ";".join(str(v) for v in value)
        verbatim = verbatim or all(isinstance(v, numbers.Number) for v in value)
    else:
        text = str(value)
    risky = not verbatim and text.startswith(_FORMULA_START)
    if risky:
        text = "'" + text
    if risky or _QUOTED.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_output(text: str, output: str | None, *, inputs: Sequence[str] = ()) -> None:
    """Print, or write the whole text to a file atomically (no partial file on error).

    ``inputs`` are the files the command read: writing onto one of them is refused.
    """
    if output is None or output == "-":
        click.echo(text, nl=not text.endswith("\n"))  # one final newline, as in the file
        return
    from celldose.protocols import write_atomic

    body = text + ("" if text.endswith("\n") else "\n")
    write_atomic(output, body.encode("utf-8"), inputs=inputs)
