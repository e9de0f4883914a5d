"""The teacher's personal score book (issue 12, item 3): rendered from a real ledger as PDF and
Excel, every value and result read back and compared with the ledger and the rules module."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import urllib.parse
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from tests.helpers import SCORE, School
from workbook_engine.cli import app
from workbook_engine.io.identity import load_secret
from workbook_engine.io.kinds.score import NOTE_KEY
from workbook_engine.model import ChangeRecord, Setup, SheetKey
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.issue import issue_templates
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.outcome import Status
from workbook_engine.render.books.class_book import MM, Slot
from workbook_engine.render.books.teacher import (
    PENDING_MARK,
    ROSTER_MM,
    TABLE_WIDTH,
    Cell,
    SheetValues,
    _slot,
    book_path,
    build_table,
    column_widths,
    table_lines,
    write_teacher_books,
)
from workbook_engine.render.common import score_text
from workbook_engine.results import student_results
from workbook_engine.rules import format_tenths, parse_score, semester_average, year_average

TEACHER = "GV007"  # Ngoại ngữ 1 in every class; a student of 9A1 is wholly exempt from it
SUBJECT = "NN1"
CLASSES = ("6A1", "9A1")  # the class-subjects given values (7A1 and 8A1 stay empty)
EXEMPT_STUDENT = "3125000049"  # 9A1, «Toàn phần» exemption from NN1
COLUMNS = ("TX1", "TX2", "TX3", "TX4", "GK", "CK")
FIRST_ROW = 8  # first student row of the issued score sheets (column D is TX1)
OCTOBER, FEBRUARY = date(2025, 10, 10), date(2026, 2, 10)
CORRECTED = 9  # the first student of 6A1: TX1 sent again as 9 (a correction, pending)


@dataclass(frozen=True)
class Rendered:
    setup: Setup
    data: DataDir
    outbox: Path
    hk1: list[Path]
    year: list[Path]
    values: dict[str, dict[tuple[SheetKey, str, str], str]]  # class → its ledger values
    pending: list[ChangeRecord]
    head: str


def value(index: int, column: int, semester: int) -> float:
    """Varied scores 4,0 … 10,0 with halves; never the same row twice."""
    return min(10.0, 4 + (index * 3 + column * 2 + semester) % 7 + 0.5 * ((index + column) % 2))


def cells_for(setup: Setup, class_code: str, semester: int) -> dict[str, object]:
    cells: dict[str, object] = {}
    for index, student in enumerate(setup.students_of(class_code)):
        if student.code == EXEMPT_STUDENT:
            continue  # the exempt student's cells are closed
        if class_code == "9A1" and index == 1:
            continue  # nothing entered yet: a blank row, no average
        for j, _ in enumerate(COLUMNS):
            cells[f"{get_column_letter(4 + j)}{FIRST_ROW + index}"] = value(index, j, semester)
        if index % 4 == 0:
            cells[f"K{FIRST_ROW + index}"] = f"Tiến bộ rõ (HK{semester}), cần đọc thêm"
    if class_code == "6A1" and semester == 1:
        cells["H9"] = None  # the second student has no GK yet: no ĐTBmhk
    return cells


def fill(school: School, class_code: str, semester: int, cells: dict[str, object]) -> Path:
    """The teacher's issued sheet of the semester filled with ``cells``, in their inbox."""
    name = f"{class_code}_{SUBJECT}_HK{semester}.xlsx"
    wb = openpyxl.load_workbook(school.sheets(TEACHER) / name)
    ws = wb[SCORE]
    for ref, cell in cells.items():
        ws[ref] = cell
    wb.properties.lastModifiedBy = school.username(TEACHER)
    target = school.inbox / TEACHER / name
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


@pytest.fixture(scope="module")
def rendered(
    tmp_path_factory: pytest.TempPathFactory, small_school: Setup, school_data: Path
) -> Rendered:
    """GV007's semester 1 of 6A1 and 9A1 and semester 2 of 6A1, one correction pending; the
    book of semester 1 and of the year rendered once for the module."""
    root = tmp_path_factory.mktemp("teacher-books")
    data = DataDir(root / "data")
    shutil.copytree(school_data, data.root)
    school = School(small_school, data, root / "inbox", root / "outbox")
    for code in CLASSES:
        (outcome,) = school.ingest(fill(school, code, 1, cells_for(small_school, code, 1)))
        assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    again = {**cells_for(small_school, "6A1", 1), "D8": CORRECTED}
    (outcome,) = school.ingest(fill(school, "6A1", 1, again))
    assert [c.status for c in outcome.changes] == ["pending"]
    issue_templates(small_school, school.share.root, load_secret(data.secret), 2, TEACHER)
    cells = cells_for(small_school, "6A1", 2)
    (outcome,) = school.ingest(fill(school, "6A1", 2, cells), today=FEBRUARY)
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    with Ledger.open_readonly(data.ledger) as ledger:
        hk1 = write_teacher_books(ledger, small_school, school.outbox, OCTOBER, 1, [TEACHER])
        year = write_teacher_books(ledger, small_school, school.outbox, FEBRUARY, None,
                                   [TEACHER])  # fmt: skip
        values = {code: ledger.scores_of_class(code) for code in CLASSES}
        pending = ledger.pending()
        head = ledger.chain_head()
    return Rendered(small_school, data, school.outbox, hk1, year, values, pending, head)


# --- reading back ---------------------------------------------------------------------------


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF text cannot be read back")
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", str(path), "-"],
                          capture_output=True, check=True, timeout=60)  # fmt: skip
    return unicodedata.normalize("NFC", done.stdout.decode("utf-8"))


def flat(text: str) -> str:
    return " ".join(text.split())


def student_tokens(text: str, code: str, name: str) -> list[str]:
    """What follows the student's name on their line of the PDF text."""
    (line,) = [ln for ln in text.splitlines() if f" {code} " in f" {ln} "]
    tokens = line.split()
    start = tokens.index(code) + 1
    assert " ".join(tokens[start:]).startswith(name), line
    return tokens[start + len(name.split()) :]


def stored(r: Rendered, class_code: str, semester: int, code: str) -> list[str]:
    """The student's TX1..CK of the semester as the book writes them ("" when none)."""
    key = SheetKey(class_code, SUBJECT, semester)
    raw = [r.values[class_code].get((key, code, c)) for c in COLUMNS]
    return [score_text(v) if v else "" for v in raw]


def rules_average(r: Rendered, class_code: str, semester: int, code: str) -> int | None:
    """ĐTBmhk straight from the rules module, on the ledger's values."""
    key = SheetKey(class_code, SUBJECT, semester)
    scores = [parse_score(r.values[class_code].get((key, code, c))) for c in COLUMNS]
    return semester_average(scores[:4], scores[4], scores[5], 4)


def text_of(tenths: int | None) -> str:
    return "" if tenths is None else format_tenths(tenths)


def sheet(path: Path, name: str) -> Worksheet:
    ws = openpyxl.load_workbook(path)[name]
    assert isinstance(ws, Worksheet)
    return ws


def cell_text(cell: object) -> str:
    """An Excel cell as the book writes it: numbers with one decimal and a comma."""
    if cell is None:
        return ""
    if isinstance(cell, int | float):
        return format_tenths(round(cell * 10))
    return str(cell)


# --- what a table says (no rendering) -------------------------------------------------------


def test_a_commented_subject_a_moved_student_and_the_year_s_comments(small_school: Setup) -> None:
    """Đ/CĐ as stored, the result KQ from the rules (a blank is no result yet), a student no
    longer on the roster listed after it, each semester's comment labelled for the year."""
    students = [s.code for s in small_school.students_of("6A1")]
    first, second = students[:2]
    complete = {(first, c): "Đ" for c in ("TX1", "TX2", "GK", "CK")}
    values = {
        1: {**complete, (first, NOTE_KEY): "Tích cực", (second, "TX1"): "CĐ",
            ("3199999999", "TX1"): "Đ"},
        2: {**complete, (first, NOTE_KEY): "Tích cực", (first, "CK"): "CĐ"},
    }  # fmt: skip
    assignment = next(a for a in small_school.assignments if a.class_code == "6A1"
                      and a.subject_code == "GDTC")  # fmt: skip
    results = student_results(
        small_school, "6A1",
        {(SheetKey("6A1", "GDTC", n), who, c): v for n, cells in values.items()
         for (who, c), v in cells.items()},
        FEBRUARY,
    )  # fmt: skip
    table = build_table(small_school, 1, assignment, None, SheetValues(values, {}), results)
    assert [g.label for g in table.groups] == ["Học kì I", "Học kì II", "Cả năm"]
    assert [c.label for c in table.columns] == [
        "TX1", "TX2", "GK", "CK", "KQ", "TX1", "TX2", "GK", "CK", "KQ", "KQ",
    ]  # fmt: skip
    row = table.rows[0]
    assert [c.text for c in row.cells] == ["Đ", "Đ", "Đ", "Đ", "Đ", "Đ", "Đ", "Đ", "CĐ", "CĐ", "CĐ"]
    assert row.remark == "HKII: Tích cực"  # the same text twice: once, under the later semester
    assert [c.text for c in table.rows[1].cells][:5] == ["CĐ", "", "", "", ""]
    moved = table.rows[-1]
    assert (moved.code, moved.enrolled, moved.cells[0].text) == ("3199999999", False, "Đ")
    assert moved.cells[4].text == ""  # no result for a student the results do not hold
    assert table.roster_size == len(students)
    assert any("không còn trong danh sách lớp" in note for note in table.notes)
    assert (table.entered, table.expected) == (9, 2 * 4 * len(students))
    assert table.comments and table.assessments == "2 TX, GK, CK (nhận xét)"
    assert "Miễn phần thực hành: Tạ Bảo Kiên (Bệnh tim bẩm sinh)." in table.notes
    assert not any(note.startswith("Miễn:") for note in table.notes)  # nobody wholly exempt


@pytest.mark.parametrize(
    ("text", "pending", "chars", "shown"),
    [
        ("8,5", "", 7, "  8,5  "),  # the comma under the others'
        ("10,0", "", 7, " 10,0  "),
        ("8,5", "chờ duyệt: 9,0", 7, "  8,5* "),  # marked right after the value
        ("10,0", "chờ duyệt: 9,0", 5, "10,0*"),  # a full slot: the mark takes its last place
        ("", "chờ duyệt: 9,0", 5, "  *  "),  # a value to come where none was
        ("CĐ", "", 6, "  CĐ  "),
    ],
)
def test_a_value_s_slot_and_its_pending_mark(
    text: str, pending: str, chars: int, shown: str
) -> None:
    assert _slot(Slot("TX1", chars=chars), Cell(text, pending)) == shown


def test_the_rules_begin_where_the_names_end(small_school: Setup) -> None:
    """The values' rules and shading are one image as wide as the table: they begin after STT,
    the code and the name, whose width is set (comments) or all that the values leave."""
    assignment = next(a for a in small_school.assignments if a.class_code == "6A1")
    values = {1: {(small_school.students_of("6A1")[0].code, "TX1"): "8"}}
    for comments in (False, True):
        sheet = SheetValues({**values, 2: {}} if comments else values, {})
        table = build_table(small_school, 1, assignment, None if comments else 1, sheet, [])
        table = replace(table, comments=comments)
        widths = column_widths(table)
        lines = table_lines(table, widths)
        assert len(lines.slots) == len(table.columns) and len(lines.rows) == len(table.rows)
        assert {len(line) for line in lines.rows.values()} == {sum(s.chars for s in lines.slots)}
        svg = urllib.parse.unquote(lines.rules)
        table_pt = TABLE_WIDTH * MM
        assert f'width="{table_pt:.2f}"' in svg
        first_rule = float(re.findall(r"M([0-9.]+) 0V10", svg)[0])
        names_end = table_pt - sum(s.width_pt for s in lines.slots)
        if comments:
            names_end = (ROSTER_MM["stt"] + ROSTER_MM["code"] + ROSTER_MM["name"]) * MM
        assert first_rule == pytest.approx(names_end + lines.slots[0].width_pt, abs=0.01)


def test_an_unknown_teacher_or_semester_is_refused_before_anything_is_written(
    tmp_path: Path, small_school: Setup
) -> None:
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        with pytest.raises(ValueError, match="Không có giáo viên GV999"):
            write_teacher_books(ledger, small_school, tmp_path, OCTOBER, 1, ["GV999"])
        with pytest.raises(ValueError, match="Học kì phải là 1 hoặc 2"):
            write_teacher_books(ledger, small_school, tmp_path, OCTOBER, 3, [TEACHER])
        principal = small_school.teachers[0].code
        assert not small_school.assignments_of(principal)
        assert write_teacher_books(ledger, small_school, tmp_path, OCTOBER, 1, [principal]) == []
    assert not (tmp_path / "books").exists()


# --- the rendered books ---------------------------------------------------------------------


@pytest.mark.slow
def test_one_pdf_and_one_xlsx_per_teacher_and_period(rendered: Rendered) -> None:
    teacher = rendered.setup.teacher_by_code(TEACHER)
    for semester, paths in ((1, rendered.hk1), (None, rendered.year)):
        base = book_path(rendered.outbox, teacher, semester)
        assert paths == [base.with_suffix(".pdf"), base.with_suffix(".xlsx")]
        assert all(p.read_bytes()[:4] in (b"%PDF", b"PK\x03\x04") for p in paths)
    folder = rendered.outbox / "books" / "so-diem-ca-nhan"
    assert rendered.hk1[0] == folder / "HK1" / "GV007 Trịnh Ngọc Trâm.pdf"
    assert rendered.year[0].parent == folder / "CN"


@pytest.mark.slow
def test_pdf_values_and_averages_equal_the_ledger_and_the_rules(rendered: Rendered) -> None:
    text = pdf_text(rendered.hk1[0])
    checked = 0
    for code in CLASSES:
        for student in rendered.setup.students_of(code):
            tokens = student_tokens(text, student.code, student.full_name)
            if student.code == EXEMPT_STUDENT:
                assert tokens == ["Miễn"]
                continue
            values = [v for v in stored(rendered, code, 1, student.code) if v]
            average = text_of(rules_average(rendered, code, 1, student.code))
            shown = [t.removesuffix(PENDING_MARK) for t in tokens if t[0].isdigit()]
            assert shown == values + ([average] if average else []), student.code
            # only the value whose correction waits is marked
            waits = [
                c
                for c in rendered.pending
                if (c.key.class_code, c.student_code) == (code, student.code)
            ]
            assert [t for t in tokens if t.endswith(PENDING_MARK)] == [
                f"{score_text(c.old)}{PENDING_MARK}" for c in waits
            ]
            checked += bool(average)
    assert checked >= 15  # most rows complete: the comparison is not vacuous


@pytest.mark.slow
def test_pdf_marks_the_pending_correction_and_keeps_the_value_in_the_ledger(
    rendered: Rendered,
) -> None:
    (change,) = rendered.pending
    assert (change.key, change.column, change.new) == (SheetKey("6A1", SUBJECT, 1), "TX1", "9.0")
    text = pdf_text(rendered.hk1[0])
    first = rendered.setup.students_of("6A1")[0]
    old = score_text(change.old)
    # the ledger's value, marked; what it would become listed under the table
    assert student_tokens(text, first.code, first.full_name)[0] == f"{old}{PENDING_MARK}"
    words = flat(text)
    assert f"{first.full_name} ({first.code}), TX1: {old} → chờ duyệt: 9,0" in words
    assert f"Điểm sửa đang chờ duyệt (1), đánh dấu {PENDING_MARK} trong bảng" in words
    assert words.count(PENDING_MARK) == 2  # the value and the legend, nothing else


@pytest.mark.slow
def test_pdf_cover_headers_footers_and_signatures(rendered: Rendered) -> None:
    text = pdf_text(rendered.hk1[0])
    pages = text.split("\f")[:-1]
    assert len(pages) == 1 + 4  # the cover and one page per class-subject (small rosters)
    teacher = rendered.setup.teacher_by_code(TEACHER)
    for number, page in enumerate(pages, start=1):
        words = flat(page)
        assert f"Trang {number}/{len(pages)}" in words
        assert f"Mã kiểm tra sổ: {rendered.head[:16]}…" in words
        assert f"Sổ điểm cá nhân – {teacher.full_name} ({TEACHER})" in words
    cover = flat(pages[0])
    expected = (
        "SỔ ĐIỂM CÁ NHÂN",
        "Năm học 2025-2026 – Học kì I",
        rendered.setup.school.name,
        f"Họ và tên giáo viên: {teacher.full_name}",
        f"Mã giáo viên: {TEACHER}",
    )
    for item in expected:
        assert item in cover, item
    for i, code in enumerate(("6A1", "7A1", "8A1", "9A1"), start=1):
        size = len(rendered.setup.students_of(code))
        assert f" {i} {code} Ngoại ngữ 1" in f" {cover}"
        assert f"{size} 4 TX, GK, CK" in cover
    assert rendered.head in cover  # the whole chain head on the cover
    for page in pages[1:]:
        words = flat(page)
        for line in ("GIÁO VIÊN BỘ MÔN", "(Kí, ghi rõ họ tên)", teacher.full_name,
                     "Hải Phòng, ngày 10 tháng 10 năm 2025"):  # fmt: skip
            assert line in words, line
    name = rendered.setup.subject(6, SUBJECT).name  # Ngoại ngữ 1 (Tiếng Anh)
    assert f"Lớp 6A1 – {name} – Học kì I" in flat(pages[1])
    exempt = "Miễn: học sinh được miễn học cả môn."
    assert exempt in flat(pages[4]) and exempt not in flat(pages[1])  # 9A1 only


@pytest.mark.slow
def test_pdf_year_shows_both_semesters_and_the_year_average(rendered: Rendered) -> None:
    text = pdf_text(rendered.year[0])
    assert "Năm học 2025-2026 – Cả năm" in flat(text)
    complete = 0
    for student in rendered.setup.students_of("6A1"):
        tokens = student_tokens(text, student.code, student.full_name)
        shown = [t.removesuffix(PENDING_MARK) for t in tokens if t[0].isdigit()]
        expected: list[str] = []
        averages = []
        for semester in (1, 2):
            expected += [v for v in stored(rendered, "6A1", semester, student.code) if v]
            average = rules_average(rendered, "6A1", semester, student.code)
            averages.append(average)
            expected += [text_of(average)] if average is not None else []
        year = year_average(*averages)
        expected += [text_of(year)] if year is not None else []
        complete += year is not None
        if student.code == rendered.pending[0].student_code:  # the value waiting, marked
            assert tokens[0] == f"{score_text(rendered.pending[0].old)}{PENDING_MARK}"
        assert shown == expected, student.code
    assert complete >= 10
    # each semester's comment, labelled
    assert {"HKI:", "HKII:"} <= set(text.split())


@pytest.mark.slow
def test_xlsx_one_sheet_per_class_subject_cells_equal_the_ledger(rendered: Rendered) -> None:
    path = rendered.hk1[1]
    assert openpyxl.load_workbook(path).sheetnames == [f"{c} {SUBJECT}" for c in
                                                        ("6A1", "7A1", "8A1", "9A1")]  # fmt: skip
    for code in CLASSES:
        ws = sheet(path, f"{code} {SUBJECT}")
        assert [ws.cell(7, 4 + j).value for j in range(7)] == [*COLUMNS, "ĐTBmhk"]
        for i, student in enumerate(rendered.setup.students_of(code)):
            row = 8 + i
            roster = (ws.cell(row, 2).value, ws.cell(row, 3).value)
            assert roster == (student.code, student.full_name)
            cells = [cell_text(ws.cell(row, 4 + j).value) for j in range(7)]
            if student.code == EXEMPT_STUDENT:
                assert cells[0] == "Miễn"
                continue
            values = stored(rendered, code, 1, student.code)
            if code == "6A1" and i == 0:  # the pending correction: under the value, shaded
                assert cells[0] == f"{values[0]}\nchờ duyệt: 9,0"
                values[0] = cells[0]
            assert cells[:6] == values, student.code
            assert cells[6] == text_of(rules_average(rendered, code, 1, student.code))
    texts = {str(c.value) for row in sheet(path, "6A1 NN1").iter_rows() for c in row if c.value}
    assert {"GIÁO VIÊN BỘ MÔN", "(Kí, ghi rõ họ tên)", "Nhận xét"} <= texts
    assert any("→ chờ duyệt: 9,0" in t for t in texts)


@pytest.mark.slow
def test_xlsx_prints_like_the_pdf(rendered: Rendered) -> None:
    ws = sheet(rendered.year[1], f"6A1 {SUBJECT}")
    setup = ws.page_setup
    assert (setup.orientation, int(setup.paperSize or 0)) == ("landscape", 9)
    assert ws.sheet_properties.pageSetUpPr is not None
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$6:$7"
    assert ws.print_area is not None and "$A$1:$" in str(ws.print_area)
    assert ws.oddFooter.left.text == f"Mã kiểm tra sổ: {rendered.head[:16]}…"
    assert ws.oddFooter.right.text == "Trang &P/&N"
    assert "Sổ điểm cá nhân – Trịnh Ngọc Trâm (GV007)" in str(ws.oddHeader.left.text)
    # the year: both semesters' columns, their results and the year's
    labels = [ws.cell(7, c).value for c in range(4, 4 + 15)]
    assert labels == [*COLUMNS, "ĐTBmhk", *COLUMNS, "ĐTBmhk", "ĐTBmcn"]
    first = rendered.setup.students_of("6A1")[2]
    averages = [rules_average(rendered, "6A1", n, first.code) for n in (1, 2)]
    row = [cell_text(ws.cell(10, c).value) for c in range(4, 4 + 15)]
    assert row[6] == text_of(averages[0]) and row[13] == text_of(averages[1])
    assert row[14] == text_of(year_average(*averages)) != ""


# --- the command ----------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_writes_the_teacher_s_book(rendered: Rendered, tmp_path: Path) -> None:
    runner = CliRunner()
    common = ["--data-dir", str(rendered.data.root), "--outbox", str(tmp_path),
              "--today", "2025-10-10"]  # fmt: skip
    done = runner.invoke(app, ["books", "teacher", "--teacher", TEACHER, "--semester", "1",
                               *common])  # fmt: skip
    assert done.exit_code == 0, done.output
    folder = tmp_path / "books" / "so-diem-ca-nhan" / "HK1"
    assert sorted(p.name for p in folder.iterdir()) == [
        "GV007 Trịnh Ngọc Trâm.pdf", "GV007 Trịnh Ngọc Trâm.xlsx",
    ]  # fmt: skip
    assert "Đã ghi 2 tệp sổ điểm cá nhân" in done.stdout
    neither = runner.invoke(app, ["books", "teacher", "--teacher", TEACHER, *common])
    assert neither.exit_code == 1 and "--semester" in neither.output
    unknown = runner.invoke(app, ["books", "teacher", "--teacher", "NOPE", "--year", *common])
    assert unknown.exit_code == 1 and "mã giáo viên «NOPE»" in unknown.output
