"""What a setup changed mid-year does to what is already entered (``wbe setup check FILE
--data-dir D``): the school's current setup and the ledger's values against the new setup.
Pure: the caller gives the values. Each effect is a located warning; nothing in the ledger is
ever changed by a setup (values stay under the class, subject and teacher they were entered
for), so the warnings say what the books and the master will show, and what to do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping

from workbook_engine.errors import Problem, make_problem
from workbook_engine.model import ExemptionScope, Setup, SheetKey

Values = Mapping[tuple[SheetKey, str, str], str]  # (sheet, student, column) → value


def setup_impact(old: Setup, new: Setup, values: Values) -> list[Problem]:
    """Every effect of replacing ``old`` by ``new`` on the ``values`` already entered."""
    filled = {k: v for k, v in values.items() if (v or "").strip()}
    return [
        *_students(old, new, filled),
        *_classes(old, new, filled),
        *_teachers(old, new, filled),
        *_columns(old, new, filled),
        *_exemptions(old, new, filled),
    ]


def _students(old: Setup, new: Setup, values: Values) -> Iterator[Problem]:
    per = Counter((key.class_code, student) for key, student, _ in values)
    for student in old.students:
        count = per[(student.class_code, student.code)]
        if not count:
            continue
        now = new.find_student(student.code)
        who = f"{student.code} {student.full_name}"
        if now is None:
            yield make_problem("impact-student-removed", student=who,
                               class_code=student.class_code, count=count)  # fmt: skip
        elif now.class_code != student.class_code and student.class_code not in new.classes_of(
            student.code
        ):  # a move recorded in «Biến động» keeps the values with the old class, shown there
            yield make_problem("impact-student-moved", student=who, old=student.class_code,
                               new=now.class_code, count=count)  # fmt: skip


def _classes(old: Setup, new: Setup, values: Values) -> Iterator[Problem]:
    per = Counter(key.class_code for key, _, _ in values)
    for room in old.classes:
        if per[room.code] and new.find_class(room.code) is None:
            yield make_problem("impact-class-removed", class_code=room.code, count=per[room.code])


def _teachers(old: Setup, new: Setup, values: Values) -> Iterator[Problem]:
    per = Counter((key.class_code, key.subject_code) for key, _, _ in values)
    before = {(a.class_code, a.subject_code): a.teacher_code for a in old.assignments}
    after = {(a.class_code, a.subject_code): a.teacher_code for a in new.assignments}
    for (class_code, subject), teacher in before.items():
        then = after.get((class_code, subject))
        if then is None or then == teacher or not per[(class_code, subject)]:
            continue
        yield make_problem(
            "impact-teacher-replaced",
            class_code=class_code,
            subject=_subject_name(old, class_code, subject),
            old=_teacher_name(old, teacher),
            new=_teacher_name(new, then),
            count=per[(class_code, subject)],
        )


def _columns(old: Setup, new: Setup, values: Values) -> Iterator[Problem]:
    per: Counter[tuple[int, str, str]] = Counter()
    grades = {room.code: room.grade for room in old.classes}
    for key, _, column in values:
        if key.class_code in grades:
            per[(grades[key.class_code], key.subject_code, column)] += 1
    for subject in old.subjects:
        now = new.find_subject(subject.grade, subject.code)
        name = f"{subject.name} khối {subject.grade}"
        entered = sum(n for (g, s, _), n in per.items() if (g, s) == (subject.grade, subject.code))
        if now is None:
            if entered:
                yield make_problem("impact-subject-removed", subject=name, count=entered)
            continue
        lost = [c for c in subject.columns if c not in now.columns]
        counted = {c: per[(subject.grade, subject.code, c)] for c in lost}
        if any(counted.values()):
            shown = ", ".join(f"{c} ({n} ô)" for c, n in counted.items() if n)
            yield make_problem("impact-columns-dropped", subject=name, old=subject.tx_count,
                               new=now.tx_count, columns=shown)  # fmt: skip
        elif now.tx_count != subject.tx_count and entered:
            yield make_problem("impact-columns-changed", subject=name, old=subject.tx_count,
                               new=now.tx_count)  # fmt: skip


def _exemptions(old: Setup, new: Setup, values: Values) -> Iterator[Problem]:
    had = {(e.student_code, e.subject_code) for e in old.exemptions
           if e.scope is ExemptionScope.WHOLE}  # fmt: skip
    per = Counter((student, key.subject_code) for key, student, _ in values)
    for e in new.exemptions:
        pair = (e.student_code, e.subject_code)
        if e.scope is not ExemptionScope.WHOLE or pair in had or not per[pair]:
            continue
        student = new.find_student(e.student_code)
        who = f"{e.student_code} {student.full_name if student else ''}".strip()
        yield make_problem("impact-exempt-with-values", student=who, subject=e.subject_code,
                           count=per[pair])  # fmt: skip


def _subject_name(setup: Setup, class_code: str, subject: str) -> str:
    room = setup.find_class(class_code)
    found = setup.find_subject(room.grade, subject) if room else None
    return found.name if found else subject


def _teacher_name(setup: Setup, code: str) -> str:
    teacher = setup.find_teacher(code)
    return f"{teacher.full_name} ({code})" if teacher else code
