"""Promotion, re-exam, summer training and awards at the end of the year (Circular 22)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from .levels import Level, learning_level
from .scores import Comment, check_comment, check_tenths

MAX_ABSENCES_DEFAULT = 45
EXCELLENT_SCORE = 90  # Xuất sắc: at least 6 year averages >= 9.0
EXCELLENT_MANY = 6
RE_EXAM_BELOW = 50  # scored subjects below 5.0 may be re-examined


class Outcome(StrEnum):
    """End-of-year decision for a student."""

    PROMOTED = "Lên lớp"
    RE_EXAM = "Kiểm tra lại"
    SUMMER_TRAINING = "Rèn luyện trong kì nghỉ hè"
    RE_EXAM_AND_TRAINING = "Kiểm tra lại và rèn luyện trong hè"
    RETAINED = "Ở lại lớp"


class Award(StrEnum):
    """Year award."""

    EXCELLENT = "Học sinh Xuất sắc"
    GOOD = "Học sinh Giỏi"


def _check_count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative int, got {value!r}")
    return value


def promotion(
    learning_year: Level,
    conduct_year: Level,
    absences: int,
    max_absences: int = MAX_ABSENCES_DEFAULT,
    *,
    final: bool = False,
) -> Outcome:
    """Year outcome: absent more than ``max_absences`` (excused + unexcused) -> Ở lại lớp.

    Otherwise promoted when learning and conduct are both Đạt or better; learning Chưa đạt ->
    re-exam, conduct Chưa đạt -> summer training (both -> both). After the summer, call again with
    the recomputed levels and ``final=True``: anything still Chưa đạt is then Ở lại lớp.
    """
    absences = _check_count(absences, "absences")
    max_absences = _check_count(max_absences, "max_absences")
    if absences > max_absences:
        return Outcome.RETAINED
    learning_ok = Level(learning_year).is_at_least(Level.D)
    conduct_ok = Level(conduct_year).is_at_least(Level.D)
    if learning_ok and conduct_ok:
        return Outcome.PROMOTED
    if final:
        return Outcome.RETAINED
    if not learning_ok and not conduct_ok:
        return Outcome.RE_EXAM_AND_TRAINING
    return Outcome.SUMMER_TRAINING if learning_ok else Outcome.RE_EXAM


def re_exam_subjects(
    scored_year: Mapping[str, int | None], commented_year: Mapping[str, Comment | None]
) -> list[str]:
    """Subjects that may be re-examined: year average below 5.0 or year result CĐ, sorted.

    Blank values are skipped. Whether a re-exam takes place at all (learning Chưa đạt) is
    decided by :func:`promotion`.
    """
    codes = [
        code
        for code, v in scored_year.items()
        if v is not None and check_tenths(v, f"average of {code}") < RE_EXAM_BELOW
    ]
    codes += [
        code
        for code, c in commented_year.items()
        if c is not None and check_comment(c, f"result of {code}") is Comment.CD
    ]
    return sorted(codes)


def apply_re_exam(
    scored_year: Mapping[str, int | None],
    commented_year: Mapping[str, Comment | None],
    re_exam_scores: Mapping[str, int],
    re_exam_comments: Mapping[str, Comment],
) -> tuple[dict[str, int | None], dict[str, Comment | None], Level | None]:
    """Replace the year values of re-examined subjects and recompute the year learning level.

    The re-exam result replaces the year value even when it is lower. Only subjects listed by
    :func:`re_exam_subjects` may be re-examined (``ValueError`` otherwise). Returns the new
    scored and commented maps (copies) and :func:`learning_level` of them.
    """
    eligible = set(re_exam_subjects(scored_year, commented_year))
    scored = dict(scored_year)
    commented = dict(commented_year)
    for code, score in re_exam_scores.items():
        if code not in scored or code not in eligible:
            raise ValueError(f"{code} is not a scored subject eligible for re-exam")
        scored[code] = check_tenths(score, f"re-exam score of {code}")
    for code, result in re_exam_comments.items():
        if code not in commented or code not in eligible:
            raise ValueError(f"{code} is not a commented subject eligible for re-exam")
        commented[code] = check_comment(result, f"re-exam result of {code}")
    return scored, commented, learning_level(scored, commented)


def award(
    learning_year: Level | None,
    conduct_year: Level | None,
    scored_year: Mapping[str, int | None],
) -> Award | None:
    """Year award: Tốt learning and Tốt conduct -> Giỏi; plus >= 6 year averages >= 9.0 -> Xuất sắc.

    Blank year averages do not count towards the six ("six": every scored subject the student
    takes when an exemption leaves fewer).
    """
    if learning_year is None or conduct_year is None:
        return None
    if Level(learning_year) is not Level.T or Level(conduct_year) is not Level.T:
        return None
    excellent = sum(
        1
        for code, v in scored_year.items()
        if v is not None and check_tenths(v, f"average of {code}") >= EXCELLENT_SCORE
    )
    many = min(EXCELLENT_MANY, len(scored_year))  # fewer when exemptions leave fewer subjects
    return Award.EXCELLENT if excellent >= many else Award.GOOD
