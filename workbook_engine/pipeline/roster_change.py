"""Sheets issued before their class's roster changed (issue 14).

A sheet carries its class's roster as issued (its signed identity). After the setup changes (a
student moved to another class, removed, added), an old copy is still taken for the students
still in the class; a leaver's row is flagged and never merged (what the ledger holds for them
stays), a newcomer is named, and the teacher is sent to the re-issued copy in ``Sổ điểm/``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from workbook_engine.errors import Problem, make_problem
from workbook_engine.io.identity import Identity, IdentityError, read_identity, verify_identity
from workbook_engine.io.kinds import KINDS
from workbook_engine.io.sheet_base import FIRST_ROW
from workbook_engine.model import Setup, Student
from workbook_engine.share import ShareLayout

__all__ = [
    "CODES",
    "current_copy",
    "leavers",
    "newcomers",
    "only",
    "outdated_problem",
    "roster_problems",
    "still_in_class",
]

CODES = frozenset({"student-left-class", "student-missing-from-sheet"})
NAME_COLUMN = 2  # 0-based: the roster's full-name column

Cells = dict[tuple[str, str], str]
Locate = Callable[..., Problem]  # a sheet checker's located problem: (code, *, row, col, **v)


def leavers(setup: Setup, identity: Identity, today: date | None = None) -> dict[str, str]:
    """Students on the sheet no longer in its class (on ``today``, when given: a movement
    recorded ahead of its date does not hold yet): code → their class then ("" when they left
    the school or are no longer on its roster)."""
    if not identity.class_code:
        return {}
    gone: dict[str, str] = {}
    for code in identity.student_codes:
        # "" once they left the school («Biến động») or were removed from its roster
        now = setup.current_class(code) if today is None else setup.class_on(code, today)
        if now != identity.class_code:
            gone[code] = now
    return gone


def newcomers(setup: Setup, identity: Identity, today: date | None = None) -> list[Student]:
    """Students of the class (on ``today``, when given) the sheet does not hold (a semester
    sheet holds the whole class; a summer sheet only the students it concerns)."""
    if not identity.class_code or not _of_a_semester(setup, identity):
        return []
    on_sheet = set(identity.student_codes)
    if today is None:
        return [s for s in setup.students_of(identity.class_code) if s.code not in on_sheet]
    return [
        student
        for stay in setup.members_of(identity.class_code)
        if stay.holds(today)
        and stay.student_code not in on_sheet
        and (student := setup.find_student(stay.student_code)) is not None
    ]


def still_in_class(setup: Setup, identity: Identity, today: date | None = None) -> frozenset[str]:
    """The students on the sheet who are still in its class: the only rows it merges (what the
    ledger holds for anyone else is neither changed nor reported)."""
    return frozenset(identity.student_codes) - leavers(setup, identity, today).keys()


def only(cells: Cells, students: frozenset[str]) -> Cells:
    """The cells of ``students``."""
    return {cell: value for cell, value in cells.items() if cell[0] in students}


def roster_problems(
    setup: Setup, identity: Identity, locate: Locate, today: date | None = None
) -> Iterator[Problem]:
    """A warning on each leaver's row, one naming the newcomers (on ``today``, when given)."""
    gone = leavers(setup, identity, today)
    for i, (code, name) in enumerate(identity.students):
        if code not in gone:
            continue
        now = gone[code]
        left = [s.mark for s in setup.stays(code) if s.class_code == identity.class_code and s.mark]
        where = (
            left[-1]
            if left
            else f"đã chuyển sang lớp {now}"
            if now
            else "không còn trong danh sách học sinh của trường"
        )
        yield locate("student-left-class", row=FIRST_ROW + i + 1, col=NAME_COLUMN,
                     student=f"{code} {name}", where=where,
                     class_code=identity.class_code)  # fmt: skip
    new = newcomers(setup, identity, today)
    if new:
        yield locate("student-missing-from-sheet", class_code=identity.class_code, count=len(new),
                     students=", ".join(f"{s.code} {s.full_name}" for s in new))  # fmt: skip


def outdated_problem(
    problems: list[Problem],
    name: str,
    identity: Identity,
    setup: Setup,
    secret: bytes,
    share: ShareLayout | None,
    today: date | None = None,
) -> Problem | None:
    """The file-wide warning that sends the teacher to the re-issued copy, when the check found
    the class's roster changed (on ``today``, when given)."""
    if not any(p.code in CODES for p in problems):
        return None
    copy = current_copy(share, setup, secret, identity, today)
    follow = (
        f"lần sau thầy/cô nhập điểm vào bản phát lại «{copy}» trong thư mục «Sổ điểm»"
        if copy
        else "văn phòng chưa phát lại bảng theo danh sách mới"
    )
    return make_problem("roster-outdated", file=name, class_code=identity.class_code, next=follow)


def current_copy(
    share: ShareLayout | None,
    setup: Setup,
    secret: bytes,
    identity: Identity,
    today: date | None = None,
) -> str | None:
    """The name of the copy of the same sheet in its teacher's ``Sổ điểm/`` issued for the
    current roster (the class on ``today``, when given, as a sheet issued that day lists it),
    or None when there is none yet."""
    if today is not None:
        setup = setup.as_of(today)
    kind = KINDS.get(identity.kind)
    if share is None or kind is None or not _of_a_semester(setup, identity):
        return None
    same = (identity.kind, identity.class_code, identity.subject_code, identity.period)
    for plan in kind.plans(setup, identity.semester, identity.teacher_code):
        fresh = plan.identity()
        if (fresh.kind, fresh.class_code, fresh.subject_code, fresh.period) != same:
            continue
        stem, suffix = Path(plan.filename).stem, Path(plan.filename).suffix
        folder = share.sheets(plan.teacher_code)
        for path in sorted(folder.glob(f"{stem}*{suffix}")) if folder.is_dir() else ():
            if _issued_for(path, fresh, secret):
                return path.name
    return None


def _of_a_semester(setup: Setup, identity: Identity) -> bool:
    return identity.semester in {s.number for s in setup.semesters}


def _issued_for(path: Path, fresh: Identity, secret: bytes) -> bool:
    try:
        found = read_identity(path)
    except IdentityError:
        return False
    return verify_identity(found, secret) and found.students == fresh.students
