"""The principal approves results on a decision form (Phiếu duyệt kết quả, issue 10 item 4): issued
into their ``Sổ điểm/`` once the period is over, one row per class; a row marked Đồng ý approves
the class when the form comes back through their own ``Duyệt/`` and the results are still those
it showed; anywhere else the form is refused and flagged as for correction decision forms.
Real workbooks written and read, real share folders."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.helpers import School, master_sheet
from tests.test_master_results import CLASS, HK1_OVER, semester_one
from tests.test_results_approval import correct_first_gdcd_ck, score_cells
from workbook_engine.approvals import approval_snapshot
from workbook_engine.cli import app
from workbook_engine.errors import CATALOGUE
from workbook_engine.io.correction_sheet import REJECTED
from workbook_engine.io.identity import load_secret, read_identity
from workbook_engine.io.results_decision_sheet import (
    RESULTS_DECISION,
    RESULTS_SHEET,
    decision_columns,
    mark_results_form,
    parse_row,
)
from workbook_engine.io.sheet_base import FIRST_ROW
from workbook_engine.model import Role, Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ingest import Status
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.result_approval import class_results
from workbook_engine.pipeline.results_decision import issue_results_forms, snapshot_hash

runner = CliRunner()
OTHER = "7A1"  # nothing of it was sent: it cannot be approved
CHANGED = f"kết quả lớp {CLASS} đã thay đổi sau khi phát phiếu; dùng phiếu mới"


@pytest.fixture(scope="module")
def complete(
    tmp_path_factory: pytest.TempPathFactory, small_school: Setup, school_data: Path
) -> Path:
    """6A1 has every input of semester 1 (the first student Khá in learning, the second Khá in
    conduct, everyone else Tốt); the other classes have none."""
    size = len(small_school.students_of(CLASS))
    conduct: dict[str, object] = {
        f"D{FIRST_ROW + 1 + i}": "Khá" if i == 1 else "Tốt" for i in range(size)
    }
    root = tmp_path_factory.mktemp("results-form")
    return semester_one(root, small_school, school_data, conduct, score_cells).data.root


@pytest.fixture
def school(tmp_path: Path, small_school: Setup, complete: Path) -> School:
    data = DataDir(tmp_path / "data")
    shutil.copytree(complete, data.root)
    return School(small_school, data, tmp_path / "inbox", tmp_path / "outbox")


def person(school: School, role: Role) -> str:
    return next(t.code for t in school.setup.teachers if role in t.roles)


def principal(school: School) -> str:
    return person(school, Role.PRINCIPAL)


def issue(school: School, *classes: str) -> Path:
    """The principal's form on semester 1 of ``classes``, issued on :data:`HK1_OVER`."""
    with Ledger.open(school.data.ledger) as ledger:
        secret = load_secret(school.data.secret)
        (form,) = issue_results_forms(ledger, school.setup, school.share, secret, "HK1",
                                      HK1_OVER, list(classes))  # fmt: skip
    assert form.path.parent == school.sheets(principal(school))
    return form.path


def approvals(school: School, class_code: str = CLASS) -> dict[str, Any]:
    with Ledger.open(school.data.ledger) as ledger:
        return dict(ledger.approved_results(class_code))


def wbe(school: School, *args: str) -> tuple[int, str]:
    common = ["--data-dir", str(school.data.root), "--share", str(school.share.root)]
    result = runner.invoke(app, [*args, *common])
    return result.exit_code, result.output


def rows(form: Path) -> list[list[Any]]:
    ws = openpyxl.load_workbook(form)[RESULTS_SHEET]
    return [list(r) for r in ws.iter_rows(min_row=FIRST_ROW + 1, values_only=True)]


def test_the_form_sums_up_each_class_and_never_overwrites_one(school: School) -> None:
    code, output = wbe(school, "results", "form", "--semester", "1", "--class", CLASS,
                       "--class", OTHER, "--today", HK1_OVER.isoformat())  # fmt: skip
    assert code == 0, output
    folder = school.sheets(principal(school))
    (form,) = folder.glob("PhieuDuyetKetQua_*.xlsx")
    assert form.name == f"PhieuDuyetKetQua_HK1_{HK1_OVER.isoformat()}.xlsx"
    assert f"Phiếu duyệt kết quả HKI (2 lớp) cho {principal(school)}" in output
    ws = openpyxl.load_workbook(form)[RESULTS_SHEET]
    assert ws["A1"].value == "PHIẾU DUYỆT KẾT QUẢ HỌC KÌ I"
    assert ws.cell(FIRST_ROW, 14).value == "Ý kiến phê duyệt"  # header row 7, column N
    first, second = rows(form)
    homeroom = school.setup.find_teacher(school.setup.class_by_code(CLASS).homeroom_teacher)
    assert homeroom is not None
    # students; learning Tốt/Khá/Đạt/Chưa đạt; conduct; status; the two open columns
    assert first == [1, CLASS, homeroom.full_name, 12, 11, 1, 0, 0, 11, 1, 0, 0,
                     "Đủ dữ liệu, có thể duyệt", None, None]  # fmt: skip
    size = len(school.setup.students_of(OTHER))
    assert second[1] == OTHER and second[3:12] == [size, *[0] * 8]
    assert str(second[12]).startswith(
        f"Chưa duyệt được: lớp {OTHER}, HKI: {size} học sinh chưa tính được kết quả"
    )
    identity = read_identity(form)
    assert (identity.kind, identity.period, identity.teacher_code) == (
        RESULTS_DECISION, "HK1", principal(school)
    )  # fmt: skip
    with Ledger.open(school.data.ledger) as ledger:
        results, _ = class_results(school.setup, ledger, CLASS, HK1_OVER)
    seen = snapshot_hash(approval_snapshot(results, "HK1"))
    assert parse_row(identity.columns[0]) == (CLASS, seen)  # what the principal saw
    before = form.read_bytes()
    assert wbe(school, "results", "form", "--year", "--today", "2026-06-05")[0] == 0
    assert wbe(school, "results", "form", "--semester", "1", "--today", "2026-01-19")[0] == 0
    again = issue(school, CLASS)
    assert again.name == f"PhieuDuyetKetQua_HK1_{HK1_OVER.isoformat()}_2.xlsx"
    assert form.read_bytes() == before  # never written over
    (year,) = folder.glob("PhieuDuyetKetQua_CN_*.xlsx")
    assert read_identity(year).period == "CN" and len(rows(year)[0]) == 21  # + proposals, awards
    assert approvals(school) == {}  # issuing approves nothing


def test_the_form_is_refused_before_the_period_ends(school: School) -> None:
    code, output = wbe(school, "results", "form", "--semester", "1", "--today", "2026-01-05")
    assert code == 1 and "học kì 1 kết thúc ngày 17/01/2026" in output
    code, output = wbe(school, "results", "form", "--year", "--today", HK1_OVER.isoformat())
    assert code == 1 and "năm học kết thúc ngày 31/05/2026" in output
    code, output = wbe(school, "results", "form", "--today", HK1_OVER.isoformat())
    assert code == 1 and "cần chọn đúng một kì để duyệt kết quả" in output
    assert not list(school.sheets(principal(school)).glob("PhieuDuyetKetQua_*"))


def test_dong_y_from_the_principals_duyet_approves_the_class(school: School) -> None:
    head = principal(school)
    form = issue(school, CLASS, OTHER)
    filled = mark_results_form(form, school.share.decide(head), note="Hội đồng ngày 18/01")
    (outcome,) = school.ingest(filled, today=HK1_OVER)
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    # 7A1 cannot be approved: its row is refused with the reason, 6A1 still is
    assert [(p.code, p.severity, p.row) for p in outcome.problems] == [
        ("results-row-not-approved", "warning", FIRST_ROW + 2)
    ]
    size = len(school.setup.students_of(OTHER))
    assert f"lớp {OTHER}, HKI: {size} học sinh chưa tính được" in outcome.problems[0].message
    assert [(c.student_code, c.column, c.new) for c in outcome.changes] == [
        (CLASS, "HKI", "Đã duyệt kết quả 12 học sinh")
    ]
    assert not filled.exists()  # taken out of Duyệt/
    (snapshot, by, _) = approvals(school)["HK1"]
    assert by == head and len(snapshot) == 12
    assert approvals(school, OTHER) == {}
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.verify() is None
        (approval,) = ledger.result_approvals(CLASS)
        assert approval.note == f"Hội đồng ngày 18/01 (phiếu {form.name})"
        (record,) = [f for f in ledger.files() if f.kind == RESULTS_DECISION]
        assert (record.status, record.sender) == ("accepted", head)
    (receipt,) = school.share.receipts(head).glob("*.html")
    page = receipt.read_text("utf-8")
    assert "Kết quả đã duyệt (1 lớp)" in page and "Mã học sinh" not in page
    assert f"Lớp {CLASS}, HKI: Đã duyệt kết quả 12 học sinh" in page
    assert f"Lớp {OTHER}, HKI: {size} học sinh" in page  # the row left blank, a warning
    master = master_sheet(school.outbox, CLASS)
    assert str(master.cell(3, 1).value).startswith("Kết quả đã được Hiệu trưởng duyệt — HKI")
    # the same form saved and sent again approves nothing twice
    (again,) = school.ingest(mark_results_form(form, school.share.decide(head), note="Lần 2"),
                             today=HK1_OVER)  # fmt: skip
    assert again.status is Status.ACCEPTED and again.changes == []
    with Ledger.open(school.data.ledger) as ledger:
        assert len(ledger.result_approvals(CLASS)) == 1


@pytest.mark.parametrize(
    ("where", "code"),
    [("teacher", "decision-wrong-folder"), ("office", "decision-wrong-folder"),
     ("vice", "decision-other-approver")],
)  # fmt: skip
def test_the_form_anywhere_else_is_refused_and_flagged(
    school: School, where: str, code: str
) -> None:
    teacher = school.teacher_of(CLASS, "TOAN")
    folder = {
        "teacher": school.share.submit(teacher),
        "office": school.inbox,
        "vice": school.share.decide(person(school, Role.VICE_PRINCIPAL)),
    }[where]
    (outcome,) = school.ingest(mark_results_form(issue(school, CLASS), folder), today=HK1_OVER)
    assert outcome.status is Status.REJECTED
    assert [p.code for p in outcome.problems] == [code]
    assert outcome.problems[0].has("unauthorised")
    assert approvals(school) == {}
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.result_approvals() == []
        (record,) = [f for f in ledger.files() if f.kind == RESULTS_DECISION]
        assert record.status == "rejected"
    report = (school.outbox / "reports" / "diff" / f"{outcome.at[:10]}.html").read_text("utf-8")
    assert CATALOGUE[code].title in report and "có thể là phê duyệt giả" in report
    if where == "teacher":  # the sender is answered in their own folder, with the copy
        assert len(list(school.share.returned(teacher).glob("*.xlsx"))) == 1


def test_results_changed_after_the_form_was_issued_refuse_the_row(school: School) -> None:
    head = principal(school)
    form = issue(school, CLASS)
    correct_first_gdcd_ck(school)  # GDCD 6 → 9 approved: the first student is now Tốt
    (outcome,) = school.ingest(mark_results_form(form, school.share.decide(head)), today=HK1_OVER)
    assert outcome.status is Status.ACCEPTED
    ((problem_code, message, severity),) = [(p.code, p.message, p.severity)
                                            for p in outcome.problems]  # fmt: skip
    assert (problem_code, message, severity) == ("results-changed-since-form", CHANGED, "warning")
    assert outcome.changes == [] and approvals(school) == {}
    # a new form shows the results as they are now, and approves them
    fresh = issue(school, CLASS)
    assert rows(fresh)[0][4:8] == [12, 0, 0, 0]
    (outcome,) = school.ingest(mark_results_form(fresh, school.share.decide(head)), today=HK1_OVER)
    assert outcome.status is Status.ACCEPTED and outcome.problems == []
    first = school.setup.students_of(CLASS)[0].code
    assert approvals(school)["HK1"].snapshot[first]["learning"] == "Tốt"


def test_a_row_marked_khong_dong_y_approves_nothing(school: School) -> None:
    head = principal(school)
    filled = mark_results_form(issue(school, CLASS), school.share.decide(head), REJECTED,
                               note="Xem lại điểm danh")  # fmt: skip
    (outcome,) = school.ingest(filled, today=HK1_OVER)
    assert outcome.status is Status.ACCEPTED
    assert (outcome.problems, outcome.changes) == ([], [])
    assert approvals(school) == {}


def test_an_answer_outside_the_list_returns_the_whole_form(school: School) -> None:
    head = principal(school)
    filled = mark_results_form(issue(school, CLASS, OTHER), school.share.decide(head), "OK")
    (outcome,) = school.ingest(filled, today=HK1_OVER)
    assert outcome.status is Status.REJECTED
    decision_col = decision_columns("HK1")[0]
    assert [(p.code, p.row, p.column) for p in outcome.problems] == [
        ("value-not-allowed", FIRST_ROW + 1, "N"), ("value-not-allowed", FIRST_ROW + 2, "N")
    ]  # fmt: skip
    assert decision_col == 13 and approvals(school) == {}
    assert len(list(school.share.returned(head).glob("*.xlsx"))) == 1


def test_the_list_after_the_summer_waits_for_the_years_approval(school: School) -> None:
    code, output = wbe(school, "results", "form", "--summer", "--class", CLASS,
                       "--today", "2026-08-20")  # fmt: skip
    assert code == 0, output
    (form,) = school.sheets(principal(school)).glob("PhieuDuyetKetQua_HE_*.xlsx")
    (row,) = rows(form)
    assert row[18] == (
        f"Chưa duyệt được: lớp {CLASS} chưa được duyệt kết quả cả năm; danh sách lên lớp sau kì "
        "nghỉ hè chỉ được duyệt sau kết quả cả năm"
    )
