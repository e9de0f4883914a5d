"""Issue 15, item 1: a primary school's setup (grades 1–5, Circular 27).

The «Cấp học» field says which levels the school teaches (a setup without it is THCS); a class of
the wrong level, a grade 1–5 subject outside the programme or assessed «Điểm số» is a located
setup error; primary classes get no Circular 22 sheet."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from workbook_engine.io.setup_reader import check_setup
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import (
    Assignment,
    ClassRoom,
    Gender,
    Role,
    SchoolLevel,
    Setup,
    Student,
    Subject,
    Teacher,
)
from workbook_engine.pipeline.issue import issue_templates
from workbook_engine.primary_defaults import primary_subjects
from workbook_engine.rules import AssessmentMode

SECRET = b"p" * 32
PRIMARY_TEACHER = "GV900"
FIRST_ROW = 4  # the first data row under the header (row 3)


@pytest.fixture(scope="module")
def base() -> Setup:
    from tests.conftest import SMALL
    from workbook_engine.demo.school import build_demo_school

    return build_demo_school(SMALL)


def with_3a1(
    setup: Setup, level: SchoolLevel, subjects: tuple[Subject, ...] | None = None
) -> Setup:
    """``setup`` with a grade-3 class 3A1, one pupil, its subjects (the shipped defaults unless
    given), all taught by a new teacher who is its homeroom teacher and teaches nothing else."""
    subjects = primary_subjects([3]) if subjects is None else subjects
    teacher = Teacher(PRIMARY_TEACHER, "Nguyễn Thị Tiểu", (Role.TEACHER,), ("tieu.nt",))
    pupil = Student("3125009999", "Trần Văn Nhỏ", date(2017, 5, 5), Gender.MALE, "3A1")
    return dataclasses.replace(
        setup,
        school=dataclasses.replace(setup.school, level=level),
        teachers=(*setup.teachers, teacher),
        classes=(*setup.classes, ClassRoom("3A1", 3, PRIMARY_TEACHER)),
        students=(*setup.students, pupil),
        subjects=(*setup.subjects, *subjects),
        assignments=(
            *setup.assignments,
            *(Assignment(PRIMARY_TEACHER, "3A1", s.code) for s in subjects),
        ),
    )


def located(problems: list) -> list[tuple[str, str, str]]:
    return [(p.code, p.sheet, f"{p.column}{p.row or ''}") for p in problems]


def checked(tmp_path: Path, setup: Setup) -> tuple[Setup | None, list]:
    path = write_setup(tmp_path / "setup.xlsx", setup)
    read, report = check_setup(path)
    return read, report.errors


def test_grade_3_class_in_a_thcs_school_is_a_located_error(tmp_path: Path, base: Setup) -> None:
    setup = with_3a1(base, SchoolLevel.SECONDARY)
    read, errors = checked(tmp_path, setup)

    assert read is None
    row = FIRST_ROW + [c.code for c in setup.classes].index("3A1")
    assert located(errors) == [("class-outside-school-level", "Lớp", f"B{row}")]
    assert "lớp «3A1» thuộc khối 3 (tiểu học)" in str(errors[0])
    assert "cấp học của trường là «THCS»" in str(errors[0])


def test_grade_6_class_in_a_primary_only_school_is_a_located_error(
    tmp_path: Path, base: Setup
) -> None:
    setup = with_3a1(base, SchoolLevel.PRIMARY)
    _, errors = checked(tmp_path, setup)

    codes = {c.code: FIRST_ROW + i for i, c in enumerate(setup.classes)}
    expected = [("class-outside-school-level", "Lớp", f"B{codes[c.code]}") for c in base.classes]
    assert sorted(located(errors)) == sorted(expected)


def test_mixed_school_with_grade_3_primary_subjects_passes(tmp_path: Path, base: Setup) -> None:
    setup = with_3a1(base, SchoolLevel.BOTH)
    path = write_setup(tmp_path / "setup.xlsx", setup)
    read, report = check_setup(path)

    assert report.valid, [str(p) for p in report]
    assert read == setup
    assert read.school.level is SchoolLevel.BOTH
    tv = read.subject(3, "TV")
    assert (tv.name, tv.periods_per_year, tv.mode) == ("Tiếng Việt", 245, AssessmentMode.COMMENT)


def test_grade_3_subject_scored_or_unknown_is_a_located_error(tmp_path: Path, base: Setup) -> None:
    defaults = primary_subjects([3])
    scored = dataclasses.replace(defaults[1], mode=AssessmentMode.SCORE)  # Toán «Điểm số»
    unknown = Subject(3, "HOA", "Hoá học", 70, AssessmentMode.COMMENT)
    subjects = (defaults[0], scored, *defaults[2:], unknown)
    setup = with_3a1(base, SchoolLevel.BOTH, subjects)
    read, errors = checked(tmp_path, setup)

    assert read is None
    rows = {(s.grade, s.code): FIRST_ROW + i for i, s in enumerate(setup.subjects)}
    assert sorted(located(errors)) == sorted(
        [
            ("primary-subject-scored", "Môn học", f"E{rows[(3, 'TOAN')]}"),
            ("primary-subject-unknown", "Môn học", f"B{rows[(3, 'HOA')]}"),
        ]
    )
    messages = {p.code: str(p) for p in errors}
    assert "đánh giá bằng mức (T, H, C) và nhận xét" in messages["primary-subject-scored"]
    assert "mã môn của khối 3: TV, TOAN, NN1" in messages["primary-subject-unknown"]


def test_an_old_setup_without_the_level_field_reads_as_thcs(tmp_path: Path, base: Setup) -> None:
    path = write_setup(tmp_path / "setup.xlsx", base)
    wb = openpyxl.load_workbook(path)
    school = wb["Thông tin trường"]
    row = next(r for r in range(1, 40) if str(school[f"A{r}"].value).startswith("Cấp học"))
    school.delete_rows(row)
    wb.save(path)

    read, report = check_setup(path)

    assert report.valid, [str(p) for p in report]
    assert read is not None and read.school.level is SchoolLevel.SECONDARY
    assert read == base


def test_shipped_defaults_follow_the_programme_and_periods_can_be_overridden() -> None:
    grade_1 = {s.code: s.periods_per_year for s in primary_subjects([1])}
    assert grade_1["TV"] == 420 and "NN1" not in grade_1 and "KH" not in grade_1
    grade_4 = primary_subjects([4], periods={(4, "TOAN"): 180})
    assert {s.code: s.periods_per_year for s in grade_4}["TOAN"] == 180
    assert {s.mode for s in primary_subjects()} == {AssessmentMode.COMMENT}
    assert "NN1" in {s.code for s in primary_subjects([1], electives=True)}


def test_primary_class_gets_no_circular_22_sheet(tmp_path: Path, base: Setup) -> None:
    setup = with_3a1(base, SchoolLevel.BOTH)
    share = tmp_path / "share"

    everyone = issue_templates(setup, share, SECRET, 1)
    only_primary = issue_templates(setup, tmp_path / "other", SECRET, 1, PRIMARY_TEACHER)

    primary = {f.path.name for f in everyone.files if f.path.name.startswith("3A1_")}
    assert primary, "the primary class gets the Circular 27 sheets"
    assert not {n for n in primary if "_HK1" in n and "_DiemDanh_" not in n}  # no Circular 22
    assert {f.path.name for f in only_primary.files} <= primary
    assert only_primary.files and not [
        f for f in only_primary.files if f.path.name.startswith(("6A", "7A", "8A", "9A"))
    ]
    assert {f.teacher_code for f in only_primary.files} == {PRIMARY_TEACHER}
