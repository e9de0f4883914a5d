"""Students' results computed from ledger values: hand-checked students, one per rule branch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import OCTOBER, School
from workbook_engine.io.kinds.homeroom import school_days, semester_months
from workbook_engine.model import CalendarEvent, EventKind, Setup, SheetKey
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.outcome import Status
from workbook_engine.results import StudentResult, confirmed_late, student_results
from workbook_engine.rules import AssessmentMode, Award, Comment, Level, Outcome

T, K, D, CD = Level.T, Level.K, Level.D, Level.CD
YEAR_END = date(2026, 6, 15)
CLASS = "6A1"  # grade 6: NV TOAN NN1 GDCD LSDL KHTN CN TIN scored; GDTC NT HDTN GDDP commented
SCORED6 = ("NV", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN")

Cells = dict[tuple[SheetKey, str, str], str]
Entry = str | tuple[str | None, str | None]  # every column, both semesters; or (HK1, HK2)


def attendance_keys(setup: Setup, class_code: str) -> list[SheetKey]:
    """Every month's attendance key of the year (January once per semester)."""
    return [
        SheetKey(class_code, f"DIEMDANH-{y}-{m:02d}", s.number)
        for s in setup.semesters
        for y, m in semester_months(s)
    ]


def open_days(setup: Setup, class_code: str) -> list[tuple[SheetKey, date]]:
    """Every school day of the year with its month's key, in order."""
    days = []
    for s in setup.semesters:
        for y, m in semester_months(s):
            key = SheetKey(class_code, f"DIEMDANH-{y}-{m:02d}", s.number)
            days += [(key, d) for d in sorted(school_days(s, y, m)[1])]
    return days


def year_values(
    setup: Setup,
    code: str,
    *,
    scores: Mapping[str, Entry] | None = None,
    comments: Mapping[str, Entry] | None = None,
    conduct: tuple[str | None, str | None] = ("Tốt", "Tốt"),
    excused: int = 0,
    unexcused: int = 0,
    default: str = "8",
) -> Cells:
    """One student's whole year as the ledger stores it: every scored subject ``default`` (or
    as given) in every column, every commented one Đ, conduct per semester, and the first
    ``excused`` school days marked P then ``unexcused`` marked K. None leaves a semester blank."""
    student = setup.find_student(code)
    assert student is not None
    room = setup.class_by_code(student.class_code)
    cells: Cells = {}
    for subject in setup.subjects_of_grade(room.grade):
        scored = subject.mode is AssessmentMode.SCORE
        given = (scores if scored else comments) or {}
        entry = given.get(subject.code, default if scored else "Đ")
        pair = entry if isinstance(entry, tuple) else (entry, entry)
        for semester, value in zip((1, 2), pair, strict=True):
            if value is None:
                continue
            key = SheetKey(room.code, subject.code, semester)
            for column in subject.columns:
                cells[(key, code, column)] = value
    for semester, level in zip((1, 2), conduct, strict=True):
        if level is not None:
            cells[(SheetKey(room.code, "RENLUYEN", semester), code, "KQRL")] = level
    marks = ["P"] * excused + ["K"] * unexcused
    for (key, day), mark in zip(open_days(setup, room.code), marks, strict=False):
        cells[(key, code, day.isoformat())] = mark
    return cells


def result_of(
    setup: Setup,
    code: str,
    cells: Cells,
    today: date = YEAR_END,
    *,
    received: list[SheetKey] | None = None,
    max_absences: int | None = None,
    confirm_day: int = 5,
) -> StudentResult:
    """The result of one student; every attendance month received unless ``received`` says."""
    student = setup.find_student(code)
    assert student is not None
    keys = attendance_keys(setup, student.class_code) if received is None else received
    results = student_results(
        setup,
        student.class_code,
        cells,
        today,
        received=keys,
        max_absences=max_absences,
        confirm_day=confirm_day,
    )
    return next(r for r in results if r.code == code)


def first(setup: Setup, index: int = 0) -> str:
    return setup.students_of(CLASS)[index].code


# --- learning level, re-exam and awards (conduct Tốt/Tốt, no absence) ---------------------------

LEARNING = [
    # id, scored averages (both semesters), commented, year learning, outcome, re-exam, award
    # all 8.0: all >= 6.5, 8 subjects >= 8.0 -> Tốt; Tốt conduct -> Giỏi
    ("tot-gioi", {}, {}, T, Outcome.PROMOTED, [], Award.GOOD),
    # six subjects at 9.0, two at 8.0 -> Tốt with six >= 9.0 -> Xuất sắc
    (
        "tot-xuat-sac",
        {c: "9" for c in SCORED6[:6]},
        {},
        T,
        Outcome.PROMOTED,
        [],
        Award.EXCELLENT,
    ),
    # only five at 9.0 -> Giỏi
    ("tot-five-at-nine", {c: "9" for c in SCORED6[:5]}, {}, T, Outcome.PROMOTED, [], Award.GOOD),
    # six at 8.0, CN and TIN at 6.5: every one >= 6.5 -> still Tốt
    ("tot-floor", {"CN": "6.5", "TIN": "6.5"}, {}, T, Outcome.PROMOTED, [], Award.GOOD),
    # TIN at 6.4 < 6.5 -> Khá (a one-step fall is never adjusted)
    ("kha-below-floor", {"TIN": "6.4"}, {}, K, Outcome.PROMOTED, [], None),
    # all 7.0: all >= 5.0, eight >= 6.5, none >= 8.0 -> Khá
    ("kha", {c: "7" for c in SCORED6}, {}, K, Outcome.PROMOTED, [], None),
    # all 5.5: not six >= 6.5 -> Đạt (dropping any one subject leaves Đạt)
    ("dat", {c: "5.5" for c in SCORED6}, {}, D, Outcome.PROMOTED, [], None),
    # five at 6.0, KHTN CN TIN at 4.0: only five >= 5.0 -> Chưa đạt; without one 4.0 still five
    # of seven -> no adjustment; re-exam in the three below 5.0
    (
        "chua-dat",
        {**{c: "6" for c in SCORED6[:5]}, "KHTN": "4", "CN": "4", "TIN": "4"},
        {},
        CD,
        Outcome.RE_EXAM,
        ["CN", "KHTN", "TIN"],
        None,
    ),
    # two commented CĐ (NT, GDDP) -> more than one CĐ -> Chưa đạt; without one: Đạt, one step
    # above -> not raised; re-exam in the two commented subjects
    (
        "chua-dat-commented",
        {},
        {"NT": "CĐ", "GDDP": "CĐ"},
        CD,
        Outcome.RE_EXAM,
        ["GDDP", "NT"],
        None,
    ),
    # all at Tốt standard except TOAN 3.4 < 3.5 -> Chưa đạt; without TOAN: Tốt, three steps
    # above -> raised one step to Đạt (DOMAIN's first example); promoted, no re-exam
    ("adjusted-scored", {"TOAN": "3.4"}, {}, D, Outcome.PROMOTED, [], None),
    # all at Khá standard (7.0) except TOAN 3.4 -> Chưa đạt; without it Khá, two above -> Đạt
    (
        "adjusted-from-kha",
        {**{c: "7" for c in SCORED6}, "TOAN": "3.4"},
        {},
        D,
        Outcome.PROMOTED,
        [],
        None,
    ),
    # all at Tốt standard except NT Chưa đạt -> Đạt; without NT Tốt -> raised to Khá (example 2)
    ("adjusted-commented", {}, {"NT": "CĐ"}, K, Outcome.PROMOTED, [], None),
    # TOAN and NV both 3.4: dropping one still leaves a subject below 3.5 -> not raised
    (
        "two-subjects-not-raised",
        {"TOAN": "3.4", "NV": "3.4"},
        {},
        CD,
        Outcome.RE_EXAM,
        ["NV", "TOAN"],
        None,
    ),
]


@pytest.mark.parametrize(
    ("scores", "comments", "learning", "outcome", "re_exam", "prize"),
    [row[1:] for row in LEARNING],
    ids=[row[0] for row in LEARNING],
)
def test_learning_level_proposal_and_award(
    small_school: Setup,
    scores: dict[str, str],
    comments: dict[str, str],
    learning: Level,
    outcome: Outcome,
    re_exam: list[str],
    prize: Award | None,
) -> None:
    code = first(small_school)
    cells = year_values(small_school, code, scores=scores, comments=comments)
    result = result_of(small_school, code, cells)
    assert result.missing == []
    assert (result.hk1.learning, result.hk2.learning, result.year.learning) == (learning,) * 3
    assert result.year.conduct is T
    assert result.year.outcome is outcome
    assert result.year.re_exam == re_exam
    assert result.year.award is prize


def test_a_commented_subject_counts_its_hk2_result_for_the_year(small_school: Setup) -> None:
    code = first(small_school)
    cells = year_values(small_school, code, comments={"NT": ("CĐ", "Đ")})
    result = result_of(small_school, code, cells)
    # HK1: all at Tốt standard but NT CĐ -> Đạt, raised to Khá; HK2 and the year (NT Đ): Tốt
    assert (result.hk1.learning, result.hk2.learning, result.year.learning) == (K, T, T)
    assert result.year.averages["NT"] is Comment.D
    assert result.year.award is Award.GOOD


def test_averages_per_semester_and_year(small_school: Setup) -> None:
    code = first(small_school)
    cells = year_values(small_school, code, scores={"NV": ("4", "5.5")})
    toan1 = SheetKey(CLASS, "TOAN", 1)
    for column, value in zip(
        ("TX1", "TX2", "TX3", "TX4", "GK", "CK"), ("8", "7", "9", "6", "7", "8.5"), strict=True
    ):
        cells[(toan1, code, column)] = value
    cells[(SheetKey(CLASS, "TIN", 2), code, "TX1")] = "0"  # a real 0, entered: it counts
    result = result_of(small_school, code, cells)
    # TOAN HK1: (8+7+9+6 + 2*7 + 3*8.5) / 9 = 69.5/9 = 7.72 -> 7.7; HK2 8.0;
    # year (7.7 + 2*8.0)/3 = 23.7/3 = 7.9
    assert (result.hk1.averages["TOAN"], result.hk2.averages["TOAN"]) == (77, 80)
    assert result.year.averages["TOAN"] == 79
    # NV: (4.0 + 2*5.5)/3 = 5.0 exactly
    assert result.year.averages["NV"] == 50
    # TIN HK2 (2 TX): (0 + 8 + 2*8 + 3*8)/7 = 48/7 = 6.86 -> 6.9; year (8.0 + 13.8)/3 = 7.27 -> 7.3
    assert (result.hk2.averages["TIN"], result.year.averages["TIN"]) == (69, 73)
    assert result.year.averages["NT"] is Comment.D
    assert list(result.year.averages) == [s.code for s in small_school.subjects_of_grade(6)]
    assert result.missing == []


# --- conduct: the year from the two semesters (DOMAIN table) ----------------------------------

CONDUCT = [
    # HK1, HK2, year, outcome
    ("Tốt", "Tốt", T, Outcome.PROMOTED),
    ("Khá", "Tốt", T, Outcome.PROMOTED),
    ("Tốt", "Khá", K, Outcome.PROMOTED),
    ("Đạt", "Tốt", K, Outcome.PROMOTED),
    ("Tốt", "Đạt", K, Outcome.PROMOTED),
    ("Chưa đạt", "Tốt", K, Outcome.PROMOTED),
    ("Chưa đạt", "Khá", D, Outcome.PROMOTED),
    ("Đạt", "Đạt", D, Outcome.PROMOTED),
    ("Tốt", "Chưa đạt", CD, Outcome.SUMMER_TRAINING),
]


@pytest.mark.parametrize(("hk1", "hk2", "year", "outcome"), CONDUCT)
def test_year_conduct_and_summer_training(
    small_school: Setup, hk1: str, hk2: str, year: Level, outcome: Outcome
) -> None:
    code = first(small_school)
    result = result_of(small_school, code, year_values(small_school, code, conduct=(hk1, hk2)))
    assert (result.hk1.conduct, result.hk2.conduct) == (Level(hk1), Level(hk2))
    assert result.year.conduct is year
    assert result.year.outcome is outcome
    # learning Tốt: Giỏi only with Tốt conduct
    assert result.year.award is (Award.GOOD if year is T else None)
    if outcome is Outcome.SUMMER_TRAINING:
        assert result.year.re_exam == []
        assert result.year.reason == "Kết quả rèn luyện cả năm Chưa đạt"


def test_re_exam_and_summer_training_together(small_school: Setup) -> None:
    code = first(small_school)
    # TOAN and NV at 3.4 -> learning Chưa đạt (not raised); conduct Đạt then Chưa đạt -> CĐ
    cells = year_values(
        small_school, code, scores={"TOAN": "3.4", "NV": "3.4"}, conduct=("Đạt", "Chưa đạt")
    )
    year = result_of(small_school, code, cells).year
    assert (year.learning, year.conduct) == (CD, CD)
    assert year.outcome is Outcome.RE_EXAM_AND_TRAINING
    assert year.re_exam == ["NV", "TOAN"]
    assert year.reason == "Kết quả học tập cả năm Chưa đạt; Kết quả rèn luyện cả năm Chưa đạt"


# --- absences ---------------------------------------------------------------------------------


def test_a_student_kept_back_for_absences_gets_no_award(small_school: Setup) -> None:
    """Tốt learning (six subjects at 9.0) and Tốt conduct, but 46 sessions absent."""
    code = first(small_school)
    cells = year_values(small_school, code, scores={c: "9" for c in SCORED6}, excused=46)
    year = result_of(small_school, code, cells).year
    assert (year.learning, year.conduct, year.outcome) == (T, T, Outcome.RETAINED)
    assert year.award is None


ABSENCES = [
    # P, K, max (None: the school's 45), outcome, reason
    (30, 15, None, Outcome.PROMOTED, ""),
    (30, 16, None, Outcome.RETAINED, "Nghỉ 46 buổi (quá 45 buổi)"),
    (0, 46, None, Outcome.RETAINED, "Nghỉ 46 buổi (quá 45 buổi)"),
    (30, 16, 50, Outcome.PROMOTED, ""),
]


@pytest.mark.parametrize(("excused", "unexcused", "limit", "outcome", "reason"), ABSENCES)
def test_promotion_against_the_absence_limit(
    small_school: Setup,
    excused: int,
    unexcused: int,
    limit: int | None,
    outcome: Outcome,
    reason: str,
) -> None:
    code = first(small_school)
    # learning Khá (all 7.0), so an award plays no part
    cells = year_values(
        small_school,
        code,
        scores={c: "7" for c in SCORED6},
        excused=excused,
        unexcused=unexcused,
    )
    year = result_of(small_school, code, cells, max_absences=limit).year
    assert (year.excused, year.unexcused, year.absences) == (
        excused,
        unexcused,
        excused + unexcused,
    )
    assert year.outcome is outcome
    assert year.reason == reason
    assert year.re_exam == []


def test_absences_of_a_retained_student_cancel_the_re_exam(small_school: Setup) -> None:
    code = first(small_school)
    # TOAN and NV below 3.5 -> Chưa đạt, but 46 sessions absent: not promoted whatever the
    # re-exam gives, so no re-exam is proposed
    cells = year_values(small_school, code, scores={"TOAN": "3", "NV": "3"}, excused=46)
    year = result_of(small_school, code, cells).year
    assert year.learning is CD
    assert year.outcome is Outcome.RETAINED
    assert year.re_exam == []
    assert year.reason == "Nghỉ 46 buổi (quá 45 buổi)"


def test_absences_per_semester_follow_the_month_keys(small_school: Setup) -> None:
    code, other = first(small_school), first(small_school, 1)
    cells = year_values(small_school, code)
    # 16 January 2026 (Friday) is in HK1's January sheet, 20 January in HK2's
    cells[(SheetKey(CLASS, "DIEMDANH-2026-01", 1), code, "2026-01-16")] = "P"
    cells[(SheetKey(CLASS, "DIEMDANH-2026-01", 2), code, "2026-01-20")] = "K"
    cells[(SheetKey(CLASS, "DIEMDANH-2026-03", 2), code, "2026-03-02")] = "P"
    cells[(SheetKey(CLASS, "DIEMDANH-2026-03", 2), other, "2026-03-03")] = "K"
    result = result_of(small_school, code, cells)
    assert (result.hk1.excused, result.hk1.unexcused) == (1, 0)
    assert (result.hk2.excused, result.hk2.unexcused) == (1, 1)
    assert (result.year.excused, result.year.unexcused) == (2, 1)


# --- exemptions -------------------------------------------------------------------------------


def test_a_wholly_exempt_subject_is_left_out_of_every_count(small_school: Setup) -> None:
    exempt = "3125000049"  # 9A1, NN1 wholly exempt in the demo school
    (exemption,) = [e for e in small_school.exemptions if e.student_code == exempt]
    assert exemption.subject_code == "NN1"
    classmate = next(s.code for s in small_school.students_of("9A1") if s.code != exempt)
    # seven scored subjects left: six at 9.0 and CN 8.0 -> Tốt and six >= 9.0 -> Xuất sắc;
    # NN1 at 2.0 in HK1 only would otherwise be missing in HK2
    nines = {c: "9" for c in ("NV", "TOAN", "GDCD", "LSDL", "KHTN", "TIN")}
    scores: dict[str, Entry] = {**nines, "NN1": ("2", None)}
    cells = year_values(small_school, exempt, scores=scores)
    cells |= year_values(small_school, classmate, scores=scores)
    result = result_of(small_school, exempt, cells)
    assert result.exempt == ["NN1"]
    assert "NN1" not in result.hk1.averages and "NN1" not in result.year.averages
    assert result.missing == []
    assert result.year.learning is T
    assert result.year.award is Award.EXCELLENT
    other = result_of(small_school, classmate, cells)
    assert other.exempt == []
    assert other.missing == ["Ngoại ngữ 1 (Tiếng Anh) HK2: chưa có điểm"]
    # HK1 NN1 2.0 < 3.5 -> Chưa đạt; without NN1 Tốt -> raised to Đạt
    assert (other.hk1.averages["NN1"], other.hk1.learning) == (20, D)
    assert other.year.learning is None and other.year.outcome is None


def test_a_practical_exemption_changes_no_count(small_school: Setup) -> None:
    code = "3125000004"  # 6A1, exempt from the practical part of GDTC: assessed on theory
    cells = year_values(small_school, code)
    del cells[(SheetKey(CLASS, "GDTC", 1), code, "CK")]
    result = result_of(small_school, code, cells)
    assert result.exempt == []
    assert result.missing == ["Giáo dục thể chất HK1: thiếu CK"]
    assert result.hk1.averages["GDTC"] is None


# --- missing inputs ---------------------------------------------------------------------------


def test_a_missing_ck_blocks_the_semester_and_the_year(small_school: Setup) -> None:
    code = first(small_school)
    cells = year_values(small_school, code)
    del cells[(SheetKey(CLASS, "TOAN", 1), code, "CK")]
    result = result_of(small_school, code, cells)
    assert result.missing == ["Toán HK1: thiếu CK"]
    assert result.hk1.averages["TOAN"] is None and result.year.averages["TOAN"] is None
    assert (result.hk1.learning, result.year.learning) == (None, None)
    assert result.hk2.learning is T  # HK2 is complete
    assert (result.year.outcome, result.year.award, result.complete) == (None, None, False)


def test_missing_columns_are_named_and_a_blank_is_never_chua_dat(small_school: Setup) -> None:
    code = first(small_school)
    cells = year_values(small_school, code)
    for column in ("TX2", "GK"):
        del cells[(SheetKey(CLASS, "NV", 2), code, column)]
    del cells[(SheetKey(CLASS, "NT", 1), code, "TX1")]
    cells[(SheetKey(CLASS, "TIN", 1), code, "TX2")] = "abc"  # never accepted, but stay calm
    result = result_of(small_school, code, cells)
    assert result.missing == [
        "Tin học HK1: TX2 không hợp lệ («abc»)",
        "Nghệ thuật (Âm nhạc, Mĩ thuật) HK1: thiếu TX1",
        "Ngữ văn HK2: thiếu TX2, GK",
    ]
    assert result.hk1.averages["NT"] is None  # not yet assessed, not Chưa đạt
    assert result.year.averages["NT"] is Comment.D  # the year result is HK2's
    assert result.year.outcome is None


def test_missing_conduct(small_school: Setup) -> None:
    code = first(small_school)
    result = result_of(small_school, code, year_values(small_school, code, conduct=("Tốt", None)))
    assert result.missing == ["Rèn luyện HK2"]
    assert (result.hk1.conduct, result.hk2.conduct, result.year.conduct) == (T, None, None)
    assert result.hk2.learning is T
    assert (result.year.outcome, result.year.award) == (None, None)


def test_a_month_of_attendance_not_confirmed(small_school: Setup) -> None:
    code = first(small_school)
    keys = attendance_keys(small_school, CLASS)
    october, january2 = (
        SheetKey(CLASS, "DIEMDANH-2025-10", 1),
        SheetKey(CLASS, "DIEMDANH-2026-01", 2),
    )
    received = [k for k in keys if k not in (october, january2)]
    result = result_of(small_school, code, year_values(small_school, code), received=received)
    assert result.missing == [
        "Điểm danh tháng 10/2025: chưa xác nhận, quá hạn 05/11/2025",
        "Điểm danh tháng 01/2026 (HK2): chưa xác nhận, quá hạn 05/02/2026",
    ]
    assert (result.year.learning, result.year.conduct) == (T, T)
    assert (result.year.outcome, result.year.award) == (None, None)


def test_a_month_is_received_when_the_ledger_holds_any_mark_of_it(small_school: Setup) -> None:
    code, other = first(small_school), first(small_school, 1)
    cells = year_values(small_school, code)
    received = [
        k for k in attendance_keys(small_school, CLASS) if k.subject_code != "DIEMDANH-2025-11"
    ]
    assert result_of(small_school, code, cells, received=received).missing == [
        "Điểm danh tháng 11/2025: chưa xác nhận, quá hạn 05/12/2025"
    ]
    cells[(SheetKey(CLASS, "DIEMDANH-2025-11", 1), other, "2025-11-03")] = "P"
    result = result_of(small_school, code, cells, received=received)
    assert result.missing == []
    assert result.year.outcome is Outcome.PROMOTED


def test_early_in_the_year_only_what_is_due_is_missing(small_school: Setup) -> None:
    code = first(small_school)
    subjects = small_school.subjects_of_grade(6)
    expected = [
        f"{s.name} HK1: chưa có {'điểm' if s.mode is AssessmentMode.SCORE else 'đánh giá'}"
        for s in subjects
    ]
    # 5 October: September is due today, October has begun; nothing of HK2 is listed
    result = result_of(small_school, code, {}, date(2025, 10, 5), received=[])
    months = ["Điểm danh tháng 09/2025", "Điểm danh tháng 10/2025"]
    assert result.missing == [*expected, "Rèn luyện HK1", *months]
    # the school may set an earlier confirmation window in its calendar (1–3 October)…
    earlier = _attendance_windows(small_school, {(2025, 10): date(2025, 10, 3)})
    result = result_of(earlier, code, {}, date(2025, 10, 5), received=[])
    assert result.missing[-2] == "Điểm danh tháng 09/2025: chưa xác nhận, quá hạn 03/10/2025"
    assert result.hk1.learning is None and result.hk2.averages["TOAN"] is None
    # …and without any window in the calendar, the confirmation day (default the 5th) applies
    bare = _attendance_windows(small_school, {})
    result = result_of(bare, code, {}, date(2025, 10, 5), received=[], confirm_day=3)
    assert result.missing[-2] == "Điểm danh tháng 09/2025: chưa xác nhận, quá hạn 03/10/2025"
    result = result_of(bare, code, {}, date(2025, 10, 5), received=[])
    assert result.missing[-2] == "Điểm danh tháng 09/2025"


def test_a_later_window_in_the_calendar_moves_the_deadline(small_school: Setup) -> None:
    code = first(small_school)
    later = _attendance_windows(small_school, {(2025, 11): date(2025, 11, 8)})
    received = [
        k for k in attendance_keys(small_school, CLASS) if k.subject_code != "DIEMDANH-2025-10"
    ]
    cells = year_values(small_school, code)
    on_time = result_of(later, code, cells, date(2025, 11, 8), received=received)
    assert "Điểm danh tháng 10/2025" in on_time.missing
    late = result_of(later, code, cells, date(2025, 11, 9), received=received)
    assert "Điểm danh tháng 10/2025: chưa xác nhận, quá hạn 08/11/2025" in late.missing


def _attendance_windows(setup: Setup, ends: dict[tuple[int, int], date]) -> Setup:
    """``setup`` whose calendar's «Xác nhận điểm danh» windows are only those of ``ends``:
    (year, month the window opens) → its last day."""
    events = [e for e in setup.calendar if e.kind is not EventKind.ATTENDANCE]
    events += [
        CalendarEvent(EventKind.ATTENDANCE, date(y, m, 1), end, None, "", "Xác nhận điểm danh")
        for (y, m), end in ends.items()
    ]
    return replace(setup, calendar=tuple(events))


def test_the_proposal_waits_for_the_end_of_the_year(small_school: Setup) -> None:
    code = first(small_school)
    result = result_of(small_school, code, year_values(small_school, code), date(2026, 5, 30))
    assert result.missing == []
    assert (result.year.learning, result.year.conduct) == (T, T)
    assert (result.year.outcome, result.year.award) == (None, None)


# --- through the pipeline: the keys are those ingestion stores --------------------------------


def drop(school: School, name: str, cells: Mapping[str, Any]) -> Path:
    return school.fill_homeroom(CLASS, name, dict(cells))


def test_results_of_a_class_ingested_through_the_pipeline(school: School) -> None:
    students = school.setup.students_of(CLASS)
    rows = range(8, 8 + len(students))
    toan: dict[str, Any] = {}
    nt: dict[str, Any] = {}
    for r in rows:  # TOAN: D..G TX1..TX4, H GK, I CK; NT: D, E TX1, TX2, F GK, G CK
        toan |= {f"D{r}": 8, f"E{r}": 7, f"F{r}": 9, f"G{r}": 6, f"H{r}": 7, f"I{r}": 8.5}
        nt |= {f"D{r}": "Đ", f"E{r}": "Đ", f"F{r}": "Đ", f"G{r}": "Đ"}
    toan["I9"] = None  # the second student missed the end-of-term test
    nt["G10"] = "CĐ"
    conduct = {f"D{r}": "Tốt" for r in rows} | {"D9": "Khá"}
    # September: D is the 1st, H Friday 5 (first school day), K Monday 8
    attendance = {"H8": "P", "K8": "K", "H9": "P"}
    outcomes = school.ingest(
        school.fill(CLASS, "TOAN", toan),
        school.fill(CLASS, "NT", nt),
        drop(school, "6A1_RenLuyen_HK1.xlsx", conduct),
        drop(school, "6A1_DiemDanh_2025-09_HK1.xlsx", attendance),
    )
    assert [o.status for o in outcomes] == [Status.ACCEPTED] * 4, [
        str(p) for o in outcomes for p in o.problems
    ]
    with Ledger.open(school.data.ledger) as ledger:
        values = ledger.scores_of_class(CLASS)
    first_, second, third = student_results(school.setup, CLASS, values, OCTOBER)[:3]
    assert [r.code for r in (first_, second, third)] == [s.code for s in students[:3]]
    # (8+7+9+6 + 2*7 + 3*8.5)/9 = 69.5/9 = 7.72 -> 7.7
    assert first_.hk1.averages["TOAN"] == 77 and second.hk1.averages["TOAN"] is None
    assert (first_.hk1.averages["NT"], third.hk1.averages["NT"]) == (Comment.D, Comment.CD)
    assert (first_.hk1.conduct, second.hk1.conduct) == (T, K)
    assert (first_.hk1.excused, first_.hk1.unexcused, second.hk1.excused) == (1, 1, 1)
    assert first_.hk1.learning is None  # the other subjects are still blank
    assert "Toán HK1: thiếu CK" in second.missing
    assert not any(m.startswith("Toán") for m in first_.missing)
    assert "Ngữ văn HK1: chưa có điểm" in first_.missing
    assert "Rèn luyện HK1" not in first_.missing
    # 10 October: September is in; October has begun and is not yet due
    assert [m for m in first_.missing if m.startswith("Điểm danh")] == ["Điểm danh tháng 10/2025"]


def test_excused_absences_confirmed_late_count_as_unexcused(small_school: Setup) -> None:
    code = first(small_school)
    cells = year_values(small_school, code)
    october = SheetKey(CLASS, "DIEMDANH-2025-10", 1)
    days = [d for key, d in open_days(small_school, CLASS) if key == october]
    cells |= {(october, code, days[0].isoformat()): "P", (october, code, days[1].isoformat()): "P",
              (october, code, days[2].isoformat()): "K"}  # fmt: skip
    on_time = result_of(small_school, code, cells)
    assert (on_time.hk1.excused, on_time.hk1.unexcused, on_time.notes) == (2, 1, [])
    students = [s.code for s in small_school.students_of(CLASS)]
    keys = attendance_keys(small_school, CLASS)
    results = student_results(small_school, CLASS, cells, YEAR_END, received=keys, late={october})
    late = results[students.index(code)]
    assert (late.hk1.excused, late.hk1.unexcused, late.year.unexcused) == (0, 3, 3)
    assert late.notes == ["2 buổi nghỉ có phép tháng 10/2025 xác nhận sau hạn, tính là không phép"]


LATE = [
    # id, the sheet's first arrival, late (the demo calendar: window 1–5 November)
    ("on-the-deadline", "2025-11-05T16:59:00+07:00", False),
    ("a-day-after", "2025-11-06T07:00:00+07:00", True),
    ("early", "2025-10-31T10:00:00+07:00", False),
]


@pytest.mark.parametrize(("at", "late"), [row[1:] for row in LATE], ids=[r[0] for r in LATE])
def test_a_month_is_confirmed_late_after_its_window(
    small_school: Setup, at: str, late: bool
) -> None:
    october = SheetKey(CLASS, "DIEMDANH-2025-10", 1)
    maths = SheetKey(CLASS, "TOAN", 1)  # not attendance: never late here
    found = confirmed_late(small_school, {october: at, maths: "2026-06-01T00:00:00+07:00"})
    assert found == ({october} if late else set())
