"""The README's Python examples run as written, and say what they print."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 2
    assert all("import celldose" in block for block in BLOCKS)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i + 1}" for i in range(len(BLOCKS))])
def test_a_readme_example_runs(block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # figures are written where the reader runs it
    namespace: dict[str, object] = {}
    exec(compile(block, str(README), "exec"), namespace)


def test_the_dose_example_prints_what_the_readme_says() -> None:
    import celldose

    plan = celldose.plan_doses(
        "jang2025-canine-itp", weight="26.5 lb", dose="1e6 cells/kg", start="2026-12-01"
    )
    # 26.5 lb × 0.45359237 = 12.020197805 kg; × 1×10⁶ cells/kg = 12,020,197.805 cells a dose;
    # × 8 doses = 9.616×10⁷ cells, shown with 3 significant figures
    assert (
        repr(plan)
        == "DosePlan(jang2025-canine-itp, msc, 26.5 lb (12.02 kg), 8 doses, 9.62×10⁷ cells)"
    )
    assert plan.to_dict()["doses"][0]["cells"] == pytest.approx(12020197.805, rel=1e-12)
    chen = celldose.plan_doses("chen2024-itp-ucmsc", weight="70 kg", arm="expansion-2.0")
    assert chen.schedules[0].total_cells == pytest.approx(5.6e8, rel=1e-12)  # 2e6 × 70 × 4
    missed = celldose.whatif("jang2025-canine-itp", weight="12 kg", dose="1e6 cells/kg", skip=[2])
    assert missed.to_dict()["totals"]["simulated"]["total_cells"] == pytest.approx(8.4e7)
    readme = README.read_text(encoding="utf-8")
    for shown in (repr(plan), "# 12020197.805", "# 560000000.0", "# 84000000.0"):
        assert shown in readme
