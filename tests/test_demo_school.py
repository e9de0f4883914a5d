"""The demo school generator: realistic, valid, reproducible, sized on demand."""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from workbook_engine.demo.school import DemoOptions, ascii_fold, build_demo_school
from workbook_engine.io.setup_reader import check_setup
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import Role
from workbook_engine.rules import AssessmentMode

# DOMAIN.md, "Grade 6–9 subjects": code → (periods per year in grades 6–7, in 8–9, TX, mode)
GRADE_6_9 = {
    "NV": (140, 140, 4, "score"),
    "TOAN": (140, 140, 4, "score"),
    "NN1": (105, 105, 4, "score"),
    "GDCD": (35, 35, 2, "score"),
    "LSDL": (105, 105, 4, "score"),
    "KHTN": (140, 140, 4, "score"),
    "CN": (35, 52, 2, "score"),  # 3 TX in grades 8–9
    "TIN": (35, 35, 2, "score"),
    "GDTC": (70, 70, 2, "comment"),
    "NT": (70, 70, 2, "comment"),
    "HDTN": (105, 105, 2, "comment"),
    "GDDP": (35, 35, 2, "comment"),
}


def test_default_school_shape() -> None:
    setup = build_demo_school()
    assert [c.code for c in setup.classes] == [
        "6A1",
        "6A2",
        "7A1",
        "7A2",
        "8A1",
        "8A2",
        "9A1",
        "9A2",
    ]
    sizes = Counter(s.class_code for s in setup.students)
    assert all(37 <= n <= 43 for n in sizes.values())
    assert setup.school.school_year == "2025-2026"
    assert [(s.number, s.start.isoformat(), s.end.isoformat()) for s in setup.semesters] == [
        (1, "2025-09-05", "2026-01-17"),
        (2, "2026-01-19", "2026-05-31"),
    ]


@pytest.mark.parametrize("grade", [6, 7, 8, 9])
def test_real_subject_list_and_periods(grade: int) -> None:
    setup = build_demo_school(DemoOptions(classes_per_grade=1, students_per_class=3))
    subjects = {s.code: s for s in setup.subjects_of_grade(grade)}
    assert set(subjects) == set(GRADE_6_9)
    for code, (low, high, tx, mode) in GRADE_6_9.items():
        subject = subjects[code]
        assert subject.periods_per_year == (low if grade <= 7 else high)
        assert subject.mode is AssessmentMode(mode)
        assert subject.tx_count == (3 if code == "CN" and grade >= 8 else tx)


def test_every_class_subject_is_assigned_once_and_roles_exist() -> None:
    setup = build_demo_school()
    pairs = Counter((a.class_code, a.subject_code) for a in setup.assignments)
    assert set(pairs.values()) == {1}
    assert len(pairs) == len(setup.classes) * len(GRADE_6_9)
    roles = Counter(r for t in setup.teachers for r in t.roles)
    assert roles[Role.PRINCIPAL] == 1
    assert roles[Role.VICE_PRINCIPAL] == 2
    assert roles[Role.GROUP_HEAD] >= 3
    homeroom = [c.homeroom_teacher for c in setup.classes]
    assert len(set(homeroom)) == len(homeroom)


def test_names_are_vietnamese_with_diacritics() -> None:
    setup = build_demo_school()
    names = [s.full_name for s in setup.students]
    assert all(len(n.split()) >= 3 for n in names)
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    surnames = Counter(n.split()[0] for n in names)
    assert surnames.most_common(1)[0][0] == "Nguyễn"
    assert sum(1 for n in names if n != ascii_fold(n)) > 0.9 * len(names)
    assert len(set(names)) > 0.9 * len(names)


def test_same_seed_same_school_other_seed_other_school() -> None:
    a = build_demo_school(DemoOptions(seed=1))
    assert a == build_demo_school(DemoOptions(seed=1))
    assert a.students != build_demo_school(DemoOptions(seed=2)).students


@pytest.mark.parametrize(("total", "per_grade"), [(40, [10, 10, 10, 10]), (6, [2, 2, 1, 1])])
def test_total_classes_option(total: int, per_grade: list[int]) -> None:
    setup = build_demo_school(DemoOptions(total_classes=total, students_per_class=2))
    counts = Counter(c.grade for c in setup.classes)
    assert [counts[g] for g in (6, 7, 8, 9)] == per_grade


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_demo_school_passes_its_own_checks(tmp_path: Path, seed: int) -> None:
    school = build_demo_school(DemoOptions(seed=seed, total_classes=12, students_per_class=20))
    setup, report = check_setup(write_setup(tmp_path / "setup.xlsx", school))
    assert [str(p) for p in report] == []
    assert setup == school


def test_ascii_fold() -> None:
    assert ascii_fold("Nguyễn Thị Đào") == "Nguyen Thi Dao"
