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


def test_exactly_the_control_characters_and_bidi_overrides_are_refused() -> None:
    # Unicode's category Cc (control) is closed: U+0000-U+001F and U+007F-U+009F, forever (its
    # stability policy); the overrides are U+202A-U+202E and U+2066-U+2069. Every code point up
    # to U+2FFF, one at a time and inside a text (found at character 3): refused exactly when
    # it is a control other than tab and line feed, or an override.
    import unicodedata

    from celldose.protocols import refuse_control_characters

    overrides = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}
    for point in range(0x3000):
        char = chr(point)
        control = unicodedata.category(char) == "Cc" and char not in "\t\n"
        if not control and point not in overrides:
            assert refuse_control_characters(f"ab{char}c") == f"ab{char}c"
            continue
        kind = "a control character" if control else "a bidirectional override"
        with pytest.raises(ValueError) as info:
            refuse_control_characters(f"ab{char}c")
        assert str(info.value) == (f"the text has {kind} (U+{point:04X}) at character 3: remove it")
