"""The acceptance test of the year's results: after the demo, the master (``outbox/lop/``) shows a
computed result for every student, and every one of them is recomputed here from the cells of
that same workbook with the rules module alone (never through ``workbook_engine.results``).

Per class sheet and student: each subject block's TX/GK/CK (or Đ/CĐ) of each semester give the
semester and year averages and results (a wholly exempt subject shows «Miễn» and is left out),
hence the learning levels of HKI, HKII and the year; the «Rèn luyện» block's KQRL the conduct
levels; the attendance blocks' P and K per month the absences (P of a month flagged as
confirmed late, «10/2025 (muộn)», counted as K); with them the year's proposal
(re-exam subjects named), the award, and for a student sent to the summer the re-exam results
and the conduct after training shown in the «Tổng hợp» block give the learning level after the
re-exams and the final outcome. Whether or not the summer's results are in, the comparison
holds: a summer input not shown leaves the final outcome blank.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.helpers import master_values
from workbook_engine.demo.run import RESULTS_DAY, DemoResult
from workbook_engine.io.kinds.homeroom import ConductKind
from workbook_engine.io.master_workbook import (
    EXEMPT,
    HEADER_ROWS,
    LATE_MONTH,
    SUMMARY_SHEET,
    SUMMARY_TITLE,
)
from workbook_engine.model import SUMMER, Setup, Subject
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.rules import (
    AssessmentMode,
    Comment,
    Level,
    Outcome,
    apply_re_exam,
    award,
    format_tenths,
    learning_level,
    parse_comment,
    parse_score,
    promotion,
    re_exam_subjects,
    semester_average,
    semester_comment_result,
    year_average,
    year_comment_result,
    year_conduct,
)

pytestmark = pytest.mark.slow

DemoYear = tuple[DataDir, Path, DemoResult]  # the session's ``demo_year`` (tests/conftest.py)
SEMESTERS = ((1, "Học kì I"), (2, "Học kì II"))
YEAR_GROUP = "Cả năm"
CONDUCT_BLOCK = "Rèn luyện"
CONDUCT_CODE = ConductKind.ledger_code  # the conduct's ledger key (the summer's: semester 3)
ATTENDANCE_BLOCK = "Điểm danh "  # «Điểm danh HKI», «Điểm danh HKII»
SUMMER_OUTCOMES = (Outcome.RE_EXAM, Outcome.SUMMER_TRAINING, Outcome.RE_EXAM_AND_TRAINING)
TRAINED = (Outcome.SUMMER_TRAINING, Outcome.RE_EXAM_AND_TRAINING)
RE_EXAMINED = (Outcome.RE_EXAM, Outcome.RE_EXAM_AND_TRAINING)
FINALS = (Outcome.PROMOTED.value, Outcome.RETAINED.value)

# the «Tổng hợp» columns read, by (group, heading)
P, K = ("Số buổi nghỉ", "P"), ("Số buổi nghỉ", "K")
LEARNING = {1: ("Kết quả học tập", "HKI"), 2: ("Kết quả học tập", "HKII")}
CONDUCT = {1: ("Kết quả rèn luyện", "HKI"), 2: ("Kết quả rèn luyện", "HKII")}
LEARNING_YEAR, CONDUCT_YEAR = ("Kết quả học tập", "CN"), ("Kết quả rèn luyện", "CN")
PROPOSAL, AWARD = ("Cuối năm", "Đề nghị"), ("Cuối năm", "Danh hiệu")
RE_EXAM = ("Kì nghỉ hè", "Kiểm tra lại")
LEARNING_AFTER, CONDUCT_AFTER = ("Kì nghỉ hè", "KQHT"), ("Kì nghỉ hè", "KQRL")
FINAL = ("Xét lên lớp", "Sau hè")
MISSING = ("Chưa tính được", "Còn thiếu")
NOTE = ("Phê duyệt", "Ghi chú duyệt")  # only once the class has an approval


@dataclass(frozen=True)
class ClassSheet:
    """One class sheet of the master, its columns named by (block, group, heading) from its
    three header rows (a merged title is read in its first cell and carried to the right)."""

    columns: dict[tuple[str, str, str], int]
    rows: dict[str, list[Any]]  # student code → the row's values

    @classmethod
    def read(cls, rows: Sequence[Sequence[Any]]) -> ClassSheet:
        titles, groups, heads = (rows[HEADER_ROWS - 3 + i] for i in range(3))
        width = max(len(r) for r in rows)
        columns: dict[tuple[str, str, str], int] = {}
        block = group = ""
        for c in range(width):
            title = titles[c] if c < len(titles) else None
            if title:
                block, group = str(title), ""
            if c < len(groups) and groups[c]:
                group = str(groups[c])
            head = heads[c] if c < len(heads) else None
            if block and head:
                key = (block, group, str(head))
                assert key not in columns, key  # each column named once
                columns[key] = c
        students = {str(r[1]): [*r, *[None] * (width - len(r))] for r in rows[HEADER_ROWS:] if r[1]}
        return cls(columns, students)

    def value(self, student: str, block: str, group: str, head: str) -> Any:
        return self.rows[student][self.columns[block, group, head]]

    def summary(self, student: str, column: tuple[str, str]) -> Any:
        if (SUMMARY_TITLE, *column) not in self.columns:
            return None  # the approval column, before any approval
        return self.value(student, SUMMARY_TITLE, *column)

    def attendance(self, student: str) -> tuple[int, int, bool]:
        """The student's absences over every month of both semesters, excused and unexcused (the
        P marks of a month flagged as confirmed late count as unexcused), and whether every month
        is in (its cells filled)."""
        counts = {"P": 0, "K": 0}
        months = 0
        every = True
        for (block, group, head), c in self.columns.items():
            if not block.startswith(ATTENDANCE_BLOCK):
                continue
            value = self.rows[student][c]
            months += head == "P"
            every = every and value is not None
            counted = "K" if group.endswith(LATE_MONTH) else head
            counts[counted] += int(value or 0)
        assert months, "no attendance block"
        return counts["P"], counts["K"], every


@dataclass
class Recomputed:
    """One student's values recomputed from the class sheet."""

    scored: dict[int, dict[str, int | None]]  # semester (0: the year) → subject → tenths
    commented: dict[int, dict[str, Comment | None]]


def _tenths(value: Any) -> int | None:
    """A score cell (a number, or text the teacher typed) in tenths; None when blank."""
    return parse_score(value)


def recompute_subject(sheet: ClassSheet, student: str, subject: Subject, out: Recomputed) -> None:
    """One subject's semesters and year from its block's entered cells, checked against the
    averages (results) the block shows; nothing for a wholly exempt subject."""
    block = f"{subject.name} ({subject.code})"
    first = sheet.value(student, block, "Học kì I", subject.columns[0])
    if first == EXEMPT:
        cells = [sheet.rows[student][c] for key, c in sheet.columns.items() if key[0] == block]
        assert set(cells) == {EXEMPT}, (student, subject.code, cells)
        return
    scored = subject.mode is AssessmentMode.SCORE
    halves: list[Any] = []
    for number, group in SEMESTERS:
        entered = [sheet.value(student, block, group, column) for column in subject.columns]
        tx, gk, ck = entered[:-2], entered[-2], entered[-1]
        shown = sheet.value(student, block, group, "ĐTBmhk" if scored else "KQ")
        if scored:
            average = semester_average(
                [_tenths(v) for v in tx], _tenths(gk), _tenths(ck), subject.tx_count
            )
            assert _tenths(shown) == average, (student, subject.code, number, entered, shown)
            out.scored[number][subject.code] = average
            halves.append(average)
        else:
            comments = [parse_comment(v) for v in entered]
            result = (
                None
                if any(c is None for c in comments)
                else semester_comment_result(
                    comments[:-2], comments[-2], comments[-1], subject.tx_count
                )
            )
            assert parse_comment(shown) == result, (student, subject.code, number, entered)
            out.commented[number][subject.code] = result
            halves.append(result)
    if scored:
        year = year_average(halves[0], halves[1])
        shown = sheet.value(student, block, YEAR_GROUP, "ĐTBmcn")
        assert _tenths(shown) == year, (student, subject.code, halves, shown)
        out.scored[0][subject.code] = year
    else:
        result = year_comment_result(halves[0], halves[1]) if halves[1] is not None else None
        assert parse_comment(sheet.value(student, block, YEAR_GROUP, "KQ CN")) == result
        out.commented[0][subject.code] = result


def shown_level(value: Any) -> Level | None:
    return Level(value) if value else None


def re_exam_cell(text: Any, names: Mapping[str, str]) -> dict[str, str]:
    """«Ngữ văn 3,0; Mĩ thuật Đ» → subject code → the result as written."""
    codes = {name: code for code, name in names.items()}
    out: dict[str, str] = {}
    for item in str(text or "").split("; "):
        if item:
            name, _, result = item.rpartition(" ")
            out[codes[name]] = result
    return out


def expected_proposal(
    outcome: Outcome, re_exam: list[str], names: Mapping[str, str], absences: int, limit: int
) -> str:
    if re_exam:
        return f"{outcome.value}: {', '.join(names[code] for code in re_exam)}"
    if outcome is Outcome.RETAINED and absences > limit:
        return f"{outcome.value}: nghỉ {absences} buổi (quá {limit} buổi)"
    return outcome.value


@dataclass(frozen=True)
class Checked:
    """What was computed for one student: the year, the final outcome; sent to the summer."""

    year: bool = False
    final: bool = False
    summer: bool = False


def check_student(
    setup: Setup,
    sheet: ClassSheet,
    student: str,
    subjects: list[Subject],
    summer_values: Mapping[tuple[str, str], str],
) -> Checked:
    """Recompute one student's results from the sheet and compare with the «Tổng hợp» block.
    ``summer_values`` are the ledger's summer values of the student, (subject or conduct code,
    column) → value, checked against the re-exam and conduct cells the block shows."""
    assert not sheet.summary(student, NOTE), (student, sheet.summary(student, NOTE))  # no drift
    names = {s.code: s.name for s in subjects}
    out = Recomputed({n: {} for n in (0, 1, 2)}, {n: {} for n in (0, 1, 2)})
    for subject in subjects:
        recompute_subject(sheet, student, subject, out)
    for number, group in SEMESTERS:
        level = learning_level(out.scored[number], out.commented[number])
        assert shown_level(sheet.summary(student, LEARNING[number])) == level, (student, number)
        kqrl = shown_level(sheet.value(student, CONDUCT_BLOCK, group, "KQRL"))
        assert shown_level(sheet.summary(student, CONDUCT[number])) == kqrl, (student, number)
    learning = learning_level(out.scored[0], out.commented[0])
    assert shown_level(sheet.summary(student, LEARNING_YEAR)) == learning, student
    first, second = (
        shown_level(sheet.value(student, CONDUCT_BLOCK, g, "KQRL")) for _, g in SEMESTERS
    )
    conduct = year_conduct(first, second) if first and second else None
    assert shown_level(sheet.summary(student, CONDUCT_YEAR)) == conduct, student
    excused, unexcused, months_in = sheet.attendance(student)
    assert [sheet.summary(student, P), sheet.summary(student, K)] == [excused, unexcused]
    absences, limit = excused + unexcused, setup.school.max_absences

    shown = {c: sheet.summary(student, c) for c in (PROPOSAL, AWARD, RE_EXAM, FINAL)}
    learning_shown, conduct_shown = (
        shown_level(sheet.summary(student, c)) for c in (LEARNING_AFTER, CONDUCT_AFTER)
    )
    year_over = max(s.end for s in setup.semesters) < RESULTS_DAY
    if not (year_over and months_in and learning and conduct):
        nothing = [*shown.values(), learning_shown, conduct_shown]
        assert nothing == [None] * 6, (student, nothing)  # nothing computed
        return Checked()
    outcome = promotion(learning, conduct, absences, limit)
    re_exam = re_exam_subjects(out.scored[0], out.commented[0]) if outcome in RE_EXAMINED else []
    assert shown[PROPOSAL] == expected_proposal(outcome, re_exam, names, absences, limit), student
    prize = award(learning, conduct, out.scored[0]) if outcome is Outcome.PROMOTED else None
    assert shown[AWARD] == (prize.value if prize else None), student
    if outcome not in SUMMER_OUTCOMES:  # the final list shows the year's outcome
        assert shown[RE_EXAM] is learning_shown is conduct_shown is None, student
        assert shown[FINAL] == outcome.value, student
        return Checked(year=True, final=True)

    # the summer: the re-exam results shown (the ledger's KTL values, as the books write them)
    by_code = {s.code: s for s in subjects}
    results = re_exam_cell(shown[RE_EXAM], names)
    entered = {code: v for (code, column), v in summer_values.items() if column == "KTL"}
    assert results == {
        code: as_written(by_code[code], entered[code]) for code in re_exam if code in entered
    }, (student, results, entered)
    scores: dict[str, int] = {}
    comments: dict[str, Comment] = {}
    for code, written in results.items():
        if by_code[code].mode is AssessmentMode.SCORE:
            scores[code] = _required(parse_score(written))
        else:
            comments[code] = _required(parse_comment(written))
    # the conduct after training (the ledger's summer KQRL), the year's for a student not trained
    if outcome in TRAINED:
        conduct_after = conduct_shown
        stored = summer_values.get((CONDUCT_CODE, "KQRL"))
        assert conduct_after == (Level(stored) if stored else None), student
    else:
        assert conduct_shown is None, student
        conduct_after = conduct
    complete = len(results) == len(re_exam) and conduct_after is not None
    learning_after: Level | None = learning
    if re_exam:
        learning_after = apply_re_exam(out.scored[0], out.commented[0], scores, comments)[2]
        learning_after = learning_after if complete else None
        assert learning_shown == learning_after, (student, results)
    else:
        assert learning_shown is None, student
    if not complete or learning_after is None or conduct_after is None:
        assert shown[FINAL] is None, student
        assert sheet.summary(student, MISSING), student  # what is awaited is named
        return Checked(year=True, summer=True)
    final = promotion(learning_after, conduct_after, absences, limit, final=True)
    assert shown[FINAL] == final.value, (student, results, conduct_after)
    return Checked(year=True, final=True, summer=True)


T = TypeVar("T")


def _required(value: T | None) -> T:
    assert value is not None
    return value


def as_written(subject: Subject, stored: str) -> str:
    """A stored re-exam value as the books write it: "3,0", "Đ"."""
    if subject.mode is AssessmentMode.SCORE:
        return format_tenths(_required(parse_score(stored)))
    return _required(parse_comment(stored)).value


def test_every_students_results_are_recomputed_from_the_masters_cells(
    demo_year: DemoYear,
) -> None:
    data, outbox, result = demo_year
    setup = result.setup
    sheets = master_values(outbox)
    checked: list[Checked] = []
    with Ledger.open(data.ledger) as ledger:
        for room in setup.classes:
            sheet = ClassSheet.read([list(r) for r in sheets[room.code]])
            students = setup.students_of(room.code)
            assert sorted(sheet.rows) == sorted(s.code for s in students), room.code
            subjects = setup.subjects_of_grade(room.grade)
            values = ledger.scores_of_class(room.code)
            for student in students:
                summer_values = {
                    (key.subject_code, column): value
                    for (key, who, column), value in values.items()
                    if who == student.code and key.semester == SUMMER
                }
                checked.append(check_student(setup, sheet, student.code, subjects, summer_values))
    # not vacuous: every student's year is computed (the demo's intent), the summer is there;
    # the final outcome of every student once the summer's results are in, else of the others
    assert all(c.year for c in checked)
    summer = sum(c.summer for c in checked)
    assert summer >= 3  # the demo's re-exams and summer training
    assert sum(c.final for c in checked) in (len(checked), len(checked) - summer)


def test_the_summary_sheet_counts_the_class_sheets_final_outcomes(demo_year: DemoYear) -> None:
    """The «Tổng hợp» sheet's «Xét lên lớp — Sau hè» counts, class by class and for the school,
    are those of the class sheets' «Sau hè» column (blank with a proposal: a student waiting
    for the summer's results)."""
    _, outbox, result = demo_year
    setup = result.setup
    sheets = master_values(outbox)
    rows = [list(r) for r in sheets[SUMMARY_SHEET]]
    group = rows[3].index(FINAL[0])
    assert rows[4][group] == FINAL[1]
    assert rows[5][group : group + 3] == ["Lên lớp", "Ở lại lớp", "Chờ kết quả hè"]
    counts = {r[0]: r[group : group + 3] for r in rows[6:]}
    total = [0, 0, 0]
    for room in setup.classes:
        sheet = ClassSheet.read([list(r) for r in sheets[room.code]])
        finals = Counter(sheet.summary(s, FINAL) for s in sheet.rows)
        waiting = sum(
            1
            for s in sheet.rows
            if sheet.summary(s, FINAL) is None and sheet.summary(s, PROPOSAL) is not None
        )
        expected = [finals[FINALS[0]], finals[FINALS[1]], waiting]
        assert counts[room.code] == expected, room.code
        total = [a + b for a, b in zip(total, expected, strict=True)]
    assert counts["Toàn trường"] == total
    assert sum(total) == len(setup.students)  # every student's year is computed
