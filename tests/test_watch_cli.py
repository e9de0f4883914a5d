"""``wbe watch`` as a real process: takes a dropped sheet, rebuilds the master, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import openpyxl
import pytest

from tests.helpers import OCTOBER, School
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render.publish import class_master_path


@contextmanager
def _watching(school: School) -> Iterator[subprocess.Popen[str]]:
    """``wbe watch`` on the school's inbox, as a process of its own (killed if still running)."""
    school.inbox.mkdir(parents=True)
    command = [
        sys.executable, "-m", "workbook_engine.cli", "watch",
        "--data-dir", str(school.data.root), "--inbox", str(school.inbox),
        "--outbox", str(school.outbox), "--settle", "0.3", "--today", OCTOBER.isoformat(),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()


def _stop(process: subprocess.Popen[str], signum: int, timeout: float) -> tuple[str, str]:
    """``signum`` to the watcher; its stdout and stderr once it has exited."""
    os.kill(process.pid, signum)
    return process.communicate(timeout=timeout)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX here")
def test_watch_ingests_a_dropped_sheet_and_stops_cleanly_on_ctrl_c(school: School) -> None:
    with _watching(school) as process:
        time.sleep(1.0)
        school.fill("6A1", "TOAN", {"D8": 8.5})
        master = class_master_path(school.outbox, "6A1")  # the class's workbook
        deadline = time.monotonic() + 30
        while not master.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert master.exists()
        stdout, stderr = _stop(process, signal.SIGINT, timeout=30)
    assert process.returncode == 130, stderr
    assert "6A1_TOAN_HK1.xlsx: ĐÃ NHẬN, 1 ô cập nhật" in stderr
    assert "Đã dừng. Đã xử lí 1 tệp." in stdout
    with Ledger.open(school.data.ledger) as ledger:
        assert [(c.column, c.new) for c in ledger.changes()] == [("TX1", "8.5")]
    row = [c.value for c in openpyxl.load_workbook(master)["6A1"][7]]
    assert 8.5 in row
    assert (school.outbox / "master.xlsx").exists()
    day = date.today().isoformat()  # changes are stamped with the real time of receipt
    assert (school.outbox / "reports" / "diff" / f"{day}.html").exists()
    # the day's PDF is rendered once the day is over (tests/test_publish.py), not on every file
    assert not (school.outbox / "reports" / "diff" / f"{day}.pdf").exists()


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM to a child process is POSIX here")
def test_watch_stops_cleanly_on_sigterm_as_on_ctrl_c(school: School) -> None:
    """What systemd, docker or a service manager sends: the watcher stops as on Ctrl-C, exits
    with 143 (128 + SIGTERM) and says so in its log, on stderr and in ``wbe.log``."""
    log = school.data.root / "wbe.log"
    with _watching(school) as process:
        deadline = time.monotonic() + 30
        while "Theo dõi" not in (log.read_text("utf-8") if log.exists() else ""):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
        stdout, stderr = _stop(process, signal.SIGTERM, timeout=10)
    assert process.returncode == 143, stderr
    for text in (stderr, log.read_text("utf-8")):
        assert "Nhận tín hiệu dừng (SIGTERM)" in text
        assert "Đã dừng theo dõi. Đã xử lí 0 tệp." in text
    assert "Đã dừng. Đã xử lí 0 tệp." in stdout
    assert not (school.data.root / "wbe.lock").exists()  # the data dir is free again
