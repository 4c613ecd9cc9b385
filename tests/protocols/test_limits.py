"""Limits (issue 10, rule 3): the ``limits:`` model, its shorthand clauses, where they apply.

The shorthand and the structured form are tested to agree; a limit without its action is
refused with the choices (cap, refuse), never defaulted in a file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from celldose.protocols import (
    Limit,
    ProtocolFileError,
    Regimen,
    RegimenSyntaxError,
    merge_limits,
    parse_protocol,
    parse_regimen,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ryoncil-label.yaml"


def test_structured_and_shorthand_agree() -> None:
    structured = Regimen.model_validate(
        {
            "phases": [{"dose": "2×10⁶ cells/kg", "every": "1 week", "count": 4}],
            "limits": [
                {"max_per_dose": "2×10⁸ cells", "action": "cap"},
                {"max_per_course": "6×10⁸ cells", "action": "refuse"},
                {"dose_weight_up_to": "100 kg", "action": "cap"},
            ],
        }
    )
    text = (
        "2×10⁶ cells/kg weekly ×4; max per dose 2×10⁸ cells; "
        "max per course: 6e8 cells (refuse); dose by weight up to 100 kg (cap)"
    )
    assert parse_regimen(text) == structured
    assert structured.to_shorthand() == (
        "2×10⁶ cells/kg weekly ×4; max per dose 2×10⁸ cells (cap); "
        "max per course 6×10⁸ cells (refuse); dose by weight up to 100 kg (cap)"
    )
    assert parse_regimen(structured.to_shorthand()) == structured


def test_shorthand_limit_without_action_caps() -> None:
    (limit,) = parse_regimen("1e6 cells/kg q4w ×2; maximum per dose 3×10⁸ cells").limits
    assert limit == Limit(max_per_dose=3e8, action="cap")


def test_shorthand_limit_after_a_decision() -> None:
    regimen = parse_regimen(
        "2×10⁶ cells/kg twice weekly for 4 weeks; assess on day 28 ± 2; "
        "if partial response: weekly ×4; max per course 4×10⁸ cells"
    )
    assert regimen.decision is not None
    assert regimen.limits == (Limit(max_per_course=4e8, action="cap"),)


def test_weight_cap_reads_pounds() -> None:
    # 220.462262185 lb × 0.45359237 kg/lb = 100 kg
    limit = Limit(dose_weight_up_to="220.462262185 lb", action="cap")
    assert limit.value == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "1e6 cells/kg q4w ×2; max per dose 3e8",
            "regimen '1e6 cells/kg q4w ×2; max per dose 3e8' 'max per dose 3e8' at characters "
            "22-37: cannot read '3e8': a limit needs a unit (write 3e8 cells) (write e.g. "
            "'max per dose 3×10⁸ cells', 'max per course 3×10⁸ cells (refuse)' or "
            "'dose by weight up to 100 kg (cap)')",
        ),
        (
            "1e6 cells/kg q4w ×2; max per dose 3e8 cells (maybe)",
            "regimen '1e6 cells/kg q4w ×2; max per dose 3e8 cells (maybe)' 'max per dose 3e8 "
            "cells (maybe)' at characters 22-51: a limit's action is cap (reduce the dose to the "
            "limit) or refuse (refuse the plan), not 'maybe' (write e.g. 'max per dose 3×10⁸ "
            "cells', 'max per course 3×10⁸ cells (refuse)' or 'dose by weight up to 100 kg (cap)')",
        ),
    ],
)
def test_shorthand_refusals(text: str, message: str) -> None:
    with pytest.raises(RegimenSyntaxError) as info:
        parse_regimen(text)
    assert str(info.value) == message


def test_action_is_required() -> None:
    with pytest.raises(ValidationError) as info:
        Limit.model_validate({"max_per_dose": "3×10⁸ cells"})
    assert (
        "the limit 'max_per_dose: 3×10⁸ cells' needs its action: add action: cap (reduce the "
        "dose to the limit) or action: refuse (refuse the plan)"
    ) in str(info.value)


def test_an_unknown_action_names_the_choices() -> None:
    with pytest.raises(ValidationError) as info:
        Limit.model_validate({"max_per_dose": "3×10⁸ cells", "action": "truncate"})
    assert info.value.errors()[0]["loc"] == ("action",)
    assert (
        "a limit's action is cap (reduce the dose to the limit) or refuse (refuse the plan), "
        "not 'truncate'"
    ) in str(info.value)


def test_one_kind_per_entry() -> None:
    with pytest.raises(ValidationError) as info:
        Limit.model_validate(
            {"max_per_dose": "3e8 cells", "max_per_course": "9e8 cells", "action": "cap"}
        )
    assert (
        "a limit gives exactly one of max_per_dose, max_per_course, dose_weight_up_to (this "
        "one gives max_per_dose, max_per_course): write one entry each"
    ) in str(info.value)


def test_limit_below_one_cell_refused() -> None:
    with pytest.raises(ValidationError) as info:
        Limit(max_per_dose="0.5 cells", action="cap")
    assert "a limit is at least 1 cell, not 0.5 cells" in str(info.value)


def test_schema_has_no_stray_keywords() -> None:
    from celldose.protocols import protocol_json_schema

    limit = protocol_json_schema()["$defs"]["Limit"]
    assert limit["required"] == ["action"]
    assert limit["properties"]["action"]["enum"] == ["cap", "refuse"]
    for name in ("max_per_dose", "max_per_course", "dose_weight_up_to"):
        assert limit["properties"][name]["anyOf"][0] == {"maxLength": 20000, "type": "string"}


def test_later_levels_replace_same_kind_and_action() -> None:
    protocol = (Limit(max_per_dose=3e8, action="cap"), Limit(max_per_course=1e9, action="cap"))
    arm = (Limit(max_per_dose=2e8, action="cap"),)
    regimen = (Limit(max_per_dose=4e8, action="refuse"),)
    assert merge_limits(protocol, arm, regimen) == (
        Limit(max_per_dose=2e8, action="cap"),
        Limit(max_per_course=1e9, action="cap"),
        Limit(max_per_dose=4e8, action="refuse"),
    )


def _ryoncil(extra: str) -> str:
    return FIXTURE.read_text(encoding="utf-8").replace("route: IV\n", "route: IV\n" + extra, 1)


def test_file_limits_at_protocol_and_arm_level() -> None:
    text = _ryoncil("limits:\n  - {max_per_dose: 3×10⁸ cells, action: cap}\n").replace(
        "    n: 54\n", "    n: 54\n    limits: [{dose_weight_up_to: 100 kg, action: refuse}]\n", 1
    )
    protocol = parse_protocol(text)
    assert protocol.limits == (Limit(max_per_dose=3e8, action="cap"),)
    assert protocol.arms[0].limits == (Limit(dose_weight_up_to=100, action="refuse"),)


def test_file_limit_without_action_is_refused() -> None:
    with pytest.raises(ProtocolFileError) as info:
        parse_protocol(_ryoncil("limits:\n  - max_per_dose: 3×10⁸ cells\n"))
    assert "needs its action: add action: cap" in str(info.value)
    assert "or action: refuse (refuse the plan)" in str(info.value)
