"""Publishing derives the outbox from the ledger incrementally, and off the critical path."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import OCTOBER, School, master_sheet, master_values
from workbook_engine.io.master_workbook import LOG_SHEET
from workbook_engine.model import ChangeStatus
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render import jobs
from workbook_engine.render.background import LoopOptions, PublishLoop
from workbook_engine.render.publish import STATE_NAME, Publisher, publish

CLOCK = "2025-10-10T09:00:00+07:00"
SUBJECT = "TOAN"


def ingest(school: School, class_code: str, subject: str, cells: dict[str, object]) -> None:
    with school.pipeline() as pipeline:
        pipeline.ledger.clock = lambda: CLOCK
        pipeline.process(school.fill(class_code, subject, cells))


def master_value(outbox: Path, class_code: str, subject: str) -> object:
    """The first student's TX1 of ``subject`` in the master."""
    ws = master_sheet(outbox, class_code)
    start = next(c.column for c in ws[4] if str(c.value).endswith(f"({subject})"))
    return ws.cell(7, start).value


def test_a_publish_redoes_only_the_classes_days_and_files_that_changed(school: School) -> None:
    ingest(school, "6A1", "TOAN", {"D8": 8.5})
    ingest(school, "7A1", "TOAN", {"D8": 7})
    with Ledger.open(school.data.ledger) as ledger:
        publisher = Publisher(ledger, school.setup, school.outbox)
        first = publisher.publish(today=OCTOBER)
        assert first.full
        assert first.classes == [c.code for c in school.setup.classes]  # cold: every class
        assert master_value(school.outbox, "6A1", SUBJECT) == 8.5
        assert publisher.publish(today=OCTOBER).classes == []  # nothing new: nothing written
        assert not publisher.publish(today=OCTOBER)

    ingest(school, "6A1", "NV", {"D8": 6})
    with Ledger.open(school.data.ledger) as ledger:
        publisher = Publisher(ledger, school.setup, school.outbox)  # a new process: state on disk
        second = publisher.publish(today=OCTOBER)
    assert not second.full
    assert second.classes == ["6A1"]  # the changed class; the others' rows from the state
    assert [p.relative_to(school.outbox).as_posix() for p in second.class_files] == ["lop/6A1.xlsx"]
    pages = [p.name for p in second.reports]
    assert pages == ["2025-10-10.html", next(p.name for p in second.reports if "6A1_NV" in p.name)]
    assert [p.relative_to(school.outbox).as_posix() for p in second.logs] == [
        "nhat-ky/2025-10/6A1.xlsx"  # only the changed class's month
    ]
    index = openpyxl.load_workbook(school.outbox / "master.xlsx")[LOG_SHEET]
    rows = [[c.value for c in row][:3] for row in index.iter_rows(min_row=5)]
    assert rows == [["10/2025", "6A1", 2], ["10/2025", "7A1", 1]]


def test_the_same_publisher_recomputes_one_class_after_one_file(school: School) -> None:
    ingest(school, "6A1", "TOAN", {"D8": 8.5})
    with school.pipeline() as pipeline:
        pipeline.ledger.clock = lambda: CLOCK
        publisher = Publisher(pipeline.ledger, school.setup, school.outbox)
        publisher.publish(today=OCTOBER)
        pipeline.process(school.fill("7A1", "TOAN", {"D8": 9}))
        again = publisher.publish(today=OCTOBER)
    assert again.classes == ["7A1"]
    assert master_value(school.outbox, "7A1", SUBJECT) == 9
    assert master_value(school.outbox, "6A1", SUBJECT) == 8.5  # the cached class is still there


def test_an_emptied_outbox_or_another_ledger_rebuilds_everything(school: School) -> None:
    ingest(school, "6A1", "TOAN", {"D8": 8.5})
    with Ledger.open(school.data.ledger) as ledger:
        publish(ledger, school.setup, school.outbox, today=OCTOBER)
        (school.outbox / "master.xlsx").unlink()
        assert publish(ledger, school.setup, school.outbox, today=OCTOBER).full
        assert master_value(school.outbox, "6A1", SUBJECT) == 8.5
        (school.outbox / "lop" / "7A1.xlsx").unlink()  # one class's workbook lost: that class
        again = publish(ledger, school.setup, school.outbox, today=OCTOBER)
        assert not again.full and again.classes == ["7A1"]
        assert (school.outbox / "lop" / "7A1.xlsx").exists()
    with Ledger.open(":memory:") as other:  # a state from another ledger is not trusted
        result = publish(other, school.setup, school.outbox, today=OCTOBER)
    assert result.full
    assert master_value(school.outbox, "6A1", SUBJECT) is None


def test_a_days_pdf_is_rendered_once_the_day_is_over_or_on_demand(school: School) -> None:
    ingest(school, "6A1", "TOAN", {"D8": 8.5})
    folder = school.outbox / "reports" / "diff"
    with Ledger.open(school.data.ledger) as ledger:
        publish(ledger, school.setup, school.outbox, today=date(2025, 10, 10))
        assert (folder / "2025-10-10.html").exists()
        assert not (folder / "2025-10-10.pdf").exists()  # the day is still going on
        assert STATE_NAME in {p.name for p in school.outbox.iterdir()}
        later = publish(ledger, school.setup, school.outbox, today=date(2025, 10, 11))
        assert [p.name for p in later.reports] == ["2025-10-10.html", "2025-10-10.pdf"]
        assert (folder / "2025-10-10.pdf").read_bytes().startswith(b"%PDF")
        assert publish(ledger, school.setup, school.outbox, today=date(2025, 10, 12)).reports == []
    ingest(school, "7A1", "TOAN", {"D8": 7})
    with Ledger.open(school.data.ledger) as ledger:
        now = publish(ledger, school.setup, school.outbox, today=OCTOBER, all_pdfs=True)
    assert "2025-10-10.pdf" in [p.name for p in now.reports]


def test_an_approval_rewrites_the_record_the_log_month_and_the_class(school: School) -> None:
    ingest(school, "6A1", "TOAN", {"D8": 6})
    ingest(school, "6A1", "TOAN", {"D8": 9})  # a correction: held for approval
    approval_day = date(2025, 11, 2)
    with Ledger.open(school.data.ledger) as ledger:
        publisher = Publisher(ledger, school.setup, school.outbox)
        publisher.publish(today=approval_day)  # the same day: a new day recomputes every class
        assert master_value(school.outbox, "6A1", SUBJECT) == 6
        ledger.clock = lambda: "2025-11-02T08:00:00+07:00"
        with ledger.transaction():
            change = ledger.decide(ledger.pending()[0].id, ChangeStatus.APPROVED, "GV002")
        result = publisher.publish(today=approval_day)
    assert result.classes == ["6A1"]
    assert master_value(school.outbox, "6A1", SUBJECT) == 9
    assert [p.name for p in result.records] == [f"bien-ban-sua-diem-{change.id}.pdf"]
    assert [p.parent.name for p in result.logs] == ["2025-10"]  # the change's month
    assert "2025-10-10.html" in [p.name for p in result.reports]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.day = date(2025, 10, 10)

    def __call__(self) -> float:
        return self.now


def loop_with(clock: FakeClock, publish: object) -> PublishLoop:
    options = LoopOptions(quiet_seconds=2, max_delay_seconds=30, retry_seconds=5)
    return PublishLoop(publish, options, clock=clock, today=lambda: clock.day)  # type: ignore[arg-type]


def test_a_burst_of_requests_publishes_once_after_the_quiet_moment() -> None:
    clock, calls = FakeClock(), []
    loop = loop_with(clock, lambda: calls.append(clock.now))
    for second in range(10):  # a file committed every second for ten seconds
        clock.now = float(second)
        loop.request()
        assert not loop.step()
    clock.now = 10.9
    assert not loop.step()
    clock.now = 11.0  # two quiet seconds after the last request
    assert loop.step()
    assert calls == [11.0]
    clock.now = 20.0
    assert not loop.step()  # nothing new


def test_a_steady_stream_still_publishes_within_the_maximum_delay() -> None:
    clock, calls = FakeClock(), []
    loop = loop_with(clock, lambda: calls.append(clock.now))
    for second in range(40):
        clock.now = float(second)
        loop.request()
        loop.step()
    assert calls == [30.0]


def test_a_failed_publish_is_retried_with_backoff_then_catches_up() -> None:
    clock, calls = FakeClock(), []

    def flaky() -> None:
        calls.append(clock.now)
        if len(calls) < 3:
            raise OSError("disk full")

    loop = loop_with(clock, flaky)
    loop.request()
    clock.now = 2.0
    assert not loop.step()  # fails: retry in 5 s
    clock.now = 6.9
    assert not loop.step()
    clock.now = 7.0
    assert not loop.step()  # fails again: retry in 10 s
    clock.now = 17.0
    assert loop.step()
    assert calls == [2.0, 7.0, 17.0]


def test_a_new_day_publishes_once_for_yesterdays_pdf() -> None:
    clock, calls = FakeClock(), []
    loop = loop_with(clock, lambda: calls.append(clock.day))
    assert not loop.step()
    clock.day += timedelta(days=1)
    assert loop.step()
    assert not loop.step()
    assert calls == [date(2025, 10, 11)]


def test_closing_the_loop_publishes_what_is_still_waiting() -> None:
    calls: list[str] = []
    published = threading.Event()
    loop = PublishLoop(
        lambda: (calls.append(threading.current_thread().name), published.set()),
        LoopOptions(quiet_seconds=60, max_delay_seconds=60, tick_seconds=0.01),
    )
    thread = loop.start()
    loop.request()
    loop.close(timeout=10)
    assert not thread.is_alive()
    assert calls == ["publisher"]


def test_the_day_page_lists_changes_to_review_and_counts_new_entries(school: School) -> None:
    ingest(school, "6A1", "TOAN", {"D8": 6, "E8": 7, "F8": 8})
    ingest(school, "6A1", "TOAN", {"D8": 9, "E8": 7, "F8": 8})  # one correction, held
    with Ledger.open(school.data.ledger) as ledger:
        publish(ledger, school.setup, school.outbox, today=OCTOBER)
    page = (school.outbox / "reports" / "diff" / "2025-10-10.html").read_text("utf-8")
    assert page.count('class="change status-') == 1  # only the correction is listed in full
    assert 'data-status="pending"' in page
    assert "3 điểm nhập mới được ghi vào sổ" in page  # the three new entries are counted
    assert "Đã cập nhật: 3" in page and "Chờ duyệt: 1" in page


def test_many_logs_and_pages_are_written_by_worker_processes(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(school, "6A1", "TOAN", {"D8": 8.5})
    ingest(school, "7A1", "TOAN", {"D8": 7})
    monkeypatch.setattr(jobs, "POOL_FROM", 1)  # a school's burst, in miniature
    monkeypatch.setattr(jobs.os, "cpu_count", lambda: 2)
    with Ledger.open(school.data.ledger) as ledger:
        result = publish(ledger, school.setup, school.outbox, today=OCTOBER)
    assert sorted(p.relative_to(school.outbox).as_posix() for p in result.logs) == [
        "nhat-ky/2025-10/6A1.xlsx",
        "nhat-ky/2025-10/7A1.xlsx",
    ]
    pages = sorted(p.name for p in result.reports if p.parent.name == "files")
    assert [name.split("-")[0] for name in pages] == ["6A1_TOAN_HK1", "7A1_TOAN_HK1"]
    log = openpyxl.load_workbook(school.outbox / "nhat-ky" / "2025-10" / "7A1.xlsx")[LOG_SHEET]
    assert [log["I5"].value, log["K5"].value] == ["TX1", "7,0"]


def test_a_changed_setup_rewrites_every_class_and_a_new_day_recomputes_them(
    school: School,
) -> None:
    """A class's workbook shows its roster from the setup: a student renamed in the setup (no
    ledger event) reaches every class's workbook at the next publish. A new day recomputes
    every class (what is due), and writes the workbooks that change."""
    import dataclasses

    ingest(school, "6A1", "TOAN", {"D8": 8.5})
    every = [c.code for c in school.setup.classes]
    with Ledger.open(school.data.ledger) as ledger:
        assert publish(ledger, school.setup, school.outbox, today=OCTOBER).classes == every
        assert not publish(ledger, school.setup, school.outbox, today=OCTOBER)
        first = school.setup.students_of("7A1")[0]
        renamed = dataclasses.replace(first, full_name="Trần Thị Đổi Tên")
        students = tuple(renamed if s == first else s for s in school.setup.students)
        setup = dataclasses.replace(school.setup, students=students)
        again = publish(ledger, setup, school.outbox, today=OCTOBER)
        assert again.classes == every and not again.full
        assert master_sheet(school.outbox, "7A1").cell(7, 3).value == "Trần Thị Đổi Tên"
        assert not publish(ledger, setup, school.outbox, today=OCTOBER)  # the same setup
        # a new day recomputes every class; a workbook is written only when it would change
        stamps = {c: (school.outbox / "lop" / f"{c}.xlsx").stat().st_mtime_ns for c in every}
        later = publish(ledger, setup, school.outbox, today=OCTOBER + timedelta(days=1))
        assert later.classes == every and later.class_files == []  # nothing fell due
        assert {
            c: (school.outbox / "lop" / f"{c}.xlsx").stat().st_mtime_ns for c in every
        } == stamps
        november = publish(ledger, setup, school.outbox, today=date(2025, 11, 6))
        assert [p.stem for p in november.class_files] == every  # October's attendance is due
    assert master_value(school.outbox, "6A1", SUBJECT) == 8.5


def test_a_publish_that_leaves_work_over_runs_again_without_a_request() -> None:
    clock, calls = FakeClock(), []
    answers = [True, True, False]

    def publish() -> bool:
        calls.append(clock.now)
        return answers[len(calls) - 1]

    loop = loop_with(clock, publish)
    loop.request()
    clock.now = 2.0
    assert loop.step()  # work left over (a new day's classes): due again at once
    clock.now = 2.2
    assert loop.step()
    clock.now = 2.4
    assert loop.step()  # done
    clock.now = 10.0
    assert not loop.step()
    assert calls == [2.0, 2.2, 2.4]


def test_a_new_days_classes_are_spread_over_publishes_in_watch_mode(school: School) -> None:
    """Under ``wbe watch`` (a time allowed for a new day's classes), a file received in the
    morning is published with its class first; the other classes follow, one publish after
    another, each at least one class further, until every class is of the new day."""
    ingest(school, "6A1", "TOAN", {"D8": 8.5})
    november = date(2025, 11, 6)  # October's attendance now due: every class changes
    with Ledger.open(school.data.ledger) as ledger:
        publish(ledger, school.setup, school.outbox, today=OCTOBER)
    ingest(school, "8A1", "TOAN", {"D8": 7})
    with Ledger.open(school.data.ledger) as ledger:
        watch = Publisher(ledger, school.setup, school.outbox, day_seconds=0)
        first = watch.publish(today=november)
        assert first.classes == ["8A1", "6A1"]  # the touched class, then one of another day
        assert first.behind == ["7A1", "9A1"]
        assert master_value(school.outbox, "8A1", SUBJECT) == 7
        rest = [watch.publish(today=november) for _ in range(2)]
        assert [r.classes for r in rest] == [["7A1"], ["9A1"]]
        assert [r.behind for r in rest] == [["9A1"], []]
        assert not watch.publish(today=november)  # every class is of the new day
    with Ledger.open(school.data.ledger) as ledger:
        rebuilt = school.outbox.parent / "rebuilt"
        publish(ledger, school.setup, rebuilt, today=november)  # all at once, for comparison
    assert master_values(school.outbox) == master_values(rebuilt)
