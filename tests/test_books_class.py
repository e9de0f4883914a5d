"""The class assessment book (Sổ theo dõi và đánh giá học sinh theo lớp, issue 12 item 1).

Fast tests check the layout's arithmetic (slots, page blocks); the slow ones render the demo's
year from its ledger and read the PDFs back with pdftotext: every value printed for the story
students (a re-exam, the one kept back, an exempt one, the awarded) equals what the results
module computes from the ledger as the principal approved it, each subject page carries its
teacher's name and signature block, every page "Trang x/y" and the chain head, and a class too
large for one page repeats the headings on each page of a subject."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import laid_out, text_past_cells
from workbook_engine.approvals import approved_result, result_text
from workbook_engine.cli import app
from workbook_engine.demo.run import RESULTS_DAY, DemoResult
from workbook_engine.io.master_workbook import proposal_text
from workbook_engine.model import ExemptionScope, Setup, SheetKey, Student, Subject
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.result_approval import class_results
from workbook_engine.render.books.class_book import (
    CHAIN_SHOWN,
    HEADINGS_MM,
    LANDSCAPE,
    TITLES_MM,
    Grid,
    Slot,
    blocks,
    build_class_book,
    class_book_path,
    heading_lines,
    lay_out,
    part_pages,
    render_class_book_html,
    rows_per_page,
    slot_line,
    slot_text,
    subject_legend,
    subject_slots,
    summer_text,
    write_class_books,
)
from workbook_engine.render.books.hocba import final_text
from workbook_engine.render.common import score_text, write_pdf
from workbook_engine.results import StudentResult, confirmed_late, student_results
from workbook_engine.rules import AssessmentMode, Level, Outcome

DemoYear = tuple[DataDir, Path, DemoResult]  # the session's ``demo_year`` (tests/conftest.py)
runner = CliRunner()


# --- the layout's arithmetic ---------------------------------------------------------------------


def test_values_sit_in_their_slots_with_the_commas_aligned() -> None:
    assert [slot_text(v) for v in ("8,5", "10,0", "Đ", "CĐ", "Miễn", "")] == [
        " 8,5 ", "10,0 ", "  Đ  ", "  CĐ ", "Miễn ", "     "
    ]  # fmt: skip
    assert slot_text("8,5", 6) == "  8,5 " and slot_text("10,0", 6) == " 10,0 "
    assert slot_text("3", 4) == "  3 " and slot_text("Chưa đạt", 10) == " Chưa đạt "
    slots = (Slot("TX1"), Slot("ĐTB mhk", result=True))
    assert slot_line(slots, ("7,0", "10,0")) == " 7,0 10,0 "


def test_rows_fill_each_page_and_every_row_is_placed_once() -> None:
    assert [(b.start, b.end) for b in blocks(45, 60, 64)] == [(0, 45)]
    assert [(b.start, b.end) for b in blocks(130, 60, 64)] == [(0, 60), (60, 124), (124, 130)]
    assert [(b.start, b.end) for b in blocks(0, 60, 64)] == [(0, 0)]


def test_a_table_too_wide_for_portrait_is_landscape() -> None:
    """A subject of 5 TX a semester (a study topic cluster): 17 slots and the names do not fit
    a portrait page; its pages are landscape, fewer rows each."""
    fifteen = Grid(tuple(Slot(f"TX{i}") for i in range(15)), ())
    seventeen = Grid(tuple(Slot(f"TX{i}") for i in range(17)), ())
    portrait, landscape = lay_out(fifteen, 45, 44.0), lay_out(seventeen, 45, 44.0)
    assert not portrait.wide and landscape.wide
    assert len(portrait.blocks) == 1 and len(landscape.blocks) == 2
    assert portrait.width_mm <= 178.0 and landscape.width_mm <= 269.0


def test_a_subject_s_signature_block_takes_a_page_of_its_own_when_the_last_is_full() -> None:
    """As weasyprint lays a part out (measured): the year's scored subject (four heading lines,
    a legend of two lines) holds 52 students on a portrait page with its signature block, 29 on
    a landscape one; a commented one of semester 1 (two heading lines, a legend of one) 55 and
    30; a table of two pages holds its block under the last block unless that one is full."""
    year = subject_slots(Subject(6, "TOAN", "Toán", 140, AssessmentMode.SCORE), None)
    first = subject_slots(Subject(6, "GDTC", "Giáo dục thể chất", 70, AssessmentMode.COMMENT), 1)
    titles = ("Học kì I", "Học kì II", "Cả năm")
    legends = (subject_legend(True, True, False), subject_legend(False, False, False))

    def pages(slots: tuple[Slot, ...], legend: str, count: int, wide: bool) -> int:
        table = lay_out(Grid(slots, (), titles), count, 44.0)
        if wide:
            rows = rows_per_page(LANDSCAPE[1], TITLES_MM + HEADINGS_MM, HEADINGS_MM)
            table = replace(table, wide=True, blocks=blocks(count, *rows))
        return part_pages(table, legend)

    assert [heading_lines(Grid(slots, (), titles)) for slots in (year, first)] == [4, 2]
    for slots, legend, portrait, landscape in ((year, legends[0], 52, 29),
                                               (first, legends[1], 55, 30)):  # fmt: skip
        assert [pages(slots, legend, n, False) for n in (1, portrait, portrait + 1)] == [1, 1, 2]
        assert [pages(slots, legend, n, True) for n in (1, landscape, landscape + 1)] == [1, 1, 2]
    assert pages(year, legends[0], 70, False) == 2  # 60 rows, then 10 and the block
    assert pages(year, legends[0], 120, False) == 3  # 60 and 60 rows, then the block


@pytest.mark.slow
def test_every_heading_word_stays_inside_its_column(small_school: Setup) -> None:
    """The summary's subject names wrap in their narrow columns, a word a line at worst: no
    word runs over the rule into the next subject («nghiệm,» of «Hoạt động trải nghiệm, hướng
    nghiệp», «phương» of «Nội dung giáo dục của địa phương» did on a portrait page)."""
    room = small_school.classes[0]
    day = date(2026, 6, 15)
    names = " ".join(s.name for s in small_school.subjects_of_grade(room.grade))
    assert {"nghiệm,", "phương"} <= set(names.split())
    results = student_results(small_school, room.code, {}, day)
    for semester in (1, None):
        book = build_class_book(small_school, room, semester, results, {}, {}, "ab" * 32, day)
        assert text_past_cells(laid_out(render_class_book_html(book)), tags=("th",)) == []


# --- reading the PDF back ------------------------------------------------------------------------

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)
TOKEN = re.compile(r"^(\d+,\d|Đ|CĐ|Miễn)$")  # a value on a subject's or the summary's line


def pdf_pages(path: Path, *options: str) -> list[str]:
    done = subprocess.run(["pdftotext", *options, str(path), "-"], check=True,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    pages = done.stdout.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


@dataclass(frozen=True)
class Book:
    """A rendered book read back: its pages (layout), its text in drawing order (raw)."""

    path: Path
    pages: list[str]
    raw: str

    @classmethod
    def read(cls, path: Path) -> Book:
        raw = " ".join(" ".join(pdf_pages(path, "-raw")).split())
        return cls(path, pdf_pages(path, "-layout"), raw)

    def head(self, page: str) -> str:
        return next(line for line in page.splitlines() if line.strip())

    def body(self, page: str) -> str:
        """The page below its running header."""
        return page.split(self.head(page), 1)[1]

    def group(self, suffix: str) -> list[str]:
        """The pages whose running header ends with ``suffix`` («Môn Toán», «Tổng hợp»)."""
        return [p for p in self.pages if self.head(p).rstrip().endswith(suffix)]


def row_line(pages: Sequence[str], number: int, name: str) -> str:
    """The line of student ``number`` (its STT and name) on ``pages``."""
    pattern = re.compile(rf"^\s*{number}\s+{re.escape(name)}(\s|$)")
    found = [line for page in pages for line in page.splitlines() if pattern.match(line)]
    assert len(found) == 1, (number, name, found)
    return found[0]


def tokens(line: str) -> list[str]:
    return [word for word in line.split() if TOKEN.match(word)]


def entered(value: str | None) -> str:
    return score_text(value) if value is not None and value.strip() else ""


def subject_values(
    subject: Subject, result: StudentResult, values: Mapping[tuple[SheetKey, str, str], str],
    class_code: str, year: bool,
) -> list[str]:  # fmt: skip
    """What a subject's line shows, blanks left out: TX…, GK, CK and the average per semester,
    the year's; «Miễn» in each result column for a wholly exempt student."""
    if subject.code in result.exempt:
        return ["Miễn"] * (3 if year else 1)
    row = []
    for n in (1, 2) if year else (1,):
        key = SheetKey(class_code, subject.code, n)
        row += [entered(values.get((key, result.code, column))) for column in subject.columns]
        half = result.hk1 if n == 1 else result.hk2
        row.append(result_text(half.averages.get(subject.code)))
    if year:
        row.append(result_text(result.year.averages.get(subject.code)))
    return [value for value in row if value]


def has_headings(body: str, subject: Subject, year: bool) -> bool:
    """A subject table's headings (the semesters, the year and the columns) on a page."""
    scored = subject.mode is AssessmentMode.SCORE
    words = ["STT", "Họ và tên", "Học kì I", *subject.columns, "ĐTB" if scored else "KQ"]
    if year:
        words += ["Học kì II", "Cả", "năm", "mcn" if scored else "CN"]
    return all(word in body for word in words) and ("Học kì II" in body) == year


def class_of(setup: Setup, student: str) -> str:
    return next(s.class_code for s in setup.students if s.code == student)


def teacher_of(setup: Setup, class_code: str, subject: str) -> str:
    code = next(a.teacher_code for a in setup.assignments
                if (a.class_code, a.subject_code) == (class_code, subject))  # fmt: skip
    return setup.teacher_by_code(code).full_name


def level(value: Level | None) -> str:
    return value.value if value is not None else ""


def check_pages(book: Book, class_code: str, chain: str) -> None:
    """Every page: the class in the running header, "Trang x/y", the chain head's prefix."""
    for number, page in enumerate(book.pages, start=1):
        assert f"Lớp {class_code} –" in book.head(page)
        assert f"Trang {number}/{len(book.pages)}" in page
        assert f"Mã kiểm tra sổ: {chain[:CHAIN_SHOWN]}…" in page
    assert f"Sổ này có {len(book.pages)} trang" in book.pages[0]
    assert chain in re.sub(r"\s+", "", book.pages[-1])  # the whole head at the end


def check_subject_pages(book: Book, setup: Setup, class_code: str, year: bool) -> None:
    """Each subject: a page group with the teacher's name, the headings on every page, the
    signature block at the end."""
    room = setup.class_by_code(class_code)
    for subject in setup.subjects_of_grade(room.grade):
        group = book.group(f"– Môn {subject.name}")
        assert group, subject.code
        teacher = teacher_of(setup, class_code, subject.code)
        assert f"Giáo viên bộ môn: {teacher}" in group[0]
        assert "GIÁO VIÊN BỘ MÔN" in group[-1] and "(Kí, ghi rõ họ tên)" in group[-1]
        assert teacher in group[-1].split("GIÁO VIÊN BỘ MÔN")[-1]
        for page in group:
            if re.search(r"^\s*\d+\s+\S", page, re.M):  # a page of rows repeats the headings
                assert has_headings(book.body(page), subject, year), subject.code


def check_student(
    book: Book, setup: Setup, ledger: Ledger, result: StudentResult, class_code: str
) -> None:
    """One student's lines of the year book against the results as approved."""
    room = setup.class_by_code(class_code)
    number = [s.code for s in setup.students_of(class_code)].index(result.code) + 1
    values = ledger.scores_of_class(class_code)
    subjects = setup.subjects_of_grade(room.grade)
    for subject in subjects:
        line = row_line(book.group(f"– Môn {subject.name}"), number, result.name)
        assert tokens(line) == subject_values(subject, result, values, class_code, True), (
            result.code, subject.code
        )  # fmt: skip
    year = result.year
    summary = book.group("– Tổng hợp")
    results = ["Miễn" if s.code in result.exempt else result_text(year.averages.get(s.code))
               for s in subjects]  # fmt: skip
    pattern = re.compile(rf"^\s*{number}\s+{re.escape(result.name)}(\s|$)")
    lines = [line for page in summary for line in page.splitlines() if pattern.match(line)]
    # the subjects' results, the levels, the details of a student not promoted outright
    assert len(lines) == (2 if year.outcome is Outcome.PROMOTED else 3), lines
    assert tokens(lines[0]) == [value for value in results if value]
    final = year.final
    shown = [
        *(level(h.learning) for h in (result.hk1, result.hk2, year)),
        *(level(h.conduct) for h in (result.hk1, result.hk2, year)),
        str(year.excused), str(year.unexcused),
        year.outcome.value if year.outcome else "",
        final.value if final in (Outcome.PROMOTED, Outcome.RETAINED) and final else "chưa có",
        year.award.value if year.award else "",
    ]  # fmt: skip
    expected = r"\s+".join(re.escape(value) for value in shown if value)
    assert re.match(rf"^\s*{number}\s+{re.escape(result.name)}\s+{expected}\s*$", lines[1]), (
        lines[1], shown
    )  # fmt: skip
    if year.outcome not in (None, Outcome.PROMOTED):  # the details, in drawing order
        names = {s.code: s.name for s in subjects}
        detail = [str(number), result.name, proposal_text(year, names),
                  summer_text(result, names), final_text(result)]  # fmt: skip
        assert " ".join(" ".join(detail).split()) in book.raw, detail


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
    strong = next(iter(cohort.strong))
    return {"re-exam": next(iter(cohort.failing)), "kept back": cohort.kept_back,
            "exempt": exempt, "award": strong}  # fmt: skip


@pytest.fixture(scope="module")
def year_books(
    demo_year: DemoYear, demo_ledger: Ledger, story: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Book]:  # fmt: skip
    """The year books of the story students' classes, rendered once."""
    _, _, demo = demo_year
    classes = {class_of(demo.setup, code) for code in story.values()}
    outbox = tmp_path_factory.mktemp("class-books")
    written = write_class_books(demo_ledger, demo.setup, outbox, RESULTS_DAY, None, sorted(classes))
    pdfs = [class_book_path(outbox, code, None) for code in sorted(classes)]
    assert written == [path for pdf in pdfs for path in (pdf, pdf.with_suffix(".xlsx"))]
    return {path.stem: Book.read(path) for path in pdfs}


@pytest.mark.slow
@needs_pdftotext
def test_the_story_students_read_back_as_computed(
    demo_year: DemoYear, demo_ledger: Ledger, story: dict[str, str], year_books: dict[str, Book]
) -> None:
    _, _, demo = demo_year
    setup = demo.setup
    chain = demo_ledger.chain_head()
    seen: dict[str, StudentResult] = {}
    for what, code in story.items():
        class_code = class_of(setup, code)
        results, _ = class_results(setup, demo_ledger, class_code, RESULTS_DAY)
        approvals = demo_ledger.approved_results(class_code)
        result = approved_result(next(r for r in results if r.code == code), approvals)
        check_student(year_books[class_code], setup, demo_ledger, result, class_code)
        seen[what] = result
    # the story is what its name says
    assert seen["re-exam"].year.outcome in (Outcome.RE_EXAM, Outcome.RE_EXAM_AND_TRAINING)
    assert seen["kept back"].year.final is Outcome.RETAINED
    assert seen["exempt"].exempt and seen["award"].year.award is not None
    for class_code, book in year_books.items():
        check_pages(book, class_code, chain)
        check_subject_pages(book, setup, class_code, year=True)
        homeroom = setup.teacher_by_code(setup.class_by_code(class_code).homeroom_teacher)
        last = book.pages[-1]
        assert "GIÁO VIÊN CHỦ NHIỆM" in last and homeroom.full_name in last
        assert "HIỆU TRƯỞNG" in last and "Kết quả cả năm: đã duyệt ngày" in book.raw


@pytest.mark.slow
@needs_pdftotext
def test_the_semester_one_book_shows_semester_one_only(
    demo_year: DemoYear, demo_ledger: Ledger, story: dict[str, str], tmp_path: Path
) -> None:
    _, _, demo = demo_year
    setup = demo.setup
    code = story["exempt"]
    class_code = class_of(setup, code)
    path, _ = write_class_books(demo_ledger, setup, tmp_path, RESULTS_DAY, 1, [class_code])
    assert path == tmp_path / "books" / "so-theo-doi" / "HK1" / f"{class_code}.pdf"
    book = Book.read(path)
    check_pages(book, class_code, demo_ledger.chain_head())
    check_subject_pages(book, setup, class_code, year=False)
    assert all("Học kì I" in book.head(page) for page in book.pages)
    results, _ = class_results(setup, demo_ledger, class_code, RESULTS_DAY)
    approvals = {"HK1": demo_ledger.approved_results(class_code)["HK1"]}
    values = demo_ledger.scores_of_class(class_code)
    room = setup.class_by_code(class_code)
    for number, raw in enumerate(results, start=1):
        result = approved_result(raw, approvals)
        for subject in setup.subjects_of_grade(room.grade):
            line = row_line(book.group(f"– Môn {subject.name}"), number, result.name)
            assert tokens(line) == subject_values(subject, result, values, class_code, False)
        levels = [line for page in book.group("– Tổng hợp") for line in page.splitlines()
                  if re.match(rf"^\s*{number}\s+{re.escape(result.name)}\s+(Tốt|Khá|Đạt|Chưa)",
                              line)]  # fmt: skip
        hk1 = result.hk1
        shown = [level(hk1.learning), level(hk1.conduct), str(hk1.excused), str(hk1.unexcused)]
        assert levels and re.search(r"\s+".join(map(re.escape, shown)) + r"\s*$", levels[0])
    assert "Kết quả học kì I: đã duyệt ngày" in book.raw
    assert "Đề nghị cuối năm" not in book.raw and "Kết quả cả năm" not in book.raw


@pytest.mark.slow
@needs_pdftotext
def test_a_large_class_repeats_the_headings_and_splits_no_student(
    demo_year: DemoYear, demo_ledger: Ledger, tmp_path: Path
) -> None:
    """70 students (the class's own, copied): each subject takes two pages, the headings on
    both, every student on one line, the pages laid out as counted."""
    _, _, demo = demo_year
    setup = demo.setup
    room = setup.classes[0]
    own = setup.students_of(room.code)
    values = dict(demo_ledger.scores_of_class(room.code))
    extra: list[Student] = []
    for i in range(70 - len(own)):
        model = own[i % len(own)]
        extra.append(replace(model, code=f"X{i:04d}", full_name=f"Trần Thị Bích Ngọc {i + 1}"))
        copied = [(key, column, value) for (key, who, column), value in values.items()
                  if who == model.code]  # fmt: skip
        values |= {(key, extra[-1].code, column): value for key, column, value in copied}
    large = replace(setup, students=(*setup.students, *extra))
    late = confirmed_late(large, demo_ledger.first_received(room.code))
    results = student_results(large, room.code, values, RESULTS_DAY,
                              received=demo_ledger.received_keys(room.code), late=late)  # fmt: skip
    assert len(results) == 70
    book = build_class_book(large, room, None, results, values, {}, demo_ledger.chain_head(),
                            RESULTS_DAY)  # fmt: skip
    path = write_pdf(tmp_path / "large.pdf", render_class_book_html(book))
    read = Book.read(path)
    for number, page in enumerate(read.pages, start=1):
        assert f"Trang {number}/{len(read.pages)}" in page
    for page_of in book.subjects:
        group = read.group(f"– Môn {page_of.name}")
        with_rows = [p for p in group if re.search(r"^\s*\d+\s+\S", p, re.M)]
        assert len(with_rows) == len(page_of.table.blocks) >= 2, page_of.code
        subject = large.subject(room.grade, page_of.code)
        for page in with_rows:
            assert has_headings(read.body(page), subject, True), page_of.code
        for number, result in enumerate(results, start=1):
            line = row_line(group, number, result.name)
            assert tokens(line) == subject_values(subject, result, values, room.code, True)
    summary = read.group("– Tổng hợp")
    for number, result in enumerate(results, start=1):
        lines = [line for page in summary for line in page.splitlines()
                 if re.match(rf"^\s*{number}\s+{re.escape(result.name)}(\s|$)", line)]  # fmt: skip
        assert len(lines) == 2, number


@pytest.mark.slow
def test_wbe_books_class_writes_the_year_book(demo_year: DemoYear, tmp_path: Path) -> None:
    data, _, demo = demo_year
    room = demo.setup.classes[0]
    outbox = tmp_path / "outbox"
    args = ["books", "class", "--class", room.code, "--year", "--data-dir", str(data.root),
            "--outbox", str(outbox), "--today", RESULTS_DAY.isoformat()]  # fmt: skip
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    assert sorted(outbox.rglob("*.pdf")) == [class_book_path(outbox, room.code, None)]
    assert "Đã ghi 2 tệp sổ theo dõi và đánh giá học sinh" in done.stdout  # the PDF, the xlsx
    both = runner.invoke(app, [*args, "--semester", "1"])
    assert both.exit_code == 1 and "cần chọn đúng một kì" in both.output
    second = runner.invoke(app, [*[a for a in args if a != "--year"], "--semester", "2"])
    assert second.exit_code == 1 and "--semester 1 (học kì I)" in second.output
    unknown = runner.invoke(app, [*args[:3], "NOPE", *args[4:]])
    assert unknown.exit_code == 1 and "«NOPE»" in unknown.output


@pytest.mark.slow
@needs_pdftotext
def test_a_student_without_results_is_blank_and_listed(
    demo_year: DemoYear, demo_ledger: Ledger, tmp_path: Path
) -> None:
    """A student whose semester 2 is not in (left after semester 1): semester 1 as entered,
    the rest blank, «chưa có» nowhere guessed, the missing inputs listed."""
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
    row = book.summary[0]
    assert row.learning[1:] == ("", "") and row.outcome == row.final == row.award == ""
    assert book.missing and book.missing[0].startswith(f"{leaver.full_name}: ")
    read = Book.read(write_pdf(tmp_path / "leaver.pdf", render_class_book_html(book)))
    subject = setup.subjects_of_grade(room.grade)[0]
    line = row_line(read.group(f"– Môn {subject.name}"), 1, leaver.full_name)
    assert tokens(line) == subject_values(subject, results[0], values, room.code, True)
    assert len(tokens(line)) == len(subject.columns) + 1  # semester 1 only
    assert "Chưa tính được kết quả, còn thiếu:" in read.raw
    assert "Kết quả cả năm của lớp chưa được Hiệu trưởng duyệt." in read.raw
