"""The click group: commands imported on first use, a short usage for a bare ``celldose``.

Commands live one per module and are imported only when run, so ``celldose dose`` never pays
for matplotlib. A closed standard output (``celldose show ... | head -1``) ends the run quietly
with exit 0: the reader has what it wanted.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from typing import Any

import click

from celldose.cli._envelope import ARGV_KEY

COMMANDS: dict[str, tuple[str, str]] = {
    "list": ("celldose.cli._cmd_list", "List the bundled protocol library."),
    "show": ("celldose.cli._cmd_show", "Show a protocol, normalized: arms, phases, dose days."),
    "check": ("celldose.cli._cmd_check", "Validate protocol files; list every problem."),
    "schema": (
        "celldose.cli._cmd_schema",
        "JSON Schema of protocol files, or of a JSON output kind.",
    ),
    "parse": ("celldose.cli._cmd_parse", "Read a one-line regimen; print every dose day."),
    "dose": ("celldose.cli._cmd_dose", "Per-patient doses, volumes, vials and dates."),
    "plot": ("celldose.cli._cmd_plot", "Draw a protocol's timeline to a figure file."),
    "compare": ("celldose.cli._cmd_compare", "Compare protocols: a table and a figure."),
    "simulate": ("celldose.cli._cmd_simulate", "What-if scenarios and virtual cohorts."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (module, _) in COMMANDS.items() if _available(module)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None or not _available(entry[0]):
            return None
        command = importlib.import_module(entry[0]).command
        assert isinstance(command, click.Command)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        first = args[0] if args else ""
        unknown = first and not first.startswith("-") and self.get_command(ctx, first) is None
        if unknown and not ctx.resilient_parsing:  # completing "dos" is not an error
            import difflib  # only for a misspelt command

            close = difflib.get_close_matches(first, self.list_commands(ctx), n=3, cutoff=0.6)
            known = ", ".join(self.list_commands(ctx))
            hint = f"did you mean {' or '.join(close)}?" if close else f"the commands: {known}"
            ctx.fail(f"there is no command {first!r}: {hint}")
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and not ctx.resilient_parsing:  # not while completing
            _refuse_repeated(command, rest, name or "")
            ctx.meta[ARGV_KEY] = list(rest)  # as typed, for the JSON's provenance
        return name, command, rest

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with _quiet_closed_pipe():  # --help and --version print here
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with _quiet_closed_pipe():
            return super().invoke(ctx)


@contextlib.contextmanager
def _quiet_closed_pipe() -> Iterator[None]:
    """A closed standard output ends the run with exit 0 and no message.

    click would print nothing but exit 1. What is still buffered goes to the null device, so
    that Python does not report the broken pipe again when it flushes at exit.
    """
    try:
        yield
    except BrokenPipeError:
        with contextlib.suppress(OSError, ValueError):  # a stdout without a descriptor
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, sys.stdout.fileno())
            os.close(null)
        raise click.exceptions.Exit(0) from None


def _refuse_repeated(command: click.Command, args: list[str], name: str) -> None:
    """An option that takes one value, given twice (--weight 12kg ... --weight 26.5lb): refused.

    click would silently keep the last one; for a dose that is a guess.
    """
    single: dict[str, str] = {}
    for param in command.params:
        if isinstance(param, click.Option) and not param.multiple and not param.count:
            for opt in param.opts + param.secondary_opts:
                single[opt] = param.opts[0]
    seen: dict[str, int] = {}
    for arg in args:
        if arg == "--":
            break
        flag = arg.split("=", 1)[0] if arg.startswith("--") else arg
        if flag in single:
            key = single[flag]
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                raise click.UsageError(
                    f"{key} is given more than once: give it once (see celldose {name} --help)"
                )


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    subcommand_metavar="COMMAND [ARGS]...",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="celldose", prog_name="celldose", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Show a traceback on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """celldose: MSC treatment protocols turned into per-patient dose schedules.

    \b
    Examples:
      celldose list
      celldose dose chen2024-itp-ucmsc --arm expansion-2.0 --weight 70kg --start 2026-01-05
      celldose parse "2×10⁶ cells/kg twice weekly ×8 then weekly ×4"
    """
    if ctx.invoked_subcommand is None:  # a bare `celldose`: how to use it, exit 0 (as git does)
        click.echo(short_usage(ctx))


def short_usage(ctx: click.Context) -> str:
    """The usage line and the command list, without the options and examples of ``--help``."""
    formatter = ctx.make_formatter()
    ctx.command.format_usage(ctx, formatter)
    assert isinstance(ctx.command, click.Group)
    ctx.command.format_commands(ctx, formatter)
    formatter.write_paragraph()
    formatter.write_text("See 'celldose COMMAND --help' for a command, 'celldose --help' for more.")
    return formatter.getvalue().rstrip("\n")
