"""Decisions (issue 10, rule 5): an assessment after the course and its conditional branches.

The shorthand and the structured form are tested to agree (as in ``test_shorthand_table.py``);
every day below is worked out by hand from the rules in ``protocols/_decision.py`` and
``protocols/_regimen.py`` (twice weekly: days 0 and 3 of each week; a duration holds the doses
strictly before its end; a branch starting 'not reported' is planned from the assessment day).
"""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from celldose.protocols import (
    Assessment,
    Branch,
    Decision,
    Dose,
    Duration,
    Phase,
    Regimen,
    RegimenError,
    RegimenSyntaxError,
    Share,
    parse_regimen,
)

RYONCIL = (
    "2×10⁶ cells/kg twice weekly for 4 weeks; assess on day 28 ± 2; "
    "if partial or mixed response: weekly ×4; "
    "if recurrence after complete response: twice weekly for 4 weeks"
)
TWO_MILLION = Dose(amount=2e6, unit="cells", basis="per kg")
TWICE_WEEKLY_4W = Phase(times_per_week=2, duration=Duration(amount=4, unit="week"))
WEEKLY_X4 = Phase(every=Duration(amount=1, unit="week"), count=4)

RYONCIL_STRUCTURED = Regimen(
    phases=(Phase(dose=TWO_MILLION, times_per_week=2, duration=Duration(amount=4, unit="week")),),
    decision=Decision(
        assess=Assessment(day=28, tolerance=2),
        branches=(
            Branch(
                name="partial-or-mixed-response",
                condition="partial or mixed response",
                phases=(WEEKLY_X4,),
            ),
            Branch(
                name="recurrence-after-complete-response",
                condition="recurrence after complete response",
                phases=(TWICE_WEEKLY_4W,),
            ),
        ),
    ),
)


def days(regimen: Regimen, name: str | None = None) -> list[int | None]:
    doses = regimen.expand() if name is None else regimen.expand_branch(name)
    return [d.time.days for d in doses]


def message(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return str(exc.value.errors()[0]["msg"]).removeprefix("Value error, ")


# -- the shorthand and the structured form agree -------------------------------------------------


def test_ryoncil_shorthand_equals_the_structured_form() -> None:
    assert parse_regimen(RYONCIL) == RYONCIL_STRUCTURED


def test_the_file_form_equals_the_shorthand() -> None:
    # as a protocol file writes it: text values, names derived from the conditions
    data = {
        "phases": [{"dose": "2×10⁶ cells/kg", "times_per_week": 2, "duration": "4 weeks"}],
        "decision": {
            "assess": "day 28 ± 2",
            "branches": [
                {
                    "condition": "partial or mixed response",
                    "phases": [{"every": "1 week", "count": 4}],
                },
                {
                    "condition": "recurrence after complete response",
                    "phases": [{"times_per_week": 2, "duration": "4 weeks"}],
                },
            ],
        },
    }
    assert Regimen.model_validate(data) == parse_regimen(RYONCIL)
    assert Regimen.model_validate(RYONCIL) == RYONCIL_STRUCTURED  # regimen: "<text>" in a file


@pytest.mark.parametrize(
    "text",
    [
        RYONCIL.replace("assess on day 28 ± 2", "assess at day 28 +/- 2"),
        RYONCIL.replace("assess on day 28 ± 2", "assessment on day 28 ± 2 days"),
        RYONCIL.replace("; ", " ; "),
        RYONCIL.replace("If", "if").replace("if partial", "IF  partial"),
    ],
)
def test_other_spellings_read_the_same(text: str) -> None:
    assert parse_regimen(text) == RYONCIL_STRUCTURED


def test_to_shorthand_parses_back() -> None:
    regimen = parse_regimen(RYONCIL)
    assert regimen.to_shorthand() == RYONCIL
    assert parse_regimen(regimen.to_shorthand()) == regimen


def test_a_branch_name_comes_from_the_condition_or_the_file() -> None:
    derived = Branch(condition="Recurrence after Complete Response!", phases=(WEEKLY_X4,))
    assert derived.name == "recurrence-after-complete-response"
    given = Branch(name="pr", condition="partial or mixed response", phases=(WEEKLY_X4,))
    assert given.name == "pr"


def test_an_assessment_without_tolerance() -> None:
    assert Assessment.model_validate("day 30") == Assessment(day=30, tolerance=0)


# -- days -------------------------------------------------------------------------------------


def test_ryoncil_days() -> None:
    regimen = parse_regimen(RYONCIL)
    # twice weekly for 4 weeks: days 0, 3 of weeks 0-3 (day 28 is not before the end)
    assert days(regimen) == [0, 3, 7, 10, 14, 17, 21, 24]
    # start not reported: planned from the assessment day, 28; weekly ×4: 28, 35, 42, 49
    assert days(regimen, "partial-or-mixed-response") == [28, 35, 42, 49]
    # twice weekly for 4 weeks from day 28: 28, 31, 35, 38, 42, 45, 49, 52
    assert days(regimen, "recurrence-after-complete-response") == [28, 31, 35, 38, 42, 45, 49, 52]


def test_branch_doses_are_numbered_on_with_phases_after_the_course() -> None:
    doses = parse_regimen(RYONCIL).expand_branch("partial-or-mixed-response")
    assert [d.number for d in doses] == [9, 10, 11, 12]
    assert {d.phase for d in doses} == {2}
    assert {d.dose for d in doses} == {None}  # no dose of its own: the course's dose


@pytest.mark.parametrize(
    ("start", "first"),
    [
        # weekly ×4: days 0, 7, 14, 21; the next dose would fall on day 28
        ("next dose", 28),
        # the assessment is day 30
        ("decision", 30),
        ("not reported", 30),
    ],
)
def test_where_a_branch_starts(start: str, first: int) -> None:
    regimen = Regimen.model_validate(
        {
            "phases": [{"dose": "1e6 cells/kg", "every": "1 week", "count": 4}],
            "decision": {
                "assess": "day 30",
                "branches": [{"condition": "partial", "start": start, "phases": [{"count": 1}]}],
            },
        }
    )
    assert days(regimen, "partial") == [first]


def test_a_branch_of_several_phases_chains_by_the_then_rule() -> None:
    regimen = parse_regimen(
        "1e6 cells/kg weekly ×2; assess on day 14; if partial: weekly ×2 then q2w ×2"
    )
    # course: 0, 7; branch from day 14: 14, 21, then one week after 21: 28, 42
    assert days(regimen, "partial") == [14, 21, 28, 42]


def test_a_branch_with_its_own_dose() -> None:
    regimen = parse_regimen(
        "2e6 cells/kg weekly ×2; assess on day 14; if partial: 1e6 cells/kg once"
    )
    (dose,) = regimen.expand_branch("partial")
    assert dose.dose == Dose(amount=1e6, unit="cells", basis="per kg")


# -- refusals ---------------------------------------------------------------------------------


def test_two_branches_with_one_name_are_refused() -> None:
    with pytest.raises(RegimenError) as exc:
        parse_regimen(
            "1e6 cells/kg weekly ×4; assess on day 28; if partial: weekly ×2; if Partial: q2w ×2"
        )
    assert str(exc.value) == (
        "regimen '1e6 cells/kg weekly ×4; assess on day 28; if partial: weekly ×2; if Partial: "
        "q2w ×2': two branches are named 'partial': give each its own name"
    )


def test_an_assessment_during_the_course_is_refused() -> None:
    with pytest.raises(RegimenError) as exc:
        parse_regimen("1e6 cells/kg weekly ×4; assess on day 14; if partial: weekly ×2")
    # weekly ×4: the last dose is day 21, after day 14
    assert str(exc.value).endswith(
        ": the assessment (day 14) is not after the course's last dose (day 21): assess after "
        "the course"
    )


def test_a_branch_without_an_assessment_is_refused() -> None:
    with pytest.raises(RegimenSyntaxError) as exc:
        parse_regimen("1e6 cells/kg weekly ×4; if partial: weekly ×2")
    assert str(exc.value) == (
        "regimen '1e6 cells/kg weekly ×4; if partial: weekly ×2' 'if partial: weekly ×2' at "
        "characters 25-45: a branch needs the assessment before it (write 'assess on day 28 ± 2; "
        "if ...')"
    )


def test_a_clause_that_is_not_understood_is_refused() -> None:
    with pytest.raises(RegimenSyntaxError) as exc:
        parse_regimen("1e6 cells/kg weekly ×4; assess on day 28; stop if complete")
    assert str(exc.value) == (
        "regimen '1e6 cells/kg weekly ×4; assess on day 28; stop if complete' 'stop if complete' "
        "at characters 43-58: is not understood (after ';' write 'assess on day 28 ± 2' or "
        "'if <condition>: <phases>' (e.g. 'if partial response: weekly ×4'))"
    )


def test_an_ambiguous_word_in_a_branch_points_at_the_whole_text() -> None:
    text = "1e6 cells/kg weekly ×4; assess on day 28; if partial: biweekly ×2"
    with pytest.raises(RegimenSyntaxError) as exc:
        parse_regimen(text)
    # "1e6 cells/kg weekly ×4;" is 23 characters, " assess on day 28;" 18 more (41),
    # " if partial: " 13 more: 'biweekly' starts at index 54 (0-based), characters 55-62
    assert exc.value.start == text.index("biweekly") == 54
    assert "'biweekly' at characters 55-62: is ambiguous" in str(exc.value)


def test_a_decision_without_a_branch_is_refused() -> None:
    with pytest.raises(RegimenSyntaxError) as exc:
        parse_regimen("1e6 cells/kg weekly ×4; assess on day 28")
    assert "a decision needs an assessment and at least one branch" in str(exc.value)


def test_a_tolerance_reaching_the_first_dose_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        Assessment.model_validate("day 2 ± 2")
    assert message(exc) == (
        "the assessment window (day 2 ± 2) starts on or before the first dose: give a smaller "
        "tolerance"
    )


def test_shares_above_all_patients_are_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        Decision(
            assess=Assessment(day=28),
            branches=(
                Branch(condition="a", phases=(WEEKLY_X4,), share=Share(k=30, n=54)),
                Branch(condition="b", phases=(WEEKLY_X4,), share=Share(k=25, n=54)),
            ),
        )
    # 30/54 + 25/54 = 55/54 > 1
    assert message(exc) == "the branches' shares (30/54, 25/54) add up to more than all patients"


def test_a_condition_with_a_colon_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        Branch(condition="response: partial", phases=(WEEKLY_X4,))
    assert message(exc) == (
        "the condition 'response: partial' cannot contain ';' or ':' (they separate the parts "
        "of the shorthand)"
    )


def test_next_dose_after_a_single_dose_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        Regimen.model_validate(
            {
                "phases": [{"dose": "1e6 cells/kg", "count": 1}],
                "decision": {
                    "assess": "day 28",
                    "branches": [
                        {"condition": "a", "start": "next dose", "phases": [{"count": 1}]}
                    ],
                },
            }
        )
    assert message(exc) == (
        "branch a starts at the 'next dose', but the course ends with a phase with no interval: "
        "give its start as 'decision'"
    )


def test_a_branch_too_close_to_the_last_dose_is_refused() -> None:
    # twice weekly at least 3 days apart ×8: days 0, 3, 7, 10, 14, 17, 21, 24; the decision on
    # day 26 is 2 days after the last dose, the stated spacing is 3: day 24 + 3 = 27
    with pytest.raises(RegimenError) as exc:
        parse_regimen(
            "1e6 cells/kg twice weekly at least 3 days apart ×8; assess on day 26; "
            "if a: twice weekly ×2"
        )
    assert str(exc.value).endswith(
        ": branch a starts 2 days after the course's last dose, closer than the 3-day minimum "
        "spacing: assess on day 27 or later"
    )
    # the spacing the branch states counts too: weekly ×8 ends on day 49, the branch is at least
    # 3 days apart and starts on day 50 (1 day after): 49 + 3 = 52
    with pytest.raises(RegimenError) as exc:
        parse_regimen(
            "1e6 cells/kg weekly ×8; assess on day 50; if a: twice weekly at least 3 days apart ×2"
        )
    assert str(exc.value).endswith(
        ": branch a starts 1 day after the course's last dose, closer than the 3-day minimum "
        "spacing: assess on day 52 or later"
    )


def test_a_frequency_gap_holds_within_its_phase_not_across_the_decision() -> None:
    # twice weekly ×8 promises 3 days between its own doses (days 0, 3, ..., 21, 24), not
    # between the course and a branch: the branch on day 26 (2 days after day 24) is accepted
    regimen = parse_regimen("1e6 cells/kg twice weekly ×8; assess on day 26; if a: twice weekly ×2")
    assert [d.time.days for d in regimen.expand_branch("a")] == [26, 29]  # 26 + 3


def test_a_weekday_branch_after_a_weekday_course() -> None:
    # Mon and Thu ×8 from Mon 2026-01-05: Jan 5, 8, 12, 15, 19, 22, 26, 29 (day 24, a Thursday).
    # The decision on day 28 is Mon 2026-02-02 (Jan 29 + 4, January has 31 days). The
    # Wednesdays pattern's 7-day gap holds between its own doses: its first dose is the first
    # Wednesday on or after the decision, Wed 2026-02-04 (day 30, 6 days after the last dose),
    # then Wed 2026-02-11 (day 37).
    text = "2×10⁶ cells/kg on Mondays and Thursdays ×8; assess on day 28 ± 2; if partial: on {} ×2"
    start = dt.date(2026, 1, 5)
    wednesdays = parse_regimen(text.format("Wednesdays")).expand_branch("partial", start=start)
    assert [(d.time.days, d.time.date(start).isoformat()) for d in wednesdays] == [
        (30, "2026-02-04"),
        (37, "2026-02-11"),
    ]
    # Mondays: the decision day itself, Mon 2026-02-02 (day 28, 4 days after day 24), then
    # Mon 2026-02-09 (day 35)
    mondays = parse_regimen(text.format("Mondays")).expand_branch("partial", start=start)
    assert [(d.time.days, d.time.date(start).isoformat()) for d in mondays] == [
        (28, "2026-02-02"),
        (35, "2026-02-09"),
    ]


def test_an_unknown_branch_is_refused_with_the_names() -> None:
    with pytest.raises(RegimenError) as exc:
        parse_regimen(RYONCIL).expand_branch("complete")
    assert str(exc.value) == (
        "the regimen has no branch 'complete' (choose one of: partial-or-mixed-response, "
        "recurrence-after-complete-response)"
    )


def test_decision_text_is_printable() -> None:
    with pytest.raises(ValidationError) as exc:
        Decision.model_validate(
            {
                "assess": "day 28",
                "branches": [{"condition": "a", "phases": [{"count": 1}]}],
                "notes": ["x\x1b[2J"],
            }
        )
    assert message(exc) == "the text has a control character (U+001B) at character 2: remove it"
    with pytest.raises(ValidationError) as exc:
        Branch(condition="partial\nresponse", phases=(WEEKLY_X4,))
    assert message(exc) == "the condition 'partial\\nresponse' is one line: remove the break"
