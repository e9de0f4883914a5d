"""One service per data directory (issue 11): ``<data>/wbe.lock`` names its holder; a second
``wbe watch`` or ``wbe ingest`` is refused; a lock left by a crash is taken over."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import OCTOBER, School
from workbook_engine.cli import app
from workbook_engine.model import AssessmentMode
from workbook_engine.pipeline import service_lock
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.service_lock import LockHolder, ServiceBusy, ServiceLock

runner = CliRunner()
HOST = socket.gethostname()
BUSY = "đang có một tiến trình khác xử lí thư mục dữ liệu này: máy {host}, tiến trình {pid}, từ "


def dead_pid() -> int:
    """The id of a process that has just ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def write_lock(root: Path, **fields: object) -> Path:
    path = root / "wbe.lock"
    holder = {"pid": 4242, "host": HOST, "started": "2025-10-10T07:00:00+07:00",
              "command": "wbe watch", **fields}  # fmt: skip
    path.write_text(json.dumps(holder), "utf-8")
    return path


def test_the_lock_file_names_its_holder_and_goes_with_it(tmp_path: Path) -> None:
    with ServiceLock(tmp_path, "wbe watch") as lock:
        raw = json.loads((tmp_path / "wbe.lock").read_text("utf-8"))
        assert (raw["pid"], raw["host"], raw["command"]) == (os.getpid(), HOST, "wbe watch")
        assert raw["started"][:10] == time.strftime("%Y-%m-%d")  # local time, with its offset
        assert lock.held
    assert not (tmp_path / "wbe.lock").exists()
    assert not lock.held
    lock.release()  # twice is harmless


def test_a_second_holder_is_refused_by_name(tmp_path: Path) -> None:
    with ServiceLock(tmp_path, "wbe watch") as first:
        with pytest.raises(ServiceBusy) as raised:
            ServiceLock(tmp_path, "wbe ingest").acquire()
        assert raised.value.holder == first.holder
        message = str(raised.value)
        assert message.startswith(BUSY.format(host=HOST, pid=os.getpid()))
        assert "(lệnh wbe watch; tệp khóa " in message
        (problem,) = raised.value.report
        assert problem.code == "service-busy"
        # the refused one left the holder's file alone
        assert LockHolder.parse((tmp_path / "wbe.lock").read_bytes()) == first.holder
    assert not (tmp_path / "wbe.lock").exists()


def test_a_stale_lock_of_a_dead_process_is_taken_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pid = dead_pid()
    write_lock(tmp_path, pid=pid)
    with caplog.at_level(logging.WARNING, "workbook_engine.service"):
        lock = ServiceLock(tmp_path, "wbe watch").acquire()
    try:
        assert LockHolder.parse((tmp_path / "wbe.lock").read_bytes()) == lock.holder
        assert lock.holder is not None and lock.holder.pid == os.getpid()
        assert f"Tiến trình {pid} (wbe watch, từ 2025-10-10 07:00:00) đã dừng" in caplog.text
    finally:
        lock.release()


def test_an_unreadable_lock_file_nobody_holds_is_taken_over(tmp_path: Path) -> None:
    (tmp_path / "wbe.lock").write_bytes(b"")  # a crash between creating and writing it
    with ServiceLock(tmp_path, "wbe ingest") as lock:
        assert LockHolder.parse((tmp_path / "wbe.lock").read_bytes()) == lock.holder


def test_without_an_os_lock_a_living_pid_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system without OS locks (some network shares): the pid decides."""
    monkeypatch.setattr(service_lock, "_lock_os", lambda fd: None)
    write_lock(tmp_path, pid=os.getppid())
    with pytest.raises(ServiceBusy):
        ServiceLock(tmp_path).acquire()
    write_lock(tmp_path, pid=dead_pid())
    with ServiceLock(tmp_path) as lock:
        assert lock.holder is not None and lock.holder.pid == os.getpid()


def test_a_lock_of_another_machine_is_never_taken_over(tmp_path: Path) -> None:
    pid = dead_pid()  # dead here, but that says nothing about the other machine
    path = write_lock(tmp_path, host="MAY-VAN-PHONG", pid=pid)
    with pytest.raises(ServiceBusy) as raised:
        ServiceLock(tmp_path).acquire()
    assert str(raised.value).startswith(BUSY.format(host="MAY-VAN-PHONG", pid=pid))
    assert "từ 2025-10-10 07:00:00 (lệnh wbe watch;" in str(raised.value)
    assert LockHolder.parse(path.read_bytes()) == raised.value.holder  # still there


@pytest.mark.slow
def test_a_crashed_holder_releases_the_os_lock(tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import sys, time
        from workbook_engine.pipeline.service_lock import ServiceLock
        ServiceLock(__import__("pathlib").Path({str(tmp_path)!r}), "wbe watch").acquire()
        print("held", flush=True)
        time.sleep(60)
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "held\n"
        with pytest.raises(ServiceBusy) as raised:
            ServiceLock(tmp_path).acquire()
        assert raised.value.holder is not None and raised.value.holder.pid == child.pid
        child.kill()  # no cleanup runs: the file stays, the OS lock goes
        child.wait(timeout=10)
        assert (tmp_path / "wbe.lock").exists()
        with ServiceLock(tmp_path) as lock:  # taken over, even if the pid were reused
            assert lock.holder is not None and lock.holder.pid == os.getpid()
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=10)


# --- the commands ---------------------------------------------------------------------------


def test_ingest_is_refused_while_the_service_runs(school: School) -> None:
    sheet = school.fill("6A1", "TOAN", {"D8": 7})
    args = ["ingest", str(sheet), "--data-dir", str(school.data.root), "--inbox",
            str(school.inbox), "--outbox", str(school.outbox), "--share", str(school.share.root),
            "--today", OCTOBER.isoformat()]  # fmt: skip
    with ServiceLock(school.data.root, "wbe watch") as watching:
        result = runner.invoke(app, args)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"Lỗi: {BUSY.format(host=HOST, pid=os.getpid())}")
        assert "Traceback" not in result.output
        assert not school.data.ledger.exists()
        assert sheet.exists()
        assert LockHolder.parse((school.data.root / "wbe.lock").read_bytes()) == watching.holder
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert not (school.data.root / "wbe.lock").exists()


def scored_sheets(school: School, count: int) -> list[tuple[str, str]]:
    modes = {(s.grade, s.code): s.mode for s in school.setup.subjects}
    grades = {c.code: c.grade for c in school.setup.classes}
    pairs = [
        (a.class_code, a.subject_code)
        for a in school.setup.assignments
        if modes[grades[a.class_code], a.subject_code] is AssessmentMode.SCORE
        and school.issued(a.class_code, a.subject_code).exists()
    ]
    assert len(pairs) >= count
    return pairs[:count]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX here")
def test_two_watchers_on_one_data_dir_ingest_each_file_once(school: School) -> None:
    school.inbox.mkdir(parents=True)
    command = [
        sys.executable, "-m", "workbook_engine.cli", "watch",
        "--data-dir", str(school.data.root), "--inbox", str(school.inbox),
        "--outbox", str(school.outbox), "--share", str(school.share.root),
        "--poll", "--settle", "0.3", "--today", OCTOBER.isoformat(),
    ]  # fmt: skip
    lock = school.data.root / "wbe.lock"
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            holder = LockHolder.parse(lock.read_bytes()) if lock.exists() else None
            if holder is not None and holder.pid == first.pid:
                break
            assert first.poll() is None, first.communicate()
            time.sleep(0.05)
        second = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1, second.stderr
        assert f"Lỗi: {BUSY.format(host=HOST, pid=first.pid)}" in second.stderr
        assert "(lệnh wbe watch;" in second.stderr
        assert first.poll() is None  # the first one serves on

        dropped = [
            school.fill(class_code, subject, {"D8": 5 + i % 5, "E9": 6})
            for i, (class_code, subject) in enumerate(scored_sheets(school, 20))
        ]
        deadline = time.monotonic() + 60
        while any(p.is_file() for p in school.inbox.rglob("*")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(p.exists() for p in dropped)
        os.kill(first.pid, signal.SIGINT)
        stdout, stderr = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == 130, stderr
    assert "Đã dừng. Đã xử lí 20 tệp." in stdout
    assert not lock.exists()
    with Ledger.open(school.data.ledger) as ledger:
        files = ledger.files()
        changes = ledger.changes()
        assert ledger.verify() is None
    assert sorted(f.name for f in files) == sorted(p.name for p in dropped)
    assert len({f.sha256 for f in files}) == 20
    assert all(f.status == "accepted" for f in files), [f.problems for f in files]
    cells = [(c.key, c.student_code, c.column) for c in changes]
    assert len(cells) == len(set(cells)) == 40  # two cells of each sheet, each logged once
