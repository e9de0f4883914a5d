"""Answer the sender at once: a receipt for an accepted file, the red-marked copy and a page for
a returned one. A courtesy written after the commit: it never changes the verdict."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from workbook_engine.io.feedback import FeedbackReport, write_rejected_copy, write_report_html
from workbook_engine.io.kinds import KINDS
from workbook_engine.model import CellChange, SheetKey
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.outcome import IngestContext, Outcome, Status, problem_from_json

log = logging.getLogger("workbook_engine.ingest")


def answer(outcome: Outcome, ctx: IngestContext, ledger: Ledger) -> None:
    """Write what the sender reads; a file sent again gets the same answer as the first time."""
    known = outcome.repeat_of
    if outcome.status is not Status.DUPLICATE:
        write_feedback(outcome, ctx)
    elif known is not None and known.status == Status.ACCEPTED:
        _receipt_if_missing(outcome, ctx, ledger)
    elif known is not None:
        write_feedback(replace(outcome, status=Status.REJECTED, at=known.received_at), ctx)


def feedback_paths(outcome: Outcome, data: DataDir) -> tuple[Path, Path]:
    """Where the teacher finds what became of a file: (returned copy, HTML page)."""
    teacher = outcome.teacher_code or "_"
    if outcome.status is Status.REJECTED:
        copy = data.rejected / teacher / outcome.name
        return copy, copy.with_suffix(".html")
    page = data.receipts / teacher / f"{Path(outcome.name).stem}-{outcome.sha256[:8]}.html"
    return page, page


def write_feedback(outcome: Outcome, ctx: IngestContext) -> None:
    """The red-marked copy and the rejection page, or the receipt; never fails the ingest."""
    copy, page = feedback_paths(outcome, ctx.data)
    key = outcome.key
    name, is_subject = KINDS.sheet_name(ctx.setup, key) if key else ("", True)
    report = FeedbackReport(
        file_name=outcome.name,
        status=outcome.status.value,
        teacher=outcome.teacher_code,
        received_at=outcome.at,
        class_code=key.class_code if key else "",
        subject_code=key.subject_code if key else "",
        subject_name=name,
        subject_label="Môn" if is_subject else "Nội dung",
        semester=key.semester if key else None,
        problems=outcome.problems,
        changes=outcome.changes,
        student_names=ctx.setup.student_names,
        marked_before=outcome.marked_before and outcome.status is Status.ACCEPTED,
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


def _receipt_if_missing(outcome: Outcome, ctx: IngestContext, ledger: Ledger) -> None:
    """After a crash between commit and feedback, the rerun still leaves the teacher a receipt."""
    known = outcome.repeat_of
    assert known is not None
    receipt = Outcome(known.name, Status.ACCEPTED, known.sha256, known.teacher_code)
    receipt.at = known.received_at
    page, _ = feedback_paths(receipt, ctx.data)
    if page.exists():
        return
    receipt.key = SheetKey(known.class_code, known.subject_code, known.semester or 0)
    receipt.changes = [
        CellChange(c.student_code, c.column, c.old, c.new, c.status, c.reason)
        for c in ledger.changes_of_files([known.id])
    ]
    receipt.problems = [problem_from_json(p, known.name) for p in known.problems]
    write_feedback(receipt, ctx)
