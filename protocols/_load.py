"""Loading protocols: from the bundled library by id, or from a file, with every problem located.

Validation errors are reported with file, line, column, field path and a hint, all of them at
once (``celldose check`` lists them); nothing in a protocol file can define units or run code.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Collection, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from celldose.protocols._errors import (
    Problem,
    ProtocolFileError,
    ProtocolNotFoundError,
    close_matches,
)
from celldose.protocols._protocol import (
    Protocol,
)

LIBRARY_PACKAGE = "celldose.protocols"
REGIMEN_ID = "regimen"  # the id of the one-arm protocol built around --regimen
LIBRARY_FOLDER = "library"
MAX_FILE_BYTES = 1_000_000  # a protocol file is a few kilobytes; 1 MB is far beyond any real one
STREAM_NAME = "<stream>"  # the name in messages of a stream that has none


def library_ids() -> tuple[str, ...]:
    """Ids of the bundled protocols, sorted."""
    folder = resources.files(LIBRARY_PACKAGE).joinpath(LIBRARY_FOLDER)
    return tuple(
        sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))
    )


def library_protocols() -> Iterator[Protocol]:
    """Every bundled protocol, validated, in the order of :func:`library_ids`.

    >>> next(library_protocols()).id
    'aa-ucmsc-18'
    """
    for protocol_id in library_ids():
        yield load_protocol(protocol_id)


@cache
def _library_text(protocol_id: str) -> str | None:
    entry = (
        resources.files(LIBRARY_PACKAGE).joinpath(LIBRARY_FOLDER).joinpath(f"{protocol_id}.yaml")
    )
    return entry.read_text(encoding="utf-8") if entry.is_file() else None


def load_protocol(
    source: str | Path | BinaryIO, *, known_species: Collection[str] | None = None
) -> Protocol:
    """Load a protocol by library id (``chen2024-itp-ucmsc``), from a YAML file, or from an open
    binary stream such as ``sys.stdin.buffer``.

    A stream is read as a file is: at most :data:`MAX_FILE_BYTES` (1 MB), UTF-8, and named in
    messages by its ``name`` (``<stdin>`` for standard input). ``known_species`` (species ids)
    refuses a protocol of another species, with its line; given as a mapping of each id to its
    plausible (low, high) weight in kg, it also refuses weight bands that leave part of it
    uncovered. Raises
    :class:`ProtocolNotFoundError` when the source is neither a library id nor a file (or cannot
    be read), and :class:`ProtocolFileError` (listing every problem) when the text is invalid.

    >>> load_protocol("chen2024-itp-ucmsc").species
    'human'
    >>> import io
    >>> from celldose.protocols import ProtocolFileError
    >>> stream = io.BytesIO(b"id: x\\ntitle: [1\\n")
    >>> stream.name = "<stdin>"
    >>> try:
    ...     load_protocol(stream)
    ... except ProtocolFileError as exc:
    ...     print(exc.file, exc.problems[0].line, exc.problems[0].message)
    <stdin> 3 YAML syntax error: did not find expected ',' or ']'
    """
    if not isinstance(source, str | os.PathLike):
        name = getattr(source, "name", None)
        name = name if isinstance(name, str) else STREAM_NAME
        try:
            data = _read_at_most(source.read)
        except OSError as exc:
            raise ProtocolNotFoundError(
                f"cannot read {name}: {exc.strerror}", "give a UTF-8 YAML file"
            ) from None
        return parse_protocol(_decode(data, name), name, known_species=known_species)
    text_source = str(source)
    library_text = _library_text(text_source) if "/" not in text_source else None
    if library_text is not None:
        return parse_protocol(library_text, f"library:{text_source}", known_species=known_species)
    path = Path(source)
    if path.exists():
        text = _read_file(path, text_source)
        return parse_protocol(text, text_source, known_species=known_species)
    close = close_matches(text_source, library_ids(), n=1)
    hint = f"did you mean {close[0]}?" if close else "run 'celldose list' for the library ids"
    raise ProtocolNotFoundError(f"{text_source!r} is neither a library protocol nor a file", hint)


def _read_file(path: Path, name: str) -> str:
    """The text of a regular file of at most :data:`MAX_FILE_BYTES`; never blocks on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            kind = _NOT_REGULAR.get(stat.S_IFMT(os.fstat(fd).st_mode))
            if kind is not None:
                raise ProtocolNotFoundError(
                    f"cannot read {name}: it is {kind}, not a regular file", "give a YAML file"
                )
            data = _read_at_most(lambda size: os.read(fd, size))
        finally:
            os.close(fd)
    except OSError as exc:
        raise ProtocolNotFoundError(
            f"cannot read {name}: {exc.strerror}", "give a UTF-8 YAML file"
        ) from None
    return _decode(data, name)


def _read_at_most(read: Callable[[int], bytes | None]) -> bytes:
    """Read until the end, or until one byte past :data:`MAX_FILE_BYTES` (then refused)."""
    data = read(MAX_FILE_BYTES + 1) or b""
    while data and len(data) <= MAX_FILE_BYTES:
        more = read(MAX_FILE_BYTES + 1 - len(data))
        if not more:
            break
        data += more
    return data


def _decode(data: bytes, name: str) -> str:
    """The UTF-8 text of a protocol's bytes, refused past the size limit."""
    _check_size(len(data), name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolNotFoundError(
            f"cannot read {name}: byte {exc.start + 1} is not UTF-8", "give a UTF-8 YAML file"
        ) from None


_NOT_REGULAR = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFSOCK: "a socket",
}


def _check_size(size: int, file: str) -> None:
    if size > MAX_FILE_BYTES:
        problem = Problem(
            file,
            None,
            None,
            "",
            f"the file is more than {MAX_FILE_BYTES:,} bytes (1 MB), the limit for a protocol",
            "a protocol file takes a few kilobytes: check that this is the right file",
        )
        raise ProtocolFileError(file, [problem])


def parse_protocol(
    text: str, file: str = "<text>", *, known_species: Collection[str] | None = None
) -> Protocol:
    """Validate protocol YAML text; raise :class:`ProtocolFileError` listing every problem.

    A text that validated before is served from the cache of validated protocols.
    """
    from celldose.protocols import _cache
    from celldose.protocols._validate import uncovered, validate_text

    if len(text) > MAX_FILE_BYTES // 4:  # more than 4 bytes per character only past this
        _check_size(len(text.encode("utf-8", "surrogatepass")), file)
    key = _cache.cache_key(text)
    cached = _cache.read(key, Protocol)
    if cached is not None:
        known = known_species is None or cached.species in known_species
        if known and not uncovered(cached, known_species):
            return cached
        # an unknown species: validating the text again reports it with its line
    protocol = validate_text(text, file, known_species)
    _cache.write(key, protocol)
    return protocol


def protocol_from_regimen(regimen: str, species: str) -> Protocol:
    """A one-arm protocol around a one-line regimen (the regimen given to `celldose dose`).

    The regimen must carry its own dose; the product and route are unknown and marked so.
    """
    from celldose.protocols._shorthand import parse_regimen

    parsed = parse_regimen(regimen)
    data = {
        "id": REGIMEN_ID,
        "title": f"one-off regimen: {parsed.to_shorthand()}",
        "species": species,
        "indication": "not given (one-off regimen)",
        "product": {
            "name": parsed.product or "cells",
            "tissue_source": "not reported",
            "donor": "not reported",
            "origin_species": species,
        },
        "route": "not reported",
        "dose": None if parsed.phases[0].dose is not None else "not reported",
        "arms": [{"name": REGIMEN_ID, "regimen": parsed}],
        "reference": {"citation": "none (a one-line regimen, not a published protocol)"},
    }
    try:
        return Protocol.model_validate(data)
    except ValidationError as exc:
        from celldose.protocols._errors import RegimenError

        message = str(exc.errors()[0].get("msg", "invalid")).removeprefix("Value error, ")
        raise RegimenError(f"regimen {regimen!r}: {message}") from None
