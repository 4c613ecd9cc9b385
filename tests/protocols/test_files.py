"""The safe file writer: atomic, never clobbers an input, streams to devices, clean on failure."""

from __future__ import annotations

import errno
import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from celldose.protocols._errors import OutputPathError, SystemFailure
from celldose.protocols._files import check_writable, same_file, write_atomic


def test_concurrent_writers_leave_one_complete_file(tmp_path: Path) -> None:
    # 8 writers, 6 rounds, 200 kB each: the file is always one writer's whole output
    target = tmp_path / "same.json"
    payloads = [bytes([65 + i]) * 200_000 for i in range(8)]
    errors: list[BaseException] = []
    for _ in range(6):
        barrier = threading.Barrier(len(payloads))

        def write(data: bytes, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                write_atomic(target, data)
            except BaseException as exc:  # noqa: BLE001 - collected, asserted below
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(p,)) for p in payloads]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert target.read_bytes() in payloads
        assert [p.name for p in tmp_path.iterdir()] == ["same.json"]  # no temporary file


def test_a_new_file_and_a_replaced_file_keep_the_usual_modes(tmp_path: Path) -> None:
    new = write_atomic(tmp_path / "new.csv", b"a\n")
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    private = write_atomic(tmp_path / "entry.json", b"{}", private=True)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    existing = tmp_path / "plan.csv"
    existing.write_bytes(b"old\n")
    existing.chmod(0o640)
    write_atomic(existing, b"new\n")
    assert existing.read_bytes() == b"new\n"
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640


def test_a_symbolic_link_is_kept_and_its_target_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_bytes(b"old\n")
    link = tmp_path / "link.csv"
    link.symlink_to("real.csv")
    assert write_atomic(link, b"new\n") == real
    assert link.is_symlink() and os.readlink(link) == "real.csv"
    assert real.read_bytes() == b"new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]


def test_a_dangling_link_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to("made.csv")
    write_atomic(link, b"x\n")
    assert link.is_symlink()
    assert (tmp_path / "made.csv").read_bytes() == b"x\n"


def test_a_fifo_is_written_as_a_stream(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, b"number,cells\n1,12000000.0\n")
    reader.join(timeout=10)
    assert received == [b"number,cells\n1,12000000.0\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # not replaced by a regular file
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null")
def test_dev_null_stays_a_device() -> None:
    write_atomic("/dev/null", b"discarded\n")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full (Linux only)")
def test_a_full_device_is_a_system_failure() -> None:
    with pytest.raises(SystemFailure) as caught:
        write_atomic("/dev/full", b"x" * 10_000)
    assert str(caught.value) == (
        "cannot write /dev/full: no space left on device "
        "(free some space or fix the disk, then run again)"
    )
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EIO])
def test_a_full_disk_during_the_write_leaves_nothing(
    code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(SystemFailure) as caught:
        write_atomic(tmp_path / "plan.csv", b"data\n")
    assert str(caught.value) == (
        f"cannot write {tmp_path / 'plan.csv'}: {os.strerror(code).lower()} "
        "(free some space or fix the disk, then run again)"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_unchanged_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "plan.csv"
    target.write_bytes(b"old\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(SystemFailure):
        write_atomic(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.csv"]


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit])
def test_an_interrupted_write_removes_its_temporary_file(
    interrupt: type[BaseException], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def interrupted(fd: int) -> None:
        seen.extend(p.name for p in tmp_path.iterdir())
        raise interrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(interrupt):
        write_atomic(tmp_path / "plan.csv", b"data\n")
    assert len(seen) == 1 and seen[0].startswith(".plan.csv.") and seen[0].endswith(".tmp")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("length", [251, 255])
def test_a_name_of_up_to_255_bytes_is_written(length: int, tmp_path: Path) -> None:
    # the temporary name is shortened, so it never passes the file system's limit
    target = tmp_path / ("a" * (length - 4) + ".csv")
    write_atomic(target, b"x\n")
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


@pytest.mark.parametrize("name", ["a" * 256, "é" * 128])  # 256 bytes: é is two in UTF-8
def test_a_name_over_255_bytes_is_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(OutputPathError) as caught:
        write_atomic(tmp_path / name, b"x\n")
    assert str(caught.value) == (
        f"cannot write {tmp_path / name}: the file name is longer than 255 bytes "
        "(choose a shorter name)"
    )
    assert list(tmp_path.iterdir()) == []


def test_unwritable_paths_are_refused_in_one_line(tmp_path: Path) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_bytes(b"keep\n")
    cases = {
        str(tmp_path): f"cannot write {tmp_path}: it is a folder (name a file inside it)",
        "/": "cannot write /: it is a folder (name a file inside it)",
        "": "the output file name is empty (name a file to write)",
        f"{afile}/plan.csv": f"cannot write {afile}/plan.csv: a part of the path is a file, "
        "not a folder (choose another path)",
        f"{tmp_path}/missing/plan.csv": f"cannot write {tmp_path}/missing/plan.csv: the folder "
        f"'{tmp_path}/missing' does not exist (create it first or choose another path)",
        f"{tmp_path}/out/": f"cannot write {tmp_path}/out/: it names a folder, and there is none "
        "(name a file)",
        f"{tmp_path}/out/.": f"cannot write {tmp_path}/out/.: it names a folder, and there is none "
        "(name a file)",
    }
    for path, message in cases.items():
        with pytest.raises(OutputPathError) as caught:
            write_atomic(path, b"x\n")
        assert str(caught.value) == message
        with pytest.raises(OutputPathError):
            check_writable(path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert afile.read_bytes() == b"keep\n"


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        with pytest.raises(OutputPathError) as caught:
            write_atomic(path, b"x\n")
    finally:
        server.close()
    assert str(caught.value) == f"cannot write {path}: it is a socket (name a regular file)"


def test_an_input_is_never_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "my.yaml"
    source.write_bytes(b"id: x\n")
    (tmp_path / "link.yaml").symlink_to("my.yaml")
    os.link(source, tmp_path / "hard.yaml")
    monkeypatch.chdir(tmp_path)
    for output in ["my.yaml", "./my.yaml", str(source), "link.yaml", "hard.yaml"]:
        with pytest.raises(OutputPathError) as caught:
            write_atomic(output, b"table\n", inputs=["my.yaml"])
        assert str(caught.value) == (
            f"cannot write {output}: it is also an input of this command (my.yaml), "
            "which would be overwritten (choose another output file)"
        )
        with pytest.raises(OutputPathError):
            check_writable(output, inputs=["my.yaml"])
    assert source.read_bytes() == b"id: x\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.yaml", "link.yaml", "my.yaml"]
    write_atomic("other.csv", b"ok\n", inputs=["my.yaml"])  # another file is fine
    assert (tmp_path / "other.csv").read_bytes() == b"ok\n"


def test_check_writable_writes_nothing(tmp_path: Path) -> None:
    check_writable(tmp_path / "plan.csv")
    assert list(tmp_path.iterdir()) == []


def test_same_file(tmp_path: Path) -> None:
    a = tmp_path / "a.png"
    assert same_file(a, tmp_path / "." / "a.png")  # neither exists yet: the same path
    assert not same_file(a, tmp_path / "b.png")
    a.write_bytes(b"x")
    os.link(a, tmp_path / "b.png")
    assert same_file(a, tmp_path / "b.png")


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555])
def test_a_read_only_file_is_not_replaced(mode: int, tmp_path: Path) -> None:
    # a rename in a writable folder would replace it (for root too): its mode says not to
    target = tmp_path / "plan.csv"
    target.write_bytes(b"kept")
    target.chmod(mode)
    with pytest.raises(OutputPathError) as info:
        write_atomic(str(target), b"new")
    assert str(info.value) == (
        f"cannot write {target}: the file is read-only (choose another file name, or make it "
        f"writable (chmod u+w {target}) to replace it)"
    )
    assert target.read_bytes() == b"kept"
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["plan.csv"]  # no temporary file left
    with pytest.raises(OutputPathError):
        check_writable(str(target))  # refused before a command writes any of its files
