"""Answer the sender at once: a receipt for an accepted file, the red-marked copy and a page for
a returned one. A courtesy written after the commit: it never changes the verdict."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from workbook_engine.io.cells import format_time
from workbook_engine.io.feedback import FeedbackReport, write_rejected_copy, write_report_html
from workbook_engine.io.kinds import KINDS
from workbook_engine.io.results_decision_sheet import RESULTS_DECISION
from workbook_engine.model import CellChange, SheetKey
from workbook_engine.names import safe_stem
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.outcome import IngestContext, Outcome, Status, problem_from_json
from workbook_engine.share import Channel, where

log = logging.getLogger("workbook_engine.ingest")


def answer(outcome: Outcome, ctx: IngestContext, ledger: Ledger | None) -> None:
    """Write what the sender reads; a file sent again gets the same answer as the first time."""
    known = outcome.repeat_of
    if outcome.status is not Status.DUPLICATE:
        write_feedback(outcome, ctx)
    elif known is not None and known.status == Status.ACCEPTED and ledger is not None:
        _receipt_if_missing(outcome, ctx, ledger)
    elif known is not None:
        write_feedback(replace(outcome, status=Status.REJECTED, at=known.received_at), ctx)


def feedback_paths(outcome: Outcome, ctx: IngestContext, fresh: bool = False) -> tuple[Path, Path]:
    """Where the sender finds what became of a file: (returned copy, HTML page). On the share,
    the sender's ``Trả lại/`` and ``Biên nhận/``, named by the time received so the newest sorts
    last (``fresh``: never over another answer, `` (2)`` added); without a share (or a folder for
    that person), under the data directory."""
    person = safe_stem(outcome.sender or "_")
    stem = safe_stem(Path(outcome.name).stem)
    share = ctx.share
    if share is not None and outcome.sender and share.owner_folder(person).is_dir():
        stamp = _stamp(outcome.at)
        rejected = outcome.status is Status.REJECTED
        folder = share.returned(person) if rejected else share.receipts(person)
        base = folder / f"{stamp} {stem}"
        n = 1
        while fresh and any(base.with_name(f"{base.name}{s}").exists() for s in (".xlsx", ".html")):
            n += 1
            base = folder / f"{stamp} {stem} ({n})"
        page = base.with_name(base.name + ".html")
        return (base.with_name(base.name + ".xlsx"), page) if rejected else (page, page)
    if outcome.status is Status.REJECTED:
        copy = ctx.data.rejected / person / f"{stem}.xlsx"
        return copy, copy.with_suffix(".html")
    page = ctx.data.receipts / person / f"{stem}-{outcome.sha256[:8]}.html"
    return page, page


def delivered_text(outcome: Outcome, ctx: IngestContext) -> str:
    """How the file arrived, as the teacher reads it."""
    if outcome.arrival.by_office:
        return Channel.OFFICE.value
    return where(outcome.arrival, ctx.setup)


def _stamp(at: str) -> str:
    """``2025-10-10 14.05.09`` from the ledger's local ISO time: sorts by name, valid on Windows."""
    return at[:19].replace("T", " ").replace(":", ".")


def write_feedback(outcome: Outcome, ctx: IngestContext) -> None:
    """The red-marked copy and the rejection page, or the receipt; never fails the ingest."""
    copy, page = feedback_paths(outcome, ctx, fresh=True)
    key = outcome.key
    name, is_subject = KINDS.sheet_name(ctx.setup, key) if key else ("", True)
    approving = outcome.kind == RESULTS_DECISION  # its changes are approvals of classes
    report = FeedbackReport(
        file_name=outcome.name,
        status=outcome.status.value,
        teacher=outcome.teacher_code,
        received_at=format_time(outcome.at),
        class_code=key.class_code if key else "",
        subject_code=key.subject_code if key else "",
        subject_name=name,
        subject_label="Môn" if is_subject else "Nội dung",
        semester=key.semester if key else None,
        problems=outcome.problems,
        changes=() if approving else outcome.changes,
        approvals=[f"Lớp {c.student_code}, {c.column}: {c.new}" for c in outcome.changes]
        if approving
        else [],
        student_names=ctx.setup.student_names,
        marked_before=outcome.marked_before and outcome.status is Status.ACCEPTED,
        delivered=delivered_text(outcome, ctx),
        saved_by=outcome.saved_by,
    )
    try:
        if outcome.status is Status.REJECTED and not any(
            p.has("unreadable") for p in outcome.problems
        ):
            original = ctx.data.archive / outcome.sha256[:2] / f"{outcome.sha256}.xlsx"
            write_rejected_copy(original, copy, outcome.problems)
        write_report_html(page, report)
    except Exception:  # feedback is a courtesy: the ledger already holds the verdict
        log.exception("%s: không ghi được phản hồi cho giáo viên", outcome.name)


def _receipt_if_missing(outcome: Outcome, ctx: IngestContext, ledger: Ledger) -> None:
    """After a crash between commit and feedback, the rerun still leaves the teacher a receipt."""
    known = outcome.repeat_of
    assert known is not None
    receipt = Outcome(known.name, Status.ACCEPTED, known.sha256, known.teacher_code)
    receipt.at, receipt.arrival = known.received_at, outcome.arrival
    page, _ = feedback_paths(receipt, ctx)
    if page.exists():
        return
    receipt.key = SheetKey(known.class_code, known.subject_code, known.semester or 0)
    receipt.changes = [
        CellChange(c.student_code, c.column, c.old, c.new, c.status, c.reason)
        for c in ledger.changes_of_files([known.id])
    ]
    receipt.problems = [problem_from_json(p, known.name) for p in known.problems]
    write_feedback(receipt, ctx)
