"""The score sheet a subject teacher fills: one class, one subject, one semester.

Columns after the roster: TX1..TXn, GK, CK (scores 0–10 or Đ/CĐ), ĐTBmhk or Kết quả (a formula
that rounds like the rules module), Nhận xét. Only the cells of students not exempt from the
subject are open. The comment is stored in the ledger under ``NX`` like a score, but rewriting an
accepted comment is no score correction (DOMAIN: the correction procedure is about scores): the
change merges at once and is logged old → new.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from workbook_engine.io.identity import Identity
from workbook_engine.io.kinds.base import Column, Layout, Plan, RowNote, SheetKind
from workbook_engine.io.kinds.values import COMMENT, SCORE, note_type
from workbook_engine.io.sheet_base import (
    FIRST_ROW,
    ROSTER_WIDTH,
    SEMESTER_NAMES,
    Header,
    a1,
    a1_range,
    row_blocks,
)
from workbook_engine.model import Assignment, ExemptionScope, Setup, Subject
from workbook_engine.rules import AssessmentMode, Comment

SCORE_SHEET = "Bảng điểm"
AVERAGE_HEADER = "ĐTBmhk"
RESULT_HEADER = "Kết quả"
NOTE_HEADER = "Nhận xét"
NOTE_KEY = "NX"  # the ledger's column of the teacher's comment (as on the conduct sheet)
EXEMPT_MARK = "Miễn"


@dataclass(frozen=True)
class ScoreLayout:
    """Column positions (0-based) of a score sheet for ``tx`` regular assessments."""

    tx: int

    @property
    def first(self) -> int:
        return ROSTER_WIDTH

    @property
    def gk(self) -> int:
        return self.first + self.tx

    @property
    def ck(self) -> int:
        return self.gk + 1

    @property
    def result(self) -> int:
        return self.ck + 1

    @property
    def note(self) -> int:
        return self.result + 1


def average_formula(row: int, layout: ScoreLayout) -> str:
    """ĐTBmhk of one row, exactly as :func:`~workbook_engine.rules.semester_average`.

    Works in integer tenths: N = 10·ΣTX + 20·GK + 30·CK (ROUND removes float noise), then
    round_half_up_tenths(N, d) = INT((2N + d) / 2d) with d = count(TX) + 5. Both operands are
    exact integers, so no binary fraction decides a half (6.45 → 6.5). Blank until all present.
    """
    tx = a1_range(row, layout.first, row, layout.gk - 1)
    every = a1_range(row, layout.first, row, layout.ck)
    gk, ck = a1(row, layout.gk), a1(row, layout.ck)
    d = layout.tx + 5
    return (
        f'=IF(COUNT({every})<{layout.tx + 2},"",'
        f"INT((2*ROUND(10*SUM({tx})+20*{gk}+30*{ck},0)+{d})/{2 * d})/10)"
    )


def result_formula(row: int, layout: ScoreLayout) -> str:
    """Kết quả of a commented subject: blank until every assessment is entered, then Đ when all
    are Đ, else CĐ (the ledger applies the rules module; a blank there counts as CĐ)."""
    every = a1_range(row, layout.first, row, layout.ck)
    count = layout.tx + 2
    d, cd = Comment.D.value, Comment.CD.value
    return f'=IF(COUNTA({every})<{count},"",IF(COUNTIF({every},"{d}")={count},"{d}","{cd}"))'


def score_sheet_name(assignment: Assignment, semester: int) -> str:
    """``6A1_TOAN_HK1.xlsx``."""
    return f"{assignment.class_code}_{assignment.subject_code}_HK{semester}.xlsx"


def _exempt(setup: Setup, class_code: str, subject: Subject) -> dict[str, str]:
    """Student code → reason, for students exempt from the whole subject."""
    return {
        e.student_code: e.reason
        for s in setup.students_of(class_code)
        for e in setup.exemptions_of(s.code)
        if e.subject_code == subject.code and e.scope is ExemptionScope.WHOLE
    }


def score_identity(setup: Setup, assignment: Assignment, semester: int) -> Identity:
    """The (unsigned) identity of the score sheet for ``assignment``; it fixes the layout too."""
    room = setup.class_by_code(assignment.class_code)
    subject = setup.subject(room.grade, assignment.subject_code)
    students = setup.students_of(room.code)
    exempt = _exempt(setup, room.code, subject)
    layout = ScoreLayout(subject.tx_count)
    open_rows = [FIRST_ROW + i for i, s in enumerate(students) if s.code not in exempt]
    inputs = tuple(a1_range(a, layout.first, b, layout.note) for a, b in row_blocks(open_rows))
    return Identity(
        kind="score",
        template_id=str(uuid.uuid4()),
        school_code=setup.school.code,
        school_year=setup.school.school_year,
        semester=semester,
        teacher_code=assignment.teacher_code,
        sheet=SCORE_SHEET,
        class_code=room.code,
        subject_code=subject.code,
        students=tuple((s.code, s.full_name) for s in students),
        columns=tuple(subject.columns),
        inputs=inputs,
        exempt=tuple(s.code for s in students if s.code in exempt),
    )


class ScoreKind(SheetKind):
    level = "secondary"
    kind = "score"
    sheet = SCORE_SHEET
    in_master = False  # the master shows subjects in blocks with their averages
    deadlines = True

    def plans(self, setup: Setup, semester: int, teacher_code: str) -> list[Plan]:
        assignments = sorted(  # a primary class has its own sheets (kinds.primary)
            (a for a in setup.assignments_of(teacher_code) if not setup.is_primary(a.class_code)),
            key=lambda a: (a.class_code, a.subject_code),
        )
        return [
            Plan(
                self.kind,
                teacher_code,
                score_sheet_name(a, semester),
                partial(score_identity, setup, a, semester),
            )
            for a in assignments
        ]

    def subject(self, setup: Setup, identity: Identity) -> Subject | None:
        room = setup.find_class(identity.class_code)
        return setup.find_subject(room.grade, identity.subject_code) if room else None

    def layout(self, setup: Setup, identity: Identity) -> Layout:
        subject = self.subject(setup, identity)
        scored = subject is None or subject.mode is AssessmentMode.SCORE
        positions = ScoreLayout(len(identity.columns) - 2)  # as issued: TX1..TXn, GK, CK
        formula = average_formula if scored else result_formula
        value = SCORE if scored else COMMENT
        return Layout(
            (
                *(Column(c, c, value) for c in identity.columns),
                Column(
                    "result",
                    AVERAGE_HEADER if scored else RESULT_HEADER,
                    formula=partial(_formula, formula, positions),
                    stored=False,
                    width=9,
                ),
                Column(NOTE_KEY, NOTE_HEADER, note_type(), corrected=False),
            ),
            exempt_mark=EXEMPT_MARK,
        )

    def header(self, setup: Setup, identity: Identity) -> Header:
        room = setup.class_by_code(identity.class_code)
        subject = setup.subject(room.grade, identity.subject_code)
        teacher = setup.teacher_by_code(identity.teacher_code)
        scored = subject.mode is AssessmentMode.SCORE
        tx = f"{subject.tx_count} cột TX, GK, CK"
        kind = f"điểm số ({tx})" if scored else f"nhận xét Đ/CĐ ({tx})"
        return Header(
            title=f"BẢNG ĐIỂM MÔN {subject.name.upper()} — LỚP {room.code}",
            lines=[
                (f"Trường: {setup.school.name}", f"Năm học: {setup.school.school_year}"),
                (f"Lớp: {room.code} (khối {room.grade})", SEMESTER_NAMES[identity.semester]),
                (f"Môn học: {subject.name}", f"Giáo viên: {teacher.full_name} ({teacher.code})"),
                (f"Số tiết/năm: {subject.periods_per_year}", f"Hình thức đánh giá: {kind}"),
            ],
            help=(SCORE if scored else COMMENT).help,
        )

    def fill_problem(self, setup: Setup, identity: Identity) -> tuple[str, dict[str, Any]] | None:
        return not_assigned(setup, identity)

    def row_notes(self, setup: Setup, identity: Identity) -> dict[str, RowNote]:
        notes: dict[str, RowNote] = {}
        for code in identity.student_codes:
            for e in setup.exemptions_of(code):
                if e.subject_code != identity.subject_code:
                    continue
                if e.scope is ExemptionScope.WHOLE:
                    text = f"Miễn môn học: {e.reason}" if e.reason else "Miễn môn học"
                    notes[code] = RowNote(comment=text, exempt_text=text)
                else:
                    note = "Miễn phần thực hành (đánh giá phần lí thuyết)"
                    notes[code] = RowNote(comment=f"{note}: {e.reason}" if e.reason else note)
                break
        return notes


def not_assigned(setup: Setup, identity: Identity) -> tuple[str, dict[str, Any]] | None:
    """``not-assigned`` when the sheet's teacher does not teach its subject in its class."""
    i = identity
    if setup.is_assigned(i.teacher_code, i.class_code, i.subject_code):
        return None
    values = {"teacher": i.teacher_code, "subject": i.subject_code, "class_code": i.class_code}
    return "not-assigned", values


def _formula(build: Callable[[int, ScoreLayout], str], positions: ScoreLayout, row: int) -> str:
    return build(row, positions)
