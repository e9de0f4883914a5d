"""Check a filled decision form (Phiếu duyệt sửa điểm) from an approver's ``Duyệt/`` folder.

The form counts only when it arrives from the ``Duyệt/`` folder of the approver its signed
identity names: anywhere else it is refused, recorded, and shown to the principal as an
attempted unauthorised decision. Each row with Đồng ý / Không đồng ý decides the request the
identity lists at that row; blank rows wait; a row someone else decided meanwhile is skipped with
a warning. Checks never do I/O: the ledger is asked through
``change``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field

from workbook_engine.errors import Problem, Report, make_problem
from workbook_engine.io.cells import column_letter, normalize_text
from workbook_engine.io.correction_sheet import APPROVED, REJECTED
from workbook_engine.io.decision_sheet import COLUMNS, DECISION_COL, NOTE_COL
from workbook_engine.io.sheet_base import FIRST_ROW
from workbook_engine.io.sheet_reader import FilledSheet
from workbook_engine.model import ChangeRecord, ChangeStatus, Setup
from workbook_engine.pipeline.sheet_check import identity_problem
from workbook_engine.policy import Action, may
from workbook_engine.share import Arrival, Channel, where, who

ChangeOf = Callable[[int], ChangeRecord | None]
CHOICES = {APPROVED.casefold(): ChangeStatus.APPROVED, REJECTED.casefold(): ChangeStatus.REFUSED}


@dataclass(frozen=True)
class Decision:
    row: int  # Excel row
    change_id: int
    decision: ChangeStatus
    note: str = ""


@dataclass
class DecisionCheck:
    report: Report
    approver: str = ""
    decisions: list[Decision] = field(default_factory=list)


def check_decision_sheet(
    sheet: FilledSheet,
    setup: Setup,
    secret: bytes,
    arrival: Arrival,
    change: ChangeOf,
    delegated: Collection[str] = (),
) -> DecisionCheck:
    """Every problem of a decision form, and its decisions when it has none; ``delegated``:
    the vice-principals the principal delegated the approval of corrections to."""
    forged = not_genuine(sheet, setup, secret, arrival)
    if forged is not None:
        return DecisionCheck(forged)
    identity = sheet.identity
    assert identity is not None
    approver = identity.teacher_code
    report = Report(list(decider_problems(sheet, setup, approver, arrival, delegated=delegated)))
    if not report.valid:
        return DecisionCheck(report, approver)
    decisions = []
    for i, text in enumerate(identity.columns):
        row = FIRST_ROW + i
        verdict = sheet.text(row, DECISION_COL)
        if not verdict:
            continue
        decision = CHOICES.get(normalize_text(verdict).casefold())
        if decision is None:
            report.add(_located(sheet, "value-not-allowed", row, DECISION_COL, value=verdict,
                                allowed=f"{APPROVED}, {REJECTED}"))  # fmt: skip
            continue
        record = change(int(text))
        if record is None:
            report.add(_located(sheet, "request-conflict", row, DECISION_COL,
                                value=f"không có đề nghị số {text}"))  # fmt: skip
            continue
        if record.status != ChangeStatus.PENDING:
            if (record.status, record.decided_by) == (decision, approver):
                continue  # the same form sent again: already decided, nothing to do
            report.add(_located(sheet, "request-decided", row, DECISION_COL, value=text,
                                teacher=record.decided_by,
                                decision=ChangeStatus(record.status).label))  # fmt: skip
            continue
        note = sheet.text(row, NOTE_COL) or ""
        decisions.append(Decision(row + 1, record.id, decision, note))
    return DecisionCheck(report, approver, decisions if report.valid else [])


def not_genuine(sheet: FilledSheet, setup: Setup, secret: bytes, arrival: Arrival) -> Report | None:
    """The report of a decision form that is not genuine (identity missing, altered, foreign),
    noting it as suspect when it did not even come from a ``Duyệt/`` folder; None if genuine."""
    problem = identity_problem(sheet, setup, secret)
    if problem is None:
        return None
    report = Report([problem])
    if arrival.channel is not Channel.DECIDE:  # a decision form anywhere else is suspect
        report.add(make_problem("decision-wrong-folder", file=sheet.name,
                                folder=where(arrival, setup), teacher="không rõ"))  # fmt: skip
    return report


def decider_problems(
    sheet: FilledSheet,
    setup: Setup,
    approver: str,
    arrival: Arrival,
    action: Action = Action.DECIDE_CORRECTION,
    refused: str = "approver-not-allowed",
    delegated: Collection[str] = (),
) -> Iterator[Problem]:
    """Whether the form's decider may take ``action`` (``refused`` when not) and sent it from
    their own ``Duyệt/`` folder (``decision-wrong-folder``, ``decision-other-approver``)."""
    person = setup.find_teacher(approver)
    if person is None or not may(person, action, delegated):
        shown = approver if action is Action.DECIDE_CORRECTION else who(setup, approver)
        yield make_problem(refused, file=sheet.name, value=shown)
    elif arrival.channel is not Channel.DECIDE:
        yield make_problem("decision-wrong-folder", file=sheet.name,
                           folder=where(arrival, setup), teacher=who(setup, approver))  # fmt: skip
    elif arrival.person != approver:
        yield make_problem("decision-other-approver", file=sheet.name,
                           value=who(setup, approver),
                           teacher=who(setup, arrival.person or ""))  # fmt: skip


def _located(sheet: FilledSheet, code: str, row: int, col: int, **values: object) -> Problem:
    assert sheet.identity is not None
    return make_problem(code, file=sheet.name, sheet=sheet.identity.sheet, row=row + 1,
                        letter=column_letter(col), column_title=COLUMNS[col][1],
                        **values)  # fmt: skip
