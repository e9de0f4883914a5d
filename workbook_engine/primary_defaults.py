"""Shipped defaults of a primary school's «Môn học» rows (grades 1–5, Circular 27).

The subjects and their periods per year come from :mod:`workbook_engine.rules.primary` (the 2018
programme, as in DOMAIN); the school edits the «Môn học» sheet afterwards, so any period can be
overridden here too. Every row is assessed «Nhận xét»: a primary subject gets a level (T, H, C)
and a comment, and its periodic test score is kept apart on the Circular 27 sheets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from workbook_engine.model import Subject
from workbook_engine.rules import AssessmentMode
from workbook_engine.rules.primary import GRADES, subjects_for


def primary_subjects(
    grades: Iterable[int] = GRADES,
    *,
    electives: bool = False,
    periods: Mapping[tuple[int, str], int] | None = None,
) -> tuple[Subject, ...]:
    """The «Môn học» rows of ``grades`` (1–5), in the programme's order, grade by grade.

    ``electives`` adds Ngoại ngữ 1 in grades 1–2 and Tiếng dân tộc thiểu số; ``periods`` maps
    (grade, subject code) to the school's own periods per year.
    """
    own = periods or {}
    return tuple(
        Subject(
            grade=grade,
            code=s.code,
            name=s.name,
            periods_per_year=own.get((grade, s.code), s.periods[grade - 1]),
            mode=AssessmentMode.COMMENT,
        )
        for grade in grades
        for s in subjects_for(grade, electives=electives)
    )
