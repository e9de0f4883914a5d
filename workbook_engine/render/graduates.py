"""The list of students who completed lower secondary school (danh sách học sinh hoàn thành
chương trình THCS) of a closed year, in Excel: one row per student, A4, headings repeated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from workbook_engine.io.atomic import atomic_path
from workbook_engine.model import Setup, Student
from workbook_engine.rules import Outcome

SHEET = "Hoàn thành THCS"
TITLE = "DANH SÁCH HỌC SINH HOÀN THÀNH CHƯƠNG TRÌNH TRUNG HỌC CƠ SỞ"
COLUMNS = (("STT", 6), ("Mã học sinh", 16), ("Họ và tên", 28), ("Ngày sinh", 12),
           ("Giới tính", 9), ("Lớp", 8), ("Kết quả", 30))  # fmt: skip
COMPLETED = "Hoàn thành chương trình THCS"  # a student of the top grade promoted
FIRST_ROW = 4  # 0-based: title, school and year, a blank line, then the headings


def write_graduates(
    path: Path, setup: Setup, students: Sequence[Student], finals: Mapping[str, Outcome]
) -> Path:
    """Write the list of ``students`` (the closed ``setup``'s, with their final outcome)."""
    import xlsxwriter

    path = Path(path)
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False,
                                            "strings_to_formulas": False})  # fmt: skip
        wb.set_properties({"title": TITLE.capitalize(), "author": "workbook_engine"})
        ws = wb.add_worksheet(SHEET)
        bold = wb.add_format({"bold": True})
        head = wb.add_format({"bold": True, "border": 1, "bg_color": "#D9E2F3",
                              "text_wrap": True, "valign": "vcenter"})  # fmt: skip
        cell = wb.add_format({"border": 1})
        day = wb.add_format({"border": 1, "num_format": "dd/mm/yyyy"})
        school = setup.school
        ws.write_string(0, 0, TITLE, wb.add_format({"bold": True, "font_size": 13}))
        ws.write_string(1, 0, f"{school.name} — năm học {school.school_year}", bold)
        ws.write_string(2, 0, f"Tổng số: {len(students)} học sinh")
        for c, (name, width) in enumerate(COLUMNS):
            ws.set_column(c, c, width)
            ws.write_string(FIRST_ROW - 1, c, name, head)
        for i, s in enumerate(students, start=1):
            row = FIRST_ROW - 1 + i
            outcome = finals.get(s.code)
            ws.write_number(row, 0, i, cell)
            for c, text in enumerate((s.code, s.full_name), start=1):
                ws.write_string(row, c, text, cell)
            ws.write_datetime(row, 3, datetime.combine(s.birth_date, datetime.min.time()), day)
            ws.write_string(row, 4, s.gender.value, cell)
            ws.write_string(row, 5, s.class_code, cell)
            ws.write_string(row, 6, COMPLETED if outcome is Outcome.PROMOTED else "", cell)
        ws.repeat_rows(FIRST_ROW - 1)
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.freeze_panes(FIRST_ROW, 0)
        wb.close()
    return path
