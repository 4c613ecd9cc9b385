"""Rendering helpers shared by the commands: tables, JSON, option types, safe numbers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from celldose.protocols._regimen import NOT_REPORTED

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


def write_output(text: str, output: str | None, *, inputs: Sequence[str] = ()) -> None:
    """Print, or write the whole text to a file atomically (no partial file on error).

    ``inputs`` are the files the command read: writing onto one of them is refused.
    """
    if output is None or output == "-":
        click.echo(text)
        return
    from celldose.protocols._files import write_atomic

    body = text + ("" if text.endswith("\n") else "\n")
    write_atomic(output, body.encode("utf-8"), inputs=inputs)
