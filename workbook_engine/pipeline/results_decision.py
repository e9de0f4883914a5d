"""The principal's results decision form (Phiếu duyệt kết quả): issue it, check a filled one,
apply it.

Issued once the period is over (``wbe results form``) into the principal's ``Sổ điểm/``, never
over an earlier form: one row per class with what approving it would record (counted from the
approval snapshot itself) and whether :func:`approve_period` would refuse it now, and why.

A filled form counts only from the principal's own ``Duyệt/``; anywhere else it is refused and
shown as an attempted unauthorised decision, with the codes of the correction decision forms.
Each row marked Đồng ý is approved through :func:`approve_period`, inside the ingest's one
transaction and with the row's note, provided the class's results are still those the form
showed (the identity holds their hash); else that row is refused with a warning and the other
rows still count. Rows marked Không đồng ý, or blank, change nothing. Checks never do I/O: the
ledger is asked through ``state``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from workbook_engine.approvals import approval_snapshot
from workbook_engine.errors import Problem, Report, WorkbookEngineError, make_problem
from workbook_engine.io.cells import column_letter, normalize_text
from workbook_engine.io.correction_sheet import APPROVED, REJECTED
from workbook_engine.io.results_decision_sheet import (
    RESULTS_DECISION,
    ResultsRow,
    decision_columns,
    parse_row,
    results_columns,
    write_results_sheet,
)
from workbook_engine.io.sheet_base import FIRST_ROW
from workbook_engine.io.sheet_reader import FilledSheet
from workbook_engine.model import CellChange, ChangeStatus, Setup
from workbook_engine.pipeline.chain import canonical
from workbook_engine.pipeline.decision_check import decider_problems, not_genuine
from workbook_engine.pipeline.decision_forms import free_name
from workbook_engine.pipeline.ledger import Ledger, LedgerError, ResultApproval
from workbook_engine.pipeline.result_approval import (
    PERIOD_NAMES,
    approve_period,
    class_problem,
    class_results,
    period_problem,
)
from workbook_engine.policy import Action, may
from workbook_engine.rules import Award, Level, Outcome
from workbook_engine.share import Arrival, ShareLayout

__all__ = [
    "RESULTS_DECISION",
    "ClassState",
    "IssuedResultsForm",
    "ResultsDecisionCheck",
    "apply_results_decision",
    "check_results_decision",
    "class_state",
    "issue_results_forms",
    "judge_results_decision",
]

Snapshot = Mapping[str, Mapping[str, str]]
CHOICES = {APPROVED.casefold(): True, REJECTED.casefold(): False}
FORM_STEM = "PhieuDuyetKetQua"


@dataclass(frozen=True)
class ClassState:
    """One class's results of a period now, as an approval would record them."""

    snapshot: Snapshot
    hash: str  # as the ledger records it with an approval (:func:`snapshot_hash`)
    problem: Problem | None  # why approve_period refuses the class now; None: it approves it
    approved: ResultApproval | None = None  # the latest approval of the period


StateOf = Callable[[str], ClassState]


def snapshot_hash(snapshot: Snapshot) -> str:
    """sha256 of the snapshot's canonical JSON: the hash an approval of it is recorded with."""
    return hashlib.sha256(canonical(snapshot).encode()).hexdigest()


def class_state(
    setup: Setup, ledger: Ledger, class_code: str, period: str, day: date
) -> ClassState:
    """``class_code``'s results of ``period`` on ``day``, what approve_period says of them, and
    the latest approval of the period (reads only)."""
    results, months = class_results(setup, ledger, class_code, day)
    snapshot = approval_snapshot(results, period)
    refused = class_problem(setup, ledger, class_code, period, results, months)
    latest = [a for a in ledger.result_approvals(class_code) if a.period == period]
    return ClassState(snapshot, snapshot_hash(snapshot), refused, latest[-1] if latest else None)


# --- issuing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedResultsForm:
    approver: str
    period: str
    path: Path
    classes: int


def issue_results_forms(
    ledger: Ledger,
    setup: Setup,
    share: ShareLayout,
    secret: bytes,
    period: str,
    today: date,
    classes: Iterable[str] | None = None,
) -> list[IssuedResultsForm]:
    """A results decision form on ``period`` (``HK1``, ``HK2``, ``CN``, ``HE``) listing
    ``classes`` (default: every class) into the ``Sổ điểm/`` of each person who approves results
    (the principal), beside any earlier form (``_2``, ``_3``…). Refused while the period is not
    over (:func:`period_problem`, raised as :class:`WorkbookEngineError`)."""
    problem = period_problem(setup, period, today)
    if problem is not None:
        raise WorkbookEngineError(problem)
    codes = list(classes) if classes is not None else [c.code for c in setup.secondary_classes]
    rows = [
        results_row(setup, code, class_state(setup, ledger, code, period, today)) for code in codes
    ]
    issued = []
    for person in setup.teachers:
        if not may(person, Action.APPROVE_RESULTS):
            continue
        path = free_name(share.sheets(person.code), f"{FORM_STEM}_{period}_{today.isoformat()}")
        write_results_sheet(path, setup, person.code, period, rows, secret,
                            today.strftime("%d/%m/%Y"))  # fmt: skip
        issued.append(IssuedResultsForm(person.code, period, path, len(rows)))
    return issued


def results_row(setup: Setup, class_code: str, state: ClassState) -> ResultsRow:
    """The form's row of one class, counted from what approving it would record."""
    entries = list(state.snapshot.values())

    def counts(key: str, values: Iterable[str]) -> tuple[int, ...]:
        got = Counter(e.get(key, "") for e in entries)
        return tuple(got[v] for v in values)

    outcomes = Counter(e.get("outcome", "") for e in entries)
    both = outcomes[Outcome.RE_EXAM_AND_TRAINING.value]
    room = setup.class_by_code(class_code)
    teacher = setup.find_teacher(room.homeroom_teacher)
    return ResultsRow(
        class_code=class_code,
        homeroom=teacher.full_name if teacher else room.homeroom_teacher,
        students=len(entries),
        learning=counts("learning", (level.value for level in Level)),
        conduct=counts("conduct", (level.value for level in Level)),
        outcomes=(
            outcomes[Outcome.PROMOTED.value],
            outcomes[Outcome.RE_EXAM.value] + both,
            outcomes[Outcome.SUMMER_TRAINING.value] + both,
            outcomes[Outcome.RETAINED.value],
        ),
        awards=counts("award", (Award.EXCELLENT.value, Award.GOOD.value)),
        status=status_text(state),
        snapshot_hash=state.hash,
    )


def status_text(state: ClassState) -> str:
    """Whether the class can be approved (or what keeps it from it), and an earlier approval."""
    if state.problem is not None:
        text = f"Chưa duyệt được: {state.problem.message}"
    else:
        text = "Đủ dữ liệu, có thể duyệt"
    if state.approved is not None:
        at = state.approved.at
        text += f". Đã duyệt ngày {at[8:10]}/{at[5:7]}/{at[:4]}"
        if state.approved.snapshot_hash != state.hash:
            text += "; kết quả đã thay đổi từ đó, cần duyệt lại"
    return text


# --- checking a filled form ---------------------------------------------------------------------


@dataclass(frozen=True)
class RowApproval:
    row: int  # Excel row
    class_code: str
    snapshot_hash: str  # the results the principal saw
    note: str = ""


@dataclass
class ResultsDecisionCheck:
    report: Report
    approver: str = ""
    period: str = ""
    setup: Setup | None = None
    day: date | None = None
    approvals: list[RowApproval] = field(default_factory=list)


def judge_results_decision(
    sheet: FilledSheet, setup: Setup, secret: bytes, arrival: Arrival, today: date, ledger: Ledger
) -> ResultsDecisionCheck:
    """:func:`check_results_decision` with each class's state read from ``ledger``."""
    period = sheet.identity.period if sheet.identity is not None else ""
    return check_results_decision(
        sheet, setup, secret, arrival, today,
        lambda code: class_state(setup, ledger, code, period, today),
    )  # fmt: skip


def check_results_decision(
    sheet: FilledSheet, setup: Setup, secret: bytes, arrival: Arrival, today: date, state: StateOf
) -> ResultsDecisionCheck:
    """Every problem of a filled results decision form, and the rows to approve: errors (a form
    not genuine, not from the principal's own ``Duyệt/``, an unknown answer) refuse the whole
    form; a row whose class cannot be approved as shown is a warning and is left out."""
    forged = not_genuine(sheet, setup, secret, arrival)
    if forged is not None:
        return ResultsDecisionCheck(forged)
    identity = sheet.identity
    assert identity is not None
    approver, period = identity.teacher_code, identity.period
    report = Report(list(_form_problems(sheet, setup, approver, arrival, today)))
    check = ResultsDecisionCheck(report, approver, period, setup, today)
    if not report.valid:
        return check
    decision_col, note_col = decision_columns(period)
    for i, entry in enumerate(identity.columns):
        row = FIRST_ROW + i
        verdict = sheet.text(row, decision_col)
        if not verdict:
            continue
        approve = CHOICES.get(normalize_text(verdict).casefold())
        if approve is None:
            report.add(_located(sheet, period, "value-not-allowed", row, value=verdict,
                                allowed=f"{APPROVED}, {REJECTED}"))  # fmt: skip
            continue
        if not approve:
            continue  # Không đồng ý: nothing is recorded, the class waits
        code, seen = parse_row(entry)
        if setup.find_class(code) is None:
            report.add(_located(sheet, period, "unknown-class", row, value=code))
            continue
        now = state(code)
        if now.hash != seen:
            report.add(_located(sheet, period, "results-changed-since-form", row,
                                class_code=code))  # fmt: skip
        elif now.approved is not None and now.approved.snapshot_hash == seen:
            continue  # approved as shown already (the same form sent again)
        elif now.problem is not None:
            report.add(_located(sheet, period, "results-row-not-approved", row,
                                detail=now.problem.message))  # fmt: skip
        else:
            note = normalize_text(sheet.text(row, note_col) or "")
            check.approvals.append(RowApproval(row + 1, code, seen, note))
    if not report.valid:
        check.approvals = []
    return check


def _form_problems(
    sheet: FilledSheet, setup: Setup, approver: str, arrival: Arrival, today: date
) -> Iterator[Problem]:
    """Who may decide, from which folder, on which period (the form as a whole)."""
    sender = list(decider_problems(sheet, setup, approver, arrival, Action.APPROVE_RESULTS,
                                   "results-approver-not-allowed"))  # fmt: skip
    if sender:
        yield from sender
    elif not sheet.sheet_found:
        assert sheet.identity is not None
        yield make_problem("sheet-missing", file=sheet.name, sheet=sheet.identity.sheet)
    else:
        closed = period_problem(setup, sheet.identity.period if sheet.identity else "", today)
        if closed is not None:
            yield replace(closed, file=sheet.name)


def _located(sheet: FilledSheet, period: str, code: str, row: int, **values: object) -> Problem:
    assert sheet.identity is not None
    col = decision_columns(period)[0]
    return make_problem(code, file=sheet.name, sheet=sheet.identity.sheet, row=row + 1,
                        letter=column_letter(col), column_title=results_columns(period)[col][1],
                        **values)  # fmt: skip


# --- applying it --------------------------------------------------------------------------------


def apply_results_decision(
    ledger: Ledger, check: ResultsDecisionCheck, name: str
) -> list[CellChange]:
    """Approve the rows marked Đồng ý through :func:`approve_period` inside the caller's
    transaction (one call per distinct note), each approval noting the form ``name``. One
    :class:`CellChange` per class approved, for the sender's receipt. Raises
    :class:`LedgerError`, and the whole form is returned, when approve_period now refuses a
    class or records other results than the form showed (the ledger moved since the check)."""
    if not check.approvals:
        return []
    assert check.setup is not None and check.day is not None
    by_note: dict[str, list[RowApproval]] = {}
    for approval in check.approvals:
        by_note.setdefault(approval.note, []).append(approval)
    changes = []
    for note, rows in by_note.items():
        recorded = f"{note} (phiếu {name})" if note else f"Theo phiếu {name}"
        codes = [r.class_code for r in rows]
        result = approve_period(check.setup, ledger, check.period, codes, check.approver,
                                check.day, recorded, joined=True)  # fmt: skip
        if result.refused:
            raise LedgerError("; ".join(p.message for p in result.refused))
        students = dict(result.approved)
        for r in rows:
            if snapshot_hash(result.snapshots[r.class_code]) != r.snapshot_hash:
                changed = make_problem("results-changed-since-form", class_code=r.class_code)
                raise LedgerError(changed.message)
            shown = f"Đã duyệt kết quả {students[r.class_code]} học sinh"
            period = PERIOD_NAMES[check.period]
            changes.append(
                CellChange(r.class_code, period, None, shown, ChangeStatus.APPROVED, note)
            )
    return changes
