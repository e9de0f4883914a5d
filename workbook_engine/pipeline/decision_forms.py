"""Issue each approver a decision form listing the corrections waiting for a decision, into their
own ``Sổ điểm/``; a form already there is never overwritten (a new one gets ``_2``, ``_3``…).
After a request arrives, :func:`refresh_decision_forms` gives a new form to every approver whose
newest form does not list every waiting request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from workbook_engine.io.decision_sheet import DecisionRow, write_decision_sheet
from workbook_engine.io.identity import IdentityError, read_identity
from workbook_engine.model import ChangeRecord, Setup
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.policy import Action, may
from workbook_engine.share import ShareLayout


@dataclass(frozen=True)
class IssuedForm:
    approver: str
    path: Path
    requests: int


def decision_rows(setup: Setup, pending: list[ChangeRecord]) -> list[DecisionRow]:
    names = setup.student_names
    rows = []
    for c in pending:
        key = c.key
        grade = setup.class_by_code(key.class_code).grade
        subject = setup.find_subject(grade, key.subject_code)
        teacher = setup.find_teacher(c.teacher_code)
        rows.append(
            DecisionRow(
                id=c.id,
                class_code=key.class_code,
                subject=subject.name if subject else key.subject_code,
                semester=key.semester,
                student_code=c.student_code,
                student_name=names.get(c.student_code, ""),
                column=c.column,
                old=c.old or "",
                new=c.new or "",
                reason=c.reason,
                teacher=f"{teacher.full_name} ({teacher.code})" if teacher else c.teacher_code,
            )
        )
    return rows


def issue_decision_forms(
    ledger: Ledger,
    setup: Setup,
    share: ShareLayout,
    secret: bytes,
    today: date,
    approver: str | None = None,
) -> list[IssuedForm]:
    """One form per approver (or only ``approver``) when corrections are waiting."""
    pending = ledger.pending()
    if not pending:
        return []
    delegated = ledger.delegated()
    people = [t for t in setup.teachers if may(t, Action.DECIDE_CORRECTION, delegated)]
    if approver is not None:
        people = [t for t in people if t.code == approver]
    issued = []
    for person in people:
        rows = decision_rows(setup, [c for c in pending if c.teacher_code != person.code])
        if not rows:
            continue  # only their own requests wait: someone else decides those
        folder = share.sheets(person.code)
        path = free_name(folder, f"PhieuDuyetSuaDiem_{today.isoformat()}")
        write_decision_sheet(path, setup, person.code, rows, secret, today.strftime("%d/%m/%Y"))
        issued.append(IssuedForm(person.code, path, len(rows)))
    return issued


FORM_GLOB = "PhieuDuyetSuaDiem_*.xlsx"


def newest_form(folder: Path) -> Path | None:
    """The approver's most recent decision form in ``folder`` (by name: dated, then numbered)."""
    forms = sorted(folder.glob(FORM_GLOB), key=lambda p: (p.stem[:28], len(p.stem), p.stem))
    return forms[-1] if forms else None


def refresh_decision_forms(
    ledger: Ledger, setup: Setup, share: ShareLayout, secret: bytes, today: date
) -> list[IssuedForm]:
    """A new form for each approver whose newest form misses a waiting request."""
    pending = ledger.pending()
    if not pending:
        return []
    issued = []
    delegated = ledger.delegated()
    for person in setup.teachers:
        if not may(person, Action.DECIDE_CORRECTION, delegated):
            continue
        waiting = {str(c.id) for c in pending if c.teacher_code != person.code}
        newest = newest_form(share.sheets(person.code))
        try:
            listed = set(read_identity(newest).columns) if newest else set()
        except (IdentityError, OSError):
            listed = set()
        if waiting - listed:
            issued += issue_decision_forms(ledger, setup, share, secret, today, person.code)
    return issued


def free_name(folder: Path, stem: str) -> Path:
    """``folder/stem.xlsx``, or the first of ``stem_2.xlsx``, ``stem_3.xlsx``… not there yet:
    a form is never written over another."""
    path, n = folder / f"{stem}.xlsx", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}_{n}.xlsx"
    return path
