"""The học bạ as print-ready Excel (issue 12, item 6): a workbook per class, a sheet per student.

The demo's year is rendered from its ledger and read back with openpyxl: every value of a
student's sheet equals what the rules module computes from the ledger (averages from the
entered values) or the class's results as the principal approved them; the student's comments
are the ledger's; each sheet prints on A4 portrait, one page wide, the student's name on every
page, the running head and the chain head in the margins."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from tests.helpers import soffice_convert
from tests.test_books_class import pdf_pages
from tests.test_books_class_xlsx import check_printing, shown, subject_row, texts
from workbook_engine.approvals import approved_result, result_text
from workbook_engine.demo.run import RESULTS_DAY, DemoResult
from workbook_engine.io.kinds.score import NOTE_KEY
from workbook_engine.io.master_workbook import proposal_text, re_exam_text
from workbook_engine.model import SUMMER, ExemptionScope, Setup, SheetKey
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.result_approval import class_results
from workbook_engine.render.books.hocba import (
    class_path,
    class_records,
    final_text,
    student_record,
    write_hocba,
)
from workbook_engine.render.books.hocba_xlsx import write_hocba_xlsx
from workbook_engine.results import CONDUCT_CODE, StudentResult, confirmed_late, student_results
from workbook_engine.rules import Level, Outcome

DemoYear = tuple[DataDir, Path, DemoResult]  # the session's ``demo_year`` (tests/conftest.py)
Values = Mapping[tuple[SheetKey, str, str], str]
IDENTITY = 7  # the row naming the student (1-based), repeated atop every page
TITLE = "Học bạ lớp {} – năm học {}"


def level(value: Level | None) -> str:
    return value.value if value is not None else "chưa có"


def find(ws: Worksheet, label: str, column: int = 1) -> int:
    """The row whose cell in ``column`` reads ``label``."""
    rows = [r for r in range(1, ws.max_row + 1) if ws.cell(r, column).value == label]
    assert len(rows) == 1, (ws.title, label, rows)
    return rows[0]


def homeroom_text(values: Values, class_code: str, student: str) -> str:
    """The homeroom teacher's comments (NX of the conduct sheet), each semester's labelled when
    there are two or more; the same text twice is kept once, under the later semester."""
    found: list[tuple[str, str]] = []
    for number, label in ((1, "HKI"), (2, "HKII"), (SUMMER, "Hè")):
        text = values.get((SheetKey(class_code, CONDUCT_CODE, number), student, NOTE_KEY), "")
        if text.strip():
            found = [(lab, t) for lab, t in found if t != text.strip()] + [(label, text.strip())]
    if len(found) > 1:
        return "\n".join(f"{lab}: {t}" for lab, t in found)
    return found[0][1] if found else "chưa có"


def check_sheet(
    ws: Worksheet, setup: Setup, result: StudentResult, values: Values, class_code: str
) -> None:
    """One student's sheet against their results (as approved) and the ledger."""
    student = next(s for s in setup.students if s.code == result.code)
    room = setup.class_by_code(class_code)
    homeroom = setup.teacher_by_code(room.homeroom_teacher).full_name
    identity = [[ws.cell(r, c).value for c in (1, 3, 7, 8)] for r in range(IDENTITY, IDENTITY + 3)]
    assert identity == [
        ["Họ và tên học sinh:", result.name, "Mã học sinh:", result.code],
        ["Ngày sinh:", student.birth_date.strftime("%d/%m/%Y"), "Giới tính:",
         student.gender.value],
        ["Giáo viên chủ nhiệm:", homeroom, "Lớp:", f"{class_code} (khối {room.grade})"],
    ]  # fmt: skip
    subjects = setup.subjects_of_grade(room.grade)
    names = {s.code: s.name for s in subjects}
    first = find(ws, "TT") + 2
    year = result.year
    for i, subject in enumerate(subjects):
        row = first + i
        assert [ws.cell(row, c).value for c in (1, 2)] == [i + 1, subject.name]
        cells = [shown(ws.cell(row, c).value) for c in (3, 4, 5, 6)]
        if subject.code in result.exempt:
            assert cells == ["Miễn", "", "", ""] and ws.cell(row, 7).value == "Được miễn học cả môn"
            continue
        line = subject_row(subject, result, values, class_code, year=True)
        width = len(subject.columns)
        averages = [line[width], line[2 * width + 1], line[-1]]
        summer = year.summer
        re_exam = ""
        if subject.code in year.re_exam or (summer is not None and subject.code in summer.re_exam):
            got = summer.re_exam.get(subject.code) if summer is not None else None
            re_exam = result_text(got) or "chưa có"
        assert cells == [*averages, re_exam], (result.code, subject.code)
        for col, text in zip((3, 4, 5, 6), cells, strict=True):
            if text[:1].isdigit():  # a score: a number shown with one decimal
                cell = ws.cell(row, col)
                assert isinstance(cell.value, int | float) and cell.number_format == "0.0"
        teacher = next(setup.teacher_by_code(a.teacher_code).full_name for a in setup.assignments
                       if (a.class_code, a.subject_code) == (class_code, subject.code))  # fmt: skip
        assert str(ws.cell(row, 7).value).split("\n")[-1] == teacher
    periods = [("Học kì I", result.hk1), ("Học kì II", result.hk2), ("Cả năm", year)]
    for label, half in periods:
        row = find(ws, label)
        got = [ws.cell(row, c).value for c in (3, 5, 7, 8)]
        assert got == [level(half.learning), level(half.conduct), half.excused, half.unexcused]
    if year.summer is not None:
        row = find(ws, "Sau kì nghỉ hè")
        trained = year.outcome in (Outcome.SUMMER_TRAINING, Outcome.RE_EXAM_AND_TRAINING)
        after = [level(year.summer.learning) if year.re_exam or year.summer.re_exam else "",
                 level(year.summer.conduct) if trained else ""]  # fmt: skip
        assert [shown(ws.cell(row, c).value) for c in (3, 5)] == after
    facts = {ws.cell(r, 1).value: ws.cell(r, 3).value for r in range(first, ws.max_row + 1)}
    assert facts["Đề nghị cuối năm"] == proposal_text(year, names)
    assert facts["Xét lên lớp"] == final_text(result)
    assert facts["Danh hiệu"] == (year.award.value if year.award else "Không")
    if year.summer is not None and year.re_exam:
        assert facts["Kết quả kiểm tra lại"] == re_exam_text(year.summer, names)
    box = ws.cell(find(ws, "4. Nhận xét của giáo viên chủ nhiệm") + 1, 1).value
    assert box == homeroom_text(values, class_code, result.code)
    found = texts(ws)
    assert any(t.startswith("Kết quả cả năm: đã duyệt ngày") for t in found)
    assert {"GIÁO VIÊN CHỦ NHIỆM", "(Kí, ghi rõ họ tên, đóng dấu)", homeroom} <= set(found)


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_ledger(demo_year: DemoYear) -> Iterator[Ledger]:
    data, _, _ = demo_year
    with Ledger.open_readonly(data.ledger) as ledger:
        yield ledger


@pytest.fixture(scope="module")
def story(demo_year: DemoYear) -> list[str]:
    """The students whose year tells a story: re-exams, kept back, summer training, the best,
    the one wholly exempt from a subject."""
    _, _, demo = demo_year
    cohort, setup = demo.cohort, demo.setup
    exempt = next(e.student_code for e in setup.exemptions if e.scope is ExemptionScope.WHOLE)
    return list(dict.fromkeys([*cohort.failing, cohort.kept_back, cohort.training,
                               *cohort.strong, exempt]))  # fmt: skip


@pytest.fixture(scope="module")
def workbooks(
    demo_year: DemoYear, demo_ledger: Ledger, story: list[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Path]:  # fmt: skip
    """The story students' classes, a workbook each (no PDF): class → path."""
    _, _, demo = demo_year
    setup = demo.setup
    folder = tmp_path_factory.mktemp("hocba-xlsx")
    classes = sorted({s.class_code for s in setup.students if s.code in story})
    return {
        code: write_hocba_xlsx(
            folder / f"{code}.xlsx",
            class_records(demo_ledger, setup, code, RESULTS_DAY),
            TITLE.format(code, setup.school.school_year),
        )
        for code in classes
    }


def approved_results(ledger: Ledger, setup: Setup, class_code: str) -> list[StudentResult]:
    results, _ = class_results(setup, ledger, class_code, RESULTS_DAY)
    approvals = ledger.approved_results(class_code)
    return [approved_result(r, approvals) for r in results]


# --- the values ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_each_student_s_sheet_holds_the_ledger_and_the_rules(
    demo_year: DemoYear, demo_ledger: Ledger, story: list[str], workbooks: dict[str, Path]
) -> None:
    _, _, demo = demo_year
    setup = demo.setup
    outcomes, exempt = set(), 0
    for class_code, path in workbooks.items():
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == [s.code for s in setup.students_of(class_code)]
        assert wb.properties.title == TITLE.format(class_code, setup.school.school_year)
        values = demo_ledger.scores_of_class(class_code)
        for result in approved_results(demo_ledger, setup, class_code):
            check_sheet(wb[result.code], setup, result, values, class_code)
            outcomes.add(result.year.final)
            exempt += bool(result.exempt)
    assert {Outcome.PROMOTED, Outcome.RETAINED} <= outcomes and exempt >= 1
    assert {code for path in workbooks.values() for code in openpyxl.load_workbook(path).sheetnames
            } >= set(story)  # fmt: skip


@pytest.mark.slow
def test_the_subject_teachers_comments_are_labelled(
    demo_year: DemoYear, demo_ledger: Ledger, tmp_path: Path
) -> None:
    _, _, demo = demo_year
    setup = demo.setup
    room = setup.classes[0]
    raw = class_results(setup, demo_ledger, room.code, RESULTS_DAY)[0][0]
    approvals = demo_ledger.approved_results(room.code)
    result = approved_result(raw, approvals)
    notes = {
        (SheetKey(room.code, "NV", 1), result.code, NOTE_KEY): "Đọc hiểu tốt.",
        (SheetKey(room.code, "NV", 2), result.code, NOTE_KEY): "Cần luyện viết đoạn văn.",
        (SheetKey(room.code, "TIN", 1), result.code, NOTE_KEY): "Chăm chỉ.",
        (SheetKey(room.code, "TIN", 2), result.code, NOTE_KEY): "Chăm chỉ.",
    }
    values = {**demo_ledger.scores_of_class(room.code), **notes}
    record = student_record(setup, room, raw, values, approvals, demo_ledger.chain_head(),
                            RESULTS_DAY)  # fmt: skip
    path = write_hocba_xlsx(tmp_path / "c.xlsx", [record], "học bạ")
    ws = openpyxl.load_workbook(path)[result.code]
    names = {s.code: s.name for s in setup.subjects_of_grade(room.grade)}
    teachers = {a.subject_code: setup.teacher_by_code(a.teacher_code).full_name
                for a in setup.assignments if a.class_code == room.code}  # fmt: skip
    literature = find(ws, names["NV"], 2)
    assert ws.cell(literature, 7).value == (
        f"HKI: Đọc hiểu tốt.\nHKII: Cần luyện viết đoạn văn.\n{teachers['NV']}"
    )
    assert ws.cell(find(ws, names["TIN"], 2), 7).value == f"Chăm chỉ.\n{teachers['TIN']}"
    check_sheet(ws, setup, result, values, room.code)


# --- printing, the files, a student with values missing ------------------------------------------


@pytest.mark.slow
def test_every_sheet_prints_like_the_pdf(
    demo_year: DemoYear, demo_ledger: Ledger, workbooks: dict[str, Path]
) -> None:
    _, _, demo = demo_year
    setup = demo.setup
    chain = demo_ledger.chain_head()
    for class_code, path in workbooks.items():
        wb = openpyxl.load_workbook(path)
        assert wb.properties.description == f"Mã kiểm tra sổ: {chain}"
        for ws in wb.worksheets:
            student = next(s for s in setup.students if s.code == ws.title)
            head = (f"Học bạ năm học {setup.school.school_year} – Lớp {class_code} – "
                    f"{student.full_name} ({student.code})")  # fmt: skip
            check_printing(ws, head, chain, "portrait", pages=r"\d+")
            assert ws.oddHeader.left.text == head
            assert ws.print_title_rows == f"${IDENTITY}:${IDENTITY}"
            assert ws.cell(IDENTITY, 3).value == student.full_name
            # each student's pages numbered from 1, as their PDF's
            assert ws.page_setup.useFirstPageNumber and (ws.page_setup.firstPageNumber or 1) == 1
            assert any(t.endswith(f"lúc in: {chain}") for t in texts(ws))


@pytest.mark.slow
def test_each_student_s_pages_are_numbered_out_of_their_own(
    workbooks: dict[str, Path], tmp_path: Path
) -> None:
    """A class's workbook printed at once (through LibreOffice): each student's pages read
    «Trang 1/n» to «Trang n/n», n the student's own pages as in their PDF, not every page of
    the class («Trang 1/74» on a record of two pages)."""
    path = next(iter(workbooks.values()))
    codes = openpyxl.load_workbook(path).sheetnames
    (pdf,) = soffice_convert([path], tmp_path, fmt="pdf")
    pages = pdf_pages(pdf)
    for code in codes:
        own = [p for p in pages if f"({code})" in p.splitlines()[0]]
        numbers = [tuple(map(int, re.findall(r"Trang (\d+)/(\d+)", p)[-1])) for p in own]
        assert numbers == [(n, len(own)) for n in range(1, len(own) + 1)], code
    assert sum(1 for p in pages if re.search(r"Trang \d+/\d+", p)) == len(pages) > len(codes)


@pytest.mark.slow
def test_write_hocba_writes_the_class_workbook_beside_the_class_pdf(
    demo_year: DemoYear, demo_ledger: Ledger, tmp_path: Path
) -> None:
    _, _, demo = demo_year
    setup = demo.setup
    room = min(setup.classes, key=lambda c: len(setup.students_of(c.code)))
    roster = setup.students_of(room.code)
    written = write_hocba(demo_ledger, setup, tmp_path, RESULTS_DAY, classes=[room.code])
    whole = class_path(tmp_path, room.code)
    assert len(written) == len(roster) + 2 and written[-2:] == [whole, whole.with_suffix(".xlsx")]
    wb = openpyxl.load_workbook(written[-1])
    assert wb.sheetnames == [s.code for s in roster]
    values = demo_ledger.scores_of_class(room.code)
    for result in approved_results(demo_ledger, setup, room.code):
        check_sheet(wb[result.code], setup, result, values, room.code)
    # a student named: their PDF only, no class files
    only = write_hocba(demo_ledger, setup, tmp_path / "one", RESULTS_DAY,
                       students=[roster[0].code])  # fmt: skip
    assert [p.suffix for p in only] == [".pdf"]
    assert not list((tmp_path / "one").rglob("*.xlsx"))


@pytest.mark.slow
def test_a_student_who_left_mid_year_is_blank_not_guessed(
    demo_year: DemoYear, demo_ledger: Ledger, tmp_path: Path
) -> None:
    """Left after semester 1: semester 1 as computed, the rest blank or «chưa có», the
    missing inputs named, the year not approved."""
    _, _, demo = demo_year
    setup = demo.setup
    room = setup.classes[0]
    leaver = setup.students_of(room.code)[0].code
    values = {k: v for k, v in demo_ledger.scores_of_class(room.code).items()
              if k[1] != leaver or k[0].semester == 1}  # fmt: skip
    late = confirmed_late(setup, demo_ledger.first_received(room.code))
    results = student_results(setup, room.code, values, RESULTS_DAY,
                              received=demo_ledger.received_keys(room.code), late=late)  # fmt: skip
    result = next(r for r in results if r.code == leaver)
    first_only = {"HK1": demo_ledger.approved_results(room.code)["HK1"]}
    record = student_record(setup, room, result, values, first_only, demo_ledger.chain_head(),
                            RESULTS_DAY)  # fmt: skip
    ws = openpyxl.load_workbook(write_hocba_xlsx(tmp_path / "l.xlsx", [record], "học bạ"))[leaver]
    first = find(ws, "TT") + 2
    shown_first = approved_result(result, first_only)
    for i, subject in enumerate(setup.subjects_of_grade(room.grade)):
        hk1 = result_text(shown_first.hk1.averages.get(subject.code))
        assert hk1 and shown(ws.cell(first + i, 3).value) == hk1, subject.code
        assert [ws.cell(first + i, c).value for c in (4, 5, 6)] == [None] * 3, subject.code
    row = find(ws, "Học kì II")
    assert [ws.cell(row, c).value for c in (3, 5, 7, 8)] == ["chưa có", "chưa có", 0, 0]
    facts = {ws.cell(r, 1).value: ws.cell(r, 3).value for r in range(first, ws.max_row + 1)}
    assert facts["Xét lên lớp"] == facts["Danh hiệu"] == "chưa có"
    found = texts(ws)
    assert any(t.startswith("Chưa tính được kết quả, còn thiếu: ") for t in found)
    assert "Kết quả năm học chưa được Hiệu trưởng duyệt." in found
    assert any(t.startswith("Kết quả học kì I: đã duyệt ngày") for t in found)
