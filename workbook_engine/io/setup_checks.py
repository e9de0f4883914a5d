"""Checks of the setup workbook that span rows or sheets (the per-cell ones are pandera's)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from workbook_engine.io import cells
from workbook_engine.model import LEAVING, MovementKind, Role, Setup
from workbook_engine.rules import primary

if TYPE_CHECKING:
    from workbook_engine.io.setup_reader import Table

# problem(code, sheet spec, row, column spec, letter=..., **message values)
Reporter = Callable[..., None]


def cross_check(setup: Setup, tables: dict[str, Table], problem: Reporter) -> None:
    """Checks across rows and sheets. Lookups use every row that has the looked-up values, even
    rows with other errors, so one mistake is reported once and not again in every sheet."""
    window = _school_year_window(setup)
    grades = _grades(tables["classes"], "code")
    subjects = set(_pairs(tables["subjects"]))
    _semesters(tables["semesters"], window, problem)
    _classes(tables, problem)
    _school_level(setup, tables, problem)
    _teachers(tables["teachers"], problem)
    _assignments(setup, tables["assignments"], grades, subjects, problem)
    _exemptions(tables, grades, subjects, problem)
    _calendar(tables["calendar"], window, problem)
    _movements(setup, tables["movements"], window, problem)


def _grades(table: Table, key: str) -> dict[str, int]:
    """Class code → grade, from every row whose grade is a number."""
    return {code: grade for code, grade in _pairs(table, key)}


def _pairs(table: Table, key: str = "code") -> list[tuple[str, int]]:
    """(code, grade) of every row whose grade is valid."""
    if table.frame.empty or "grade" not in table.letters:
        return []
    spec = table.spec.column("grade")
    low, high = spec.min or 0, spec.max or 99
    pairs = []
    for code, grade in zip(table.frame[key], table.frame["grade"], strict=True):
        number = cells.parse_int(grade) if isinstance(grade, str) else None
        if isinstance(code, str) and number is not None and low <= number <= high:
            pairs.append((code, number))
    return pairs


def _school_year_window(setup: Setup) -> tuple[date, date] | None:
    """1 August of the first year to 31 August of the next: the year plus its summer window."""
    year = setup.school.school_year
    if len(year) != 9 or not year[:4].isdigit():
        return None
    first = int(year[:4])
    return date(first, 8, 1), date(first + 1, 8, 31)


def _at(table: Table, problem: Reporter, code: str, row: int | None, key: str, **v: Any) -> None:
    col = table.spec.column(key) if key else None
    letter = table.letters.get(key, "") if row is not None else ""
    problem(code, table.spec, row, col, letter=letter, **v)


def _dates(
    table: Table,
    row: int,
    values: dict[str, str | None],
    window: tuple[date, date] | None,
    problem: Reporter,
) -> tuple[date, date] | None:
    start = cells.parse_date(values["start"] or "")
    end = cells.parse_date(values["end"] or "")
    if start is None or end is None:
        return None
    if end < start:
        _at(
            table,
            problem,
            "dates-reversed",
            row,
            "end",
            start=cells.format_date(start),
            end=cells.format_date(end),
        )
        return None
    if window:
        for key, day in (("start", start), ("end", end)):
            if not window[0] <= day <= window[1]:
                _at(
                    table,
                    problem,
                    "date-outside-school-year",
                    row,
                    key,
                    value=cells.format_date(day),
                    start=cells.format_date(window[0]),
                    end=cells.format_date(window[1]),
                )
    return start, end


def _semesters(table: Table, window: tuple[date, date] | None, problem: Reporter) -> None:
    seen: dict[int, tuple[int, date, date]] = {}
    declared = {cells.parse_int(str(n)) for n in table.frame.get("number", [])}
    for row, values in table.good_rows():
        number = cells.parse_int(values["number"] or "")
        span = _dates(table, row, values, window, problem)
        if number is not None and span:
            seen[number] = (row, *span)
    if not table.letters:
        return
    for number in (1, 2):
        if number not in declared:
            _at(table, problem, "semester-missing", None, "", value=number)
    if 1 in seen and 2 in seen:
        _, s1, e1 = seen[1]
        row2, s2, e2 = seen[2]
        if s2 <= e1:
            _at(
                table,
                problem,
                "semesters-overlap",
                row2,
                "start",
                value=2,
                other=1,
                start=cells.format_date(s2),
                end=cells.format_date(e2),
                other_start=cells.format_date(s1),
                other_end=cells.format_date(e1),
            )


def _classes(tables: dict[str, Table], problem: Reporter) -> None:
    table, students = tables["classes"], tables["students"]
    homeroom: dict[str, str] = {}
    with_students = set(students.frame["class_code"].dropna()) if students.letters else set()
    for row, values in table.good_rows():
        code, teacher = str(values["code"]), str(values["homeroom_teacher"])
        if teacher in homeroom:
            _at(
                table,
                problem,
                "homeroom-twice",
                row,
                "homeroom_teacher",
                value=teacher,
                other=homeroom[teacher],
            )
        homeroom.setdefault(teacher, code)
        if code not in with_students:
            _at(table, problem, "class-empty", row, "code", value=code)


def _school_level(setup: Setup, tables: dict[str, Table], problem: Reporter) -> None:
    """Classes belong to the school's level; a grade 1–5 subject row is a Circular 27 subject of
    that grade, assessed by level and comment (its periodic test score is no «Điểm số» mode)."""
    level = setup.school.level
    classes = tables["classes"]
    for row, values in classes.good_rows():
        grade = cells.parse_int(values["grade"] or "")
        if grade is not None and not level.includes(grade):
            expected = "tiểu học" if grade <= 5 else "THCS" if grade <= 9 else "THPT"
            said = {"grade": grade, "expected": expected, "level": level.value}
            _at(classes, problem, "class-outside-school-level", row, "grade",
                value=values["code"], **said)  # fmt: skip
    subjects = tables["subjects"]
    scored = cells.fold("Điểm số")
    for row, values in subjects.good_rows():
        grade = cells.parse_int(values["grade"] or "")
        if grade is None or grade not in primary.GRADES:
            continue
        code = str(values["code"])
        allowed = [s.code for s in primary.subjects_for(grade, electives=True)]
        if code not in allowed:
            _at(subjects, problem, "primary-subject-unknown", row, "code", value=code,
                grade=grade, allowed=", ".join(allowed))  # fmt: skip
        if cells.fold(values["mode"] or "") == scored:
            _at(subjects, problem, "primary-subject-scored", row, "mode", value=code, grade=grade)


def _teachers(table: Table, problem: Reporter) -> None:
    owner: dict[str, str] = {}
    for row, values in table.good_rows():
        for name in cells.split_list(values["usernames"]):
            key = name.casefold()
            if key in owner and owner[key] != values["code"]:
                _at(
                    table,
                    problem,
                    "username-shared",
                    row,
                    "usernames",
                    value=name,
                    other=owner[key],
                )
            owner.setdefault(key, str(values["code"]))
    cells_: list[str] = table.frame["roles"].dropna().tolist() if "roles" in table.letters else []
    principal = cells.fold(Role.PRINCIPAL.value)
    has_principal = any(principal == cells.fold(r) for t in cells_ for r in cells.split_list(t))
    if table.letters and not has_principal:
        _at(table, problem, "role-missing", None, "roles", value=Role.PRINCIPAL.value)


def _assignments(
    setup: Setup,
    table: Table,
    grades: dict[str, int],
    subjects: set[tuple[str, int]],
    problem: Reporter,
) -> None:
    taken: dict[tuple[str, str], tuple[int, str]] = {}
    for row, values in table.good_rows():
        class_code, subject = str(values["class_code"]), str(values["subject_code"])
        grade = grades.get(class_code)
        if grade is not None and (subject, grade) not in subjects:
            _at(table, problem, "unknown-subject", row, "subject_code", value=subject, grade=grade)
            continue
        if (class_code, subject) in taken:
            other_row, other = taken[(class_code, subject)]
            _at(
                table,
                problem,
                "assignment-duplicate",
                row,
                "subject_code",
                class_code=class_code,
                subject=subject,
                other=other,
                other_row=other_row,
            )
            continue
        taken[(class_code, subject)] = (row, str(values["teacher_code"]))
    if not table.letters:
        return
    for room in setup.classes:
        for subject_ in setup.subjects_of_grade(room.grade):
            if (room.code, subject_.code) not in taken:
                _at(
                    table,
                    problem,
                    "assignment-missing",
                    None,
                    "",
                    class_code=room.code,
                    subject=subject_.code,
                )


def _exemptions(
    tables: dict[str, Table],
    grades: dict[str, int],
    subjects: set[tuple[str, int]],
    problem: Reporter,
) -> None:
    table, students = tables["exemptions"], tables["students"]
    student_grade: dict[str, int] = {}
    if students.letters:
        for code, class_code in zip(
            students.frame["code"], students.frame["class_code"], strict=True
        ):
            if class_code in grades:
                student_grade[str(code)] = grades[class_code]
    for row, values in table.good_rows():
        grade = student_grade.get(str(values["student_code"]))
        subject = str(values["subject_code"])
        if grade is not None and (subject, grade) not in subjects:
            _at(table, problem, "unknown-subject", row, "subject_code", value=subject, grade=grade)


def _calendar(table: Table, window: tuple[date, date] | None, problem: Reporter) -> None:
    for row, values in table.good_rows():
        _dates(table, row, values, window, problem)


def _movements(
    setup: Setup, table: Table, window: tuple[date, date] | None, problem: Reporter
) -> None:
    """Each student's movements, replayed in date order, must follow on from one another and
    end in the class the «Học sinh» sheet gives."""
    by_student: dict[str, list[tuple[date, int, dict[str, str | None]]]] = {}
    for row, values in table.good_rows():
        day = cells.parse_date(values["effective"] or "")
        if day is None:
            continue
        if window and not window[0] <= day <= window[1]:
            _at(table, problem, "date-outside-school-year", row, "effective",
                value=cells.format_date(day), start=cells.format_date(window[0]),
                end=cells.format_date(window[1]))  # fmt: skip
        by_student.setdefault(str(values["student_code"]), []).append((day, row, values))
    for code, moves in by_student.items():
        student = setup.find_student(code)
        if student is not None:
            _replay(student.class_code, code, sorted(moves, key=lambda m: m[0]), table, problem)


def _replay(
    roster: str,
    student: str,
    moves: list[tuple[date, int, dict[str, str | None]]],
    table: Table,
    problem: Reporter,
) -> None:
    spec = table.spec.column("kind")
    first = str(moves[0][2]["kind"])
    current: str | None = None if first == MovementKind.TRANSFER_IN else ""  # "" = not yet known
    last_row, left_from = moves[0][1], ""
    for day, row, values in moves:
        last_row = row
        kind = MovementKind(next(v for v in spec.values if cells.fold(v) == cells.fold(
            str(values["kind"]))))  # fmt: skip
        old, new = values["from_class"] or "", values["to_class"] or ""
        said = {"student": student, "day": cells.format_date(day), "kind": kind.value}
        needed = [("from_class", old)] if kind is not MovementKind.TRANSFER_IN else []
        if kind is MovementKind.CLASS_CHANGE:
            needed.append(("to_class", new))
        blank = [key for key, value in needed if not value and kind is MovementKind.CLASS_CHANGE]
        for key in blank:
            _at(table, problem, "movement-class-missing", row, key,
                column=table.spec.column(key).header, **said)  # fmt: skip
        if blank:
            return
        if kind is MovementKind.CLASS_CHANGE and old == new:
            _at(table, problem, "movement-same-class", row, "to_class", value=new, **said)
            return
        if kind is MovementKind.TRANSFER_IN:
            if current:
                _at(table, problem, "movement-already-in-school", row, "kind", value=current,
                    **said)  # fmt: skip
                return
            current = new or roster
            continue
        if current is None:
            _at(table, problem, "movement-not-in-school", row, "kind", **said)
            return
        if current and old and old != current:
            _at(table, problem, "movement-wrong-class", row, "from_class", value=old,
                expected=current, **said)  # fmt: skip
            return
        current = current or old or roster
        if kind in LEAVING:
            left_from, current = current, None
            continue
        current = new
    final, key = (current, "to_class") if current else (left_from, "from_class")
    if final and final != roster:
        _at(table, problem, "movement-roster-mismatch", last_row, key, value=final,
            roster=roster, student=student)  # fmt: skip
