"""Check a filled correction request form (Phiếu đề nghị sửa điểm).

Each row asks to change one accepted value (student, subject, column, old → new, reason). The
approval columns, filled by the principal or a delegated vice-principal, decide it, but only when
the form arrives from that person's own ``Duyệt/`` folder: a decision anywhere else is refused and
shown to the principal as an attempted unauthorised decision. Every problem is collected with its
cell; the form is applied only when it has none.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from workbook_engine.errors import Report, make_problem
from workbook_engine.io.cells import column_letter, normalize_text
from workbook_engine.io.correction_sheet import APPROVED, COLUMNS, REJECTED
from workbook_engine.io.kinds import CellError
from workbook_engine.io.sheet_base import FIRST_ROW
from workbook_engine.io.sheet_reader import FilledSheet
from workbook_engine.model import ChangeStatus, Setup, SheetKey, Subject, Teacher
from workbook_engine.pipeline.sheet_check import canonical_value, identity_problem, parse_error
from workbook_engine.policy import Action, may
from workbook_engine.share import OFFICE, Arrival, Channel, where, who

COL = {key: i for i, (key, _, _) in enumerate(COLUMNS)}
APPROVAL_KEYS = ("approved", "approver", "approved_on")
TITLE = {key: title for key, title, _ in COLUMNS}
Scores = Callable[[SheetKey], dict[tuple[str, str], str]]
# was this correction (sheet, student, column, new value) already decided? (a form sent again)
Decided = Callable[[SheetKey, str, str, str | None], bool]


@dataclass(frozen=True)
class Request:
    row: int  # Excel row
    key: SheetKey
    student: str
    column: str
    old: str | None
    new: str | None
    reason: str
    decision: ChangeStatus | None = None
    approver: str = ""  # teacher code
    applied: bool = False  # already approved when the same request came in before


@dataclass
class CorrectionCheck:
    report: Report
    requests: list[Request] = field(default_factory=list)


class _Form:
    def __init__(self, sheet: FilledSheet, setup: Setup, delegated: Collection[str]) -> None:
        self.sheet, self.setup, self.delegated = sheet, setup, delegated
        self.report = Report()

    def text(self, row: int, key: str) -> str | None:
        return self.sheet.text(row, COL[key])

    def add(self, code: str, row: int, key: str, **values: object) -> None:
        assert self.sheet.identity is not None
        self.report.add(
            make_problem(
                code,
                file=self.sheet.name,
                sheet=self.sheet.identity.sheet,
                row=row + 1,
                letter=column_letter(COL[key]),
                column_title=TITLE[key],
                **values,
            )
        )


def _value(subject: Subject, text: str | None) -> tuple[str | None, CellError | None]:
    if text is None:
        return None, None
    error = parse_error(subject, text)
    return (None, error) if error else (canonical_value(subject, text), None)


def approver(setup: Setup, text: str, delegated: Collection[str] = ()) -> Teacher | None:
    """The principal, or a vice-principal among ``delegated``, named by code or full name."""
    wanted = normalize_text(text).casefold()
    for teacher in setup.teachers:
        named = wanted in (teacher.code.casefold(), teacher.full_name.casefold())
        if named and may(teacher, Action.DECIDE_CORRECTION, delegated):
            return teacher
    return None


def check_correction_sheet(
    sheet: FilledSheet,
    setup: Setup,
    secret: bytes,
    scores: Scores,
    decided: Decided,
    arrival: Arrival = OFFICE,
    delegated: Collection[str] = (),
) -> CorrectionCheck:
    """Every problem of a correction form, and its requests when it has none; ``delegated``:
    the vice-principals the principal delegated the approval of corrections to."""
    problem = identity_problem(sheet, setup, secret)
    if problem is not None:
        return CorrectionCheck(Report([problem]))
    identity = sheet.identity
    assert identity is not None
    form = _Form(sheet, setup, delegated)
    sent_by = arrival.person if arrival.channel is not Channel.DECIDE else None
    if sent_by is not None and sent_by != identity.teacher_code:
        form.report.add(
            make_problem(
                "teacher-folder-mismatch",
                file=sheet.name,
                teacher=identity.teacher_code,
                folder=sent_by,
            )
        )
    requests = []
    approvers: set[str] = set()
    claimed: set[str] = set()  # approval columns written, whatever else is wrong on the row
    seen: dict[tuple[SheetKey, str, str], int] = {}
    for row in range(FIRST_ROW, len(sheet.rows)):
        if not any(form.text(row, key) for key, _, _ in COLUMNS[1:]):
            continue
        if any(form.text(row, key) for key in APPROVAL_KEYS):
            claimed.add(normalize_text(form.text(row, "approver") or "") or "?")
        request = _row(form, row, identity.teacher_code, identity.semester, scores, decided,
                       arrival)  # fmt: skip
        if request is None:
            continue
        cell = (request.key, request.student, request.column)
        if cell in seen:
            form.add("request-duplicate", row, "column", other_row=seen[cell])
            continue
        seen[cell] = request.row
        if request.applied:
            continue  # decided when this form came in before: nothing to do again
        requests.append(request)
        if request.approver:
            approvers.add(request.approver)
    _check_decider(form, approvers, claimed, arrival)
    return CorrectionCheck(form.report, requests if form.report.valid else [])


def _row(
    form: _Form,
    row: int,
    teacher: str,
    semester: int,
    scores: Scores,
    decided: Decided,
    arrival: Arrival,
) -> Request | None:
    setup = form.setup
    errors = len(form.report.errors)
    for needed in ("student_code", "class", "subject", "column", "new", "reason"):
        if not form.text(row, needed):
            form.add("value-required", row, needed)
    if len(form.report.errors) > errors:
        return None
    student, class_code = str(form.text(row, "student_code")), str(form.text(row, "class"))
    subject_code, column = str(form.text(row, "subject")), str(form.text(row, "column"))
    if student not in {s.student_code for s in setup.members_of(class_code)}:  # leavers too
        form.add(
            "request-unknown-student", row, "student_code", value=student, class_code=class_code
        )
        return None
    assigned = {(a.class_code, a.subject_code) for a in setup.assignments_of(teacher)}
    if (class_code, subject_code) not in assigned:
        form.add("not-assigned", row, "subject", teacher=teacher, subject=subject_code,
                 class_code=class_code)  # fmt: skip
        return None
    subject = setup.subject(setup.class_by_code(class_code).grade, subject_code)
    if column not in subject.columns:
        form.add("request-column", row, "column", value=column, subject=subject_code,
                 class_code=class_code, allowed=", ".join(subject.columns))  # fmt: skip
        return None
    key = SheetKey(class_code, subject_code, semester)
    current = scores(key).get((student, column))
    old, old_error = _value(subject, form.text(row, "old"))
    new, new_error = _value(subject, form.text(row, "new"))
    for name, error in (("old", old_error), ("new", new_error)):
        if error is not None:
            form.add(error.code, row, name, value=form.text(row, name))
    if old_error or new_error:
        return None
    if new == current and old != current and decided(key, student, column, new):
        return Request(row + 1, key, student, column, old, new, "", applied=True)
    if old != current:
        form.add("request-old-mismatch", row, "old", value=form.text(row, "old") or "trống",
                 expected=current or "trống")  # fmt: skip
        return None
    if new == current:
        form.add("request-unchanged", row, "new", value=form.text(row, "new"))
        return None
    decision, by = _decision(form, row, arrival)
    reason = "; ".join(filter(None, [form.text(row, "reason"), form.text(row, "evidence")]))
    return Request(row + 1, key, student, column, old, new, reason, decision, by)


def _decision(form: _Form, row: int, arrival: Arrival) -> tuple[ChangeStatus | None, str]:
    verdict, name = form.text(row, "approved"), form.text(row, "approver")
    if not verdict and not name:
        return None, ""
    decider = arrival.person if arrival.channel is Channel.DECIDE else None
    if not name and decider is not None:
        name = decider  # the folder says who decided
    decisions = {APPROVED: ChangeStatus.APPROVED, REJECTED: ChangeStatus.REFUSED}
    decision = next((d for v, d in decisions.items() if (verdict or "").casefold() == v.casefold()),
                    None)  # fmt: skip
    if decision is None:
        form.add("value-not-allowed", row, "approved", value=verdict or "",
                 allowed=f"{APPROVED}, {REJECTED}")  # fmt: skip
        return None, ""
    if not name:
        form.add("value-required", row, "approver")
        return None, ""
    person = approver(form.setup, name, form.delegated)
    if person is None:
        form.add("approver-not-allowed", row, "approver", value=name)
        return None, ""
    return decision, person.code


def _check_decider(form: _Form, approvers: set[str], claimed: set[str], arrival: Arrival) -> None:
    """A form carrying decisions counts only from the decider's own ``Duyệt/`` folder, and only
    for that person's own decisions (the Office user name saved in it proves nothing). Approval
    columns written outside ``Duyệt/`` are flagged even on rows with other mistakes."""
    if not (approvers or claimed):
        return
    if arrival.channel is not Channel.DECIDE or arrival.person is None:
        named = sorted(approvers or claimed - {"?"})
        form.report.add(
            make_problem(
                "decision-wrong-folder",
                file=form.sheet.name,
                folder=where(arrival, form.setup),
                teacher=", ".join(who(form.setup, n) for n in named) or "không ghi tên",
            )
        )
        return
    others = sorted(approvers - {arrival.person})
    if others:
        form.report.add(
            make_problem(
                "decision-other-approver",
                file=form.sheet.name,
                value=", ".join(who(form.setup, o) for o in others),
                teacher=who(form.setup, arrival.person),
            )
        )
