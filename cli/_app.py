"""Running the CLI: signals, and the mapping of errors to exit codes.

Exit codes follow click's convention: 0 success, 2 bad input or usage (a one-line message, no
traceback unless --debug), 1 failure on valid input, 130 interrupted (Ctrl-C: one line,
``aborted``), 143 terminated (SIGTERM). A closed standard output exits 0 (see ``_group``).

This module imports nothing heavy at the top: the console script imports it, and the signal
handlers are in place before click, pydantic or pint load, so that Ctrl-C during start-up ends
as quietly as Ctrl-C later.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from celldose.protocols import CelldoseError

INTERRUPTED = 128 + signal.SIGINT  # 130, as a shell reports a command ended by Ctrl-C
TERMINATED = 128 + signal.SIGTERM  # 143


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on ``argv`` (default: the command line); return the exit code.

    The console script and the tests call it; Ctrl-C and SIGTERM during the run return 130 and
    143 after clean-up (no temporary file is left).

    >>> main(["check", "chen2024-itp-ucmsc"])
    ok: chen2024-itp-ucmsc (chen2024-itp-ucmsc, 4 arms)
    0
    >>> main(["dose", "chen2024-itp-ucmsc"])  # the message goes to stderr
    2
    """
    with _signals_exit():
        try:
            args = list(sys.argv[1:] if argv is None else argv)
            return _main(args, "--debug" in args)
        except SystemExit as exc:  # raised by the signal handlers below
            if exc.code == INTERRUPTED:
                _say_aborted()
                return INTERRUPTED
            if exc.code == TERMINATED:
                return TERMINATED
            raise


def run() -> NoReturn:  # pragma: no cover - the console script, tested through a subprocess
    """The ``celldose`` command: the signal handlers first, for the whole process."""
    _exit_on_signals()
    sys.exit(main())


def _exit_on(signum: int, frame: Any) -> None:
    """Ctrl-C and SIGTERM raise SystemExit(128 + signal), so clean-up runs on the way out."""
    raise SystemExit(128 + signum)


def _exit_on_signals() -> dict[int, Any]:
    """Install :func:`_exit_on` for SIGINT and SIGTERM; return the handlers it replaced.

    A signal the process was started to ignore (SIGINT in a background job of a script) stays
    ignored.
    """
    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, _exit_on)
    return previous


@contextlib.contextmanager
def _signals_exit() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = _exit_on_signals()
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _say_aborted() -> None:
    """One line on stderr; at a terminal first a newline, to end the line of the ``^C`` echo."""
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(("\n" if sys.stderr.isatty() else "") + "aborted\n")
        sys.stderr.flush()


def _main(args: list[str], debug: bool) -> int:
    import click

    from celldose.cli._group import cli

    try:
        result = cli.main(args=args, prog_name="celldose", standalone_mode=False)
    except _loaded("SystemFailure") as exc:  # valid input, the system failed (disk full): exit 1
        if debug:
            raise
        _say_error(exc)
        return 1
    except _loaded("CelldoseError") as exc:
        if debug:
            raise
        _say_error(exc)
        return 2
    except click.exceptions.Abort as exc:  # a KeyboardInterrupt raised inside click's run
        _say_aborted()
        return INTERRUPTED if isinstance(exc.__cause__, KeyboardInterrupt) else 1
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


def _loaded(error: str) -> tuple[type[CelldoseError], ...]:
    """celldose's error class named ``error``, or none when no command has loaded celldose's
    errors (`celldose --help` loads no protocol code, and so cannot have raised one). Evaluated
    when an exception is matched, and looked up rather than imported: an import could run while
    Ctrl-C unwinds a half-finished import."""
    errors = sys.modules.get("celldose.protocols._errors")
    return () if errors is None else (getattr(errors, error),)


def _say_error(exc: CelldoseError) -> None:
    """The error's one line, with its API arguments written as flags."""
    import click

    from celldose.cli._flags import cli_text

    click.echo(f"error: {cli_text(exc)}", err=True)
