"""The route table (routes.toml), reading a route, and the administration block."""

from __future__ import annotations

from pathlib import Path

import pytest

from celldose.protocols import (
    ROUTE_NAMES,
    Administration,
    OptionError,
    ProtocolFileError,
    load_protocol,
    parse_protocol,
    protocol_json_schema,
    read_route,
    route_event,
    route_names,
    route_table,
)

PROTOCOL = """\
id: admin-test
title: Administration test
species: dog
indication: test
product: {name: MSC, tissue_source: not reported, donor: not reported, origin_species: dog}
route: IV
dose: 1×10⁶ cells/kg
administration:
  premedication: antihistamines
  final_volume: 50 mL
arms:
  - name: a
    regimen: weekly ×2
  - name: b
    regimen: weekly ×2
    administration:
      final_volume: 20 mL
      diluent: saline
reference: {citation: test}
"""


def test_the_table_the_model_and_the_schema_agree() -> None:
    assert route_names() == ROUTE_NAMES
    schema = protocol_json_schema()
    route = schema["properties"]["route"]
    enums = [option.get("enum") for option in route.get("anyOf", [route])]
    assert list(ROUTE_NAMES) in enums


def test_every_route_has_an_event_that_is_not_always_infusion() -> None:
    events = {name: info.event for name, info in route_table().items()}
    assert events["IV"] == "IV infusion"
    assert events["IM"] == "IM injection"
    assert events["intralesional"] == "intralesional injection"
    assert events["intra-articular"] == "intra-articular injection"
    assert sum("infusion" in e for e in events.values()) == 1


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("IV", "IV"),
        ("iv", "IV"),
        ("intravenous", "IV"),
        ("i.v.", "IV"),
        ("Intramuscular", "IM"),
        ("subcutaneous", "SC"),
        ("intra articular", "intra-articular"),
        ("intraarticular", "intra-articular"),
        ("intralesional", "intralesional"),
    ],
)
def test_spellings_read_as_the_canonical_name(text: str, name: str) -> None:
    assert read_route(text) == name


@pytest.mark.parametrize("text", ["oral", "infusion", "", "not reported"])
def test_anything_else_is_refused_with_the_choices(text: str) -> None:
    with pytest.raises(OptionError) as info:
        read_route(text)
    assert str(info.value) == (
        f"route {text!r} is not a route celldose knows (write one of: IV, IM, SC, "
        "intralesional, intra-articular, intrathecal, intradermal, intraperitoneal, topical)"
    )
    assert info.value.fields == ("route",)


@pytest.mark.parametrize(
    ("text", "spelling", "name"),
    [
        ("intravenus", "intravenous", "IV"),
        ("I V", "iv", "IV"),
        ("intramuscluar", "intramuscular", "IM"),
    ],
)
def test_a_near_miss_is_refused_with_the_route_it_resembles(
    text: str, spelling: str, name: str
) -> None:
    # never read as the route it resembles: refused, naming it, with the choices
    with pytest.raises(OptionError) as info:
        read_route(text)
    assert str(info.value) == (
        f"route {text!r} is not a route celldose knows (did you mean {spelling!r} ({name})? or "
        "write one of: IV, IM, SC, intralesional, intra-articular, intrathecal, intradermal, "
        "intraperitoneal, topical)"
    )


def test_route_event_of_a_route_not_reported_names_no_route() -> None:
    assert route_event("not reported") == "administration"


def test_a_protocol_reads_a_spelling_and_stores_the_canonical_name() -> None:
    protocol = parse_protocol(PROTOCOL.replace("route: IV", "route: intravenous"))
    assert protocol.route == "IV"
    assert parse_protocol(PROTOCOL.replace("route: IV", "route: not reported")).route == (
        "not reported"
    )


def test_an_arm_replaces_only_the_facts_it_writes() -> None:
    protocol = parse_protocol(PROTOCOL)
    a = protocol.arm_administration(protocol.arm("a"))
    b = protocol.arm_administration(protocol.arm("b"))
    assert (a.premedication, a.final_volume, a.diluent) == ("antihistamines", 50.0, "not reported")
    assert (b.premedication, b.final_volume, b.diluent) == ("antihistamines", 20.0, "saline")


def test_omitted_facts_are_not_reported_and_never_printed() -> None:
    empty = Administration()
    assert set(empty.to_dict().values()) == {"not reported"}
    assert empty.facts() == []


def test_facts_in_field_order() -> None:
    given = Administration(
        duration="10 ± 5 min", premedication="antihistamines", min_spacing="1 week"
    )
    assert given.facts() == [
        ("duration", "10 ± 5 min"),
        ("premedication", "antihistamines"),
        ("minimum spacing", "at least 7 days between doses"),  # 1 week = 7 days
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1 month", "min_spacing 1 month is in calendar months, whose length varies"),
        ("0 days", "min_spacing must be at least 1 day, not 0 days"),
    ],
)
def test_min_spacing_is_a_whole_number_of_days_or_weeks(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Administration(min_spacing=value)


def test_a_final_volume_needs_its_unit_in_a_file() -> None:
    with pytest.raises(ValueError, match="a volume needs a unit"):
        parse_protocol(PROTOCOL.replace("final_volume: 50 mL", "final_volume: 50"))


IA = (
    "is ambiguous: it means intra-articular or intra-arterial",
    "write intra-articular; intra-arterial is not a route celldose knows",
)
IT = (
    "is ambiguous: it means intrathecal or intratracheal",
    "write intrathecal; intratracheal is not a route celldose knows",
)
SQ = (
    'is an error-prone abbreviation on the ISMP list: SQ is misread as "5 every"',
    "write SC or subcutaneous",
)
SUB_Q = (
    'is an error-prone abbreviation on the ISMP list: its q is misread as "every"',
    "write SC or subcutaneous",
)


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("IA", IA),
        ("ia", IA),
        ("i.a.", IA),  # was answered "did you mean 'i.v.' (IV)?"
        ("I. A.", IA),
        ("IT", IT),
        ("i.t.", IT),
        ("SQ", SQ),
        ("s.q.", SQ),
        ("sub q", SUB_Q),
        ("SubQ", SUB_Q),
    ],
)
def test_an_ambiguous_or_error_prone_abbreviation_is_refused_with_its_readings(
    text: str, refusal: tuple[str, str]
) -> None:
    # never resolved to one route (IA was read as intra-articular, IT as intrathecal, SQ as SC)
    with pytest.raises(OptionError) as info:
        read_route(text)
    assert str(info.value) == f"route {text!r} {refusal[0]} ({refusal[1]})"
    assert info.value.fields == ("route",)


@pytest.mark.parametrize(
    ("text", "name"),
    [("intra-articular", "intra-articular"), ("intrathecal", "intrathecal"), ("subcut", "SC")],
)
def test_the_words_a_refusal_suggests_are_read(text: str, name: str) -> None:
    assert read_route(text) == name


def test_the_refused_table_is_not_a_route() -> None:
    assert "refused" not in route_table()


def test_a_protocol_file_with_an_ambiguous_route_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PROTOCOL.replace("route: IV", "route: IA"), encoding="utf-8")
    with pytest.raises(ProtocolFileError) as info:
        load_protocol(str(path))
    (problem,) = info.value.problems
    assert (problem.line, problem.path) == (6, "route")  # the 6th line: route: IA
    assert problem.message == f"route 'IA' {IA[0]}"
    assert problem.hint == IA[1]


@pytest.mark.parametrize(
    ("text", "known"),
    [
        ("intra-arterial", "intra-articular"),  # was "did you mean 'intra-articular'?"
        ("intraarterial", "intra-articular"),  # was "did you mean 'intrathecal'?"
        ("Intra-Arterially", "intra-articular"),
        ("intratracheal", "intrathecal"),  # was "did you mean 'intrathecal'?"
    ],
)
def test_a_route_celldose_does_not_know_is_never_offered_its_look_alike(
    text: str, known: str
) -> None:
    with pytest.raises(OptionError) as info:
        read_route(text)
    assert str(info.value) == (
        f"route {text!r} is not a route celldose knows (it is not {known}) (write one of: IV, IM, "
        "SC, intralesional, intra-articular, intrathecal, intradermal, intraperitoneal, topical)"
    )
