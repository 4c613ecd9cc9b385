"""Free text in a protocol file is printable: an escape sequence or a bidi override is refused
where it is written; line breaks and tabs are kept."""

from __future__ import annotations

import pytest

from celldose.protocols import ProtocolFileError, parse_protocol

BASE = """\
id: t
title: T
species: dog
indication: x
product:
  name: cAT-MSC
  tissue_source: adipose tissue
  donor: allogeneic
  origin_species: dog
route: IV
dose: 1×10⁶ cells/kg
arms:
  - name: a
    label: Arm A
    regimen: q4w ×3
reference:
  citation: c
notes: "first line\\nsecond line\\tindented"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ProtocolFileError) as info:
        parse_protocol(text, "p.yaml")
    return [str(p) for p in info.value.problems]


def test_line_breaks_and_tabs_in_notes_are_kept() -> None:
    assert parse_protocol(BASE, "p.yaml").notes == "first line\nsecond line\tindented"


@pytest.mark.parametrize(
    ("escaped", "code", "kind"),
    [
        ("\\e[2J", "001B", "a control character"),  # ESC: clears the screen of whoever reads it
        ("\\x07", "0007", "a control character"),  # BEL
        ("\\r", "000D", "a control character"),  # a carriage return overprints the line
        ("\\u202e", "202E", "a bidirectional override"),
        ("\\u2066", "2066", "a bidirectional override"),
    ],
)
def test_a_control_character_in_a_label_is_refused_at_its_line(
    escaped: str, code: str, kind: str
) -> None:
    text = BASE.replace("    label: Arm A", f'    label: "Arm {escaped}A"')
    # "Arm " is 4 characters: the control character is the 5th; line 14, value at column 12
    assert problems(text) == [
        f"p.yaml:14:12: arms[0].label: the text has {kind} (U+{code}) at character 5: remove it"
    ]
