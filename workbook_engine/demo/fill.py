"""Fill issued score sheets the way teachers do: openpyxl edits of the real files, realistic
scores, some typed as text with a decimal comma, and a few honest mistakes."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from workbook_engine.io.correction_sheet import APPROVED
from workbook_engine.io.decision_sheet import DECISION_COL, NOTE_COL
from workbook_engine.io.identity import read_identity
from workbook_engine.io.sheet_base import FIRST_ROW, ROSTER_WIDTH
from workbook_engine.model import Setup
from workbook_engine.rules import AssessmentMode, Comment

CellValue = int | float | str


@dataclass(frozen=True)
class Mistake:
    """A wrong value a teacher types: ``85`` for 8,5, ``7.25``, a word."""

    value: CellValue
    why: str


MISTAKES = (
    Mistake(85, "quên dấu phẩy"),
    Mistake("7.25", "hai chữ số thập phân"),
    Mistake("vắng", "ghi chữ vào ô điểm"),
)


def student_ability(rng: random.Random) -> float:
    return min(9.6, max(3.0, rng.gauss(7.0, 1.2)))


def score_for(rng: random.Random, ability: float) -> float:
    """A score near the student's level, to the half point mostly, sometimes a tenth."""
    raw = min(10.0, max(0.0, rng.gauss(ability, 0.9)))
    step = 0.5 if rng.random() < 0.8 else 0.1
    return round(round(raw / step) * step, 1)


def typed(rng: random.Random, score: float) -> CellValue:
    """How the teacher typed it: a number, or text with a decimal comma (Vietnamese keyboard)."""
    if score != int(score) and rng.random() < 0.15:
        return f"{score:.1f}".replace(".", ",")
    return int(score) if score == int(score) else score


def fill_sheet(
    source: Path,
    target: Path,
    setup: Setup,
    columns: Sequence[str],
    rng: random.Random,
    *,
    mistake: Mistake | None = None,
    changes: dict[tuple[int, str], CellValue] | None = None,
) -> Path:
    """Copy ``source`` to ``target`` with ``columns`` filled for every student not exempt."""
    identity = read_identity(source)
    wb = openpyxl.load_workbook(source)
    ws = wb[identity.sheet]
    abilities = {code: student_ability(random.Random(code)) for code in identity.student_codes}
    commented = _is_commented(setup, identity.class_code, identity.subject_code)
    for i, code in enumerate(identity.student_codes):
        if code in identity.exempt:
            continue
        for column in columns:
            col = ROSTER_WIDTH + identity.columns.index(column) + 1
            if rng.random() < 0.015:
                continue  # absent that day, make-up test later
            if commented:
                value: CellValue = Comment.D.value if rng.random() < 0.96 else Comment.CD.value
            else:
                value = typed(rng, score_for(rng, abilities[code]))
            ws.cell(FIRST_ROW + i + 1, col, value)
    # changes and mistakes name the n-th student who is not exempt
    rows = [i for i, code in enumerate(identity.student_codes) if code not in identity.exempt]
    for (nth, column), value in (changes or {}).items():
        ws.cell(FIRST_ROW + rows[nth] + 1, ROSTER_WIDTH + identity.columns.index(column) + 1, value)
    if mistake is not None:
        ws.cell(FIRST_ROW + rows[1] + 1, ROSTER_WIDTH + 1, mistake.value)
    teacher = setup.teacher_by_code(identity.teacher_code)
    wb.properties.lastModifiedBy = teacher.usernames[0] if teacher.usernames else teacher.code
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def _is_commented(setup: Setup, class_code: str, subject_code: str) -> bool:
    grade = setup.class_by_code(class_code).grade
    return setup.subject(grade, subject_code).mode is AssessmentMode.COMMENT


def approve_all(form: Path, folder: Path, note: str) -> Path:
    """The approver's decision form with «Đồng ý» on every row, saved on a shared office PC
    (user name «Admin») into ``folder`` (their own ``Duyệt/``)."""
    identity = read_identity(form)
    wb = openpyxl.load_workbook(form)
    ws = wb[identity.sheet]
    for i in range(len(identity.columns)):
        ws.cell(FIRST_ROW + i + 1, DECISION_COL + 1, APPROVED)
        ws.cell(FIRST_ROW + i + 1, NOTE_COL + 1, note)
    wb.properties.lastModifiedBy = "Admin"
    target = folder / form.name
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target
