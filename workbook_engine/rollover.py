"""The next school year's setup from a closed one (pure: no I/O).

Classes move up a grade with their homeroom teacher and subject teachers (6A1 → 7A1 … 8A2 → 9A2);
students follow their final outcome (promoted: one grade up; kept back: the class of the same
name in the same grade; the top grade promoted: completed, left out). The lowest grade's class
codes are kept, empty, for the new intake; each takes the homeroom and subject teachers of the
leaving top-grade class of the same name (9A1 → 6A1), as teachers usually follow a cohort from
grade 6 to 9 and start again. Whatever cannot be carried is said in a note (Vietnamese).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from workbook_engine.model import (
    Assignment,
    CalendarEvent,
    ClassRoom,
    Exemption,
    Semester,
    Setup,
    Student,
)
from workbook_engine.rules import Outcome

YEAR = re.compile(r"\b(\d{4})\b")


def following_year(school_year: str) -> str:
    """``2025-2026`` → ``2026-2027``."""
    first = int(school_year[:4])
    return f"{first + 1}-{first + 2}"


def graduates(setup: Setup, finals: Mapping[str, Outcome]) -> list[Student]:
    """The top grade's students promoted: they complete the programme (setup order)."""
    top = max((c.grade for c in setup.classes), default=0)
    return [
        s
        for s in setup.students
        if _grade(setup, s.class_code) == top and finals.get(s.code) is Outcome.PROMOTED
    ]


def next_setup(
    setup: Setup, finals: Mapping[str, Outcome], next_year: str
) -> tuple[Setup, list[str]]:
    """The setup of ``next_year`` (``2026-2027``) from ``setup`` and each student's final
    outcome, and the notes (Vietnamese lines) of what could not be carried."""
    plan = _Plan.of(setup)
    students = plan.place_students(setup, finals)
    years = int(next_year[:4]) - setup.school.first_year
    first = setup.school.first_year
    new = Setup(
        school=replace(setup.school, school_year=next_year),
        semesters=tuple(
            Semester(s.number, shift(s.start, years), shift(s.end, years)) for s in setup.semesters
        ),
        classes=tuple(plan.classes),
        students=students,
        subjects=setup.subjects,
        teachers=setup.teachers,
        assignments=plan.assignments(setup),
        exemptions=plan.exemptions(setup, students),
        calendar=tuple(_shifted(e, years, (first, first + 1)) for e in setup.calendar),
    )
    return new, plan.notes


def promoted_count(old: Setup, new: Setup) -> int:
    """How many students of ``new`` sit one grade higher than in ``old``."""
    return sum(
        1
        for s in new.students
        if _grade(new, s.class_code) > _grade(old, (old.find_student(s.code) or s).class_code)
    )


def shift(day: date, years: int) -> date:
    """The same day and month ``years`` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _shifted(event: CalendarEvent, years: int, old: tuple[int, int]) -> CalendarEvent:
    """The event ``years`` later; the school year's years named in its note follow."""
    note = YEAR.sub(lambda m: str(int(m[1]) + years) if int(m[1]) in old else m[1], event.note)
    return replace(event, start=shift(event.start, years), end=shift(event.end, years), note=note)


def _grade(setup: Setup, class_code: str) -> int:
    room = setup.find_class(class_code)
    return room.grade if room is not None else 0


def _suffix(room: ClassRoom) -> str | None:
    """``A1`` of ``6A1`` (grade 6); None for a code that does not start with its grade."""
    grade = str(room.grade)
    rest = room.code[len(grade) :]
    return rest if room.code.startswith(grade) and rest and not rest[0].isdigit() else None


@dataclass
class _Plan:
    """The new year's classes, and which new class takes each old class's cohort (promoted)
    or, for the leaving top grade, its teachers (the intake class of the same name)."""

    low: int
    top: int
    classes: list[ClassRoom] = field(default_factory=list)
    successor: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, setup: Setup) -> _Plan:
        grades = [c.grade for c in setup.classes] or [0]
        plan = cls(min(grades), max(grades))
        leaving = {
            _suffix(c): c for c in setup.classes if c.grade == plan.top and _suffix(c) is not None
        }
        for room in setup.classes:
            if room.grade < plan.top:
                plan._promote(room)
            elif _suffix(room) is None:
                plan.notes.append(f"Lớp {room.code} ra trường, không đặt tên theo khối: giáo viên "
                                  f"chủ nhiệm {room.homeroom_teacher} và giáo viên bộ môn chưa "
                                  "được xếp lớp mới")  # fmt: skip
        for room in setup.classes:
            if room.grade == plan.low and (rest := _suffix(room)) is not None:
                plan._intake(room, leaving.pop(rest, None))
        for rest, room in leaving.items():
            plan.notes.append(
                f"Lớp {room.code} ra trường: giáo viên chủ nhiệm {room.homeroom_teacher} và giáo "
                f"viên bộ môn chưa được xếp lớp mới (không có lớp {plan.low}{rest} nhận học sinh "
                "mới)"
            )
        plan.classes.sort(key=lambda c: c.grade)
        return plan

    def _promote(self, room: ClassRoom) -> None:
        rest = _suffix(room)
        code = f"{room.grade + 1}{rest}" if rest is not None else room.code
        if rest is None:
            self.notes.append(f"Lớp {room.code} không đặt tên theo khối (như 6A1): giữ tên lớp, "
                              f"chuyển lên khối {room.grade + 1}")  # fmt: skip
        self._add(ClassRoom(code, room.grade + 1, room.homeroom_teacher), room.code)

    def _intake(self, room: ClassRoom, leaving: ClassRoom | None) -> None:
        """``room``'s code kept, empty, for the new intake, with the leaving class's teachers."""
        if leaving is None:
            self.notes.append(f"Lớp {room.code} (học sinh mới vào khối {self.low}) chưa có giáo "
                              f"viên chủ nhiệm: ghi mã GVCN trong trang «Lớp»")  # fmt: skip
        self._add(ClassRoom(room.code, self.low, leaving.homeroom_teacher if leaving else ""),
                  leaving.code if leaving else None)  # fmt: skip

    def _add(self, room: ClassRoom, old: str | None) -> None:
        if any(c.code == room.code for c in self.classes):
            self.notes.append(f"Lớp {room.code} có hai lần: lớp {old} không được chuyển")
            return
        self.classes.append(room)
        if old is not None:
            self.successor[old] = room.code

    def _kept_in(self, room: ClassRoom, student: Student) -> str:
        """The new class of a student staying in ``room``'s grade: the one of the same name,
        else the first of the grade, else ``room`` kept (without a homeroom teacher)."""
        same = [c for c in self.classes if c.grade == room.grade]
        if any(c.code == room.code for c in same):
            return room.code
        who = f"{student.full_name} ({student.code})"
        if same:
            self.notes.append(f"Học sinh {who} ở lại khối {room.grade}: năm mới không có lớp "
                              f"{room.code}, xếp vào lớp {same[0].code}")  # fmt: skip
            return same[0].code
        self.notes.append(f"Lớp {room.code} (khối {room.grade}) giữ lại cho học sinh ở lại lớp, "
                          "chưa có giáo viên chủ nhiệm: ghi mã GVCN trong trang «Lớp»")  # fmt: skip
        self._add(ClassRoom(room.code, room.grade, ""), None)
        self.classes.sort(key=lambda c: c.grade)
        return room.code

    def place_students(self, setup: Setup, finals: Mapping[str, Outcome]) -> tuple[Student, ...]:
        """Every student still at school in their new class, class by class (setup order)."""
        placed: list[Student] = []
        for student in setup.students:
            room = setup.class_by_code(student.class_code)
            outcome = finals.get(student.code)
            if outcome is Outcome.PROMOTED and room.grade == self.top:
                continue  # completed the programme
            if outcome is Outcome.PROMOTED and room.code in self.successor:
                code = self.successor[room.code]
            else:
                if outcome is not Outcome.RETAINED:
                    shown = f"«{outcome.value}»" if outcome else "chưa có"
                    self.notes.append(
                        f"Học sinh {student.full_name} ({student.code}), lớp {room.code}: kết "
                        f"quả cuối năm {shown}, xếp lại vào khối {room.grade}"
                    )
                code = self._kept_in(room, student)
            placed.append(replace(student, class_code=code))
        order = {c.code: i for i, c in enumerate(self.classes)}
        return tuple(sorted(placed, key=lambda s: order[s.class_code]))

    def assignments(self, setup: Setup) -> tuple[Assignment, ...]:
        """Each subject teacher to the new class that takes their class, where the subject is
        taught in its grade."""
        grades = {c.code: c.grade for c in self.classes}
        carried = []
        for a in setup.assignments:
            code = self.successor.get(a.class_code)
            if code is None:
                continue  # the leaving class without an intake class: said once, in of()
            if setup.find_subject(grades[code], a.subject_code) is None:
                self.notes.append(
                    f"Lớp {a.class_code}: môn {a.subject_code} không có ở khối {grades[code]}, "
                    f"bỏ phân công giáo viên {a.teacher_code}"
                )
                continue
            carried.append(replace(a, class_code=code))
        return tuple(carried)

    def exemptions(self, setup: Setup, students: tuple[Student, ...]) -> tuple[Exemption, ...]:
        """The exemptions of the students still at school, where their new grade has the
        subject."""
        grades = {c.code: c.grade for c in self.classes}
        where = {s.code: grades[s.class_code] for s in students}
        carried = []
        for e in setup.exemptions:
            if e.student_code not in where:
                continue  # completed the programme
            if setup.find_subject(where[e.student_code], e.subject_code) is None:
                self.notes.append(
                    f"Miễn giảm môn {e.subject_code} của học sinh {e.student_code}: môn không có "
                    f"ở khối {where[e.student_code]}, không chuyển"
                )
                continue
            carried.append(e)
        return tuple(carried)
