"""The dose sheet printed by a real browser: headless Chromium prints it to PDF, poppler's
pdfinfo counts the pages and pdftotext reads the text back.

Marked ``browser``: the default test run skips it; `.ci/run` installs Chromium and poppler-utils
when missing and runs ``pytest -m browser``. Without them the tests skip, saying which is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from celldose.cli import main

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MISSING = [
    name
    for name, path in (
        ("chromium", CHROMIUM),
        ("pdfinfo", shutil.which("pdfinfo")),
        ("pdftotext", shutil.which("pdftotext")),
    )
    if path is None
]
needs_tools = pytest.mark.skipif(
    bool(MISSING),
    reason=f"not installed: {', '.join(MISSING)} (apt-get install -y chromium poppler-utils)",
)

# An 8-dose course (q4w ×8 from Tue 2026-12-01): 26.5 lb = 12.020197805 kg × 1×10⁶ cells/kg
# = 1.202×10⁷ cells a dose, shown 1.2×10⁷; 1.202×10⁷ / 6.68×10⁶ cells/mL = 1.8 mL
REX = [
    "dose",
    "jang2025-canine-itp",
    "--weight",
    "26.5lb",
    "--dose",
    "1×10⁶ cells/kg",
    "--concentration",
    "6.68e6 cells/mL",
    "--vial",
    "3.8 mL",
    "--start",
    "2026-12-01",
    "--patient-id",
    "2026-0147",
    "--owner",
    "J. Smith",
    "--clinic",
    "Riverside Veterinary Hospital",
    "--weighed",
    "2026-11-28",
    "--lot",
    "MSC-2611-04",
    "--format",
    "html",
]
DATES = ["2026-12-01", "2026-12-29", "2027-01-26", "2027-02-23"]
DATES += ["2027-03-23", "2027-04-20", "2027-05-18", "2027-06-15"]


def print_pdf(html: Path, pdf: Path) -> None:
    assert CHROMIUM is not None
    profile = pdf.parent / "profile"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert pdf.is_file()


def pdf_info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    pairs = (line.partition(":") for line in out.stdout.splitlines())
    return {key.strip(): value.strip() for key, _, value in pairs}


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    )
    return out.stdout


def write_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    sheet = tmp_path / "sheet.html"
    assert main([*REX, *extra, "-o", str(sheet)]) == 0
    return sheet


@needs_tools
@pytest.mark.parametrize(
    ("paper", "size"),
    [("a4", "594.96 x 841.92 pts (A4)"), ("letter", "612 x 792 pts (letter)")],
)
def test_an_8_dose_course_prints_on_one_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, paper: str, size: str
) -> None:
    sheet = write_sheet(tmp_path, monkeypatch, "--paper", paper)
    pdf = tmp_path / "sheet.pdf"
    print_pdf(sheet, pdf)
    info = pdf_info(pdf)
    assert (info["Pages"], info["Page size"]) == ("1", size)
    text = pdf_text(pdf)
    for date in DATES:
        row = next(line for line in text.splitlines() if date in line)
        assert "1.2×10⁷ cells" in row and "1.8 mL" in row, row
    assert "Riverside Veterinary Hospital" in text
    assert "MSC-2611-04" in text


@needs_tools
def test_a_name_with_markup_prints_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = write_sheet(tmp_path, monkeypatch, "--patient-name", "<script>alert(1)</script>")
    pdf = tmp_path / "sheet.pdf"
    print_pdf(sheet, pdf)
    assert "<script>alert(1)</script>" in pdf_text(pdf)
