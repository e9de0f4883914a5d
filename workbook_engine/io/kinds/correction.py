"""The correction request form: a form, not a per-student sheet; issued from this spec, checked
by :mod:`~workbook_engine.pipeline.correction_check`."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from workbook_engine.io.correction_sheet import (
    correction_identity,
    correction_sheet_name,
    write_correction_sheet,
)
from workbook_engine.io.kinds.base import Plan, SheetKind
from workbook_engine.model import Setup


class CorrectionKind(SheetKind):
    level = "secondary"
    kind = "correction"
    sheet = "Phiếu sửa điểm"
    in_master = False
    per_student = False

    def plans(self, setup: Setup, semester: int, teacher_code: str) -> list[Plan]:
        if not any(not setup.is_primary(a.class_code) for a in setup.assignments_of(teacher_code)):
            return []  # a form of Circular 22 scores: for a teacher of a secondary class
        return [
            Plan(
                self.kind,
                teacher_code,
                correction_sheet_name(semester),
                partial(correction_identity, setup, teacher_code, semester),
                partial(_write, setup, teacher_code, semester),
            )
        ]


def _write(setup: Setup, teacher_code: str, semester: int, path: Path, secret: bytes) -> None:
    write_correction_sheet(path, setup, teacher_code, semester, secret)
