"""Ingest one dropped workbook: archive it, check it, diff it against the ledger, commit, and only
then take it out of the inbox. Safe to kill at any point: a rerun finishes the job exactly once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import signal
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NoReturn

from workbook_engine.deadlines import column_kind, is_late
from workbook_engine.errors import Problem, Report, WorkbookEngineError, make_problem
from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.cells import format_date, format_day
from workbook_engine.io.feedback import MARKS_SHEET
from workbook_engine.io.kinds import KINDS
from workbook_engine.io.lockfiles import is_other_format
from workbook_engine.io.sheet_reader import FilledSheet, UnreadableWorkbook, read_filled_sheet
from workbook_engine.io.zip_guard import workbook_limits
from workbook_engine.model import SUMMER, CellChange, ChangeStatus, FileRecord, SheetKey
from workbook_engine.names import printable
from workbook_engine.pipeline.answer import answer
from workbook_engine.pipeline.correction_check import CorrectionCheck, check_correction_sheet
from workbook_engine.pipeline.decision_check import DecisionCheck, check_decision_sheet
from workbook_engine.pipeline.ledger import Ledger, LedgerError
from workbook_engine.pipeline.outcome import IngestContext, Outcome, Status, problem_json
from workbook_engine.pipeline.results_decision import (
    RESULTS_DECISION,
    ResultsDecisionCheck,
    apply_results_decision,
    judge_results_decision,
)
from workbook_engine.pipeline.roster_change import only, outdated_problem, still_in_class
from workbook_engine.pipeline.sheet_check import SheetCheck, check_sheet
from workbook_engine.pipeline.year import closed_problem
from workbook_engine.share import OFFICE, Arrival, Channel, owner_code

__all__ = ["CRASH_ENV", "IngestContext", "Outcome", "Status", "ingest_file", "three_way"]

log = logging.getLogger("workbook_engine.ingest")

CRASH_ENV = "WBE_CRASH_AT"  # test hook: kill the process at a named point


def _crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        log.error("crash injected at %s", name)
        kill = getattr(signal, "SIGKILL", None)
        if kill is not None:
            os.kill(os.getpid(), kill)
        os._exit(137)  # Windows: no SIGKILL, the same abrupt end


def arrival_of(path: Path, ctx: IngestContext) -> Arrival:
    """Who sent ``path``, from where it arrived: a person's ``Nộp/`` or ``Duyệt/`` on the share;
    else the office, for the teacher whose subfolder of the inbox holds it (``inbox/<code>/``,
    or named as the teacher's folder on the share: ``inbox/GV005 - Lê Tuệ Thảo/``, the code
    deciding) or for the teacher the signed identity names."""
    if ctx.share is not None:
        found = ctx.share.arrival(path)
        if found is not None:
            return found
    try:
        parts = path.resolve().relative_to(ctx.inbox.resolve()).parts
    except ValueError:
        return OFFICE
    if len(parts) < 2:
        return OFFICE
    codes = {t.code.casefold(): t.code for t in ctx.setup.teachers}
    folder = parts[0]
    code = codes.get(folder.casefold()) or codes.get(owner_code(folder))
    # the clerk put it in that teacher's subfolder: the office delivered it, for that teacher
    return Arrival(Channel.OFFICE, code or folder)


class Refused(WorkbookEngineError):
    """A link, a path resolving outside its folder, a file far too large: answered, never
    read, not retried."""


def escapes(path: Path, ctx: IngestContext) -> bool:
    """A symlink, or a path in the inbox or on the share that resolves outside it (a linked
    folder): never read. A file named on the command line elsewhere is the clerk's choice."""
    if path.is_symlink():
        return True
    roots = [ctx.inbox, *([ctx.share.root] if ctx.share is not None else [])]
    for root in roots:
        try:
            Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
        except ValueError:
            continue
        try:
            Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
        except ValueError:
            return True
        return False
    return False


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _refuse(path: Path, ctx: IngestContext, arrival: Arrival, problem: Problem) -> NoReturn:
    """Answer the sender and take the file out of the folder without reading it (a link: the
    link, never its target; a linked folder's file stays where it really is). Nothing is
    recorded: nothing was received."""
    outcome = Outcome(path.name, Status.REJECTED, "", arrival.person or "", problems=[problem],
                      arrival=arrival)  # fmt: skip
    answer(outcome, ctx, None)
    with contextlib.suppress(OSError):
        if path.is_symlink():
            path.unlink()
        elif problem.code != "file-link":
            _leave_inbox(path, ctx, arrival)
    log.warning("%s: %s, không đọc", printable(path.name), problem.message)
    raise Refused(problem)


def archive_original(data: bytes, sha256: str, archive: Path) -> Path:
    """Keep the original content-addressed (``archive/ab/abcdef….xlsx``); idempotent."""
    target = archive / sha256[:2] / f"{sha256}.xlsx"
    if not target.exists():
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)
    return target


Cells = dict[tuple[str, str], str]


def three_way(
    file: Cells, base: Cells, accepted: Cells, free: Collection[str] = frozenset()
) -> tuple[list[CellChange], list[str]]:
    """Changes of the submitted copy, keyed by (student, column), never by cell address.

    ``base`` is what this copy held when it was issued or last receipted. A cell the teacher did
    not touch (file = base) is not a change, even when the ledger moved on since (an approved
    correction): that is a stale copy, reported, never reverted. A touched cell is a new entry
    when the ledger has nothing (it merges), else a correction (it waits for approval), except
    in a ``free`` column (a comment: no score correction), whose changes merge at once.
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
        status = ChangeStatus.MERGED if old is None or column in free else ChangeStatus.PENDING
        changes.append(CellChange(student, column, old, new, status))
    return changes, stale


def late_warnings(
    ctx: IngestContext, name: str, key: SheetKey, changes: list[CellChange]
) -> list[Problem]:
    """One warning per column kind (TX, GK, CK) whose changes arrive after the deadline; one for
    a summer sheet arriving after the summer's window."""
    if key.semester == SUMMER:
        missed = is_late(ctx.setup, SUMMER, "", ctx.today) if changes else None
        if missed is None:
            return []
        window = f"{format_date(missed.start)}–{format_date(missed.end)}"
        return [make_problem("late-summer-entry", file=name, window=window)]
    problems: dict[str, Problem] = {}
    for column in dict.fromkeys(c.column for c in changes):  # the calendar once per column
        kind = column_kind(column)
        missed = is_late(ctx.setup, key.semester, column, ctx.today)
        if missed is not None and kind not in problems:
            problems[kind] = make_problem(
                "late-entry", file=name, column=kind, deadline=format_date(missed.end)
            )
    return list(problems.values())


def ingest_file(path: Path, ctx: IngestContext, ledger: Ledger) -> Outcome:
    """Process one settled file: archive, check, diff, commit in one transaction, answer the
    sender, leave the inbox. Raises only on I/O errors of our own folders."""
    path = Path(path)
    arrival = arrival_of(path, ctx)
    if escapes(path, ctx):
        _refuse(path, ctx, arrival, make_problem("file-link", file=path.name))
    seen = _stamp(path)
    limit = workbook_limits().max_total_mb
    if seen is not None and seen[0] > limit * 1024 * 1024:  # never read into memory whole
        size = f"tệp nặng {seen[0] / 1024 / 1024:.0f} MB"
        problem = make_problem("file-too-large", file=path.name, detail=size, limit=f"{limit:g}")
        _refuse(path, ctx, arrival, problem)
    data = path.read_bytes()
    outcome = _settle(path, data, hashlib.sha256(data).hexdigest(), ctx, ledger, arrival)
    outcome.arrival = arrival
    answer(outcome, ctx, ledger)
    if _stamp(path) == seen:
        _leave_inbox(path, ctx, arrival)
    else:  # a newer copy landed while this one was read: it is processed next, not deleted
        log.info("%s: có bản mới hơn vừa được chép vào, sẽ xử lí tiếp", printable(path.name))
    return outcome


def _settle(
    path: Path, data: bytes, sha: str, ctx: IngestContext, ledger: Ledger, arrival: Arrival
) -> Outcome:
    """The file's verdict, committed; a verdict the ledger already holds is not recorded twice
    (the same file sent again, or a rerun after a crash)."""
    known = ledger.file_by_sha(sha)
    if known is not None and known.status == Status.ACCEPTED:
        return Outcome(path.name, Status.DUPLICATE, sha, known.teacher_code, repeat_of=known,
                       saved_by=known.saved_by)  # fmt: skip
    # read what was hashed and archived, never the path again: a newer copy may land meanwhile
    original = archive_original(data, sha, ctx.data.archive)
    try:
        verdict = _judge(path, data, sha, original, ctx, ledger, arrival)
    except (sqlite3.Error, OSError, MemoryError):  # ours, or passing: the file waits, retried
        raise
    except Exception as exc:  # any other failure to read or check answers the sender
        log.exception("%s: lỗi khi kiểm tra tệp", printable(path.name))
        problem = make_problem("file-check-failed", file=path.name, detail=type(exc).__name__)
        verdict = _Verdict(path.name, sha, check=SheetCheck(report=Report([problem])))
        verdict.teacher_code = arrival.person or ""
    verdict.sender = "" if arrival.by_office else arrival.person or ""
    verdict.arrival = arrival
    rows = [problem_json(p) for p in verdict.problems]
    if known is not None and verdict.status is Status.REJECTED and known.problems == rows:
        return verdict.outcome(Status.DUPLICATE, known.received_at, repeat_of=known)
    _crash_point("before-commit")
    try:
        with ledger.transaction():
            verdict.commit(ledger)
    except LedgerError as exc:  # a request the ledger refuses: the whole form is returned
        verdict.refuse(make_problem("request-conflict", file=path.name, value=str(exc)))
        with ledger.transaction():
            verdict.commit(ledger)
    _crash_point("after-commit")
    return verdict.outcome(verdict.status, ledger.clock())


def _judge(
    path: Path,
    data: bytes,
    sha: str,
    original: Path,
    ctx: IngestContext,
    ledger: Ledger,
    arrival: Arrival,
) -> _Verdict:
    """What the checks say about the file (nothing written yet); once the school year is
    closed, every file is refused unread (``year-closed``)."""
    closed = closed_problem(ledger, ctx.setup, path.name)
    if closed is not None or is_other_format(path):
        problem = closed or make_problem(
            "file-wrong-format", file=path.name, value=path.suffix.lower()
        )
        verdict = _Verdict(path.name, sha, check=SheetCheck(report=Report([problem])))
        verdict.teacher_code = arrival.person or ""
        return verdict
    try:
        sheet = read_filled_sheet(original, name=path.name, content=data)
    except UnreadableWorkbook as exc:
        problem = getattr(exc, "problem", None) or make_problem(
            "file-unreadable", file=path.name, detail=str(exc)
        )
        verdict = _Verdict(path.name, sha, check=SheetCheck(report=Report([problem])))
        verdict.teacher_code = arrival.person or ""
        return verdict
    if sheet.identity is not None and sheet.identity.kind == "correction":
        return _judge_correction(path.name, sha, sheet, ctx, ledger, arrival)
    if sheet.identity is not None and sheet.identity.kind == "decision":
        return _judge_decisions(path.name, sha, sheet, ctx, ledger, arrival)
    if sheet.identity is not None and sheet.identity.kind == RESULTS_DECISION:
        return _judge_results(path.name, sha, sheet, ctx, ledger, arrival)
    return _judge_sheet(path, sha, sheet, ctx, ledger, arrival)


@dataclass
class _Verdict:
    """What the checks decided about one file, and how it goes into the ledger."""

    name: str
    sha: str
    check: SheetCheck | None = None
    form: CorrectionCheck | None = None
    decisions: DecisionCheck | None = None
    results: ResultsDecisionCheck | None = None
    sheet: FilledSheet | None = None
    teacher_code: str = ""
    sender: str = ""  # whose share folder it arrived in ("" when the office delivered it)
    arrival: Arrival = OFFICE
    kind: str = ""  # the sheet kind recorded when no checked identity gives it
    problems: list[Problem] = field(default_factory=list)
    changes: list[CellChange] = field(default_factory=list)
    flagged: bool = False  # unauthorised changes: recorded, never merged

    def __post_init__(self) -> None:
        if self.check is not None and not self.problems:
            self.problems = list(self.check.report)

    @property
    def status(self) -> Status:
        errors = any(p.severity == "error" for p in self.problems)
        return Status.REJECTED if errors else Status.ACCEPTED

    @property
    def key(self) -> SheetKey | None:
        return self.check.key if self.check is not None else None

    def refuse(self, problem: Problem) -> None:
        self.problems.append(problem)
        self.changes, self.form, self.decisions, self.results = [], None, None, None

    def commit(self, ledger: Ledger) -> None:
        """The writes of one transaction (the caller holds it)."""
        sheet, accepted = self.sheet, self.status is Status.ACCEPTED
        identity = self.check.identity if self.check is not None else None
        file_id = ledger.record_file(
            sha256=self.sha,
            name=self.name,
            status=self.status.value,
            teacher_code=self.teacher_code,
            saved_by=sheet.saved_by if sheet else "",
            kind=self.kind or (identity.kind if identity else ""),
            key=self.key,
            late=any(p.has("late") for p in self.problems),
            problems=[problem_json(p) for p in self.problems],
            sender=self.sender,
        )
        if self.form is not None:
            self.changes = _apply_requests(ledger, file_id, self) if accepted else []
            return
        if self.decisions is not None:
            self.changes = _apply_decisions(ledger, self.decisions, self.name) if accepted else []
            return
        if self.results is not None:
            if accepted:
                self.changes = apply_results_decision(ledger, self.results, self.name)
            return
        if self.key is not None and (accepted or self.flagged):
            ledger.record_changes(file_id, self.teacher_code, self.key, self.changes)
            _crash_point("inside-commit")
        if accepted and identity is not None and self.check is not None:
            ledger.set_base(identity.template_id, self.check.values)

    def outcome(self, status: Status, at: str, repeat_of: FileRecord | None = None) -> Outcome:
        marked = self.sheet is not None and MARKS_SHEET in self.sheet.sheet_names
        saved_by = self.sheet.saved_by if self.sheet is not None else ""
        return Outcome(self.name, status, self.sha, self.teacher_code, self.key, self.problems,
                       self.changes, at, repeat_of, marked, saved_by=saved_by,
                       kind=self.kind)  # fmt: skip


def _judge_sheet(
    path: Path, sha: str, sheet: FilledSheet, ctx: IngestContext, ledger: Ledger, arrival: Arrival
) -> _Verdict:
    teacher = arrival.person  # None: the office delivered it, the signed identity names who
    manual = None
    if sheet.identity is not None:
        i, kind = sheet.identity, KINDS.get(sheet.identity.kind)
        key = kind.ledger_key(i) if kind else SheetKey(i.class_code, i.subject_code, i.semester)
        manual = ledger.manual_lock(key)
    check = check_sheet(sheet, ctx.setup, ctx.secret, ctx.today, teacher, manual)
    verdict = _Verdict(path.name, sha, check=check, sheet=sheet)
    verdict.teacher_code = check.identity.teacher_code if check.identity else (teacher or "")
    verdict.changes, verdict.flagged = _changes(ctx, path.name, check, ledger, verdict.problems)
    if check.identity is not None:
        outdated = outdated_problem(verdict.problems, path.name, check.identity, ctx.setup,
                                    ctx.secret, ctx.share, ctx.today)  # fmt: skip
        verdict.problems += [outdated] if outdated is not None else []
    return verdict


def _judge_correction(
    name: str, sha: str, sheet: FilledSheet, ctx: IngestContext, ledger: Ledger, arrival: Arrival
) -> _Verdict:
    """A correction form: each row becomes a pending correction, decided when the form carries
    a decision and arrived from the decider's own ``Duyệt/`` folder. All rows or none."""
    assert sheet.identity is not None
    form = check_correction_sheet(
        sheet, ctx.setup, ctx.secret, ledger.scores, ledger.decided, arrival, ledger.delegated()
    )
    verdict = _Verdict(name, sha, form=form, sheet=sheet, kind="correction")
    verdict.problems = list(form.report)
    verdict.teacher_code = sheet.identity.teacher_code
    return verdict


def _judge_decisions(
    name: str, sha: str, sheet: FilledSheet, ctx: IngestContext, ledger: Ledger, arrival: Arrival
) -> _Verdict:
    """An approver's decision form: every decision on it, or none."""
    check = check_decision_sheet(
        sheet, ctx.setup, ctx.secret, arrival, ledger.change, ledger.delegated()
    )
    verdict = _Verdict(name, sha, decisions=check, sheet=sheet, kind="decision")
    verdict.problems = list(check.report)
    verdict.teacher_code = check.approver or (arrival.person or "")
    return verdict


def _judge_results(
    name: str, sha: str, sheet: FilledSheet, ctx: IngestContext, ledger: Ledger, arrival: Arrival
) -> _Verdict:
    """The principal's results decision form: the rows marked Đồng ý whose results are still
    those it showed (:mod:`~workbook_engine.pipeline.results_decision`)."""
    check = judge_results_decision(sheet, ctx.setup, ctx.secret, arrival, ctx.today, ledger)
    verdict = _Verdict(name, sha, results=check, sheet=sheet, kind=RESULTS_DECISION)
    verdict.problems = list(check.report)
    verdict.teacher_code = check.approver or (arrival.person or "")
    return verdict


def _apply_decisions(ledger: Ledger, check: DecisionCheck, name: str) -> list[CellChange]:
    decided = []
    for d in check.decisions:
        c = ledger.decide(d.change_id, d.decision, check.approver, name, d.note)
        decided.append(CellChange(c.student_code, c.column, c.old, c.new, c.status, c.reason))
    return decided


def _changes(
    ctx: IngestContext, name: str, check: SheetCheck, ledger: Ledger, problems: list[Problem]
) -> tuple[list[CellChange], bool]:
    """The file's changes (unauthorised when a problem says so); adds late and stale warnings."""
    key, identity = check.key, check.identity
    trusted = identity is not None and not any(p.has("identity") for p in problems)
    if key is None or identity is None or not trusted or check.layout is None:
        return [], False
    rows = still_in_class(ctx.setup, identity, ctx.today)  # a leaver's row: flagged only
    base, accepted = ledger.base(identity.template_id), ledger.scores(key)
    mine = {c.key for c in check.layout.columns if c.stored}  # a sheet speaks for its columns
    accepted = {cell: value for cell, value in accepted.items() if cell[1] in mine}
    file, base, accepted = (only(cells, rows) for cells in (check.values, base, accepted))
    changes, stale = three_way(file, base, accepted, check.layout.free_columns)
    flagged = [p for p in problems if p.has("unauthorised")]
    if flagged:
        reason = "; ".join(dict.fromkeys(p.message for p in flagged))
        changes = [replace(c, status=ChangeStatus.UNAUTHORISED, reason=reason) for c in changes]
    elif check.accepted:
        if check.kind is not None and check.kind.deadlines:
            free = check.layout.free_columns  # a comment has no deadline
            problems += late_warnings(ctx, name, key, [c for c in changes if c.column not in free])
        if stale:
            problems.append(
                make_problem("stale-copy", file=name, count=len(stale), example=stale[0])
            )
        changes = _confirmed(ctx, name, check, ledger, changes, problems)
        changes = _columns_locked(name, key, ledger, changes, problems)
    return changes, bool(flagged)


def _columns_locked(
    name: str, key: SheetKey, ledger: Ledger, changes: list[CellChange], problems: list[Problem]
) -> list[CellChange]:
    """Columns the principal locked after a monthly check: a value added there now waits for
    approval, like a changed one (a changed one already does)."""
    locked = ledger.locked_columns(key)
    if not locked:
        return changes
    held = [
        replace(c, status=ChangeStatus.PENDING)
        if c.status == ChangeStatus.MERGED and c.column in locked
        else c
        for c in changes
    ]
    touched = [new.column for new, old in zip(held, changes, strict=True) if new is not old]
    if touched:
        columns = list(dict.fromkeys(touched))
        day = max(locked[c] for c in columns)
        problems.append(make_problem("columns-locked", file=name, count=len(touched),
                                     columns=", ".join(columns),
                                     day=format_day(day)))  # fmt: skip
    return held


def _confirmed(
    ctx: IngestContext,
    name: str,
    check: SheetCheck,
    ledger: Ledger,
    changes: list[CellChange],
    problems: list[Problem],
) -> list[CellChange]:
    """A sheet that confirms a period (attendance) after its deadline: the first one is taken
    with a warning (its P count as K); once the period is in, a new value is a correction held
    for approval, like a changed one, so no excused absence is added unseen after the day."""
    kind, identity, key = check.kind, check.identity, check.key
    assert identity is not None and key is not None and check.layout is not None
    confirmation = kind.confirmation(ctx.setup, identity) if kind else None
    if confirmation is None or ctx.today <= confirmation[0]:
        return changes
    deadline, period = confirmation
    shown = deadline.strftime("%d/%m/%Y")
    if key not in ledger.first_received(key.class_code, identity.kind):
        problems.append(make_problem("attendance-late", file=name, month=period, deadline=shown))
        return changes
    free = check.layout.free_columns
    held = [
        replace(c, status=ChangeStatus.PENDING)
        if c.status == ChangeStatus.MERGED and c.column not in free
        else c
        for c in changes
    ]
    count = sum(1 for new, old in zip(held, changes, strict=True) if new.status != old.status)
    if count:
        problems.append(make_problem("attendance-added-late", file=name, count=count,
                                     month=period, deadline=shown))  # fmt: skip
    return held


def _apply_requests(ledger: Ledger, file_id: int, verdict: _Verdict) -> list[CellChange]:
    """Each request of an accepted form becomes a pending correction, decided if the form says."""
    assert verdict.form is not None
    changes: list[CellChange] = []
    for request in verdict.form.requests:
        cell = (request.student, request.column, request.new)
        waiting = [
            c for c in ledger.pending(request.key) if (c.student_code, c.column, c.new) == cell
        ]
        if not waiting and verdict.arrival.channel is Channel.DECIDE:
            raise LedgerError(  # a request is made by its teacher, from their own Nộp/
                f"dòng {request.row}: chưa có đề nghị sửa điểm này của giáo viên "
                f"{verdict.teacher_code} đang chờ duyệt; giáo viên gửi phiếu đề nghị từ thư mục "
                "«Nộp» của mình trước, người duyệt chỉ ghi ý kiến"
            )
        if not waiting:
            change = CellChange(request.student, request.column, request.old, request.new,
                                ChangeStatus.PENDING, request.reason)  # fmt: skip
            ledger.record_changes(file_id, verdict.teacher_code, request.key, [change])
            changes.append(change)
            waiting = ledger.pending(request.key)[-1:]
        if request.decision is not None:
            ledger.decide(waiting[0].id, request.decision, request.approver, verdict.name,
                          request.reason)  # fmt: skip
    return changes


def _leave_inbox(path: Path, ctx: IngestContext, arrival: Arrival) -> None:
    """The original is in the archive; remove it from the inbox or the sender's folder (a retry
    is harmless). A file named on the command line anywhere else is left where it is."""
    if arrival.by_office or ctx.share is None or ctx.share.arrival(path) is None:
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
