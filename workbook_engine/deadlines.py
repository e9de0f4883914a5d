"""What the school calendar says about a date: locked periods and entry deadlines. Pure."""

from __future__ import annotations

from datetime import date

from workbook_engine.model import CalendarEvent, EventKind, Setup


def column_kind(column: str) -> str:
    """TX1..TXn → TX; GK and CK stay as they are."""
    return "TX" if column.startswith("TX") else column


def active_lock(setup: Setup, semester: int, today: date) -> CalendarEvent | None:
    """The calendar lock covering ``today`` for ``semester`` (a lock without a semester covers
    both), or None when the period is open."""
    for event in setup.calendar:
        if event.kind is not EventKind.LOCK or event.semester not in (None, semester):
            continue
        if event.start <= today <= event.end:
            return event
    return None


def locked_since(
    setup: Setup, semester: int, today: date, manual: tuple[str, str, str] | None = None
) -> date | None:
    """Since when the period is locked, or None when it is open. The principal's latest lock or
    unlock covering the sheet (``manual``: action, ISO time, by) overrides the calendar."""
    if manual is not None:
        action, at, _ = manual
        return date.fromisoformat(at[:10]) if action == "lock" else None
    event = active_lock(setup, semester, today)
    return event.start if event else None


def deadline(setup: Setup, semester: int, column: str) -> CalendarEvent | None:
    """The entry deadline for a column (TX/GK/CK) of a semester; a deadline row without a
    column applies to every column."""
    kind = column_kind(column)
    found = [
        e
        for e in setup.calendar
        if e.kind is EventKind.DEADLINE
        and e.semester in (None, semester)
        and e.column in ("", kind)
    ]
    # a deadline for this exact column wins over a general one
    found.sort(key=lambda e: e.column != kind)
    return found[0] if found else None


def is_late(setup: Setup, semester: int, column: str, today: date) -> CalendarEvent | None:
    """The missed deadline when ``today`` is after it, else None."""
    event = deadline(setup, semester, column)
    return event if event is not None and today > event.end else None
