"""Protocol files: the bundled library against /work/shared/studies.md, and every refusal.

The library facts below are transcribed from studies.md (the reference document gathered from
the seed texts), not from the YAML files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from celldose.protocols import (
    NOT_REPORTED,
    Dose,
    Duration,
    FrequencyRange,
    NotReportedError,
    Phase,
    Problem,
    Protocol,
    ProtocolFileError,
    ProtocolNotFoundError,
    Regimen,
    Responders,
    library_ids,
    library_protocols,
    load_protocol,
    parse_protocol,
)

IDS = (
    "aa-ucmsc-18",
    "chen2024-itp-ucmsc",
    "enciso2019-canine-ad-admsc",
    "izadi2022-t1d-bmmsc",
    "jang2025-canine-itp",
    "lanzoni2021-covid-ards-ucmsc",
    "mcintyre2018-ciss-septic-shock-bmmsc",
    "perez-merino2015-canine-ibd-admsc",
    "qi2017-sjogren-thrombocytopenia",
    "quimby2016-feline-ckd-admsc",
    "villatoro2018-canine-ad-admsc",
)
ROUTES = {"enciso2019-canine-ad-admsc": "IM"}  # the others are IV


def cells_per_kg(amount: float) -> Dose:
    return Dose(amount=amount, unit="cells", basis="per kg")


def weeks(n: int) -> Duration:
    return Duration(amount=n, unit="week")


def days(protocol: Protocol, arm: str | None = None, which: str = "min") -> list[int | None]:
    return [d.time.days for d in protocol.arm(arm).regimen.expand(which)]  # type: ignore[arg-type]


# -- the library -------------------------------------------------------------------------------


def test_library_has_the_studies() -> None:
    assert library_ids() == IDS
    assert tuple(p.id for p in library_protocols()) == IDS


@pytest.mark.parametrize("protocol_id", IDS)
def test_library_protocol_loads_with_known_species(protocol_id: str) -> None:
    protocol = load_protocol(protocol_id, known_species={"dog", "cat", "human"})
    assert protocol.id == protocol_id
    assert protocol.route == ROUTES.get(protocol_id, "IV")


def test_jang2025_canine_itp() -> None:
    p = load_protocol("jang2025-canine-itp")
    assert p.species == "dog"
    assert p.product.name == "cAT-MSC"
    assert p.product.origin_species == "dog"
    assert p.product.tissue_source == "adipose tissue"
    assert p.product.donor == NOT_REPORTED  # "its own" cells: a lay summary only, unconfirmed
    assert p.dose == NOT_REPORTED  # dose per infusion: NOT REPORTED
    (arm,) = p.arms
    assert arm.n == 1
    assert arm.regimen == Regimen(
        phases=(Phase(every=weeks(4), count=8),), product="cAT-MSC"
    )  # q4w x8
    assert days(p) == [0, 28, 56, 84, 112, 140, 168, 196]
    assert p.phase_dose(arm, 1) == NOT_REPORTED
    (window,) = p.response_windows
    assert window.responders == Responders(k=1, n=1)
    assert window.start == NOT_REPORTED and window.end == NOT_REPORTED  # no platelet timeline
    assert p.follow_up == NOT_REPORTED
    assert p.course_length is None
    assert p.reference.doi == "10.1007/s11259-025-10849-y"
    assert p.reference.pubmed == "40875161"


def test_jang2025_with_the_lay_summary_course_length_is_refused() -> None:
    # studies.md: "eight sessions over two months" contradicts q4w x8 (last dose on day 196):
    # a validator given both must catch it.
    text = Path(_library_file("jang2025-canine-itp")).read_text(encoding="utf-8")
    with pytest.raises(ProtocolFileError) as info:
        parse_protocol(text + "course_length: 2 months\n", "jang.yaml")
    messages = [p.message for p in info.value.problems]
    assert any("contradicts" in m and "196" in m for m in messages), messages


def test_jang2025_with_a_fitting_course_length_is_accepted() -> None:
    # q4w x8: last dose on day 196, the would-be next one on day 224: 28 weeks fits.
    text = Path(_library_file("jang2025-canine-itp")).read_text(encoding="utf-8")
    p = parse_protocol(text + "course_length: 28 weeks\n", "jang.yaml")
    assert p.course_length == weeks(28)


def test_qi2017_sjogren_thrombocytopenia() -> None:
    p = load_protocol("qi2017-sjogren-thrombocytopenia")
    assert p.species == "human"
    assert p.product.donor == "allogeneic"
    assert p.product.tissue_source == NOT_REPORTED
    (arm,) = p.arms
    assert arm.n == 1
    # "2x106/Kg" in the source: 2×10⁶ cells/kg, monthly x4 (calendar months)
    assert arm.regimen == Regimen(
        phases=(Phase(dose=cells_per_kg(2e6), every=Duration(amount=1, unit="month"), count=4),)
    )
    assert p.phase_dose(arm, 1) == cells_per_kg(2e6)
    start = dt.date(2025, 1, 31)
    assert [d.time.date(start) for d in arm.regimen.expand()] == [
        dt.date(2025, 1, 31),
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 31),
        dt.date(2025, 4, 30),
    ]
    (window,) = p.response_windows
    assert window.responders == Responders(k=1, n=1)
    assert window.anchor_dose == 2  # after two infusions
    assert p.follow_up == Duration(amount=1, unit="year")


CHEN_ARMS = [
    # (arm, dose ×10⁶ cells/kg, n, responders k)
    ("escalation-0.5", 0.5e6, 3, 0),
    ("escalation-1.0", 1.0e6, 3, 2),
    ("escalation-2.0", 2.0e6, 6, 3),
    ("expansion-2.0", 2.0e6, 6, 3),
]


def test_chen2024_itp_ucmsc() -> None:
    p = load_protocol("chen2024-itp-ucmsc")
    assert p.species == "human"
    assert p.product.donor == "allogeneic"
    assert p.product.tissue_source == "umbilical cord"
    assert [a.name for a in p.arms] == [name for name, *_ in CHEN_ARMS]
    for name, amount, n, k in CHEN_ARMS:
        arm = p.arm(name)
        assert arm.n == n
        assert p.phase_dose(arm, 1) == cells_per_kg(amount)
        assert arm.regimen == Regimen(
            phases=(Phase(dose=cells_per_kg(amount), every=weeks(1), count=4),)
        )
        assert days(p, name) == [0, 7, 14, 21]
        (window,) = [w for w in p.response_windows if w.arm == name]
        assert window.responders == Responders(k=k, n=n)
        assert window.end == weeks(28)  # monitored weeks 1-28
    assert {a.role for a in p.arms[:3]} == {"dose escalation"}
    assert p.arms[3].role == "expansion"
    responders = {w.arm: w.responders for w in p.response_windows}
    escalation = [responders[name] for name, *_ in CHEN_ARMS[:3]]
    assert sum(r.k for r in escalation) == 5  # type: ignore[union-attr]
    assert sum(r.n for r in escalation) == 12  # type: ignore[union-attr]
    everyone = list(responders.values())
    assert (sum(r.k for r in everyone), sum(r.n for r in everyone)) == (8, 18)  # type: ignore[union-attr]
    assert p.reference.doi == "10.1038/s41392-024-01793-5"
    assert "NCT04014166" in p.reference.registry
    assert p.follow_up == weeks(28)


def test_aa_ucmsc_18() -> None:
    p = load_protocol("aa-ucmsc-18")
    assert p.species == "human"
    assert p.product.name == "UC-MSC"
    assert p.product.donor == "allogeneic"
    assert p.product.tissue_source == "umbilical cord"
    (arm,) = p.arms
    assert arm.n == 18
    assert p.phase_dose(arm, 1) == cells_per_kg(1e6)  # "1 × 106/kg": 1×10⁶ cells/kg
    (phase,) = arm.regimen.phases
    assert phase.times_per_week == FrequencyRange(min=1, max=2)  # once or twice a week: a range
    assert arm.regimen.is_range
    assert phase.count == NOT_REPORTED  # median 38 infusions (12-96): no fixed count
    with pytest.raises(NotReportedError) as info:
        arm.regimen.expand()
    assert info.value.field == "count"
    (window,) = p.response_windows
    assert window.responders == Responders(k=13, n=18)
    assert p.follow_up == NOT_REPORTED
    assert p.reference.doi is None  # not reported in the sources


def test_izadi2022_t1d_bmmsc() -> None:
    p = load_protocol("izadi2022-t1d-bmmsc")
    assert p.species == "human"
    assert p.product.donor == "autologous"
    assert p.product.tissue_source == "bone marrow"
    assert [a.name for a in p.arms] == ["msc", "placebo"]
    msc, placebo = p.arms
    assert placebo.is_placebo and not msc.is_placebo
    assert p.arm(None) is msc  # the only treated arm
    assert p.phase_dose(msc, 1) == cells_per_kg(1e6)  # two doses of 1×10⁶ cells/kg
    assert msc.regimen == Regimen(phases=(Phase(every=NOT_REPORTED, count=2),))
    assert msc.n == NOT_REPORTED
    with pytest.raises(NotReportedError) as info:
        msc.regimen.expand()  # the interval between the two doses is not reported
    assert info.value.field == "interval"
    # "followed for at least one year"; outcomes analysed at 12 and 24 months, so the
    # follow-up reaches 24 months (and the 12-24 month window lies within it)
    assert p.follow_up == Duration(amount=24, unit="month")
    assert p.reference.doi == "10.1186/s13287-022-02941-w"
    assert set(p.reference.registry) == {"IRCT2016070428786N1", "NCT04078308"}


def test_unknown_library_id_suggests_the_closest() -> None:
    with pytest.raises(ProtocolNotFoundError) as info:
        load_protocol("chen2024-itp")
    assert info.value.hint == "did you mean chen2024-itp-ucmsc?"


def _library_file(protocol_id: str) -> str:
    from importlib import resources

    entry = resources.files("celldose.protocols").joinpath("library", f"{protocol_id}.yaml")
    with resources.as_file(entry) as path:
        return str(path)


# -- invalid files -----------------------------------------------------------------------------

# A valid protocol; line numbers are 1-based and used by the tests below.
VALID = [
    "id: test-protocol",  # 1
    "title: A test protocol",  # 2
    "species: dog",  # 3
    "indication: Testing",  # 4
    "product:",  # 5
    "  name: cAT-MSC",  # 6
    "  tissue_source: adipose tissue",  # 7
    "  donor: allogeneic",  # 8
    "  origin_species: dog",  # 9
    "  viability: 0.9",  # 10
    "route: IV",  # 11
    "dose: 2×10⁶ cells/kg",  # 12
    "arms:",  # 13
    "  - name: msc",  # 14
    "    n: 3",  # 15
    "    regimen: q4w ×8",  # 16
    "response_windows:",  # 17
    "  - label: Response",  # 18
    "    start: 1 week",  # 19
    "    end: 28 weeks",  # 20
    "    responders: {k: 2, n: 3}",  # 21
    "reference:",  # 22
    "  citation: Test 2025.",  # 23
]


def edited(replace: dict[int, str] | None = None, add: dict[int, str] | None = None) -> str:
    """VALID with lines replaced ({line: text}) and lines inserted after a line ({after: text})."""
    lines = list(VALID)
    for number, text in (replace or {}).items():
        lines[number - 1] = text
    for after, text in sorted((add or {}).items(), reverse=True):
        lines[after:after] = text.split("\n")
    return "\n".join(lines) + "\n"


def problems_in(tmp_path: Path, text: str) -> tuple[Problem, ...]:
    path = tmp_path / "protocol.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProtocolFileError) as info:
        load_protocol(path)
    exc = info.value
    assert exc.file == str(path)
    for problem in exc.problems:
        assert problem.file == str(path)
        assert problem.message
    return exc.problems


def test_valid_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "protocol.yaml"
    path.write_text(edited(), encoding="utf-8")
    protocol = load_protocol(path)
    assert protocol.id == "test-protocol"
    assert protocol.dose == cells_per_kg(2e6)
    assert protocol.product.viability == 0.9


def test_unknown_key(tmp_path: Path) -> None:
    (problem,) = problems_in(tmp_path, edited(add={23: "colour: red"}))
    assert (problem.line, problem.column) == (24, 1)
    assert problem.path == "colour"
    assert "unknown key 'colour'" in problem.message


def test_unknown_nested_key_suggests_the_right_one(tmp_path: Path) -> None:
    (problem,) = problems_in(tmp_path, edited(replace={10: "  viabilty: 0.9"}))
    assert (problem.line, problem.column) == (10, 3)
    assert problem.path == "product.viabilty"
    assert problem.hint is not None and "did you mean 'viability'?" in problem.hint


def test_misspelled_required_key_gives_both_problems(tmp_path: Path) -> None:
    problems = problems_in(tmp_path, edited(replace={3: "speceis: dog"}))
    messages = {p.message: p for p in problems}
    unknown = messages["unknown key 'speceis'"]
    assert unknown.line == 3
    assert unknown.hint is not None and "'species'" in unknown.hint
    assert "required key 'species' is missing" in messages


def test_duplicate_key(tmp_path: Path) -> None:
    (problem,) = problems_in(tmp_path, edited(add={11: "route: IM"}))
    assert (problem.line, problem.column) == (12, 1)
    assert "duplicate key 'route'" in problem.message


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['echo hacked']",
        "!!python/object:builtins.dict {}",
        "!!str Testing",
        "!custom Testing",
    ],
)
def test_tags_are_refused(tmp_path: Path, value: str) -> None:
    (problem,) = problems_in(tmp_path, edited(replace={4: f"indication: {value}"}))
    assert problem.line == 4
    assert "tags" in problem.message


def test_anchor_and_alias_are_refused(tmp_path: Path) -> None:
    problems = problems_in(
        tmp_path, edited(replace={3: "species: &sp dog", 9: "  origin_species: *sp"})
    )
    assert sorted(p.line for p in problems) == [3, 9]
    assert all("anchors and aliases" in p.message for p in problems)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN"])
def test_non_finite_number_is_refused(tmp_path: Path, value: str) -> None:
    problems = problems_in(tmp_path, edited(replace={10: f"  viability: {value}"}))
    assert problems
    assert {p.line for p in problems} == {10}


@pytest.mark.parametrize("value", ["0", "-0.5", "1.5"])
def test_viability_out_of_range_is_refused(tmp_path: Path, value: str) -> None:
    (problem,) = problems_in(tmp_path, edited(replace={10: f"  viability: {value}"}))
    assert (problem.line, problem.path) == (10, "product.viability")


@pytest.mark.parametrize(
    ("line", "text", "path"),
    [
        (10, "  concentration: -5 cells/mL", "product.concentration"),
        (10, "  concentration: 0", "product.concentration"),
        (10, "  vial_volume: 0 mL", "product.vial_volume"),
        (12, "dose: 0 cells/kg", "dose"),
        (12, "dose: -2×10⁶ cells/kg", "dose"),
    ],
)
def test_non_positive_numbers_are_refused(tmp_path: Path, line: int, text: str, path: str) -> None:
    problems = problems_in(tmp_path, edited(replace={line: text}))
    assert [(p.line, p.path) for p in problems] == [(line, path)]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("    responders: {k: 2, n: 0}", "response_windows[0].responders.n"),
        ("    responders: {k: -1, n: 3}", "response_windows[0].responders.k"),
    ],
)
def test_bad_responders_give_one_problem(tmp_path: Path, text: str, path: str) -> None:
    # Fixed: `responders: {k: 2, n: 0}` gives two problems at line 21: the real one
    # (responders.n: "Input should be greater than or equal to 1") and a spurious one at
    # `responders` ("Input should be 'not reported'"), left over from the other member of the
    # union Responders | 'not reported' | None. _problems() drops literal_error/none_required
    # only when a telling error shares the same path; here the telling error is one level
    # deeper. Expected: the one problem at responders.n (or .k).
    problems = problems_in(tmp_path, edited(replace={21: text}))
    assert [(p.line, p.path) for p in problems] == [(21, path)]


@pytest.mark.parametrize("n", ["0", "-3"])
def test_arm_with_no_or_negative_patients_is_refused(tmp_path: Path, n: str) -> None:
    # Fixed: Arm.n (patients in the arm) has no lower bound: `n: 0` and `n: -3` load without a
    # problem. The spec refuses non-positive numbers in protocol files; an arm of 0 or -3
    # patients is a typo. Expected: one problem at line 15, path arms[0].n.
    problems = problems_in(tmp_path, edited(replace={15: f"    n: {n}"}))
    assert [(p.line, p.path) for p in problems] == [(15, "arms[0].n")]


@pytest.mark.parametrize("dose", ["70 kg", "70 Kg", "2 lb"])
def test_dose_in_kg_is_refused(tmp_path: Path, dose: str) -> None:
    (problem,) = problems_in(tmp_path, edited(replace={12: f"dose: {dose}"}))
    assert (problem.line, problem.path) == (12, "dose")
    assert "body weight" in problem.message


def test_flattened_superscript_dose_has_the_hint(tmp_path: Path) -> None:
    (problem,) = problems_in(tmp_path, edited(replace={12: "dose: 2x106/kg"}))
    assert (problem.line, problem.path) == (12, "dose")
    assert problem.hint is not None and "did you mean 2×10⁶/kg?" in problem.hint


def test_regimen_problem_is_located(tmp_path: Path) -> None:
    (problem,) = problems_in(tmp_path, edited(replace={16: "    regimen: biweekly ×4"}))
    assert problem.line == 16
    assert problem.path.startswith("arms[0].regimen")
    assert "ambiguous" in problem.message


def test_cell_product_dosed_in_mg_is_refused(tmp_path: Path) -> None:
    problems = problems_in(tmp_path, edited(replace={12: "dose: 10 mg/kg"}))
    assert any("cells" in p.message for p in problems)


def test_course_length_contradicting_the_regimen_is_refused(tmp_path: Path) -> None:
    # q4w ×8: last dose on day 196; a stated course of 2 months (59-62 days) cannot hold it.
    problems = problems_in(tmp_path, edited(add={23: "course_length: 2 months"}))
    (problem,) = problems
    assert "contradicts" in problem.message
    assert "2 months" in problem.message
    assert "196" in problem.message


def test_course_length_contradiction_points_at_the_stated_length(tmp_path: Path) -> None:
    # Fixed: the contradiction is found by Protocol's model validator, whose error location is the
    # whole protocol, so the problem is reported at line 1, column 1 with an empty path. The
    # user must find the course_length (line 24 here) or the regimen (line 16) themselves.
    # Expected: the line of course_length (24), or of the contradicted arm's regimen (16).
    (problem,) = problems_in(tmp_path, edited(add={23: "course_length: 2 months"}))
    assert problem.line in (16, 24)


@pytest.mark.parametrize(
    ("length", "fits"),
    [
        # monthly ×4: last dose 3 calendar months after the first, the next one at 4 months
        ("3 months", True),
        ("4 months", True),
        ("2 months", False),
        ("6 months", False),
        ("13 weeks", True),  # 91 days: 3 months (89-92 days) <= 91 <= 4 months (120-123)
        ("8 weeks", False),  # 56 days: before the last dose
    ],
)
def test_course_length_with_calendar_months(tmp_path: Path, length: str, fits: bool) -> None:
    text = edited(replace={16: "    regimen: monthly ×4"}, add={23: f"course_length: {length}"})
    path = tmp_path / "protocol.yaml"
    path.write_text(text, encoding="utf-8")
    if fits:
        assert load_protocol(path).course_length is not None
    else:
        (problem,) = problems_in(tmp_path, text)
        assert "contradicts" in problem.message


def test_course_length_that_fits_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "protocol.yaml"
    path.write_text(edited(add={23: "course_length: 28 weeks"}), encoding="utf-8")
    assert load_protocol(path).course_length == weeks(28)


def test_all_problems_of_a_file_are_reported(tmp_path: Path) -> None:
    text = edited(
        replace={
            10: "  viability: 0",  # non-positive
            12: "dose: 70 kg",  # a dose in kg
            21: "    responders: {k: 4, n: 3}",  # k > n
        },
        add={23: "colour: red"},  # unknown key (line 24)
    )
    problems = problems_in(tmp_path, text)
    assert sorted(p.line for p in problems) == [10, 12, 21, 24]
    by_line = {p.line: p for p in problems}
    assert by_line[10].path == "product.viability"
    assert by_line[12].path == "dose"
    assert "body weight" in by_line[12].message
    assert "exceed" in by_line[21].message
    assert by_line[24].path == "colour"


def test_duplicate_key_and_model_problems_are_reported_together(tmp_path: Path) -> None:
    text = edited(replace={12: "dose: 70 kg"}, add={11: "route: IM", 23: "colour: red"})
    # after the insertion after line 11, the dose is on line 13 and colour on line 25
    problems = problems_in(tmp_path, text)
    assert sorted(p.line for p in problems) == [12, 13, 25]
    messages = " | ".join(p.message for p in problems)
    assert "duplicate key 'route'" in messages
    assert "body weight" in messages
    assert "unknown key 'colour'" in messages


def test_every_tag_and_alias_is_reported(tmp_path: Path) -> None:
    text = edited(
        replace={
            3: "species: &sp dog",
            4: "indication: !!python/object/apply:os.system ['true']",
            9: "  origin_species: *sp",
        }
    )
    problems = problems_in(tmp_path, text)
    assert sorted(p.line for p in problems) == [3, 4, 9]


def test_problem_str_has_file_line_column_path_and_hint(tmp_path: Path) -> None:
    (problem,) = problems_in(tmp_path, edited(replace={12: "dose: 2x106/kg"}))
    text = str(problem)
    assert text.startswith(f"{problem.file}:12:")
    assert " dose: " in text
    assert "(hint: did you mean 2×10⁶/kg?" in text


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    # Fixed: read_yaml's MarkedYAMLError branch records the syntax error but does not set
    # `fatal`, so parse_protocol goes on with no value and reports only "a protocol file is a
    # mapping of fields" at line 1: the syntax error and its line (7, where the unclosed
    # `[` is noticed) are lost. Expected: "YAML syntax error: ..." at line 6 or after.
    (problem,) = problems_in(tmp_path, edited(replace={6: "  name: [cAT-MSC"}))
    assert problem.line is not None and problem.line >= 6
    assert "YAML syntax error" in problem.message


@pytest.mark.parametrize(
    "text", ["", "# only a comment\n", "- a list\n- of things\n", "just text\n"]
)
def test_not_a_mapping_is_refused(tmp_path: Path, text: str) -> None:
    assert problems_in(tmp_path, text)


def test_unknown_species_with_known_species(tmp_path: Path) -> None:
    path = tmp_path / "protocol.yaml"
    path.write_text(edited(replace={3: "species: horse"}), encoding="utf-8")
    with pytest.raises(ProtocolFileError) as info:
        load_protocol(path, known_species={"dog", "cat", "human"})
    (problem,) = info.value.problems
    assert (problem.line, problem.path) == (3, "species")
    assert problem.hint is not None and "dog" in problem.hint


def test_yes_and_no_stay_text(tmp_path: Path) -> None:
    # YAML 1.1 would read `no` as false; the strict reader keeps it as text.
    path = tmp_path / "protocol.yaml"
    path.write_text(edited(replace={4: "indication: no"}), encoding="utf-8")
    assert load_protocol(path).indication == "no"


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(ProtocolNotFoundError):
        load_protocol(tmp_path / "missing.yaml")
