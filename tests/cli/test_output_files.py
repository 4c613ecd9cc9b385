"""Output files: a missing folder is a one-line refusal (exit 2), and no file is left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.cli import main

JANG = ["jang2025-canine-itp", "--dose", "1e6 cells/kg"]


@pytest.mark.parametrize(
    "argv",
    [
        ["dose", *JANG, "--weight", "12kg", "--format", "json", "-o", "{missing}/plan.json"],
        ["plot", *JANG, "-o", "{missing}/fig.png"],
        ["compare", "chen2024-itp-ucmsc", "-o", "{missing}/fig.svg"],
        ["simulate", *JANG, "--patients", "50", "--plot", "{missing}/hist.pdf"],
    ],
    ids=["dose", "plot", "compare", "simulate"],
)
def test_a_missing_folder_is_refused_in_one_line(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-folder"
    code = main([a.format(missing=missing) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: cannot write ")
    assert "does not exist" in err
    assert "Traceback" not in err
    assert not missing.exists()


def test_a_refused_dose_leaves_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "plan.csv"
    # the Jang study does not report the dose: refused before anything is written
    code = main(
        ["dose", "jang2025-canine-itp", "--weight", "12kg", "--format", "csv", "-o", str(target)]
    )
    assert code == 2
    assert "does not report the dose" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_refused_figure_leaves_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "fig.pdf"
    code = main(["plot", "chen2024-itp-ucmsc", "--size", "huge", "-o", str(target)])
    assert code == 2
    assert "--size" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_option_given_twice_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # click would keep the last --weight silently; for a dose that would be a guess
    argv = ["dose", *JANG, "--weight", "12kg", "--weight=26.5lb"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == (
        "error: --weight is given more than once: give it once (see celldose dose --help)\n"
    )


def test_a_bug_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import celldose.cli._cmd_list as listing

    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(listing, "library_protocols", broken)
    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("internal error: RuntimeError: boom (a bug in celldose;")
    assert "Traceback" not in err
    with pytest.raises(RuntimeError):
        main(["--debug", "list"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--interval", "10000000 years"], "'10000000 years' is out of range"),
        (["--interval", "101 years"], "longer than celldose plans for (at most 100 years)"),
    ],
)
def test_durations_out_of_range(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["dose", "izadi2022-t1d-bmmsc", "--weight", "60kg", *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
