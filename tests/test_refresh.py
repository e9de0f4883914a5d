"""``wbe templates refresh``: the working copies in each teacher's ``Sổ điểm/`` brought up to date
with the ledger (an approved correction, a sheet the office delivered), never over unsent edits.
Real issued workbooks, real ingestion."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from tests.helpers import OCTOBER, SCORE, School
from workbook_engine.cli import app
from workbook_engine.io.correction_sheet import CORRECTION_SHEET, correction_sheet_name
from workbook_engine.io.feedback import AUTHOR, MARKS_SHEET, SUMMARY_SHEET
from workbook_engine.io.identity import IDENTITY_SHEET, load_secret
from workbook_engine.io.kinds.values import COMMENT, note_type
from workbook_engine.io.kinds.values import SCORE as SCORE_TYPE
from workbook_engine.io.working_copy import cell_value
from workbook_engine.model import CellChange, ChangeStatus, Role
from workbook_engine.pipeline.ingest import Status as IngestStatus
from workbook_engine.pipeline.issue import issue_templates
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.refresh import (
    RefreshedFile,
    RefreshResult,
    Status,
    refresh_working_copies,
)


def teacher(school: School) -> str:
    return school.teacher_of("6A1", "TOAN")


def first_student(school: School) -> str:
    return school.setup.students_of("6A1")[0].code


def sent_and_kept(school: School, cells: dict[str, object]) -> Path:
    """The teacher fills 6A1 TOAN in ``Sổ điểm/`` and sends a copy, which is accepted; the
    working copy (returned) is the same file."""
    sent = school.fill("6A1", "TOAN", cells)
    working = school.issued("6A1", "TOAN")
    shutil.copyfile(sent, working)
    (outcome,) = school.ingest(sent)
    assert outcome.status is IngestStatus.ACCEPTED, [str(p) for p in outcome.problems]
    return working


def approve_correction(school: School, old: object = 6, new: object = "7,5") -> None:
    """The teacher's request form (TX1 of the first student of 6A1, ``old`` → ``new``), then the
    principal's approval in the ledger."""
    code = teacher(school)
    wb = openpyxl.load_workbook(school.sheets(code) / correction_sheet_name(1))
    ws = wb[CORRECTION_SHEET]
    row = {"B": first_student(school), "D": "6A1", "E": "TOAN", "F": "TX1", "G": old, "H": new,
           "I": "Cộng nhầm điểm", "J": "Bài làm số 12"}  # fmt: skip
    for letter, value in row.items():
        ws[f"{letter}8"] = value
    wb.properties.lastModifiedBy = school.username(code)
    target = school.share.submit(code) / correction_sheet_name(1)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    (requested,) = school.ingest(target)
    assert requested.status is IngestStatus.ACCEPTED, [str(p) for p in requested.problems]
    principal = next(t.code for t in school.setup.teachers if Role.PRINCIPAL in t.roles)
    with Ledger.open(school.data.ledger) as ledger, ledger.transaction():
        (change,) = ledger.pending()
        ledger.decide(change.id, ChangeStatus.APPROVED, principal, "test")


def refresh(school: School, code: str | None = None) -> RefreshResult:
    with Ledger.open_readonly(school.data.ledger) as ledger:
        return refresh_working_copies(
            school.setup, school.share.root, load_secret(school.data.secret), ledger,
            code or teacher(school), today=OCTOBER,
        )  # fmt: skip


def of(result: RefreshResult, path: Path) -> RefreshedFile:
    (found,) = [f for f in result.files if f.path == path]
    return found


def score_sheet(path: Path) -> Worksheet:
    ws = openpyxl.load_workbook(path)[SCORE]
    assert isinstance(ws, Worksheet)
    return ws


def submit(school: School, working: Path, cells: dict[str, object]) -> Path:
    """The teacher edits the working copy in Excel, then drops a copy into ``Nộp/``."""
    return school.send(working, teacher(school), cells)


def test_an_approved_correction_reaches_the_working_copy(school: School) -> None:
    working = sent_and_kept(school, {"D8": 6, "E8": 7})
    approve_correction(school)
    result = refresh(school)
    refreshed = of(result, working)
    assert (refreshed.status, refreshed.cells) == (Status.REFRESHED, 1)
    assert refreshed.message.startswith("Đã cập nhật ")
    assert f"{first_student(school)} TX1: 6.0 → 7.5" in refreshed.message
    assert [f.path for f in result.refreshed] == [working]  # nothing else moved
    wb = openpyxl.load_workbook(working)
    ws = wb[SCORE]
    assert isinstance(ws, Worksheet)
    assert (ws["D8"].value, ws["E8"].value) == (7.5, 7)
    assert ws["D8"].number_format == "0.0" and not ws["D8"].protection.locked
    assert ws.protection.sheet and ws.data_validations.dataValidation
    assert str(ws["J8"].value).startswith("=IF(COUNT(")  # the average's formula kept
    assert wb[IDENTITY_SHEET].sheet_state == "veryHidden"

    # the next submission of the refreshed copy carries only the teacher's new edit
    (outcome,) = school.ingest(submit(school, working, {"F8": 9}))
    assert outcome.status is IngestStatus.ACCEPTED
    assert "stale-copy" not in [p.code for p in outcome.problems]
    assert outcome.changes == [
        CellChange(first_student(school), "TX3", None, "9.0", ChangeStatus.MERGED)
    ]
    # and the copy, sent and receipted, is up to date
    assert of(refresh(school), working).status is Status.UP_TO_DATE


def test_unsent_edits_are_never_overwritten(school: School) -> None:
    working = sent_and_kept(school, {"D8": 6})
    approve_correction(school)
    submit(school, working, {"E8": 8}).unlink()  # typed, saved, not sent
    before = working.read_bytes()
    refreshed = of(refresh(school), working)
    assert (refreshed.status, refreshed.cells) == (Status.UNSENT_EDITS, 1)
    assert "có chỉnh sửa chưa gửi: gửi tệp vào thư mục Nộp trước" in refreshed.message
    assert f"{first_student(school)} TX2: trống → 8.0" in refreshed.message
    assert working.read_bytes() == before


def test_a_correction_waiting_for_approval_stays_in_the_copy(school: School) -> None:
    working = sent_and_kept(school, {"D8": 6})
    (sent,) = school.ingest(submit(school, working, {"D8": "7,5"}))  # a correction, pending
    assert [c.status for c in sent.changes] == [ChangeStatus.PENDING]
    before = working.read_bytes()
    assert of(refresh(school), working).status is Status.UP_TO_DATE
    assert working.read_bytes() == before


def test_a_copy_open_in_excel_is_skipped(school: School) -> None:
    working = sent_and_kept(school, {"D8": 6})
    approve_correction(school)
    lock = working.with_name("~$" + working.name)
    name = "Thầy Phương"
    lock.write_bytes(bytes([len(name)]) + name.encode("cp1252", "replace").ljust(53, b" "))
    before = working.read_bytes()
    refreshed = of(refresh(school), working)
    assert refreshed.status is Status.OPEN and refreshed.skipped
    assert "đang được mở" in refreshed.message
    assert working.read_bytes() == before


def test_an_up_to_date_copy_is_not_rewritten(school: School) -> None:
    working = sent_and_kept(school, {"D8": 6, "E8": "8,5"})
    stamp, before = working.stat().st_mtime_ns, working.read_bytes()
    result = refresh(school)
    assert of(result, working).status is Status.UP_TO_DATE
    assert (working.stat().st_mtime_ns, working.read_bytes()) == (stamp, before)
    assert result.refreshed == [] and result.skipped == []
    # the teacher's other sheets (blank, nothing accepted) and the request form stay as issued
    assert {f.status for f in result.files} == {Status.UP_TO_DATE, Status.OTHER}


def test_the_marks_of_a_returned_copy_are_cleared_when_refreshed(school: School) -> None:
    code = teacher(school)
    (returned,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 6, "E8": 85}))
    assert returned.status is IngestStatus.REJECTED
    (marked,) = school.share.returned(code).glob("*.xlsx")
    # the teacher fixes the red cell in the returned copy, keeps it as the working copy
    wb = openpyxl.load_workbook(marked)
    wb[SCORE]["E8"] = 8.5
    working = school.issued("6A1", "TOAN")
    wb.save(working)
    assert SUMMARY_SHEET in wb.sheetnames and MARKS_SHEET in wb.sheetnames
    (accepted,) = school.ingest(submit(school, working, {}))
    assert accepted.status is IngestStatus.ACCEPTED, [str(p) for p in accepted.problems]
    approve_correction(school)
    assert of(refresh(school), working).status is Status.REFRESHED
    wb = openpyxl.load_workbook(working)
    assert SUMMARY_SHEET not in wb.sheetnames and MARKS_SHEET not in wb.sheetnames
    ws = wb[SCORE]
    assert isinstance(ws, Worksheet)
    assert (ws["D8"].value, ws["E8"].value) == (7.5, 8.5)
    assert ws["E8"].comment is None or ws["E8"].comment.author != AUTHOR
    assert ws["E8"].fill.fgColor.rgb != "FFFFC7CE"
    assert wb.active is not None and wb.active.title == SCORE


def test_a_blank_copy_gets_what_the_office_delivered(school: School) -> None:
    delivered = school.fill("6A1", "TOAN", {"D8": 6, "E8": 7})
    office = school.inbox / delivered.name
    delivered.replace(office)
    (outcome,) = school.ingest(office)
    assert outcome.status is IngestStatus.ACCEPTED and outcome.arrival.by_office
    working = school.issued("6A1", "TOAN")  # as issued, never filled on the share
    refreshed = of(refresh(school), working)
    assert (refreshed.status, refreshed.cells) == (Status.REFRESHED, 2)
    ws = score_sheet(working)
    assert (ws["D8"].value, ws["E8"].value) == (6.0, 7.0)


def test_homeroom_sheets_filled_on_another_pc_reach_the_blank_copies(school: School) -> None:
    code = school.setup.class_by_code("6A1").homeroom_teacher
    cells = {
        "6A1_DiemDanh_2025-09_HK1.xlsx": {"H8": "P", "K9": "k"},  # Fri 5 and Mon 8 September
        "6A1_RenLuyen_HK1.xlsx": {"D8": "tốt", "E8": "Chăm ngoan", "D9": "Khá"},
    }
    for name, values in cells.items():
        wb = openpyxl.load_workbook(school.sheets(code) / name)
        for ref, value in values.items():
            wb.worksheets[0][ref] = value
        wb.properties.lastModifiedBy = school.username(code)
        target = school.inbox / code / name
        target.parent.mkdir(parents=True, exist_ok=True)
        wb.save(target)
        (outcome,) = school.ingest(target)
        assert outcome.status is IngestStatus.ACCEPTED, [str(p) for p in outcome.problems]
    result = refresh(school, code)
    attendance, conduct = (of(result, school.sheets(code) / name) for name in cells)
    assert (attendance.status, attendance.cells) == (Status.REFRESHED, 2)
    assert (conduct.status, conduct.cells) == (Status.REFRESHED, 3)
    ws = openpyxl.load_workbook(attendance.path).worksheets[0]
    assert (ws["H8"].value, ws["K9"].value, ws["H9"].value) == ("P", "K", None)
    ws = openpyxl.load_workbook(conduct.path).worksheets[0]
    assert (ws["D8"].value, ws["E8"].value, ws["D9"].value) == ("Tốt", "Chăm ngoan", "Khá")
    assert {f.status for f in refresh(school, code).files} == {Status.UP_TO_DATE, Status.OTHER}


def test_a_copy_with_errors_is_left_alone(school: School) -> None:
    working = sent_and_kept(school, {"D8": 6})
    approve_correction(school)
    submit(school, working, {"E8": "tám"}).unlink()
    before = working.read_bytes()
    refreshed = of(refresh(school), working)
    assert refreshed.status is Status.ERRORS
    assert "ô E8" in refreshed.message and "lỗi" in refreshed.message
    assert working.read_bytes() == before


def test_cell_values_are_numbers_where_the_column_holds_numbers() -> None:
    assert cell_value(SCORE_TYPE, "7.5") == 7.5
    assert cell_value(SCORE_TYPE, "10.0") == 10.0
    assert cell_value(COMMENT, "CĐ") == "CĐ"
    assert cell_value(note_type(), "10") == "10"  # a note stays text
    assert cell_value(SCORE_TYPE, None) is None


def test_cli_refreshes_and_prints_a_summary(school: School) -> None:
    working = sent_and_kept(school, {"D8": 6})
    approve_correction(school)
    result = CliRunner().invoke(
        app,
        ["templates", "refresh", "--data-dir", str(school.data.root),
         "--share", str(school.share.root)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = working.relative_to(school.share.root).as_posix()
    assert f"Đã cập nhật {shown}: 1 ô" in result.output
    assert "Đã cập nhật 1 tệp (1 ô)" in result.output and "bỏ qua 0 tệp" in result.output
    assert score_sheet(working)["D8"].value == 7.5


def test_cli_refuses_an_unknown_teacher(school: School) -> None:
    result = CliRunner().invoke(
        app,
        ["templates", "refresh", "--data-dir", str(school.data.root),
         "--share", str(school.share.root), "--teacher", "GV999"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "GV999" in result.output


def test_cli_before_any_file_was_received(school: School) -> None:
    assert not school.data.ledger.exists()
    result = CliRunner().invoke(
        app,
        ["templates", "refresh", "--data-dir", str(school.data.root),
         "--share", str(school.share.root)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Chưa nhận tệp nào: không có gì để cập nhật." in result.output
    assert not school.data.ledger.exists()  # nothing created


def test_semester_two_copies_issued_early_are_not_taken_for_broken(school: School) -> None:
    """Semester 2's sheets are issued in January: in October they cannot be sent yet, but
    they are not in error (the reviewer's case) and stay as issued."""
    code = teacher(school)
    issue_templates(school.setup, school.share.root, load_secret(school.data.secret), 2, code)
    school.ingest(school.fill("6A1", "TOAN", {"D8": 7}))  # a ledger with something in it
    second = school.sheets(code) / "6A1_TOAN_HK2.xlsx"
    before = second.read_bytes()
    found = of(refresh(school), second)
    assert found.status is Status.UP_TO_DATE, found.message
    assert second.read_bytes() == before
