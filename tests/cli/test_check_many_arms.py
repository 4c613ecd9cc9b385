"""`celldose check` of a file of 1,000 arms: the work shared between arms (unit readings, each
regimen expanded once for all the cross-field checks, arm names looked up, not scanned) finds
every problem the last arms hold, at its line, as it does in a small file."""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.cli import main

HEADER = """\
id: many-arms
title: many arms
species: human
indication: test
product: {name: MSC, tissue_source: not reported, donor: allogeneic, origin_species: human}
route: IV
arms:
"""
ARM = "  - name: {name}\n    role: treatment\n    regimen: {regimen}\n"
FOOTER = """\
response_windows:
  - label: PLT
    anchor: dose 5
    start: 0 days
    end: not reported
follow_up: 1 year
reference: not reported
"""
# Arm i (1-based) starts on line 8 + 3 × (i - 1): the header takes lines 1-7, each arm 3 lines.
# Its name's value is at column 11 ("  - name: " is 10 characters), its regimen's at column 14
# ("    regimen: " is 13). The footer starts on line 8 + 3 × 1,000 = 3,008: the window's anchor
# is on line 3,010 (column 13, after "    anchor: "), follow_up on 3,013 (column 12).


def ordinary(i: int) -> str:
    """Arm i: 6 monthly doses (dose 5 exists; the last falls 5 months in, within a year)."""
    return ARM.format(name=f"arm-{i}", regimen=f"{1 + i % 9}×10⁶ cells/kg monthly ×6")


def write(tmp_path: Path, last: list[str]) -> Path:
    arms = [ordinary(i) for i in range(1, 1001 - len(last))] + last
    assert len(arms) == 1000
    path = tmp_path / "many.yaml"
    path.write_text(HEADER + "".join(arms) + FOOTER, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cross_field_problems_of_the_last_arms_are_each_found_at_their_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        [
            # arm 998 repeats the name of arm 2
            ARM.format(name="arm-2", regimen="2×10⁶ cells/kg monthly ×6"),
            # arm 999: 14 doses 30 days apart, the last on day 13 × 30 = 390, after the longest
            # year (366 days)
            ARM.format(name="arm-999", regimen="2×10⁶ cells/kg q30d ×14"),
            # arm 1000: 4 doses, fewer than the window's anchor (dose 5)
            ARM.format(name="arm-1000", regimen="2×10⁶ cells/kg q30d ×4"),
        ],
    )
    code, out, err = run(capsys, "check", str(path))
    assert (code, out) == (2, "")
    # arm 998's name: line 8 + 3 × 997 = 2,999
    assert err.splitlines() == [
        f"{path}:2999:11: arms[997].name: arm name 'arm-2' repeats; arm names must be unique "
        "(hint: rename one of them (the first is arm 2))",
        f"{path}:3010:13: response_windows[0].anchor: response window 'PLT' is anchored at "
        "dose 5, but arm 'arm-1000' has 4 doses",
        f"{path}:3013:12: follow_up: the follow-up of 1 year (counted from the first dose) ends "
        "before the last dose of arm 'arm-999' (day 390)",
    ]


def test_an_impossible_dose_in_the_last_arm_is_refused_beside_the_valid_arms_problems(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # 999 arms read "cells/kg" (read once, then shared); the last arm's cells/kg is the same
    # unit, but 2×10¹² cells/kg is more than 1×10⁹ (bounds.toml): the shared reading of the
    # unit still leaves each dose its own checks, and the refusal names its own dose. With one
    # arm invalid, the cross-field checks still run on the valid arms: arm 999's last dose
    # falls on day 13 × 30 = 390, after the follow-up (at most 366 days).
    path = write(
        tmp_path,
        [
            ARM.format(name="arm-999", regimen="2×10⁶ cells/kg q30d ×14"),
            ARM.format(name="arm-1000", regimen="2×10¹² cells/kg monthly ×6"),
        ],
    )
    code, out, err = run(capsys, "check", str(path))
    assert (code, out) == (2, "")
    # arm 1000's regimen: line 8 + 3 × 999 + 2 = 3,007; '2×10¹² cells/kg' is 15 characters
    assert err.splitlines() == [
        f"{path}:3007:14: arms[999].regimen: regimen '2×10¹² cells/kg monthly ×6' "
        "'2×10¹² cells/kg' at characters 1-15: it is 2×10¹² cells/kg, more than any dose can "
        "be (at most 1×10⁹ cells/kg: the cells alone would fill more than 1.7 mL per kg of "
        "body weight) (hint: check the dose's unit (cells/kg, not cells/g or cells/mg) and its "
        "power of ten)",
        f"{path}:3013:12: follow_up: the follow-up of 1 year (counted from the first dose) ends "
        "before the last dose of arm 'arm-999' (day 390)",
    ]


def test_a_valid_file_of_1000_arms_is_ok(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, [])
    assert run(capsys, "check", str(path)) == (0, f"ok: {path} (many-arms, 1000 arms)\n", "")


def test_a_regimen_in_a_file_keeps_a_weight_cap_written_in_lb(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The regimen text is read once, into the regimen the parser builds (it was dumped and
    # validated again, which lost the lb: "up to 45.359237 kg").
    path = tmp_path / "lb.yaml"
    path.write_text(
        HEADER
        + ARM.format(name="a", regimen="2×10⁶ cells/kg weekly ×2; dose by weight up to 100 lb")
        + "reference: not reported\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "dose", str(path), "--weight", "120lb", "--start", "2026-12-01")
    assert (code, err) == (0, "")
    # 100 lb × 0.45359237 = 45.359237 kg: 45.36 kg to 4 figures
    assert "\nlimits: dose by weight up to 100 lb (45.36 kg) (cap)\n" in out
    assert out.endswith(
        "warning: dosed at 45.36 kg (weight cap 100 lb); patient weighs 120 lb (54.43 kg)\n"
    )
