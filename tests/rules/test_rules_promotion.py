"""Promotion, re-exam, summer training and awards."""

from __future__ import annotations

import pytest

from workbook_engine.rules import (
    MAX_ABSENCES_DEFAULT,
    Award,
    Comment,
    Level,
    Outcome,
    apply_re_exam,
    award,
    learning_level,
    promotion,
    re_exam_subjects,
)

T, K, D, CD = Level.T, Level.K, Level.D, Level.CD

SCORED = ("NV", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN")
COMMENTED = ("GDTC", "NT", "HDTN", "GDDP")


def scored(*averages: int | None) -> dict[str, int | None]:
    """Map the 8 scored subjects, in SCORED order, to year averages in tenths."""
    return dict(zip(SCORED, averages, strict=True))


def all_passed() -> dict[str, Comment | None]:
    return dict.fromkeys(COMMENTED, Comment.D)


def test_outcome_and_award_texts() -> None:
    assert MAX_ABSENCES_DEFAULT == 45
    assert [o.value for o in Outcome] == [
        "Lên lớp",
        "Kiểm tra lại",
        "Rèn luyện trong kì nghỉ hè",
        "Kiểm tra lại và rèn luyện trong hè",
        "Ở lại lớp",
    ]
    assert [a.value for a in Award] == ["Học sinh Xuất sắc", "Học sinh Giỏi"]


@pytest.mark.parametrize(
    ("learning", "conduct", "absences", "expected"),
    [
        (T, T, 0, Outcome.PROMOTED),
        (K, D, 10, Outcome.PROMOTED),
        (D, D, 45, Outcome.PROMOTED),  # exactly 45 is allowed
        (D, D, 46, Outcome.RETAINED),  # more than 45
        (T, T, 46, Outcome.RETAINED),  # whatever else
        (CD, D, 10, Outcome.RE_EXAM),
        (CD, T, 45, Outcome.RE_EXAM),
        (D, CD, 10, Outcome.SUMMER_TRAINING),
        (T, CD, 0, Outcome.SUMMER_TRAINING),
        (CD, CD, 0, Outcome.RE_EXAM_AND_TRAINING),
        (CD, D, 46, Outcome.RETAINED),  # absent too much: no re-exam helps
        (CD, CD, 46, Outcome.RETAINED),
    ],
)
def test_promotion(learning: Level, conduct: Level, absences: int, expected: Outcome) -> None:
    assert promotion(learning, conduct, absences) is expected


@pytest.mark.parametrize(
    ("absences", "max_absences", "expected"),
    [(30, 30, Outcome.PROMOTED), (31, 30, Outcome.RETAINED), (50, 60, Outcome.PROMOTED)],
)
def test_promotion_max_absences_is_a_setting(
    absences: int, max_absences: int, expected: Outcome
) -> None:
    assert promotion(K, K, absences, max_absences=max_absences) is expected


@pytest.mark.parametrize(
    ("learning", "conduct", "absences", "expected"),
    [
        (D, D, 0, Outcome.PROMOTED),  # re-exam / training passed
        (CD, D, 0, Outcome.RETAINED),  # still Chưa đạt after the re-exam
        (D, CD, 0, Outcome.RETAINED),  # still Chưa đạt after summer training
        (CD, CD, 0, Outcome.RETAINED),
        (D, D, 46, Outcome.RETAINED),
    ],
)
def test_promotion_after_the_summer(
    learning: Level, conduct: Level, absences: int, expected: Outcome
) -> None:
    assert promotion(learning, conduct, absences, final=True) is expected


@pytest.mark.parametrize(("absences", "max_absences"), [(-1, 45), (True, 45), (3, -1), (2.0, 45)])
def test_promotion_rejects_bad_counts(absences: object, max_absences: object) -> None:
    with pytest.raises(ValueError):
        promotion(D, D, absences, max_absences)  # type: ignore[arg-type]


def test_re_exam_subjects() -> None:
    s = {
        "NV": 49,  # < 5.0
        "TOAN": 50,  # exactly 5.0: not re-examined
        "NN1": 0,
        "GDCD": 34,
        "LSDL": None,  # blank: skipped
        "KHTN": 90,
        "CN": 65,
        "TIN": 100,
    }
    c = {"GDTC": Comment.D, "NT": Comment.CD, "HDTN": None, "GDDP": Comment.D}
    assert re_exam_subjects(s, c) == ["GDCD", "NN1", "NT", "NV"]


def test_re_exam_subjects_none() -> None:
    assert re_exam_subjects(scored(50, 50, 50, 50, 50, 50, 50, 50), all_passed()) == []


# NV 4.0, TOAN 3.0, the other six 7.0, all commented Đ:
# 3.0 < 3.5 -> Chưa đạt. Without TOAN: NV 4.0 < 5.0 -> Đạt (not Tốt/Khá); without NV: TOAN 3.0
# remains -> Chưa đạt. No adjustment -> Chưa đạt.
BEFORE = scored(40, 30, 70, 70, 70, 70, 70, 70)


def test_re_exam_starting_point() -> None:
    assert learning_level(BEFORE, all_passed()) is CD
    assert re_exam_subjects(BEFORE, all_passed()) == ["NV", "TOAN"]


@pytest.mark.parametrize(
    ("re_exam", "new_nv", "new_toan", "level"),
    [
        # TOAN 6.0: NV 4.0, TOAN 6.0, six 7.0 -> not Khá (4.0 < 5.0); 7 at >= 5.0, none < 3.5
        # -> Đạt. Without NV: six 7.0 + 6.0 -> Khá, only one step above -> Đạt.
        ({"TOAN": 60}, 40, 60, D),
        # NV 5.0, TOAN 6.5: all >= 5.0, 7 at >= 6.5 -> Khá (none >= 8.0, never Tốt).
        ({"NV": 50, "TOAN": 65}, 50, 65, K),
        # a lower re-exam score still replaces: TOAN 2.0 -> Chưa đạt.
        ({"TOAN": 20}, 40, 20, CD),
        # NV 5.0 only: TOAN 3.0 < 3.5 -> Chưa đạt; without TOAN: six 7.0 + 5.0 -> Khá,
        # two steps above -> raised to Đạt.
        ({"NV": 50}, 50, 30, D),
    ],
)
def test_apply_re_exam_scores(
    re_exam: dict[str, int], new_nv: int, new_toan: int, level: Level
) -> None:
    before = dict(BEFORE)
    new_scored, new_commented, new_level = apply_re_exam(BEFORE, all_passed(), re_exam, {})
    assert new_scored == {**BEFORE, "NV": new_nv, "TOAN": new_toan}
    assert new_commented == all_passed()
    assert new_level is level
    assert before == BEFORE  # inputs untouched


@pytest.mark.parametrize(
    ("re_exam", "level"),
    [
        # NT Đ: one CĐ left (GDTC) -> Đạt; without GDTC: all 7.0 -> Khá, one step -> Đạt.
        ({"NT": Comment.D}, D),
        # both Đ: all 7.0 (8 at >= 6.5, none at 8.0) -> Khá.
        ({"NT": Comment.D, "GDTC": Comment.D}, K),
        # re-exam still CĐ -> two CĐ -> Chưa đạt.
        ({"NT": Comment.CD}, CD),
    ],
)
def test_apply_re_exam_comments(re_exam: dict[str, Comment], level: Level) -> None:
    s = scored(70, 70, 70, 70, 70, 70, 70, 70)
    c: dict[str, Comment | None] = {**all_passed(), "GDTC": Comment.CD, "NT": Comment.CD}
    # two CĐ -> Chưa đạt; without one of them -> Đạt (not Tốt/Khá) -> no adjustment
    assert learning_level(s, c) is CD
    new_scored, new_commented, new_level = apply_re_exam(s, c, {}, re_exam)
    assert new_scored == s
    assert new_commented == {**c, **re_exam}
    assert new_level is level


@pytest.mark.parametrize(
    ("scores", "comments"),
    [
        ({"TIN": 80}, {}),  # 7.0: not eligible
        ({"XYZ": 80}, {}),  # unknown subject
        ({"GDTC": 80}, {}),  # a commented subject given a score
        ({}, {"TOAN": Comment.D}),  # a scored subject given a comment
        ({}, {"NT": Comment.D}),  # NT is Đ: not eligible
        ({"TOAN": 101}, {}),  # not a score in tenths
    ],
)
def test_apply_re_exam_rejects(scores: dict[str, int], comments: dict[str, Comment]) -> None:
    with pytest.raises(ValueError):
        apply_re_exam(BEFORE, all_passed(), scores, comments)


@pytest.mark.parametrize(
    ("learning", "conduct", "averages", "expected"),
    [
        # exactly 6 at >= 9.0 -> Xuất sắc
        (T, T, (90, 90, 90, 90, 90, 90, 80, 80), Award.EXCELLENT),
        # only 5 at >= 9.0 -> Giỏi
        (T, T, (90, 90, 90, 90, 90, 89, 89, 89), Award.GOOD),
        (T, T, (100, 100, 100, 100, 100, 100, 100, 100), Award.EXCELLENT),
        (T, T, (80, 80, 80, 80, 80, 80, 80, 80), Award.GOOD),
        # blank averages do not count: 6 at 9.0 + blank -> Xuất sắc; 5 + blank -> Giỏi
        (T, T, (90, 90, 90, 90, 90, 90, None, 80), Award.EXCELLENT),
        (T, T, (90, 90, 90, 90, 90, None, 80, 80), Award.GOOD),
        (T, K, (100, 100, 100, 100, 100, 100, 100, 100), None),
        (K, T, (100, 100, 100, 100, 100, 100, 100, 100), None),
        (D, D, (70, 70, 70, 70, 70, 70, 70, 70), None),
        (None, T, (100, 100, 100, 100, 100, 100, 100, 100), None),
        (T, None, (100, 100, 100, 100, 100, 100, 100, 100), None),
    ],
)
def test_award(
    learning: Level | None,
    conduct: Level | None,
    averages: tuple[int | None, ...],
    expected: Award | None,
) -> None:
    assert award(learning, conduct, scored(*averages)) is expected
