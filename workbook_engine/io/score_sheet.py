"""The score sheet a subject teacher fills: one class, one subject, one semester.

Layout (rows 1-based): header block in rows 1–6, column headings in row 7, one row per student
from row 8: STT, Mã học sinh, Họ và tên, TX1..TXn, GK, CK, ĐTBmhk (or Kết quả), Nhận xét.
Only the assessment and comment cells of students not exempt from the subject are unlocked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlsxwriter.worksheet import Worksheet

from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.identity import Identity, sign
from workbook_engine.io.sheet_base import (
    FIRST_ROW,
    HEADER_ROW,
    ROSTER_WIDTH,
    SEMESTER_NAMES,
    Formats,
    Header,
    a1,
    a1_range,
    admin_password,
    finish,
    highlight,
    new_book,
    row_blocks,
    validate,
    write_header,
    write_headings,
    write_roster,
)
from workbook_engine.model import Assignment, ExemptionScope, Setup, Student, Subject
from workbook_engine.rules import AssessmentMode, Comment

SCORE_SHEET = "Bảng điểm"
AVERAGE_HEADER = "ĐTBmhk"
RESULT_HEADER = "Kết quả"
NOTE_HEADER = "Nhận xét"
EXEMPT_MARK = "Miễn"
SCORE_HELP = (
    "Nhập điểm từ 0 đến 10, số nguyên hoặc một chữ số thập phân (ví dụ 8,5). "
    "Để trống nếu chưa đánh giá; chỉ nhập 0 khi học sinh thực sự bị 0 điểm."
)
COMMENT_HELP = "Chọn Đ (Đạt) hoặc CĐ (Chưa đạt). Để trống nếu chưa đánh giá."


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


def score_rule(top_left: str) -> str:
    """A score: a number from 0 to 10 with at most one decimal."""
    c = top_left
    return f"AND(ISNUMBER({c}),{c}>=0,{c}<=10,ROUND({c},1)={c})"


def comment_rule(top_left: str) -> str:
    return f'OR({top_left}="{Comment.D.value}",{top_left}="{Comment.CD.value}")'


def score_sheet_name(assignment: Assignment, semester: int) -> str:
    """``6A1_TOAN_HK1.xlsx``."""
    return f"{assignment.class_code}_{assignment.subject_code}_HK{semester}.xlsx"


def score_identity(setup: Setup, assignment: Assignment, semester: int) -> Identity:
    """The (unsigned) identity of the score sheet for ``assignment``; it fixes the layout too."""
    room = setup.class_by_code(assignment.class_code)
    subject = setup.subject(room.grade, assignment.subject_code)
    students = setup.students_of(room.code)
    exempt = _exempt(setup, students, subject)
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


def write_score_sheet(
    path: Path, setup: Setup, assignment: Assignment, semester: int, secret: bytes
) -> Identity:
    """Write the blank score sheet of ``assignment`` to ``path`` (atomically); its identity."""
    identity = sign(score_identity(setup, assignment, semester), secret)
    room = setup.class_by_code(assignment.class_code)
    subject = setup.subject(room.grade, assignment.subject_code)
    students = setup.students_of(room.code)
    teacher = setup.teacher_by_code(assignment.teacher_code)
    layout = ScoreLayout(subject.tx_count)
    scored = subject.mode is AssessmentMode.SCORE
    with atomic_path(Path(path)) as tmp:
        book, fmt = new_book(tmp, f"Bảng điểm {subject.name} lớp {room.code}")
        ws = book.add_worksheet(SCORE_SHEET)
        kind = (
            f"điểm số ({subject.tx_count} cột TX, GK, CK)"
            if scored
            else f"nhận xét Đ/CĐ ({subject.tx_count} cột TX, GK, CK)"
        )
        header = Header(
            title=f"BẢNG ĐIỂM MÔN {subject.name.upper()} — LỚP {room.code}",
            lines=[
                (f"Trường: {setup.school.name}", f"Năm học: {setup.school.school_year}"),
                (f"Lớp: {room.code} (khối {room.grade})", SEMESTER_NAMES[semester]),
                (f"Môn học: {subject.name}", f"Giáo viên: {teacher.full_name} ({teacher.code})"),
                (f"Số tiết/năm: {subject.periods_per_year}", f"Hình thức đánh giá: {kind}"),
            ],
            help=SCORE_HELP if scored else COMMENT_HELP,
        )
        write_header(ws, fmt, header, layout.first)
        write_roster(ws, fmt, students)
        result_title = AVERAGE_HEADER if scored else RESULT_HEADER
        write_headings(ws, fmt, layout.first, [*subject.columns, result_title, NOTE_HEADER])
        ws.set_column(layout.first, layout.ck, 7)
        ws.set_column(layout.result, layout.result, 9)
        ws.set_column(layout.note, layout.note, 36)
        ws.set_row(HEADER_ROW, 30)
        _write_rows(ws, fmt, setup, students, subject, layout)
        last_row = FIRST_ROW + len(students) - 1
        _add_checks(ws, fmt, identity, layout, scored, last_row)
        finish(book, ws, identity, admin_password(secret), last_row, layout.note)
    return identity


def _exempt(setup: Setup, students: list[Student], subject: Subject) -> dict[str, str]:
    """Student code → reason, for students exempt from the whole subject."""
    return {
        e.student_code: e.reason
        for s in students
        for e in setup.exemptions_of(s.code)
        if e.subject_code == subject.code and e.scope is ExemptionScope.WHOLE
    }


def _write_rows(
    ws: Worksheet,
    fmt: Formats,
    setup: Setup,
    students: list[Student],
    subject: Subject,
    layout: ScoreLayout,
) -> None:
    scored = subject.mode is AssessmentMode.SCORE
    entry = fmt.score if scored else fmt.choice
    for i, student in enumerate(students):
        row = FIRST_ROW + i
        exemption = next(
            (e for e in setup.exemptions_of(student.code) if e.subject_code == subject.code), None
        )
        if exemption is not None and exemption.scope is ExemptionScope.WHOLE:
            for col in range(layout.first, layout.result):
                ws.write_blank(row, col, None, fmt.blocked)
            ws.write_string(row, layout.result, EXEMPT_MARK, fmt.blocked)
            ws.write_string(row, layout.note, _exempt_note(exemption.reason), fmt.blocked)
            ws.write_comment(row, 2, _exempt_note(exemption.reason))
            continue
        for col in range(layout.first, layout.result):
            ws.write_blank(row, col, None, entry)
        formula = average_formula(row, layout) if scored else result_formula(row, layout)
        ws.write_formula(row, layout.result, formula, fmt.computed, "")
        ws.write_blank(row, layout.note, None, fmt.text)
        if exemption is not None:
            note = "Miễn phần thực hành (đánh giá phần lí thuyết)"
            ws.write_comment(row, 2, f"{note}: {exemption.reason}" if exemption.reason else note)


def _exempt_note(reason: str) -> str:
    return f"Miễn môn học: {reason}" if reason else "Miễn môn học"


def _add_checks(
    ws: Worksheet, fmt: Formats, identity: Identity, layout: ScoreLayout, scored: bool, last: int
) -> None:
    if last < FIRST_ROW:
        return
    top = a1(FIRST_ROW, layout.first)
    cells = (FIRST_ROW, layout.first, last, layout.ck)
    rule: dict[str, Any]
    if scored:
        rule = {"validate": "custom", "value": f"={score_rule(top)}"}
        validate(ws, cells, rule, "Điểm (0–10)", SCORE_HELP)
    else:
        rule = {"validate": "list", "source": [Comment.D.value, Comment.CD.value]}
        validate(ws, cells, rule, "Đ hoặc CĐ", COMMENT_HELP)
    validate(
        ws,
        (FIRST_ROW, layout.note, last, layout.note),
        {"validate": "length", "criteria": "<=", "value": 500},
        NOTE_HEADER,
        "Nhận xét ngắn gọn về học sinh (không bắt buộc, tối đa 500 kí tự).",
    )
    exempt = set(identity.exempt)
    open_rows = [FIRST_ROW + i for i, c in enumerate(identity.student_codes) if c not in exempt]
    for a, b in row_blocks(open_rows):
        corner = a1(a, layout.first)
        bad = score_rule(corner) if scored else comment_rule(corner)
        highlight(ws, fmt, (a, layout.first, b, layout.ck), f'=AND({corner}<>"",NOT({bad}))')
