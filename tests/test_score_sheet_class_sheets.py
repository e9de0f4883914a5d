"""The other issued sheets: monthly attendance, semester conduct, correction request form."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from workbook_engine.io.class_sheets import (
    semester_months,
    write_attendance_sheet,
    write_conduct_sheet,
)
from workbook_engine.io.correction_sheet import write_correction_sheet
from workbook_engine.io.identity import IDENTITY_SHEET, read_identity, verify_identity
from workbook_engine.model import Setup

SECRET = b"c" * 32


def validations(ws: Worksheet) -> dict[str, tuple[str | None, str | None]]:
    return {str(dv.sqref): (dv.type, dv.formula1) for dv in ws.data_validations.dataValidation}


def test_semester_months(small_school: Setup) -> None:
    first, second = small_school.semesters  # 05/09/2025–17/01/2026, 19/01/2026–31/05/2026
    assert semester_months(first) == [(2025, 9), (2025, 10), (2025, 11), (2025, 12), (2026, 1)]
    assert semester_months(second) == [(2026, m) for m in range(1, 6)]


def test_attendance_sheet_for_september(tmp_path: Path, small_school: Setup) -> None:
    path = tmp_path / "6A1_DiemDanh_2025-09_HK1.xlsx"
    write_attendance_sheet(path, small_school, "6A1", 1, 2025, 9, SECRET)
    book = openpyxl.load_workbook(path)
    ws = book["Điểm danh"]
    last = 7 + len(small_school.students_of("6A1"))

    assert ws["A1"].value == "ĐIỂM DANH LỚP 6A1 — THÁNG 09/2025"
    # September 2025 has 30 days (D..AG); 1 September 2025 was a Monday.
    assert ws["D7"].value == "1\nT2"
    assert ws["J7"].value == "7\nCN"
    assert ws["AG7"].value == "30\nT3"
    assert ws["AH7"].value == "Có phép (P)"
    assert ws["AI7"].value == "Không phép (K)"
    assert ws["AH8"].value == '=COUNTIF(D8:AG8,"P")'
    assert ws["AI8"].value == '=COUNTIF(D8:AG8,"K")'

    # The semester opens on Friday 5 September; Sundays are closed.
    assert ws["G8"].protection.locked  # 4 September: before the semester
    assert not ws["H8"].protection.locked  # 5 September
    assert ws["J8"].protection.locked  # Sunday 7 September
    assert not ws["AG8"].protection.locked
    assert validations(ws) == {f"D8:AG{last}": ("list", '"P,K"')}
    assert ws.protection.sheet is True

    identity = read_identity(path)
    assert identity.kind == "attendance"
    assert identity.period == "2025-09"
    assert identity.teacher_code == small_school.class_by_code("6A1").homeroom_teacher
    assert identity.columns[0] == "2025-09-01" and identity.columns[-1] == "2025-09-30"
    assert identity.inputs == (
        f"H8:I{last}",
        f"K8:P{last}",
        f"R8:W{last}",
        f"Y8:AD{last}",
        f"AF8:AG{last}",
    )
    assert verify_identity(identity, SECRET)
    assert book[IDENTITY_SHEET].sheet_state == "veryHidden"


def test_january_is_split_between_the_semesters(tmp_path: Path, small_school: Setup) -> None:
    first, second = tmp_path / "hk1.xlsx", tmp_path / "hk2.xlsx"
    write_attendance_sheet(first, small_school, "6A1", 1, 2026, 1, SECRET)
    write_attendance_sheet(second, small_school, "6A1", 2, 2026, 1, SECRET)
    ws1 = openpyxl.load_workbook(first)["Điểm danh"]
    ws2 = openpyxl.load_workbook(second)["Điểm danh"]
    # Columns D + day - 1: 17 January (Saturday) is T8, 19 January (Monday) is V8.
    assert not ws1["T8"].protection.locked and ws1["V8"].protection.locked
    assert ws2["T8"].protection.locked and not ws2["V8"].protection.locked


def test_conduct_sheet(tmp_path: Path, small_school: Setup) -> None:
    path = tmp_path / "6A1_RenLuyen_HK2.xlsx"
    write_conduct_sheet(path, small_school, "6A1", 2, SECRET)
    ws = openpyxl.load_workbook(path)["Rèn luyện"]
    last = 7 + len(small_school.students_of("6A1"))
    assert ws["A1"].value == "KẾT QUẢ RÈN LUYỆN LỚP 6A1 — HỌC KÌ II"
    assert [c.value for c in ws[7]] == [
        "STT",
        "Mã học sinh",
        "Họ và tên",
        "Kết quả rèn luyện",
        "Nhận xét",
    ]
    assert validations(ws)[f"D8:D{last}"] == ("list", '"Tốt,Khá,Đạt,Chưa đạt"')
    assert [c.protection.locked for c in ws[8]] == [True, True, True, False, False]
    identity = read_identity(path)
    assert (identity.kind, identity.semester, identity.inputs) == ("conduct", 2, (f"D8:E{last}",))
    assert verify_identity(identity, SECRET)


def test_correction_request_form(tmp_path: Path, small_school: Setup) -> None:
    teacher = next(a.teacher_code for a in small_school.assignments if a.subject_code == "TOAN")
    path = tmp_path / "PhieuDeNghiSuaDiem_HK1.xlsx"
    write_correction_sheet(path, small_school, teacher, 1, SECRET)
    ws = openpyxl.load_workbook(path)["Phiếu sửa điểm"]

    assert ws["A1"].value == "PHIẾU ĐỀ NGHỊ SỬA ĐIỂM"
    assert [c.value for c in ws[7]] == [
        "STT",
        "Mã học sinh",
        "Họ và tên học sinh",
        "Lớp",
        "Môn",
        "Cột điểm",
        "Điểm cũ",
        "Điểm mới",
        "Lí do",
        "Minh chứng",
        "Ý kiến phê duyệt",
        "Người phê duyệt",
        "Ngày phê duyệt",
    ]
    rules = validations(ws)
    assert rules["D8:D37"] == ("list", '"6A1,7A1,8A1,9A1"')
    assert rules["E8:E37"] == ("list", '"TOAN"')
    assert rules["F8:F37"] == ("list", '"TX1,TX2,TX3,TX4,GK,CK"')
    assert rules["K8:K37"] == ("list", '"Đồng ý,Không đồng ý"')
    assert rules["G8:H37"][0] == "custom"

    # The teacher fills B..J; the approval columns need the administrator's password.
    assert [c.protection.locked for c in ws[8]] == [True] + [False] * 9 + [True] * 3
    assert ws["A37"].value == 30 and ws["A38"].value is None
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    approval = re.search(r"<protectedRange [^>]*>", sheet_xml)
    assert approval is not None
    assert 'sqref="K8:M37"' in approval[0] and 'name="PheDuyet"' in approval[0]
    assert re.search(r'password="[0-9A-F]{4}"', approval[0])

    identity = read_identity(path)
    assert identity.kind == "correction"
    assert identity.teacher_code == teacher
    assert identity.columns[:5] == ("student_code", "student_name", "class", "subject", "column")
    assert identity.columns[-3:] == ("approved", "approver", "approved_on")
    assert len(identity.students) == len(small_school.students)  # Toán in every class
    assert verify_identity(identity, SECRET)
