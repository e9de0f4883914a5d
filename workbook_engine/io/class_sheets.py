"""The homeroom teacher's sheets: monthly attendance and the semester conduct sheet."""

from __future__ import annotations

import calendar
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.identity import Identity, sign
from workbook_engine.io.sheet_base import (
    FIRST_ROW,
    HEADER_ROW,
    ROSTER_WIDTH,
    SEMESTER_NAMES,
    Header,
    a1,
    a1_range,
    admin_password,
    finish,
    highlight,
    new_book,
    row_blocks,
    validate,
    write_header,
    write_headings,
    write_roster,
)
from workbook_engine.model import ClassRoom, Semester, Setup
from workbook_engine.rules import Level

ATTENDANCE_SHEET = "Điểm danh"
CONDUCT_SHEET = "Rèn luyện"
EXCUSED, UNEXCUSED = "P", "K"
WEEKDAY_SHORT = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
SUNDAY = 6
ATTENDANCE_HELP = (
    "Ghi P (nghỉ có phép) hoặc K (nghỉ không phép) vào ngày học sinh vắng; để trống nếu học "
    "sinh đi học. Ô xám: Chủ nhật hoặc ngoài học kì."
)
CONDUCT_HELP = "Chọn kết quả rèn luyện: Tốt, Khá, Đạt hoặc Chưa đạt; nhận xét không bắt buộc."
CONDUCT_COLUMNS = ("KQRL", "NX")


def semester_months(semester: Semester) -> list[tuple[int, int]]:
    """(year, month) of every month the semester touches, in order."""
    months = []
    year, month = semester.start.year, semester.start.month
    while (year, month) <= (semester.end.year, semester.end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def attendance_sheet_name(class_code: str, year: int, month: int, semester: int) -> str:
    """``6A1_DiemDanh_2025-09_HK1.xlsx`` (January may belong to both semesters)."""
    return f"{class_code}_DiemDanh_{year}-{month:02d}_HK{semester}.xlsx"


def conduct_sheet_name(class_code: str, semester: int) -> str:
    return f"{class_code}_RenLuyen_HK{semester}.xlsx"


def _semester(setup: Setup, number: int) -> Semester:
    return next(s for s in setup.semesters if s.number == number)


def _school_days(semester: Semester, year: int, month: int) -> tuple[list[date], set[date]]:
    """Every day of the month, and those open for entry (in the semester, not a Sunday)."""
    days = [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    open_days = {d for d in days if semester.start <= d <= semester.end and d.weekday() != SUNDAY}
    return days, open_days


def _base_identity(setup: Setup, room: ClassRoom, semester: int, kind: str) -> Identity:
    students = setup.students_of(room.code)
    return Identity(
        kind=kind,
        template_id=str(uuid.uuid4()),
        school_code=setup.school.code,
        school_year=setup.school.school_year,
        semester=semester,
        teacher_code=room.homeroom_teacher,
        sheet=ATTENDANCE_SHEET if kind == "attendance" else CONDUCT_SHEET,
        class_code=room.code,
        students=tuple((s.code, s.full_name) for s in students),
    )


def attendance_identity(
    setup: Setup, class_code: str, semester: int, year: int, month: int
) -> Identity:
    room = setup.class_by_code(class_code)
    base = _base_identity(setup, room, semester, "attendance")
    days, open_days = _school_days(_semester(setup, semester), year, month)
    last = FIRST_ROW + len(base.students) - 1
    open_cols = [ROSTER_WIDTH + i for i, d in enumerate(days) if d in open_days]
    inputs = (
        tuple(a1_range(FIRST_ROW, a, last, b) for a, b in row_blocks(open_cols))
        if base.students
        else ()
    )
    return replace(
        base,
        period=f"{year}-{month:02d}",
        columns=tuple(d.isoformat() for d in days),
        inputs=inputs,
    )


def write_attendance_sheet(
    path: Path, setup: Setup, class_code: str, semester: int, year: int, month: int, secret: bytes
) -> Identity:
    """Write the attendance sheet of one class for one month (P/K per day, totals)."""
    identity = sign(attendance_identity(setup, class_code, semester, year, month), secret)
    room = setup.class_by_code(class_code)
    teacher = setup.teacher_by_code(room.homeroom_teacher)
    students = setup.students_of(class_code)
    days, open_days = _school_days(_semester(setup, semester), year, month)
    first, last_row = ROSTER_WIDTH, FIRST_ROW + len(students) - 1
    total_p = first + len(days)
    total_k = total_p + 1
    with atomic_path(Path(path)) as tmp:
        book, fmt = new_book(tmp, f"Điểm danh lớp {class_code} tháng {month}/{year}")
        ws = book.add_worksheet(ATTENDANCE_SHEET)
        header = Header(
            title=f"ĐIỂM DANH LỚP {class_code} — THÁNG {month:02d}/{year}",
            lines=[
                (f"Trường: {setup.school.name}", f"Năm học: {setup.school.school_year}"),
                (f"Lớp: {class_code} (khối {room.grade})", SEMESTER_NAMES[semester]),
                (f"Giáo viên chủ nhiệm: {teacher.full_name} ({teacher.code})", ""),
            ],
            help=ATTENDANCE_HELP,
        )
        write_header(ws, fmt, header, first + 10)
        write_roster(ws, fmt, students)
        titles = [f"{d.day}\n{WEEKDAY_SHORT[d.weekday()]}" for d in days]
        write_headings(ws, fmt, first, [*titles, "Có phép (P)", "Không phép (K)"])
        ws.set_column(first, total_p - 1, 3.6)
        ws.set_column(total_p, total_k, 9)
        ws.set_row(HEADER_ROW, 30)
        for i in range(len(students)):
            row = FIRST_ROW + i
            for c, day in enumerate(days, start=first):
                ws.write_blank(row, c, None, fmt.choice if day in open_days else fmt.blocked)
            span = a1_range(row, first, row, total_p - 1)
            ws.write_formula(row, total_p, f'=COUNTIF({span},"{EXCUSED}")', fmt.count, 0)
            ws.write_formula(row, total_k, f'=COUNTIF({span},"{UNEXCUSED}")', fmt.count, 0)
        if students:
            cells = (FIRST_ROW, first, last_row, total_p - 1)
            rule = {"validate": "list", "source": [EXCUSED, UNEXCUSED]}
            validate(ws, cells, rule, "P hoặc K", ATTENDANCE_HELP)
            corner = a1(FIRST_ROW, first)
            ws.conditional_format(
                *cells,
                {
                    "type": "formula",
                    "criteria": f'=AND({corner}<>"",{corner}<>"{EXCUSED}",{corner}<>"{UNEXCUSED}")',
                    "format": fmt.bad_fill,
                },
            )
        finish(book, ws, identity, admin_password(secret), last_row, total_k)
    return identity


def conduct_identity(setup: Setup, class_code: str, semester: int) -> Identity:
    room = setup.class_by_code(class_code)
    base = _base_identity(setup, room, semester, "conduct")
    last = FIRST_ROW + len(base.students) - 1
    inputs = (a1_range(FIRST_ROW, ROSTER_WIDTH, last, ROSTER_WIDTH + 1),) if base.students else ()
    return replace(base, columns=CONDUCT_COLUMNS, inputs=inputs)


def write_conduct_sheet(
    path: Path, setup: Setup, class_code: str, semester: int, secret: bytes
) -> Identity:
    """Write the conduct sheet of one class for one semester (level dropdown and a comment)."""
    identity = sign(conduct_identity(setup, class_code, semester), secret)
    room = setup.class_by_code(class_code)
    teacher = setup.teacher_by_code(room.homeroom_teacher)
    students = setup.students_of(class_code)
    level, note = ROSTER_WIDTH, ROSTER_WIDTH + 1
    last_row = FIRST_ROW + len(students) - 1
    with atomic_path(Path(path)) as tmp:
        book, fmt = new_book(tmp, f"Rèn luyện lớp {class_code} học kì {semester}")
        ws = book.add_worksheet(CONDUCT_SHEET)
        header = Header(
            title=f"KẾT QUẢ RÈN LUYỆN LỚP {class_code} — {SEMESTER_NAMES[semester].upper()}",
            lines=[
                (f"Trường: {setup.school.name}", f"Năm học: {setup.school.school_year}"),
                (f"Lớp: {class_code} (khối {room.grade})", SEMESTER_NAMES[semester]),
                (f"Giáo viên chủ nhiệm: {teacher.full_name} ({teacher.code})", ""),
            ],
            help=CONDUCT_HELP,
        )
        write_header(ws, fmt, header, level)
        write_roster(ws, fmt, students)
        write_headings(ws, fmt, level, ["Kết quả rèn luyện", "Nhận xét"])
        ws.set_column(level, level, 14)
        ws.set_column(note, note, 50)
        ws.set_row(HEADER_ROW, 30)
        for i in range(len(students)):
            ws.write_blank(FIRST_ROW + i, level, None, fmt.choice)
            ws.write_blank(FIRST_ROW + i, note, None, fmt.text)
        if students:
            cells = (FIRST_ROW, level, last_row, level)
            levels = [lv.value for lv in Level]
            validate(ws, cells, {"validate": "list", "source": levels}, "Rèn luyện", CONDUCT_HELP)
            corner = a1(FIRST_ROW, level)
            allowed = ",".join(f'{corner}<>"{lv}"' for lv in levels)
            highlight(ws, fmt, cells, f'=AND({corner}<>"",{allowed})')
        finish(book, ws, identity, admin_password(secret), last_row, note)
    return identity
