"""The dose plan from Python: text where a value object is expected, results that print short
and become plain data (to_dict is the JSON of `celldose dose`), errors that are celldose's own."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import replace

import pytest

from celldose.protocols import (
    CelldoseError,
    OptionError,
    PatientError,
    load_protocol,
    parse_dose,
    parse_duration,
    protocol_from_regimen,
)
from celldose.simulator.dosing import DoseOptions, make_patient, plan_doses
from celldose.simulator.dosing import get_species as species

JANG = "jang2025-canine-itp"


def test_keywords_take_text_and_agree_with_value_objects() -> None:
    by_text = plan_doses(JANG, weight="26.5 lb", dose="1e6 cells/kg", start="2026-12-01")
    by_objects = plan_doses(
        load_protocol(JANG),
        make_patient(species("dog"), "26.5lb"),
        options=DoseOptions(dose=parse_dose("1e6 cells/kg"), start=dt.date(2026, 12, 1)),
    )
    assert by_text == by_objects
    # 1×10⁶ cells/kg × 12.020197805 kg = 12,020,197.805 cells
    assert by_text.to_dict()["doses"][0]["cells"] == pytest.approx(12_020_197.805, rel=1e-12)
    assert by_text.doses[0].date == dt.date(2026, 12, 1)


def test_dose_options_coerce_text() -> None:
    options = DoseOptions(dose="1e6 cells/kg", start="2026-01-05", interval="2 weeks", count="3")
    assert options.dose == parse_dose("1e6 cells/kg")
    assert options.start == dt.date(2026, 1, 5)
    assert options.interval == parse_duration("2 weeks")
    assert options.count == 3


def test_make_patient_takes_a_species_id() -> None:
    assert make_patient("dog", "12kg") == make_patient(species("dog"), "12kg")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dose": 1e6}, "dose must be text like \"1e6 cells/kg\" or a Dose, not float 1000000.0"),
        ({"count": 0}, "count must be at least 1, not 0"),
        ({"count": 2.5}, "count must be a whole number of at least 1, not float 2.5"),
        ({"start": 20260105}, 'start must be text like "2026-12-01" or a datetime.date, not int '
         "20260105"),
        ({"start": "05/01/2026"}, "start '05/01/2026' is not a date (write it as YYYY-MM-DD: "
         'start="2026-12-01")'),
        ({"scale": "kg"}, "scale must be one of 'none', 'bsa', not 'kg'"),
        ({"interval": 14}, 'interval must be text like "2 weeks" or a Duration, not int 14'),
    ],
)  # fmt: skip
def test_bad_options_raise_celldose_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(OptionError) as info:
        DoseOptions(**kwargs)  # type: ignore[arg-type]
    assert str(info.value) == message
    assert info.value.fields == tuple(kwargs)


def test_bad_plan_arguments_raise_celldose_errors() -> None:
    with pytest.raises(OptionError) as info:
        plan_doses(JANG, dose="1e6 cells/kg")
    assert str(info.value) == 'plan_doses needs the patient\'s weight (pass weight="12 kg")'
    with pytest.raises(PatientError) as patient:
        plan_doses(JANG, weight=12, dose="1e6 cells/kg")  # type: ignore[arg-type]
    assert str(patient.value) == (
        'the weight must be text with a unit or a Weight, not 12 (write it like "12kg" or "26.5lb")'
    )
    with pytest.raises(OptionError) as info:
        plan_doses(42, weight="12kg")  # type: ignore[arg-type]
    assert str(info.value) == "protocol must be a Protocol, a library id or a file path, not int 42"
    with pytest.raises(TypeError):
        plan_doses(JANG, weight="12kg", dosage="1e6 cells/kg")  # type: ignore[call-arg]


def test_missing_dose_speaks_of_the_api() -> None:
    with pytest.raises(CelldoseError) as info:
        plan_doses(JANG, weight="12kg")
    assert str(info.value) == (
        "the source (jang2025-canine-itp, arm msc) does not report the dose per administration "
        '(pass dose="<amount> cells/kg")'
    )


def test_repr_is_one_line() -> None:
    plan = plan_doses(JANG, weight="12 kg", dose="1e6 cells/kg")
    # 1×10⁶ cells/kg × 12 kg × 8 doses = 9.6×10⁷ cells
    assert repr(plan) == "DosePlan(jang2025-canine-itp, msc, 12 kg, 8 doses, 9.6×10⁷ cells)"


def test_to_dict_is_the_json_of_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from celldose.cli import main

    args = ["dose", JANG, "--weight", "12kg", "--dose", "1e6 cells/kg", "--format", "json"]
    assert main(args) in (0, None)
    written = json.loads(capsys.readouterr().out)
    for key in ("schema", "celldose_version", "provenance"):  # the CLI's envelope
        del written[key]
    plan = plan_doses(JANG, weight="12kg", dose="1e6 cells/kg")
    assert written == json.loads(json.dumps(plan.to_dict()))
    assert plan.to_dict()["basis"]["source"] == "given"
    assert plan.dose_source == "given"


def test_repr_html_escapes() -> None:
    plan = plan_doses(JANG, weight="12 kg", dose="1e6 cells/kg")
    page = plan._repr_html_()
    assert page.startswith("<div><strong>DosePlan(jang2025-canine-itp, msc, 12 kg, 8 doses")
    assert page.count("<tr>") == 9  # a header and 8 doses
    assert "<td>1.2×10⁷</td>" in page
    marked = replace(plan, warnings=("a <b> & c",))._repr_html_()
    assert "<li>a &lt;b&gt; &amp; c</li>" in marked


def test_to_pandas_has_one_row_per_dose() -> None:
    frame = plan_doses(JANG, weight="12 kg", dose="1e6 cells/kg").to_pandas()
    assert len(frame) == 8
    assert frame["cells"].tolist() == [12_000_000.0] * 8
    assert frame["cumulative_cells"].iloc[-1] == 96_000_000.0


def test_to_pandas_without_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    plan = plan_doses(JANG, weight="12 kg", dose="1e6 cells/kg")
    with pytest.raises(CelldoseError) as info:
        plan.to_pandas()
    assert str(info.value) == (
        "to_pandas needs pandas, which is not installed (pip install 'celldose[pandas]')"
    )


def test_moving_weekends_keeps_each_phases_own_spacing() -> None:
    # q2d ×3 then twice weekly ×4: days 0, 2, 4 | 6, 9, 13, 16 (doses 3 and 4 two days apart,
    # as the regimen plans them). From Friday 2026-01-09, Sunday doses move to Monday: days
    # 0, 3, 4, 6, 10, 13, 17. Gaps 3, 1 (q2d: at least 1), 2 (the boundary: the plan's own 2),
    # 4, 3, 4 (twice weekly: at least 3). The old rule wanted 3 days everywhere and refused.
    protocol = protocol_from_regimen("1e6 cells/kg q2d x3 then twice weekly x4", "dog")
    plan = plan_doses(protocol, weight="10kg", start="2026-01-09", weekends="next-weekday")
    assert [d.day for d in plan.doses] == [0, 3, 4, 6, 10, 13, 17]
    # From Monday 2026-01-05 the twice-weekly doses 4 and 5 end up 2 days apart: refused.
    with pytest.raises(OptionError) as info:
        plan_doses(protocol, weight="10kg", start="2026-01-05", weekends="next-weekday")
    assert str(info.value) == (
        "moving weekend doses puts doses 4 and 5 2 days apart (at least 3 needed) "
        '(choose another start="YYYY-MM-DD", or keep weekends=show)'
    )


def test_product_values_as_text() -> None:
    # 26.5 lb = 12.020197805 kg × 1×10⁶ cells/kg = 1.2020197805×10⁷ cells a dose;
    # / 6.68×10⁶ cells/mL = 1.79943 mL; a vial of 3.8 mL holds 2.5384×10⁷ cells: 1 vial a dose
    plan = plan_doses(
        JANG,
        weight="26.5 lb",
        dose="1e6 cells/kg",
        concentration="6.68e6 cells/mL",
        vial="3.8 mL",
    )
    first = plan.to_dict()["doses"][0]
    assert first["volume_ml"] == pytest.approx(12020197.805 / 6.68e6, rel=1e-12)
    assert first["vials"] == 1
    assert plan.warnings[:2] == (
        "concentration 6.68×10⁶ cells/mL given with concentration=",
        "vial 3.8 mL given with vial=",
    )
    capped = plan_doses(JANG, weight="26.5 lb", dose="1e6 cells/kg", cap="1e7 cells")
    assert [d.cells for d in capped.doses] == [1e7] * 8
    with pytest.raises(CelldoseError) as info:
        plan_doses(JANG, weight="26.5 lb", dose="1e6 cells/kg", concentration="6.68e6")
    assert str(info.value) == (
        "cannot read '6.68e6': concentration= needs a unit (write 6.68e6 cells/mL)"
    )
