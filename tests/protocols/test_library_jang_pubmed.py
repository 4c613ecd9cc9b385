"""Jang 2025's PubMed id (issue 11): kept, and marked unconfirmed in the file.

The only source that shows 40875161 is the lay summary's link to PubMed (seed 000); the
abstract's text does not carry it, and no PubMed record was read.
"""

from __future__ import annotations

from importlib import resources

from celldose.protocols import load_protocol

ID = "jang2025-canine-itp"


def test_the_pubmed_id_is_marked_unconfirmed() -> None:
    p = load_protocol(ID)
    assert p.reference.pubmed == "40875161"
    assert "PubMed 40875161 is unconfirmed" in p.notes
    text = (
        resources.files("celldose.protocols")
        .joinpath("library", f"{ID}.yaml")
        .read_text(encoding="utf-8")
    )
    (line,) = [x for x in text.splitlines() if x.strip().startswith("pubmed:")]
    assert "unconfirmed" in line
