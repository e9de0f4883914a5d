"""The subject teacher's «Nhận xét» per student, subject and semester: stored in the ledger like a
score (column ``NX``), shown in the master and the change log; rewriting an accepted comment is no
score correction, so it merges at once and is logged old → new."""

from __future__ import annotations

import openpyxl
import pytest

from tests.helpers import School
from workbook_engine.io.kinds import KINDS
from workbook_engine.io.kinds.score import NOTE_HEADER, NOTE_KEY, score_identity
from workbook_engine.io.master_workbook import LOG_SHEET, NOTES_SHEET
from workbook_engine.model import ExemptionScope, SheetKey
from workbook_engine.pipeline.ingest import Outcome, Status, three_way
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render.common import column_name
from workbook_engine.render.publish import class_master_path

TOAN = SheetKey("6A1", "TOAN", 1)
# 6A1 Toán: 4 TX in D..G, GK H, CK I, ĐTBmhk J, Nhận xét K; the first student on row 8
NOTE, TX1 = "K8", "D8"
FIRST = "Em học tập chăm chỉ, cần cẩn thận hơn khi trình bày bài hình."
SECOND = "Em tiến bộ rõ trong học kì; trình bày bài hình đã cẩn thận hơn."


def first_student(school: School) -> str:
    return school.setup.students_of("6A1")[0].code


def changes(outcome: Outcome) -> list[tuple[str, str | None, str | None, str]]:
    return [(c.column, c.old, c.new, str(c.status)) for c in outcome.changes]


@pytest.fixture
def commented(school: School) -> School:
    """6A1 Toán semester 1 with one score and one comment for the first student, accepted."""
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {TX1: 8, NOTE: FIRST}))
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    assert changes(outcome) == [(NOTE_KEY, None, FIRST, "merged"), ("TX1", None, "8.0", "merged")]
    return school


def test_a_filled_comment_is_stored_and_shown_in_the_master(commented: School) -> None:
    school = commented
    student = first_student(school)
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.scores(TOAN)[(student, NOTE_KEY)] == FIRST
        assert ledger.verify() is None
    master = openpyxl.load_workbook(class_master_path(school.outbox, "6A1"))
    assert master.sheetnames == ["6A1", NOTES_SHEET]  # the class's workbook
    notes = master[NOTES_SHEET]
    assert [c.value for c in notes[4]] == [
        "Lớp", "Mã học sinh", "Họ và tên", "Môn", "Học kì", NOTE_HEADER,
    ]  # fmt: skip
    name = school.setup.students_of("6A1")[0].full_name
    assert [c.value for c in notes[5]] == ["6A1", student, name, "Toán", "Học kì I", FIRST]
    assert notes["F5"].alignment.wrap_text
    assert notes.max_row == 5  # one comment, one row
    # the class sheet keeps its score columns: the comment is no column there
    row = [c.value for c in master["6A1"][7]]
    assert FIRST not in row and 8 in row


def test_changing_an_accepted_comment_merges_and_is_logged(commented: School) -> None:
    school = commented
    student = first_student(school)
    # the same copy again: the comment rewritten, and a score changed (a correction)
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {TX1: 9, NOTE: SECOND}))
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    assert changes(outcome) == [
        (NOTE_KEY, FIRST, SECOND, "merged"),
        ("TX1", "8.0", "9.0", "pending"),
    ]
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.scores(TOAN)[(student, NOTE_KEY)] == SECOND
        assert [(p.column, p.new) for p in ledger.pending()] == [("TX1", "9.0")]  # only the score
        assert ledger.verify() is None
    (month,) = (school.outbox / "nhat-ky").glob("*/6A1.xlsx")
    log = openpyxl.load_workbook(month)[LOG_SHEET]
    rows = [[c.value for c in log[r]][8:12] for r in range(5, log.max_row + 1)]
    assert [NOTE_HEADER, FIRST, SECOND, "Đã cập nhật"] in rows
    assert [NOTE_HEADER, None, FIRST, "Đã cập nhật"] in rows
    notes = openpyxl.load_workbook(class_master_path(school.outbox, "6A1"))[NOTES_SHEET]
    assert notes["F5"].value == SECOND
    folder = school.share.receipts(outcome.teacher_code)
    pages = [page.read_text("utf-8") for page in folder.glob("*.html")]
    assert any(FIRST in page and SECOND in page for page in pages)


def test_clearing_an_accepted_comment_merges(commented: School) -> None:
    school = commented
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {TX1: 8, NOTE: None}))
    assert outcome.status is Status.ACCEPTED
    assert changes(outcome) == [(NOTE_KEY, FIRST, None, "merged")]
    with Ledger.open(school.data.ledger) as ledger:
        assert (first_student(school), NOTE_KEY) not in ledger.scores(TOAN)
        assert not ledger.pending()
    notes = openpyxl.load_workbook(class_master_path(school.outbox, "6A1"))[NOTES_SHEET]
    assert notes.max_row == 4  # the headings only


def test_a_comment_of_600_characters_is_refused(school: School) -> None:
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {TX1: 8, NOTE: "x" * 600}))
    assert outcome.status is Status.REJECTED
    assert [(p.code, f"{p.column}{p.row}") for p in outcome.problems] == [("note-too-long", NOTE)]
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.scores(TOAN) == {}


def test_an_exempt_row_keeps_its_exemption_text_unstored(school: School) -> None:
    exemption = next(e for e in school.setup.exemptions if e.scope is ExemptionScope.WHOLE)
    student = next(s for s in school.setup.students if s.code == exemption.student_code)
    room, subject = student.class_code, exemption.subject_code
    codes = [s.code for s in school.setup.students_of(room)]
    other = next(i for i, code in enumerate(codes) if code != student.code)
    issued = openpyxl.load_workbook(school.issued(room, subject))["Bảng điểm"]
    exempt_note = issued.cell(8 + codes.index(student.code), 11).value
    assert exempt_note and str(exempt_note).startswith("Miễn môn học")  # as issued
    (outcome,) = school.ingest(school.fill(room, subject, {f"K{8 + other}": FIRST}))
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    assert [(c.student_code, c.column, c.new) for c in outcome.changes] == [
        (codes[other], NOTE_KEY, FIRST)
    ]


def test_three_way_merges_changes_of_free_columns_only() -> None:
    base = {("HS1", "TX1"): "7.0", ("HS1", NOTE_KEY): "Cũ"}
    file = {("HS1", "TX1"): "8.0", ("HS1", NOTE_KEY): "Mới"}
    found, stale = three_way(file, base, base, frozenset({NOTE_KEY}))
    assert [(c.column, c.old, c.new, str(c.status)) for c in found] == [
        (NOTE_KEY, "Cũ", "Mới", "merged"),
        ("TX1", "7.0", "8.0", "pending"),
    ]
    assert not stale
    found, _ = three_way(file, base, base)  # by default every change is a correction
    assert {str(c.status) for c in found} == {"pending"}


def test_the_score_spec_marks_the_comment_stored_and_free(school: School) -> None:
    assignment = next(a for a in school.setup.assignments if a.subject_code == "TOAN")
    layout = KINDS.require("score").layout(
        school.setup, score_identity(school.setup, assignment, 1)
    )
    note = layout.columns[layout.index(NOTE_KEY)]
    assert (note.title, note.stored, note.corrected) == (NOTE_HEADER, True, False)
    assert layout.free_columns == {NOTE_KEY}
    assert column_name(NOTE_KEY) == NOTE_HEADER
    assert column_name("GK") == "Đánh giá giữa kì (GK)"
