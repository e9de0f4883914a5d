"""How many assessments a subject has per semester (Circular 22)."""

from __future__ import annotations

from enum import StrEnum


class AssessmentMode(StrEnum):
    """How a subject is assessed: by score (0..10) or by comment (Đ / CĐ)."""

    SCORE = "score"
    COMMENT = "comment"


def tx_count(periods_per_year: int, mode: AssessmentMode, study_topic: bool = False) -> int:
    """Number of regular (TX) assessments per semester.

    Scored: <= 35 periods -> 2, 36..70 -> 3, > 70 -> 4; a study-topic cluster adds one TX
    (70 periods + cluster -> 4). Commented: always 2, cluster or not.
    """
    if (
        isinstance(periods_per_year, bool)
        or not isinstance(periods_per_year, int)
        or periods_per_year <= 0
    ):
        raise ValueError(f"periods_per_year must be a positive int, got {periods_per_year!r}")
    mode = AssessmentMode(mode)
    if mode is AssessmentMode.COMMENT:
        return 2
    if periods_per_year <= 35:
        count = 2
    elif periods_per_year <= 70:
        count = 3
    else:
        count = 4
    return count + 1 if study_topic else count


def columns_for(
    periods_per_year: int, mode: AssessmentMode, study_topic: bool = False
) -> list[str]:
    """Assessment column codes of one semester: ``["TX1", ..., "TXn", "GK", "CK"]``."""
    count = tx_count(periods_per_year, mode, study_topic)
    return [f"TX{i}" for i in range(1, count + 1)] + ["GK", "CK"]
