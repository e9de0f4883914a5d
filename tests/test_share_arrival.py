"""Who sent a file comes from where it arrives on the share (issue 9): a teacher's own ``Nộp/``,
an approver's ``Duyệt/``, or the office inbox. Real issued workbooks, real folders."""

from __future__ import annotations

import re
import shutil
import threading
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.helpers import OCTOBER, School, delegate_first_vice
from workbook_engine.cli import app
from workbook_engine.errors import CATALOGUE
from workbook_engine.io.correction_sheet import correction_sheet_name
from workbook_engine.io.decision_sheet import DECISION_COL, NOTE_COL
from workbook_engine.io.identity import load_secret, read_identity
from workbook_engine.io.sheet_base import FIRST_ROW
from workbook_engine.model import Role
from workbook_engine.pipeline import ledger as ledger_module
from workbook_engine.pipeline.decision_forms import issue_decision_forms
from workbook_engine.pipeline.ingest import Status
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.watcher import InboxWatcher, WatchOptions
from workbook_engine.share import Channel


def drop(school: School, source: Path, folder: Path, saved_by: str, **cells: object) -> Path:
    """``source`` with ``cells`` filled, saved under the Office user name ``saved_by``."""
    wb = openpyxl.load_workbook(source)
    ws = wb[read_identity(source).sheet]
    for ref, value in cells.items():
        ws[ref] = value
    wb.properties.lastModifiedBy = saved_by
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    wb.save(target)
    return target


def person(school: School, role: Role) -> str:
    return next(t.code for t in school.setup.teachers if role in t.roles)


def test_saved_as_admin_in_the_teachers_own_folder_is_accepted_with_a_warning(
    school: School,
) -> None:
    teacher = school.teacher_of("6A1", "TOAN")
    target = drop(school, school.issued("6A1", "TOAN"), school.share.submit(teacher), "Admin",
                  D8=7)  # fmt: skip
    (outcome,) = school.ingest(target)
    assert outcome.status is Status.ACCEPTED
    assert outcome.arrival.channel is Channel.SUBMIT and outcome.arrival.person == teacher
    assert [(p.code, p.severity) for p in outcome.problems] == [("saved-by-other", "warning")]
    assert not target.exists()  # taken out of Nộp/
    (receipt,) = school.share.receipts(teacher).glob("*.html")
    assert receipt.name.endswith(" 6A1_TOAN_HK1.html") and receipt.name.startswith("20")
    page = receipt.read_text("utf-8")
    assert "«Admin»" in page and "thư mục «Nộp» của" in page
    received = re.search(r"Thời điểm nhận</th><td>([^<]*)<", page)
    assert received is not None  # a local time as people write it, never ISO or an offset
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", received.group(1))
    with Ledger.open(school.data.ledger) as ledger:
        (record,) = ledger.files()
        assert (record.sender, record.saved_by) == (teacher, "Admin")
    report = (school.outbox / "reports" / "diff" / f"{outcome.at[:10]}.html").read_text("utf-8")
    assert "Lưu với tên «Admin»" in report and "Nhận từ" not in report  # their own folder


def test_the_same_file_in_another_teachers_folder_is_unauthorised_and_answered_there(
    school: School,
) -> None:
    teacher, other = school.teacher_of("6A1", "TOAN"), school.teacher_of("6A1", "NV")
    target = drop(school, school.issued("6A1", "TOAN"), school.share.submit(other), "Admin",
                  D8=7)  # fmt: skip
    (outcome,) = school.ingest(target)
    assert outcome.status is Status.REJECTED
    assert "teacher-folder-mismatch" in [p.code for p in outcome.problems]
    assert outcome.problems[0].has("unauthorised")
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.scores(outcome.key) == {}  # never merged
        assert {c.status for c in ledger.changes()} == {"unauthorised"}  # but recorded
    # the answer goes where the sender looks: the folder it was sent from
    assert len(list(school.share.returned(other).glob("*.xlsx"))) == 1
    assert not school.share.returned(teacher).exists()


def test_a_sheet_brought_by_the_office_is_answered_in_the_teachers_folder(school: School) -> None:
    teacher = school.teacher_of("6A1", "TOAN")
    target = drop(school, school.issued("6A1", "TOAN"), school.inbox, "Văn thư", D8=8)
    (outcome,) = school.ingest(target)
    assert outcome.status is Status.ACCEPTED
    assert outcome.arrival.by_office and outcome.teacher_code == teacher
    (receipt,) = school.share.receipts(teacher).glob("*.html")
    assert "văn phòng nộp thay" in receipt.read_text("utf-8")
    report = (school.outbox / "reports" / "diff" / f"{outcome.at[:10]}.html").read_text("utf-8")
    assert "Nhận từ văn phòng nộp thay" in report
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.files()[0].sender == ""


def approvers_of(school: School) -> list[str]:
    """The principal and the vice-principal delegated (:func:`delegate_first_vice`)."""
    principal = next(t.code for t in school.setup.teachers if Role.PRINCIPAL in t.roles)
    vice = next(t.code for t in school.setup.teachers if Role.VICE_PRINCIPAL in t.roles)
    return [principal, vice]


def other_vice(school: School) -> str:
    """The vice-principal not delegated: no decision form for her."""
    return [t.code for t in school.setup.teachers if Role.VICE_PRINCIPAL in t.roles][1]


@pytest.fixture
def pending(school: School) -> tuple[School, int]:
    """An accepted TX1 of 6.0, then the teacher's request to make it 7.5 (the first
    vice-principal delegated to decide it)."""
    delegate_first_vice(school)
    teacher = school.teacher_of("6A1", "TOAN")
    school.ingest(school.fill("6A1", "TOAN", {"D8": 6}))
    student = school.setup.students_of("6A1")[0].code
    cells = {"B8": student, "D8": "6A1", "E8": "TOAN", "F8": "TX1", "G8": 6, "H8": "7,5",
             "I8": "Cộng nhầm điểm", "J8": "Bài làm số 12"}  # fmt: skip
    form = school.sheets(teacher) / correction_sheet_name(1)
    (requested,) = school.ingest(drop(school, form, school.share.submit(teacher), "Admin", **cells))
    assert requested.status is Status.ACCEPTED, [str(p) for p in requested.problems]
    with Ledger.open(school.data.ledger) as ledger:
        (change,) = ledger.pending()
    return school, change.id


def decision_form(school: School, approver: str) -> Path:
    with Ledger.open(school.data.ledger) as ledger:
        secret = load_secret(school.data.secret)
        (issued,) = issue_decision_forms(
            ledger, school.setup, school.share, secret, date(2025, 10, 20), approver
        )
    assert issued.path.parent == school.sheets(approver)
    return issued.path


def decide(form: Path, folder: Path, verdict: str = "Đồng ý") -> Path:
    wb = openpyxl.load_workbook(form)
    ws = wb[read_identity(form).sheet]
    ws.cell(FIRST_ROW + 1, DECISION_COL + 1, verdict)
    ws.cell(FIRST_ROW + 1, NOTE_COL + 1, "Đã xem bài làm")
    wb.properties.lastModifiedBy = "Admin"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / form.name
    wb.save(target)
    return target


def test_the_principals_decision_form_from_duyet_applies(pending: tuple[School, int]) -> None:
    school, change_id = pending
    principal = person(school, Role.PRINCIPAL)
    form = decision_form(school, principal)
    (outcome,) = school.ingest(decide(form, school.share.decide(principal)))
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    with Ledger.open(school.data.ledger) as ledger:
        change = ledger.change(change_id)
        assert change is not None
        assert (change.status, change.decided_by) == ("approved", principal)
        assert ledger.scores(change.key)[(change.student_code, "TX1")] == "7.5"
        assert ledger.verify() is None
    # the same form saved and sent again decides nothing twice
    (again,) = school.ingest(decide(form, school.share.decide(principal)))
    assert again.status in (Status.ACCEPTED, Status.DUPLICATE)  # same bytes within a second
    assert again.changes == []
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.verify() is None
        assert [c.decided_by for c in ledger.changes() if c.decided_by] == [principal]


@pytest.mark.parametrize(
    ("where", "code"),
    [("teacher", "decision-wrong-folder"), ("office", "decision-wrong-folder"),
     ("vice", "decision-other-approver")],
)  # fmt: skip
def test_the_principals_decision_form_anywhere_else_is_refused_and_flagged(
    pending: tuple[School, int], where: str, code: str
) -> None:
    school, change_id = pending
    principal, vice = person(school, Role.PRINCIPAL), person(school, Role.VICE_PRINCIPAL)
    teacher = school.teacher_of("6A1", "TOAN")
    folder = {
        "teacher": school.share.submit(teacher),
        "office": school.inbox,
        "vice": school.share.decide(vice),
    }[where]
    (outcome,) = school.ingest(decide(decision_form(school, principal), folder))
    assert outcome.status is Status.REJECTED
    assert [p.code for p in outcome.problems] == [code]
    assert outcome.problems[0].has("unauthorised")
    with Ledger.open(school.data.ledger) as ledger:
        change = ledger.change(change_id)
        assert change is not None and change.status == "pending"
    report = (school.outbox / "reports" / "diff" / f"{outcome.at[:10]}.html").read_text("utf-8")
    assert CATALOGUE[code].title in report  # shown to the principal, at the top
    assert "có thể là phê duyệt giả" in report


def test_a_decision_already_taken_cannot_be_overturned_by_another_form(
    pending: tuple[School, int],
) -> None:
    school, change_id = pending
    principal, vice = person(school, Role.PRINCIPAL), person(school, Role.VICE_PRINCIPAL)
    first, second = decision_form(school, principal), decision_form(school, vice)
    school.ingest(decide(first, school.share.decide(principal), "Không đồng ý"))
    (outcome,) = school.ingest(decide(second, school.share.decide(vice)))
    assert [(p.code, p.row) for p in outcome.problems] == [("request-decided", FIRST_ROW + 1)]
    with Ledger.open(school.data.ledger) as ledger:
        change = ledger.change(change_id)
        assert change is not None and (change.status, change.decided_by) == ("refused", principal)


def test_no_decision_form_when_nothing_waits(school: School) -> None:
    with Ledger.open(school.data.ledger) as ledger:
        secret = load_secret(school.data.secret)
        assert issue_decision_forms(ledger, school.setup, school.share, secret, OCTOBER) == []


def test_the_watcher_takes_nop_and_duyet_and_leaves_working_copies_alone(
    school: School, tmp_path: Path
) -> None:
    teacher, principal = school.teacher_of("6A1", "TOAN"), person(school, Role.PRINCIPAL)
    seen: list[Path] = []
    done = threading.Event()

    def process(path: Path) -> None:
        seen.append(path)
        path.unlink()
        if len(seen) == 2:
            done.set()

    options = WatchOptions(settle_seconds=0.3, tick_seconds=0.05, rescan_seconds=0.3, poll=True,
                           poll_interval=0.2)  # fmt: skip
    watcher = InboxWatcher(school.inbox, process, options, share=school.share)
    thread = watcher.start_in_thread()
    try:
        working = school.issued("6A1", "TOAN")
        shutil.copyfile(working, working.with_name("ban-nhap.xlsx"))  # a save in Sổ điểm/
        submitted = drop(school, working, school.share.submit(teacher), "Admin", D8=7)
        decided = drop(school, working, school.share.decide(principal), "Admin")
        assert done.wait(15), seen
    finally:
        watcher.stop.set()
        thread.join(10)
    assert sorted(seen) == sorted([submitted, decided])
    assert working.exists() and working.with_name("ban-nhap.xlsx").exists()


def test_a_ledger_written_before_senders_were_kept_still_verifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Upgrading in place: older file rows have no sender (NULL), their chain still holds."""
    path = tmp_path / "ledger.sqlite"
    monkeypatch.setattr(ledger_module, "MIGRATIONS", ledger_module.MIGRATIONS[:2])
    with Ledger.open(path) as old, old.transaction():  # a row as older code wrote it: no sender
        old._insert("files", {"sha256": "a" * 64, "name": "cu.xlsx", "status": "accepted",
                              "received_at": "2025-10-10T08:00:00+07:00"})  # fmt: skip
    monkeypatch.undo()
    with Ledger.open(path) as new:
        with new.transaction():
            new.record_file(sha256="b" * 64, name="moi.xlsx", status="accepted", sender="GV001")
        assert [f.sender for f in new.files()] == [None, "GV001"]
        assert new.verify() is None
        new.db.execute("UPDATE files SET sender = 'GV002' WHERE name = 'cu.xlsx'")
        assert new.verify() is not None  # a sender written into an old row is tampering


def test_cli_issues_a_decision_form_to_each_approver(pending: tuple[School, int]) -> None:
    school, change_id = pending
    args = ["corrections", "form", "--data-dir", str(school.data.root),
            "--share", str(school.share.root), "--today", "2025-10-20"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    approvers = approvers_of(school)
    for code in approvers:
        (form,) = school.sheets(code).glob("PhieuDuyetSuaDiem_2025-10-20.xlsx")
        identity = read_identity(form)
        assert (identity.kind, identity.teacher_code, identity.columns) == (
            "decision",
            code,
            (str(change_id),),
        )
    assert result.output.count("Phiếu duyệt 1 đề nghị") == len(approvers)
    assert not list(school.sheets(other_vice(school)).glob("PhieuDuyetSuaDiem_*"))


def test_a_new_request_gives_each_approver_a_form_listing_it(pending: tuple[School, int]) -> None:
    school, change_id = pending
    approvers = approvers_of(school)
    for code in approvers:
        (form,) = school.sheets(code).glob("PhieuDuyetSuaDiem_*.xlsx")
        assert form.name == f"PhieuDuyetSuaDiem_{OCTOBER.isoformat()}.xlsx"
        assert read_identity(form).columns == (str(change_id),)
    # the same request again: every form already lists it, none is added
    school.ingest(school.fill("6A1", "TOAN", {"D8": 6, "E8": 5}))  # a new entry: nothing waits anew
    assert all(len(list(school.sheets(c).glob("PhieuDuyetSuaDiem_*"))) == 1 for c in approvers)
