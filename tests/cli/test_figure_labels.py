"""Lane names people read: the protocol's short_label and the arm; --label ID=TEXT overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.cli._app import main

CHEN = "chen2024-itp-ucmsc"
QI = "qi2017-sjogren-thrombocytopenia"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_lanes_are_named_by_short_label_and_arm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "c.svg"
    assert run(capsys, "compare", CHEN, QI, "-o", str(target))[0] == 0
    svg = target.read_text("utf-8")
    assert "Chen 2024: follow-up 28 weeks" in svg  # the header above Chen's four arms
    assert "Qi 2017 (n=1): 2×10⁶ cells/kg monthly ×4" in svg
    assert "Chen 2024 escalation-0.5" in svg  # the cumulative panel's label
    assert CHEN not in svg.replace(f"{CHEN}.", "")  # the id only in element ids


def test_label_overrides_the_short_label(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "q.svg"
    code, _, err = run(
        capsys, "plot", QI, "--label", f"{QI}=Qi et al., EULAR 2017", "-o", str(target)
    )
    assert (code, err) == (0, "")
    assert "Qi et al., EULAR 2017 (n=1): 2×10⁶ cells/kg" in target.read_text("utf-8")


def test_label_for_an_unknown_id_is_refused_with_the_choices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "c.svg"
    code, out, err = run(capsys, "compare", CHEN, QI, "--label", "chen2042=X", "-o", str(target))
    assert (code, out) == (2, "")
    assert err == (
        "error: --label names 'chen2042', which is not a protocol of the figure "
        f"(use one of: {CHEN}, {QI})\n"
    )
    assert not target.exists()


@pytest.mark.parametrize("value", ["Chen 2024", f"{CHEN}=", "=Chen"])
def test_label_needs_id_and_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    code, out, err = run(capsys, "plot", CHEN, "--label", value, "-o", str(tmp_path / "c.svg"))
    assert (code, out) == (2, "")
    assert err == (
        f"error: --label {value!r} is not ID=TEXT "
        '(write --label chen2024-itp-ucmsc="Chen et al. 2024")\n'
    )


def test_label_without_a_figure_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "compare", CHEN, "--label", f"{CHEN}=Chen")
    assert code == 2
    assert err == "error: --label labels the lanes of the figure (add -o FIGURE)\n"
