"""The strict YAML reader, read in one pass over PyYAML's events: what it passes over (a
refused key with its value, a repeated key's value) leaves every later value at its place and
line, and a second document is refused as PyYAML's composer refuses it."""

from __future__ import annotations

from celldose.protocols._yaml import read_yaml


def test_a_mapping_as_key_is_refused_and_passed_over_with_its_value() -> None:
    text = "? {a: 1}\n: {b: [1, {c: 2}]}\nd: 3\ne: [4, 5]\n"
    located = read_yaml(text, "f")
    assert not located.fatal
    # the refused key starts at line 1, column 3 (after "? "); its value is dropped
    assert [str(p) for p in located.problems] == ["f:1:3: keys must be plain words"]
    assert located.value == {"d": 3, "e": [4, 5]}
    # d on line 3, e on line 4; e's items at columns 5 and 8 of "e: [4, 5]"
    assert located.positions == {(): (1, 1), ("d",): (3, 4), ("e",): (4, 4), ("e", 0): (4, 5),
                                 ("e", 1): (4, 8)}  # fmt: skip
    assert located.key_positions == {("d",): (3, 1), ("e",): (4, 1)}


def test_a_repeated_key_is_refused_and_its_nested_value_passed_over() -> None:
    text = "a: 1\nb: x\na:\n  - {c: 2}\n  - [3]\nz: 4\n"
    located = read_yaml(text, "f")
    assert [str(p) for p in located.problems] == [
        "f:3:1: a: duplicate key 'a' (hint: keep one; YAML readers silently keep only the last)"
    ]
    assert located.value == {"a": 1, "b": "x", "z": 4}
    assert located.where(("z",)) == (6, 4)
    assert ("a", 0) not in located.positions  # the second a's items are not placed


def test_a_second_document_is_refused_at_its_start() -> None:
    located = read_yaml("a: 1\n---\nb: 2\n", "f")
    assert located.fatal
    assert [str(p) for p in located.problems] == [
        "f:2:1: YAML syntax error: but found another document (hint: check indentation and quoting)"
    ]


def test_an_anchor_in_a_second_document_is_what_is_said() -> None:
    # the whole text is read before a second document is refused: the anchor (line 4) is
    # the refusal, as it would be in the first document
    located = read_yaml("a: 1\n---\nb: 2\nc: &x 3\n", "f")
    assert [str(p) for p in located.problems] == [
        "f:4:4: anchors and aliases (&name, *name) are not allowed (hint: write the value out "
        "in full)"
    ]


def test_empty_texts() -> None:
    assert [str(p) for p in read_yaml("# a comment\n", "f").problems] == ["f: the file is empty"]
    # a document with nothing in it is a null, not an empty file
    located = read_yaml("---\n", "f")
    assert (located.fatal, located.value) == (False, None)
