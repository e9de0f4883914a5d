"""The Circular 27 sheets of a primary class (grades 1–5), one per assessment point.

- The subject teacher's sheet, one class × subject × point: the level T/H/C, the periodic test
  score (an integer 0–10, and a re-test) only where a test exists for that grade and point, and
  a comment.
- The homeroom teacher's sheet, one class × point: the 5 qualities and 10 competences (T/Đ/C)
  and a comment on each group.

A semester has two points, the middle (``GK``) and the end (``CK``); the second semester's end is
the end of the year. Their values share the semester's ledger key and are told apart by the
column's suffix: ``MUC_GK``, ``KT_CK``, ``YEU_NUOC_CK`` (:func:`column`). A sheet speaks only for
its own columns. The official test score is the re-test (``KTL``) when there is one, else ``KT``
(:func:`official_score`).

The homeroom teacher's year-end sheet also carries the «Học sinh Tiêu biểu» flag (``TIEU_BIEU_CK``,
«Có» or blank), the teacher's proposal :func:`~workbook_engine.rules.primary.primary_award` reads.
Across a row's valid values (:meth:`value_problems`): a flag on a pupil the row's own qualities
and competences keep below Hoàn thành tốt is refused; where the school asks for it
(``SchoolInfo.primary_level_score_warning``), a level its official test score contradicts is a
warning.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from workbook_engine.io.identity import Identity
from workbook_engine.io.kinds.base import CellError, Column, Layout, Plan, SheetKind, ValueType
from workbook_engine.io.kinds.score import not_assigned
from workbook_engine.io.kinds.values import choice_parser, note_type
from workbook_engine.io.sheet_base import (
    FIRST_ROW,
    ROSTER_WIDTH,
    SEMESTER_NAMES,
    Header,
    a1_range,
)
from workbook_engine.model import SUMMER, Assignment, Setup, SheetKey, SummerList
from workbook_engine.rules.primary import (
    COMPETENCES,
    EXEMPLARY_NOT_GOOD,
    QUALITIES,
    TRAITS,
    AssessmentPoint,
    PrimaryError,
    QualityLevel,
    SubjectLevel,
    level_score_warning,
    parse_quality_level,
    parse_subject_level,
    parse_test_score,
    test_required,
)

SUBJECT_SHEET = "Đánh giá môn học"
TRAITS_SHEET = "Phẩm chất năng lực"
TRAITS_CODE = "PCNL"  # the ledger's subject code of the homeroom teacher's sheet
MIDDLE, END = "GK", "CK"
POINTS = {  # (semester, GK|CK) → the point
    (1, MIDDLE): AssessmentPoint.MID_1,
    (1, END): AssessmentPoint.END_1,
    (2, MIDDLE): AssessmentPoint.MID_2,
    (2, END): AssessmentPoint.YEAR_END,
}
LEVEL_KEY, TEST_KEY, RETEST_KEY, NOTE_KEY = "MUC", "KT", "KTL", "NX"
QUALITY_NOTE, COMPETENCE_NOTE = "NXPC", "NXNL"
EXEMPLARY_KEY = "TIEU_BIEU"  # the homeroom teacher's «Học sinh Tiêu biểu» flag, year end only
EXEMPLARY_YES, EXEMPLARY_NO = "Có", "Không"
LEVEL_SCORE_MISMATCH = "primary-level-score-mismatch"
# (catalogue code, pupil, column key, message values) of a problem across a row's values
RowProblem = tuple[str, str, str, dict[str, object]]


def column(key: str, point: str) -> str:
    """The ledger's column of ``key`` at the semester's ``point``: ``MUC_GK``, ``KT_CK``."""
    return f"{key}_{point}"


def official_score(values: Mapping[str, str], point: str) -> str | None:
    """The test score that counts at ``point``: the re-test when there is one."""
    return values.get(column(RETEST_KEY, point)) or values.get(column(TEST_KEY, point))


# --- the value types ---------------------------------------------------------------------------


def _primary(parse: Any, text: str) -> Any:
    try:
        value = parse(text)
    except PrimaryError as exc:
        raise CellError(exc.code, value=text) from exc
    assert value is not None  # blank cells are never parsed
    return value


def _subject_level(text: str) -> str:
    return str(_primary(parse_subject_level, text).name)


def _quality_level(text: str) -> str:
    return str(_primary(parse_quality_level, text).letter)


def _test_score(text: str) -> str:
    return str(_primary(parse_test_score, text))


def _score_rule(top_left: str) -> str:
    c = top_left
    return f"AND(ISNUMBER({c}),{c}>=0,{c}<=10,INT({c})={c})"


SUBJECT_LEVEL = ValueType(
    "primary-subject-level", _subject_level,
    "Chọn T (Hoàn thành tốt), H (Hoàn thành) hoặc C (Chưa hoàn thành). Để trống nếu chưa đánh giá.",
    "Mức T, H hoặc C", choices=tuple(level.name for level in SubjectLevel), width=6,
)  # fmt: skip
QUALITY_LEVEL = ValueType(
    "primary-quality-level", _quality_level,
    "Chọn T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng). Để trống nếu chưa đánh giá.",
    "Mức T, Đ hoặc C", choices=tuple(level.letter for level in QualityLevel), width=6,
)  # fmt: skip
TEST_SCORE = ValueType(
    "primary-test-score", _test_score,
    "Điểm bài kiểm tra định kì: số nguyên từ 0 đến 10, không có phần thập phân. Cột «KT lại»: "
    "điểm lần kiểm tra lại (nếu có), là điểm được ghi vào học bạ.",
    "Điểm KT (0–10)", excel_rule=_score_rule, number_format="0", width=6,
)  # fmt: skip
EXEMPLARY = ValueType(
    "primary-exemplary",
    choice_parser("primary-exemplary-invalid", (EXEMPLARY_YES, EXEMPLARY_NO)),
    "Chọn «Có» để đề nghị khen thưởng «Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn "
    "luyện» (học sinh Hoàn thành tốt có môn học nổi trội hoặc tiến bộ rõ về phẩm chất, năng "
    "lực). Để trống nếu không đề nghị.",
    "Học sinh Tiêu biểu", choices=(EXEMPLARY_YES, EXEMPLARY_NO), width=11,
    highlight_blanks=False,
)  # fmt: skip


# --- the subject teacher's sheet ----------------------------------------------------------------


def subject_sheet_name(assignment: Assignment, semester: int, point: str) -> str:
    """``3A1_TOAN_GK1.xlsx`` (the middle of semester 1), ``3A1_TOAN_CK2.xlsx`` (the year's end)."""
    return f"{assignment.class_code}_{assignment.subject_code}_{point}{semester}.xlsx"


def subject_columns(grade: int, subject_code: str, semester: int, point: str) -> tuple[str, ...]:
    """The ledger columns of a subject sheet: level, test, the re-test where a test exists,
    comment. Without a test, the test column is issued grey and closed (:func:`tested`)."""
    tested = test_required(grade, subject_code, POINTS[semester, point])
    keys = (
        (LEVEL_KEY, TEST_KEY, RETEST_KEY, NOTE_KEY) if tested else (LEVEL_KEY, TEST_KEY, NOTE_KEY)
    )
    return tuple(column(key, point) for key in keys)


def tested(identity: Identity) -> bool:
    """Whether the sheet as issued has a test at its point (its re-test column says so)."""
    return column(RETEST_KEY, identity.period) in identity.columns


def _inputs(setup: Setup, class_code: str, width: int) -> tuple[str, ...]:
    last = FIRST_ROW + len(setup.students_of(class_code)) - 1
    if last < FIRST_ROW:
        return ()
    return (a1_range(FIRST_ROW, ROSTER_WIDTH, last, ROSTER_WIDTH + width - 1),)


def _identity(
    setup: Setup, kind: str, sheet: str, teacher: str, class_code: str, subject_code: str,
    semester: int, point: str, columns: tuple[str, ...],
) -> Identity:  # fmt: skip
    students = setup.students_of(class_code)
    return Identity(
        kind=kind,
        template_id=str(uuid.uuid4()),
        school_code=setup.school.code,
        school_year=setup.school.school_year,
        semester=semester,
        teacher_code=teacher,
        sheet=sheet,
        class_code=class_code,
        subject_code=subject_code,
        students=tuple((s.code, s.full_name) for s in students),
        columns=columns,
        inputs=_inputs(setup, class_code, len(columns)),
        period=point,
    )


def subject_identity(setup: Setup, assignment: Assignment, semester: int, point: str) -> Identity:
    room = setup.class_by_code(assignment.class_code)
    columns = subject_columns(room.grade, assignment.subject_code, semester, point)
    return _identity(setup, PrimarySubjectKind.kind, SUBJECT_SHEET, assignment.teacher_code,
                     room.code, assignment.subject_code, semester, point, columns)  # fmt: skip


def _titles(point: str) -> dict[str, tuple[str, ValueType, bool]]:
    """Column key → (heading, value type, corrected) of a subject sheet's columns."""
    return {
        column(LEVEL_KEY, point): ("Mức đạt được", SUBJECT_LEVEL, True),
        column(TEST_KEY, point): ("Điểm KT", TEST_SCORE, True),
        column(RETEST_KEY, point): ("KT lại", TEST_SCORE, True),
        column(NOTE_KEY, point): ("Nhận xét", note_type(), False),
    }


def _header(setup: Setup, identity: Identity, title: str, who: str, help_text: str) -> Header:
    room = setup.class_by_code(identity.class_code)
    teacher = setup.teacher_by_code(identity.teacher_code)
    point = POINTS[identity.semester, identity.period]
    return Header(
        title=title,
        lines=[
            (f"Trường: {setup.school.name}", f"Năm học: {setup.school.school_year}"),
            (f"Lớp: {room.code} (khối {room.grade})", f"Thời điểm: {point.value}"),
            (f"{who}: {teacher.full_name} ({teacher.code})", SEMESTER_NAMES[identity.semester]),
        ],
        help=help_text,
    )


class PrimarySubjectKind(SheetKind):
    kind = "primary-subject"
    sheet = SUBJECT_SHEET
    level = "primary"
    in_master = True  # a block per subject and semester: level and tests at both points
    title = "Môn học"
    deadlines = False  # Circular 22's TX/GK/CK entry windows do not apply

    def master_keys(self, setup: Setup, class_code: str) -> list[tuple[str, SheetKey]]:
        room = setup.class_by_code(class_code)
        return [
            (f"{subject.name} – {SEMESTER_NAMES[s.number]}",
             SheetKey(class_code, subject.code, s.number))
            for subject in setup.subjects_of_grade(room.grade)
            for s in sorted(setup.semesters, key=lambda s: s.number)
        ]  # fmt: skip

    def master_columns(self, setup: Setup, class_code: str) -> list[Column]:
        titles = {LEVEL_KEY: "Mức", TEST_KEY: "KT", RETEST_KEY: "KT lại"}
        return [
            Column(column(key, point), f"{titles[key]} {point}", None)
            for point in (MIDDLE, END)
            for key in (LEVEL_KEY, TEST_KEY, RETEST_KEY)
        ]

    def key_title(self, subject_code: str) -> str | None:
        return None  # its keys are subjects: named by the setup

    def plans(self, setup: Setup, semester: int, teacher_code: str) -> list[Plan]:
        assignments = sorted(
            (a for a in setup.assignments_of(teacher_code) if setup.is_primary(a.class_code)),
            key=lambda a: (a.class_code, a.subject_code),
        )
        return [
            Plan(self.kind, teacher_code, subject_sheet_name(a, semester, point),
                 partial(subject_identity, setup, a, semester, point))
            for a in assignments
            for point in (MIDDLE, END)
        ]  # fmt: skip

    def layout(self, setup: Setup, identity: Identity) -> Layout:
        titles = _titles(identity.period)
        closed = "" if tested(identity) else column(TEST_KEY, identity.period)
        return Layout(
            tuple(
                Column(key, titles[key][0], titles[key][1], corrected=titles[key][2])
                if key != closed
                else Column(key, "Không KT", titles[key][1], stored=False, open=False,
                            closed="primary-no-test")
                for key in identity.columns
            )
        )  # fmt: skip

    def header(self, setup: Setup, identity: Identity) -> Header:
        room = setup.class_by_code(identity.class_code)
        subject = setup.subject(room.grade, identity.subject_code)
        point = POINTS[identity.semester, identity.period]
        help_text = SUBJECT_LEVEL.help + (
            " " + TEST_SCORE.help
            if tested(identity)
            else " Môn này không có bài kiểm tra định kì ở thời điểm này (cột xám)."
        )
        title = f"ĐÁNH GIÁ MÔN {subject.name.upper()} — LỚP {room.code} — {point.value.upper()}"
        return _header(setup, identity, title, "Giáo viên", help_text)

    def fill_problem(self, setup: Setup, identity: Identity) -> tuple[str, dict[str, Any]] | None:
        return not_assigned(setup, identity)

    def value_problems(
        self, setup: Setup, identity: Identity, values: Mapping[tuple[str, str], str]
    ) -> Iterator[RowProblem]:
        """Where the school asks for it, a warning on the level of each row whose level and
        official test score look inconsistent (:func:`level_score_warning`); never a refusal."""
        if not setup.school.primary_level_score_warning or not tested(identity):
            return
        point = identity.period
        level_key = column(LEVEL_KEY, point)
        for pupil in identity.student_codes:
            level = values.get((pupil, level_key))
            score = values.get((pupil, column(RETEST_KEY, point))) or values.get(
                (pupil, column(TEST_KEY, point))
            )
            if level is None or score is None:
                continue
            warning = level_score_warning(SubjectLevel[level], int(score))
            if warning is not None:
                yield LEVEL_SCORE_MISMATCH, pupil, level_key, {"value": level, "detail": warning}


# --- the homeroom teacher's sheet ---------------------------------------------------------------


def traits_sheet_name(class_code: str, semester: int, point: str) -> str:
    """``3A1_PCNL_GK1.xlsx``."""
    return f"{class_code}_{TRAITS_CODE}_{point}{semester}.xlsx"


def traits_columns(point: str, semester: int = 1) -> tuple[str, ...]:
    """The 5 qualities, their comment, the 10 competences, their comment; at the year's end,
    the «Học sinh Tiêu biểu» flag last."""
    flag = (column(EXEMPLARY_KEY, point),) if (semester, point) == (2, END) else ()
    return (
        *(column(t.code, point) for t in QUALITIES),
        column(QUALITY_NOTE, point),
        *(column(t.code, point) for t in COMPETENCES),
        column(COMPETENCE_NOTE, point),
        *flag,
    )


def traits_identity(setup: Setup, class_code: str, semester: int, point: str) -> Identity:
    room = setup.class_by_code(class_code)
    return _identity(setup, PrimaryTraitsKind.kind, TRAITS_SHEET, room.homeroom_teacher,
                     class_code, "", semester, point, traits_columns(point, semester))  # fmt: skip


class PrimaryTraitsKind(SheetKind):
    kind = "primary-traits"
    sheet = TRAITS_SHEET
    level = "primary"
    ledger_code = TRAITS_CODE
    title = "Phẩm chất, năng lực"
    in_master = True

    def master_columns(self, setup: Setup, class_code: str) -> list[Column]:
        """The traits at both points, then the year end's «Tiêu biểu» flag (blank in HKI)."""
        return [
            *(
                Column(column(t.code, point), f"{t.name} {point}", QUALITY_LEVEL)
                for point in (MIDDLE, END)
                for t in TRAITS
            ),
            Column(column(EXEMPLARY_KEY, END), "Tiêu biểu", EXEMPLARY),
        ]

    def plans(self, setup: Setup, semester: int, teacher_code: str) -> list[Plan]:
        rooms = sorted(
            r.code for r in setup.classes if r.homeroom_teacher == teacher_code and r.primary
        )
        return [
            Plan(self.kind, teacher_code, traits_sheet_name(code, semester, point),
                 partial(traits_identity, setup, code, semester, point))
            for code in rooms
            for point in (MIDDLE, END)
        ]  # fmt: skip

    def layout(self, setup: Setup, identity: Identity) -> Layout:
        point = identity.period
        names = {column(t.code, point): t.name for t in TRAITS}
        notes = {
            column(QUALITY_NOTE, point): "Nhận xét phẩm chất",
            column(COMPETENCE_NOTE, point): "Nhận xét năng lực",
        }
        flag = column(EXEMPLARY_KEY, point)
        return Layout(
            tuple(
                Column(key, names[key], QUALITY_LEVEL)
                if key in names
                else Column(key, "Học sinh Tiêu biểu", EXEMPLARY)
                if key == flag
                else Column(key, notes[key], note_type(), width=30, corrected=False)
                for key in identity.columns
            )
        )

    def value_problems(
        self, setup: Setup, identity: Identity, values: Mapping[tuple[str, str], str]
    ) -> Iterator[RowProblem]:
        """A «Học sinh Tiêu biểu» flag on a pupil whose own qualities and competences on the
        row already rule out Hoàn thành tốt (one not Tốt): refused, as :func:`primary_award`
        refuses it below HTT. A flag the subjects rule out is only known from the ledger
        (:mod:`workbook_engine.primary_results` says so in the class's summary)."""
        point = identity.period
        flag = column(EXEMPLARY_KEY, point)
        if flag not in identity.columns:
            return
        for pupil in identity.student_codes:
            if values.get((pupil, flag)) != EXEMPLARY_YES:
                continue
            below = [
                f"mức {t.name} là {level.value} ({level.letter})"
                for t in TRAITS
                if (level := parse_quality_level(values.get((pupil, column(t.code, point)))))
                not in (None, QualityLevel.T)
            ]
            if below:
                yield (
                    EXEMPLARY_NOT_GOOD,
                    pupil,
                    flag,
                    {"student": pupil, "detail": ", ".join(below)},
                )

    def header(self, setup: Setup, identity: Identity) -> Header:
        point = POINTS[identity.semester, identity.period]
        title = f"ĐÁNH GIÁ PHẨM CHẤT, NĂNG LỰC — LỚP {identity.class_code} — {point.value.upper()}"
        return _header(setup, identity, title, "Giáo viên chủ nhiệm", QUALITY_LEVEL.help)

    def ledger_key(self, identity: Identity) -> SheetKey:
        return SheetKey(identity.class_code, TRAITS_CODE, identity.semester)


# --- after the year: the supplementary assessment of a pupil who did not complete it --------------

SUPPLEMENTARY_SHEET = "Đánh giá bổ sung"
SUPPLEMENTARY_CODE = "BOSUNG"  # the ledger's subject code, semester SUMMER
SUPPLEMENTARY_KEY, SUPPLEMENTARY_NOTE = "KQ_BS", "NX_BS"
SUPPLEMENTARY_CHOICES = ("Hoàn thành", "Chưa hoàn thành")
SUPPLEMENTARY = ValueType(
    "primary-supplementary",
    choice_parser("primary-supplementary-invalid", SUPPLEMENTARY_CHOICES),
    "Sau thời gian giúp đỡ, ghi kết quả đánh giá bổ sung: «Hoàn thành» (học sinh hoàn thành "
    "chương trình lớp học) hoặc «Chưa hoàn thành» (Hiệu trưởng xem xét, quyết định).",
    "Kết quả đánh giá bổ sung", choices=SUPPLEMENTARY_CHOICES, width=18,
)  # fmt: skip


def supplementary_sheet_name(class_code: str) -> str:
    """``3A1_DanhGiaBoSung.xlsx``."""
    return f"{class_code}_DanhGiaBoSung.xlsx"


def supplementary_identity(setup: Setup, summer: SummerList, class_code: str) -> Identity:
    """The homeroom teacher's sheet of the pupils ``summer`` lists for the class."""
    concerned = set(summer.supplementary.get(class_code, ()))
    pupils = [s for s in setup.students_of(class_code) if s.code in concerned]
    identity = _identity(setup, PrimarySupplementaryKind.kind, SUPPLEMENTARY_SHEET,
                         setup.class_by_code(class_code).homeroom_teacher, class_code, "",
                         SUMMER, "", (SUPPLEMENTARY_KEY, SUPPLEMENTARY_NOTE))  # fmt: skip
    last = FIRST_ROW + len(pupils) - 1
    inputs = (a1_range(FIRST_ROW, ROSTER_WIDTH, last, ROSTER_WIDTH + 1),) if pupils else ()
    return replace(identity, students=tuple((s.code, s.full_name) for s in pupils), inputs=inputs)


class PrimarySupplementaryKind(SheetKind):
    """After the year, for a pupil whose approved result is Chưa hoàn thành: the homeroom
    teacher's supplementary assessment (DOMAIN: support, then a supplementary assessment, then
    the principal decides for a pupil still not completing the grade)."""

    kind = "primary-supplementary"
    sheet = SUPPLEMENTARY_SHEET
    level = "primary"
    ledger_code = SUPPLEMENTARY_CODE
    deadlines = True  # due by the end of the calendar's summer window (deadlines.is_late)
    title = "Đánh giá bổ sung"

    def plans(self, setup: Setup, semester: int, teacher_code: str) -> list[Plan]:
        return []  # issued for the summer only, from the approved year

    def summer_plans(self, setup: Setup, summer: SummerList, teacher_code: str) -> list[Plan]:
        return [
            Plan(self.kind, teacher_code, supplementary_sheet_name(room.code),
                 partial(supplementary_identity, setup, summer, room.code))
            for room in sorted(setup.classes, key=lambda r: r.code)
            if room.homeroom_teacher == teacher_code and summer.supplementary.get(room.code)
        ]  # fmt: skip

    def layout(self, setup: Setup, identity: Identity) -> Layout:
        return Layout(
            (
                Column(SUPPLEMENTARY_KEY, "Kết quả đánh giá bổ sung", SUPPLEMENTARY),
                Column(SUPPLEMENTARY_NOTE, "Nhận xét", note_type(), width=50, corrected=False),
            )
        )

    def header(self, setup: Setup, identity: Identity) -> Header:
        room = setup.class_by_code(identity.class_code)
        teacher = setup.teacher_by_code(identity.teacher_code)
        return Header(
            title=f"ĐÁNH GIÁ BỔ SUNG — LỚP {room.code}",
            lines=[
                (f"Trường: {setup.school.name}", f"Năm học: {setup.school.school_year}"),
                (f"Lớp: {room.code} (khối {room.grade})", "Sau cuối năm học"),
                (f"Giáo viên chủ nhiệm: {teacher.full_name} ({teacher.code})", ""),
            ],
            help=SUPPLEMENTARY.help,
            right_col=ROSTER_WIDTH + 1,
        )
