"""What the calendar and the principal's locks say about a date (pure, table-driven)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from workbook_engine.deadlines import is_late, locked_since
from workbook_engine.model import SUMMER, CalendarEvent, EventKind, Setup

D, L = EventKind.DEADLINE, EventKind.LOCK


def with_calendar(setup: Setup, *events: CalendarEvent) -> Setup:
    return dataclasses.replace(setup, calendar=events)


MONTHLY_TX = (
    CalendarEvent(D, date(2025, 9, 1), date(2025, 9, 30), 1, "TX", "TX tháng 9"),
    CalendarEvent(D, date(2025, 10, 1), date(2025, 10, 31), 1, "TX", "TX tháng 10"),
    CalendarEvent(D, date(2025, 11, 1), date(2025, 11, 30), 1, "TX", "TX tháng 11"),
)


@pytest.mark.parametrize(
    ("today", "late_after"),
    [
        (date(2025, 9, 15), None),
        (date(2025, 10, 10), None),  # regression: only September's row was read before
        (date(2025, 11, 30), None),
        (date(2025, 12, 1), date(2025, 11, 30)),  # after the last window: late
    ],
)
def test_monthly_tx_windows(small_school: Setup, today: date, late_after: date | None) -> None:
    setup = with_calendar(small_school, *MONTHLY_TX)
    missed = is_late(setup, 1, "TX3", today)
    assert (missed.end if missed else None) == late_after


YEAR_TX = CalendarEvent(D, date(2025, 9, 5), date(2026, 5, 28), None, "", "cả năm học")
SUMMER_WINDOW = CalendarEvent(EventKind.SUMMER, date(2026, 8, 1), date(2026, 8, 15), None, "",
                              "Kiểm tra lại")  # fmt: skip


@pytest.mark.parametrize(
    ("events", "today", "late_after"),
    [
        ((YEAR_TX, SUMMER_WINDOW), date(2026, 8, 5), None),  # the year's entry rows do not apply
        ((YEAR_TX, SUMMER_WINDOW), date(2026, 8, 15), None),
        ((YEAR_TX, SUMMER_WINDOW), date(2026, 8, 16), date(2026, 8, 15)),
        ((YEAR_TX, SUMMER_WINDOW), date(2026, 7, 20), None),  # early: in time
        ((YEAR_TX,), date(2026, 8, 20), None),  # no summer window in the calendar: never late
    ],
)
def test_the_summer_sheets_are_due_by_the_end_of_the_summer_window(
    small_school: Setup, events: tuple[CalendarEvent, ...], today: date, late_after: date | None
) -> None:
    setup = with_calendar(small_school, *events)
    for column in ("KTL", "KQRL", ""):
        missed = is_late(setup, SUMMER, column, today)
        assert (missed.end if missed else None) == late_after


def test_a_column_row_wins_over_a_general_row(small_school: Setup) -> None:
    setup = with_calendar(
        small_school,
        CalendarEvent(D, date(2025, 9, 1), date(2026, 1, 15), 1, "", "mọi cột"),
        CalendarEvent(D, date(2025, 10, 27), date(2025, 11, 22), 1, "GK", "giữa kì"),
    )
    assert is_late(setup, 1, "GK", date(2025, 12, 1)) is not None
    assert is_late(setup, 1, "CK", date(2025, 12, 1)) is None
    assert is_late(setup, 2, "GK", date(2025, 12, 1)) is None  # no row for semester 2


SEMESTER_END_LOCK = CalendarEvent(L, date(2026, 1, 24), date(2026, 8, 31), 1, "", "khóa HK1")


@pytest.mark.parametrize(
    ("today", "manual", "expected"),
    [
        (date(2026, 1, 10), None, None),
        (date(2026, 2, 1), None, date(2026, 1, 24)),
        # the principal reopened after the semester lock: open
        (date(2026, 2, 1), ("unlock", "2026-01-30T08:00:00+07:00", "GV001"), None),
        # regression: an unlock from November must not cancel the January lock
        (date(2026, 2, 1), ("unlock", "2025-11-30T08:00:00+07:00", "GV001"), date(2026, 1, 24)),
        # a lock by the principal locks from its day, whatever the calendar says
        (date(2025, 12, 1), ("lock", "2025-11-30T08:00:00+07:00", "GV001"), date(2025, 11, 30)),
    ],
)
def test_locks(
    small_school: Setup,
    today: date,
    manual: tuple[str, str, str] | None,
    expected: date | None,
) -> None:
    setup = with_calendar(small_school, SEMESTER_END_LOCK)
    assert locked_since(setup, 1, today, manual) == expected


def test_the_year_lock_without_a_semester_leaves_the_summer_open(small_school: Setup) -> None:
    """«Khóa sổ cả năm» with a blank semester locks both semesters through August, never the
    re-exam and summer training sheets entered then."""
    year = CalendarEvent(L, date(2026, 6, 5), date(2026, 8, 31), None, "", "khóa cả năm")
    setup = with_calendar(small_school, year)
    august = date(2026, 8, 5)
    assert locked_since(setup, 1, august) == locked_since(setup, 2, august) == date(2026, 6, 5)
    assert locked_since(setup, SUMMER, august) is None
    # the principal's own lock still covers them
    manual = ("lock", "2026-08-16T08:00:00+07:00", "GV001")
    assert locked_since(setup, SUMMER, date(2026, 8, 20), manual) == date(2026, 8, 16)
