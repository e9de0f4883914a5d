"""Learning result level and year conduct level (Circular 22)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from .scores import Comment, check_comment, check_tenths

GOOD_ALL = 65  # Tốt: every scored average >= 6.5
GOOD_MANY = 80  # Tốt: at least 6 averages >= 8.0
FAIR_ALL = 50  # Khá: every scored average >= 5.0
FAIR_MANY = 65  # Khá: at least 6 averages >= 6.5
PASS_MANY = 50  # Đạt: at least 6 averages >= 5.0
PASS_FLOOR = 35  # Đạt: no average below 3.5
MANY_SUBJECTS = 6


class Level(StrEnum):
    """Learning or conduct level, best first."""

    T = "Tốt"
    K = "Khá"
    D = "Đạt"
    CD = "Chưa đạt"

    @property
    def rank(self) -> int:
        """3 for Tốt, 2 for Khá, 1 for Đạt, 0 for Chưa đạt."""
        return _ORDER.index(self)

    @classmethod
    def from_rank(cls, rank: int) -> Level:
        """The level with this :attr:`rank`."""
        if not 0 <= rank < len(_ORDER):
            raise ValueError(f"no level with rank {rank!r}")
        return _ORDER[rank]

    def is_at_least(self, other: Level) -> bool:
        """True when this level is ``other`` or better."""
        return self.rank >= other.rank

    def raised(self, steps: int = 1) -> Level:
        """This level raised by ``steps`` (capped at Tốt)."""
        return Level.from_rank(min(self.rank + steps, len(_ORDER) - 1))


_ORDER: tuple[Level, ...] = (Level.CD, Level.D, Level.K, Level.T)


def _at_least(values: list[int], threshold: int) -> int:
    return sum(1 for v in values if v >= threshold)


def learning_level_unadjusted(
    scored: Mapping[str, int | None],
    commented: Mapping[str, Comment | None],
    many: int | None = None,
) -> Level | None:
    """Learning level from the raw thresholds, without the one-subject adjustment.

    ``scored`` maps subject code -> average in tenths, ``commented`` maps subject code -> Đ/CĐ.
    Returns ``None`` while any value is blank. Tốt: all Đ, all >= 6.5, >= 6 at 8.0. Khá: all Đ,
    all >= 5.0, >= 6 at 6.5. Đạt: at most one CĐ, >= 6 at 5.0, none below 3.5. Else Chưa đạt.
    "6" is ``many``: by default 6, or every scored subject when exemptions leave fewer.
    """
    if set(scored) & set(commented):
        raise ValueError("a subject cannot be both scored and commented")
    if any(v is None for v in scored.values()) or any(v is None for v in commented.values()):
        return None
    averages = [check_tenths(v, f"average of {code}") for code, v in scored.items()]
    results = [check_comment(v, f"result of {code}") for code, v in commented.items()]
    # "at least 6" of the subjects the student takes: an exemption leaves the subject out of
    # every count, so a student with fewer scored subjects needs all of them
    many = min(MANY_SUBJECTS, len(averages)) if many is None else many
    not_passed = sum(1 for r in results if r is Comment.CD)
    if (
        not_passed == 0
        and all(v >= GOOD_ALL for v in averages)
        and _at_least(averages, GOOD_MANY) >= many
    ):
        return Level.T
    if (
        not_passed == 0
        and all(v >= FAIR_ALL for v in averages)
        and _at_least(averages, FAIR_MANY) >= many
    ):
        return Level.K
    if (
        not_passed <= 1
        and _at_least(averages, PASS_MANY) >= many
        and all(v >= PASS_FLOOR for v in averages)
    ):
        return Level.D
    return Level.CD


def learning_level(
    scored: Mapping[str, int | None], commented: Mapping[str, Comment | None]
) -> Level | None:
    """Learning level with Circular 22's one-subject adjustment.

    Let L be :func:`learning_level_unadjusted` of all subjects. For each single subject s
    (scored or commented), let L_s be the unadjusted level of the other subjects only (the
    "at least 6" counts still apply to what remains). If some L_s is Tốt or Khá and L is two or
    more steps below it, the fall is caused by that one subject and L is raised by one step
    (once, however many subjects qualify). Works the same for a semester and for the year
    (year averages and year results of commented subjects). ``None`` while anything is blank.
    """
    many = min(MANY_SUBJECTS, len(scored))  # the student's own count, kept for the others
    level = learning_level_unadjusted(scored, commented, many)
    if level is None or level.is_at_least(Level.K):
        return level  # only Đạt or Chưa đạt can lie two steps below Khá or Tốt
    for code in scored:
        others = {k: v for k, v in scored.items() if k != code}
        if _caused_by_one(level, learning_level_unadjusted(others, commented, many)):
            return level.raised()
    for code in commented:
        others_c = {k: v for k, v in commented.items() if k != code}
        if _caused_by_one(level, learning_level_unadjusted(scored, others_c, many)):
            return level.raised()
    return level


def _caused_by_one(level: Level, without_one: Level | None) -> bool:
    if without_one is None or not without_one.is_at_least(Level.K):
        return False
    return without_one.rank - level.rank >= 2


_YEAR_CONDUCT: dict[tuple[Level, Level], Level] = {
    # (semester 2, semester 1) -> year
    (Level.T, Level.T): Level.T,
    (Level.T, Level.K): Level.T,
    (Level.T, Level.D): Level.K,
    (Level.T, Level.CD): Level.K,
    (Level.K, Level.T): Level.K,
    (Level.K, Level.K): Level.K,
    (Level.K, Level.D): Level.K,
    (Level.K, Level.CD): Level.D,
    (Level.D, Level.T): Level.K,
    (Level.D, Level.K): Level.D,
    (Level.D, Level.D): Level.D,
    (Level.D, Level.CD): Level.D,
    (Level.CD, Level.T): Level.CD,
    (Level.CD, Level.K): Level.CD,
    (Level.CD, Level.D): Level.CD,
    (Level.CD, Level.CD): Level.CD,
}


def year_conduct(sem1: Level, sem2: Level) -> Level:
    """Year conduct level from the two semester levels (Circular 22 table)."""
    return _YEAR_CONDUCT[(Level(sem2), Level(sem1))]
