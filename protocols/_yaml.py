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
    """Parse YAML text strictly; problems are collected, not raised.

    One pass over PyYAML's events: each is checked (nesting, anchors, tags) and built into
    plain values with their positions, without the node tree PyYAML's composer would build
    from a second parse (a file of 1,000 arms is read in about half the time).
    """
    out = Located()
    refusals: list[Problem] = []  # what makes the text unreadable: then nothing else is said

    def refuse(mark: Any, message: str, hint: str | None = None) -> None:
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        refusals.append(Problem(file, line, column, "", message, hint))

    builder = _Builder(out, file)
    depth = 0
    documents = 0
    another: Any = None  # the start of a second document: refused if nothing else is
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    refuse(
                        event.start_mark,
                        f"mappings and lists are nested more than {MAX_DEPTH} deep",
                        "a protocol file needs a few levels: flatten it",
                    )
                    break
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents == 2:
                    another = event.start_mark
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent) or anchor is not None:
                refuse(
                    event.start_mark,
                    "anchors and aliases (&name, *name) are not allowed",
                    "write the value out in full",
                )
            tag = getattr(event, "tag", None)
            implicit = getattr(event, "implicit", True)
            explicit = implicit is False or (isinstance(implicit, tuple) and not any(implicit))
            if tag is not None and tag != "!" and (explicit or tag not in _PLAIN_TAGS):
                refuse(event.start_mark, f"tags such as {tag!r} are not allowed", "remove it")
            if not refusals and documents == 1:
                builder.add(event)
    except yaml.MarkedYAMLError as exc:
        refuse(
            exc.problem_mark, f"YAML syntax error: {exc.problem}", "check indentation and quoting"
        )
    except yaml.YAMLError as exc:
        refusals.append(Problem(file, None, None, "", f"YAML error: {exc}"))
    if not refusals and another is not None:  # as PyYAML's composer says it
        refuse(
            another,
            "YAML syntax error: but found another document",
            "check indentation and quoting",
        )
    if not refusals and builder.empty:
        refusals.append(Problem(file, None, None, "", "the file is empty"))
    if refusals:
        out.problems = refusals
        out.fatal = True
        out.positions.clear()
        out.key_positions.clear()
        return out
    out.value = builder.root
    return out


class _Builder:
    """Plain values from PyYAML's events, with the line and column of every value and key."""

    def __init__(self, out: Located, file: str) -> None:
        self.out = out
        self.file = file
        self.root: Any = None
        self.empty = True
        # each open mapping or list: the value, its path, and (a mapping) the key read
        self.open: list[tuple[dict[str, Any] | list[Any], Path, list[str | None]]] = []
        self.skip = 0  # nodes still to pass over (a refused key and its value)
        self.skip_depth = 0  # how deep inside a node passed over
        self.constructor: Any = yaml.SafeLoader("")

    def problem(self, mark: Any, message: str, hint: str | None, path: Path) -> None:
        self.out.problems.append(
            Problem(self.file, mark.line + 1, mark.column + 1, dotted(path), message, hint)
        )

    def add(self, event: Any) -> None:
        starts = isinstance(event, yaml.CollectionStartEvent)
        if not (starts or isinstance(event, yaml.CollectionEndEvent | yaml.ScalarEvent)):
            return  # stream and document events
        if self.skip:
            if starts:
                self.skip_depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                self.skip_depth -= 1
            if self.skip_depth == 0:
                self.skip -= 1
            return
        if isinstance(event, yaml.CollectionEndEvent):
            value, _, _ = self.open.pop()
            self._place(value)
            return
        path = self._path(event, starts)
        if path is None:
            return  # a key, read; or a key refused, passed over with its value
        mark = event.start_mark
        self.out.positions[path] = (mark.line + 1, mark.column + 1)
        if isinstance(event, yaml.MappingStartEvent):
            self.open.append(({}, path, [None]))
        elif isinstance(event, yaml.SequenceStartEvent):
            self.open.append(([], path, [None]))
        else:
            assert isinstance(event, yaml.ScalarEvent)
            self._place(self._scalar(event, path))

    def _path(self, event: Any, starts: bool) -> Path | None:
        """The path of the value ``event`` starts; None when it is a mapping's key."""
        if not self.open:
            return ()
        container, path, key = self.open[-1]
        if isinstance(container, list):
            return (*path, len(container))
        if key[0] is not None:
            return (*path, key[0])
        mark = event.start_mark
        if starts:  # a mapping or list as a key
            self.problem(mark, "keys must be plain words", None, path)
            self.skip, self.skip_depth = 2, 1  # this key and its value
            return None
        assert isinstance(event, yaml.ScalarEvent)
        name = str(event.value)
        if name in container:
            self.problem(
                mark,
                f"duplicate key {name!r}",
                "keep one; YAML readers silently keep only the last",
                (*path, name),
            )
            self.skip, self.skip_depth = 1, 0  # its value
            return None
        self.out.key_positions[(*path, name)] = (mark.line + 1, mark.column + 1)
        key[0] = name
        return None

    def _place(self, value: Any) -> None:
        self.empty = False
        if not self.open:
            self.root = value
            return
        container, _, key = self.open[-1]
        if isinstance(container, list):
            container.append(value)
        else:
            assert key[0] is not None
            container[key[0]] = value
            key[0] = None

    def _scalar(self, event: Any, path: Path) -> Any:
        tag = event.tag
        if tag is None or tag == "!":  # as PyYAML's composer resolves it
            tag = self.constructor.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag in _TEXT_TAGS:
            return event.value
        text = event.value
        mark = event.start_mark
        number = tag in _NUMBER_TAGS and not _NON_FINITE.fullmatch(text)
        if number and len(text) > MAX_NUMBER_LENGTH:
            self.problem(
                mark,
                f"the number {_shown(text)} is {len(text):,} characters long, "
                f"more than the limit of {MAX_NUMBER_LENGTH}",
                "write it with a power of ten (2.5×10⁷), or quote it if it is text",
                path,
            )
            return Refused()
        node = yaml.ScalarNode(tag, text, mark, event.end_mark, style=event.style)
        value = self.constructor.construct_object(node)
        refusal = _number_form(text, value) if number else None
        if refusal is not None:
            self.problem(mark, *refusal, path)
            return Refused()
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(mark, f"{text!r} is not a finite number", None, path)
        return value


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
