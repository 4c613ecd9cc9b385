"""The patient's identity as library data: carried by the plan, shown in its plain data, and
the stable key of a course (calendar UIDs)."""

from __future__ import annotations

import datetime as dt

import pytest

from celldose.protocols import PatientError
from celldose.simulator.dosing import (
    PatientIdentity,
    course_key,
    make_identity,
    plan_doses,
    weight_age_warnings,
)

JANG = "jang2025-canine-itp"


def test_the_plan_carries_the_identity_into_its_data() -> None:
    identity = make_identity("rex-01", patient_name="Rex", clinic="Riverside", weighed="2026-01-02")
    plan = plan_doses(JANG, weight="12 kg", dose="1e6 cells/kg", identity=identity)
    assert plan.identity == identity
    data = plan.to_dict()
    assert data["patient"]["id"] == "rex-01"
    assert data["patient"]["weighed"] == "2026-01-02"
    assert data["patient"]["owner"] is None
    assert {r["id"] for r in data["doses"]} == {"rex-01"}


def test_a_plan_without_identity_has_an_empty_one() -> None:
    plan = plan_doses(JANG, weight="12 kg", dose="1e6 cells/kg")
    assert plan.identity == PatientIdentity() and plan.identity.empty
    assert plan.identity.label is None


def test_labels() -> None:
    assert PatientIdentity(id="rex-01", name="Rex").label == "Rex (rex-01)"
    assert PatientIdentity(id="rex-01").label == "rex-01"
    assert PatientIdentity(name="Rex").label == "Rex"


def test_weight_age_is_counted_in_whole_days() -> None:
    first = dt.date(2026, 12, 1)
    assert weight_age_warnings(PatientIdentity(weighed=dt.date(2026, 11, 24)), first) == []
    assert weight_age_warnings(PatientIdentity(weighed=dt.date(2026, 12, 1)), first) == []
    assert len(weight_age_warnings(PatientIdentity(weighed=dt.date(2026, 11, 23)), first)) == 1
    assert weight_age_warnings(PatientIdentity(weighed=dt.date(2026, 11, 1)), None) == []


def test_the_old_weight_warning_counts_from_the_first_dose_actually_given() -> None:
    # start Sat 2026-01-03 moved to Mon 2026-01-05: weighed 2025-12-28 is 8 days before the
    # first dose given (6 before the planned Saturday)
    identity = make_identity(weighed="2025-12-28")
    args = {"weight": "12 kg", "dose": "1e6 cells/kg", "start": "2026-01-03", "identity": identity}
    moved = plan_doses(JANG, weekends="next-weekday", **args)
    assert moved.warnings[0].startswith("the weight was taken on 2025-12-28, 8 days before")
    kept = plan_doses(JANG, **args)
    assert not any("weight was taken" in w for w in kept.warnings)


def test_course_key_is_the_id_or_a_digest_of_the_course() -> None:
    def key(**kw: object) -> str:
        return course_key(plan_doses(JANG, dose="1e6 cells/kg", **kw))  # type: ignore[arg-type]

    assert key(weight="12 kg", identity=make_identity("Bella B/2")) == "Bella%20B%2F2"
    plain = key(weight="12 kg", start="2026-01-05")
    assert plain.startswith("c") and len(plain) == 13
    assert plain == key(weight="12 kg", start="2026-01-05")
    assert plain != key(weight="12.5 kg", start="2026-01-05")
    assert plain != key(weight="12 kg", start="2026-01-06")
    # a weekend move does not change it: the planned first date counts
    sat = key(weight="12 kg", start="2026-01-03")
    assert sat == key(weight="12 kg", start="2026-01-03", weekends="next-weekday")


def test_make_identity_refuses_a_bad_date() -> None:
    with pytest.raises(PatientError, match=r"^weighed=.02/01/2026. is not a date \(write it as"):
        make_identity(weighed="02/01/2026")


def test_identity_must_be_an_identity() -> None:
    with pytest.raises(PatientError, match=r"^identity must be a PatientIdentity, not str 'rex'"):
        plan_doses(JANG, weight="12 kg", dose="1e6 cells/kg", identity="rex")  # type: ignore[arg-type]
