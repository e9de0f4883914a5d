"""The monthly attendance sheet of a class (issue 12, item 4): rendered from a real ledger as PDF
and Excel, every mark and total read back and compared with the ledger and the results."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tests.helpers import School
from workbook_engine.demo.school import DemoOptions, build_demo_school
from workbook_engine.io.kinds import values
from workbook_engine.io.kinds.homeroom import holidays
from workbook_engine.io.kinds.values import EXCUSED, UNEXCUSED, counted_as
from workbook_engine.model import Setup, SheetKey
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.outcome import Status
from workbook_engine.render.books.attendance import (
    attendance_months,
    build_attendance_book,
    class_months,
    render_attendance_html,
    write_attendance_books,
    write_month_pdfs,
)
from workbook_engine.render.common import write_pdf
from workbook_engine.results import confirmed_late, student_results

CLASS = "6A1"
FIRST_ROW = 8  # first student row of the issued attendance sheets (column D is the 1st)
XLSX_FIRST = 7  # first student row of the rendered sheet (headings on rows 5 and 6)
SEPTEMBER, OCTOBER, NOVEMBER = (2025, 9), (2025, 10), (2025, 11)
MONTHS = [SEPTEMBER, OCTOBER, NOVEMBER, (2026, 1)]
# (student index, day, mark): September confirmed on 3 October (in time), October on 7 November
# (after its 5 November deadline: its P count as K), November never sent
MARKS = [
    (0, date(2025, 9, 5), "P"),
    (1, date(2025, 9, 5), "K"),
    (1, date(2025, 9, 8), "K"),
    (2, date(2025, 9, 9), "P"),
    (0, date(2025, 9, 30), "P"),
    (0, date(2025, 10, 6), "P"),
    (0, date(2025, 10, 7), "K"),
    (3, date(2025, 10, 10), "P"),
    (4, date(2025, 10, 31), "K"),
]
SENT = {SEPTEMBER: date(2025, 10, 3), OCTOBER: date(2025, 11, 7)}
GREY, LIGHT = "FFBFBFBF", "FFE4E4E4"


def on_day(day: date) -> str:
    """A ledger clock reading ``day``: the month is confirmed on that day."""
    return f"{day.isoformat()}T16:30:00+07:00"


@dataclass(frozen=True)
class Rendered:
    setup: Setup
    outbox: Path
    paths: list[Path]
    values: dict[tuple[SheetKey, str, str], str]
    received: set[SheetKey]
    late: set[SheetKey]
    head: str
    ledger: Path

    def month(self, year: int, month: int, suffix: str, name: str = CLASS) -> Path:
        return self.outbox / "books" / "diem-danh" / f"{year}-{month:02d}" / f"{name}{suffix}"


@pytest.fixture(scope="module")
def rendered(
    tmp_path_factory: pytest.TempPathFactory, small_school: Setup, school_data: Path
) -> Rendered:
    """6A1 sent September in time and October late; the sheets of September, October, November
    and January (both semesters) rendered once for the module."""
    root = tmp_path_factory.mktemp("attendance-books")
    data = DataDir(root / "data")
    shutil.copytree(school_data, data.root)
    school = School(small_school, data, root / "inbox", root / "outbox")
    students = small_school.students_of(CLASS)
    for (year, month), day in SENT.items():
        cells: dict[str, object] = {
            f"{get_column_letter(3 + d.day)}{FIRST_ROW + index}": mark
            for index, d, mark in MARKS
            if (d.year, d.month) == (year, month)
        }
        sheet = school.fill_homeroom(CLASS, f"{CLASS}_DiemDanh_{year}-{month:02d}_HK1.xlsx", cells)
        with school.pipeline(day) as pipeline:
            pipeline.ledger.clock = partial(on_day, day)
            outcome = pipeline.process(sheet)
        assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    with Ledger.open_readonly(data.ledger) as ledger:
        paths = write_attendance_books(ledger, small_school, school.outbox, MONTHS, [CLASS])
        values = ledger.scores_of_class(CLASS)
        received = ledger.received_keys(CLASS)
        late = confirmed_late(small_school, ledger.first_received(CLASS))
        head = ledger.chain_head()
    assert len(values) == len(MARKS) and students  # every mark stored
    return Rendered(small_school, school.outbox, paths, values, received, late, head,
                    data.ledger)  # fmt: skip


def key(year: int, month: int, semester: int = 1) -> SheetKey:
    return SheetKey(CLASS, f"DIEMDANH-{year}-{month:02d}", semester)


def stored(r: Rendered, year: int, month: int, code: str) -> list[str]:
    """The student's marks of the month as the ledger holds them, in day order."""
    wanted = key(year, month)
    days = sorted((day, v) for (k, who, day), v in r.values.items() if (k, who) == (wanted, code))
    return [v for _, v in days]


def expected_totals(r: Rendered, year: int, month: int, code: str) -> tuple[int, int]:
    """P and K of the month as the results count them (a late month's P as K)."""
    late = key(year, month) in r.late
    counted = [counted_as(m) for m in stored(r, year, month, code)]
    excused = 0 if late else counted.count(EXCUSED)
    return excused, counted.count(UNEXCUSED) + (counted.count(EXCUSED) if late else 0)


def pdf_text(path: Path, layout: bool = True) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF text cannot be read back")
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
    done = subprocess.run(args, capture_output=True, check=True, timeout=60)
    return unicodedata.normalize("NFC", done.stdout.decode("utf-8"))


def pdf_pages(path: Path) -> list[str]:
    """The text of each page (pdftotext's layout), in order."""
    return pdf_text(path).split("\f")[:-1]


def flat(text: str) -> str:
    return " ".join(text.split())


def student_line(text: str, code: str, name: str) -> tuple[list[str], list[str]]:
    """(marks, totals) read off the student's line of the PDF text."""
    (line,) = [ln for ln in text.splitlines() if f" {code} " in f" {ln} "]
    tokens = line.split()
    after = tokens[tokens.index(code) + 1 + len(name.split()) :]
    assert " ".join(tokens[tokens.index(code) + 1 :]).startswith(name)
    marks = [t for t in after if not t.isdigit()]
    return marks, [t for t in after if t.isdigit()]


def sheet(path: Path) -> Worksheet:
    ws = openpyxl.load_workbook(path).active
    assert isinstance(ws, Worksheet)
    return ws


# --- which sheets (no rendering) ------------------------------------------------------------


def test_the_months_that_have_begun_each_semester_s_january_apart(small_school: Setup) -> None:
    assert attendance_months(small_school, date(2025, 9, 3)) == []
    assert attendance_months(small_school, date(2025, 9, 5)) == [(2025, 9, 1)]
    assert attendance_months(small_school, date(2026, 1, 10))[-2:] == [(2025, 12, 1), (2026, 1, 1)]
    # semester 2 begins on 19 January: its January sheet from then on
    assert attendance_months(small_school, date(2026, 1, 19))[-2:] == [(2026, 1, 1), (2026, 1, 2)]
    assert len(attendance_months(small_school, date(2026, 7, 1))) == 10  # Sep…May, January twice
    assert attendance_months(small_school, date(2026, 7, 1), [(2026, 1)]) == [
        (2026, 1, 1),
        (2026, 1, 2),
    ]
    with pytest.raises(ValueError, match="Tháng 07/2026 không thuộc năm học 2025-2026"):
        attendance_months(small_school, date(2026, 7, 1), [(2026, 7)])


def test_an_unknown_class_is_refused_before_anything_is_written(
    tmp_path: Path, small_school: Setup
) -> None:
    with (
        Ledger.open(tmp_path / "ledger.sqlite") as ledger,
        pytest.raises(ValueError, match="Không có lớp 6Z9"),
    ):
        write_attendance_books(ledger, small_school, tmp_path, [SEPTEMBER], ["6Z9"])
    assert not (tmp_path / "books").exists()


@pytest.fixture
def own_marks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The school adds «Ô» (nghỉ ốm có giấy, counted as P) and «M» (đi học muộn, no absence)."""
    rules = {**values.sheet_rules(), "attendance": {"marks": [
        {"mark": "Ô", "counts": "P", "label": "nghỉ ốm có giấy"},
        {"mark": "M", "counts": "", "label": "đi học muộn"},
    ]}}  # fmt: skip
    monkeypatch.setattr(values, "sheet_rules", lambda: rules)
    values.attendance_marks.cache_clear()
    yield
    values.attendance_marks.cache_clear()


@pytest.mark.usefixtures("own_marks")
@pytest.mark.parametrize("late", [False, True])
def test_a_school_s_own_marks_are_shown_as_stored_and_counted_as_the_results_count(
    small_school: Setup, late: bool
) -> None:
    first, second = (s.code for s in small_school.students_of(CLASS)[:2])
    marks = {(first, "2026-01-02"): "Ô", (first, "2026-01-05"): "M", (first, "2026-01-06"): "P",
             (second, "2026-01-07"): "K"}  # fmt: skip
    book = build_attendance_book(small_school, CLASS, 1, 2026, 1, marks, received=True, late=late)
    row = book.rows[0]
    assert [m for m in row.marks if m] == ["Ô", "M", "P"]
    assert (row.excused, row.unexcused) == ((0, 2) if late else (2, 0))
    assert (book.rows[1].excused, book.rows[1].unexcused) == (0, 1)
    # 2 Ô, 3 and 4 (a Sunday) nobody, 5 M (present), 6 P, 7 K
    assert book.day_counts[1:7] == (1, 0, 0, 0, 1, 1)
    assert book.legend == (
        "Kí hiệu: P – nghỉ có phép; K – nghỉ không phép; Ô – nghỉ ốm có giấy (tính là P); "
        "M – đi học muộn (không tính là nghỉ). Ô xám: Chủ nhật, ngày nghỉ (01/01: Tết Dương "
        "lịch). Ô xám nhạt: ngoài học kì I."
    )
    assert bool(book.late_note) is late


# --- the rendered sheets --------------------------------------------------------------------


@pytest.mark.slow
def test_one_pdf_and_one_xlsx_per_class_month(rendered: Rendered) -> None:
    expected = [
        rendered.month(2025, 9, ""),
        rendered.month(2025, 10, ""),
        rendered.month(2025, 11, ""),
        rendered.month(2026, 1, "", f"{CLASS}-HK1"),
        rendered.month(2026, 1, "", f"{CLASS}-HK2"),
    ]
    assert rendered.paths == [p.with_suffix(s) for p in expected for s in (".pdf", ".xlsx")]
    assert all(p.read_bytes()[:4] in (b"%PDF", b"PK\x03\x04") for p in rendered.paths)


@pytest.mark.slow
@pytest.mark.parametrize("month", [SEPTEMBER, OCTOBER])
def test_pdf_marks_and_totals_equal_the_ledger(rendered: Rendered, month: tuple[int, int]) -> None:
    text = pdf_text(rendered.month(*month, ".pdf"))
    for student in rendered.setup.students_of(CLASS):
        marks, totals = student_line(text, student.code, student.full_name)
        assert marks == stored(rendered, *month, student.code), student.code
        assert tuple(map(int, totals)) == expected_totals(rendered, *month, student.code)


@pytest.mark.slow
def test_the_months_totals_add_up_to_the_results(rendered: Rendered) -> None:
    """September and October are semester 1's only marks: their rendered totals add up to what
    the results count for the semester (the late October P as K)."""
    results = student_results(
        rendered.setup, CLASS, rendered.values, date(2025, 12, 1),
        received=rendered.received, late=rendered.late,
    )  # fmt: skip
    sums: dict[str, list[int]] = {}
    for month in (SEPTEMBER, OCTOBER):
        ws = sheet(rendered.month(*month, ".xlsx"))
        days = 30 if month == SEPTEMBER else 31
        for i, student in enumerate(rendered.setup.students_of(CLASS)):
            row = XLSX_FIRST + i
            before = sums.get(student.code, [0, 0])
            excused, unexcused = ws.cell(row, 4 + days).value, ws.cell(row, 5 + days).value
            assert isinstance(excused, int) and isinstance(unexcused, int)
            sums[student.code] = [before[0] + excused, before[1] + unexcused]
    assert sums == {r.code: [r.hk1.excused, r.hk1.unexcused] for r in results}
    assert sums[rendered.setup.students_of(CLASS)[0].code] == [2, 2]  # October's P counted as K


@pytest.mark.slow
def test_pdf_says_who_what_and_carries_the_chain_head(rendered: Rendered) -> None:
    text = pdf_text(rendered.month(*OCTOBER, ".pdf"))
    words = flat(text)
    assert "SỔ ĐIỂM DANH — THÁNG 10/2025 — LỚP 6A1" in words
    assert "Năm học 2025-2026 – Học kì I" in words
    assert f"Trường: {rendered.setup.school.name}" in words
    teacher = rendered.setup.teacher_by_code(rendered.setup.class_by_code(CLASS).homeroom_teacher)
    assert f"Giáo viên chủ nhiệm: {teacher.full_name}" in words
    assert "Trang 1/1" in words
    assert f"Mã kiểm tra sổ: {rendered.head[:16]}…" in words
    assert rendered.head[16:24] not in words
    for line in ("GIÁO VIÊN CHỦ NHIỆM", "(Kí, ghi rõ họ tên)", "HIỆU TRƯỞNG",
                 "(Kí, ghi rõ họ tên, đóng dấu)", rendered.setup.school.principal,
                 "Hải Phòng, ngày ..... tháng ..... năm ........"):  # fmt: skip
        assert line in words, line
    # the late month: a note under the table; the month in time has none
    assert (
        "Ghi chú: điểm danh tháng 10/2025 được xác nhận ngày 07/11/2025, sau hạn 05/11/2025: các "
        "buổi nghỉ có phép (P) của tháng này được tính là nghỉ không phép (K) trong cột tổng "
        "(2 buổi)."
    ) in words
    assert "Chưa nhận" not in words
    september = flat(pdf_text(rendered.month(*SEPTEMBER, ".pdf")))
    assert "Ghi chú" not in september and "Chưa nhận" not in september


@pytest.mark.slow
def test_a_month_not_in_says_so_and_shows_no_totals(rendered: Rendered) -> None:
    text = pdf_text(rendered.month(*NOVEMBER, ".pdf"))
    assert "Chưa nhận bảng điểm danh tháng này (hạn xác nhận: 05/12/2025)." in flat(text)
    first = rendered.setup.students_of(CLASS)[0]
    assert student_line(text, first.code, first.full_name) == ([], [])
    ws = sheet(rendered.month(*NOVEMBER, ".xlsx"))
    assert ws.cell(XLSX_FIRST, 4 + 30).value is None
    assert any(
        str(c.value).startswith("Chưa nhận bảng điểm danh tháng này") for c in ws["A"] if c.value
    )


@pytest.mark.slow
@pytest.mark.parametrize("month", [SEPTEMBER, OCTOBER])
def test_xlsx_cells_equal_the_ledger(rendered: Rendered, month: tuple[int, int]) -> None:
    ws = sheet(rendered.month(*month, ".xlsx"))
    year, number = month
    days = 30 if month == SEPTEMBER else 31
    assert [ws.cell(5, 4 + d).value for d in range(days)] == list(range(1, days + 1))
    assert ws.cell(6, 4).value == ("T2" if month == SEPTEMBER else "T4")  # 1 Sep is a Monday
    assert (ws.cell(6, 4 + days).value, ws.cell(6, 5 + days).value) == ("P", "K")
    wanted = key(year, number)
    for i, student in enumerate(rendered.setup.students_of(CLASS)):
        row = XLSX_FIRST + i
        assert (ws.cell(row, 2).value, ws.cell(row, 3).value) == (student.code, student.full_name)
        for d in range(1, days + 1):
            mark = rendered.values.get((wanted, student.code, date(year, number, d).isoformat()))
            assert ws.cell(row, 3 + d).value == mark, (student.code, d)
        totals = (ws.cell(row, 4 + days).value, ws.cell(row, 5 + days).value)
        assert totals == expected_totals(rendered, year, number, student.code)
    notes = [str(c.value) for c in ws["A"] if c.value and str(c.value).startswith("Ghi chú")]
    assert len(notes) == (month == OCTOBER)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("month", "name", "number"),
    [(SEPTEMBER, CLASS, 1), ((2026, 1), f"{CLASS}-HK1", 1), ((2026, 1), f"{CLASS}-HK2", 2)],
)
def test_xlsx_shades_sundays_holidays_and_days_outside_the_semester(
    rendered: Rendered, month: tuple[int, int], name: str, number: int
) -> None:
    """Grey: Sundays and the calendar's «Ngày nghỉ» (1 January); light grey: outside the
    semester (1–4 September, January after 17 for semester 1, before 19 for semester 2)."""
    ws = sheet(rendered.month(*month, ".xlsx", name))
    semester = next(s for s in rendered.setup.semesters if s.number == number)
    days_off = holidays(rendered.setup.calendar)
    year, month_number = month
    for d in range(1, 32 if month_number == 1 else 31):
        day = date(year, month_number, d)
        if day.weekday() == 6 or (day in days_off and semester.start <= day <= semester.end):
            expected = GREY
        elif not semester.start <= day <= semester.end:
            expected = LIGHT
        else:
            expected = None
        for row in (5, 6, XLSX_FIRST, XLSX_FIRST + 11):  # both headings, first and last student
            cell = ws.cell(row, 3 + d)
            fill = cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None
            if row < XLSX_FIRST and expected is None:
                continue  # an open day's heading has the headings' own colour
            assert fill == expected, (name, d, row)
    if month == (2026, 1) and name.endswith("HK1"):
        assert ws.cell(XLSX_FIRST, 4).fill.fgColor.rgb == GREY  # Tết Dương lịch


@pytest.mark.slow
def test_xlsx_prints_like_the_pdf(rendered: Rendered) -> None:
    ws = sheet(rendered.month(*OCTOBER, ".xlsx"))
    setup = ws.page_setup
    assert (setup.orientation, int(setup.paperSize or 0)) == ("landscape", 9)
    assert ws.sheet_properties.pageSetUpPr is not None
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0)  # one page wide (1: default)
    assert ws.print_title_rows == "$5:$6"
    last = len(rendered.setup.students_of(CLASS))
    assert ws.print_area is not None
    assert f"$A$1:${get_column_letter(5 + 31)}$" in str(ws.print_area)
    assert int(str(ws.print_area).rpartition("$")[2]) > XLSX_FIRST + last  # signatures included
    assert ws.cell(1, 1).value == "SỔ ĐIỂM DANH — THÁNG 10/2025 — LỚP 6A1"
    assert ws.oddFooter is not None and ws.oddHeader is not None
    assert ws.oddFooter.left.text == f"Mã kiểm tra sổ: {rendered.head[:16]}…"
    assert ws.oddFooter.right.text == "Trang &P/&N"
    assert "Sổ điểm danh lớp 6A1 — tháng 10/2025" in str(ws.oddHeader.left.text)
    # printed at about 97 % to fit 31 days: the margins' 8 pt not scaled with it
    assert ws.HeaderFooter.scaleWithDoc is False and ws.oddFooter.right.size == 8
    texts = {str(c.value) for row in ws.iter_rows() for c in row if c.value}
    assert {"GIÁO VIÊN CHỦ NHIỆM", "(Kí, ghi rõ họ tên)", "HIỆU TRƯỞNG",
            "(Kí, ghi rõ họ tên, đóng dấu)"} <= texts  # fmt: skip


@pytest.mark.slow
def test_45_students_and_31_days_fit_the_width_headings_repeated_rows_whole(
    tmp_path: Path,
) -> None:
    setup = build_demo_school(DemoOptions(classes_per_grade=1, students_per_class=45, seed=7))
    students = setup.students_of(CLASS)
    values = {(s.code, "2025-12-31"): "K" for s in students[::4]}  # the last column
    book = build_attendance_book(setup, CLASS, 1, 2025, 12, values, received=True,
                                 chain_head="ab" * 32)  # fmt: skip
    path = write_pdf(tmp_path / "dec.pdf", render_attendance_html(book))
    pages = pdf_text(path).split("\f")[:-1]
    assert len(pages) == 2
    for number, page in enumerate(pages, start=1):
        assert f"Trang {number}/2" in page
        assert "Họ và tên" in page and "31" in page  # the headings on every page
    for student in students:
        (page,) = [p for p in pages if student.code in p]  # a row never split
        marks, totals = student_line(page, student.code, student.full_name)
        expected = 1 if (student.code, "2025-12-31") in values else 0
        assert (marks, totals) == (["K"] * expected, ["0", str(expected)])


@pytest.mark.slow
def test_the_months_cut_from_one_class_document_read_as_each_month_laid_out_alone(
    rendered: Rendered, tmp_path: Path
) -> None:
    """A class's months are laid out as one document and each month's PDF cut from it: each
    reads as the month laid out on its own (page count, every page's text with its running head,
    chain head and «Trang x/y»)."""
    sheets = attendance_months(rendered.setup, date.today(), MONTHS)
    with Ledger.open_readonly(rendered.ledger) as ledger, ledger.reading():
        months = class_months(ledger, rendered.setup, tmp_path, CLASS, sheets, ledger.chain_head())
    assert len(months) == 5
    for base, book in months:
        alone = write_pdf(base.with_suffix(".pdf"), render_attendance_html(book))
        cut = rendered.month(book.year, book.month, ".pdf", base.name)
        assert pdf_pages(cut) == pdf_pages(alone), base.name


@pytest.mark.slow
def test_months_of_two_pages_cut_from_one_document_count_their_own_pages(tmp_path: Path) -> None:
    setup = build_demo_school(DemoOptions(classes_per_grade=1, students_per_class=45, seed=7))
    books = [
        build_attendance_book(setup, CLASS, semester, year, month, {}, received=True,
                              chain_head="ab" * 32)
        for semester, year, month in ((1, 2025, 11), (1, 2025, 12), (2, 2026, 1))
    ]  # fmt: skip
    cut = write_month_pdfs([(tmp_path / "cut" / f"{b.year}-{b.month:02d}", b) for b in books])
    for path, book in zip(cut, books, strict=True):
        alone = write_pdf(tmp_path / "alone" / path.name, render_attendance_html(book))
        pages = pdf_pages(path)
        assert pages == pdf_pages(alone)
        assert len(pages) == 2
        for number, page in enumerate(pages, start=1):
            assert f"Trang {number}/2" in page and f"tháng {book.month_label}" in page


def test_wbe_books_attendance_writes_the_month_and_refuses_a_bad_one(school: School) -> None:
    from typer.testing import CliRunner

    from workbook_engine.cli import app

    sheet = school.fill_homeroom(CLASS, f"{CLASS}_DiemDanh_2025-09_HK1.xlsx", {"H8": "P"})
    (outcome,) = school.ingest(sheet, today=date(2025, 10, 3))
    assert outcome.status is Status.ACCEPTED
    common = ["--data-dir", str(school.data.root), "--outbox", str(school.outbox)]
    runner = CliRunner()
    done = runner.invoke(app, ["books", "attendance", "--class", CLASS, "--month", "2025-09",
                               *common])  # fmt: skip
    assert done.exit_code == 0, done.output
    folder = school.outbox / "books" / "diem-danh" / "2025-09"
    assert sorted(p.name for p in folder.iterdir()) == [f"{CLASS}.pdf", f"{CLASS}.xlsx"]
    bad = runner.invoke(app, ["books", "attendance", "--month", "2025-13", *common])
    assert bad.exit_code == 1
    assert "tháng «2025-13» không đúng dạng YYYY-MM" in " ".join(bad.output.split())
    outside = runner.invoke(app, ["books", "attendance", "--month", "2027-03", *common])
    assert outside.exit_code == 1 and "Lỗi:" in outside.output
