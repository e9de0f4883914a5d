"""Ingest one dropped workbook: archive it, check it, diff it against the ledger, commit, and only
then take it out of the inbox. Safe to kill at any point: a rerun finishes the job exactly once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from workbook_engine.deadlines import column_kind, is_late
from workbook_engine.errors import Problem, Report, make_problem
from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.cells import format_date
from workbook_engine.io.sheet_reader import UnreadableWorkbook, read_filled_sheet
from workbook_engine.model import CellChange, ChangeStatus, Setup, SheetKey
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.sheet_check import SheetCheck, check_score_sheet

log = logging.getLogger("workbook_engine.ingest")

CRASH_ENV = "WBE_CRASH_AT"  # test hook: kill the process at a named point


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

    @property
    def line(self) -> str:
        if self.status is Status.DUPLICATE:
            return f"{self.name}: đã nhận trước đó, bỏ qua"
        if self.status is Status.REJECTED:
            errors = sum(1 for p in self.problems if p.severity == "error")
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


def _crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        log.error("crash injected at %s", name)
        kill = getattr(signal, "SIGKILL", None)
        if kill is not None:
            os.kill(os.getpid(), kill)
        os._exit(137)  # Windows: no SIGKILL, the same abrupt end


def folder_teacher(path: Path, inbox: Path, setup: Setup) -> str | None:
    """The teacher whose inbox subfolder holds ``path``; None for files dropped at the top."""
    try:
        parts = path.resolve().relative_to(inbox.resolve()).parts
    except ValueError:
        return None
    if len(parts) < 2:
        return None
    codes = {t.code.casefold(): t.code for t in setup.teachers}
    return codes.get(parts[0].casefold(), parts[0])


def archive_original(data: bytes, sha256: str, archive: Path) -> Path:
    """Keep the original content-addressed (``archive/ab/abcdef….xlsx``); idempotent."""
    target = archive / sha256[:2] / f"{sha256}.xlsx"
    if not target.exists():
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)
    return target


def diff(check: SheetCheck, accepted: dict[tuple[str, str], str]) -> list[CellChange]:
    """Cell changes keyed by (student, column): new entries merge, corrections wait for approval."""
    changes = []
    for student, column in sorted(set(check.values) | set(accepted)):
        old = accepted.get((student, column))
        new = check.values.get((student, column))
        if old == new:
            continue
        status = ChangeStatus.MERGED if old is None else ChangeStatus.PENDING
        changes.append(CellChange(student, column, old, new, status))
    return changes


def late_warnings(
    ctx: IngestContext, name: str, key: SheetKey, changes: list[CellChange]
) -> list[Problem]:
    """One warning per column kind (TX, GK, CK) whose changes arrive after the deadline."""
    problems: dict[str, Problem] = {}
    for change in changes:
        kind = column_kind(change.column)
        missed = is_late(ctx.setup, key.semester, change.column, ctx.today)
        if missed is not None and kind not in problems:
            problems[kind] = make_problem(
                "late-entry", file=name, column=kind, deadline=format_date(missed.end)
            )
    return list(problems.values())


def ingest_file(path: Path, ctx: IngestContext, ledger: Ledger) -> Outcome:
    """Process one settled file from the inbox. Raises only on I/O errors of our own folders."""
    path = Path(path)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    known = ledger.file_by_sha(sha)
    if known is not None:
        _leave_inbox(path)
        return Outcome(path.name, Status.DUPLICATE, sha, known.teacher_code)
    archive_original(data, sha, ctx.data.archive)
    teacher = folder_teacher(path, ctx.inbox, ctx.setup)
    saved_by = ""
    try:
        sheet = read_filled_sheet(path)
    except UnreadableWorkbook as exc:
        report = Report([make_problem("file-unreadable", file=path.name, detail=str(exc))])
        check = SheetCheck(report=report)
    else:
        saved_by = sheet.saved_by
        check = check_score_sheet(sheet, ctx.setup, ctx.secret, ctx.today, teacher)
    teacher_code = check.identity.teacher_code if check.identity else (teacher or "")
    changes: list[CellChange] = []
    problems = list(check.report)
    if check.accepted and check.key is not None:
        changes = diff(check, ledger.scores(check.key))
        problems += late_warnings(ctx, path.name, check.key, changes)
    status = Status.ACCEPTED if check.accepted else Status.REJECTED
    _crash_point("before-commit")
    with ledger.transaction():
        file_id = ledger.record_file(
            sha256=sha,
            name=path.name,
            status=status.value,
            teacher_code=teacher_code,
            saved_by=saved_by,
            kind=check.identity.kind if check.identity else "",
            key=check.key,
            late=any(p.code == "late-entry" for p in problems),
            problems=[_problem_json(p) for p in problems],
        )
        if status is Status.ACCEPTED and check.key is not None:
            ledger.record_changes(file_id, teacher_code, check.key, changes)
            _crash_point("inside-commit")
    _crash_point("after-commit")
    _leave_inbox(path)
    return Outcome(path.name, status, sha, teacher_code, check.key, problems, changes)


def _problem_json(problem: Problem) -> dict[str, object]:
    return {
        "code": problem.code,
        "message": problem.message,
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.column,
        "column_title": problem.column_title,
        "severity": str(problem.severity),
    }


def _leave_inbox(path: Path) -> None:
    """The original is in the archive; remove it from the inbox (a retry is harmless)."""
    try:
        path.unlink(missing_ok=True)
    except PermissionError:
        log.warning(
            "%s: chưa xoá được khỏi hộp thư (tệp đang mở); sẽ bỏ qua khi gặp lại", path.name
        )
