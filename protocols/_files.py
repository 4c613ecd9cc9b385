"""Reading and writing files safely: capped reads, and atomic writes that never clobber.

Every file celldose writes (a dose sheet, a CSV, a figure, a cache entry) goes through
:func:`write_atomic`: the bytes go to a temporary file with a unique name in the target's folder
(created with ``O_EXCL``), are flushed to disk, and replace the target in one step, so a reader
sees the old file or the new one, never half of one, and two runs writing the same path do not
share a temporary file. The temporary file is removed on any failure, including Ctrl-C and
SIGTERM (the CLI turns SIGTERM into an exception so that clean-up runs).

The rules for unusual targets, as ``cp`` and ``tee`` have them:

- a symbolic link is followed: the file it points to is replaced, the link is kept;
- a device or FIFO (``-o /dev/null``, ``-o /dev/stdout``) is written to as a stream, never
  replaced by a regular file; a socket is refused;
- a folder, a missing folder, a parent that is a file, a name longer than the file system
  allows (255 bytes), a read-only file (no write permission for the user, or no write bit at
  all), and a file that is one of the command's own inputs (by path, through a link or a hard
  link) are refused (:class:`OutputPathError`);
- no space left, a quota or an I/O error is :class:`SystemFailure` (valid input; exit 1).

:func:`check_writable` makes the same checks without writing, so that a command that writes
several files refuses a bad one before it has written any.

Reads are capped (:func:`read_capped`), so ``/dev/zero`` or a huge file given by mistake is
refused after ``limit`` bytes instead of filling the memory; :func:`read_regular` is for files
celldose itself keeps (the cache): it never follows a link, never blocks on a FIFO, and gives up
quietly on anything that is not a small regular file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from celldose.protocols._errors import InputTooLargeError, OutputPathError, SystemFailure

NAME_MAX = 255  # bytes in one file name on Linux, macOS and Windows file systems
_SYSTEM_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO})


def write_atomic(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    private: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write ``data`` to ``path`` atomically; return the path of the file written.

    ``private`` creates a new file readable by its owner only (cache entries). ``inputs`` are
    the files the same command reads: writing onto one of them is refused. An existing file
    keeps its permission bits; a new one gets the usual ones (0666 less the umask).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomic(folder / "plan.csv", b"number,cells\\n").read_bytes()
    b'number,cells\\n'
    """
    shown = os.fspath(path)
    target, existing = _resolve_target(shown, inputs)
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        _write_stream(shown, target, data)  # a device or a FIFO: written to, never replaced
        return target
    mode = stat.S_IMODE(existing.st_mode) if existing is not None else _new_file_mode(private)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:32]}.", suffix=".tmp")
    except OSError as exc:
        raise _write_error(shown, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:  # Ctrl-C and SIGTERM too: never leave the temporary file
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _write_error(shown, exc) from None
        raise
    _sync_folder(target.parent)
    return target


def check_writable(
    path: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str]] = ()
) -> None:
    """Refuse ``path`` now, before any work, for every reason :func:`write_atomic` would.

    Writes nothing; a command that writes several files checks them all first, so that a
    refusal leaves no file behind.
    """
    _resolve_target(os.fspath(path), inputs)


def same_file(first: str | os.PathLike[str], second: str | os.PathLike[str]) -> bool:
    """True when both paths name one file: the same resolved path, or a hard link to it."""
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except (OSError, ValueError):  # one of them does not exist (yet)
        return False


def refuse_inputs(target: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]]) -> None:
    """Refuse ``target`` when it is one of ``inputs`` (same resolved path, or the same file)."""
    for source in inputs:
        if same_file(target, source):
            raise OutputPathError(
                f"cannot write {os.fspath(target)}: it is also an input of this command "
                f"({os.fspath(source)}), which would be overwritten",
                "choose another output file",
            )


def read_capped(
    path: str | os.PathLike[str] | BinaryIO, limit: int, *, what: str = "the file"
) -> bytes:
    """Read at most ``limit`` bytes of ``path`` (a file name, or a binary stream such as
    standard input); a longer input raises InputTooLargeError.

    Works on pipes and process substitutions (``<(...)``) as on files; ``/dev/zero`` is refused
    once the limit is passed instead of filling the memory. OSError is left to the caller.
    """
    if isinstance(path, str | os.PathLike):
        name = os.fspath(path)
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    else:
        name = str(getattr(path, "name", "<stream>"))
        data = path.read(limit + 1)
    if len(data) > limit:
        raise InputTooLargeError(
            f"{what} {name} is larger than celldose reads ({_size(limit)})",
            "check that it is the right file",
        )
    return data


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes | None:
    """The bytes of a regular file of at most ``limit`` bytes, else None (never raises OSError).

    Never follows a symbolic link and never blocks: a FIFO, a device, a folder or a file that
    grew past the limit gives None, for a caller that then rebuilds what it wanted to read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            data = handle.read(limit + 1)
    except OSError:
        return None
    finally:
        if fd >= 0:
            os.close(fd)
    return data if len(data) <= limit else None


def _resolve_target(
    shown: str, inputs: Iterable[str | os.PathLike[str]]
) -> tuple[Path, os.stat_result | None]:
    """The file to write (a link followed) and its status (None: new); or OutputPathError."""
    if not shown.strip():
        raise OutputPathError("the output file name is empty", "name a file to write")
    target = Path(shown)
    if len(os.fsencode(target.name)) > NAME_MAX:
        raise OutputPathError(
            f"cannot write {shown}: the file name is longer than {NAME_MAX} bytes",
            "choose a shorter name",
        )
    try:
        existing: os.stat_result | None = os.stat(target)  # follows links
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise _write_error(shown, exc) from None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise OutputPathError(f"cannot write {shown}: it is a folder", "name a file inside it")
    if existing is not None and stat.S_ISSOCK(existing.st_mode):
        raise OutputPathError(f"cannot write {shown}: it is a socket", "name a regular file")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        return target, existing  # a device or a FIFO (through /dev/stdout's link too): a stream
    if existing is not None:  # only a regular file holds what an input of the command needs
        refuse_inputs(shown, inputs)
        _refuse_read_only(shown, target, existing)
    elif os.path.basename(shown) in ("", ".", ".."):  # out/ must not create a file named out
        raise OutputPathError(
            f"cannot write {shown}: it names a folder, and there is none", "name a file"
        )
    if os.path.islink(target):  # the link is kept: the file it points to is replaced
        target = Path(os.path.realpath(target))
    _check_folder(shown, target)
    return target, existing


def _refuse_read_only(shown: str, target: Path, existing: os.stat_result) -> None:
    """A file its owner made read-only is not replaced, though replacing it (a rename in its
    folder) would succeed: the permission, not the folder's, says what its owner wants. No
    write bit at all holds for root too (``chmod 444``)."""
    no_write_bit = not existing.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    if no_write_bit or not os.access(target, os.W_OK):
        raise OutputPathError(
            f"cannot write {shown}: the file is read-only",
            f"choose another file name, or make it writable (chmod u+w {shown}) to replace it",
        )


def _write_stream(shown: str, target: Path, data: bytes) -> None:
    try:
        with open(target, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise _write_error(shown, exc) from None


def _check_folder(shown: str, target: Path) -> None:
    folder = target.parent
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        raise OutputPathError(
            f"cannot write {shown}: the folder {os.fspath(folder)!r} does not exist",
            "create it first or choose another path",
        ) from None
    except OSError as exc:
        raise _write_error(shown, exc) from None
    if not stat.S_ISDIR(info.st_mode):
        raise OutputPathError(
            f"cannot write {shown}: {os.fspath(folder)!r} is a file, not a folder",
            "choose another path",
        )


def _new_file_mode(private: bool) -> int:
    if private:
        return 0o600
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entry for the new file to disk (best effort; not on every OS)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_error(shown: str, exc: OSError) -> OutputPathError | SystemFailure:
    reason = exc.strerror or str(exc)
    if exc.errno in _SYSTEM_ERRNOS:
        return SystemFailure(
            f"cannot write {shown}: {reason.lower()}",
            "free some space or fix the disk, then run again",
        )
    if exc.errno == errno.ENAMETOOLONG:
        return OutputPathError(f"cannot write {shown}: the name is too long", "choose another")
    if exc.errno == errno.ENOTDIR:
        return OutputPathError(
            f"cannot write {shown}: a part of the path is a file, not a folder",
            "choose another path",
        )
    return OutputPathError(f"cannot write {shown}: {reason}", "check the path and its permissions")


def _size(limit: int) -> str:
    if limit >= 1 << 20 and limit % (1 << 20) == 0:
        return f"{limit >> 20} MiB"
    if limit >= 1 << 10 and limit % (1 << 10) == 0:
        return f"{limit >> 10} KiB"
    return f"{limit} bytes"
