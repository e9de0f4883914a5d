"""The inbox watcher on real temporary folders, with the real watchdog observers."""

from __future__ import annotations

import hashlib
import io
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest

from workbook_engine.io.lockfiles import is_workbook_candidate, lock_owner
from workbook_engine.pipeline.watcher import InboxWatcher, WatchOptions

FAST = WatchOptions(
    settle_seconds=0.4, tick_seconds=0.05, rescan_seconds=0.5, poll_interval=0.2, not_zip_seconds=3
)


def workbook_bytes(text: str = "Toán 6A1") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = text
    for row in range(2, 400):  # big enough to be copied in several chunks
        ws.cell(row=row, column=1, value=f"Học sinh {row} {'x' * 40}")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


class Recorder:
    """A processor that records what it saw and moves the file out, like ingestion does."""

    def __init__(self, done: Path, fail_on: str = "") -> None:
        self.done = done
        self.fail_on = fail_on
        self.seen: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        done.mkdir(exist_ok=True)

    def __call__(self, path: Path) -> None:
        data = path.read_bytes()
        with self.lock:
            self.seen.append((path.name, hashlib.sha256(data).hexdigest()))
        if self.fail_on and self.fail_on in path.name:
            raise ValueError("hỏng")
        shutil.move(str(path), self.done / path.name)


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def running() -> Iterator[Callable[[InboxWatcher], InboxWatcher]]:
    """Start watchers in threads and make sure every one is stopped (no leaked threads)."""
    started: list[tuple[InboxWatcher, threading.Thread]] = []

    def start(watcher: InboxWatcher) -> InboxWatcher:
        started.append((watcher, watcher.start_in_thread()))
        return watcher

    yield start
    for watcher, thread in started:
        watcher.stop.set()
        thread.join(timeout=10)
        assert not thread.is_alive(), "watcher thread leaked"


@pytest.mark.parametrize("poll", [False, True], ids=["events", "polling"])
def test_slow_chunked_copy_is_read_once_after_it_is_complete(
    tmp_path: Path, running: Callable[[InboxWatcher], InboxWatcher], poll: bool
) -> None:
    inbox = tmp_path / "inbox" / "GV005"
    inbox.mkdir(parents=True)
    recorder = Recorder(tmp_path / "done")
    options = WatchOptions(**{**FAST.__dict__, "poll": poll})
    running(InboxWatcher(tmp_path / "inbox", recorder, options))
    data = workbook_bytes()
    target = inbox / "6A1_TOAN_HK1.xlsx"
    chunk = len(data) // 6 + 1
    with target.open("wb") as out:  # a slow SMB copy: six chunks, 0.2 s apart
        for start in range(0, len(data), chunk):
            out.write(data[start : start + chunk])
            out.flush()
            time.sleep(0.2)
    assert wait_for(lambda: len(recorder.seen) >= 1)
    time.sleep(1.0)  # nothing more arrives later
    assert recorder.seen == [("6A1_TOAN_HK1.xlsx", hashlib.sha256(data).hexdigest())]


def test_pause_longer_than_settle_time_still_waits_for_a_complete_zip(
    tmp_path: Path, running: Callable[[InboxWatcher], InboxWatcher]
) -> None:
    recorder = Recorder(tmp_path / "done")
    running(InboxWatcher(tmp_path / "inbox", recorder, FAST))
    data = workbook_bytes()
    target = tmp_path / "inbox" / "nua-chung.xlsx"
    target.write_bytes(data[: len(data) // 2])  # half-copied, then the network stalls
    time.sleep(FAST.settle_seconds * 3)
    assert recorder.seen == []
    with target.open("ab") as out:
        out.write(data[len(data) // 2 :])
    assert wait_for(lambda: len(recorder.seen) == 1)
    assert recorder.seen[0][1] == hashlib.sha256(data).hexdigest()


def test_a_stable_file_that_is_not_a_zip_is_handed_over_once(
    tmp_path: Path, running: Callable[[InboxWatcher], InboxWatcher]
) -> None:
    (tmp_path / "inbox").mkdir()
    recorder = Recorder(tmp_path / "done")
    running(InboxWatcher(tmp_path / "inbox", recorder, FAST))
    encrypted = tmp_path / "inbox" / "6A1_TOAN_HK1.xlsx"  # a password-protected workbook is OLE
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000))
    time.sleep(FAST.settle_seconds * 3)
    assert recorder.seen == []  # not before the grace time for a stalled copy
    assert wait_for(lambda: len(recorder.seen) == 1, timeout=FAST.not_zip_seconds + 10)
    assert recorder.seen[0][0] == "6A1_TOAN_HK1.xlsx"


def test_lock_files_are_ignored_and_open_files_wait(
    tmp_path: Path,
    running: Callable[[InboxWatcher], InboxWatcher],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO", logger="workbook_engine.watch")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    target = inbox / "6A1_NV_HK1.xlsx"
    target.write_bytes(workbook_bytes())
    lock = inbox / "~$6A1_NV_HK1.xlsx"
    lock.write_bytes(excel_owner_file("Nguyễn Thị Hoa"))
    recorder = Recorder(tmp_path / "done")
    running(InboxWatcher(inbox, recorder, FAST))
    time.sleep(FAST.settle_seconds * 4)
    assert recorder.seen == []
    assert "6A1_NV_HK1.xlsx: đang được Nguyễn Thị Hoa mở, chờ đóng tệp" in caplog.text
    lock.unlink()
    assert wait_for(lambda: len(recorder.seen) == 1)
    assert recorder.seen[0][0] == "6A1_NV_HK1.xlsx"


def test_fifty_files_at_once_and_one_bad_file(
    tmp_path: Path, running: Callable[[InboxWatcher], InboxWatcher]
) -> None:
    inbox = tmp_path / "inbox"
    staging = tmp_path / "staging"
    staging.mkdir()
    for i in range(50):
        (staging / f"file{i:02d}.xlsx").write_bytes(workbook_bytes(f"tệp {i}"))
    (staging / "file-bad.xlsx").write_bytes(workbook_bytes("hỏng"))
    recorder = Recorder(tmp_path / "done", fail_on="bad")
    watcher = running(InboxWatcher(inbox, recorder, FAST))
    time.sleep(0.3)
    for path in staging.iterdir():
        shutil.move(str(path), inbox / path.name)
    assert wait_for(lambda: watcher.processed == 50 and watcher.failures == 1, timeout=30)
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == [
        f"file{i:02d}.xlsx" for i in range(50)
    ]
    time.sleep(FAST.rescan_seconds * 2)
    assert watcher.failures == 1  # the bad file is not retried until it changes
    assert len(recorder.seen) == 51


def test_files_present_at_start_are_processed(
    tmp_path: Path, running: Callable[[InboxWatcher], InboxWatcher]
) -> None:
    inbox = tmp_path / "inbox" / "GV007"
    inbox.mkdir(parents=True)
    (inbox / "8A1_KHTN_HK1.xlsx").write_bytes(workbook_bytes())
    (inbox / "ghi-chu.txt").write_text("không phải bảng tính", encoding="utf-8")
    recorder = Recorder(tmp_path / "done")
    running(InboxWatcher(tmp_path / "inbox", recorder, FAST))
    assert wait_for(lambda: len(recorder.seen) == 1)
    assert recorder.seen[0][0] == "8A1_KHTN_HK1.xlsx"


def test_share_that_disappears_and_comes_back(
    tmp_path: Path,
    running: Callable[[InboxWatcher], InboxWatcher],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO", logger="workbook_engine.watch")
    inbox = tmp_path / "inbox"
    recorder = Recorder(tmp_path / "done")
    options = WatchOptions(**{**FAST.__dict__, "poll": True})
    running(InboxWatcher(inbox, recorder, options))
    time.sleep(0.5)
    shutil.rmtree(inbox)
    assert wait_for(lambda: "Mất kết nối thư mục" in caplog.text)
    inbox.mkdir()
    (inbox / "9A1_TIN_HK1.xlsx").write_bytes(workbook_bytes())
    assert wait_for(lambda: len(recorder.seen) == 1)
    assert "đã trở lại" in caplog.text


def excel_owner_file(user: str) -> bytes:
    """The owner file Excel writes beside an open workbook (165 bytes)."""
    short = user.encode("cp1252", errors="replace")[:53]
    data = bytes([len(short)]) + short
    data = data.ljust(54, b" ")
    data += len(user).to_bytes(2, "little") + user.encode("utf-16-le")
    return data.ljust(165, b"\x00")


@pytest.mark.parametrize(
    ("name", "candidate"),
    [
        ("6A1_TOAN_HK1.xlsx", True),
        ("6A1_TOAN_HK1.XLSX", True),
        ("~$6A1_TOAN_HK1.xlsx", False),
        (".~lock.6A1_TOAN_HK1.xlsx#", False),
        (".hidden.xlsx", False),
        ("6A1_TOAN_HK1.xlsx.tmp", False),
        ("~WRL0001.tmp", False),
        ("ghi-chu.txt", False),
    ],
)
def test_candidates(name: str, candidate: bool) -> None:
    assert is_workbook_candidate(Path(name)) is candidate


def test_lock_owners(tmp_path: Path) -> None:
    book = tmp_path / "6A1_TOAN_HK1.xlsx"
    book.write_bytes(b"")
    assert lock_owner(book) is None
    (tmp_path / ".~lock.6A1_TOAN_HK1.xlsx#").write_text(
        "Trần Văn Nam,MAY-GV05,namtv,24.11.2026 08:15,file:///C:/Users/namtv/AppData;",
        encoding="utf-8",
    )
    assert lock_owner(book) == "Trần Văn Nam"
    (tmp_path / "~$1_TOAN_HK1.xlsx").write_bytes(excel_owner_file("Lê Thu Hà"))
    assert lock_owner(book) == "Lê Thu Hà"
