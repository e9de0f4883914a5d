"""A setup changed mid-year, explained against what is already entered (setup_impact.py and
``wbe setup check FILE --data-dir D``): each change that touches entered values, located."""

from __future__ import annotations

from dataclasses import replace

import pytest
from typer.testing import CliRunner

from tests.helpers import School
from workbook_engine.cli import app
from workbook_engine.demo.school import DemoOptions, build_demo_school
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import Assignment, Exemption, ExemptionScope, Setup, SheetKey
from workbook_engine.pipeline.outcome import Status
from workbook_engine.setup_impact import setup_impact

runner = CliRunner()


@pytest.fixture(scope="module")
def old() -> Setup:
    return build_demo_school(DemoOptions(classes_per_grade=1, grades=(6, 7), students_per_class=5))


def entered(setup: Setup) -> dict[tuple[SheetKey, str, str], str]:
    """6A1: Toán TX1 of the first two students, Ngữ văn TX1–TX4 of the first one."""
    first, second = (s.code for s in setup.students_of("6A1")[:2])
    toan, nv = SheetKey("6A1", "TOAN", 1), SheetKey("6A1", "NV", 1)
    values = {(toan, first, "TX1"): "7.0", (toan, second, "TX1"): "8.5", (toan, second, "TX2"): ""}
    values.update({(nv, first, f"TX{k}"): "6.0" for k in range(1, 5)})
    return values


def _without_student(setup: Setup, code: str) -> Setup:
    return replace(setup, students=tuple(s for s in setup.students if s.code != code))


def _moved(setup: Setup, code: str, to: str) -> Setup:
    students = tuple(replace(s, class_code=to) if s.code == code else s for s in setup.students)
    return replace(setup, students=students)


def _teacher(setup: Setup, class_code: str, subject: str, teacher: str) -> Setup:
    moved = tuple(
        Assignment(teacher, a.class_code, a.subject_code)
        if (a.class_code, a.subject_code) == (class_code, subject)
        else a
        for a in setup.assignments
    )
    return replace(setup, assignments=moved)


def _periods(setup: Setup, subject: str, periods: int) -> Setup:
    subjects = tuple(
        replace(s, periods_per_year=periods) if (s.grade, s.code) == (6, subject) else s
        for s in setup.subjects
    )
    return replace(setup, subjects=subjects)


def test_an_unchanged_setup_or_a_change_without_values_says_nothing(old: Setup) -> None:
    values = entered(old)
    assert setup_impact(old, old, values) == []
    third = old.students_of("6A1")[2].code  # nothing entered for this one
    assert setup_impact(old, _without_student(old, third), values) == []
    assert setup_impact(old, _teacher(old, "6A1", "GDCD", "GV001"), values) == []


def test_each_change_that_touches_entered_values_is_located(old: Setup) -> None:
    values = entered(old)
    first, second = old.students_of("6A1")[:2]
    toan_teacher = next(a.teacher_code for a in old.assignments
                        if (a.class_code, a.subject_code) == ("6A1", "TOAN"))  # fmt: skip
    other = next(t.code for t in old.teachers if t.code != toan_teacher)
    cases = [
        (_without_student(old, first.code), "impact-student-removed",
         f"học sinh {first.code} {first.full_name} (lớp 6A1) có 5 ô đã nhập"),
        (_moved(old, second.code, "7A1"), "impact-student-moved",
         f"học sinh {second.code} {second.full_name} chuyển từ lớp 6A1 sang lớp 7A1: 1 ô"),
        (_teacher(old, "6A1", "TOAN", other), "impact-teacher-replaced",
         f"Toán lớp 6A1: {old.teacher_by_code(toan_teacher).full_name} ({toan_teacher}) được "
         f"thay bằng {old.teacher_by_code(other).full_name} ({other}); 2 ô"),
        (_periods(old, "NV", 70), "impact-columns-dropped",
         "Ngữ văn khối 6: số cột TX giảm từ 4 còn 3; các cột bị bỏ đã có điểm: TX4 (1 ô)"),
        (_periods(old, "TOAN", 70), "impact-columns-changed", "Toán khối 6: số cột TX đổi từ 4 "
         "thành 3"),
        (replace(old, exemptions=(Exemption(first.code, "NV", ExemptionScope.WHOLE),)),
         "impact-exempt-with-values", "môn NV nhưng đã có 4 ô điểm"),
        (replace(old, classes=tuple(c for c in old.classes if c.code != "6A1")),
         "impact-class-removed", "lớp 6A1 có 6 ô đã nhập"),
    ]  # fmt: skip
    for new, code, text in cases:
        problems = setup_impact(old, new, values)
        assert [p.code for p in problems if p.code == code] == [code], code
        (found,) = [p for p in problems if p.code == code]
        assert text in found.message, (code, found.message)
        assert found.severity.value == "warning"


def test_wbe_setup_check_explains_against_the_data_dir(school: School) -> None:
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 7, "D9": 8}))
    assert outcome.status is Status.ACCEPTED
    first = school.setup.students_of("6A1")[0]
    changed = write_setup(school.data.root.parent / "setup-moi.xlsx",
                          _without_student(school.setup, first.code))  # fmt: skip
    alone = runner.invoke(app, ["setup", "check", str(changed)])
    assert alone.exit_code == 0, alone.output
    assert "không còn trong trang «Học sinh»" not in alone.output  # no data dir: no comparison
    done = runner.invoke(app, ["setup", "check", str(changed), "--data-dir", str(school.data.root)])
    assert done.exit_code == 0, done.output  # warnings only
    assert f"học sinh {first.code} {first.full_name} (lớp 6A1) có 1 ô đã nhập" in done.output
    itself = runner.invoke(app, ["setup", "check", str(school.data.setup),
                                 "--data-dir", str(school.data.root)])  # fmt: skip
    assert "đã nhập" not in itself.output
