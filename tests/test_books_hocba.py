"""The student record book (học bạ, issue 12 item 2): one PDF per student and one per class.

Fast tests build a record from hand-made results (what each value becomes on paper); the slow
ones render the demo's year from its ledger and read the PDFs back with pdftotext: every value
equals what the results module computes for the student, as the principal approved it."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path

import pypdf
import pytest
from typer.testing import CliRunner

from workbook_engine.approvals import Approved, approval_entry, approved_result, result_text
from workbook_engine.cli import app
from workbook_engine.demo.run import RESULTS_DAY, DemoResult
from workbook_engine.io.kinds.score import NOTE_KEY
from workbook_engine.model import SUMMER, ExemptionScope, Setup, SheetKey
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.result_approval import class_results
from workbook_engine.render.books.hocba import (
    CHAIN_SHOWN,
    NOT_YET,
    StudentRecord,
    class_path,
    lay_out,
    render_hocba_html,
    student_record,
    write_hocba,
)
from workbook_engine.render.books.pdf_parts import Part, write_parts
from workbook_engine.results import (
    CONDUCT_CODE,
    SemesterResult,
    StudentResult,
    SummerResult,
    YearResult,
    confirmed_late,
    student_results,
)
from workbook_engine.rules import Comment, Level, Outcome

DemoYear = tuple[DataDir, Path, DemoResult]  # the session's ``demo_year`` (tests/conftest.py)
CLASS = "6A1"
HEAD = "a1b2c3d4e5f6a7b8" + "0" * 48  # a chain head
APPROVED_AT = "2026-06-04T10:15:00+07:00"
runner = CliRunner()


# --- what each value becomes (no layout) -------------------------------------------------------


Averages = dict[str, int | Comment | None]
Values = Mapping[tuple[SheetKey, str, str], str]


def half(
    averages: Averages, learning: Level | None, conduct: Level | None, p: int = 0, k: int = 0
) -> SemesterResult:
    return SemesterResult(averages, learning, conduct, p, k)


def sample(setup: Setup) -> StudentResult:
    """The first student of 6A1: exempt from NN1, re-examined in Toán (6,0 after the summer),
    everything else computed."""
    student = setup.students_of(CLASS)[0]
    codes = [s.code for s in setup.subjects_of_grade(6) if s.code != "NN1"]

    def averages(base: int) -> Averages:
        return {c: (base if c not in ("GDTC", "NT", "HDTN", "GDDP") else Comment.D) for c in codes}

    year_averages = averages(72) | {"TOAN": 31}
    summer = SummerResult({"TOAN": 60}, Level.D, Level.K, Outcome.PROMOTED)
    year = YearResult(year_averages, Level.CD, Level.K, 3, 1, outcome=Outcome.RE_EXAM,
                      re_exam=["TOAN"], summer=summer)  # fmt: skip
    return StudentResult(
        student.code, student.full_name,
        half(averages(70) | {"TOAN": 30}, Level.CD, Level.K, 1, 0),
        half(averages(74) | {"TOAN": 33}, Level.CD, Level.K, 2, 1),
        year, missing=[], exempt=["NN1"],
    )  # fmt: skip


def comments(student: str) -> dict[tuple[SheetKey, str, str], str]:
    return {
        (SheetKey(CLASS, "NV", 1), student, NOTE_KEY): "Đọc hiểu tốt.",
        (SheetKey(CLASS, "NV", 2), student, NOTE_KEY): "Cần luyện viết đoạn văn.",
        (SheetKey(CLASS, "TIN", 1), student, NOTE_KEY): "Chăm chỉ.",
        (SheetKey(CLASS, "TIN", 2), student, NOTE_KEY): "Chăm chỉ.",
        (SheetKey(CLASS, CONDUCT_CODE, 2), student, NOTE_KEY): "Ngoan, lễ phép.",
        (SheetKey(CLASS, CONDUCT_CODE, SUMMER), student, NOTE_KEY): "Tiến bộ sau hè.",
    }


def record_of(
    setup: Setup,
    result: StudentResult,
    approvals: Mapping[str, Approved],
    values: Values | None = None,
) -> StudentRecord:
    room = setup.class_by_code(CLASS)
    return student_record(setup, room, result, values or {}, approvals, HEAD, date(2026, 8, 12))


def test_a_record_writes_every_value_as_the_books_do(small_school: Setup) -> None:
    result = sample(small_school)
    record = record_of(small_school, result, {}, comments(result.code))
    lines = {line.name: line for line in record.subjects}
    names = {s.code: s.name for s in small_school.subjects_of_grade(6)}
    math, literature, exempt = lines[names["TOAN"]], lines[names["NV"]], lines[names["NN1"]]
    assert (math.hk1, math.hk2, math.year, math.re_exam) == ("3,0", "3,3", "3,1", "6,0")
    assert (literature.hk1, literature.year, literature.re_exam) == ("7,0", "7,2", "")
    assert lines[names["GDTC"]].year == "Đ"
    assert exempt.exempt and exempt.hk1 == "Miễn"
    # both semesters' comments, labelled; the same twice is kept once, under the later one
    assert [(r.label, r.text) for r in literature.remarks] == [
        ("HKI", "Đọc hiểu tốt."), ("HKII", "Cần luyện viết đoạn văn.")
    ]  # fmt: skip
    assert [(r.label, r.text) for r in lines[names["TIN"]].remarks] == [("HKII", "Chăm chỉ.")]
    assert [r.text for r in record.homeroom_remarks] == ["Ngoan, lễ phép.", "Tiến bộ sau hè."]
    teacher = small_school.find_teacher(
        next(a.teacher_code for a in small_school.assignments
             if (a.class_code, a.subject_code) == (CLASS, "TOAN"))
    )  # fmt: skip
    assert teacher is not None and math.teacher == teacher.full_name
    levels = {line.period: line for line in record.levels}
    assert (levels["Cả năm"].learning, levels["Cả năm"].excused) == ("Chưa đạt", "3")
    assert (levels["Sau kì nghỉ hè"].learning, levels["Sau kì nghỉ hè"].conduct) == ("Đạt", "")
    facts = {fact.label: fact.value for fact in record.outcome}
    assert facts["Đề nghị cuối năm"] == f"Kiểm tra lại: {names['TOAN']}"
    assert facts["Kết quả kiểm tra lại"] == f"{names['TOAN']} 6,0"
    assert facts["Xét lên lớp"] == "Lên lớp"
    assert facts["Danh hiệu"] == "Không"
    # not approved: a blank place for the principal, the date left to be written
    assert not record.approved and record.approvals == ()
    assert record.signers[1].heading == ("HIỆU TRƯỞNG",) and record.signers[1].name == ""
    assert record.signers[1].hint == "(Kí, ghi rõ họ tên, đóng dấu)"
    assert "ngày ..... tháng" in record.place_date
    assert record.chain_text == f"Mã kiểm tra sổ: {HEAD[:CHAIN_SHOWN]}…"


def test_the_approved_values_are_shown_and_a_later_change_is_named(small_school: Setup) -> None:
    result = sample(small_school)
    entry = approval_entry(result, "CN") | {"conduct": Level.T.value}  # approved as Tốt
    by_vice = {"CN": ({result.code: entry}, "GV002", APPROVED_AT)}
    record = record_of(small_school, result, by_vice)
    assert approved_result(result, by_vice).year.conduct is Level.T
    assert {line.period: line.conduct for line in record.levels}["Cả năm"] == "Tốt"
    assert record.approved
    assert record.approvals == ("Kết quả cả năm: đã duyệt ngày 04/06/2026 (Nguyễn Hải Cường)",)
    assert record.changed == ("CN rèn luyện Tốt → Khá",)
    assert record.signers[1].heading == ("KT. HIỆU TRƯỞNG", "PHÓ HIỆU TRƯỞNG")
    assert record.signers[1].name == "Nguyễn Hải Cường"
    assert record.place_date == "Hải Phòng, ngày 04 tháng 6 năm 2026"
    # an approval that does not hold the student leaves the block blank
    other = {"CN": ({"someone-else": entry}, "GV001", APPROVED_AT)}
    assert not record_of(small_school, result, other).approved


def test_a_student_without_results_reads_chua_co(small_school: Setup) -> None:
    student = small_school.students_of(CLASS)[1]
    nothing = half({s.code: None for s in small_school.subjects_of_grade(6)}, None, None)
    year = YearResult(nothing.averages, None, None, 0, 0)
    result = StudentResult(student.code, student.full_name, nothing, nothing, year,
                           missing=["Toán HK1: chưa có điểm"])  # fmt: skip
    record = record_of(small_school, result, {})
    assert all((s.hk1, s.hk2, s.year, s.re_exam) == ("", "", "", "") for s in record.subjects)
    assert all(line.learning == line.conduct == NOT_YET for line in record.levels)
    assert {f.label: f.value for f in record.outcome} == {
        "Đề nghị cuối năm": NOT_YET, "Xét lên lớp": NOT_YET, "Danh hiệu": NOT_YET
    }  # fmt: skip
    assert record.missing == "Toán HK1: chưa có điểm"


def test_the_html_escapes_names_and_gives_each_student_a_page_group(small_school: Setup) -> None:
    result = sample(small_school)
    hostile = StudentResult(result.code, 'Lê "Văn" <b>An</b> & Co', result.hk1, result.hk2,
                            result.year, [], ["NN1"])  # fmt: skip
    records = [record_of(small_school, hostile, {}), record_of(small_school, result, {})]
    html = render_hocba_html(records)
    assert "<b>An</b>" not in html and "&lt;b&gt;An&lt;/b&gt;" in html
    assert html.count('<section class="book-part" ') == 2
    assert 'id="hb-pages-2"' in html and 'id="hb-end-1"' in html and 'id="hb-end-2"' in html
    assert '#hb-pages-2 { string-set: hb-pages target-counter("#hb-end-2", page); }' in html
    assert 'id="hb-1"' not in html and "style=" not in html  # styles shared between records


# --- the demo's year, rendered and read back ------------------------------------------------------

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def pdf_text(path: Path) -> list[str]:
    """The text of each page (pdftotext -layout)."""
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    pages = done.stdout.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


VALUE = re.compile(r"^(\d+,\d|Đ|CĐ|Miễn|chưa|có)$")


def subject_values(text: str, number: int) -> list[str]:
    """The values on subject row ``number`` of the table (its averages, its re-exam)."""
    row = next(line for line in text.splitlines() if re.match(rf"\s*{number}\s", line))
    words = row.split()[1:]
    return [w for w in words if VALUE.match(w)]


def expected_values(setup: Setup, result: StudentResult) -> list[list[str]]:
    """Per subject of the grade, the values its row shows: HKI, HKII, CN (blank ones left out),
    the re-exam; «Miễn» once for a wholly exempt subject."""
    class_of = {s.code: s.class_code for s in setup.students}
    grade = setup.class_by_code(class_of[result.code]).grade
    rows = []
    for subject in setup.subjects_of_grade(grade):
        if subject.code in result.exempt:
            rows.append(["Miễn"])
            continue
        halves = (result.hk1, result.hk2, result.year)
        row = [result_text(h.averages.get(subject.code)) for h in halves]
        summer = result.year.summer
        if summer is not None and subject.code in summer.re_exam:
            row.append(result_text(summer.re_exam[subject.code]) or "chưa có")
        rows.append([v for value in row if value for v in value.split()])
    return rows


def shown_level(level: Level | None) -> str:
    return level.value if level is not None else NOT_YET


def check_record(setup: Setup, pages: list[str], result: StudentResult, chain: str) -> None:
    """The pages of one student's record against their results (as approved)."""
    text = "\n".join(pages)
    assert f"{result.name} ({result.code})" in pages[0].splitlines()[0]  # the running header
    for number, page in enumerate(pages, start=1):
        assert f"Trang {number}/{len(pages)}" in page
        assert f"Mã kiểm tra sổ: {chain[:CHAIN_SHOWN]}…" in page
        assert result.code in page.splitlines()[0]
    for number, values in enumerate(expected_values(setup, result), start=1):
        assert subject_values(text, number) == values, (result.code, number)
    year = result.year
    for label, part in (("Học kì I", result.hk1), ("Học kì II", result.hk2), ("Cả năm", year)):
        line = rf"^\s*{label}\s+{shown_level(part.learning)}\s+{shown_level(part.conduct)}"
        assert re.search(rf"{line}\s+{part.excused}\s+{part.unexcused}\s*$", text, re.M), label
    final = year.final
    assert final is not None and year.outcome is not None
    assert re.search(rf"Xét lên lớp\s+{re.escape(final.value)}", text)
    assert re.search(rf"Đề nghị cuối năm\s+{re.escape(year.outcome.value)}", text)
    award = year.award.value if year.award else "Không"
    assert re.search(rf"Danh hiệu\s+{re.escape(award)}", text)
    summer = year.summer
    if summer is not None:  # the levels and results after the summer
        trained = year.outcome in (Outcome.SUMMER_TRAINING, Outcome.RE_EXAM_AND_TRAINING)
        after = [(bool(year.re_exam), summer.learning), (trained, summer.conduct)]
        shown = r"\s+".join(shown_level(level) for wanted, level in after if wanted)
        assert re.search(rf"^\s*Sau kì nghỉ hè\s+{shown}\s*$", text, re.M), result.code
        for value in summer.re_exam.values():
            assert re.search(rf"Kết quả kiểm tra lại\s+.*{re.escape(result_text(value))}", text)
    assert chain in re.sub(r"\s+", "", text)  # the whole chain head, at the end


@pytest.fixture(scope="module")
def demo_ledger(demo_year: DemoYear) -> Iterator[Ledger]:
    data, _, _ = demo_year
    with Ledger.open_readonly(data.ledger) as ledger:
        yield ledger


@pytest.mark.slow
@needs_pdftotext
def test_the_story_students_records_read_back_as_computed(
    demo_year: DemoYear, demo_ledger: Ledger, tmp_path: Path
) -> None:
    _, _, demo = demo_year
    setup, cohort = demo.setup, demo.cohort
    exempt = next(e.student_code for e in setup.exemptions if e.scope is ExemptionScope.WHOLE)
    story = [*cohort.failing, cohort.kept_back, cohort.training, *cohort.strong, exempt]
    written = write_hocba(demo_ledger, setup, tmp_path, RESULTS_DAY, students=story)
    assert len(written) == len(set(story))  # a file per student, no class file
    chain = demo_ledger.chain_head()
    outcomes = set()
    for code in dict.fromkeys(story):
        class_code = next(s.class_code for s in setup.students if s.code == code)
        results, _ = class_results(setup, demo_ledger, class_code, RESULTS_DAY)
        approvals = demo_ledger.approved_results(class_code)
        result = approved_result(next(r for r in results if r.code == code), approvals)
        path = next(p for p in written if p.name.startswith(f"{code} "))
        assert path.parent.name == class_code
        check_record(setup, pdf_text(path), result, chain)
        outcomes.add(result.year.outcome)
        if result.year.summer is not None and result.year.re_exam:
            assert "Kết quả kiểm tra lại" in "".join(pdf_text(path))
    assert {Outcome.PROMOTED, Outcome.RETAINED} <= outcomes and len(outcomes) >= 3


@pytest.mark.slow
@needs_pdftotext
def test_the_class_book_is_one_page_group_per_student(
    demo_year: DemoYear, demo_ledger: Ledger, tmp_path: Path
) -> None:
    _, _, demo = demo_year
    setup = demo.setup
    room = max(setup.classes, key=lambda c: len(setup.students_of(c.code)))
    written = write_hocba(demo_ledger, setup, tmp_path, RESULTS_DAY, classes=[room.code])
    roster = setup.students_of(room.code)
    assert class_path(tmp_path, room.code) in written and len(written) == len(roster) + 2
    pages = pdf_text(class_path(tmp_path, room.code))
    groups: list[list[str]] = []
    for page in pages:
        number, total = map(int, re.findall(r"Trang (\d+)/(\d+)", page)[-1])
        if number == 1:
            groups.append([])
        groups[-1].append(page)
        assert len(groups[-1]) == number <= total
    assert len(groups) == len(roster)
    results, _ = class_results(setup, demo_ledger, room.code, RESULTS_DAY)
    approvals = demo_ledger.approved_results(room.code)
    for student, group, result in zip(roster, groups, results, strict=True):
        assert all(f"({student.code})" in page.splitlines()[0] for page in group)
        assert int(re.findall(r"Trang \d+/(\d+)", group[0])[-1]) == len(group)
        check_record(setup, group, approved_result(result, approvals), demo_ledger.chain_head())
        # the student's own file holds the same pages
        own = next(p for p in written if p.name.startswith(f"{student.code} "))
        assert own.parent.name == room.code and pdf_text(own) == group
        # cut from the class's PDF, titled and bookmarked as the student's own
        pdf = pypdf.PdfReader(own)
        name = f"{student.full_name} ({student.code})"
        assert pdf.metadata is not None
        assert pdf.metadata.title == f"Học bạ – {name} – lớp {room.code}"
        assert [item.title for item in pdf.outline] == [name]
    whole = pypdf.PdfReader(class_path(tmp_path, room.code))
    assert whole.metadata is not None
    assert whole.metadata.title == f"Học bạ lớp {room.code} – năm học {setup.school.school_year}"
    assert len(whole.outline) == len(roster)


@pytest.mark.slow
@needs_pdftotext
def test_a_student_who_left_mid_year_still_gets_a_record(
    demo_year: DemoYear, demo_ledger: Ledger, tmp_path: Path
) -> None:
    """Left after semester 1 (an out-of-province transfer): semester 1 as entered, the rest
    blank or «chưa có», the principal's place blank."""
    _, _, demo = demo_year
    setup = demo.setup
    room = setup.classes[0]
    leaver = setup.students_of(room.code)[0].code
    values = {
        (key, who, column): value
        for (key, who, column), value in demo_ledger.scores_of_class(room.code).items()
        if who != leaver or key.semester == 1
    }
    late = confirmed_late(setup, demo_ledger.first_received(room.code))
    results = student_results(setup, room.code, values, RESULTS_DAY,
                              received=demo_ledger.received_keys(room.code), late=late)  # fmt: skip
    result = next(r for r in results if r.code == leaver)
    assert result.hk2.learning is None and result.year.outcome is None
    first_only = {"HK1": demo_ledger.approved_results(room.code)["HK1"]}
    record = student_record(setup, room, result, values, first_only,
                            demo_ledger.chain_head(), RESULTS_DAY)  # fmt: skip
    document, parts = lay_out([record])
    [path] = write_parts(document, [Part(tmp_path / "leaver.pdf", "học bạ", parts[0])])
    pages = pdf_text(path)
    text = "\n".join(pages)
    assert f"Trang 1/{len(pages)}" in pages[0]
    for number, subject in enumerate(setup.subjects_of_grade(room.grade), start=1):
        expected = [result_text(result.hk1.averages.get(subject.code))]
        assert subject_values(text, number) == [v for v in expected if v], subject.code
    assert re.search(rf"^\s*Học kì I\s+{shown_level(result.hk1.learning)}\s", text, re.M)
    assert re.search(r"^\s*Học kì II\s+chưa có\s+chưa có\s+0\s+0\s*$", text, re.M)
    assert re.search(r"Xét lên lớp\s+chưa có", text)
    assert re.search(r"Danh hiệu\s+chưa có", text)
    assert "Kết quả học kì I: đã duyệt ngày" in text
    assert "Kết quả năm học chưa được Hiệu trưởng duyệt." in text
    assert "Chưa tính được kết quả, còn thiếu:" in text


@pytest.mark.slow
def test_wbe_books_hocba_writes_the_students_file(demo_year: DemoYear, tmp_path: Path) -> None:
    data, _, demo = demo_year
    student = demo.setup.students[0]
    outbox = tmp_path / "outbox"
    args = ["books", "hocba", "--student", student.code, "--data-dir", str(data.root),
            "--outbox", str(outbox), "--today", RESULTS_DAY.isoformat()]  # fmt: skip
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    files = sorted((outbox / "books" / "hoc-ba").rglob("*.pdf"))
    assert [f.name for f in files] == [f"{student.code} {student.full_name}.pdf"]
    assert "Đã ghi 1 tệp học bạ" in done.stdout
    unknown = runner.invoke(app, [*args[:3], "NOPE", *args[4:]])
    assert unknown.exit_code == 1 and "mã học sinh «NOPE»" in unknown.output
