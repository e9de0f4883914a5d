"""Entry progress from the ledger: what :mod:`workbook_engine.progress` counts, read in one
transaction, and what a lock would close while still incomplete."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from workbook_engine.model import Setup
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.progress import (
    HomeroomLine,
    Progress,
    SubjectLine,
    TeacherLine,
    Values,
    missing_lines,
    school_progress,
)
from workbook_engine.results import confirmed_late


def read_progress(
    ledger: Ledger, setup: Setup, as_of: date, group: str | None = None
) -> tuple[Progress, Values, str]:
    """The school's progress as of ``as_of`` from the ledger, the values it was counted on and
    the chain head of those values (one read transaction)."""
    with ledger.reading():
        head = ledger.chain_head()
        values: dict[Any, str] = {}
        for room in setup.classes:
            values.update(ledger.scores_of_class(room.code))
        received = ledger.received_keys(None)
        late = confirmed_late(setup, ledger.first_received(None))
        pending = ledger.pending()
        files = ledger.files()
    progress = school_progress(setup, as_of, values, received, late, pending, files, group)
    return progress, values, head


def lock_gaps(
    ledger: Ledger, setup: Setup, as_of: date | None, semester: int, class_code: str, subject: str
) -> list[str]:
    """What is missing, as of ``as_of`` (None: everything of the semester), in the period a
    lock would close: the semester's cells of the class (or every class) and subject (or every
    subject), its attendance months and conduct, as located lines."""
    progress, _, _ = read_progress(ledger, setup, as_of or date.max)
    narrowed = []
    for t in progress.teachers:
        subjects = tuple(
            s
            for s in t.subjects
            if (not class_code or s.class_code == class_code)
            and (not subject or s.subject_code == subject)
        )
        subjects = tuple(_semester_only(s, semester) for s in subjects)
        homerooms = tuple(
            _homeroom_semester(h, semester)
            for h in t.homerooms
            if not subject and (not class_code or h.class_code == class_code)
        )
        narrowed.append(TeacherLine(t.code, t.name, t.group, subjects, homerooms))
    return missing_lines(Progress(progress.as_of, tuple(narrowed)), setup)


def _semester_only(line: SubjectLine, semester: int) -> SubjectLine:
    return replace(line, columns=tuple(c for c in line.columns if c.semester == semester))


def _homeroom_semester(line: HomeroomLine, semester: int) -> HomeroomLine:
    return replace(
        line,
        months=tuple(m for m in line.months if m.semester == semester),
        conduct=tuple(c for c in line.conduct if c[0] == semester),
    )


def lock_day(setup: Setup, semester: int, today: date) -> date | None:
    """The day a lock of ``semester`` is checked as of: ``today`` while the semester runs;
    None once it is over (everything of the semester is due: check it all)."""
    term = next((s for s in setup.semesters if s.number == semester), None)
    return today if term is None or today <= term.end else None
