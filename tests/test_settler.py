"""When a dropped file is ready, decided on an injected clock (no sleeps): stable for the settle
time, not locked by Excel or LibreOffice, a complete zip, or handed over once it never becomes
one."""

from __future__ import annotations

import os
from pathlib import Path

from tests.test_watcher import workbook_bytes
from workbook_engine.pipeline.watcher import Settler


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def settler(clock: Clock) -> Settler:
    return Settler(settle_seconds=2.0, not_zip_seconds=60.0, clock=clock)


def test_a_file_is_ready_once_stable_for_the_settle_time(tmp_path: Path) -> None:
    clock, path = Clock(), tmp_path / "6A1_TOAN_HK1.xlsx"
    path.write_bytes(workbook_bytes())
    s = settler(clock)
    s.offer(path)
    clock.now += 1.9
    assert s.ready() == []
    clock.now += 0.1
    assert s.ready() == [path]


def test_a_file_that_grows_starts_its_settle_time_again(tmp_path: Path) -> None:
    clock, path = Clock(), tmp_path / "a.xlsx"
    data = workbook_bytes()
    path.write_bytes(data[: len(data) // 2])  # a copy half done
    s = settler(clock)
    s.offer(path)
    clock.now += 5
    assert s.ready() == []  # stable but not a complete zip yet
    path.write_bytes(data)
    os.utime(path, ns=(0, 1_000_000_000))  # a new size and mtime: the copy went on
    assert s.ready() == []
    clock.now += 2
    assert s.ready() == [path]


def test_a_file_open_in_excel_waits_for_its_lock_file_to_go(tmp_path: Path) -> None:
    clock, path = Clock(), tmp_path / "b.xlsx"
    path.write_bytes(workbook_bytes())
    lock = tmp_path / "~$b.xlsx"
    lock.write_bytes(b"\x05Admin" + b" " * 100)
    s = settler(clock)
    s.offer(path)
    s.offer(lock)  # a lock file is never a candidate
    clock.now += 10
    assert s.ready() == []
    lock.unlink()
    assert s.ready() == [path]


def test_a_stable_file_that_never_becomes_a_zip_is_handed_over_once(tmp_path: Path) -> None:
    clock, path = Clock(), tmp_path / "renamed.xlsx"
    path.write_bytes(b"not a zip, an old .xls renamed")
    s = settler(clock)
    s.offer(path)
    clock.now += 2
    assert s.ready() == []  # settled, not a zip: perhaps a network copy paused mid-way
    clock.now += 59
    assert s.ready() == []
    clock.now += 1  # still not a zip a minute later: ingestion will answer the sender
    assert s.ready() == [path]
    s.done(path, ok=False)
    s.offer(path)  # failed in this exact state: not offered again until it changes
    clock.now += 100
    assert s.ready() == []
