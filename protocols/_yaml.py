"""A strict YAML reader that remembers where every value came from.

PyYAML's composer gives each node its line and column; this module builds plain Python values
from the nodes itself, so that it can refuse what PyYAML would silently accept: duplicate keys
(PyYAML keeps the last one), explicit tags (which can construct objects), anchors and aliases,
and non-finite numbers. No field of a protocol is a yes/no, so booleans stay text (``true``,
``yes``, ``on``...): a number field then refuses ``count: true`` instead of reading 1. Dates stay
text too.

Numbers must be plain decimals. YAML 1.1 silently reads ``010`` as octal 8, ``1:30`` as base-60
90, ``0x10`` as 16 and ``1_0`` as 10: each is refused, quoted as written, with its line; so are
a naked decimal point (``.5``: write ``0.5``, as safe-dosing rules ask) and numbers too long to
read. Quoting a value (``"010"``) makes it text. Nesting deeper than :data:`MAX_DEPTH` is
refused while the text is scanned, before anything recurses.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from celldose.protocols._errors import Problem, dotted

Path = tuple[str | int, ...]
_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
}
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 64  # mappings and lists nested deeper than this are refused
MAX_NUMBER_LENGTH = 100  # characters of a number written in the file
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][-+]?[0-9]+)?")
_TEXT_TAGS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:str")
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_NON_FINITE = re.compile(r"[-+]?\.(inf|nan)", re.IGNORECASE)


class Refused:
    """Stands for a value refused by the reader: no field accepts it, so nothing guesses."""

    def __repr__(self) -> str:
        return "<refused>"


@dataclass
class Located:
    """Plain values read from YAML, the position of every value and key, and the problems."""

    value: Any = None
    fatal: bool = False  # the text could not be read into values (syntax, tags, aliases)
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def where(self, path: Path, *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the value at ``path``, or of its nearest parent."""
        table = self.key_positions if key and path in self.key_positions else self.positions
        probe = path
        while probe not in table and probe:
            probe = probe[:-1]
            table = self.positions
        line, column = table.get(probe, (None, None))
        return line, column


def read_yaml(text: str, file: str) -> Located:
    """Parse YAML text strictly; problems are collected, not raised."""
    out = Located()

    def problem(mark: Any, message: str, hint: str | None = None, path: Path = ()) -> None:
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        out.problems.append(Problem(file, line, column, dotted(path), message, hint))

    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    problem(
                        event.start_mark,
                        f"mappings and lists are nested more than {MAX_DEPTH} deep",
                        "a protocol file needs a few levels: flatten it",
                    )
                    break
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent) or anchor is not None:
                problem(
                    event.start_mark,
                    "anchors and aliases (&name, *name) are not allowed",
                    "write the value out in full",
                )
            tag = getattr(event, "tag", None)
            implicit = getattr(event, "implicit", True)
            explicit = implicit is False or (isinstance(implicit, tuple) and not any(implicit))
            if tag is not None and tag != "!" and (explicit or tag not in _PLAIN_TAGS):
                problem(event.start_mark, f"tags such as {tag!r} are not allowed", "remove it")
        if out.problems:
            out.fatal = True
            return out
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        problem(
            exc.problem_mark, f"YAML syntax error: {exc.problem}", "check indentation and quoting"
        )
        out.fatal = True
        return out
    except yaml.YAMLError as exc:
        out.problems.append(Problem(file, None, None, "", f"YAML error: {exc}"))
        out.fatal = True
        return out
    if node is None:
        out.problems.append(Problem(file, None, None, "", "the file is empty"))
        out.fatal = True
        return out
    constructor = yaml.SafeLoader("")

    def build(node: yaml.Node, path: Path) -> Any:
        out.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    problem(key_node.start_mark, "keys must be plain words", path=path)
                    continue
                key = str(key_node.value)
                if key in result:
                    problem(
                        key_node.start_mark,
                        f"duplicate key {key!r}",
                        "keep one; YAML readers silently keep only the last",
                        path + (key,),
                    )
                    continue
                out.key_positions[path + (key,)] = (
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
                result[key] = build(value_node, path + (key,))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [build(item, path + (i,)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        if node.tag in _TEXT_TAGS:
            return node.value
        number = node.tag in _NUMBER_TAGS and not _NON_FINITE.fullmatch(node.value)
        if number and len(node.value) > MAX_NUMBER_LENGTH:
            problem(
                node.start_mark,
                f"the number {_shown(node.value)} is {len(node.value):,} characters long, "
                f"more than the limit of {MAX_NUMBER_LENGTH}",
                "write it with a power of ten (2.5×10⁷), or quote it if it is text",
                path,
            )
            return Refused()
        value = constructor.construct_object(node)
        refusal = _number_form(node.value, value) if number else None
        if refusal is not None:
            problem(node.start_mark, *refusal, path=path)
            return Refused()
        if isinstance(value, float) and not math.isfinite(value):
            problem(node.start_mark, f"{node.value!r} is not a finite number", path=path)
        return value

    out.value = build(node, ())
    return out


def _number_form(text: str, reading: object) -> tuple[str, str] | None:
    """Why a plain scalar that YAML reads as a number (``reading``) is refused, or None."""
    if _DECIMAL.fullmatch(text):
        return None
    quote = "or quote it if it is text"
    sign = text[0] if text[:1] in "+-" else ""
    body = text[len(sign) :]
    read = f"YAML reads it as {reading}"
    if body[:2].lower() in ("0x", "0b"):
        base = "hexadecimal" if body[1] in "xX" else "binary"
        return (
            f"the {base} number {text!r} is not allowed ({read})",
            f"write it in decimal, {quote}",
        )
    if ":" in body:
        return (
            f"{text!r} is a base-60 (sexagesimal) number ({read})",
            f"write the number in decimal, {quote}",
        )
    if "_" in body:
        plain = sign + body.replace("_", "")
        fix = f"write {plain}" if _DECIMAL.fullmatch(plain) else "write it in decimal"
        return f"the number {text!r} has an underscore ({read})", f"{fix}, {quote}"
    if body.startswith("."):
        return f"the number {text!r} has no leading zero", f"write {sign}0{body}, {quote}"
    stripped = body.lstrip("0")
    plain = sign + (stripped if stripped[:1].isdigit() else "0" + stripped)
    return (
        f"the number {text!r} has a leading zero ({read})",
        f"write {plain} (no leading zero), {quote}",
    )


def _shown(text: str) -> str:
    """The value as written, shortened for a one-line message."""
    return repr(text) if len(text) <= 24 else repr(text[:20] + "…")
