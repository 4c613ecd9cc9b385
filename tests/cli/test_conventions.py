"""Command-line conventions: a bare `celldose`, Ctrl-C, a closed pipe, `-` as standard input.

Signals and pipes are tested on the installed `celldose` script in a subprocess, as a shell
runs it; the rest through ``main(argv)``.
"""

from __future__ import annotations

import io
import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from celldose.cli import main

CELLDOSE = str(Path(sys.executable).with_name("celldose"))

VALID = """\
id: test-protocol
title: A test protocol
species: dog
indication: Testing
product:
  name: cAT-MSC
  tissue_source: adipose tissue
  donor: allogeneic
  origin_species: dog
route: IV
dose: 2×10⁶ cells/kg
arms:
  - name: msc
    n: 3
    regimen: q4w ×2
reference:
  citation: Test 2025.
"""

SHORT_USAGE = """\
Usage: celldose [OPTIONS] COMMAND [ARGS]...

Commands:
  list      List the bundled protocol library.
  show      Show a protocol, normalized: arms, phases, dose days.
  check     Validate protocol files; list every problem.
  schema    JSON Schema of protocol files, or of a JSON output kind.
  parse     Read a one-line regimen; print every dose day.
  dose      Per-patient doses, volumes, vials and dates.
  plot      Draw a protocol's timeline to a figure file.
  compare   Compare protocols: a table and a figure.
  simulate  What-if scenarios and virtual cohorts.

See 'celldose COMMAND --help' for a command, 'celldose --help' for more.
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """Standard input holding ``data``, named as a process's standard input is."""
    raw = io.BytesIO(data)
    raw.name = "<stdin>"  # type: ignore[attr-defined]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(raw, encoding="utf-8"))


def as_a_terminal_starts_it() -> None:
    """``preexec_fn`` of a child that gets Ctrl-C: SIGINT at its default action, as a terminal
    starts a foreground job. pytest itself may run with SIGINT ignored (a background job of a
    script, e.g. ``pytest &``), which its children would inherit: celldose then keeps ignoring
    it, as it must (test_an_ignored_sigint_stays_ignored), and no Ctrl-C would reach it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_reading_a_pipe(proc: subprocess.Popen[bytes]) -> None:
    """Wait until ``proc`` is blocked reading its standard input (a pipe)."""
    wchan = Path(f"/proc/{proc.pid}/wchan")
    if not wchan.exists():
        pytest.skip("needs Linux's /proc/PID/wchan")
    deadline = time.monotonic() + 60
    while not wchan.read_text().endswith("pipe_read"):
        assert proc.poll() is None and time.monotonic() < deadline, "never read stdin"
        time.sleep(0.02)


# -- a bare `celldose` ---------------------------------------------------------------------------


def test_bare_celldose_prints_the_usage_and_the_commands_and_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys) == (0, SHORT_USAGE, "")


def test_bare_celldose_script_exits_0() -> None:
    done = subprocess.run([CELLDOSE], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, SHORT_USAGE, "")


def test_the_full_help_still_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert out.startswith("Usage: celldose [OPTIONS] COMMAND [ARGS]...\n")
    assert "  --debug" in out and "Examples:" in out


# -- Ctrl-C and SIGTERM ------------------------------------------------------------------------


def test_ctrl_c_while_waiting_on_stdin_exits_130_with_one_line() -> None:
    proc = subprocess.Popen(
        [CELLDOSE, "check", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=as_a_terminal_starts_it,
    )
    wait_reading_a_pipe(proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out, err) == (130, b"", b"aborted\n")


def test_sigterm_while_waiting_on_stdin_exits_143_quietly() -> None:
    proc = subprocess.Popen(
        [CELLDOSE, "show", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_reading_a_pipe(proc)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out, err) == (143, b"", b"")


def test_ctrl_c_at_a_terminal_ends_the_echoed_line_first() -> None:
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [CELLDOSE, "check", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=follower,
        preexec_fn=as_a_terminal_starts_it,
    )
    os.close(follower)
    try:
        wait_reading_a_pipe(proc)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
        shown = os.read(leader, 1024)
    finally:
        os.close(leader)
    assert (proc.returncode, shown) == (130, b"\r\naborted\r\n")  # the terminal writes \r\n


# Ctrl-C at a chosen point of a run: importing a module sends SIGINT to the process itself.
_INTERRUPT_ON_IMPORT = """
import os, signal, sys

MODULE = sys.argv[1]

class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == MODULE:
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, Interrupt())
sys.argv = ["celldose", "dose", "chen2024-itp-ucmsc", "--arm", "expansion-2.0", "--weight", "70kg"]
from celldose.cli._app import run
run()
"""


@pytest.mark.parametrize(
    "module",
    ["click", "pydantic", "celldose.cli._cmd_dose", "celldose.simulator.dosing._plan"],
    ids=["start-up", "the-library", "the-command", "the-plan"],
)
def test_ctrl_c_at_any_point_exits_130_with_one_line(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _INTERRUPT_ON_IMPORT, module],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=as_a_terminal_starts_it,
    )
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "aborted\n")


def test_an_ignored_sigint_stays_ignored() -> None:
    """A background job of a script is started with SIGINT ignored; it must keep running."""
    proc = subprocess.Popen(
        ["sh", "-c", f"trap '' INT; exec {CELLDOSE} check -"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_reading_a_pipe(proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(VALID.encode("utf-8"), timeout=30)
    assert (proc.returncode, out, err) == (0, b"ok: <stdin> (test-protocol, 1 arm)\n", b"")


def test_a_keyboard_interrupt_raised_inside_a_command_exits_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import celldose.cli._cmd_show as show

    def interrupted(source: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(show, "read_protocol", interrupted)
    # click writes the blank line (it ends the ^C echo), celldose the message
    assert run(capsys, "show", "chen2024-itp-ucmsc") == (130, "", "\naborted\n")


# -- a closed pipe -----------------------------------------------------------------------------

CLOSED_PIPE_RUNS = [
    ["show", "chen2024-itp-ucmsc"],
    ["list"],
    ["--help"],
    ["dose", "--help"],
    [],
    ["dose", "chen2024-itp-ucmsc", "--arm", "expansion-2.0", "--weight", "70kg", "--format", "csv"],
]


@pytest.mark.parametrize("argv", CLOSED_PIPE_RUNS, ids=lambda a: " ".join(a) or "bare")
def test_output_into_a_closed_pipe_ends_quietly_with_exit_0(argv: list[str]) -> None:
    """The reader is gone before the first write: every write fails with EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [CELLDOSE, *argv], stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, "")


def test_show_piped_to_head_never_prints_an_error() -> None:
    """`celldose show chen2024-itp-ucmsc | head -1`, repeated: the pipe closes at any moment."""
    for _ in range(5):
        proc = subprocess.Popen(
            [CELLDOSE, "show", "chen2024-itp-ucmsc"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read()
        proc.stderr.close()
        assert (proc.wait(timeout=60), first[:20], err) == (0, b"chen2024-itp-ucmsc: ", b"")


# -- `-` reads a protocol from standard input --------------------------------------------------


def test_check_reads_standard_input_in_a_real_process() -> None:
    done = subprocess.run(
        [CELLDOSE, "check", "-"], input=VALID, capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "ok: <stdin> (test-protocol, 1 arm)\n",
        "",
    )


def test_check_stdin_with_a_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(VALID.replace("test-protocol", "other-protocol"), encoding="utf-8")
    feed_stdin(monkeypatch, VALID.encode("utf-8"))
    assert run(capsys, "check", str(other), "-") == (
        0,
        f"ok: {other} (other-protocol, 1 arm)\nok: <stdin> (test-protocol, 1 arm)\n",
        "",
    )


def test_stdin_problems_are_located_in_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed_stdin(monkeypatch, b"id: x\ntitle: [1\n")
    assert run(capsys, "check", "-") == (
        2,
        "",
        "<stdin>:3:1: YAML syntax error: did not find expected ',' or ']' "
        "(hint: check indentation and quoting)\n",
    )


def test_stdin_that_is_not_utf8_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed_stdin(monkeypatch, VALID.encode("utf-8") + b"# \xff\n")
    assert run(capsys, "show", "-") == (
        2,
        "",
        f"error: cannot read <stdin>: byte {len(VALID.encode('utf-8')) + 3} is not UTF-8 "
        "(give a UTF-8 YAML file)\n",
    )


def test_stdin_of_exactly_1_mb_is_read(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = VALID.encode("utf-8") + b"#"
    feed_stdin(monkeypatch, text + b"x" * (1_000_000 - len(text)))
    assert run(capsys, "check", "-") == (0, "ok: <stdin> (test-protocol, 1 arm)\n", "")


def test_stdin_over_1_mb_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = VALID.encode("utf-8") + b"#"
    feed_stdin(monkeypatch, text + b"x" * (1_000_001 - len(text)))
    assert run(capsys, "dose", "-", "--weight", "12kg") == (
        2,
        "",
        "error: <stdin>: the file is more than 1,000,000 bytes (1 MB), the limit for a protocol "
        "(hint: a protocol file takes a few kilobytes: check that this is the right file)\n",
    )


def test_stdin_named_twice_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed_stdin(monkeypatch, VALID.encode("utf-8"))
    expected = (
        2,
        "",
        "error: - (standard input) is given more than once (give - once; name the others as "
        "files)\n",
    )
    assert run(capsys, "check", "-", "-") == expected
    assert run(capsys, "compare", "-", "chen2024-itp-ucmsc", "-") == expected


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "{}"],
        ["show", "{}", "--format", "json"],
        ["dose", "{}", "--weight", "12kg", "--start", "2026-01-05"],
        ["dose", "{}", "--weight", "12kg", "--format", "csv"],
        ["compare", "{}", "jang2025-canine-itp", "--weight", "12kg"],
        ["simulate", "{}", "--weight", "12kg", "--skip", "2"],
    ],
    ids=lambda a: " ".join(a[:1] + a[2:]),
)
def test_stdin_gives_what_the_file_gives(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
) -> None:
    path = tmp_path / "test.yaml"
    path.write_text(VALID, encoding="utf-8")
    from_file = run(capsys, *[str(path) if a == "{}" else a for a in argv])
    feed_stdin(monkeypatch, VALID.encode("utf-8"))
    from_stdin = run(capsys, *["-" if a == "{}" else a for a in argv])
    assert from_file[0] == 0, from_file
    if "json" in argv:  # the same but for the provenance: which text, and the command line
        provenances = [json.loads(run[1]).pop("provenance") for run in (from_file, from_stdin)]
        assert [p["sha256_of"] for p in provenances] == ["file", "stdin"]
        assert provenances[0]["protocol_sha256"] == provenances[1]["protocol_sha256"]
        from_file, from_stdin = (
            (code, json.dumps({k: v for k, v in json.loads(out).items() if k != "provenance"}), e)
            for code, out, e in (from_file, from_stdin)
        )
    assert from_stdin == from_file


def test_plot_from_stdin_draws_the_same_figure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "test.yaml"
    path.write_text(VALID, encoding="utf-8")
    from_file = run(capsys, "plot", str(path), "-o", str(tmp_path / "file.svg"))
    assert from_file[0] == 0 and from_file[1].startswith("Notes: ") and from_file[2] == ""
    feed_stdin(monkeypatch, VALID.encode("utf-8"))
    assert run(capsys, "plot", "-", "-o", str(tmp_path / "stdin.svg")) == from_file  # caption too
    assert (tmp_path / "stdin.svg").read_bytes() == (tmp_path / "file.svg").read_bytes()


def test_a_file_named_dash_is_read_as_dot_slash_dash(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "-").write_text(VALID, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "check", "./-") == (0, "ok: ./- (test-protocol, 1 arm)\n", "")
