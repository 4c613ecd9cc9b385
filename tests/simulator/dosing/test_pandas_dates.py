"""to_pandas gives dates a notebook can compute with (datetime64), not text.

pandas is imported by the tests that use it, not at collection: every pytest-xdist worker
collects this module, and only the one that runs these tests needs pandas (0.2 s to import).
"""

from __future__ import annotations

import pytest

import celldose

JANG = "jang2025-canine-itp"


def test_dates_are_datetimes_and_differences_are_days() -> None:
    import pandas

    frame = celldose.plan_doses(
        JANG, weight="12 kg", dose="1e6 cells/kg", start="2026-01-03", weekends="next-weekday"
    ).to_pandas()
    assert str(frame["date"].dtype) == "datetime64[ns]"
    assert str(frame["moved_from"].dtype) == "datetime64[ns]"
    # q4w from Saturday 3 January 2026: every dose falls on a Saturday, moved to the Monday
    assert frame["date"].iloc[0] == pandas.Timestamp("2026-01-05")
    assert frame["moved_from"].iloc[0] == pandas.Timestamp("2026-01-03")
    assert (frame["date"].iloc[1] - frame["date"].iloc[0]).days == 28


def test_no_start_date_gives_missing_dates() -> None:
    frame = celldose.plan_doses(JANG, weight="12 kg", dose="1e6 cells/kg").to_pandas()
    assert frame["date"].isna().all()
    assert str(frame["date"].dtype) == "datetime64[ns]"


@pytest.mark.parametrize("column", ["planned_date", "date"])
def test_whatif_dates_are_datetimes(column: str) -> None:
    import pandas

    frame = celldose.whatif(
        JANG, weight="12 kg", dose="1e6 cells/kg", skip=[2], start="2026-01-05"
    ).to_pandas()
    assert str(frame[column].dtype) == "datetime64[ns]"
    assert frame["planned_date"].iloc[1] == pandas.Timestamp("2026-02-02")  # day 28
