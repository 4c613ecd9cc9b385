"""`celldose dose --format html`: the printable dose sheet, as HTML (the browser test prints it:
test_dose_sheet_browser.py).

Numbers by hand: 26.5 lb × 0.45359237 = 12.020197805 kg; × 1×10⁶ cells/kg = 1.202×10⁷ cells
(shown 1.2×10⁷); / 6.68×10⁶ cells/mL = 1.7994 mL (shown 1.8 mL); a 3.8 mL vial holds
2.538×10⁷ cells, so one vial a dose; 8 doses: 9.616×10⁷ cells, 14.4 mL, 8 vials.
"""

from __future__ import annotations

import re
from importlib import resources
from importlib.metadata import version
from pathlib import Path

import pytest

from celldose.cli import main

REX = [
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
    "--patient-name",
    "Rex",
    "--owner",
    "J. Smith",
    "--clinic",
    "Riverside Veterinary Hospital",
    "--weighed",
    "2026-11-28",
    "--lot",
    "MSC-2611-04",
]
# q4w from Tue 2026-12-01: +28 days each
DATES = [
    "2026-12-01 Tue",
    "2026-12-29 Tue",
    "2027-01-26 Tue",
    "2027-02-23 Tue",
    "2027-03-23 Tue",
    "2027-04-20 Tue",
    "2027-05-18 Tue",
    "2027-06-15 Tue",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["dose", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z


def sheet(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args, "--format", "html")
    assert code == 0, err
    return out


def text_of(html: str) -> str:
    """The page's text as a reader sees it: tags dropped, entities of the escapes undone."""
    text = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'")
    return " ".join(text.replace("&amp;", "&").split())


def test_the_sheet_holds_what_the_clinic_files(
    capsys: pytest.CaptureFixture[str], epoch: None
) -> None:
    text = text_of(sheet(capsys, *REX))
    for shown in (
        "Riverside Veterinary Hospital",
        "ID 2026-0147 Name Rex Owner J. Smith Species dog Weight 26.5 lb (12.02 kg) "
        "Weighed on 2026-11-28",
        "Protocol jang2025-canine-itp: cAT-MSC for refractory immune-mediated "
        "thrombocytopenia in a dog",
        "Arm msc: 1×10⁶ cells/kg q4w ×8",
        "doi:10.1007/s11259-025-10849-y",
        "Product cAT-MSC, from adipose tissue",
        "Concentration 6.68×10⁶ cells/mL",
        "Lot MSC-2611-04",
        "Route IV infusion (intravenous)",
        "Per kg of body weight: each dose is the dose per kg × the patient's weight",
        "1×10⁶ cells/kg (per kg, prescribed) × 12.02 kg body weight",
        "# date day cells volume to draw vials to thaw initials time given",
        "Course: 8 doses, 9.62×10⁷ cells, 14.4 mL, 8 vials; last dose on day 196.",
        "concentration 6.68×10⁶ cells/mL given for this patient",
        f"Computed by celldose {version('celldose')}; printed 2026-01-01.",
    ):
        assert shown in text, shown
    assert "--concentration" not in text
    for number, date in enumerate(DATES, start=1):
        day = 28 * (number - 1)
        assert f"{number} {date} {day} 1.2×10⁷ cells 1.8 mL 1 vial" in text


def test_the_sheet_is_self_contained(capsys: pytest.CaptureFixture[str], epoch: None) -> None:
    html = sheet(capsys, *REX)
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert not re.search(r"(src|href)\s*=", html, re.I)  # no image, font, link or stylesheet
    assert "@import" not in html and "url(" not in html and "http://" not in html
    assert "https://" not in html
    assert "@page { size: A4; margin: 12mm; }" in html


def test_letter_paper(capsys: pytest.CaptureFixture[str], epoch: None) -> None:
    html = sheet(capsys, *REX, "--paper", "letter")
    assert "@page { size: letter; margin: 12mm; }" in html


def test_the_same_input_gives_the_same_bytes(
    capsys: pytest.CaptureFixture[str], epoch: None, tmp_path: Path
) -> None:
    out = tmp_path / "sheet.html"
    first = sheet(capsys, *REX)
    code, _, err = run(capsys, *REX, "--format", "html", "-o", str(out))
    assert code == 0, err
    assert out.read_text(encoding="utf-8") == first


def test_the_printed_date_is_today_without_source_date_epoch(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = dt.date.today()  # the computer's date (a run across midnight: either)
    text = text_of(sheet(capsys, *REX))
    after = dt.date.today()
    assert f"printed {before.isoformat()}." in text or f"printed {after.isoformat()}." in text


def test_a_name_with_markup_prints_as_text(capsys: pytest.CaptureFixture[str], epoch: None) -> None:
    args = [*REX[:11], "--patient-name", "<script>alert(1)</script>", "--lot", "A&B"]
    html = sheet(capsys, *args)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "A&amp;B" in html


def test_missing_identity_leaves_a_line_to_fill_in(
    capsys: pytest.CaptureFixture[str], epoch: None
) -> None:
    html = sheet(capsys, *REX[:11])  # no id, name, owner, clinic, weighed date, lot
    assert 'Clinic: <span class="blank"></span>' in html
    assert '<tr><th>Lot</th><td><span class="blank"></span></td></tr>' in html
    assert '<tr><th>Weighed on</th><td><span class="blank"></span></td></tr>' in html


def test_warnings_and_notes_are_on_the_sheet_without_command_line_hints(
    capsys: pytest.CaptureFixture[str], epoch: None
) -> None:
    # Sat 2026-12-05, then every 28 days: all Saturdays; weighed 2026-11-20 is 15 days before
    args = [*REX[:9], "--start", "2026-12-05", "--weighed", "2026-11-20"]
    text = text_of(sheet(capsys, *args))
    assert (
        "Warnings the weight was taken on 2026-11-20, 15 days before the first dose "
        "(2026-12-05; more than 7): weigh the patient again and recompute"
    ) in text
    assert "doses 1, 2, 3, 4, 5, 6, 7, 8 fall on a weekend" in text
    assert "--weekends" not in text
    assert "2026-12-05 Sat (weekend)" in text


def test_a_regimen_sheet_says_it_has_no_published_source(
    capsys: pytest.CaptureFixture[str], epoch: None
) -> None:
    args = ["--regimen", "1×10⁶ cells/kg q21d ×3", "--species", "dog", "--weight", "12kg"]
    text = text_of(sheet(capsys, *args, "--start", "2026-12-01"))
    assert "Regimen 1×10⁶ cells/kg q21d ×3 (given, no published source)" in text
    assert "Route not reported" in text
    assert "Concentration not known" in text
    # 12 kg × 1×10⁶ = 1.2×10⁷ cells; no concentration or vial: volume and vials not known
    assert "1 2026-12-01 Tue 0 1.2×10⁷ cells not known not known" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "error: a dose sheet needs dates (add --start YYYY-MM-DD)"),
        (
            ["--start", "2026-12-01", "--paper", "letter", "--format", "json"],
            "error: --paper sets the page of the HTML sheet (add --format html)",
        ),
        (
            ["--start", "2026-12-01", "--lot", "L1", "--format", "csv"],
            "error: --lot is printed on the table and the HTML sheet, not in csv (use --format "
            "table or html)",
        ),
        (
            ["--start", "2026-12-01", "--lot", "L\n1"],
            "error: --lot has a line break at character 2 (write it on one line)",
        ),
    ],
)
def test_refusals(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "sheet.out"  # an ending that names no format: --format decides
    base = ["jang2025-canine-itp", "--weight", "12kg", "--dose", "1e6 cells/kg"]
    fmt = [] if "--format" in args else ["--format", "html"]
    code, stdout, err = run(capsys, *base, *args, *fmt, "-o", str(out))
    assert (code, stdout, err.strip()) == (2, "", message)
    assert not out.exists()


def test_a_bad_source_date_epoch_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    code, out, err = run(capsys, *REX, "--format", "html")
    assert (code, out) == (2, "")
    assert err.strip() == (
        "error: SOURCE_DATE_EPOCH='yesterday' is not a whole number of seconds since 1970 "
        "(set it to an integer such as 1767225600, or unset it)"
    )


def test_the_template_is_package_data() -> None:
    # in the installed package (CI's second environment installs the wheel, not the tree)
    template = resources.files("celldose.cli").joinpath("templates", "dose_sheet.html")
    assert template.is_file()
    assert "{% for sheet in sheets %}" in template.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("note", "printed"),
    [
        ("vial 3.8 mL given with vial=", "vial 3.8 mL given for this patient"),
        (
            "number of doses 8 given with count= (the source does not report it)",
            "number of doses 8 given for this patient (the source does not report it)",
        ),
        (
            "dose 3×10⁶ cells/kg from dose= is outside the dose range 1×10⁶–2×10⁶ cells/kg "
            "(given with override_range=True)",
            "dose 3×10⁶ cells/kg chosen for this patient is outside the dose range "
            "1×10⁶–2×10⁶ cells/kg (given outside it on purpose)",
        ),
    ],
)
def test_a_note_on_the_sheet_says_where_a_value_came_from_in_words(note: str, printed: str) -> None:
    from celldose.cli._sheet import sheet_note

    assert sheet_note(note) == printed


def test_a_per_m2_sheet_names_the_height_and_the_bsa(
    capsys: pytest.CaptureFixture[str], epoch: None
) -> None:
    args = ["--regimen", "5×10⁷ cells/m² weekly ×2", "--species", "human", "--weight", "70kg"]
    text = text_of(sheet(capsys, *args, "--height", "170cm", "--start", "2026-12-01"))
    # Mosteller: √(170 × 70 / 3600) = 1.8181187 m²; × 5×10⁷ cells/m² = 9.09×10⁷ cells
    assert "Weight 70 kg, height 170 cm; BSA 1.818 m² (Mosteller)" in text
    assert "9.09×10⁷ cells" in text


def test_a_decision_s_sheet_names_the_branches_it_does_not_hold(
    capsys: pytest.CaptureFixture[str], epoch: None
) -> None:
    args = ["ryoncil2024-pediatric-sr-agvhd-remestemcel", "--weight", "20kg"]
    text = text_of(sheet(capsys, *args, "--start", "2026-01-05"))
    # the label: weekly ×4 (4 doses) after a partial or mixed response; twice weekly for 4 weeks
    # (8 doses) after a recurrence following a complete response
    assert (
        "Branch partial-or-mixed-response (if partial or mixed response, 4 doses): not on this "
        "sheet; print a sheet that includes it once the assessment decides."
    ) in text
    assert (
        "Branch recurrence-after-complete-response (if recurrence after complete response, "
        "8 doses): not on this sheet"
    ) in text


def test_the_sheet_cites_what_the_source_has_and_no_missing_doi(
    capsys: pytest.CaptureFixture[str], epoch: None
) -> None:
    # Villatoro 2018: the DOI is not reported, the PubMed id is (30158120)
    args = ["villatoro2018-canine-ad-admsc", "--weight", "20kg", "--start", "2026-12-01"]
    text = text_of(sheet(capsys, *args))
    assert "Source Villatoro AJ, et al. Vet Rec 2018;183:654. PubMed 30158120" in text
    assert "doi:not reported" not in text
