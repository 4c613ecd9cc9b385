"""Cross-field checks of protocol files: each found problem is reported, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.protocols import Dose, ProtocolFileError, load_protocol

HEAD = """\
id: cross
title: cross checks
species: dog
indication: test
product: {name: X, tissue_source: fat, donor: allogeneic, origin_species: dog}
route: IV
reference: {citation: none}
"""


def problems(tmp_path: Path, body: str, *, known: tuple[str, ...] | None = None) -> list[str]:
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    with pytest.raises(ProtocolFileError) as info:
        load_protocol(str(path), known_species=known)
    return [f"{p.line}:{p.path}: {p.message}" for p in info.value.problems]


def test_an_arm_dose_that_contradicts_its_regimen_is_refused(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "arms:\n  - name: a\n    dose: 1e6 cells/kg\n    regimen: 2e6 cells/kg q2w x3\n",
    )
    # line 10 is the arm's dose (HEAD has 7 lines)
    assert found == [
        "10:arms[0].dose: arm 'a': its dose (1×10⁶ cells/kg) contradicts the dose in its "
        "regimen (2×10⁶ cells/kg); give the dose once"
    ]


def test_the_same_dose_twice_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        HEAD + "arms:\n  - name: a\n    dose: 2e6 cells/kg\n    regimen: 2×10⁶ cells/kg q2w x3\n",
        encoding="utf-8",
    )
    dose = load_protocol(str(path)).arms[0].dose
    assert dose == Dose(amount=2e6, unit="cells", basis="per kg")


def test_a_protocol_dose_no_arm_uses_is_refused(tmp_path: Path) -> None:
    found = problems(
        tmp_path, "dose: 1e6 cells/kg\narms:\n  - name: a\n    regimen: 2e6 cells/kg q2w x3\n"
    )
    assert found == [
        "8:dose: the protocol's dose (1×10⁶ cells/kg) is used by no arm: every arm gives its own"
    ]


def test_vial_size_contradicting_concentration_times_volume(tmp_path: Path) -> None:
    body = "arms:\n  - name: a\n    regimen: 2e6 cells/kg q2w x3\n"
    text = HEAD.replace(
        "origin_species: dog}",
        "origin_species: dog, concentration: 6.68e6 cells/mL, vial_volume: 3.8 mL, "
        "cells_per_vial: 5e7 cells}",
    )
    path = tmp_path / "p.yaml"
    path.write_text(text + body, encoding="utf-8")
    with pytest.raises(ProtocolFileError) as info:
        load_protocol(str(path))
    (problem,) = info.value.problems
    # 6.68e6 cells/mL × 3.8 mL = 2.5384e7 cells, not 5e7
    assert problem.path == "product"
    assert "2.538×10⁷ cells" in problem.message and "contradicts" in problem.message


def test_every_cross_problem_is_listed_at_once(tmp_path: Path) -> None:
    body = (
        "follow_up: 4 weeks\n"  # 8: ends before the last dose (day 56)
        "course_length: 2 months\n"  # 9: q4w x3 ends on day 56, next dose day 84: 59-62 fits
        "arms:\n"
        "  - name: a\n"
        "    regimen: 2e6 cells/kg q4w x3\n"
        "  - name: a\n"  # 13: repeated name
        "    regimen: 2e6 cells/kg q4w x3\n"
        "response_windows:\n"
        "  - label: R\n"
        "    arm: zzz\n"  # 17: no such arm
        "    start: 1 week\n"
        "    end: 2 weeks\n"
        "  - label: S\n"
        "    anchor: dose 9\n"  # 21: only 3 doses
        "    start: 0 days\n"
        "    end: 1 week\n"
    )
    found = problems(tmp_path, body)
    assert [f.split(":")[0] + ":" + f.split(":")[1] for f in found] == [
        "8:follow_up",
        "13:arms[1].name",
        "17:response_windows[0].arm",
        "21:response_windows[1].anchor",
    ]
    assert "ends before the last dose of arm 'a' (day 56)" in found[0]
    assert "is anchored at dose 9, but arm 'a' has 3 doses" in found[3]


def test_a_window_past_the_follow_up_is_refused(tmp_path: Path) -> None:
    body = (
        "follow_up: 1 year\n"
        "arms:\n  - name: a\n    regimen: 2e6 cells/kg q4w x3\n"
        "response_windows:\n  - label: R\n    start: 12 months\n    end: 24 months\n"
    )
    found = problems(tmp_path, body)
    assert found == [
        "15:response_windows[0].end: response window 'R' ends 24 months after the first dose, "
        "after the follow-up of 1 year"
    ]


def test_an_unknown_species_is_reported_beside_other_problems(tmp_path: Path) -> None:
    text_body = "arms:\n  - name: a\n    regimen: 2e6 cells/kg q4w x3\n    foo: 1\n"
    path = tmp_path / "p.yaml"
    path.write_text(HEAD.replace("species: dog", "species: dgo") + text_body, encoding="utf-8")
    with pytest.raises(ProtocolFileError) as info:
        load_protocol(str(path), known_species=("dog", "cat"))
    paths = [p.path for p in info.value.problems]
    assert paths == ["species", "arms[0].foo"]
    assert "did you mean 'dog'?" in info.value.problems[0].message


def test_a_number_where_a_dose_is_expected_says_how_to_write_it(tmp_path: Path) -> None:
    found = problems(tmp_path, "arms:\n  - name: a\n    dose: 2000000\n    regimen: q4w x3\n")
    assert found == [
        "10:arms[0].dose: dose must be written as text, like '2×10⁶ cells/kg' "
        "(a number alone has no unit)"
    ]


def test_a_wrong_route_is_one_line_with_every_choice(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        HEAD.replace("route: IV", "route: yes")
        + "arms:\n  - name: a\n    regimen: 2e6 cells/kg once\n",
        encoding="utf-8",
    )
    with pytest.raises(ProtocolFileError) as info:
        load_protocol(str(path))
    (problem,) = info.value.problems
    assert problem.path == "route"
    assert problem.message == "route 'yes' is not a route celldose knows"
    assert problem.hint == (
        "write one of: IV, IM, SC, intralesional, intra-articular, intrathecal, intradermal, "
        "intraperitoneal, topical"
    )


@pytest.mark.parametrize(("weeks", "fits"), [(5, False), (6, True), (10, True), (11, False)])
def test_a_course_length_is_checked_from_the_last_phase(
    tmp_path: Path, weeks: int, fits: bool
) -> None:
    # weekly ×2: days 0, 7; the next phase starts one interval later, day 14; q4w ×2: days 14
    # and 42. The would-be next dose is one interval after the last phase's doses: 14 + 2 × 28
    # = 70. A course fits from day 42 (6 weeks) to day 70 (10 weeks).
    body = (
        f"course_length: {weeks} weeks\n"
        "arms:\n  - name: a\n    regimen: 2e6 cells/kg weekly x2 then q4w x2\n"
    )
    if fits:
        path = tmp_path / "p.yaml"
        path.write_text(HEAD + body, encoding="utf-8")
        assert load_protocol(str(path)).course_length is not None
        return
    (found,) = problems(tmp_path, body)
    assert found.startswith(
        f"8:course_length: arm 'a': the stated course length of {weeks} weeks ({weeks * 7} days) "
        "contradicts the regimen "
    )
    assert found.endswith(", whose last dose falls on day 42")
