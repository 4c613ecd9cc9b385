"""Every field of the protocol schema carries examples (issue 10: the schema describes every
field with an example), and every example is a value celldose accepts for that field."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from celldose.protocols import CelldoseError, Protocol, protocol_json_schema
from celldose.protocols._schema import field_examples


def _models(model: type[BaseModel], seen: dict[str, type[BaseModel]]) -> dict[str, type[BaseModel]]:
    """Every model reachable from ``model`` through its fields' annotations, by schema name."""
    seen[model.__name__] = model
    for field in model.model_fields.values():
        for kind in _kinds(field.annotation):
            if kind.__name__ not in seen:
                _models(kind, seen)
    return seen


def _kinds(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        if hasattr(annotation, "model_fields") and "root" in annotation.model_fields:
            yield from _kinds(annotation.model_fields["root"].annotation)
    for arg in typing.get_args(annotation):
        yield from _kinds(arg)


MODELS = _models(Protocol, {})
CASES = [
    (model, name, example)
    for model, fields in field_examples().items()
    for name, examples in fields.items()
    for example in examples
]


def test_every_property_of_the_schema_has_examples() -> None:
    schema = protocol_json_schema()
    nodes = [("Protocol", schema), *schema["$defs"].items()]
    missing = [
        f"{model}.{name}"
        for model, node in nodes
        for name, prop in node.get("properties", {}).items()
        if not prop.get("examples")
    ]
    assert missing == []


def test_every_example_names_a_real_field() -> None:
    unknown = [
        f"{model}.{name}"
        for model, fields in field_examples().items()
        for name in fields
        if model not in MODELS or name not in MODELS[model].model_fields
    ]
    assert unknown == []


@pytest.mark.parametrize(("model", "name", "example"), CASES, ids=lambda x: str(x)[:40])
def test_an_example_is_accepted_for_its_field(model: str, name: str, example: Any) -> None:
    field = MODELS[model].model_fields[name]
    try:
        TypeAdapter[Any](field.annotation or Any).validate_python(example)
    except CelldoseError as error:  # pragma: no cover - the message says which example
        pytest.fail(f"{model}.{name}: {example!r} is refused: {error}")


def test_an_impossible_example_would_be_refused() -> None:
    # the check above can fail: a dose without a unit is refused for the same field
    field = MODELS["WeightBand"].model_fields["dose"]
    with pytest.raises((CelldoseError, ValueError)):
        TypeAdapter[Any](field.annotation or Any).validate_python("2×10⁶")
