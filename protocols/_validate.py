"""Validating a protocol file's text: the located problems, all at once, each with its hint.

:func:`validate_text` reads the YAML (line and column of every value), validates it with the
protocol models and turns pydantic's errors into :class:`Problem` lines a person can act on
(``file:line:column: path: what is wrong (hint: how to fix it)``): an unknown key with the
nearest valid one, a value of the wrong form with the forms allowed, a cross-field problem at
the field it names. Loaded only when a text is validated (a cache hit never needs it).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from celldose.protocols._bands import DoseBands
from celldose.protocols._errors import (
    CelldoseError,
    Problem,
    ProtocolFileError,
    WeightBandError,
    close_matches,
    dotted,
)
from celldose.protocols._model_base import field_adapter
from celldose.protocols._phase import NOT_REPORTED
from celldose.protocols._protocol import (
    UNITS_REQUIRED,
    FieldProblem,
    FieldProblems,
    Protocol,
    partial_cross_checks,
)


def _check_species(
    species: str,
    where: tuple[int | None, int | None],
    file: str,
    known: Collection[str] | None,
) -> Problem | None:
    """A problem when the protocol's species is not a known one."""
    if known is None or species in known:
        return None
    line, column = where
    close = close_matches(species, list(known), n=1)
    problem = Problem(
        file,
        line,
        column,
        "species",
        f"unknown species {species!r}" + (f" (did you mean {close[0]!r}?)" if close else ""),
        "use one of: " + ", ".join(sorted(known)),
    )
    return problem


def uncovered(
    protocol: Protocol,
    known_species: Collection[str] | None,
    located: Any = None,
    file: str = "",
) -> list[Problem]:
    """Weight bands that leave part of the species' plausible weights uncovered, when
    ``known_species`` maps each species id to its plausible (low, high) kg."""
    if not isinstance(known_species, Mapping) or protocol.species not in known_species:
        return []
    low, high = known_species[protocol.species]
    places: list[tuple[tuple[str | int, ...], object]] = [(("dose",), protocol.dose)]
    places.extend((("arms", i, "dose"), arm.dose) for i, arm in enumerate(protocol.arms))
    problems = []
    for path, dose in places:
        if not isinstance(dose, DoseBands):
            continue
        try:
            dose.check_covers(low, high, protocol.species)
        except WeightBandError as exc:
            line, column = located.where(path) if located is not None else (None, None)
            problems.append(Problem(file, line, column, dotted(path), exc.message, exc.hint))
    return problems


def validate_text(text: str, file: str, known_species: Collection[str] | None) -> Protocol:
    """The protocol ``text`` (named ``file`` in messages) holds; raise :class:`ProtocolFileError`
    with every problem, located, sorted by line."""
    from celldose.protocols._yaml import read_yaml

    located = read_yaml(text, file)
    if located.fatal:
        raise ProtocolFileError(file, located.problems)
    if not isinstance(located.value, dict):
        raise ProtocolFileError(
            file, [Problem(file, 1, 1, "", "a protocol file is a mapping of fields (id: ..., ...)")]
        )
    problems: list[Problem] = list(located.problems)
    protocol: Protocol | None = None
    try:
        protocol = Protocol.model_validate(located.value, context={UNITS_REQUIRED: True})
    except ValidationError as exc:
        already = {p.path for p in problems}
        problems.extend(p for p in _problems(exc, located, file) if p.path not in already)
        problems.extend(_partial_problems(located, file, {p.path for p in problems}))
    species = located.value.get("species")
    if isinstance(species, str) and not any(p.path == "species" for p in problems):
        unknown = _check_species(species, located.where(("species",)), file, known_species)
        if unknown is not None:
            problems.append(unknown)
    if protocol is not None:
        problems.extend(uncovered(protocol, known_species, located, file))
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        raise ProtocolFileError(file, problems)
    assert protocol is not None
    return protocol


def _partial_problems(located: Any, file: str, already: set[str]) -> list[Problem]:
    """The cross-field problems that the fields still valid show (the protocol's validator runs
    its cross-field checks only when every field is valid)."""
    found = []
    for cause in partial_cross_checks(located.value, {UNITS_REQUIRED: True}):
        path = dotted(tuple(cause.path))
        if path in already:
            continue
        already.add(path)
        line, column = located.where(tuple(cause.path))
        found.append(Problem(file, line, column, path, cause.message, cause.hint))
    return found


def _problems(exc: ValidationError, located: Any, file: str) -> list[Problem]:
    errors = exc.errors()
    by_path: dict[tuple[str | int, ...], list[dict[str, Any]]] = {}
    for detail in errors:
        cause = (detail.get("ctx") or {}).get("error")
        if isinstance(cause, FieldProblems):
            for item in cause.problems:
                entry = {"type": "value_error", "msg": item.message, "ctx": {"error": item}}
                by_path.setdefault(tuple(item.path), []).append(entry)
            continue
        if isinstance(cause, FieldProblem):
            path = tuple(cause.path)
        else:
            path = _data_path(detail["loc"], located.value)
            if isinstance(cause, WeightBandError):  # the band's own line
                path = (*path, *cause.where)
        by_path.setdefault(path, []).append(dict(detail))
    parents = {path[:i] for path in by_path for i in range(len(path))}
    problems: list[Problem] = []
    for path, group in by_path.items():
        deeper = path in parents
        if deeper and all(e["type"] == "too_short" for e in group):
            continue  # a list emptied by the errors of its items: those are reported
        # A union (dose: Dose | 'not reported') fails once per member; keep the telling ones.
        telling = [e for e in group if e["type"] not in _UNION_NOISE]
        if deeper or len(telling) > 1:  # a union member of another shape (dose: a Dose or bands)
            telling = [e for e in telling if not _other_shape(e, deeper)]
        if deeper and not telling:
            continue  # the real problem is reported at a field inside this one
        chosen = telling or group
        if not telling and len(group) > 1:
            chosen = [_merge_literals(group)]  # route: yes -> one line with every choice
        seen: set[str] = set()
        for error in chosen:
            message, hint = _describe(error, path)
            if message in seen:
                continue
            seen.add(message)
            key = error["type"] == "extra_forbidden"
            line, column = located.where(path, key=key)
            problems.append(Problem(file, line, column, dotted(path), message, hint))
    return problems


_UNION_NOISE = ("literal_error", "none_required")


def _shown(value: object) -> str:
    """A value as the message quotes it, cut at 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:36] + "…"


def _other_shape(error: dict[str, Any], deeper: bool) -> bool:
    """An error of a union member that wants another shape than the value has: bands (a list)
    are not a Dose, a text or a number is not a list of bands."""
    if error["type"] == "model_type":
        return isinstance(error.get("input"), list | tuple)
    return error["type"] == "tuple_type" or (deeper and error["type"] == "too_short")


_NOT_A_NUMBER = {
    "int_parsing": ("a whole number", "3"),
    "int_type": ("a whole number", "3"),
    "int_from_float": ("a whole number", "3"),
    "float_parsing": ("a number", "0.5"),
    "float_type": ("a number", "0.5"),
}
_BOUNDS = {  # pydantic's bound errors: the words, the key of the bound in the error's ctx
    "greater_than": ("more than", "gt"),
    "greater_than_equal": ("at least", "ge"),
    "less_than": ("less than", "lt"),
    "less_than_equal": ("at most", "le"),
}
_TEXT_FORMS = {
    "Dose": "'2×10⁶ cells/kg' (a number alone has no unit)",
    "Duration": "'4 weeks' or '6 months'",
    "Regimen": "'2×10⁶ cells/kg monthly ×4'",
}


def _merge_literals(group: list[dict[str, Any]]) -> dict[str, Any]:
    """One message for a union of literals: "must be one of: IV, IM, ... or 'not reported'"."""
    choices: list[str] = []
    for error in group:
        expected = str((error.get("ctx") or {}).get("expected", ""))
        for choice in expected.replace(" or ", ", ").split(", "):
            if choice and choice not in choices:
                choices.append(choice)
    if not choices:
        return {"type": "literal_error", "msg": "invalid value", "ctx": {}}
    message = "must be one of: " + ", ".join(choices)
    expected = ", ".join(choices)
    return {"type": "literal_error", "msg": message, "ctx": {"expected": expected}, **_input(group)}


def _input(group: list[dict[str, Any]]) -> dict[str, Any]:
    return {"input": group[0]["input"]} if group and "input" in group[0] else {}


def _data_path(loc: tuple[Any, ...], data: Any) -> tuple[str | int, ...]:
    """Keep the parts of pydantic's error location that index into the data itself."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str):
            if part not in node and (part[:1].isupper() or "[" in part):
                continue  # a union member or validator name ('Regimen', 'function-after[...]')
            path.append(part)
            if part not in node:
                break  # a missing or unknown key
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        # anything else names a union member or a validator ('Dose', 'function-after[...]')
    return tuple(path)


def _describe(error: dict[str, Any], path: tuple[str | int, ...]) -> tuple[str, str | None]:
    kind = error["type"]
    field = str(path[-1]) if path else "protocol"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(path[:-1])
        close = close_matches(field, allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else None
        if allowed:
            hint = (hint + " " if hint else "") + "valid keys: " + ", ".join(allowed)
        return f"unknown key {field!r}", hint
    if kind == "missing":
        return f"required key {field!r} is missing", _missing_hint(path)
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, CelldoseError):
        return cause.message, cause.hint
    if isinstance(cause, FieldProblem):
        return cause.message, cause.hint
    if kind == "model_type":
        wanted = _TEXT_FORMS.get(str((error.get("ctx") or {}).get("class_name", "")))
        if wanted:
            return f"{field} must be written as text, like {wanted}", None
    if kind == "literal_error" and (error.get("ctx") or {}).get("expected"):
        choices = _merge_literals([error])["msg"].removeprefix("must be one of: ")
        choice_words = [c.strip("'") for c in choices.split(", ")]
        given = error.get("input")
        numbers = [c for c in choices.split(", ") if not c.startswith("'")]
        if isinstance(given, str) and given.strip() in numbers:  # version: "1" for version: 1
            return (
                f"{field} must be the number {given.strip()}, not the text {given!r}",
                f"write it without quotes: {field}: {given.strip()}",
            )
        message = f"{field} must be one of: {', '.join(choice_words)}, not {_shown(given)}"
        close = close_matches(str(given), choice_words, n=1) if isinstance(given, str) else []
        return message, f"did you mean {close[0]!r}?" if close else None
    if kind in _NOT_A_NUMBER:
        wanted, example = _NOT_A_NUMBER[kind]
        given = _shown(error.get("input"))
        return f"{field} must be {wanted}, not {given}", f"write e.g. {example}"
    if kind == "string_too_long":
        limit = int((error.get("ctx") or {}).get("max_length", 0))
        length = len(str(error.get("input", "")))
        return (
            f"{field} is {length:,} characters long, more than the limit of {limit:,}",
            "shorten it: the cited source keeps the full text",
        )
    bound: tuple[str, str] | None = _BOUNDS.get(kind)
    if bound is not None and "input" in error:
        words, key = bound
        return (
            f"{field} must be {words} {(error.get('ctx') or {}).get(key)}, "
            f"not {_shown(error['input'])}",
            "numbers here must be positive and finite" if key in ("ge", "gt") else None,
        )
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if kind in ("greater_than", "greater_than_equal", "finite_number"):
        return message, "numbers here must be positive and finite"
    return message, None


_MISSING_HINTS: dict[tuple[str | int, ...], str] = {
    ("arms",): "add it: a protocol needs at least one arm (arms: [{name: a, regimen: "
    "'2×10⁶ cells/kg weekly ×4'}])",
    ("id",): "add it: a short id in lower case, digits and '-' (id: my-protocol)",
    ("species",): "add it: the patients' species id (species: dog)",
}


def _missing_hint(path: tuple[str | int, ...]) -> str:
    """How to add a missing key: 'not reported' is offered only where the field accepts it."""
    known = _MISSING_HINTS.get(path)
    if known is not None:
        return known
    for model in _models_at(path[:-1]):
        info = model.model_fields.get(str(path[-1]))
        if info is None:
            continue
        try:
            field_adapter(model, str(path[-1])).validate_python(NOT_REPORTED)
        except (ValidationError, ValueError):
            continue
        return "add it (or write 'not reported')"
    return "add it"


def _allowed_keys(path: tuple[str | int, ...]) -> list[str]:
    """The keys the model at ``path`` accepts (for 'did you mean' hints)."""
    keys: list[str] = []
    for model in _models_at(path):
        keys.extend(k for k in model.model_fields if k not in keys)
    return keys


def _models_at(path: tuple[str | int, ...]) -> list[type[BaseModel]]:
    """The models a mapping at ``path`` may be (a union field may hold several)."""
    models: list[type[BaseModel]] = [Protocol]
    for part in path:
        if isinstance(part, int):
            continue
        found: list[type[BaseModel]] = []
        for model in models:
            info = model.model_fields.get(part)
            if info is not None:
                found.extend(_models_in(info.annotation))
        models = found
    return models


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, tuple, typing.Annotated):
        found: list[type[BaseModel]] = []
        for arg in typing.get_args(annotation):
            found.extend(_models_in(arg))
        return found
    return []
