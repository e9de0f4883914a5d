"""What became of one dropped file: the verdict the ledger holds and the sender is told."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from workbook_engine.errors import Problem, Severity
from workbook_engine.model import CellChange, ChangeStatus, FileRecord, Setup, SheetKey
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import now_iso
from workbook_engine.share import OFFICE, Arrival, ShareLayout


class Status(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


@dataclass
class Outcome:
    """What happened to one file (one log line, and what the teacher is told)."""

    name: str
    status: Status
    sha256: str
    teacher_code: str = ""
    key: SheetKey | None = None
    problems: list[Problem] = field(default_factory=list)
    changes: list[CellChange] = field(default_factory=list)
    at: str = field(default_factory=now_iso)  # when it was received (the ledger's clock)
    repeat_of: FileRecord | None = None  # for a duplicate: the record already in the ledger
    marked_before: bool = False  # the file is a returned copy carrying our red marks
    arrival: Arrival = OFFICE  # where it arrived: who sent it, and who is answered
    saved_by: str = ""  # the Office user name saved in the file (evidence, shown)
    kind: str = ""  # the form's kind when it is no per-student sheet (results_decision, …)

    @property
    def sender(self) -> str:
        """Whose folder the answer goes to: the sender's, else (the office delivered it) the
        teacher the sheet was issued to."""
        return self.arrival.person or self.teacher_code

    @property
    def line(self) -> str:
        if self.status is Status.DUPLICATE:
            return f"{self.name}: đã nhận trước đó, bỏ qua"
        if self.status is Status.REJECTED:
            errors = sum(1 for p in self.problems if p.severity is Severity.ERROR)
            return f"{self.name}: TRẢ LẠI, {errors} lỗi"
        counts = {s: sum(1 for c in self.changes if c.status == s) for s in ChangeStatus}
        warnings = len(self.problems)
        return (
            f"{self.name}: ĐÃ NHẬN, {counts[ChangeStatus.MERGED]} ô cập nhật, "
            f"{counts[ChangeStatus.PENDING]} ô chờ duyệt sửa điểm"
            + (f", {warnings} cảnh báo" if warnings else "")
        )


@dataclass
class IngestContext:
    setup: Setup
    secret: bytes
    data: DataDir
    inbox: Path
    today: date
    share: ShareLayout | None = None  # the school's share: per-person Nộp/, Duyệt/ and answers


def problem_json(problem: Problem) -> dict[str, object]:
    """A problem as stored with its file in the ledger."""
    return {
        "code": problem.code,
        "message": problem.message,
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.column,
        "column_title": problem.column_title,
        "severity": str(problem.severity),
    }


def problem_from_json(row: dict[str, object], file: str) -> Problem:
    return Problem(
        code=str(row["code"]),
        message=str(row["message"]),
        file=file,
        sheet=str(row.get("sheet") or ""),
        row=int(str(row["row"])) if row.get("row") is not None else None,
        column=str(row.get("column") or ""),
        column_title=str(row.get("column_title") or ""),
        severity=Severity(str(row.get("severity") or "error")),
    )
