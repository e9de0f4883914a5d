"""Every sheet kind the school issues and the inbox accepts, each defined by one spec."""

from workbook_engine.io.kinds.base import (
    CellError,
    Column,
    Layout,
    Plan,
    Registry,
    RowNote,
    SheetKind,
    ValueType,
)
from workbook_engine.io.kinds.correction import CorrectionKind
from workbook_engine.io.kinds.homeroom import AttendanceKind, ConductKind
from workbook_engine.io.kinds.primary import (
    PrimarySubjectKind,
    PrimarySupplementaryKind,
    PrimaryTraitsKind,
)
from workbook_engine.io.kinds.score import ScoreKind
from workbook_engine.io.kinds.summer import ReExamKind, SummerConductKind

KINDS = Registry()
for _kind in (
    ScoreKind(),
    AttendanceKind(),
    ConductKind(),
    CorrectionKind(),
    ReExamKind(),
    SummerConductKind(),
    PrimarySubjectKind(),
    PrimaryTraitsKind(),
    PrimarySupplementaryKind(),
):
    KINDS.register(_kind)

__all__ = [
    "KINDS",
    "CellError",
    "Column",
    "Layout",
    "Plan",
    "Registry",
    "RowNote",
    "SheetKind",
    "ValueType",
]
