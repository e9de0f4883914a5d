"""What people put in a shared folder besides good workbooks (issue 11, points 2 and 3): links,
names of any length or with control characters, other spreadsheet formats, files a check
chokes on, and passing failures the watcher retries."""

from __future__ import annotations

import os
import shutil
import threading
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import OCTOBER, School
from workbook_engine.cli import app
from workbook_engine.io.lockfiles import lock_owner
from workbook_engine.names import printable, safe_stem
from workbook_engine.pipeline import ingest as ingest_module
from workbook_engine.pipeline import watcher as watcher_module
from workbook_engine.pipeline.ingest import Status
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.watcher import InboxWatcher, Settler, WatchOptions

posix_only = pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")


def cli_ingest(school: School, *paths: Path) -> tuple[int, str]:
    args = ["ingest", *map(str, paths), "--data-dir", str(school.data.root), "--inbox",
            str(school.inbox), "--outbox", str(school.outbox), "--share",
            str(school.share.root), "--today", OCTOBER.isoformat()]  # fmt: skip
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.output


def archive_files(school: School) -> list[Path]:
    return [p for p in school.data.archive.rglob("*") if p.is_file()]


@posix_only
def test_a_link_to_a_system_file_is_refused_never_read_and_taken_out(school: School) -> None:
    teacher = school.teacher_of("6A1", "TOAN")
    folder = school.share.submit(teacher)
    folder.mkdir(parents=True)
    link = folder / "6A1_TOAN_HK1.xlsx"
    link.symlink_to("/etc/passwd")
    code, _ = cli_ingest(school, folder)
    assert code == 1
    assert not link.is_symlink() and Path("/etc/passwd").exists()  # the link, not its target
    assert archive_files(school) == []  # never read, nothing kept
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.files() == []  # nothing was received
    (page,) = school.share.returned(teacher).glob("*.html")
    assert "lối tắt" in page.read_text("utf-8")


@posix_only
def test_a_link_to_another_teachers_sheet_does_not_submit_it(school: School) -> None:
    teacher, other = school.teacher_of("6A1", "TOAN"), school.teacher_of("6A1", "NV")
    target = school.issued("6A1", "NV")
    before = target.read_bytes()
    folder = school.share.submit(teacher)
    folder.mkdir(parents=True)
    (folder / "mượn.xlsx").symlink_to(target)
    with school.pipeline() as pipeline:
        assert pipeline.process_all([folder]) == []
        assert pipeline.rejected == 1
    assert target.read_bytes() == before and not (folder / "mượn.xlsx").exists()
    assert not school.share.returned(other).exists()


@posix_only
def test_a_linked_folder_inside_the_inbox_is_not_followed_out(
    school: School, tmp_path: Path
) -> None:
    outside = tmp_path / "ngoai"
    outside.mkdir()
    shutil.copyfile(school.issued("6A1", "TOAN"), outside / "6A1_TOAN_HK1.xlsx")
    school.inbox.mkdir(parents=True, exist_ok=True)
    (school.inbox / "lien-ket").symlink_to(outside, target_is_directory=True)
    with school.pipeline() as pipeline:
        pipeline.process_all([school.inbox / "lien-ket" / "6A1_TOAN_HK1.xlsx"])
        assert pipeline.rejected == 1
    assert (outside / "6A1_TOAN_HK1.xlsx").exists()  # nothing outside is deleted
    assert archive_files(school) == []


def test_a_very_long_name_is_ingested_and_answered_under_a_bounded_name(school: School) -> None:
    teacher = school.teacher_of("6A1", "TOAN")
    base = "Bảng điểm lớp 6A1 "
    name = base + "x" * (250 - len(base.encode()) - len(".xlsx")) + ".xlsx"
    assert len(name.encode()) == 250
    assert lock_owner(school.inbox / name) is None  # the lock-file probe does not raise
    target = school.fill("6A1", "TOAN", {"D8": 7}, name=name)
    (outcome,) = school.ingest(target)
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    (receipt,) = school.share.receipts(teacher).glob("*.html")
    assert len(receipt.name.encode()) <= 160
    day = outcome.at[:10]
    pages = list((school.outbox / "reports" / "diff" / "files").glob("*.html"))
    assert len(pages) == 1 and (school.outbox / "reports" / "diff" / f"{day}.html").exists()


def test_a_newline_in_a_name_cannot_forge_a_log_line(school: School) -> None:
    name = "6A1_TOAN_HK1.xlsx\n2025-10-10 08:00:00 GIẢ: ĐÃ NHẬN.xlsx"
    target = school.fill("6A1", "TOAN", {"D8": 7}, name=name)
    code, _ = cli_ingest(school, target)
    assert code == 0
    log = (school.data.root / "wbe.log").read_text("utf-8").splitlines()
    assert not any(line.startswith("2025-10-10 08:00:00 GIẢ") for line in log)
    assert any("\\n2025-10-10 08:00:00 GIẢ" in line for line in log)


@pytest.mark.parametrize("suffix", [".xls", ".ods", ".csv"])
def test_other_spreadsheet_formats_get_an_answer_not_silence(school: School, suffix: str) -> None:
    teacher = school.teacher_of("6A1", "TOAN")
    folder = school.share.submit(teacher)
    folder.mkdir(parents=True)
    dropped = folder / f"6A1_TOAN_HK1{suffix}"
    dropped.write_bytes(b"STT;Ma hoc sinh;TX1\n1;HS001;8,5\n")
    code, _ = cli_ingest(school, folder)
    assert code == 1 and not dropped.exists()
    with Ledger.open(school.data.ledger) as ledger:
        (record,) = ledger.files()
        assert (record.status, record.problems[0]["code"]) == ("rejected", "file-wrong-format")
    (page,) = school.share.returned(teacher).glob("*.html")
    assert ".xlsx" in page.read_text("utf-8")
    assert list(school.share.returned(teacher).glob("*.xlsx")) == []  # no marked copy of it


def test_a_check_that_fails_answers_the_sender_and_empties_the_inbox(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("lỗi giả trong bộ kiểm tra")

    monkeypatch.setattr(ingest_module, "check_sheet", broken)
    target = school.fill("6A1", "TOAN", {"D8": 7})
    code, _ = cli_ingest(school, target)
    assert code == 1 and not target.exists()
    with Ledger.open(school.data.ledger) as ledger:
        (record,) = ledger.files()
        assert [p["code"] for p in record.problems] == ["file-check-failed"]


def test_a_failure_of_our_own_keeps_the_file_and_fails_the_command(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ingest_module, "archive_original", disk_full)
    target = school.fill("6A1", "TOAN", {"D8": 7})
    code, _ = cli_ingest(school, target)
    assert code == 1 and target.exists()  # kept for the next attempt
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.files() == []


def test_the_settler_retries_a_passing_failure_after_a_backoff(tmp_path: Path) -> None:
    now = [0.0]
    settler = Settler(0.0, clock=lambda: now[0])
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    settler.offer(path)
    assert settler.ready() == [path]
    settler.done(path, ok=False, retry=True)
    settler.offer(path)
    assert settler.ready() == []  # waits for the backoff
    now[0] += watcher_module.RETRY_FIRST + 0.1
    settler.offer(path)
    assert settler.ready() == [path]
    settler.done(path, ok=False, retry=True)
    now[0] += watcher_module.RETRY_FIRST + 0.1
    settler.offer(path)
    assert settler.ready() == []  # the second wait is twice as long
    now[0] += watcher_module.RETRY_FIRST
    settler.offer(path)
    assert settler.ready() == [path]
    settler.done(path, ok=False)  # a permanent failure: only a new copy is tried again
    now[0] += watcher_module.RETRY_MAX
    settler.offer(path)
    assert settler.ready() == []


def test_the_watcher_tries_again_when_the_cause_has_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watcher_module, "RETRY_FIRST", 0.3)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with zipfile.ZipFile(inbox / "a.xlsx", "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    calls: list[str] = []
    done = threading.Event()

    def process(path: Path) -> None:
        calls.append(path.name)
        if len(calls) == 1:
            raise OSError("mất kết nối ổ mạng")
        path.unlink()
        done.set()

    options = WatchOptions(settle_seconds=0.1, tick_seconds=0.05, rescan_seconds=0.2, poll=True,
                           poll_interval=0.1)  # fmt: skip
    watcher = InboxWatcher(inbox, process, options)
    thread = watcher.start_in_thread()
    try:
        assert done.wait(15), calls
    finally:
        watcher.stop.set()
        thread.join(10)
    assert calls == ["a.xlsx", "a.xlsx"]


@pytest.mark.parametrize(
    ("stem", "expected"),
    [("6A1_TOAN_HK1", "6A1_TOAN_HK1"), ("a\nb", "a_b"), ("con", "_con"), ("x. ", "x"),
     ('a<b>c:"d"', "a_b_c_d_"), ("", "tep")],
)  # fmt: skip
def test_safe_stems(stem: str, expected: str) -> None:
    assert safe_stem(stem) == expected


def test_safe_stems_are_bounded_on_a_character_boundary() -> None:
    stem = safe_stem("điểm" * 100, max_bytes=21)
    assert len(stem.encode()) <= 21 and stem == "điểm" * 3


def test_printable_escapes_control_characters() -> None:
    assert printable("a\nb\x1b[31m") == "a\\nb\\x1b[31m"


def test_a_file_far_too_large_is_answered_without_being_read(school: School) -> None:
    teacher = school.teacher_of("6A1", "TOAN")
    folder = school.share.submit(teacher)
    folder.mkdir(parents=True)
    huge = folder / "6A1_TOAN_HK1.xlsx"
    with huge.open("wb") as f:
        f.truncate(25 * 1024 * 1024)  # sparse: 25 MB without writing them
    code, _ = cli_ingest(school, folder)
    assert code == 1 and not huge.exists()
    assert archive_files(school) == []  # not read, not kept
    (page,) = school.share.returned(teacher).glob("*.html")
    assert "25 MB" in page.read_text("utf-8")
