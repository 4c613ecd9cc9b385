"""The roster's optional columns (name, owner, species, start, weighed, arm): one format, one
reader, for `simulate --roster` (which refuses the columns a cohort cannot honour) and `dose
--roster` (:func:`plan_roster`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from celldose.protocols import OptionError, PatientError
from celldose.simulator.dosing import DoseOptions, get_species
from celldose.simulator.scenarios import (
    ROSTER_COLUMNS,
    RosterPatient,
    parse_roster,
    plan_roster,
    read_roster,
)

DOG = get_species("dog")


def test_a_header_names_the_columns_in_any_order() -> None:
    text = "weight,arm,ID,start,name\n12kg,msc,rex,2026-12-01,Rex\n8 kg,,bella,,\n"
    roster = parse_roster(text, DOG, "c.csv", columns=ROSTER_COLUMNS)
    assert roster.columns == ("weight", "arm", "id", "start", "name")
    assert roster.ids == ("rex", "bella")
    assert roster.weights_kg == (12.0, 8.0)
    assert roster.patients == (
        RosterPatient(2, "rex", 12.0, "12kg", name="Rex", start=dt.date(2026, 12, 1), arm="msc"),
        RosterPatient(3, "bella", 8.0, "8 kg"),
    )


def test_each_line_is_checked_against_its_own_species() -> None:
    # a 4 kg cat is usual; a 30 kg cat is outside the accepted range for a cat
    text = "id,weight,species\nrex,12kg,\ntom,4kg,cat\n"
    roster = parse_roster(text, DOG, "c.csv", columns=ROSTER_COLUMNS)
    assert [p.species for p in roster.patients] == [None, "cat"]
    with pytest.raises(PatientError, match=r"^roster c.csv line 2: a cat of 30 kg is outside"):
        parse_roster("id,weight,species\ntom,30kg,cat\n", DOG, "c.csv", columns=ROSTER_COLUMNS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,weight,colour\nrex,12kg,brown\n", r"line 1: unknown column 'colour'"),
        ("id,name\nrex,Rex\n", r"line 1: the header has no weight column"),
        ("id,weight,name,name\nrex,12kg,a,b\n", r"line 1: column 'name' repeats"),
        ("id,weight,name\nrex,12kg\n", r"line 2: expected 3 fields \(id,weight,name\), found 2"),
        ("id,weight,start\nrex,12kg,1/12/2026\n", r"line 2: start '1/12/2026' is not a date"),
        ("id,weight,weighed\nrex,12kg,soon\n", r"line 2: weighed 'soon' is not a date"),
        (
            "id,weight,name\nrex,12kg,Rex\tII\n",
            r"line 2: the name has a tab at character 4 \(write it on one line\)$",
        ),
        ("id,weight,species\nrex,12kg,dragon\n", r"line 2: .*dragon"),
        ("id,weight\nre\x1bx,12kg\n", r"line 2: the id has a control character \(U\+001B\)"),
    ],
)
def test_bad_columns_and_cells_are_refused_with_their_line(text: str, message: str) -> None:
    with pytest.raises((OptionError, PatientError), match=message):
        parse_roster(text, DOG, "c.csv", columns=ROSTER_COLUMNS)


@pytest.mark.parametrize("column", ["species", "start", "arm"])
def test_a_cohort_refuses_the_columns_it_cannot_honour(column: str) -> None:
    with pytest.raises(OptionError) as info:
        parse_roster(f"id,weight,{column}\nbella,8kg,\nrex,12kg,x\n", DOG, "c.csv")
    assert info.value.message == (
        f"roster c.csv line 3: {column} 'x': a cohort gives every patient the same species, "
        "start and arm"
    )


def test_a_cohort_reads_a_clinic_list_whose_cohort_columns_are_empty() -> None:
    text = "id,weight,name,species,start,arm\nrex,26.5lb,Rex,,,\nbella,8kg,Bella,,,\n"
    roster = parse_roster(text, DOG, "c.csv")
    assert roster.ids == ("rex", "bella")
    assert roster.weights_kg == pytest.approx((26.5 * 0.45359237, 8.0), rel=1e-15)


@pytest.mark.parametrize(
    ("data", "message", "hint"),
    [
        (
            b"id;weight\nrex;12kg\n",
            "roster c.csv line 1: expected 2 fields (id,weight), found 1",
            "the fields are separated by ';': separate them by commas (CSV)",
        ),
        (
            b"id,wieght\nrex,12kg\n",
            "roster c.csv line 1: unknown column 'wieght'",
            "did you mean 'weight'? the columns are id, weight, name, owner, species, start, "
            "weighed, arm; id and weight are required",
        ),
        (
            b"id,weight\nrex,12kg\nb\xe9lla,8kg\n",  # Latin-1 é
            "roster c.csv line 3: not UTF-8 text (byte 0xe9)",
            "save the file as UTF-8 (in Excel: CSV UTF-8)",
        ),
    ],
)
def test_a_roster_file_s_defects_are_named_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, message: str, hint: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("c.csv").write_bytes(data)
    with pytest.raises(OptionError) as info:
        read_roster("c.csv", DOG, columns=ROSTER_COLUMNS)
    assert (info.value.message, info.value.hint) == (message, hint)


def test_a_missing_roster_is_said_in_words(tmp_path: Path) -> None:
    missing = tmp_path / "nosuch.csv"
    with pytest.raises(OptionError) as info:
        read_roster(missing, DOG)
    assert info.value.message == f"cannot read the roster {missing}: no such file or directory"


def test_a_cohort_reads_name_owner_and_weighed() -> None:
    roster = parse_roster("id,weight,name,owner,weighed\nrex,12kg,Rex,J,2026-11-28\n", DOG)
    assert roster.weights_kg == (12.0,)


def test_plan_roster_gives_each_line_its_own_start_arm_and_identity() -> None:
    # chen2024 expansion-2.0: 2×10⁶ cells/kg weekly ×4; escalation-0.5: 0.5×10⁶ cells/kg
    text = (
        "id,weight,start,arm,weighed\n"
        "a,70kg,2026-01-05,expansion-2.0,2026-01-02\n"
        "b,60kg,,escalation-0.5,\n"
    )
    human = get_species("human")
    roster = parse_roster(text, human, "c.csv", columns=ROSTER_COLUMNS)
    plans = plan_roster(
        "chen2024-itp-ucmsc",
        roster,
        clinic="Ward 3",
        options=DoseOptions(start=dt.date(2026, 2, 2)),
    )
    a, b = plans
    assert (a.identity.id, a.identity.clinic, a.arm) == ("a", "Ward 3", "expansion-2.0")
    assert a.doses[0].date == dt.date(2026, 1, 5) and a.doses[0].cells == pytest.approx(1.4e8)
    assert (b.arm, b.doses[0].date) == ("escalation-0.5", dt.date(2026, 2, 2))
    assert b.doses[0].cells == pytest.approx(3e7)  # 0.5×10⁶ × 60 kg
    assert b.identity.weighed is None


def test_plan_roster_names_the_line_that_cannot_be_planned() -> None:
    roster = parse_roster(
        "id,weight,arm\nrex,12kg,\nmax,20kg,nope\n", DOG, "c.csv", columns=ROSTER_COLUMNS
    )
    with pytest.raises(OptionError, match=r"^roster c.csv line 3 \(id 'max'\): protocol jang"):
        plan_roster("jang2025-canine-itp", roster, options=DoseOptions(dose="1e6 cells/kg"))
