"""Ingest one dropped workbook: archive it, check it, diff it against the ledger, commit, and only
then take it out of the inbox. Safe to kill at any point: a rerun finishes the job exactly once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from pathlib import Path

from workbook_engine.deadlines import column_kind, is_late
from workbook_engine.errors import Problem, Report, Severity, make_problem
from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.cells import format_date
from workbook_engine.io.feedback import (
    MARKS_SHEET,
    FeedbackReport,
    write_rejected_copy,
    write_report_html,
)
from workbook_engine.io.sheet_reader import FilledSheet, UnreadableWorkbook, read_filled_sheet
from workbook_engine.model import CellChange, ChangeStatus, FileRecord, Setup, SheetKey
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.correction_check import CorrectionCheck, check_correction_sheet
from workbook_engine.pipeline.ledger import Ledger, LedgerError, now_iso
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
    at: str = field(default_factory=now_iso)  # when it was received (the ledger's clock)

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


Cells = dict[tuple[str, str], str]


def three_way(file: Cells, base: Cells, accepted: Cells) -> tuple[list[CellChange], list[str]]:
    """Changes of the submitted copy, keyed by (student, column), never by cell address.

    ``base`` is what this copy held when it was issued or last receipted. A cell the teacher did
    not touch (file = base) is not a change, even when the ledger moved on since (an approved
    correction): that is a stale copy, reported, never reverted. A touched cell is a new entry
    when the ledger has nothing (it merges), else a correction (it waits for approval).
    Returns the changes and the cells that are stale, as "student column".
    """
    changes: list[CellChange] = []
    stale: list[str] = []
    for student, column in sorted(set(file) | set(base) | set(accepted)):
        cell = (student, column)
        new, old = file.get(cell), accepted.get(cell)
        if new == base.get(cell):
            if old != new:
                stale.append(f"{student} {column}")
            continue
        if new == old:
            continue
        status = ChangeStatus.MERGED if old is None else ChangeStatus.PENDING
        changes.append(CellChange(student, column, old, new, status))
    return changes, stale


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
    if known is not None and known.status == Status.ACCEPTED:
        _receipt_if_missing(known, ctx, ledger)
        _leave_inbox(path, ctx)
        return Outcome(path.name, Status.DUPLICATE, sha, known.teacher_code)
    # read what was hashed and archived, never the path again: a newer copy may land meanwhile
    original = archive_original(data, sha, ctx.data.archive)
    teacher = folder_teacher(path, ctx.inbox, ctx.setup)
    saved_by = ""
    sheet_names: list[str] = []
    try:
        sheet = read_filled_sheet(original, name=path.name)
    except UnreadableWorkbook as exc:
        report = Report([make_problem("file-unreadable", file=path.name, detail=str(exc))])
        check = SheetCheck(report=report)
    else:
        saved_by, sheet_names = sheet.saved_by, sheet.sheet_names
        if sheet.identity is not None and sheet.identity.kind == "correction":
            return _ingest_correction(path, sha, known, sheet, ctx, ledger)
        manual = None
        if sheet.identity is not None:
            i = sheet.identity
            manual = ledger.manual_lock(SheetKey(i.class_code, i.subject_code, i.semester))
        check = check_score_sheet(sheet, ctx.setup, ctx.secret, ctx.today, teacher, manual)
    teacher_code = check.identity.teacher_code if check.identity else (teacher or "")
    problems = list(check.report)
    changes, flagged = _changes(ctx, path.name, check, ledger, problems)
    status = Status.ACCEPTED if check.accepted else Status.REJECTED
    problem_rows = [_problem_json(p) for p in problems]
    if known is not None and status is Status.REJECTED and known.problems == problem_rows:
        # sent again unchanged, or a rerun after a crash: same verdict, nothing new to record
        write_feedback(Outcome(path.name, status, sha, teacher_code, check.key, problems), ctx)
        _leave_inbox(path, ctx)
        return Outcome(path.name, Status.DUPLICATE, sha, teacher_code, check.key, problems)
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
            late=any(p.has("late") for p in problems),
            problems=problem_rows,
        )
        if check.key is not None and (status is Status.ACCEPTED or flagged):
            ledger.record_changes(file_id, teacher_code, check.key, changes)
            _crash_point("inside-commit")
        if status is Status.ACCEPTED and check.identity is not None:
            ledger.set_base(check.identity.template_id, check.values)
    _crash_point("after-commit")
    outcome = Outcome(
        path.name, status, sha, teacher_code, check.key, problems, changes, ledger.clock()
    )
    write_feedback(outcome, ctx, marked_before=MARKS_SHEET in sheet_names)
    _leave_inbox(path, ctx)
    return outcome


def _changes(
    ctx: IngestContext, name: str, check: SheetCheck, ledger: Ledger, problems: list[Problem]
) -> tuple[list[CellChange], bool]:
    """The file's changes (unauthorised when a problem says so); adds late and stale warnings."""
    key, identity = check.key, check.identity
    trusted = identity is not None and not any(p.has("identity") for p in problems)
    if key is None or identity is None or not trusted or check.subject is None:
        return [], False
    changes, stale = three_way(check.values, ledger.base(identity.template_id), ledger.scores(key))
    flagged = [p for p in problems if p.has("unauthorised")]
    if flagged:
        reason = "; ".join(dict.fromkeys(p.message for p in flagged))
        changes = [replace(c, status=ChangeStatus.UNAUTHORISED, reason=reason) for c in changes]
    elif check.accepted:
        problems += late_warnings(ctx, name, key, changes)
        if stale:
            problems.append(
                make_problem("stale-copy", file=name, count=len(stale), example=stale[0])
            )
    return changes, bool(flagged)


def _ingest_correction(
    path: Path, sha: str, known: FileRecord | None, sheet: FilledSheet, ctx: IngestContext,
    ledger: Ledger,
) -> Outcome:  # fmt: skip
    """A correction form: each row becomes a pending correction, decided when the form carries
    the principal's or vice-principal's decision. All rows or none."""
    assert sheet.identity is not None
    teacher = sheet.identity.teacher_code
    check = check_correction_sheet(sheet, ctx.setup, ctx.secret, ledger.scores, ledger.decided)
    problems = list(check.report)
    status = Status.ACCEPTED if check.report.valid else Status.REJECTED
    problem_rows = [_problem_json(p) for p in problems]
    if known is not None and status is Status.REJECTED and known.problems == problem_rows:
        _leave_inbox(path, ctx)
        return Outcome(path.name, Status.DUPLICATE, sha, teacher, None, problems)
    changes: list[CellChange] = []
    _crash_point("before-commit")
    try:
        with ledger.transaction():
            changes = _apply_requests(ledger, path.name, sha, status, teacher, sheet, check,
                                      problem_rows)  # fmt: skip
    except LedgerError as exc:  # a request the ledger refuses: the whole form is returned
        problems.append(make_problem("request-conflict", file=path.name, value=str(exc)))
        status, changes = Status.REJECTED, []
        with ledger.transaction():
            _apply_requests(ledger, path.name, sha, status, teacher, sheet, None,
                            [_problem_json(p) for p in problems])  # fmt: skip
    _crash_point("after-commit")
    outcome = Outcome(path.name, status, sha, teacher, None, problems, changes, ledger.clock())
    write_feedback(outcome, ctx)
    _leave_inbox(path, ctx)
    return outcome


def _receipt_if_missing(known: FileRecord, ctx: IngestContext, ledger: Ledger) -> None:
    """After a crash between commit and feedback, the rerun still leaves the teacher a receipt."""
    outcome = Outcome(known.name, Status.ACCEPTED, known.sha256, known.teacher_code)
    outcome.at = known.received_at
    page, _ = feedback_paths(outcome, ctx.data)
    if page.exists():
        return
    outcome.key = SheetKey(known.class_code, known.subject_code, known.semester or 0)
    outcome.changes = [
        CellChange(c.student_code, c.column, c.old, c.new, c.status, c.reason)
        for c in ledger.changes()
        if c.file_id == known.id
    ]
    outcome.problems = [_problem_from_json(p, known.name) for p in known.problems]
    write_feedback(outcome, ctx)


def _problem_from_json(row: dict[str, object], file: str) -> Problem:
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


def feedback_paths(outcome: Outcome, data: DataDir) -> tuple[Path, Path]:
    """Where the teacher finds what became of a file: (returned copy, HTML page)."""
    teacher = outcome.teacher_code or "_"
    if outcome.status is Status.REJECTED:
        copy = data.rejected / teacher / outcome.name
        return copy, copy.with_suffix(".html")
    page = data.receipts / teacher / f"{Path(outcome.name).stem}-{outcome.sha256[:8]}.html"
    return page, page


def write_feedback(outcome: Outcome, ctx: IngestContext, marked_before: bool = False) -> None:
    """The red-marked copy and the rejection page, or the receipt; never fails the ingest."""
    copy, page = feedback_paths(outcome, ctx.data)
    key = outcome.key
    report = FeedbackReport(
        file_name=outcome.name,
        status=outcome.status.value,
        teacher=outcome.teacher_code,
        received_at=outcome.at,
        class_code=key.class_code if key else "",
        subject_code=key.subject_code if key else "",
        semester=key.semester if key else None,
        problems=outcome.problems,
        changes=outcome.changes,
        student_names={s.code: s.full_name for s in ctx.setup.students},
        marked_before=marked_before and outcome.status is Status.ACCEPTED,
    )
    try:
        if outcome.status is Status.REJECTED and not any(
            p.code == "file-unreadable" for p in outcome.problems
        ):
            original = ctx.data.archive / outcome.sha256[:2] / f"{outcome.sha256}.xlsx"
            write_rejected_copy(original, copy, outcome.problems)
        write_report_html(page, report)
    except Exception:  # feedback is a courtesy: the ledger already holds the verdict
        log.exception("%s: không ghi được phản hồi cho giáo viên", outcome.name)


def _apply_requests(
    ledger: Ledger, name: str, sha: str, status: Status, teacher: str, sheet: FilledSheet,
    check: CorrectionCheck | None, problem_rows: list[dict[str, object]],
) -> list[CellChange]:  # fmt: skip
    """Record the form; each request becomes a pending correction, decided if the form says."""
    file_id = ledger.record_file(
        sha256=sha, name=name, status=status.value, teacher_code=teacher,
        saved_by=sheet.saved_by, kind="correction", problems=problem_rows,
    )  # fmt: skip
    changes: list[CellChange] = []
    for request in check.requests if check and status is Status.ACCEPTED else []:
        cell = (request.student, request.column, request.new)
        waiting = [
            c for c in ledger.pending(request.key) if (c.student_code, c.column, c.new) == cell
        ]
        if not waiting:
            change = CellChange(request.student, request.column, request.old, request.new,
                                ChangeStatus.PENDING, request.reason)  # fmt: skip
            ledger.record_changes(file_id, teacher, request.key, [change])
            changes.append(change)
            waiting = ledger.pending(request.key)[-1:]
        if request.decision is not None:
            ledger.decide(waiting[0].id, request.decision, request.approver, name, request.reason)
    return changes


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


def _leave_inbox(path: Path, ctx: IngestContext) -> None:
    """The original is in the archive; remove it from the inbox (a retry is harmless). A file
    named on the command line outside the inbox is left where it is."""
    try:
        path.resolve().relative_to(ctx.inbox.resolve())
    except ValueError:
        return
    try:
        path.unlink(missing_ok=True)
    except PermissionError:
        log.warning(
            "%s: chưa xoá được khỏi hộp thư (tệp đang mở); sẽ bỏ qua khi gặp lại", path.name
        )
