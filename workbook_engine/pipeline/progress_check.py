"""Entry progress from the ledger: what :mod:`workbook_engine.progress` counts, read in one
transaction, and what a lock would close while still incomplete."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from workbook_engine.model import (
    CalendarEvent,
    ChangeRecord,
    EventKind,
    FileRecord,
    Setup,
    SheetKey,
)
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.progress import (
    FilledCells,
    HomeroomLine,
    Progress,
    SubjectLine,
    TeacherLine,
    Values,
    missing_lines,
    school_progress,
)
from workbook_engine.results import confirmed_late

LOCK_NOTICE_DAYS = 14  # a calendar lock is announced with what it will close this long before


@dataclass(frozen=True)
class Entries:
    """What progress is counted on, read from the ledger in one transaction."""

    values: Values
    received: set[SheetKey]  # attendance months in
    late: set[SheetKey]  # attendance months confirmed after their deadline
    pending: list[ChangeRecord]
    files: list[FileRecord]
    chain_head: str  # of these values


def read_entries(ledger: Ledger, setup: Setup) -> Entries:
    with ledger.reading():
        return Entries(
            FilledCells(ledger.filled_cells()),  # both levels: a primary class's points too
            ledger.received_keys(None),
            confirmed_late(setup, ledger.first_received(None)),
            ledger.pending(),
            ledger.files(),
            ledger.chain_head(),
        )


def progress_of(setup: Setup, entries: Entries, as_of: date, group: str | None = None) -> Progress:
    return school_progress(setup, as_of, entries.values, entries.received, entries.late,
                           entries.pending, entries.files, group)  # fmt: skip


def lock_gaps(
    ledger: Ledger, setup: Setup, as_of: date | None, semester: int, class_code: str, subject: str
) -> list[str]:
    """What is missing, as of ``as_of`` (None: everything of the semester), in the period a
    lock would close: the semester's cells of the class (or every class) and subject (or every
    subject), its attendance months and conduct, as located lines."""
    return gaps_closed(setup, read_entries(ledger, setup), as_of, semester, class_code, subject)


def gaps_closed(
    setup: Setup,
    entries: Entries,
    as_of: date | None,
    semester: int,
    class_code: str = "",
    subject: str = "",
    with_homerooms: bool = True,
) -> list[str]:
    """:func:`lock_gaps` on entries already read; ``with_homerooms`` False leaves out attendance
    and conduct (a lock of subject columns does not close them)."""
    progress = progress_of(setup, entries, as_of or date.max)
    narrowed = []
    for t in progress.teachers:
        subjects = tuple(
            _semester_only(s, semester)
            for s in t.subjects
            if (not class_code or s.class_code == class_code)
            and (not subject or s.subject_code == subject)
        )
        homerooms = tuple(
            _homeroom_semester(h, semester)
            for h in t.homerooms
            if with_homerooms and not subject and (not class_code or h.class_code == class_code)
        )
        narrowed.append(TeacherLine(t.code, t.name, t.group, subjects, homerooms))
    return missing_lines(Progress(progress.as_of, tuple(narrowed)), setup)


def calendar_locks(
    setup: Setup, entries: Entries, today: date, ahead: int = LOCK_NOTICE_DAYS
) -> list[tuple[CalendarEvent, list[str]]]:
    """The calendar's locks starting within ``ahead`` days or in force today, each with what
    it closes (closed) incomplete, as of its first day: a lock of the year closes both
    semesters."""
    found = []
    for event in setup.calendar:
        if event.kind is not EventKind.LOCK:
            continue
        if not event.start - timedelta(days=ahead) <= today <= event.end:
            continue
        numbers = [event.semester] if event.semester else [s.number for s in setup.semesters]
        gaps: list[str] = []
        for number in numbers:
            gaps += gaps_closed(setup, entries, lock_day(setup, number, event.start), number)
        found.append((event, gaps))
    return found


def _semester_only(line: SubjectLine, semester: int) -> SubjectLine:
    return replace(line, columns=tuple(c for c in line.columns if c.semester == semester))


def _homeroom_semester(line: HomeroomLine, semester: int) -> HomeroomLine:
    return replace(
        line,
        months=tuple(m for m in line.months if m.semester == semester),
        conduct=tuple(c for c in line.conduct if c[0] == semester),
        traits=tuple(t for t in line.traits if t.semester == semester),
    )


def lock_day(setup: Setup, semester: int, today: date) -> date | None:
    """The day a lock of ``semester`` is checked as of: ``today`` while the semester runs;
    None once it is over (everything of the semester is due: check it all)."""
    term = next((s for s in setup.semesters if s.number == semester), None)
    return today if term is None or today <= term.end else None


def due_columns(
    progress: Progress, semester: int, class_code: str = "", subject: str = ""
) -> dict[SheetKey, tuple[tuple[str, ...], bool]]:
    """Each class-subject's columns of ``semester`` due by the progress's day (of the class, of
    the subject when given), and whether all of them are filled: what a monthly lock closes.
    A primary test score's column comes with its re-test's (``KT_GK``, ``KTL_GK``)."""
    found: dict[SheetKey, tuple[tuple[str, ...], bool]] = {}
    for t in progress.teachers:
        for s in t.subjects:
            if class_code not in ("", s.class_code) or subject not in ("", s.subject_code):
                continue
            due = [c for c in s.columns if c.semester == semester and c.cells.required]
            if due:
                key = SheetKey(s.class_code, s.subject_code, semester)
                columns = tuple(name for c in due for name in c.columns)
                found[key] = (columns, not any(c.overdue for c in due))
    return found


def progress_check_event(setup: Setup, day: date) -> CalendarEvent | None:
    """The calendar's «Kiểm tra tiến độ» window holding ``day``, if any."""
    return next(
        (e for e in setup.calendar
         if e.kind is EventKind.PROGRESS_CHECK and e.start <= day <= e.end),
        None,
    )  # fmt: skip
