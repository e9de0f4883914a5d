"""A vice-principal decides corrections only when the principal delegated it (DOMAIN: roles),
recorded in the ledger with the principal's PIN (``wbe people delegate``)."""

from __future__ import annotations

from typer.testing import CliRunner

from tests.helpers import OCTOBER, School, delegate_first_vice
from tests.test_correction_form import ask, form, request_row
from workbook_engine.cli import app
from workbook_engine.model import Role, Teacher
from workbook_engine.pipeline.decision_forms import issue_decision_forms
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.outcome import Status
from workbook_engine.pipeline.pins import set_pin
from workbook_engine.share import decides

runner = CliRunner()
PIN = "246824"


def people(school: School, role: Role) -> list[Teacher]:
    return [t for t in school.setup.teachers if role in t.roles]


def wbe(school: School, by: Teacher, *args: str) -> tuple[int, str]:
    set_pin(school.data, by.code, PIN)
    common = ["--by", by.code, "--data-dir", str(school.data.root)]
    result = runner.invoke(app, [*args, *common], input=f"{PIN}\n")
    return result.exit_code, result.output


def test_the_second_vice_principal_decides_only_while_delegated(school: School) -> None:
    """The first vice-principal is delegated, not the second: the second's
    approval is refused, accepted once the principal delegates her, refused again once the
    delegation is withdrawn; each step is in the ledger's chain."""
    delegate_first_vice(school)
    (sent,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 6, "D9": 5}))
    assert sent.status is Status.ACCEPTED
    teacher = school.teacher_of("6A1", "TOAN")
    first, second = (s.code for s in school.setup.students_of("6A1")[:2])
    (principal,) = people(school, Role.PRINCIPAL)
    _, vice = people(school, Role.VICE_PRINCIPAL)

    def decide(student: str) -> Status | str:
        """The vice-principal approves the student's request on the form, from her folder."""
        row = request_row(student, G={first: 6, second: 5}[student], K="Đồng ý", L=vice.code)
        into = school.share.decide(vice.code)
        (outcome,) = school.ingest(form(school, teacher, [row], "Admin", into))
        return outcome.status if outcome.status is Status.ACCEPTED else outcome.problems[0].code

    ask(school, teacher, [request_row(first)])
    ask(school, teacher, [request_row(second, G=5)])
    assert decide(first) == "approver-not-allowed"
    code, output = wbe(school, vice, "corrections", "approve", "1")
    assert code == 1
    assert f"{vice.full_name} ({vice.code}) chưa được Hiệu trưởng ủy quyền duyệt sửa điểm" in output
    assert f"wbe people delegate {vice.code} --by <mã Hiệu trưởng>" in output

    code, output = wbe(school, principal, "people", "delegate", vice.code, "--note", "QĐ số 12")
    assert code == 0, output
    assert (f"Đã ủy quyền duyệt sửa điểm cho {vice.full_name} ({vice.code}), Phó hiệu trưởng "
            f"(người quyết định: {principal.full_name} ({principal.code})).") in output  # fmt: skip
    first_vice = people(school, Role.VICE_PRINCIPAL)[0]
    assert (f"Phó hiệu trưởng được ủy quyền: {first_vice.full_name} ({first_vice.code}), "
            f"{vice.full_name} ({vice.code}).") in output  # fmt: skip
    assert decide(first) is Status.ACCEPTED

    code, output = wbe(school, principal, "people", "delegate", vice.code, "--revoke")
    assert code == 0 and "Đã thu hồi ủy quyền duyệt sửa điểm của" in output
    assert decide(second) == "approver-not-allowed"
    with Ledger.open_readonly(school.data.ledger) as ledger:
        decided = {c.student_code: c.decided_by for c in ledger.changes() if c.decided_by}
        assert decided == {first: vice.code}
        assert [(d[1], d[2], d[3], d[4]) for d in ledger.delegations()] == [
            (first_vice.code, "grant", principal.code, ""),
            (vice.code, "grant", principal.code, "QĐ số 12"),
            (vice.code, "revoke", principal.code, ""),
        ]
        assert ledger.delegated() == {first_vice.code}
        assert ledger.verify() is None
        chained = [e.payload for e in ledger.events() if e.kind == "delegation"]
        assert len(chained) == 3 and '"revoke"' in chained[-1]


def test_decision_forms_go_to_the_principal_and_the_delegated_only(school: School) -> None:
    delegate_first_vice(school)
    (sent,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 6}))
    teacher = school.teacher_of("6A1", "TOAN")
    student = school.setup.students_of("6A1")[0].code
    (asked,) = school.ingest(form(school, teacher, [request_row(student)], "Admin"))
    assert (sent.status, asked.status) == (Status.ACCEPTED, Status.ACCEPTED)
    (principal,) = people(school, Role.PRINCIPAL)
    delegated, other = people(school, Role.VICE_PRINCIPAL)
    with Ledger.open(school.data.ledger) as ledger:
        issued = issue_decision_forms(ledger, school.setup, school.share, b"k" * 32, OCTOBER)
    assert sorted(f.approver for f in issued) == sorted([principal.code, delegated.code])
    assert decides(other)  # her Duyệt/ folder is laid out all the same, for a delegation


def test_only_the_principal_delegates_and_only_to_a_vice_principal(school: School) -> None:
    delegate_first_vice(school)
    (principal,) = people(school, Role.PRINCIPAL)
    vice, other = people(school, Role.VICE_PRINCIPAL)
    code, output = wbe(school, vice, "people", "delegate", other.code)
    assert code == 1
    assert f"{vice.full_name} ({vice.code}) không có quyền ủy quyền duyệt sửa điểm" in output
    teacher = school.setup.teacher_by_code(school.teacher_of("6A1", "TOAN"))
    code, output = wbe(school, principal, "people", "delegate", teacher.code)
    assert code == 1 and "không phải Phó hiệu trưởng" in output
    code, output = wbe(school, principal, "people", "delegate", vice.code)  # already
    assert code == 0 and "đang được ủy quyền duyệt sửa điểm: không có gì thay đổi" in output
    code, output = wbe(school, principal, "people", "delegate", other.code, "--revoke")
    assert code == 0 and "chưa được ủy quyền duyệt sửa điểm: không có gì thay đổi" in output
    with Ledger.open_readonly(school.data.ledger) as ledger:
        assert len(ledger.delegations()) == 1  # the first one's, nothing more
