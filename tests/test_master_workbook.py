"""The master workbook, written from ledger data and read back with openpyxl."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from workbook_engine.io.master_workbook import (
    LOG_SHEET,
    NOTES_SHEET,
    SUMMARY_SHEET,
    LogVolume,
    class_table,
    summary_row,
    write_change_log,
    write_class_master,
    write_master,
)
from workbook_engine.model import ChangeRecord, ExemptionScope, Setup, SheetKey


def subject_start(ws: Worksheet, code: str) -> int:
    """1-based column where the subject's block starts (its title is merged over row 4)."""
    for cell in ws[4]:
        if isinstance(cell.value, str) and cell.value.endswith(f"({code})"):
            return cell.column
    raise AssertionError(f"no block for {code}")


def test_values_and_averages_per_class(tmp_path: Path, small_school: Setup) -> None:
    student = small_school.students_of("6A1")[0].code
    toan1, toan2 = SheetKey("6A1", "TOAN", 1), SheetKey("6A1", "TOAN", 2)
    gdtc1, gdtc2 = SheetKey("6A1", "GDTC", 1), SheetKey("6A1", "GDTC", 2)
    values = {}
    for col, v in zip(
        ("TX1", "TX2", "TX3", "TX4", "GK", "CK"), ("7", "8", "9", "6", "7", "8"), strict=True
    ):
        values[(toan1, student, col)] = v
    for col, v in zip(
        ("TX1", "TX2", "TX3", "TX4", "GK", "CK"), ("8", "8", "8", "8", "9", "9"), strict=True
    ):
        values[(toan2, student, col)] = v
    for col in ("TX1", "TX2", "GK", "CK"):
        values[(gdtc1, student, col)] = "Đ"
        values[(gdtc2, student, col)] = "Đ"
    values[(gdtc2, student, "CK")] = "CĐ"

    table = class_table(small_school, "6A1", values)
    ws = openpyxl.load_workbook(write_class_master(tmp_path / "6A1.xlsx", small_school, table))[
        "6A1"
    ]
    row = 7
    assert ws.cell(row, 2).value == student
    t = subject_start(ws, "TOAN")
    assert [ws.cell(6, t + i).value for i in range(15)] == (
        ["TX1", "TX2", "TX3", "TX4", "GK", "CK", "ĐTBmhk"] * 2 + ["ĐTBmcn"]
    )
    assert [ws.cell(row, t + i).value for i in range(7)] == [7, 8, 9, 6, 7, 8, 7.6]
    # (7+8+9+6 + 2*7 + 3*8)/9 = 68/9 = 7.56 → 7.6; (32 + 18 + 27)/9 = 77/9 = 8.56 → 8.6
    assert ws.cell(row, t + 13).value == 8.6
    # year: (7.6 + 2*8.6)/3 = 24.8/3 = 8.27 → 8.3
    assert ws.cell(row, t + 14).value == 8.3
    g = subject_start(ws, "GDTC")
    assert ws.cell(row, g + 4).value == "Đ"  # semester 1: all four Đ
    assert ws.cell(row, g + 9).value == "CĐ"  # semester 2: CK is CĐ
    assert ws.cell(row, g + 10).value == "CĐ"  # the year is semester 2's result
    # the next student has nothing yet: blank, never 0
    assert [ws.cell(row + 1, t + i).value for i in range(15)] == [None] * 15


def test_exempt_student_and_change_log(tmp_path: Path, small_school: Setup) -> None:
    exemption = next(e for e in small_school.exemptions if e.scope is ExemptionScope.WHOLE)
    student = next(s for s in small_school.students if s.code == exemption.student_code)
    key = SheetKey(student.class_code, "TOAN", 1)
    change = ChangeRecord(
        id=1,
        file_id=1,
        file_name="6A1_TOAN_HK1.xlsx",
        at="2025-10-04T15:02:11+07:00",
        teacher_code="GV006",
        key=key,
        student_code=student.code,
        column="TX1",
        old=None,
        new="8.5",
        status="merged",
    )
    tables = [class_table(small_school, c.code, {}) for c in small_school.classes]
    own = next(t for t in tables if t.class_code == student.class_code)
    book = openpyxl.load_workbook(write_class_master(tmp_path / "own.xlsx", small_school, own))
    assert book.sheetnames == [student.class_code, NOTES_SHEET]
    ws = book[student.class_code]
    row = next(r for r in range(7, ws.max_row + 1) if ws.cell(r, 2).value == student.code)
    start = subject_start(ws, exemption.subject_code)
    assert ws.cell(row, start).value == "Miễn"

    volume = LogVolume("2025-10", "6A1", 1, "nhat-ky/2025-10/6A1.xlsx")
    rows = [
        summary_row(small_school, t.class_code, t.counts, t.approved, f"lop/{t.class_code}.xlsx")
        for t in tables
    ]
    path = write_master(tmp_path / "master.xlsx", small_school, rows, "ab12", [volume])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [SUMMARY_SHEET, LOG_SHEET]  # the classes have their own books
    summary = wb[SUMMARY_SHEET]
    classes = [c.code for c in small_school.classes]
    assert [summary.cell(7 + i, 1).value for i in range(len(classes) + 1)] == [
        *classes,
        "Toàn trường",
    ]
    first = summary.cell(7, 1).hyperlink.target.replace("\\", "/")
    assert first == f"lop/{classes[0]}.xlsx"  # each class opens its own workbook
    enrolled = [len(small_school.students_of(code)) for code in classes]
    assert [summary.cell(7 + i, 2).value for i in range(len(classes) + 1)] == [
        *enrolled,
        sum(enrolled),
    ]  # no results: the roster sizes
    index = wb[LOG_SHEET]
    assert "ab12" in str(index["A2"].value)
    assert [c.value for c in index[5]] == ["10/2025", "6A1", 1, "nhat-ky/2025-10/6A1.xlsx"]
    link = index["D5"].hyperlink.target  # a relative link: Excel writes Windows separators
    assert link.replace("\\", "/") == "nhat-ky/2025-10/6A1.xlsx"

    month = write_change_log(tmp_path / "6A1.xlsx", small_school, [change], "ab12")
    log = openpyxl.load_workbook(month)[LOG_SHEET]
    assert "ab12" in str(log["A2"].value)
    assert [c.value for c in log[5]] == [
        "2025-10-04 15:02:11",
        "GV006",
        "6A1_TOAN_HK1.xlsx",
        student.class_code,
        "TOAN",
        "1",
        student.code,
        student.full_name,
        "TX1",
        None,
        "8,5",
        "Đã cập nhật",
    ]
