"""Regressions found in review: a warm publisher after another process published, outputs
held open in Excel, an emptied log folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl

from tests.helpers import OCTOBER, School
from workbook_engine.model import ChangeStatus
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.outcome import Outcome
from workbook_engine.render.publish import Publisher, class_master_path, publish

CLOCK = "2025-10-10T09:00:00+07:00"


def ingest(school: School, class_code: str, subject: str, cells: dict[str, object]) -> Outcome:
    with school.pipeline() as pipeline:
        pipeline.ledger.clock = lambda: CLOCK
        return pipeline.process(school.fill(class_code, subject, cells))


def master_value(outbox: Path, class_code: str, subject: str, path: Path | None = None) -> object:
    """The first student's TX1 of ``subject`` in the class's master workbook (or ``path``)."""
    ws = openpyxl.load_workbook(path or class_master_path(outbox, class_code))[class_code]
    start = next(c.column for c in ws[4] if str(c.value).endswith(f"({subject})"))
    return ws.cell(7, start).value


def test_warm_publisher_does_not_overwrite_another_processs_approval(school: School) -> None:
    """`wbe watch` keeps a warm Publisher; `wbe corrections approve` publishes from another
    process and advances the shared state file; the watch's next publish must not put the
    pre-approval value back into the master."""
    ingest(school, "6A1", "TOAN", {"D8": 6})
    ingest(school, "6A1", "TOAN", {"D8": 9})  # a correction, pending
    with Ledger.open(school.data.ledger) as watch_ledger:
        watch = Publisher(watch_ledger, school.setup, school.outbox)  # the watch's warm one
        watch.publish(today=OCTOBER)
        assert master_value(school.outbox, "6A1", "TOAN") == 6
        # another process: wbe corrections approve (decide + one-off publish)
        with Ledger.open(school.data.ledger) as other:
            with other.transaction():
                other.decide(other.pending()[0].id, ChangeStatus.APPROVED, "GV002")
            publish(other, school.setup, school.outbox, today=OCTOBER)
        assert master_value(school.outbox, "6A1", "TOAN") == 9
        # a new file for another class arrives under wbe watch
        ingest(school, "7A1", "TOAN", {"D8": 7})
        watch.publish(today=OCTOBER)
    assert master_value(school.outbox, "7A1", "TOAN") == 7
    assert master_value(school.outbox, "6A1", "TOAN") == 9  # observed: 6 (stale cache)


def _lock_targets(monkeypatch, fragment: str) -> None:
    """Simulate Windows: a target whose path contains ``fragment`` is held open (Excel)."""
    import os

    from workbook_engine.io import atomic

    real = os.replace

    def replace(src, dst):
        if fragment in str(dst):
            raise PermissionError(13, "locked", str(dst))
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    monkeypatch.setattr(atomic, "RETRY_PAUSE", 0)


def test_wbe_ingest_with_a_change_log_open_in_excel_prints_a_message(school, monkeypatch):
    from typer.testing import CliRunner

    from workbook_engine.cli import app

    ingest(school, "6A1", "TOAN", {"D8": 6})
    with Ledger.open(school.data.ledger) as ledger:
        publish(ledger, school.setup, school.outbox, today=OCTOBER)
    _lock_targets(monkeypatch, "nhat-ky")  # the VP has this month's 6A1 log open
    path = school.fill("6A1", "NV", {"D8": 7})
    result = CliRunner().invoke(
        app,
        [
            "ingest",
            str(school.inbox),
            "--data-dir",
            str(school.data.root),
            "--inbox",
            str(school.inbox),
            "--outbox",
            str(school.outbox),
            "--today",
            "2025-10-10",
        ],
    )
    print(result.output)
    assert not path.exists()  # the file was committed
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    # master still updated even though a change log is held open
    assert master_value(school.outbox, "6A1", "NV") == 7


def test_an_emptied_log_folder_with_the_master_kept_is_rebuilt(school: School) -> None:
    import shutil

    ingest(school, "6A1", "TOAN", {"D8": 6})
    with Ledger.open(school.data.ledger) as ledger:
        publish(ledger, school.setup, school.outbox, today=OCTOBER)
    shutil.rmtree(school.outbox / "nhat-ky")  # a clerk empties the logs; master.xlsx is kept
    ingest(school, "7A1", "TOAN", {"D8": 7})
    with Ledger.open(school.data.ledger) as ledger:
        publish(ledger, school.setup, school.outbox, today=date(2025, 10, 11))
    index = openpyxl.load_workbook(school.outbox / "master.xlsx")["Nhật ký thay đổi"]
    linked = [row[3].value for row in index.iter_rows(min_row=5) if row[3].value]
    missing = [name for name in linked if not (school.outbox / name).exists()]
    assert missing == []  # observed: ['nhat-ky/2025-10/6A1.xlsx'] (a dead link, never rebuilt)


def test_wbe_corrections_approve_with_a_change_log_open_prints_a_message(school, monkeypatch):
    from typer.testing import CliRunner

    from workbook_engine.cli import app
    from workbook_engine.pipeline.pins import set_pin

    ingest(school, "6A1", "TOAN", {"D8": 6})
    ingest(school, "6A1", "TOAN", {"D8": 9})
    with Ledger.open(school.data.ledger) as ledger:
        publish(ledger, school.setup, school.outbox, today=OCTOBER)
        change_id = ledger.pending()[0].id
    set_pin(school.data, "GV002", "246824")
    _lock_targets(monkeypatch, "nhat-ky")
    result = CliRunner().invoke(
        app,
        [
            "corrections",
            "approve",
            str(change_id),
            "--by",
            "GV002",
            "--data-dir",
            str(school.data.root),
            "--outbox",
            str(school.outbox),
        ],
        input="246824\n",
    )
    print(result.output)
    assert not isinstance(result.exception, OSError), repr(result.exception)


def test_a_master_open_in_libreoffice_is_left_alone_and_the_new_one_written_beside(
    school: School,
) -> None:
    """Issue 11, point 7: the lock file says someone reads the book; it is not replaced under
    them, the up-to-date book waits beside it, and takes its place once it is closed."""
    ingest(school, "6A1", "TOAN", {"D8": 6})
    with Ledger.open(school.data.ledger) as ledger:
        publish(ledger, school.setup, school.outbox, today=OCTOBER)
    book = class_master_path(school.outbox, "6A1")
    lock = book.with_name(".~lock.6A1.xlsx#")
    lock.write_text("Phó hiệu trưởng,PC-VANPHONG,vp,26.11.2026 10:00,file:///home/vp;")
    before = book.read_bytes()
    ingest(school, "6A1", "NV", {"D8": 7})
    with Ledger.open(school.data.ledger) as ledger:
        held = publish(ledger, school.setup, school.outbox, today=OCTOBER)
    beside = book.with_name("6A1 (bản mới).xlsx")
    assert book.read_bytes() == before  # not replaced while open
    assert master_value(school.outbox, "6A1", "NV") is None
    assert master_value(school.outbox, "6A1", "NV", path=beside) == 7
    assert held.master is not None  # master.xlsx, not held, is written
    lock.unlink()  # closed
    with Ledger.open(school.data.ledger) as ledger:
        again = publish(ledger, school.setup, school.outbox, today=OCTOBER)
    assert master_value(school.outbox, "6A1", "NV") == 7 and not beside.exists()
    assert again.class_files == [book]  # the class held open is redone, no other


def test_master_xlsx_open_in_libreoffice_waits_beside_too(school: School) -> None:
    ingest(school, "6A1", "TOAN", {"D8": 6})
    with Ledger.open(school.data.ledger) as ledger:
        publish(ledger, school.setup, school.outbox, today=OCTOBER)
    master = school.outbox / "master.xlsx"
    lock = school.outbox / ".~lock.master.xlsx#"
    lock.write_text("Phó hiệu trưởng,PC-VANPHONG,vp,26.11.2026 10:00,file:///home/vp;")
    before = master.read_bytes()
    ingest(school, "7A1", "NV", {"D8": 7})
    with Ledger.open(school.data.ledger) as ledger:
        held = publish(ledger, school.setup, school.outbox, today=OCTOBER)
    beside = school.outbox / "master (bản mới).xlsx"
    assert held.master is None and master.read_bytes() == before and beside.exists()
    assert master_value(school.outbox, "7A1", "NV") == 7  # the class's workbook is not held
    lock.unlink()
    with Ledger.open(school.data.ledger) as ledger:
        again = publish(ledger, school.setup, school.outbox, today=OCTOBER)
    assert again.master == master and not beside.exists()
