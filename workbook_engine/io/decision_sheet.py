"""Phiếu duyệt sửa điểm: one approver's decision form, listing the corrections waiting for them.

Issued into the approver's ``Sổ điểm/``; they write Đồng ý / Không đồng ý (and a note) on each
row and drop it into their own ``Duyệt/``. The signed identity names the approver and the
requests listed (their ids, in ``columns``); only the two decision columns are open.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.correction_sheet import APPROVED, REJECTED
from workbook_engine.io.identity import Identity, sign
from workbook_engine.io.sheet_base import (
    FIRST_ROW,
    Header,
    a1_range,
    admin_password,
    finish,
    new_book,
    validate,
    write_form_top,
)
from workbook_engine.model import Setup

DECISION_SHEET = "Phiếu duyệt sửa điểm"
# (key, heading, width); the last two are the approver's
COLUMNS = (
    ("no", "STT", 5),
    ("id", "Số đề nghị", 9),
    ("class", "Lớp", 7),
    ("subject", "Môn", 14),
    ("semester", "Học kì", 7),
    ("student_code", "Mã học sinh", 13),
    ("student_name", "Họ và tên học sinh", 24),
    ("column", "Cột điểm", 8),
    ("old", "Điểm cũ", 8),
    ("new", "Điểm mới", 8),
    ("reason", "Lí do, minh chứng", 34),
    ("teacher", "Giáo viên đề nghị", 22),
    ("decision", "Ý kiến phê duyệt", 14),
    ("note", "Ghi chú của người duyệt", 26),
)
DECISION_COL = len(COLUMNS) - 2
NOTE_COL = len(COLUMNS) - 1
HELP = (
    "Ghi «Đồng ý» hoặc «Không đồng ý» ở cột Ý kiến phê duyệt cho từng đề nghị (để trống nếu "
    "chưa quyết định), lưu tệp rồi đặt vào thư mục «Duyệt» của chính thầy/cô."
)


@dataclass(frozen=True)
class DecisionRow:
    """One pending correction as the approver reads it."""

    id: int
    class_code: str
    subject: str
    semester: int
    student_code: str
    student_name: str
    column: str
    old: str
    new: str
    reason: str
    teacher: str


def decision_identity(setup: Setup, approver: str, rows: Sequence[DecisionRow]) -> Identity:
    last = FIRST_ROW + max(len(rows), 1) - 1
    return Identity(
        kind="decision",
        template_id=str(uuid.uuid4()),
        school_code=setup.school.code,
        school_year=setup.school.school_year,
        semester=0,
        teacher_code=approver,
        sheet=DECISION_SHEET,
        columns=tuple(str(r.id) for r in rows),
        inputs=(a1_range(FIRST_ROW, DECISION_COL, last, NOTE_COL),),
    )


def write_decision_sheet(
    path: Path, setup: Setup, approver: str, rows: Sequence[DecisionRow], secret: bytes, day: str
) -> Identity:
    """Write ``approver``'s decision form listing ``rows`` (``day``: "26/11/2026")."""
    identity = sign(decision_identity(setup, approver, rows), secret)
    person = setup.teacher_by_code(approver)
    password = admin_password(secret)
    last = FIRST_ROW + max(len(rows), 1) - 1
    with atomic_path(Path(path)) as tmp:
        book, fmt = new_book(tmp, f"Phiếu duyệt sửa điểm {person.code}")
        open_cell = book.add_format({"border": 1, "locked": False, "text_wrap": True})
        ws = book.add_worksheet(DECISION_SHEET)
        roles = ", ".join(person.roles)
        header = Header(
            title="PHIẾU DUYỆT SỬA ĐIỂM",
            lines=[
                (f"Trường: {setup.school.name}", f"Năm học: {setup.school.school_year}"),
                (f"Người duyệt: {person.full_name} ({roles})", f"Lập ngày {day}"),
                (f"Số đề nghị chờ duyệt: {len(rows)}", ""),
            ],
            help=HELP,
            right_col=8,
        )
        write_form_top(ws, fmt, header, COLUMNS)
        for i, r in enumerate(rows):
            row = FIRST_ROW + i
            ws.write_number(row, 0, i + 1, fmt.roster_number)
            ws.write_number(row, 1, r.id, fmt.roster_number)
            values = (r.class_code, r.subject, str(r.semester), r.student_code, r.student_name,
                      r.column, r.old, r.new, r.reason, r.teacher)  # fmt: skip
            for c, value in enumerate(values, start=2):
                ws.write_string(row, c, value, fmt.roster)
            ws.write_blank(row, DECISION_COL, None, open_cell)
            ws.write_blank(row, NOTE_COL, None, open_cell)
        if rows:
            validate(
                ws,
                (FIRST_ROW, DECISION_COL, last, DECISION_COL),
                {"validate": "list", "source": [APPROVED, REJECTED]},
                "Phê duyệt",
                "Đồng ý / Không đồng ý; để trống nếu chưa quyết định.",
            )
        finish(book, ws, identity, password, last, NOTE_COL, freeze_col=2)
    return identity
