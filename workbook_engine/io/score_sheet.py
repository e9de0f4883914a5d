"""The score sheet a subject teacher fills, written from its spec (:mod:`.kinds.score`)."""

from __future__ import annotations

from pathlib import Path

from workbook_engine.io.identity import Identity
from workbook_engine.io.kind_sheet import write_sheet
from workbook_engine.io.kinds import KINDS
from workbook_engine.io.kinds.score import (
    AVERAGE_HEADER,
    EXEMPT_MARK,
    NOTE_HEADER,
    RESULT_HEADER,
    SCORE_SHEET,
    ScoreLayout,
    average_formula,
    result_formula,
    score_identity,
    score_sheet_name,
)
from workbook_engine.model import Assignment, Setup

__all__ = [
    "AVERAGE_HEADER",
    "EXEMPT_MARK",
    "NOTE_HEADER",
    "RESULT_HEADER",
    "SCORE_SHEET",
    "ScoreLayout",
    "average_formula",
    "result_formula",
    "score_identity",
    "score_sheet_name",
    "write_score_sheet",
]


def write_score_sheet(
    path: Path, setup: Setup, assignment: Assignment, semester: int, secret: bytes
) -> Identity:
    """Write the blank score sheet of ``assignment`` to ``path`` (atomically); its identity."""
    identity = score_identity(setup, assignment, semester)
    return write_sheet(path, setup, KINDS.require("score"), identity, secret)
