"""Circular 22 rules: pure functions on scores in integer tenths, no I/O."""

from .assessments import AssessmentMode, columns_for, tx_count
from .averages import (
    semester_average,
    semester_comment_result,
    year_average,
    year_comment_result,
)
from .levels import Level, learning_level, learning_level_unadjusted, year_conduct
from .promotion import (
    MAX_ABSENCES_DEFAULT,
    Award,
    Outcome,
    apply_re_exam,
    award,
    promotion,
    re_exam_subjects,
)
from .scores import (
    Comment,
    ScoreError,
    format_tenths,
    parse_comment,
    parse_score,
    round_half_up_tenths,
)

__all__ = [
    "MAX_ABSENCES_DEFAULT",
    "AssessmentMode",
    "Award",
    "Comment",
    "Level",
    "Outcome",
    "ScoreError",
    "apply_re_exam",
    "award",
    "columns_for",
    "format_tenths",
    "learning_level",
    "learning_level_unadjusted",
    "parse_comment",
    "parse_score",
    "promotion",
    "re_exam_subjects",
    "round_half_up_tenths",
    "semester_average",
    "semester_comment_result",
    "tx_count",
    "year_average",
    "year_comment_result",
    "year_conduct",
]
