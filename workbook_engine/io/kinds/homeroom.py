"""The homeroom teacher's sheets: monthly attendance and the semester conduct sheet."""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable
from datetime import date, timedelta
from functools import partial

from workbook_engine.deadlines import attendance_deadline
from workbook_engine.io.cells import column_index
from workbook_engine.io.identity import Identity
from workbook_engine.io.kinds.base import Column, Layout, Plan, SheetKind, class_identity
from workbook_engine.io.kinds.values import (
    EXCUSED,
    LEVEL,
    UNEXCUSED,
    attendance_marks,
    mark_type,
    note_type,
)
from workbook_engine.io.sheet_base import (
    FIRST_ROW,
    ROSTER_WIDTH,
    SEMESTER_NAMES,
    Header,
    a1_range,
    row_blocks,
)
from workbook_engine.model import CalendarEvent, EventKind, Semester, Setup, SheetKey

ATTENDANCE_SHEET = "Điểm danh"
CONDUCT_SHEET = "Rèn luyện"
WEEKDAY_SHORT = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
SUNDAY = 6
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


def school_days(
    semester: Semester, year: int, month: int, holidays: Collection[date] = ()
) -> tuple[list[date], set[date]]:
    """Every day of the month, and those open for entry (in the semester, not a Sunday, not one
    of ``holidays``)."""
    days = [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    open_days = {
        d
        for d in days
        if semester.start <= d <= semester.end and d.weekday() != SUNDAY and d not in holidays
    }
    return days, open_days


def holidays(events: Iterable[CalendarEvent]) -> set[date]:
    """Every day of the calendar's «Ngày nghỉ» rows (holidays, days off)."""
    days: set[date] = set()
    for event in events:
        if event.kind is EventKind.HOLIDAY:
            days.update(
                event.start + timedelta(days=n) for n in range((event.end - event.start).days + 1)
            )
    return days


def open_days(identity: Identity) -> set[date]:
    """The days of an issued attendance sheet open for a mark (as issued)."""
    return {
        date.fromisoformat(d)
        for i, d in enumerate(identity.columns)
        if _is_open(identity, ROSTER_WIDTH + i)
    }


def _homerooms(setup: Setup, teacher_code: str) -> list[str]:
    return sorted(r.code for r in setup.classes if r.homeroom_teacher == teacher_code)


def _header(setup: Setup, identity: Identity, title: str, right_col: int, help: str) -> Header:
    room = setup.class_by_code(identity.class_code)
    teacher = setup.teacher_by_code(identity.teacher_code)
    return Header(
        title=title,
        lines=[
            (f"Trường: {setup.school.name}", f"Năm học: {setup.school.school_year}"),
            (f"Lớp: {room.code} (khối {room.grade})", SEMESTER_NAMES[identity.semester]),
            (f"Giáo viên chủ nhiệm: {teacher.full_name} ({teacher.code})", ""),
        ],
        help=help,
        right_col=right_col,
    )


def attendance_identity(
    setup: Setup, class_code: str, semester: int, year: int, month: int
) -> Identity:
    days, open_days = school_days(_semester(setup, semester), year, month, holidays(setup.calendar))
    last = FIRST_ROW + len(setup.students_of(class_code)) - 1
    open_cols = [ROSTER_WIDTH + i for i, d in enumerate(days) if d in open_days]
    inputs = (
        tuple(a1_range(FIRST_ROW, a, last, b) for a, b in row_blocks(open_cols))
        if last >= FIRST_ROW
        else ()
    )
    columns = tuple(d.isoformat() for d in days)
    return class_identity(setup, "attendance", ATTENDANCE_SHEET, class_code, semester, columns,
                          inputs, period=f"{year}-{month:02d}")  # fmt: skip


class AttendanceKind(SheetKind):
    kind = "attendance"
    sheet = ATTENDANCE_SHEET
    in_master = False  # totals per month and semester come with the year's results

    def plans(self, setup: Setup, semester: int, teacher_code: str) -> list[Plan]:
        months = semester_months(_semester(setup, semester))
        return [
            Plan(
                self.kind,
                teacher_code,
                attendance_sheet_name(code, year, month, semester),
                partial(attendance_identity, setup, code, semester, year, month),
            )
            for code in _homerooms(setup, teacher_code)
            for year, month in months
        ]

    def layout(self, setup: Setup, identity: Identity) -> Layout:
        days = [date.fromisoformat(d) for d in identity.columns]
        shown = {d for d in days if _is_open(identity, ROSTER_WIDTH + days.index(d))}
        first, last = ROSTER_WIDTH, ROSTER_WIDTH + len(days) - 1
        mark = mark_type()
        marks = tuple(
            Column(d.isoformat(), f"{d.day}\n{WEEKDAY_SHORT[d.weekday()]}", mark, open=d in shown)
            for d in days
        )
        totals = tuple(
            Column(
                key,
                title,
                formula=partial(_count, first, last, counts),
                stored=False,
                width=9,
                style="count",
            )
            for key, title, counts in (
                ("P", "Có phép (P)", EXCUSED),
                ("K", "Không phép (K)", UNEXCUSED),
            )
        )
        return Layout((*marks, *totals))

    def header(self, setup: Setup, identity: Identity) -> Header:
        year, month = identity.period.split("-")
        title = f"ĐIỂM DANH LỚP {identity.class_code} — THÁNG {month}/{year}"
        return _header(setup, identity, title, ROSTER_WIDTH + 10, mark_type().help)

    def confirmation(self, setup: Setup, identity: Identity) -> tuple[date, str] | None:
        year, month = map(int, identity.period.split("-"))
        return attendance_deadline(setup.calendar, year, month), f"{month:02d}/{year}"

    def key_title(self, subject_code: str) -> str | None:
        prefix = "DIEMDANH-"
        if not subject_code.startswith(prefix):
            return None
        year, _, month = subject_code.removeprefix(prefix).partition("-")
        return f"Điểm danh tháng {month}/{year}"

    def ledger_key(self, identity: Identity) -> SheetKey:
        # one key per month: a sheet holds one month, and the diff compares like with like
        return SheetKey(identity.class_code, f"DIEMDANH-{identity.period}", identity.semester)


def _is_open(identity: Identity, col: int) -> bool:
    """Whether 0-based column ``col`` is inside one of the identity's editable ranges."""
    for ref in identity.inputs:
        start, end = ref.split(":")
        if column_index(start) <= col <= column_index(end):
            return True
    return False


def _count(first: int, last: int, counts: str, row: int) -> str:
    """The row's absences counted as ``counts`` (P or K): every mark of the school counted so."""
    span = a1_range(row, first, row, last)
    marks = [m for m, (counted, _) in attendance_marks().items() if counted == counts]
    return "=" + "+".join(f'COUNTIF({span},"{mark}")' for mark in marks)


def conduct_identity(setup: Setup, class_code: str, semester: int) -> Identity:
    last = FIRST_ROW + len(setup.students_of(class_code)) - 1
    inputs = (
        (a1_range(FIRST_ROW, ROSTER_WIDTH, last, ROSTER_WIDTH + 1),) if last >= FIRST_ROW else ()
    )
    return class_identity(setup, "conduct", CONDUCT_SHEET, class_code, semester,
                          CONDUCT_COLUMNS, inputs)  # fmt: skip


class ConductKind(SheetKind):
    level = "secondary"
    kind = "conduct"
    ledger_code = "RENLUYEN"
    in_master = True
    sheet = CONDUCT_SHEET
    title = "Rèn luyện"

    def plans(self, setup: Setup, semester: int, teacher_code: str) -> list[Plan]:
        return [
            Plan(
                self.kind,
                teacher_code,
                conduct_sheet_name(code, semester),
                partial(conduct_identity, setup, code, semester),
            )
            for code in _homerooms(setup, teacher_code)
            if not setup.is_primary(code)  # Circular 27 has no conduct levels
        ]

    def layout(self, setup: Setup, identity: Identity) -> Layout:
        level, note = identity.columns
        return Layout(
            (
                Column(level, "Kết quả rèn luyện", LEVEL),
                Column(note, "Nhận xét", note_type(), width=50, corrected=False),
            )
        )

    def header(self, setup: Setup, identity: Identity) -> Header:
        semester = SEMESTER_NAMES[identity.semester].upper()
        title = f"KẾT QUẢ RÈN LUYỆN LỚP {identity.class_code} — {semester}"
        return _header(setup, identity, title, ROSTER_WIDTH, LEVEL.help)

    def master_columns(self, setup: Setup, class_code: str) -> list[Column]:
        return [Column("KQRL", "KQRL", LEVEL), Column("NX", "Nhận xét", note_type())]
