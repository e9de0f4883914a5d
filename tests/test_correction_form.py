"""The correction request form (Phiếu đề nghị sửa điểm) dropped into the inbox: the teacher's
request, then the principal's or vice-principal's decision, on the real issued form."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.helpers import OCTOBER, School, delegate_first_vice
from workbook_engine.cli import app
from workbook_engine.io.correction_sheet import CORRECTION_SHEET, correction_sheet_name
from workbook_engine.model import ChangeStatus, Role
from workbook_engine.pipeline.ingest import Status
from workbook_engine.pipeline.ledger import Ledger, LedgerError


def form(
    school: School,
    teacher: str,
    rows: list[dict[str, object]],
    saved_by: str,
    into: Path | None = None,
) -> Path:
    """The teacher's issued form, filled row by row (B..M as on the sheet), dropped into the
    teacher's inbox folder or ``into`` (an approver's ``Duyệt/``)."""
    source = school.sheets(teacher) / correction_sheet_name(1)
    wb = openpyxl.load_workbook(source)
    ws = wb[CORRECTION_SHEET]
    for i, cells in enumerate(rows):
        for letter, value in cells.items():
            ws[f"{letter}{8 + i}"] = value
    wb.properties.lastModifiedBy = saved_by
    target = (into or school.inbox / teacher) / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def ask(school: School, teacher: str, rows: list[dict[str, object]]) -> None:
    """The teacher sends the requests (approval columns blank) from their own folder first."""
    asked = [{k: v for k, v in r.items() if k not in ("K", "L", "M")} for r in rows]
    (outcome,) = school.ingest(form(school, teacher, asked, school.username(teacher)))
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]


def person(school: School, wanted: Role) -> tuple[str, str, str]:
    t = next(t for t in school.setup.teachers if wanted in t.roles)
    return t.code, t.full_name, t.usernames[0]


@pytest.fixture
def accepted(school: School) -> tuple[School, str, str]:
    delegate_first_vice(school)
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 6}))
    assert outcome.status is Status.ACCEPTED
    teacher = school.teacher_of("6A1", "TOAN")
    return school, teacher, school.setup.students_of("6A1")[0].code


def request_row(student: str, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "B": student, "D": "6A1", "E": "TOAN", "F": "TX1", "G": 6, "H": "7,5",
        "I": "Cộng nhầm điểm bài kiểm tra", "J": "Bài làm số 12",
    }  # fmt: skip
    row.update(extra)
    return row


def test_request_then_approval(accepted: tuple[School, str, str]) -> None:
    school, teacher, student = accepted
    (requested,) = school.ingest(
        form(school, teacher, [request_row(student)], school.username(teacher))
    )
    assert requested.status is Status.ACCEPTED, [str(p) for p in requested.problems]
    with Ledger.open(school.data.ledger) as ledger:
        (pending,) = ledger.pending()
        assert (pending.old, pending.new) == ("6.0", "7.5")
        assert pending.reason == "Cộng nhầm điểm bài kiểm tra; Bài làm số 12"
        assert ledger.scores(pending.key)[(student, "TX1")] == "6.0"

    vice, vice_name, vice_login = person(school, Role.VICE_PRINCIPAL)
    decided = request_row(student, K="Đồng ý", L=vice_name, M=date(2025, 10, 20))
    target = form(school, teacher, [decided], vice_login, into=school.share.decide(vice))
    result = CliRunner().invoke(
        app,
        ["ingest", str(target), "--data-dir", str(school.data.root), "--inbox", str(school.inbox),
         "--outbox", str(school.outbox), "--share", str(school.share.root),
         "--today", OCTOBER.isoformat()],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.pending() == []
        change = ledger.change(pending.id)
        assert change is not None
        assert (change.status, change.decided_by, change.request) == (
            "approved", vice, target.name,
        )  # fmt: skip
        assert ledger.scores(change.key)[(student, "TX1")] == "7.5"
        assert ledger.verify() is None
    record = school.outbox / "records" / f"bien-ban-sua-diem-{pending.id}.pdf"
    assert record.read_bytes().startswith(b"%PDF")


def test_request_and_refusal_in_one_form(accepted: tuple[School, str, str]) -> None:
    school, teacher, student = accepted
    principal, _, login = person(school, Role.PRINCIPAL)
    row = request_row(student, K="Không đồng ý", L=principal)
    ask(school, teacher, [row])
    (outcome,) = school.ingest(form(school, teacher, [row], login, school.share.decide(principal)))
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    with Ledger.open(school.data.ledger) as ledger:
        (change,) = [c for c in ledger.changes() if c.column == "TX1" and c.old == "6.0"]
        assert (change.status, change.decided_by) == ("refused", principal)
        assert ledger.scores(change.key)[(student, "TX1")] == "6.0"


def test_every_mistake_on_the_form_is_located(accepted: tuple[School, str, str]) -> None:
    school, teacher, student = accepted
    other_teacher = school.teacher_of("6A1", "NV")
    rows = [
        request_row(student, G=5),  # row 8: old value is not what the ledger holds
        request_row(student, F="TX9"),  # row 9: TOAN has TX1..TX4
        request_row("9999999999"),  # row 10: not a student of 6A1
        request_row(student, H=12),  # row 11: new score out of range
        request_row(student, K="Đồng ý", L=other_teacher),  # row 12: a teacher cannot approve
        request_row(student, I=None),  # row 13: no reason
        request_row(student, E="NV"),  # row 14: not this teacher's subject
    ]
    (outcome,) = school.ingest(form(school, teacher, rows, school.username(teacher)))
    assert outcome.status is Status.REJECTED
    assert [(p.code, f"{p.column}{p.row}") for p in outcome.problems] == [
        ("request-old-mismatch", "G8"),
        ("request-column", "F9"),
        ("request-unknown-student", "B10"),
        ("score-out-of-range", "H11"),
        ("approver-not-allowed", "L12"),
        ("value-required", "I13"),
        ("not-assigned", "E14"),
        ("decision-wrong-folder", "None"),  # row 12's approval, from the teacher's folder
    ]
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.pending() == []  # all rows or none


@pytest.mark.parametrize("where", ["inbox", "Nộp"])
def test_a_decision_written_by_the_teacher_is_refused_and_flagged(
    accepted: tuple[School, str, str], where: str
) -> None:
    """The teacher writes the principal's name and even saves as the principal: the form did not
    come from the principal's Duyệt/, so nothing is decided and the principal is told."""
    school, teacher, student = accepted
    _, principal_name, principal_login = person(school, Role.PRINCIPAL)
    row = request_row(student, K="Đồng ý", L=principal_name)
    into = school.share.submit(teacher) if where == "Nộp" else None
    (outcome,) = school.ingest(form(school, teacher, [row], principal_login, into))
    assert outcome.status is Status.REJECTED
    assert [p.code for p in outcome.problems] == ["decision-wrong-folder"]
    assert outcome.problems[0].has("unauthorised")
    assert "Hiệu trưởng được báo" in outcome.problems[0].message
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.pending() == [] and not any(c.decided_by for c in ledger.changes())
        (_, record) = ledger.files()
        assert record.status == "rejected"
        assert record.sender == (teacher if where == "Nộp" else "")  # "": via the office
    report = (school.outbox / "reports" / "diff" / f"{outcome.at[:10]}.html").read_text("utf-8")
    assert "Phê duyệt không gửi từ thư mục Duyệt" in report


def test_a_decision_from_the_approvers_folder_needs_no_office_user_name(
    accepted: tuple[School, str, str],
) -> None:
    """Saved on a shared PC as «Admin» (or with no name at all): the Duyệt/ folder says who."""
    school, teacher, student = accepted
    vice, vice_name, _ = person(school, Role.VICE_PRINCIPAL)
    row = request_row(student, K="Đồng ý", L=vice_name)
    ask(school, teacher, [row])
    (outcome,) = school.ingest(form(school, teacher, [row], "Admin", school.share.decide(vice)))
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    with Ledger.open(school.data.ledger) as ledger:
        (change,) = [c for c in ledger.changes() if c.column == "TX1" and c.old == "6.0"]
        assert (change.status, change.decided_by) == ("approved", vice)


def test_a_decision_in_the_name_of_another_approver_is_refused(
    accepted: tuple[School, str, str],
) -> None:
    school, teacher, student = accepted
    vice, _, _ = person(school, Role.VICE_PRINCIPAL)
    principal, _, _ = person(school, Role.PRINCIPAL)
    row = request_row(student, K="Đồng ý", L=principal)
    ask(school, teacher, [row])
    (outcome,) = school.ingest(form(school, teacher, [row], "Admin", school.share.decide(vice)))
    assert [p.code for p in outcome.problems] == ["decision-other-approver"]
    with Ledger.open(school.data.ledger) as ledger:
        assert not any(c.decided_by for c in ledger.changes())


def test_a_request_cannot_be_made_from_an_approvers_folder(
    accepted: tuple[School, str, str],
) -> None:
    """A form filled in the teacher's name and dropped into an approver's Duyệt/ decides only
    what the teacher asked from their own Nộp/: nothing was asked, nothing is applied."""
    school, teacher, student = accepted
    vice, _, _ = person(school, Role.VICE_PRINCIPAL)
    row = request_row(student, K="Đồng ý", L=vice)
    (outcome,) = school.ingest(form(school, teacher, [row], "Admin", school.share.decide(vice)))
    assert [p.code for p in outcome.problems] == ["request-conflict"]
    assert "gửi phiếu đề nghị từ thư mục «Nộp»" in outcome.problems[0].message
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.pending() == [] and not any(c.decided_by for c in ledger.changes())


def test_an_approver_cannot_decide_their_own_request(accepted: tuple[School, str, str]) -> None:
    school, teacher, student = accepted
    ask(school, teacher, [request_row(student)])
    with Ledger.open(school.data.ledger) as ledger:
        (change,) = ledger.pending()
        with pytest.raises(LedgerError, match="không tự duyệt"), ledger.transaction():
            ledger.decide(change.id, ChangeStatus.APPROVED, teacher)
        assert ledger.pending() == [change]


def test_regression_a_row_repeated_on_an_approved_form(accepted: tuple[School, str, str]) -> None:
    school, teacher, student = accepted
    vice, _, login = person(school, Role.VICE_PRINCIPAL)
    row = request_row(student, K="Đồng ý", L=vice)
    (outcome,) = school.ingest(form(school, teacher, [row, row], login, school.share.decide(vice)))
    assert outcome.status is Status.REJECTED
    assert [(p.code, f"{p.column}{p.row}") for p in outcome.problems] == [
        ("request-duplicate", "F9")
    ]


def test_an_approved_form_sent_again_with_one_more_request(
    accepted: tuple[School, str, str],
) -> None:
    school, teacher, student = accepted
    vice, _, login = person(school, Role.VICE_PRINCIPAL)
    first = request_row(student, K="Đồng ý", L=vice)
    ask(school, teacher, [first])
    school.ingest(form(school, teacher, [first], login, school.share.decide(vice)))
    more = request_row(student, F="TX2", G=None, H=8, K="Đồng ý", L=vice)
    ask(school, teacher, [first, more])
    (outcome,) = school.ingest(
        form(school, teacher, [first, more], login, school.share.decide(vice))
    )
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    with Ledger.open(school.data.ledger) as ledger:
        key = next(c.key for c in ledger.changes())
        assert ledger.scores(key)[(student, "TX1")] == "7.5"  # applied once, not twice
        assert ledger.scores(key)[(student, "TX2")] == "8.0"
        assert ledger.pending() == []
