"""The class assessment book as print-ready Excel (issue 12, item 6).

The demo's year is rendered from its ledger and read back with openpyxl: every value of a
subject's sheet equals the ledger's entry or what the rules module computes from the ledger
(averages from the entered values, the class's results as the principal approved them); the
summary sheets hold each student's results, levels, absences, proposal, final outcome and
award; each sheet prints on A4, one page wide at 8 pt or more, its headings repeated, the
running head and the chain head in the margins."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.helpers import soffice_convert
from workbook_engine.approvals import approved_result, result_text
from workbook_engine.demo.run import RESULTS_DAY, DemoResult
from workbook_engine.io.master_workbook import proposal_text
from workbook_engine.model import ExemptionScope, Setup, SheetKey, Subject
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.result_approval import class_results
from workbook_engine.render.books.class_book import (
    ClassBook,
    build_class_book,
    class_book,
    class_book_path,
    render_class_book_html,
    summer_text,
    write_class_books,
)
from workbook_engine.render.books.class_book_xlsx import write_class_book_xlsx
from workbook_engine.render.books.excel import rows_to_next_page, sheet_name
from workbook_engine.render.books.hocba import final_text
from workbook_engine.render.common import write_pdf
from workbook_engine.results import StudentResult, confirmed_late, student_results
from workbook_engine.rules import (
    AssessmentMode,
    Level,
    Outcome,
    ScoreError,
    format_tenths,
    parse_comment,
    parse_score,
    semester_average,
    semester_comment_result,
    year_average,
)

DemoYear = tuple[DataDir, Path, DemoResult]  # the session's ``demo_year`` (tests/conftest.py)
Values = Mapping[tuple[SheetKey, str, str], str]
FIRST = 6  # the first student's row of a subject's sheet (1-based), under two heading rows
A4 = 9
FINAL = (Outcome.PROMOTED, Outcome.RETAINED)
PAGE_INCHES = {"portrait": 8.27, "landscape": 11.69}  # wide
PAGE_TALL = {"portrait": 11.69, "landscape": 8.27}  # inches


# --- reading the workbook back -------------------------------------------------------------------


def shown(value: object) -> str:
    """A cell as the books write it: a number with one decimal and a comma, a blank ""."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return format_tenths(round(value * 10))
    return str(value)


def texts(ws: Worksheet) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def row_of(ws: Worksheet, number: int, name: str) -> int:
    """The row of student ``number`` (STT in column A, the name in B)."""
    found = [r for r in range(1, ws.max_row + 1)
             if ws.cell(r, 1).value == number and ws.cell(r, 2).value == name]  # fmt: skip
    assert len(found) == 1, (ws.title, number, name, found)
    return found[0]


def level(value: Level | None) -> str:
    return value.value if value is not None else ""


# --- what the ledger and the rules say -----------------------------------------------------------


def entered(value: str | None) -> str:
    """A ledger value as the books write it: ``8.5`` → ``8,5``, Đ/CĐ as is, "" blank."""
    if value is None or not value.strip():
        return ""
    try:
        tenths = parse_score(value)
    except ScoreError:
        return value.strip()
    return format_tenths(tenths) if tenths is not None else ""


def semester_result(
    subject: Subject, raws: list[str | None], result: StudentResult, semester: int
) -> str:
    """The semester's result straight from the rules on the ledger's values; while a value is
    missing, what the results module shows (blank until the semester's end)."""
    if all(raw is not None and raw.strip() for raw in raws):
        *tx, gk, ck = raws
        if subject.mode is AssessmentMode.SCORE:
            avg = semester_average([parse_score(v) for v in tx], parse_score(gk), parse_score(ck),
                                   subject.tx_count)  # fmt: skip
            assert avg is not None
            return format_tenths(avg)
        comments = [parse_comment(v) for v in raws]
        return semester_comment_result(comments[:-2], comments[-2], comments[-1],
                                       subject.tx_count).value  # fmt: skip
    half = result.hk1 if semester == 1 else result.hk2
    return result_text(half.averages.get(subject.code))


def subject_row(
    subject: Subject, result: StudentResult, values: Values, class_code: str, year: bool
) -> list[str]:
    """A subject's line: TX…, GK, CK and the semester's result per semester, the year's;
    «Miễn» in each result column (the rest blank) for a wholly exempt student."""
    if subject.code in result.exempt:
        blank = [""] * len(subject.columns)
        return [*blank, "Miễn", *([*blank, "Miễn", "Miễn"] if year else [])]
    results = []
    row: list[str] = []
    for n in (1, 2) if year else (1,):
        key = SheetKey(class_code, subject.code, n)
        raws = [values.get((key, result.code, c)) for c in subject.columns]
        row += [entered(raw) for raw in raws]
        results.append(semester_result(subject, raws, result, n))
        row.append(results[-1])
    if year:
        if subject.mode is AssessmentMode.SCORE:
            total = year_average(*(parse_score(v) if v else None for v in results))
            row.append(format_tenths(total) if total is not None else "")
        else:
            row.append(results[1])
        assert row[-1] == result_text(result.year.averages.get(subject.code)), subject.code
    return row


def approved(
    ledger: Ledger, setup: Setup, class_code: str, periods: tuple[str, ...] | None = None
) -> list[StudentResult]:
    results, _ = class_results(setup, ledger, class_code, RESULTS_DAY)
    approvals = ledger.approved_results(class_code)
    if periods is not None:
        approvals = {p: a for p, a in approvals.items() if p in periods}
    return [approved_result(r, approvals) for r in results]


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_ledger(demo_year: DemoYear) -> Iterator[Ledger]:
    data, _, _ = demo_year
    with Ledger.open_readonly(data.ledger) as ledger:
        yield ledger


@pytest.fixture(scope="module")
def story(demo_year: DemoYear) -> dict[str, str]:
    """The students whose year tells a story: what each is → student code."""
    _, _, demo = demo_year
    setup, cohort = demo.setup, demo.cohort
    exempt = next(e.student_code for e in setup.exemptions if e.scope is ExemptionScope.WHOLE)
    return {"re-exam": next(iter(cohort.failing)), "kept back": cohort.kept_back,
            "exempt": exempt, "award": next(iter(cohort.strong))}  # fmt: skip


def class_of(setup: Setup, student: str) -> str:
    return next(s.class_code for s in setup.students if s.code == student)


def teacher_of(setup: Setup, class_code: str, subject: str) -> str:
    code = next(a.teacher_code for a in setup.assignments
                if (a.class_code, a.subject_code) == (class_code, subject))  # fmt: skip
    return setup.teacher_by_code(code).full_name


@pytest.fixture(scope="module")
def year_workbooks(
    demo_year: DemoYear, demo_ledger: Ledger, story: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Path]:  # fmt: skip
    """The year workbooks of the story students' classes (no PDF): class → path."""
    _, _, demo = demo_year
    folder = tmp_path_factory.mktemp("class-xlsx")
    written = {}
    for code in sorted({class_of(demo.setup, s) for s in story.values()}):
        book = class_book(demo_ledger, demo.setup, code, RESULTS_DAY, None)
        written[code] = write_class_book_xlsx(folder / f"{code}.xlsx", book)
    return written


# --- the values ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_subject_sheet_holds_the_ledger_and_the_rules(
    demo_year: DemoYear, demo_ledger: Ledger, story: dict[str, str], year_workbooks: dict[str, Path]
) -> None:
    _, _, demo = demo_year
    setup = demo.setup
    seen = {"score": 0, "comment": 0, "exempt": 0}
    for class_code, path in year_workbooks.items():
        wb = openpyxl.load_workbook(path)
        room = setup.class_by_code(class_code)
        subjects = setup.subjects_of_grade(room.grade)
        assert wb.sheetnames[:2] == ["Bìa", "Danh sách lớp"]
        assert wb.sheetnames[-2:] == ["Tổng hợp các môn", "Tổng hợp kết quả"]
        assert len(wb.sheetnames) == len(subjects) + 4
        values = demo_ledger.scores_of_class(class_code)
        results = approved(demo_ledger, setup, class_code)
        for subject, name in zip(subjects, wb.sheetnames[2:-2], strict=True):
            ws = wb[name]
            assert len(name) <= 31 and (name == subject.name or len(subject.name) > 31)
            assert ws["A1"].value == f"MÔN {subject.name.upper()}"
            scored = subject.mode is AssessmentMode.SCORE
            result, year = ("ĐTB mhk", "ĐTB mcn") if scored else ("KQ", "KQ CN")
            heads = [ws.cell(5, c).value for c in range(3, 3 + 2 * len(subject.columns) + 3)]
            assert heads == [*subject.columns, result, *subject.columns, result, year]
            assert [ws.cell(4, c).value for c in (1, 2, 3)] == ["STT", "Họ và tên", "Học kì I"]
            for number, student in enumerate(results, start=1):
                row = FIRST + number - 1
                assert (ws.cell(row, 1).value, ws.cell(row, 2).value) == (number, student.name)
                cells = [ws.cell(row, 3 + i) for i in range(len(heads))]
                expected = subject_row(subject, student, values, class_code, year=True)
                assert [shown(c.value) for c in cells] == expected, (class_code, subject.code)
                for cell, text in zip(cells, expected, strict=True):
                    if text and text[0].isdigit():  # a score: a number shown with one decimal
                        assert isinstance(cell.value, int | float) and cell.number_format == "0.0"
                exempt = subject.code in student.exempt
                seen["exempt" if exempt else "score" if scored else "comment"] += 1
            found = texts(ws)
            teacher = teacher_of(setup, class_code, subject.code)
            assert f"Giáo viên bộ môn: {teacher}" in found
            assert {"GIÁO VIÊN BỘ MÔN", "(Kí, ghi rõ họ tên)", teacher} <= set(found)
    assert min(seen.values()) >= 1, seen


@pytest.mark.slow
def test_the_summary_sheets_hold_each_student_s_year(
    demo_year: DemoYear, demo_ledger: Ledger, story: dict[str, str], year_workbooks: dict[str, Path]
) -> None:
    _, _, demo = demo_year
    setup = demo.setup
    chain = demo_ledger.chain_head()
    for class_code, path in year_workbooks.items():
        wb = openpyxl.load_workbook(path)
        subjects = setup.subjects_of_grade(setup.class_by_code(class_code).grade)
        names = {s.code: s.name for s in subjects}
        values = demo_ledger.scores_of_class(class_code)
        marks, levels = wb["Tổng hợp các môn"], wb["Tổng hợp kết quả"]
        assert [marks.cell(4, 3 + i).value for i in range(len(subjects))] == list(names.values())
        for number, result in enumerate(approved(demo_ledger, setup, class_code), start=1):
            row = row_of(marks, number, result.name)
            got = [shown(marks.cell(row, 3 + i).value) for i in range(len(subjects))]
            assert got == [subject_row(s, result, values, class_code, True)[-1] for s in subjects]
            row = FIRST + number - 1  # the levels' table, under two heading rows
            assert (levels.cell(row, 1).value, levels.cell(row, 2).value) == (number, result.name)
            year = result.year
            final = year.final
            expected = [
                *(level(h.learning) for h in (result.hk1, result.hk2, year)),
                *(level(h.conduct) for h in (result.hk1, result.hk2, year)),
                year.outcome.value if year.outcome else "",
                final.value if final in FINAL and final else "chưa có",
                year.award.value if year.award else "",
            ]  # fmt: skip
            got = [shown(levels.cell(row, c).value) for c in (*range(3, 9), 11, 12, 13)]
            assert got == expected, result.code
            absences = [levels.cell(row, c).value for c in (9, 10)]
            assert absences == [year.excused, year.unexcused], result.code
            if year.outcome not in (None, Outcome.PROMOTED):  # the summer's line
                line = next(r for r in range(row + 1, levels.max_row + 1)
                            if levels.cell(r, 2).value == result.name)  # fmt: skip
                assert levels.cell(line, 1).value == number
                assert [shown(levels.cell(line, c).value) for c in (3, 7, 12)] == [
                    proposal_text(year, names), summer_text(result, names), final_text(result)
                ]  # fmt: skip
        found = texts(levels)
        homeroom = setup.teacher_by_code(setup.class_by_code(class_code).homeroom_teacher)
        assert {"GIÁO VIÊN CHỦ NHIỆM", "HIỆU TRƯỞNG", homeroom.full_name} <= set(found)
        assert any(t.startswith("Kết quả cả năm: đã duyệt ngày") for t in found)
        assert any(t.endswith(f"lúc in: {chain}") for t in found)
    # the story is what its name says, and its students are in the books read
    kept = approved(demo_ledger, setup, class_of(setup, story["kept back"]))
    assert next(r for r in kept if r.code == story["kept back"]).year.final is Outcome.RETAINED
    awarded = approved(demo_ledger, setup, class_of(setup, story["award"]))
    assert next(r for r in awarded if r.code == story["award"]).year.award is not None


@pytest.mark.slow
def test_the_cover_and_the_roster(demo_year: DemoYear, year_workbooks: dict[str, Path]) -> None:
    _, _, demo = demo_year
    setup = demo.setup
    class_code, path = next(iter(year_workbooks.items()))
    wb = openpyxl.load_workbook(path)
    cover = texts(wb["Bìa"])
    room = setup.class_by_code(class_code)
    students = setup.students_of(class_code)
    assert {"SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH", f"LỚP {class_code}", setup.school.name,
            f"{class_code} (khối {room.grade})"} <= set(cover)  # fmt: skip
    assert f"{len(students)} (nam: " in " ".join(cover)
    roster = wb["Danh sách lớp"]
    assert [roster.cell(3, c).value for c in range(1, 6)] == [
        "STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính"
    ]  # fmt: skip
    for i, student in enumerate(students):
        cells = [roster.cell(4 + i, c).value for c in range(1, 6)]
        birth = student.birth_date.strftime("%d/%m/%Y")
        assert cells == [i + 1, student.code, student.full_name, birth, student.gender.value]


# --- printing ------------------------------------------------------------------------------------


def column_pixels(ws: Worksheet, last: int) -> int:
    """The pixels columns A to ``last`` take (Calibri 11: 7 a character; 8.43 by default)."""
    widths = [8.43 + 0.71] * last
    for dim in ws.column_dimensions.values():
        for col in range(dim.min or 1, (dim.max or 0) + 1):
            if col <= last and dim.width:
                widths[col - 1] = dim.width
    return round(sum(7 * w for w in widths))


def check_printing(
    ws: Worksheet, running_head: str, chain: str, orientation: str, pages: str = "&N"
) -> None:
    """A4 in ``orientation``, one page wide (as many tall as the rows need, or fitted to one
    page) at 8 pt at least, headings repeated, print area over everything written, the running
    head and the chain head in the margins, «Trang x/y» with y ``pages`` (a pattern)."""
    setup = ws.page_setup
    assert (setup.orientation, int(setup.paperSize or 0)) == (orientation, A4), ws.title
    assert ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
    tall = 1 if setup.fitToHeight is None else setup.fitToHeight  # 1 when not written
    assert (setup.fitToWidth or 1, tall) in ((1, 0), (1, 1)), ws.title
    assert re.fullmatch(r"\$\d+:\$\d+", ws.print_title_rows or ""), ws.title
    first = int(ws.print_title_rows.split(":")[0][1:])
    assert any(ws.cell(first, c).value for c in range(1, 4))  # the headings' row
    match = re.search(r"!\$A\$1:\$([A-Z]+)\$(\d+)$", str(ws.print_area))
    assert match, ws.print_area
    last_col = openpyxl.utils.column_index_from_string(match[1])
    last_row = int(match[2])
    written = [(c.row, c.column) for row in ws.iter_rows() for c in row if c.value is not None]
    reach = [c for _, c in written] + [m.max_col for m in ws.merged_cells.ranges]
    assert max(r for r, _ in written) == last_row and max(reach) == last_col, ws.title
    margins = ws.page_margins
    page = (PAGE_INCHES[orientation] - margins.left - margins.right) * 96
    scale = min(1.0, page / column_pixels(ws, last_col))
    if tall:  # fitted to one page: scaled down to its height too (to a whole percent)
        room = (PAGE_TALL[orientation] - margins.top - margins.bottom) * 72
        rows = sum(ws.row_dimensions[r].height or 15 for r in range(1, last_row + 1))
        scale = min(scale, int(100 * room / rows) / 100)
    smallest = min((c.font.sz or 11) for row in ws.iter_rows() for c in row if c.value)
    assert smallest * scale >= 8, (ws.title, smallest, scale)
    assert ws.HeaderFooter.scaleWithDoc is False  # the margins' 8 pt stay 8 pt
    assert ws.oddHeader.left.size == 8 and str(ws.oddHeader.left.text).startswith(running_head)
    assert ws.oddFooter.left.text == f"Mã kiểm tra sổ: {chain[:16]}…"
    assert re.fullmatch(f"Trang &P/{pages}", str(ws.oddFooter.right.text)), ws.title


def running_head(setup: Setup, class_code: str, period: str) -> str:
    year = setup.school.school_year
    return f"Sổ theo dõi và đánh giá học sinh – Lớp {class_code} – Năm học {year} – {period}"


def orientations(wb: Workbook, book: ClassBook) -> dict[str, str]:
    """Each sheet's orientation: its PDF part's (cover and roster portrait)."""
    wide = [False, False, *(page.table.wide for page in book.subjects), book.results.wide,
            book.levels.wide]  # fmt: skip
    return {name: "landscape" if w else "portrait"
            for name, w in zip(wb.sheetnames, wide, strict=True)}  # fmt: skip


@pytest.mark.slow
def test_every_sheet_prints_like_the_pdf(
    demo_year: DemoYear, demo_ledger: Ledger, year_workbooks: dict[str, Path]
) -> None:
    _, _, demo = demo_year
    chain = demo_ledger.chain_head()
    for class_code, path in year_workbooks.items():
        wb: Workbook = openpyxl.load_workbook(path)
        assert wb.properties.description == f"Mã kiểm tra sổ: {chain}"
        head = running_head(demo.setup, class_code, "Cả năm")
        book = class_book(demo_ledger, demo.setup, class_code, RESULTS_DAY, None)
        shapes = orientations(wb, book)
        assert shapes["Tổng hợp kết quả"] == "landscape"  # the year's outcome beside the levels
        for ws in wb.worksheets:
            check_printing(ws, head, chain, shapes[ws.title])
        for page, name in zip(book.subjects, wb.sheetnames[2:-2], strict=True):
            ws = wb[name]
            assert ws.print_title_rows == "$4:$5"
            assert page.pages == 1 and ws.page_setup.fitToHeight in (None, 1)  # one page
            assert str(ws.oddHeader.left.text) == f"{head} – Môn {page.name}"


# --- semester 1, the files, a student with values missing ----------------------------------------


@pytest.mark.slow
def test_write_class_books_writes_the_workbook_beside_the_pdf(
    demo_year: DemoYear, demo_ledger: Ledger, story: dict[str, str], tmp_path: Path
) -> None:
    """Semester 1: the PDF and the workbook, its sheets semester 1 only, the levels portrait."""
    _, _, demo = demo_year
    setup = demo.setup
    class_code = class_of(setup, story["exempt"])
    written = write_class_books(demo_ledger, setup, tmp_path, RESULTS_DAY, 1, [class_code])
    pdf = class_book_path(tmp_path, class_code, 1)
    assert written == [pdf, pdf.with_suffix(".xlsx")]
    assert pdf.read_bytes()[:4] == b"%PDF" and written[1].read_bytes()[:4] == b"PK\x03\x04"
    wb = openpyxl.load_workbook(written[1])
    head = running_head(setup, class_code, "Học kì I")
    chain = demo_ledger.chain_head()
    shapes = orientations(wb, class_book(demo_ledger, setup, class_code, RESULTS_DAY, 1))
    assert shapes["Tổng hợp kết quả"] == "portrait"
    for ws in wb.worksheets:
        check_printing(ws, head, chain, shapes[ws.title])
        assert "Học kì II" not in texts(ws) and "HKII" not in texts(ws)
    values = demo_ledger.scores_of_class(class_code)
    results = approved(demo_ledger, setup, class_code, ("HK1",))
    room = setup.class_by_code(class_code)
    levels = wb["Tổng hợp kết quả"]
    for number, result in enumerate(results, start=1):
        for subject, name in zip(setup.subjects_of_grade(room.grade), wb.sheetnames[2:-2],
                                 strict=True):  # fmt: skip
            ws = wb[name]
            row = row_of(ws, number, result.name)
            got = [shown(ws.cell(row, 3 + i).value) for i in range(len(subject.columns) + 1)]
            assert got == subject_row(subject, result, values, class_code, year=False)
        row = row_of(levels, number, result.name)
        hk1 = result.hk1
        assert [levels.cell(row, c).value for c in range(3, 7)] == [
            level(hk1.learning), level(hk1.conduct), hk1.excused, hk1.unexcused
        ]  # fmt: skip
    assert any(t.startswith("Kết quả học kì I: đã duyệt ngày") for t in texts(levels))


@pytest.mark.slow
def test_a_student_without_semester_two_is_blank_not_guessed(
    demo_year: DemoYear, demo_ledger: Ledger, tmp_path: Path
) -> None:
    """A student who left after semester 1: semester 1 as entered, every later value a blank
    cell, the missing inputs listed, the year not approved."""
    _, _, demo = demo_year
    setup = demo.setup
    room = setup.classes[0]
    leaver = setup.students_of(room.code)[0]
    values = {k: v for k, v in demo_ledger.scores_of_class(room.code).items()
              if k[1] != leaver.code or k[0].semester == 1}  # fmt: skip
    late = confirmed_late(setup, demo_ledger.first_received(room.code))
    results = student_results(setup, room.code, values, RESULTS_DAY,
                              received=demo_ledger.received_keys(room.code), late=late)  # fmt: skip
    book = build_class_book(setup, room, None, results, values, {}, demo_ledger.chain_head(),
                            RESULTS_DAY)  # fmt: skip
    wb = openpyxl.load_workbook(write_class_book_xlsx(tmp_path / "leaver.xlsx", book))
    for subject, name in zip(setup.subjects_of_grade(room.grade), wb.sheetnames[2:-2],
                             strict=True):  # fmt: skip
        ws = wb[name]
        row = row_of(ws, 1, leaver.full_name)
        width = len(subject.columns)
        cells = [ws.cell(row, 3 + i).value for i in range(2 * width + 3)]
        assert [shown(c) for c in cells] == subject_row(
            subject, results[0], values, room.code, True
        )
        assert all(c is not None for c in cells[:width]) and cells[width] is not None
        assert cells[width + 1 :] == [None] * (width + 2), subject.code  # nothing guessed
    marks, levels = wb["Tổng hợp các môn"], wb["Tổng hợp kết quả"]
    assert all(c.value is None for c in marks[row_of(marks, 1, leaver.full_name)][2:])
    row = row_of(levels, 1, leaver.full_name)
    assert [levels.cell(row, c).value for c in (4, 5, 7, 8, 11, 12, 13)] == [None] * 7
    found = texts(levels)
    assert "Chưa tính được kết quả, còn thiếu:" in found
    assert any(t.startswith(f"{leaver.full_name}: ") for t in found)
    assert "Kết quả cả năm của lớp chưa được Hiệu trưởng duyệt." in found


# --- what the workbooks share --------------------------------------------------------------------


def test_sheet_names_are_short_unique_and_legal() -> None:
    taken = {"bìa"}
    names = [sheet_name(text, taken) for text in (
        "Toán", "Hoạt động trải nghiệm, hướng nghiệp", "Nội dung giáo dục của địa phương",
        "TOÁN", "Bìa", "Văn/Tiếng Việt: [đọc]?",
    )]  # fmt: skip
    assert names == ["Toán", "Hoạt động trải nghiệm, hướng…", "Nội dung giáo dục của địa…",
                     "TOÁN (2)", "Bìa (2)", "Văn_Tiếng Việt_ _đọc__"]  # fmt: skip
    assert all(len(name) <= 31 for name in names)


def test_a_signature_block_is_not_cut_by_a_page_break(tmp_path: Path) -> None:
    """Portrait A4 holds 755 pt: after 48 rows of 15 pt a block of 135 pt moves to the next
    page; after 20 rows it stays."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    ws = wb.add_worksheet()
    for row in range(48):
        ws.set_row(row, 15)
    assert rows_to_next_page(ws, 20, 135, landscape=False, repeat=(0, 1)) == 0
    blank = rows_to_next_page(ws, 48, 135, landscape=False, repeat=(0, 1))
    assert (48 + blank) * 15 > 755 * 1.08  # past the end of the roomiest page
    assert 30 + 135 <= 755 * 0.92  # and the next page holds the headings and the block
    wb.close()


# --- a subject's pages, by class size ------------------------------------------------------------


def sized_book(setup: Setup, size: int, semester: int | None, five_tx: bool = False) -> ClassBook:
    """The book of the first class with ``size`` students (its own, copied; no values yet);
    ``five_tx``: its Toán with a study-topic cluster, five TX a semester (a landscape table)."""
    room = setup.classes[0]
    own = setup.students_of(room.code)
    students = [replace(own[i % len(own)], code=f"X{i:04d}") for i in range(size)]
    others = tuple(s for s in setup.students if s.class_code != room.code)
    subjects = tuple(
        replace(s, study_topic=True) if five_tx and s.code == "TOAN" else s for s in setup.subjects
    )
    sized = replace(setup, students=(*others, *students), subjects=subjects, exemptions=(),
                    movements=())  # fmt: skip
    day = date(2026, 6, 15)
    results = student_results(sized, room.code, {}, day)
    return build_class_book(sized, room, semester, results, {}, {}, "ab" * 32, day)


def part_pages(path: Path, names: list[str]) -> list[int]:
    """The pages of each subject's part in a printed book (PDF): by the running head."""
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    heads = [next((line for line in page.splitlines() if line.strip()), "")
             for page in done.stdout.split("\f")]  # fmt: skip
    return [sum(1 for head in heads if head.rstrip().endswith(f"– Môn {name}")) for name in names]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_each_subject_sheet_prints_on_as_many_pages_as_the_pdf(
    small_school: Setup, tmp_path: Path
) -> None:
    """Printed through LibreOffice, a subject's sheet takes the pages its part of the PDF
    does (as :attr:`SubjectPage.pages` counts them): one for a class of up to 50 (the sheet
    used to spill the signature block onto a second page, alone under the repeated headings,
    from about 30 students); at 53 the year's scored subjects two, their signature block on a
    page of its own, as in the PDF; a landscape table (five TX) one page for a small class, two
    for a large one."""
    cases = [(1, None, False), (30, 1, False), (45, None, False), (50, 1, False),
             (50, None, False), (53, None, False), (20, None, True), (45, None, True)]  # fmt: skip
    books = [sized_book(small_school, size, semester, five_tx) for size, semester, five_tx in cases]
    stems = [f"{size}-{semester or 'CN'}-{five_tx}" for size, semester, five_tx in cases]
    pdfs, printed = print_both(tmp_path, stems, books)
    for case, book, pdf, sheets in zip(cases, books, pdfs, printed, strict=True):
        names = [page.name for page in book.subjects]
        expected = part_pages(pdf, names)
        assert [page.pages for page in book.subjects] == expected, case
        assert part_pages(sheets, names) == expected, case
        wide = [page.table.wide for page in book.subjects]
        assert any(wide) == case[2], case
        if case[0] <= 50:
            assert expected == [2 if w and case[0] > 30 else 1 for w in wide], case
        else:
            assert expected == [2 if page.scored else 1 for page in book.subjects], case


def print_both(
    tmp_path: Path, stems: list[str], books: list[ClassBook]
) -> tuple[list[Path], list[Path]]:
    """Each book's PDF, and its workbook printed through LibreOffice (one run for all)."""
    pdfs = [write_pdf(tmp_path / f"{stem}-pdf.pdf", render_class_book_html(book))
            for stem, book in zip(stems, books, strict=True)]  # fmt: skip
    workbooks = [write_class_book_xlsx(tmp_path / f"{stem}.xlsx", book)
                 for stem, book in zip(stems, books, strict=True)]  # fmt: skip
    return pdfs, soffice_convert(workbooks, tmp_path, fmt="pdf")


def front_and_summary_pages(path: Path) -> dict[str, int]:
    """The pages of a printed book (PDF) by part: the cover, the roster, the summary's subjects'
    results («res») and its levels, approvals and signature blocks («levels»)."""
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    counts = dict.fromkeys(("cover", "roster", "res", "levels"), 0)
    for page in done.stdout.split("\f"):
        lines = [line for line in page.splitlines() if line.strip()]
        if not lines or "– Môn " in lines[0]:
            continue
        if "– Tổng hợp" in lines[0]:
            top = "\n".join(lines[:14])
            counts["res" if "Ngữ văn" in top and "Kết quả rèn luyện" not in page else "levels"] += 1
        else:
            counts["roster" if "Mã học sinh" in page else "cover"] += 1
    return counts


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_the_roster_and_the_summary_print_on_as_many_pages_as_the_pdf(
    small_school: Setup, tmp_path: Path
) -> None:
    """Printed through LibreOffice, the roster of a class of 53 took two pages (rows of 15 pt)
    where the PDF's is one, and the summary's second sheet of semester 1 two where the PDF's
    part is one: their students' rows are now 12.75 pt, and a part the PDF lays out on one page
    (:attr:`ClassBook.roster_pages`, :attr:`ClassBook.levels_pages`, a table of one block) is
    fitted to one page, never below 8 pt."""
    cases = [(12, 1), (40, 1), (53, 1), (12, None)]
    # no values: nothing would be complete
    books = [
        replace(sized_book(small_school, size, semester), missing=()) for size, semester in cases
    ]
    stems = [f"{size}-{semester or 'CN'}" for size, semester in cases]
    pdfs, printed = print_both(tmp_path, stems, books)
    for case, book, pdf, sheets in zip(cases, books, pdfs, printed, strict=True):
        expected = front_and_summary_pages(pdf)
        assert (expected["cover"], expected["roster"]) == (1, book.roster_pages), case
        assert expected["levels"] == book.levels_pages, case
        assert front_and_summary_pages(sheets) == expected, case
