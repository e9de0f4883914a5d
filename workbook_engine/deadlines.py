"""What the school calendar says about a date: locked periods and entry deadlines. Pure."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

from workbook_engine.model import SUMMER, CalendarEvent, EventKind, Setup

CONFIRM_DAY = 5  # DOMAIN: a month's attendance is confirmed by the 5th of the next month


def column_kind(column: str) -> str:
    """TX1..TXn → TX; GK and CK stay as they are."""
    return "TX" if column.startswith("TX") else column


def active_lock(setup: Setup, semester: int, today: date) -> CalendarEvent | None:
    """The calendar lock covering ``today`` for ``semester`` (a lock without a semester covers
    both semesters, never the summer's sheets), or None when the period is open."""
    for event in setup.calendar:
        if event.kind is not EventKind.LOCK or event.semester not in (None, semester):
            continue
        if event.semester is None and semester == SUMMER:  # the year's lock: the summer follows
            continue
        if event.start <= today <= event.end:
            return event
    return None


def locked_since(
    setup: Setup, semester: int, today: date, manual: tuple[str, str, str] | None = None
) -> date | None:
    """Since when the period is locked, or None when it is open. The principal's latest lock
    covering the sheet (``manual``: action, ISO time, by) locks it; the latest unlock opens what
    the calendar had locked by then, not a calendar lock that starts later."""
    event = active_lock(setup, semester, today)
    if manual is None:
        return event.start if event else None
    action, at, _ = manual
    when = date.fromisoformat(at[:10])
    if action == "lock":
        return when
    return event.start if event is not None and event.start > when else None


def deadlines(setup: Setup, semester: int, column: str) -> list[CalendarEvent]:
    """The entry windows for a column (TX/GK/CK) of a semester: rows for this exact column, or
    else rows without a column (they apply to every column)."""
    kind = column_kind(column)
    rows = [
        e
        for e in setup.calendar
        if e.kind is EventKind.DEADLINE
        and e.semester in (None, semester)
        and e.column in ("", kind)
    ]
    exact = [e for e in rows if e.column == kind]
    return exact or rows


def summer_windows(setup: Setup) -> list[CalendarEvent]:
    """The calendar's «Kiểm tra lại, rèn luyện hè» rows: when the summer's results are entered
    (DOMAIN: a short window, e.g. 1–15 August)."""
    return [e for e in setup.calendar if e.kind is EventKind.SUMMER]


def is_late(setup: Setup, semester: int, column: str, today: date) -> CalendarEvent | None:
    """The missed deadline, or None. Entry windows may be one per semester or one per month; an
    entry inside any window is in time, and it is late only after the last window has closed.
    The summer's sheets (``semester`` :data:`SUMMER`) are due by the end of the summer's window,
    whatever their column. (The sheet does not say on which day an assessment took place, so
    the weekly TX deadline of the school plans cannot be checked from it.)"""
    windows = summer_windows(setup) if semester == SUMMER else deadlines(setup, semester, column)
    if not windows or any(e.start <= today <= e.end for e in windows):
        return None
    last = max(windows, key=lambda e: e.end)
    return last if today > last.end else None


def attendance_deadline(
    events: Iterable[CalendarEvent], year: int, month: int, confirm_day: int = CONFIRM_DAY
) -> date:
    """The last day to confirm the attendance of ``month``: the end of the calendar's «Xác nhận
    điểm danh» window that opens in the next month, else ``confirm_day`` of the next month (its
    last day when shorter)."""
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    windows = [
        e.end
        for e in events
        if e.kind is EventKind.ATTENDANCE and (e.start.year, e.start.month) == (year, month)
    ]
    if windows:
        return max(windows)
    return date(year, month, min(confirm_day, calendar.monthrange(year, month)[1]))
