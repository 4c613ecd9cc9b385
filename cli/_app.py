"""The click application: a lazy command group and the mapping of errors to exit codes.

Commands live one per module and are imported only when run, so ``celldose dose`` never pays
for matplotlib. Exit codes follow click's convention: 0 success, 2 bad input or usage (a
one-line message, no traceback unless --debug), 1 failure on valid input, 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import click

from celldose.cli._flags import cli_text
from celldose.protocols import CelldoseError, SystemFailure

COMMANDS: dict[str, tuple[str, str]] = {
    "list": ("celldose.cli._cmd_list", "List the bundled protocol library."),
    "show": ("celldose.cli._cmd_show", "Show a protocol, normalized: arms, phases, dose days."),
    "check": ("celldose.cli._cmd_check", "Validate protocol files; list every problem."),
    "schema": ("celldose.cli._cmd_schema", "Print the JSON Schema of the protocol file format."),
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
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            _refuse_repeated(command, rest, name or "")
        return name, command, rest

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


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
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="celldose", prog_name="celldose", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Show a traceback on errors.")
def cli(debug: bool) -> None:
    """celldose: MSC treatment protocols turned into per-patient dose schedules.

    \b
    Examples:
      celldose list
      celldose dose chen2024-itp-ucmsc --arm expansion-2.0 --weight 70kg --start 2026-01-05
      celldose parse "2×10⁶ cells/kg twice weekly ×8 then weekly ×4"
    """


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (used by the console script and by tests)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    with _sigterm_raises():
        return _main(args, debug)


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM raises SystemExit(143), so clean-up (temporary files) runs as on Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(args: list[str], debug: bool) -> int:
    try:
        result = cli.main(args=args, prog_name="celldose", standalone_mode=False)
    except SystemFailure as exc:  # valid input, the system failed (disk full): exit 1
        if debug:
            raise
        click.echo(f"error: {cli_text(exc)}", err=True)
        return 1
    except CelldoseError as exc:
        if debug:
            raise
        click.echo(f"error: {cli_text(exc)}", err=True)
        return 2
    except click.exceptions.Abort as exc:  # Ctrl-C: 130, as a shell reports SIGINT
        click.echo("aborted", err=True)
        return 128 + signal.SIGINT if isinstance(exc.__cause__, KeyboardInterrupt) else 1
    except click.UsageError as exc:
        if debug:
            raise
        where = (
            f"celldose {exc.ctx.info_name} --help"
            if exc.ctx and exc.ctx.parent
            else "celldose --help"
        )
        message = exc.format_message()
        if "(see celldose" not in message:
            message += f" (see {where})"
        click.echo(f"error: {message}", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        if debug:
            raise
        click.echo(f"error: {exc.format_message()}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except BrokenPipeError:  # pragma: no cover - `celldose list | head`
        return 0
    except OSError as exc:  # a failure on valid input (disk full, permissions): exit 1
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        return 1
    except Exception as exc:  # a bug: one line for the user, the traceback with --debug
        if debug:
            raise
        click.echo(
            f"internal error: {type(exc).__name__}: {exc} (a bug in celldose; run again with "
            "--debug for the traceback and report it)",
            err=True,
        )
        return 1
    return result if isinstance(result, int) else 0


def run() -> Any:  # pragma: no cover - console-script shim
    sys.exit(main())
