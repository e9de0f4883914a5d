"""Learning result level (with and without the one-subject adjustment) and year conduct."""

from __future__ import annotations

import pytest

from workbook_engine.rules import (
    Comment,
    Level,
    learning_level,
    learning_level_unadjusted,
    year_conduct,
)

T, K, D, CD = Level.T, Level.K, Level.D, Level.CD

# the 8 scored and 4 commented subjects of grades 6-9
SCORED = ("NV", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN")
COMMENTED = ("GDTC", "NT", "HDTN", "GDDP")


def scored(*averages: int | None) -> dict[str, int | None]:
    """Map the 8 scored subjects, in SCORED order, to averages in tenths."""
    return dict(zip(SCORED, averages, strict=True))


def commented(not_passed: int = 0) -> dict[str, Comment | None]:
    """Map the 4 commented subjects: the first ``not_passed`` are CĐ, the rest Đ."""
    return {c: Comment.CD if i < not_passed else Comment.D for i, c in enumerate(COMMENTED)}


# (averages of the 8 scored subjects, number of CĐ among the 4 commented, unadjusted, adjusted)
CASES = [
    # Tốt: 6 at >= 8.0, the others >= 6.5, all Đ. Nothing to adjust.
    pytest.param((80, 80, 80, 80, 80, 80, 65, 65), 0, T, T, id="tot-exactly-6-at-8.0"),
    pytest.param((100, 100, 100, 100, 100, 100, 100, 65), 0, T, T, id="tot-one-at-6.5"),
    # only 5 at >= 8.0 -> not Tốt; all >= 5.0 and 8 at >= 6.5 -> Khá.
    # Leaving one out never adds a subject >= 8.0, so no L_s is Tốt -> stays Khá.
    pytest.param((80, 80, 80, 80, 80, 79, 79, 79), 0, K, K, id="kha-only-5-at-8.0"),
    # one at 6.4 < 6.5 -> not Tốt; all >= 5.0 and 7 >= 6.5 -> Khá.
    # Without the 6.4 -> Tốt, only one step above Khá -> no adjustment.
    pytest.param((100, 100, 100, 100, 100, 100, 100, 64), 0, K, K, id="kha-one-at-6.4"),
    # Khá: 6 at >= 6.5, the others exactly 5.0.
    pytest.param((65, 65, 65, 65, 65, 65, 50, 50), 0, K, K, id="kha-exactly-6-at-6.5"),
    # one at exactly 5.0: Khá; without it Tốt (one step) -> Khá.
    pytest.param((100, 100, 100, 100, 100, 100, 100, 50), 0, K, K, id="kha-one-at-5.0"),
    # only 5 at >= 6.5 -> not Khá; 8 at >= 5.0, none < 3.5 -> Đạt.
    # Leaving one out cannot add a subject >= 6.5 -> every L_s is Đạt -> stays Đạt.
    pytest.param((65, 65, 65, 65, 65, 64, 64, 64), 0, D, D, id="dat-only-5-at-6.5"),
    # one at 4.9 < 5.0 -> not Khá; 7 at >= 5.0, none < 3.5 -> Đạt.
    # Without it -> Tốt, two steps above Đạt -> raised to Khá.
    pytest.param((100, 100, 100, 100, 100, 100, 100, 49), 0, D, K, id="dat-one-at-4.9"),
    # DOMAIN example: Tốt standard but one scored 4.0 -> Đạt -> adjusted Khá.
    pytest.param((90, 90, 90, 90, 90, 90, 90, 40), 0, D, K, id="domain-one-at-4.0"),
    # one at exactly 3.5 -> still Đạt (no subject below 3.5) -> adjusted Khá.
    pytest.param((100, 100, 100, 100, 100, 100, 100, 35), 0, D, K, id="dat-one-at-3.5"),
    # DOMAIN example: Tốt standard but one scored 3.4 -> Chưa đạt -> adjusted Đạt.
    pytest.param((90, 90, 90, 90, 90, 90, 90, 34), 0, CD, D, id="domain-one-at-3.4"),
    # Without the 3.4: exactly 6 at >= 8.0 and a 6.5 -> Tốt; three steps, raised once -> Đạt.
    pytest.param((80, 80, 80, 80, 80, 80, 65, 34), 0, CD, D, id="exactly-6-tot-and-3.4"),
    # DOMAIN example: Tốt standard but one commented CĐ -> Đạt -> adjusted Khá.
    pytest.param((100, 100, 100, 100, 100, 100, 100, 100), 1, D, K, id="domain-one-commented-cd"),
    # two CĐ -> Chưa đạt. Without one of them, one CĐ remains -> Đạt (not Tốt/Khá) -> no change.
    pytest.param((100, 100, 100, 100, 100, 100, 100, 100), 2, CD, CD, id="two-commented-cd"),
    # Khá standard (all 7.0) but one at 3.4 -> Chưa đạt; without it Khá, two steps -> Đạt.
    pytest.param((70, 70, 70, 70, 70, 70, 70, 34), 0, CD, D, id="kha-standard-one-at-3.4"),
    # Khá standard with one CĐ -> Đạt; without it Khá, only one step -> stays Đạt.
    pytest.param((70, 70, 70, 70, 70, 70, 70, 70), 1, D, D, id="kha-standard-one-cd"),
    # Đạt: exactly 6 at >= 5.0 and two at exactly 3.5.
    pytest.param((50, 50, 50, 50, 50, 50, 35, 35), 0, D, D, id="dat-exactly-6-at-5.0"),
    # only 5 at >= 5.0 -> Chưa đạt; leaving one out leaves at most 5 -> no change.
    pytest.param((50, 50, 50, 50, 50, 49, 49, 49), 0, CD, CD, id="cd-only-5-at-5.0"),
    # two below 3.5: leaving one out still leaves one below 3.5 -> no change.
    pytest.param((100, 100, 100, 100, 100, 100, 34, 34), 0, CD, CD, id="cd-two-below-3.5"),
    # a 3.4 and a CĐ: without the 3.4 -> Đạt (one CĐ); without the CĐ -> Chưa đạt -> no change.
    pytest.param((100, 100, 100, 100, 100, 100, 100, 34), 1, CD, CD, id="cd-3.4-and-one-cd"),
    # a 4.0 and a CĐ -> Đạt (one CĐ, 7 at >= 5.0, none < 3.5).
    # Without the 4.0 -> Đạt (one CĐ); without the CĐ -> Đạt (the 4.0) -> no change.
    pytest.param((100, 100, 100, 100, 100, 100, 100, 40), 1, D, D, id="dat-4.0-and-one-cd"),
    # counts apply to the remaining subjects: without the 3.4 there are 5 at >= 8.0 (not Tốt)
    # and 5 at >= 6.5 (not Khá) -> Đạt -> no change.
    pytest.param((80, 80, 80, 80, 80, 60, 60, 34), 0, CD, CD, id="cd-rest-only-dat"),
    # same but the rest reaches Khá: 5 at 8.0 + two at 7.0 = 7 at >= 6.5 -> Khá -> raised to Đạt.
    pytest.param((80, 80, 80, 80, 80, 70, 70, 34), 0, CD, D, id="cd-rest-kha"),
    pytest.param((0, 0, 0, 0, 0, 0, 0, 0), 4, CD, CD, id="all-zero"),
]


@pytest.mark.parametrize(("averages", "not_passed", "unadjusted", "adjusted"), CASES)
def test_learning_level(
    averages: tuple[int, ...], not_passed: int, unadjusted: Level, adjusted: Level
) -> None:
    s, c = scored(*averages), commented(not_passed)
    assert learning_level_unadjusted(s, c) is unadjusted
    assert learning_level(s, c) is adjusted


def test_learning_level_with_an_elective_ninth_subject() -> None:
    # 5 at 8.0 + NN2 at 8.0 = 6 at >= 8.0, all >= 6.5 -> Tốt
    s = {**scored(80, 80, 80, 80, 80, 70, 70, 70), "NN2": 80}
    assert learning_level_unadjusted(s, commented()) is T
    assert learning_level(s, commented()) is T


def test_learning_level_counts_need_six_subjects() -> None:
    # 8 scored subjects, 5 at 8.0 and 3 at 7.0: "at least 6 at 8.0" fails -> Khá, not Tốt
    s = scored(80, 80, 80, 80, 80, 70, 70, 70)
    assert learning_level(s, commented()) is K
    # with "6" given explicitly, 5 subjects all at 10.0 cannot reach it -> Chưa đạt
    five = dict(zip(SCORED[:5], (100, 100, 100, 100, 100), strict=True))
    assert learning_level_unadjusted(five, commented(), many=6) is CD


def test_subjects_left_out_by_an_exemption_are_left_out_of_the_counts() -> None:
    # a student whose individual plan exempts three scored subjects takes 5: "at least 6" is
    # every one of them (DOMAIN: exempted subjects are left out of every count)
    five = dict(zip(SCORED[:5], (100, 90, 85, 80, 80), strict=True))
    assert learning_level(five, commented()) is T
    five_fair = dict(zip(SCORED[:5], (70, 70, 70, 70, 60), strict=True))
    assert learning_level(five_fair, commented()) is D  # one below 6.5: not Khá ("all 5")


@pytest.mark.parametrize(
    ("s", "c"),
    [
        (scored(90, 90, 90, 90, 90, 90, 90, None), commented()),
        (scored(None, 90, 90, 90, 90, 90, 90, 34), commented()),
        (scored(90, 90, 90, 90, 90, 90, 90, 90), {**commented(), "NT": None}),
        (scored(90, 90, 90, 90, 90, 90, 90, 34), {**commented(1), "GDDP": None}),
    ],
)
def test_learning_level_blank_while_anything_missing(
    s: dict[str, int | None], c: dict[str, Comment | None]
) -> None:
    assert learning_level_unadjusted(s, c) is None
    assert learning_level(s, c) is None


def test_learning_level_rejects_a_subject_in_both_maps() -> None:
    s = scored(90, 90, 90, 90, 90, 90, 90, 90)
    with pytest.raises(ValueError):
        learning_level(s, {**commented(), "NV": Comment.D})


@pytest.mark.parametrize("bad", [101, -1, 8.5, True])
def test_learning_level_rejects_values_not_in_tenths(bad: object) -> None:
    s: dict[str, object] = {**scored(90, 90, 90, 90, 90, 90, 90, 90), "TIN": bad}
    with pytest.raises(ValueError):
        learning_level(s, commented())  # type: ignore[arg-type]


def test_level_values_and_ranks() -> None:
    assert [lv.value for lv in Level] == ["Tốt", "Khá", "Đạt", "Chưa đạt"]
    assert [lv.rank for lv in (T, K, D, CD)] == [3, 2, 1, 0]
    assert [Level.from_rank(r) for r in (3, 2, 1, 0)] == [T, K, D, CD]
    assert T.is_at_least(K) and K.is_at_least(K) and not D.is_at_least(K)
    assert CD.raised() is D and D.raised() is K and K.raised() is T and T.raised() is T
    assert CD.raised(2) is K and CD.raised(5) is T
    with pytest.raises(ValueError):
        Level.from_rank(4)


# rows = semester 2, columns = semester 1 (DOMAIN table), every one of the 16 cells
@pytest.mark.parametrize(
    ("sem2", "sem1", "year"),
    [
        (T, T, T),
        (T, K, T),
        (T, D, K),
        (T, CD, K),
        (K, T, K),
        (K, K, K),
        (K, D, K),
        (K, CD, D),
        (D, T, K),
        (D, K, D),
        (D, D, D),
        (D, CD, D),
        (CD, T, CD),
        (CD, K, CD),
        (CD, D, CD),
        (CD, CD, CD),
    ],
)
def test_year_conduct(sem2: Level, sem1: Level, year: Level) -> None:
    assert year_conduct(sem1, sem2) is year
