"""The summer's sheets: a re-exam sheet per class and subject (the subject teacher's) and the
summer conduct training sheet per class (the homeroom teacher's), each listing only the students
the approved year results send to the summer (:class:`~workbook_engine.model.SummerList`).

Their ledger keys carry :data:`~workbook_engine.model.SUMMER` as semester: the re-exam score is
the subject's ``KTL`` column, the re-assessed conduct the ``RENLUYEN`` key's ``KQRL``, so the
results module finds them beside the semesters' values.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from functools import partial
from typing import Any

from workbook_engine.io.identity import Identity
from workbook_engine.io.kinds.base import Column, Layout, Plan, SheetKind, class_identity
from workbook_engine.io.kinds.homeroom import CONDUCT_COLUMNS, ConductKind, _header
from workbook_engine.io.kinds.score import not_assigned
from workbook_engine.io.kinds.values import COMMENT, LEVEL, SCORE, note_type
from workbook_engine.io.sheet_base import (
    FIRST_ROW,
    ROSTER_WIDTH,
    SEMESTER_NAMES,
    Header,
    a1_range,
)
from workbook_engine.model import SUMMER, Setup, Student, SummerList
from workbook_engine.rules import AssessmentMode

RE_EXAM_SHEET = "Kiểm tra lại"
SUMMER_CONDUCT_SHEET = "Rèn luyện hè"
RE_EXAM_KEY = "KTL"  # results.RE_EXAM_COLUMN
RE_EXAM_HELP = (
    "Nhập kết quả bài kiểm tra lại của học sinh. Để trống nếu học sinh chưa kiểm tra; nhập 0 "
    "(hoặc CĐ) khi học sinh thực sự không đạt hay không dự kiểm tra."
)


def re_exam_sheet_name(class_code: str, subject_code: str) -> str:
    """``6A1_TOAN_KiemTraLai.xlsx``."""
    return f"{class_code}_{subject_code}_KiemTraLai.xlsx"


def summer_conduct_sheet_name(class_code: str) -> str:
    return f"{class_code}_RenLuyenHe.xlsx"


def _students(setup: Setup, class_code: str, codes: set[str]) -> list[Student]:
    """The students of ``codes`` in roster order."""
    return [s for s in setup.students_of(class_code) if s.code in codes]


def _inputs(count: int, first: int, last: int) -> tuple[str, ...]:
    if not count:
        return ()
    return (a1_range(FIRST_ROW, first, FIRST_ROW + count - 1, last),)


def re_exam_identity(
    setup: Setup, summer: SummerList, class_code: str, subject_code: str
) -> Identity:
    """The identity of one class's re-exam sheet of one subject: only the students concerned."""
    concerned = {
        code for code, subjects in summer.re_exam.get(class_code, {}).items()
        if subject_code in subjects
    }  # fmt: skip
    students = _students(setup, class_code, concerned)
    teacher = next(
        (a.teacher_code for a in setup.assignments
         if a.class_code == class_code and a.subject_code == subject_code),
        "",
    )  # fmt: skip
    return Identity(
        kind="re_exam",
        template_id=str(uuid.uuid4()),
        school_code=setup.school.code,
        school_year=setup.school.school_year,
        semester=SUMMER,
        teacher_code=teacher,
        sheet=RE_EXAM_SHEET,
        class_code=class_code,
        subject_code=subject_code,
        students=tuple((s.code, s.full_name) for s in students),
        columns=(RE_EXAM_KEY,),
        inputs=_inputs(len(students), ROSTER_WIDTH, ROSTER_WIDTH),
    )


class ReExamKind(SheetKind):
    level = "secondary"
    kind = "re_exam"
    sheet = RE_EXAM_SHEET
    title = "Kiểm tra lại"
    deadlines = True  # due by the end of the calendar's summer window (deadlines.is_late)

    def plans(self, setup: Setup, semester: int, teacher_code: str) -> list[Plan]:
        return []  # issued for the summer only, from the approved year results

    def summer_plans(self, setup: Setup, summer: SummerList, teacher_code: str) -> list[Plan]:
        wanted = sorted(
            {
                (class_code, subject)
                for class_code, students in summer.re_exam.items()
                for subjects in students.values()
                for subject in subjects
            }
        )
        return [
            Plan(
                self.kind,
                teacher_code,
                re_exam_sheet_name(class_code, subject),
                partial(re_exam_identity, setup, summer, class_code, subject),
            )
            for class_code, subject in wanted
            if setup.is_assigned(teacher_code, class_code, subject)
        ]

    def _scored(self, setup: Setup, identity: Identity) -> bool:
        room = setup.find_class(identity.class_code)
        subject = setup.find_subject(room.grade, identity.subject_code) if room else None
        return subject is None or subject.mode is AssessmentMode.SCORE

    def layout(self, setup: Setup, identity: Identity) -> Layout:
        scored = self._scored(setup, identity)
        title = "Điểm kiểm tra lại" if scored else "Kết quả kiểm tra lại"
        return Layout((Column(RE_EXAM_KEY, title, SCORE if scored else COMMENT, width=14),))

    def header(self, setup: Setup, identity: Identity) -> Header:
        room = setup.class_by_code(identity.class_code)
        subject = setup.subject(room.grade, identity.subject_code)
        teacher = setup.find_teacher(identity.teacher_code)
        who = f"{teacher.full_name} ({teacher.code})" if teacher else identity.teacher_code
        return Header(
            title=f"KIỂM TRA LẠI MÔN {subject.name.upper()} — LỚP {room.code}",
            lines=[
                (f"Trường: {setup.school.name}", f"Năm học: {setup.school.school_year}"),
                (f"Lớp: {room.code} (khối {room.grade})", SEMESTER_NAMES[SUMMER]),
                (f"Môn học: {subject.name}", f"Giáo viên: {who}"),
            ],
            help=RE_EXAM_HELP,
            right_col=ROSTER_WIDTH + 1,
        )

    def fill_problem(self, setup: Setup, identity: Identity) -> tuple[str, dict[str, Any]] | None:
        return not_assigned(setup, identity)

    def key_title(self, subject_code: str) -> str | None:
        return None  # its keys are the subjects' own


def summer_conduct_identity(setup: Setup, summer: SummerList, class_code: str) -> Identity:
    students = _students(setup, class_code, set(summer.training.get(class_code, ())))
    identity = class_identity(setup, "summer_conduct", SUMMER_CONDUCT_SHEET, class_code, SUMMER,
                              CONDUCT_COLUMNS, ())  # fmt: skip
    inputs = _inputs(len(students), ROSTER_WIDTH, ROSTER_WIDTH + 1)
    return replace(identity, students=tuple((s.code, s.full_name) for s in students),
                   inputs=inputs)  # fmt: skip


class SummerConductKind(SheetKind):
    level = "secondary"
    kind = "summer_conduct"
    sheet = SUMMER_CONDUCT_SHEET
    ledger_code = ConductKind.ledger_code  # the conduct's key, semester SUMMER
    title = "Rèn luyện hè"
    deadlines = True  # due by the end of the calendar's summer window (deadlines.is_late)

    def plans(self, setup: Setup, semester: int, teacher_code: str) -> list[Plan]:
        return []

    def summer_plans(self, setup: Setup, summer: SummerList, teacher_code: str) -> list[Plan]:
        return [
            Plan(
                self.kind,
                teacher_code,
                summer_conduct_sheet_name(room.code),
                partial(summer_conduct_identity, setup, summer, room.code),
            )
            for room in sorted(setup.classes, key=lambda r: r.code)
            if room.homeroom_teacher == teacher_code and summer.training.get(room.code)
        ]

    def layout(self, setup: Setup, identity: Identity) -> Layout:
        level, note = identity.columns
        return Layout(
            (
                Column(level, "Kết quả rèn luyện sau hè", LEVEL),
                Column(note, "Nhận xét", note_type(), width=50, corrected=False),
            )
        )

    def header(self, setup: Setup, identity: Identity) -> Header:
        title = f"RÈN LUYỆN TRONG KÌ NGHỈ HÈ — LỚP {identity.class_code}"
        return _header(setup, identity, title, ROSTER_WIDTH, LEVEL.help)

    def key_title(self, subject_code: str) -> str | None:
        return None  # the conduct kind names the key
