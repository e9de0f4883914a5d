"""Quality statistics (issue 13, item 3), pure: hand-made results counted by hand, level by
gender, percentages rounded half up to two decimals, the histogram's bins at their edges,
commented subjects, exempt and missing values, an empty class, the year's outcomes and lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

import pytest

from workbook_engine.model import (
    ClassRoom,
    Gender,
    SchoolInfo,
    Semester,
    Setup,
    Student,
    Subject,
)
from workbook_engine.results import (
    SemesterResult,
    StudentResult,
    SubjectResult,
    SummerResult,
    YearResult,
)
from workbook_engine.rules import AssessmentMode, Award, Comment, Level, Outcome
from workbook_engine.statistics import (
    BINS,
    LevelCounts,
    OutcomeCounts,
    percent,
    percent_text,
    statistics,
)

T, K, D, CD = Level.T, Level.K, Level.D, Level.CD
F, M = Gender.FEMALE, Gender.MALE


def subjects(grade: int) -> tuple[Subject, ...]:
    return (
        Subject(grade, "TOAN", "Toán", 140, AssessmentMode.SCORE),
        Subject(grade, "NV", "Ngữ văn", 140, AssessmentMode.SCORE),
        Subject(grade, "GDTC", "Giáo dục thể chất", 70, AssessmentMode.COMMENT),
    )


def school(rooms: Mapping[str, Sequence[Gender]]) -> Setup:
    """A school of the classes ``rooms`` (code → the students' genders, roster order); the
    grade is the code's first digit; student codes are ``<class>-<n>``."""
    classes = tuple(ClassRoom(code, int(code[0]), "GV1") for code in rooms)
    students = tuple(
        Student(f"{code}-{n}", f"Học sinh {code} {n}", date(2014, 1, 1), gender, code)
        for code, genders in rooms.items()
        for n, gender in enumerate(genders, start=1)
    )
    grades = sorted({c.grade for c in classes})
    return Setup(
        school=SchoolInfo(
            "Trường THCS Thử", "THCS-T", "Phòng GD", "Hải Phòng", "2025-2026", "Nguyễn Văn Hiệu"
        ),
        semesters=(
            Semester(1, date(2025, 9, 5), date(2026, 1, 17)),
            Semester(2, date(2026, 1, 19), date(2026, 5, 31)),
        ),
        classes=classes,
        students=students,
        subjects=tuple(s for g in grades for s in subjects(g)),
        teachers=(),
        assignments=(),
    )


def half(
    learning: Level | None = None,
    conduct: Level | None = None,
    averages: Mapping[str, SubjectResult] | None = None,
) -> SemesterResult:
    return SemesterResult(dict(averages or {}), learning, conduct, 0, 0)


def result(
    code: str,
    learning: Level | None = None,
    conduct: Level | None = None,
    averages: Mapping[str, SubjectResult] | None = None,
    *,
    hk1: SemesterResult | None = None,
    outcome: Outcome | None = None,
    prize: Award | None = None,
    summer: SummerResult | None = None,
    exempt: Sequence[str] = (),
    re_exam: Sequence[str] = (),
) -> StudentResult:
    """A student whose semester 2 and year are ``learning``, ``conduct``, ``averages``."""
    same = half(learning, conduct, averages)
    year = YearResult(
        dict(averages or {}),
        learning,
        conduct,
        0,
        0,
        outcome=outcome,
        re_exam=list(re_exam),
        award=prize,
        summer=summer,
    )
    return StudentResult(code, code, hk1 or same, same, year, [], exempt=list(exempt))


# --- percentages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "total", "text"),
    [
        (1, 8, "12,50"),
        (1, 3, "33,33"),
        (2, 3, "66,67"),
        (1, 6, "16,67"),
        (1, 800, "0,13"),  # 0.125: half up, never to the even 0,12
        (3, 800, "0,38"),  # 0.375
        (0, 5, "0,00"),
        (5, 5, "100,00"),
        (0, 0, ""),  # a group without students has no percentage
    ],
)
def test_percentages_are_rounded_half_up_to_two_decimals_with_a_comma(
    count: int, total: int, text: str
) -> None:
    assert percent_text(percent(count, total)) == text


def test_a_percentage_is_exact_not_a_float() -> None:
    assert percent(1, 8) == Decimal("12.50")
    assert percent(0, 0) is None


# --- levels by gender ---------------------------------------------------------------------------


def test_levels_are_counted_for_everyone_and_for_the_girls() -> None:
    setup = school({"6A": (F, F, F, M, M)})
    results = {
        "6A": [
            result("6A-1", T, T),
            result("6A-2", K, T),
            result("6A-3", None, K),
            result("6A-4", T, D),
            result("6A-5", CD, CD),
        ]
    }
    stats = statistics(setup, results, "CN", class_code="6A")
    (row,) = stats.rows
    assert (row.label, row.kind, row.students, row.girls) == ("6A", "class", 5, 3)
    assert row.learning == LevelCounts((2, 1, 0, 1), 1, 5)
    assert row.learning_girls == LevelCounts((1, 1, 0, 0), 1, 3)
    assert row.conduct == LevelCounts((2, 1, 1, 1), 0, 5)
    assert row.conduct_girls == LevelCounts((2, 1, 0, 0), 0, 3)
    assert percent_text(row.learning.percent(T)) == "40,00"
    assert percent_text(row.learning_girls.percent(T)) == "33,33"
    assert percent_text(row.learning.percent(None)) == "20,00"  # «Chưa xếp loại»


def test_a_semester_counts_that_semesters_levels() -> None:
    setup = school({"6A": (F, M)})
    results = {"6A": [result("6A-1", T, T, hk1=half(CD, K)), result("6A-2", K, K, hk1=half(D, D))]}
    first = statistics(setup, results, "HK1").total
    assert (first.learning.levels, first.conduct.levels) == ((0, 0, 1, 1), (0, 1, 1, 0))
    year = statistics(setup, results, "CN").total
    assert (year.learning.levels, year.conduct.levels) == ((1, 1, 0, 0), (1, 1, 0, 0))
    assert first.outcomes is None and year.outcomes is not None


def test_a_student_of_the_roster_without_a_result_is_not_rated() -> None:
    setup = school({"6A": (F, M, M)})
    stats = statistics(setup, {"6A": [result("6A-1", T, T)]}, "CN")
    assert stats.total.learning == LevelCounts((1, 0, 0, 0), 2, 3)
    assert stats.total.outcomes is not None and stats.total.outcomes.not_proposed == 3


# --- subjects -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tenths", "index", "below"),
    [
        (0, 0, True),
        (19, 0, True),
        (20, 1, True),
        (34, 1, True),
        (35, 2, True),
        (49, 2, True),  # 4.9: the last bin below 5.0
        (50, 3, False),  # 5.0: not below
        (64, 3, False),
        (65, 4, False),
        (79, 4, False),
        (80, 5, False),
        (89, 5, False),
        (90, 6, False),
        (100, 6, False),  # 10 is in the last bin
    ],
)
def test_an_average_falls_in_one_bin_at_the_edges(tenths: int, index: int, below: bool) -> None:
    setup = school({"6A": (M,)})
    stats = statistics(setup, {"6A": [result("6A-1", averages={"TOAN": tenths})]}, "CN")
    toan = next(s for s in stats.total.subjects if s.code == "TOAN")
    assert toan.bins == tuple(int(k == index) for k in range(len(BINS)))
    assert toan.below == int(below)
    assert percent_text(toan.below_percent) == ("100,00" if below else "0,00")


def test_subjects_count_assessed_exempt_and_missing_apart() -> None:
    setup = school({"6A": (M, M, F, F, F)})
    results = {
        "6A": [
            result("6A-1", averages={"TOAN": 49, "NV": 80, "GDTC": Comment.D}),
            result("6A-2", averages={"TOAN": 50, "NV": 65, "GDTC": Comment.CD}),
            result("6A-3", averages={"TOAN": 90, "NV": None, "GDTC": Comment.D}),
            result("6A-4", averages={"TOAN": 30, "GDTC": None}, exempt=["NV"]),
            result("6A-5", averages={"TOAN": None, "NV": 100, "GDTC": Comment.D}),
        ]
    }
    toan, nv, gdtc = statistics(setup, results, "CN").total.subjects
    assert (toan.code, toan.assessed, toan.exempt, toan.missing) == ("TOAN", 4, 0, 1)
    assert toan.bins == (0, 1, 1, 1, 0, 0, 1) and toan.below == 2
    assert percent_text(toan.below_percent) == "50,00"  # of the 4 with an average
    assert percent_text(toan.bin_percent(1)) == "25,00"
    assert (nv.assessed, nv.exempt, nv.missing, nv.below) == (3, 1, 1, 0)
    assert nv.bins == (0, 0, 0, 0, 1, 1, 1)
    assert (gdtc.scored, gdtc.bins) == (False, ())
    assert (gdtc.passed, gdtc.below, gdtc.assessed, gdtc.missing) == (3, 1, 4, 1)
    assert percent_text(gdtc.passed_percent) == "75,00"
    assert percent_text(gdtc.below_percent) == "25,00"


def test_a_class_without_students_counts_nothing_and_has_no_percentages() -> None:
    setup = school({"6A": (), "6B": (F,)})
    stats = statistics(setup, {"6B": [result("6B-1", T, T, {"TOAN": 80})]}, "CN", class_code="6A")
    (row,) = stats.rows
    assert (row.students, row.girls) == (0, 0)
    assert row.learning == LevelCounts((0, 0, 0, 0), 0, 0)
    assert row.learning.percent(T) is None and percent_text(row.learning.percent(T)) == ""
    assert row.outcomes == OutcomeCounts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert all(s.assessed == 0 and s.below_percent is None for s in row.subjects)
    assert all(not found.members for found in stats.lists)


# --- the year: outcomes, lists; the grades and the school ---------------------------------------


def year_class() -> tuple[Setup, dict[str, list[StudentResult]]]:
    """6A: promoted with Giỏi; re-exam passed; re-exam and training, final not in yet; kept
    back for absences; promoted with Xuất sắc. 7A: training then kept back; year not
    computed."""
    setup = school({"6A": (F, M, M, F, M), "7A": (F, M)})
    passed = SummerResult({"TOAN": 60}, D, K, Outcome.PROMOTED)
    waiting = SummerResult({"TOAN": None}, None, None)
    failed = SummerResult({}, D, CD, Outcome.RETAINED, "Kết quả rèn luyện sau kì nghỉ hè Chưa đạt")
    results = {
        "6A": [
            result("6A-1", T, T, outcome=Outcome.PROMOTED, prize=Award.GOOD),
            result(
                "6A-2",
                CD,
                K,
                {"TOAN": 40},
                outcome=Outcome.RE_EXAM,
                re_exam=["TOAN"],
                summer=passed,
            ),
            result(
                "6A-3",
                CD,
                CD,
                {"TOAN": 30},
                outcome=Outcome.RE_EXAM_AND_TRAINING,
                re_exam=["TOAN"],
                summer=waiting,
            ),
            result("6A-4", K, K, outcome=Outcome.RETAINED),
            result("6A-5", T, T, outcome=Outcome.PROMOTED, prize=Award.EXCELLENT),
        ],
        "7A": [
            result("7A-1", D, CD, outcome=Outcome.SUMMER_TRAINING, summer=failed),
            result("7A-2"),
        ],
    }
    return setup, results


def test_the_years_outcomes_count_both_proposals_and_the_final_list() -> None:
    setup, results = year_class()
    six = statistics(setup, results, "CN", class_code="6A").total.outcomes
    assert six == OutcomeCounts(
        total=5,
        promoted=2,
        re_exam=2,
        training=1,
        retained=1,
        not_proposed=0,
        final_promoted=3,
        final_retained=1,
        awaited=1,
        excellent=1,
        good=1,
    )
    seven = statistics(setup, results, "CN", class_code="7A").total.outcomes
    assert seven is not None
    assert (seven.training, seven.final_retained, seven.awaited, seven.not_proposed) == (1, 1, 0, 1)


def test_the_years_lists_name_the_students_in_class_then_roster_order() -> None:
    setup, results = year_class()
    lists = {
        found.key: [m.student.code for m in found.members]
        for found in statistics(setup, results, "CN").lists
    }
    assert lists == {
        "re_exam": ["6A-2", "6A-3"],
        "training": ["6A-3", "7A-1"],
        "retained": ["6A-4", "7A-1"],  # at the year's end (absences) or after the summer
        "excellent": ["6A-5"],
        "good": ["6A-1"],
    }


def test_a_semesters_lists_name_learning_and_conduct_not_passed() -> None:
    setup, results = year_class()
    lists = {
        found.key: [m.student.code for m in found.members]
        for found in statistics(setup, results, "HK2").lists
    }
    assert lists == {"learning_cd": ["6A-2", "6A-3"], "conduct_cd": ["6A-3", "7A-1"]}


def test_the_school_lists_each_grades_classes_then_the_grade_then_the_school() -> None:
    setup = school({"6A": (F, M), "6B": (F,), "7A": (M, M, F)})
    results = {
        "6A": [result("6A-1", T, T), result("6A-2", K, T)],
        "6B": [result("6B-1", CD, D)],
        "7A": [result("7A-1", D, K), result("7A-2", D, K), result("7A-3", T, T)],
    }
    stats = statistics(setup, results, "CN")
    assert [(g.label, g.kind) for g in stats.rows] == [
        ("6A", "class"),
        ("6B", "class"),
        ("Khối 6", "grade"),
        ("7A", "class"),
        ("Khối 7", "grade"),
        ("Toàn trường", "school"),
    ]
    by_label = {g.label: g for g in stats.rows}
    assert by_label["Khối 6"].learning == LevelCounts((1, 1, 0, 1), 0, 3)
    assert by_label["Toàn trường"].learning == LevelCounts((2, 1, 2, 1), 0, 6)
    assert by_label["Toàn trường"].girls == 3
    grade = statistics(setup, results, "CN", grade=6)
    assert [g.label for g in grade.rows] == ["6A", "6B", "Khối 6"]
    assert grade.scope == "Khối 6" and grade.total.learning == by_label["Khối 6"].learning


def test_a_period_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValueError, match="period"):
        statistics(school({"6A": (M,)}), {}, "HK3")
