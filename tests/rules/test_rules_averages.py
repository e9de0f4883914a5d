"""Semester and year averages, commented-subject results. All numbers in tenths."""

from __future__ import annotations

import pytest

from workbook_engine.rules import (
    Comment,
    semester_average,
    semester_comment_result,
    year_average,
    year_comment_result,
)

D = Comment.D
CD = Comment.CD


@pytest.mark.parametrize(
    ("tx", "gk", "ck", "expected"),
    [
        # (7+8+9+6 + 2*7 + 3*8)/9 = 68/9 = 7.555… -> 7.6
        ((70, 80, 90, 60), 70, 80, 76),
        # (8+9 + 2*7 + 3*6.5)/7 = 50.5/7 = 7.214… -> 7.2
        ((80, 90), 70, 65, 72),
        # exact half: (6+6+6 + 2*6.3 + 3*7)/8 = 51.6/8 = 6.45 -> 6.5
        ((60, 60, 60), 63, 70, 65),
        # just below: (5.9+6+6 + 2*6.3 + 3*7)/8 = 51.5/8 = 6.4375 -> 6.4
        ((59, 60, 60), 63, 70, 64),
        # exact half: (9+8+8 + 2*9 + 3*9)/8 = 70/8 = 8.75 -> 8.8
        ((90, 80, 80), 90, 90, 88),
        # (9+8+7.9 + 2*9 + 3*9)/8 = 69.9/8 = 8.7375 -> 8.7
        ((90, 80, 79), 90, 90, 87),
        # 5 TX (study topic): (8*4+8.5 + 2*8 + 3*8)/10 = 80.5/10 = 8.05 -> 8.1 (exact half)
        ((80, 80, 80, 80, 85), 80, 80, 81),
        # (6.5*3+6.4 + 2*6.4 + 3*6.5)/9 = 58.2/9 = 6.4666… -> 6.5
        ((65, 65, 65, 64), 64, 65, 65),
        # (6+7 + 2*6.5 + 3*6.3)/7 = 44.9/7 = 6.414… -> 6.4
        ((60, 70), 65, 63, 64),
        # (5+5 + 2*5 + 3*4)/7 = 32/7 = 4.571… -> 4.6
        ((50, 50), 50, 40, 46),
        # (4.9+5 + 2*5 + 3*5)/7 = 34.9/7 = 4.985… -> 5.0
        ((49, 50), 50, 50, 50),
        # (10*4 + 2*10 + 3*10)/9 = 90/9 = 10.0
        ((100, 100, 100, 100), 100, 100, 100),
        # all zero (entered explicitly, not blank) -> 0.0
        ((0, 0), 0, 0, 0),
        # (10+10 + 0 + 0)/7 = 20/7 = 2.857… -> 2.9
        ((100, 100), 0, 0, 29),
    ],
)
def test_semester_average(tx: tuple[int, ...], gk: int, ck: int, expected: int) -> None:
    assert semester_average(tx, gk, ck, required_tx=len(tx)) == expected


@pytest.mark.parametrize(
    ("tx", "gk", "ck"),
    [
        ((70, None, 80, 90), 70, 80),
        ((70, 80, 80, 90), None, 80),
        ((70, 80, 80, 90), 70, None),
        ((None, None, None, None), None, None),
    ],
)
def test_semester_average_blank_while_anything_missing(
    tx: tuple[int | None, ...], gk: int | None, ck: int | None
) -> None:
    assert semester_average(tx, gk, ck, required_tx=4) is None


def test_semester_average_zero_is_not_blank() -> None:
    # (0+0 + 2*0 + 3*0)/7 = 0 -> a real 0.0, not None
    assert semester_average([0, 0], 0, 0, required_tx=2) == 0


@pytest.mark.parametrize(
    ("tx", "required"),
    [((70, 80, 90), 4), ((70, 80, 90, 60, 50), 4), ((70, 80), 3), ((), 0)],
)
def test_semester_average_wrong_tx_count_is_an_error(tx: tuple[int, ...], required: int) -> None:
    with pytest.raises(ValueError):
        semester_average(tx, 70, 80, required_tx=required)


@pytest.mark.parametrize(
    ("tx", "gk", "ck"),
    [((70, 101), 70, 70), ((70, 80), -1, 70), ((70, 80), 70, True), ((7.5, 80), 70, 70)],
)
def test_semester_average_rejects_values_not_in_tenths(
    tx: tuple[object, ...], gk: object, ck: object
) -> None:
    with pytest.raises(ValueError):
        semester_average(tx, gk, ck, required_tx=2)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sem1", "sem2", "expected"),
    [
        # (6.4 + 2*6.5)/3 = 19.4/3 = 6.4666… -> 6.5
        (64, 65, 65),
        # (6.5 + 2*6.4)/3 = 19.3/3 = 6.4333… -> 6.4
        (65, 64, 64),
        # (8.0 + 2*8.0)/3 = 8.0
        (80, 80, 80),
        # (7.0 + 2*6.4)/3 = 19.8/3 = 6.6
        (70, 64, 66),
        # (10 + 0)/3 = 3.333… -> 3.3
        (100, 0, 33),
        # (0 + 2*10)/3 = 6.666… -> 6.7
        (0, 100, 67),
        # (4.9 + 2*5.0)/3 = 14.9/3 = 4.9666… -> 5.0
        (49, 50, 50),
        # (5.1 + 2*4.9)/3 = 14.9/3 = 4.9666… -> 5.0
        (51, 49, 50),
        # (3.5 + 2*3.4)/3 = 10.3/3 = 3.4333… -> 3.4
        (35, 34, 34),
        # (9.0 + 2*8.9)/3 = 26.8/3 = 8.9333… -> 8.9
        (90, 89, 89),
        (0, 0, 0),
        (100, 100, 100),
    ],
)
def test_year_average(sem1: int, sem2: int, expected: int) -> None:
    # note: a sum divided by 3 is never exactly x.x5, so no half case exists for the year
    assert year_average(sem1, sem2) == expected


@pytest.mark.parametrize(("sem1", "sem2"), [(None, 80), (80, None), (None, None)])
def test_year_average_blank_when_a_semester_is_blank(sem1: int | None, sem2: int | None) -> None:
    assert year_average(sem1, sem2) is None


def test_year_average_uses_rounded_semester_averages() -> None:
    # semester 1: (6.4+6.4 + 2*6.4 + 3*6.4)/7 = 44.8/7 = 6.4
    sem1 = semester_average([64, 64], 64, 64, required_tx=2)
    # semester 2: (6+6+6 + 2*6.3 + 3*7)/8 = 51.6/8 = 6.45 -> 6.5
    sem2 = semester_average([60, 60, 60], 63, 70, required_tx=3)
    assert (sem1, sem2) == (64, 65)
    # (6.4 + 2*6.5)/3 = 19.4/3 = 6.4666… -> 6.5
    # (with the unrounded 6.45 it would be (6.4 + 12.9)/3 = 6.4333… -> 6.4: wrong)
    assert year_average(sem1, sem2) == 65


@pytest.mark.parametrize(
    ("tx", "gk", "ck", "expected"),
    [
        ((D, D), D, D, D),
        ((D, CD), D, D, CD),
        ((CD, D), D, D, CD),
        ((D, D), CD, D, CD),
        ((D, D), D, CD, CD),
        ((CD, CD), CD, CD, CD),
        # a missing assessment counts against the student
        ((D, None), D, D, CD),
        ((D, D), None, D, CD),
        ((D, D), D, None, CD),
        ((None, None), None, None, CD),
    ],
)
def test_semester_comment_result(
    tx: tuple[Comment | None, ...], gk: Comment | None, ck: Comment | None, expected: Comment
) -> None:
    assert semester_comment_result(tx, gk, ck) is expected


def test_semester_comment_result_other_tx_count() -> None:
    assert semester_comment_result([D, D, D], D, D, required_tx=3) is D
    assert semester_comment_result([D, D, CD], D, D, required_tx=3) is CD


@pytest.mark.parametrize(("tx", "required"), [((D,), 2), ((D, D, D), 2), ((D, D), 3)])
def test_semester_comment_result_wrong_tx_count(tx: tuple[Comment, ...], required: int) -> None:
    with pytest.raises(ValueError):
        semester_comment_result(tx, D, D, required_tx=required)


def test_semester_comment_result_rejects_text() -> None:
    with pytest.raises(ValueError):
        semester_comment_result(["Đ", "Đ"], D, D)  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("sem1", "sem2", "expected"),
    [
        (D, D, D),
        (CD, D, D),  # the year is the semester 2 result
        (D, CD, CD),
        (CD, CD, CD),
        (None, D, D),
        (None, CD, CD),
        (D, None, None),
        (None, None, None),
    ],
)
def test_year_comment_result(
    sem1: Comment | None, sem2: Comment | None, expected: Comment | None
) -> None:
    assert year_comment_result(sem1, sem2) is expected
