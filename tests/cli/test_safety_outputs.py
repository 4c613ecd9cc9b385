"""Output files and CSV outputs: nothing lost, nothing clobbered, no formula in a spreadsheet.

Every refusal is one line on stderr, exit 2, and leaves the folder as it was; a failure of the
system (a full disk) is exit 1; Ctrl-C and SIGTERM leave no temporary file.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from importlib import resources
from pathlib import Path

import pytest

from celldose.cli import main
from celldose.cli._render import csv_text, input_files

REGIMEN = ["--regimen", "1e6 cells/kg q4w x3", "--species", "dog"]
DOSE = ["--dose", "1e6 cells/kg"]
LIBRARY = resources.files("celldose.protocols") / "library"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry of a folder: a file's bytes, a link's target."""
    return {
        p.name: os.readlink(p) if p.is_symlink() else p.read_bytes()
        for p in sorted(folder.iterdir())
    }


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a protocol file (also as proto.svg, a link and a hard link) and a roster."""
    text = (LIBRARY / "jang2025-canine-itp.yaml").read_bytes()
    (tmp_path / "my.yaml").write_bytes(text)
    (tmp_path / "proto.svg").write_bytes(text)  # a protocol file may have any name
    (tmp_path / "link.yaml").symlink_to("my.yaml")
    os.link(tmp_path / "my.yaml", tmp_path / "hard.yaml")
    (tmp_path / "r.csv").write_bytes(b"id,weight\nrex,12kg\nfido,20kg\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _input(output: str, source: str) -> str:
    return (
        f"error: cannot write {output}: it is also an input of this command ({source}), "
        "which would be overwritten (choose another output file)\n"
    )


# -- an output onto an input of the same command --------------------------------------------------
W = [*DOSE, "--weight", "12kg"]
SAME = "error: -o and --plot name the same file (same.png) (write them to two different files)\n"
FORMAT = (
    "error: cannot tell the figure format of 'my.yaml' "
    "(end the file name with .png, .svg or .pdf)\n"
)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["dose", "my.yaml", *W, "-o", "my.yaml"], _input("my.yaml", "my.yaml")),
        (["dose", "my.yaml", *W, "-o", "./my.yaml"], _input("./my.yaml", "my.yaml")),
        (["dose", "my.yaml", *W, "-o", "link.yaml"], _input("link.yaml", "my.yaml")),
        (["dose", "my.yaml", *W, "-o", "hard.yaml"], _input("hard.yaml", "my.yaml")),
        (
            ["dose", "link.yaml", *W, "--format", "csv", "-o", "my.yaml"],
            _input("my.yaml", "link.yaml"),
        ),
        (
            ["simulate", "my.yaml", *DOSE, "--roster", "r.csv", "-o", "r.csv"],
            _input("r.csv", "r.csv"),
        ),
        (
            ["simulate", "my.yaml", *DOSE, "--roster", "r.csv", "-o", "my.yaml"],
            _input("my.yaml", "my.yaml"),
        ),
        (
            [
                "simulate",
                "my.yaml",
                *DOSE,
                "--patients",
                "5",
                "--plot",
                "same.png",
                "-o",
                "same.png",
            ],
            SAME,
        ),
        (
            [
                "simulate",
                "my.yaml",
                *DOSE,
                "--patients",
                "5",
                "--plot",
                "same.png",
                "-o",
                "./same.png",
            ],
            SAME,
        ),
        (
            ["simulate", "proto.svg", *DOSE, "--patients", "5", "--plot", "proto.svg"],
            _input("proto.svg", "proto.svg"),
        ),
        (["simulate", "my.yaml", *W, "-o", "hard.yaml"], _input("hard.yaml", "my.yaml")),
        (["plot", "my.yaml", "-o", "my.yaml"], FORMAT),
        (["plot", "proto.svg", "-o", "proto.svg"], _input("proto.svg", "proto.svg")),
        (["compare", "my.yaml", "chen2024-itp-ucmsc", "-o", "my.yaml"], FORMAT),
        (["compare", "my.yaml", "proto.svg", "-o", "proto.svg"], _input("proto.svg", "proto.svg")),
    ],
)
def test_an_output_onto_an_input_is_refused(
    argv: list[str], message: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(workdir)
    code, out, err = run(capsys, *argv)
    assert (code, out, err) == (2, "", message)
    assert snapshot(workdir) == before  # nothing written, nothing replaced


def test_a_library_id_stands_for_its_bundled_file() -> None:
    bundled = os.path.realpath(LIBRARY / "jang2025-canine-itp.yaml")  # type: ignore[call-overload]
    assert input_files("jang2025-canine-itp", None, "my.yaml", "", "r.csv") == (
        bundled,
        "my.yaml",
        "r.csv",
    )


def test_a_refusal_comes_before_any_file_is_written(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the histogram would be saved before the table: a bad -o is refused before both
    before = snapshot(workdir)
    code, _, err = run(
        capsys, "simulate", "my.yaml", *DOSE, "--roster", "r.csv", "--plot", "h.png", "-o", "r.csv"
    )
    assert (code, err) == (2, _input("r.csv", "r.csv"))
    code, _, err = run(
        capsys,
        "simulate",
        "my.yaml",
        *DOSE,
        "--roster",
        "r.csv",
        "--plot",
        "h.png",
        "-o",
        "missing/table.txt",
    )
    assert (code, err) == (
        2,
        "error: cannot write missing/table.txt: the folder 'missing' does not exist "
        "(create it first or choose another path)\n",
    )
    assert snapshot(workdir) == before


# -- devices, FIFOs and links ---------------------------------------------------------------------
@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null")
def test_dev_null_is_written_as_a_stream(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "dose", *REGIMEN, "--weight", "12kg", "-o", "/dev/null") == (0, "", "")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_a_fifo_receives_the_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["dose", *REGIMEN, "--weight", "12kg", "--format", "csv"]
    code, expected, _ = run(capsys, *argv)
    assert code == 0
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    assert run(capsys, *argv, "-o", str(fifo)) == (0, "", "")
    reader.join(timeout=10)
    assert received == [expected.encode("utf-8")]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_link_is_kept_and_its_target_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["dose", *REGIMEN, "--weight", "12kg", "--format", "json"]
    expected = run(capsys, *argv)[1]
    (tmp_path / "real.json").write_text("old")
    (tmp_path / "plan.json").symlink_to("real.json")
    assert run(capsys, *argv, "-o", str(tmp_path / "plan.json")) == (0, "", "")
    assert os.readlink(tmp_path / "plan.json") == "real.json"
    assert (tmp_path / "real.json").read_text(encoding="utf-8") == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json", "real.json"]


# -- paths that cannot be written -----------------------------------------------------------------
def test_unwritable_output_paths_are_one_line_errors(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long = "a" * 252 + ".csv"  # 256 bytes
    cases = {
        ".": "error: cannot write .: it is a folder (name a file inside it)\n",
        "/": "error: cannot write /: it is a folder (name a file inside it)\n",
        "r.csv/plan.csv": "error: cannot write r.csv/plan.csv: a part of the path is a file, "
        "not a folder (choose another path)\n",
        long: f"error: cannot write {long}: the file name is longer than 255 bytes "
        "(choose a shorter name)\n",
    }
    before = snapshot(workdir)
    for output, message in cases.items():
        code, out, err = run(capsys, "dose", *REGIMEN, "--weight", "12kg", "-o", output)
        assert (code, out, err) == (2, "", message)
    assert snapshot(workdir) == before


@pytest.mark.parametrize("length", [251, 255])
def test_a_long_name_is_written(
    length: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "p" * (length - 5) + ".json"
    code, _, err = run(
        capsys, "dose", *REGIMEN, "--weight", "12kg", "--format", "json", "-o", str(tmp_path / name)
    )
    assert (code, err) == (0, "")
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert json.loads((tmp_path / name).read_text(encoding="utf-8"))["patient"]["weight_kg"] == 12


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full (Linux only)")
def test_a_full_device_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "dose", *REGIMEN, "--weight", "12kg", "-o", "/dev/full") == (
        1,
        "",
        "error: cannot write /dev/full: no space left on device "
        "(free some space or fix the disk, then run again)\n",
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["dose", *REGIMEN, "--weight", "12kg", "--format", "csv", "-o", "plan.csv"],
        ["plot", *REGIMEN, "-o", "plan.png"],
        ["simulate", *REGIMEN, "--patients", "5", "--plot", "plan.png"],
    ],
    ids=["dose", "plot", "simulate"],
)
def test_a_full_disk_exits_1_and_leaves_nothing(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "fsync", full)
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert err == (
        f"error: cannot write {argv[-1]}: no space left on device "
        "(free some space or fix the disk, then run again)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_failing_savefig_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from matplotlib.figure import Figure

    def broken(self: Figure, *args: object, **kwargs: object) -> None:
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(Figure, "savefig", broken)
    code, _, err = run(capsys, "plot", *REGIMEN, "-o", str(tmp_path / "fig.pdf"))
    assert code == 1
    assert err.startswith("internal error: RuntimeError: renderer failed (a bug in celldose;")
    assert list(tmp_path.iterdir()) == []


# -- concurrent runs and signals (subprocesses) ---------------------------------------------------
_CLI = "import sys; from celldose.cli import main; sys.exit(main(sys.argv[1:]))"


def _cli(folder: Path, cache: Path, argv: list[str], script: str = _CLI) -> subprocess.Popen[str]:
    """A celldose run in ``folder``, with a cache of its own (what is raced here is the output)."""
    return subprocess.Popen(
        [sys.executable, "-c", script, *argv],
        cwd=folder,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_runs_writing_one_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    weights = [10, 11]
    procs = [
        _cli(out, tmp_path / f"cache{w}", ["dose", *REGIMEN, "--weight", f"{w}kg", "--format",
             "json", "-o", "same.json"])
        for w in weights
    ]  # fmt: skip
    results = [(p.communicate(timeout=60), p.returncode) for p in procs]
    assert results == [(("", ""), 0)] * len(weights)
    assert [p.name for p in out.iterdir()] == ["same.json"]  # no temporary file left
    plan = json.loads((out / "same.json").read_text(encoding="utf-8"))
    assert plan["patient"]["weight_kg"] in weights  # one whole output, from one of the runs


_SLOW_WRITE = """
import os, signal, sys, time
from pathlib import Path
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
fsync = os.fsync
def slow_fsync(fd):
    if not list(Path(".").glob(".plan.csv.*.tmp")):  # another file (a cache entry)
        return fsync(fd)
    Path("../" + Path.cwd().name + ".marker").write_text("writing")
    time.sleep(60)
os.fsync = slow_fsync
from celldose.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_signal_during_the_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    expected = {signal.SIGINT: (130, "aborted"), signal.SIGTERM: (143, "")}
    argv = ["dose", *REGIMEN, "--weight", "12kg", "--format", "csv", "-o", "plan.csv"]
    runs = {}
    for signum in expected:
        folder = tmp_path / signum.name
        folder.mkdir()
        runs[signum] = (folder, _cli(folder, tmp_path / f"cache-{signum.name}", argv, _SLOW_WRITE))
    for signum, (folder, proc) in runs.items():
        marker = tmp_path / f"{signum.name}.marker"
        deadline = time.monotonic() + 60
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists(), proc.communicate()
        assert [p.name for p in folder.iterdir()][0].startswith(".plan.csv.")  # mid-write
        proc.send_signal(signum)
    for signum, (folder, proc) in runs.items():
        _, err = proc.communicate(timeout=30)
        assert (proc.returncode, err.strip()) == expected[signum]
        assert list(folder.iterdir()) == []  # neither plan.csv nor its temporary file


# -- CSV outputs: text is never a formula ---------------------------------------------------------
# (a label starting with a carriage return is refused when the file is read: test_printable_text)
LABELS = ['=HYPERLINK("http://x","y")', "+1+2", "-1+2", "@SUM(A1)", "\tTAB"]


@pytest.fixture
def formula_protocol(tmp_path: Path) -> Path:
    """A protocol whose arm labels and response-window labels start like formulas."""
    arms = "".join(
        f"  - name: arm{i}\n    label: {json.dumps(label)}\n    role: treatment\n    n: 4\n"
        "    regimen: 1×10⁶ cells/kg q4w ×2\n"
        for i, label in enumerate(LABELS)
    )
    windows = "".join(
        f"  - label: {json.dumps(label)}\n    definition: '=1+1'\n    arm: arm{i}\n"
        "    anchor: first dose\n    start: 1 week\n    end: 8 weeks\n"
        "    responders: {k: 1, n: 4}\n"
        for i, label in enumerate(LABELS)
    )
    path = tmp_path / "formulas.yaml"
    path.write_text(
        "id: formula-test\ntitle: '=title'\nspecies: dog\nindication: '+ITP'\n"
        "product:\n  name: '@product'\n  tissue_source: adipose tissue\n  donor: autologous\n"
        f"  origin_species: dog\nroute: IV\narms:\n{arms}response_windows:\n{windows}"
        "follow_up: 12 weeks\nreference:\n  citation: '=cite'\n",
        encoding="utf-8",
    )
    return path


def test_compare_csv_neutralises_window_labels(
    formula_protocol: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "compare", str(formula_protocol), "--weight", "12kg", "--format", "csv"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["window"] for r in rows] == ["'" + label for label in LABELS]
    assert out.splitlines()[1].split(",")[:5] == ["formula-test", "arm0", "dog", "IV", "4"]
    assert ',"\'=HYPERLINK(""http://x"",""y"")",' in out  # prefixed, then quoted
    assert [r["cells_per_dose"] for r in rows] == ["12000000.0"] * len(LABELS)  # numbers stay


@pytest.mark.parametrize("arm", range(len(LABELS)))
def test_cohort_csv_neutralises_window_labels(
    arm: int, formula_protocol: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "simulate",
        str(formula_protocol),
        "--arm",
        f"arm{arm}",
        "--patients",
        "4",
        "--format",
        "csv",
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    responders = [r for r in rows if r["quantity"] == "responders"]
    assert [r["label"] for r in responders] == [f"'{LABELS[arm]} (1/4 published)"]


def test_dose_csv_keeps_offsets_and_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    # +1 month is celldose's own offset (not text from a file): it stays as it is
    code, out, _ = run(
        capsys, "dose", "qi2017-sjogren-thrombocytopenia", "--weight", "60kg", "--format", "csv"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["offset"] for r in rows] == ["day 0", "+1 month", "+2 months", "+3 months"]
    assert [r["cells"] for r in rows] == ["120000000.0"] * 4
    assert out.endswith("False,,,\n") and not out.endswith("\n\n")  # capped, 3 rounding cols


def test_csv_text_neutralises_text_by_type_not_by_first_character() -> None:
    rows = [
        {"label": "=1+2", "day": -3, "ratio": -0.5, "flag": True, "list": [-1.0, 2.0]},
        {"label": "+x", "day": None, "ratio": 1e20, "flag": False, "list": ["=a", "b"]},
        {"label": '-y, "z"', "day": 0, "ratio": "-2", "flag": None, "list": []},
        {"label": "@a", "day": 1, "ratio": "\tt", "flag": "a\rb", "list": "ok"},
        {"label": "plain", "day": 2, "ratio": "\rr", "flag": "x", "list": "+1 month"},
    ]
    text = csv_text(["label", "day", "ratio", "flag", "list"], rows)
    assert text == (
        "label,day,ratio,flag,list\n"
        '"\'=1+2",-3,-0.5,True,-1.0;2.0\n'
        '"\'+x",,1e+20,False,"\'=a;b"\n'
        '"\'-y, ""z""",0,"\'-2",,\n'
        '"\'@a",1,"\'\tt","a\rb",ok\n'
        'plain,2,"\'\rr",x,"\'+1 month"\n'
    )
    assert csv_text(["list"], [{"list": "+1 month"}], verbatim=("list",)) == "list\n+1 month\n"
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert read[4] == ["'@a", "1", "'\tt", "a\rb", "ok"]  # a CR inside a cell stays inside
