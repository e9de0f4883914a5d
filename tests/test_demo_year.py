"""The demo plays the whole school year: after it, the master (``outbox/lop/``) shows a year
result for every student, and the year's story is there (re-exams, one student kept back for
absences, one summer training, awards), the rest promoted; the change log verifies."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.helpers import master_values
from workbook_engine.demo.run import DemoResult
from workbook_engine.io.master_workbook import (
    HEADER_ROWS,
    SUMMARY_GROUPS,
    SUMMARY_SHEET,
    SUMMARY_TITLE,
)
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.rules import Award, Level, Outcome

pytestmark = pytest.mark.slow

# (group, heading) of each column of a class sheet's «Tổng hợp» block, in order
HEADS = [(group, head) for group, heads in SUMMARY_GROUPS for head in heads]
LEARNING_YEAR = ("Kết quả học tập", "CN")
CONDUCT_YEAR = ("Kết quả rèn luyện", "CN")
PROPOSAL = ("Cuối năm", "Đề nghị")
AWARD = ("Cuối năm", "Danh hiệu")
MISSING = ("Chưa tính được", "Còn thiếu")
FINAL = ("Xét lên lớp", "Sau hè")  # after the summer (the year's outcome when it is not concerned)
ABSENT = (("Số buổi nghỉ", "P"), ("Số buổi nghỉ", "K"))


DemoYear = tuple[DataDir, Path, DemoResult]  # the session's ``demo_year`` (tests/conftest.py)


def summaries(outbox: Path, classes: list[str]) -> dict[str, dict[tuple[str, str], object]]:
    """Student code → the «Tổng hợp» block of their row, keyed by (group, heading)."""
    sheets = master_values(outbox)
    found: dict[str, dict[tuple[str, str], object]] = {}
    for code in classes:
        rows = [list(r) for r in sheets[code]]
        start = rows[3].index(SUMMARY_TITLE)  # the block titles' row
        assert rows[HEADER_ROWS - 1][start : start + len(HEADS)] == [h for _, h in HEADS]
        for row in rows[HEADER_ROWS:]:
            if row[1] is not None:
                found[str(row[1])] = dict(zip(HEADS, row[start : start + len(HEADS)], strict=True))
    return found


def test_every_student_has_a_computed_year_result(
    demo_year: DemoYear,
) -> None:
    _, outbox, result = demo_year
    setup = result.setup
    rows = summaries(outbox, [room.code for room in setup.classes])
    assert sorted(rows) == sorted(s.code for s in setup.students)
    levels = {level.value for level in Level}
    for code, row in rows.items():
        assert row[LEARNING_YEAR] in levels, code
        assert row[CONDUCT_YEAR] in levels, code
        assert row[PROPOSAL], code
        assert not row[MISSING], (code, row[MISSING])  # no intended gap: every input is in
        assert result.summer.files  # the summer was played: the final list is complete
        assert row[FINAL] in (Outcome.PROMOTED.value, Outcome.RETAINED.value), code
    book = openpyxl.load_workbook(outbox / "master.xlsx", read_only=True)
    counts = list(book[SUMMARY_SHEET].iter_rows(values_only=True))
    book.close()
    school = next(r for r in counts if r[0] == "Toàn trường")
    assert school[1] == len(setup.students)
    # a «Phê duyệt» column follows once the principal approved
    assert school[counts[5].index("Còn thiếu dữ liệu")] == 0


def test_the_years_story_ends_as_drawn(demo_year: DemoYear) -> None:
    _, outbox, result = demo_year
    setup, cohort = result.setup, result.cohort
    rows = summaries(outbox, [room.code for room in setup.classes])
    proposals = {code: str(row[PROPOSAL]) for code, row in rows.items()}
    assert len(cohort.failing) >= 2 and cohort.kept_back and cohort.training and cohort.strong
    class_of = {s.code: s.class_code for s in setup.students}
    for code, subjects in cohort.failing.items():  # learning Chưa đạt: re-exam in those
        grade = setup.class_by_code(class_of[code]).grade
        assert proposals[code].startswith(f"{Outcome.RE_EXAM.value}: "), proposals[code]
        for subject in subjects:
            assert setup.subject(grade, subject).name in proposals[code]
    kept = rows[cohort.kept_back]
    assert proposals[cohort.kept_back].startswith(Outcome.RETAINED.value)
    assert sum(int(str(kept[column])) for column in ABSENT) > setup.school.max_absences
    assert proposals[cohort.training] in (
        Outcome.SUMMER_TRAINING.value,
        Outcome.RE_EXAM_AND_TRAINING.value,
    )
    assert rows[cohort.training][CONDUCT_YEAR] == Level.CD.value
    for code in cohort.strong:
        assert rows[code][AWARD] in (Award.EXCELLENT.value, Award.GOOD.value)
    drawn = {*cohort.failing, cohort.kept_back, cohort.training}
    assert all(p == Outcome.PROMOTED.value for c, p in proposals.items() if c not in drawn)
    # the final list: the summer does not concern them, the year's outcome stands
    assert kept[FINAL] == Outcome.RETAINED.value
    assert all(row[FINAL] == Outcome.PROMOTED.value for c, row in rows.items() if c not in drawn)


def test_the_change_log_verifies(demo_year: DemoYear) -> None:
    data, _, result = demo_year
    assert result.chain_problem is None
    assert len(result.approved) == 1  # the correction, approved on the decision form
    with Ledger.open(data.ledger) as ledger:
        assert ledger.verify() is None


def test_the_demo_writes_the_years_statistics_and_export(demo_year: DemoYear) -> None:
    _, outbox, demo = demo_year
    names = {p.relative_to(outbox).as_posix() for p in demo.reports}
    grades = sorted({room.grade for room in demo.setup.classes})
    stems = ["toan-truong", *(f"khoi-{g}" for g in grades)]
    assert {f"reports/thong-ke/CN/{stem}.{ext}" for stem in stems
            for ext in ("html", "pdf", "xlsx")} <= names  # fmt: skip
    (export,) = [p for p in demo.reports if p.parent.name == "exports"]
    book = openpyxl.load_workbook(export, read_only=True)
    rows = [r for r in book.worksheets[0].iter_rows(min_row=2, values_only=True) if any(r)]
    book.close()
    assert len(rows) == len(demo.setup.students)
    assert {str(r[1]) for r in rows} == {s.code for s in demo.setup.students}
