"""Phiếu đề nghị sửa điểm: a teacher's requests to correct scores already entered.

The teacher fills the request columns; the approval columns (Ý kiến, Người phê duyệt, Ngày) are
locked for the teacher and editable by the school leadership with the administrator password
(an Excel "allow users to edit ranges" range), so a teacher cannot approve their own request.
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from xlsxwriter.worksheet import Worksheet

from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.identity import Identity, sign
from workbook_engine.io.sheet_base import (
    FIRST_ROW,
    SEMESTER_NAMES,
    Header,
    a1,
    a1_range,
    admin_password,
    finish,
    new_book,
    validate,
    write_form_top,
)
from workbook_engine.model import Setup
from workbook_engine.rules import Comment

CORRECTION_SHEET = "Phiếu sửa điểm"
CORRECTION_ROWS = 30
APPROVED, REJECTED = "Đồng ý", "Không đồng ý"
# (identity key, heading, width); the first ten are the teacher's, the last three the approver's.
COLUMNS = (
    ("no", "STT", 5),
    ("student_code", "Mã học sinh", 13),
    ("student_name", "Họ và tên học sinh", 24),
    ("class", "Lớp", 7),
    ("subject", "Môn", 8),
    ("column", "Cột điểm", 8),
    ("old", "Điểm cũ", 8),
    ("new", "Điểm mới", 8),
    ("reason", "Lí do", 30),
    ("evidence", "Minh chứng", 26),
    ("approved", "Ý kiến phê duyệt", 14),
    ("approver", "Người phê duyệt", 20),
    ("approved_on", "Ngày phê duyệt", 12),
)
TEACHER_FIRST, TEACHER_LAST, APPROVAL_FIRST = 1, 9, 10
APPROVAL_LAST = len(COLUMNS) - 1
HELP = (
    "Mỗi dòng một đề nghị sửa điểm. Ba cột cuối do Hiệu trưởng (hoặc Phó hiệu trưởng được "
    "ủy quyền) ghi khi phê duyệt."
)


def correction_sheet_name(semester: int) -> str:
    return f"PhieuDeNghiSuaDiem_HK{semester}.xlsx"


def _scope(setup: Setup, teacher_code: str) -> tuple[list[str], list[str], list[str]]:
    """The teacher's classes, subject codes and every assessment column they may name."""
    assignments = [
        a for a in setup.assignments_of(teacher_code) if not setup.is_primary(a.class_code)
    ]
    classes = sorted({a.class_code for a in assignments})
    subjects = sorted({a.subject_code for a in assignments})
    tx = max(
        (
            setup.subject(setup.class_by_code(a.class_code).grade, a.subject_code).tx_count
            for a in assignments
        ),
        default=4,
    )
    return classes, subjects, [*(f"TX{i}" for i in range(1, tx + 1)), "GK", "CK"]


def correction_identity(setup: Setup, teacher_code: str, semester: int) -> Identity:
    classes, _, _ = _scope(setup, teacher_code)
    students = [s for c in classes for s in setup.students_of(c)]
    last = FIRST_ROW + CORRECTION_ROWS - 1
    return Identity(
        kind="correction",
        template_id=str(uuid.uuid4()),
        school_code=setup.school.code,
        school_year=setup.school.school_year,
        semester=semester,
        teacher_code=teacher_code,
        sheet=CORRECTION_SHEET,
        students=tuple((s.code, s.full_name) for s in students),
        columns=tuple(key for key, _, _ in COLUMNS[1:]),
        inputs=(
            a1_range(FIRST_ROW, TEACHER_FIRST, last, TEACHER_LAST),
            a1_range(FIRST_ROW, APPROVAL_FIRST, last, APPROVAL_LAST),
        ),
    )


def write_correction_sheet(
    path: Path, setup: Setup, teacher_code: str, semester: int, secret: bytes
) -> Identity:
    """Write a blank correction request form for ``teacher_code``."""
    identity = sign(correction_identity(setup, teacher_code, semester), secret)
    teacher = setup.teacher_by_code(teacher_code)
    classes, subjects, columns = _scope(setup, teacher_code)
    password = admin_password(secret)
    last = FIRST_ROW + CORRECTION_ROWS - 1
    with atomic_path(Path(path)) as tmp:
        book, fmt = new_book(tmp, f"Phiếu đề nghị sửa điểm {teacher.code}")
        shade = {"border": 1, "border_color": "#808080", "bg_color": "#EDEDED"}
        approval = book.add_format(shade)
        approval_date = book.add_format({**shade, "num_format": "dd/mm/yyyy"})
        ws = book.add_worksheet(CORRECTION_SHEET)
        header = Header(
            title="PHIẾU ĐỀ NGHỊ SỬA ĐIỂM",
            lines=[
                (f"Trường: {setup.school.name}", f"Năm học: {setup.school.school_year}"),
                (f"Giáo viên đề nghị: {teacher.full_name} ({teacher.code})", ""),
                (SEMESTER_NAMES[semester], ""),
            ],
            help=HELP,
            right_col=8,
        )
        write_form_top(ws, fmt, header, COLUMNS)
        for i in range(CORRECTION_ROWS):
            row = FIRST_ROW + i
            ws.write_number(row, 0, i + 1, fmt.roster_number)
            for c in range(TEACHER_FIRST, TEACHER_LAST + 1):
                ws.write_blank(row, c, None, fmt.text)
            for c in range(APPROVAL_FIRST, APPROVAL_LAST + 1):
                ws.write_blank(row, c, None, approval_date if c == APPROVAL_LAST else approval)
        _checks(ws, classes, subjects, columns, last)
        ws.unprotect_range(
            a1_range(FIRST_ROW, APPROVAL_FIRST, last, APPROVAL_LAST), "PheDuyet", password
        )
        finish(book, ws, identity, password, last, APPROVAL_LAST, freeze_col=3)
    return identity


def _checks(
    ws: Worksheet, classes: list[str], subjects: list[str], columns: list[str], last: int
) -> None:
    def column(c: int) -> tuple[int, int, int, int]:
        return (FIRST_ROW, c, last, c)

    def choose(values: list[str]) -> dict[str, object]:
        return {"validate": "list", "source": values or [""]}

    validate(
        ws,
        column(1),
        {"validate": "length", "criteria": "between", "minimum": 1, "maximum": 20},
        "Mã học sinh",
        "Mã học sinh như trong bảng điểm.",
    )
    validate(ws, column(3), choose(classes), "Lớp", "Chọn lớp.")
    validate(ws, column(4), choose(subjects), "Môn", "Chọn mã môn học.")
    validate(ws, column(5), choose(columns), "Cột điểm", "Chọn cột điểm cần sửa.")
    corner = a1(FIRST_ROW, 6)
    value_rule = (
        f"=OR(AND(ISNUMBER({corner}),{corner}>=0,{corner}<=10,ROUND({corner},1)={corner}),"
        f'{corner}="{Comment.D.value}",{corner}="{Comment.CD.value}")'
    )
    message = "Điểm 0–10 (tối đa một chữ số thập phân), hoặc Đ/CĐ với môn đánh giá bằng nhận xét."
    validate(
        ws, (FIRST_ROW, 6, last, 7), {"validate": "custom", "value": value_rule}, "Điểm", message
    )
    validate(ws, column(10), choose([APPROVED, REJECTED]), "Phê duyệt", "Đồng ý / Không đồng ý.")
    validate(
        ws,
        column(12),
        {
            "validate": "date",
            "criteria": "between",
            "minimum": date(2000, 1, 1),
            "maximum": date(2100, 12, 31),
        },
        "Ngày phê duyệt",
        "Nhập ngày dạng ngày/tháng/năm.",
    )
