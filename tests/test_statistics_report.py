"""The quality statistics written as xlsx, HTML and PDF, and the export for the education office
(issue 13, items 3 to 5), on the demo's year (the session's ``demo_year``).

The counts in what ``wbe report stats`` writes are checked against counts made here, in the
test, from the ledger: each class's results (:func:`class_results`) as the principal approved
them (:func:`approved_result`), tallied with a Counter. The PDF is read back with pdftotext.
The export's columns follow the yaml, a changed yaml changes the file, and its values are the
year's results."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from tests.helpers import soffice_convert
from tests.test_statistics import result, school
from workbook_engine.approvals import approved_result, result_text
from workbook_engine.cli import app
from workbook_engine.demo.run import RESULTS_DAY, DemoResult
from workbook_engine.io.office_export import LayoutError, Score, export_rows, parse_layout
from workbook_engine.model import Gender, Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.result_approval import class_results
from workbook_engine.render.statistics import SchoolResults, build_document, write_statistics
from workbook_engine.render.statistics_xlsx import write_statistics_xlsx
from workbook_engine.results import StudentResult
from workbook_engine.rules import Award, Comment, Level, Outcome
from workbook_engine.statistics import statistics

DemoYear = tuple[DataDir, Path, DemoResult]  # the session's ``demo_year`` (tests/conftest.py)
ROOT = Path(__file__).resolve().parent.parent
LAYOUT = ROOT / "schemas" / "office_export.yaml"
LEVELS = (Level.T, Level.K, Level.D, Level.CD, None)  # None: «Chưa xếp loại»
runner = CliRunner()

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


# --- counted here, from the ledger ------------------------------------------------------------


def ledger_results(data: DataDir, setup: Setup) -> dict[str, list[StudentResult]]:
    """Every class's results on the results day, as approved (what the books print)."""
    found = {}
    with Ledger.open_readonly(data.ledger) as ledger:
        for room in setup.classes:
            computed, _ = class_results(setup, ledger, room.code, RESULTS_DAY)
            approvals = ledger.approved_results(room.code)
            found[room.code] = [approved_result(r, approvals) for r in computed]
    return found


def share(count: int, total: int) -> Decimal | None:
    if not total:
        return None
    return (Decimal(count * 100) / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def level_row(results: Sequence[StudentResult], period: str, attr: str) -> list[Any]:
    """[students, then count and percent of Tốt, Khá, Đạt, Chưa đạt, not rated]."""
    half = {"HK1": "hk1", "HK2": "hk2", "CN": "year"}[period]
    got = Counter(getattr(getattr(r, half), attr) for r in results)
    row: list[Any] = [len(results)]
    for level in LEVELS:
        row += [got[level], share(got[level], len(results))]
    return row


def girls(setup: Setup, results: Sequence[StudentResult]) -> list[StudentResult]:
    genders = {s.code: s.gender for s in setup.students}
    return [r for r in results if genders[r.code] is Gender.FEMALE]


# --- reading what was written -------------------------------------------------------------------


def sheet_table(ws: Worksheet, title: str) -> dict[str, list[Any]]:
    """The rows of the table titled ``title`` (its first cell, from «title»), by their first
    cell; the values as Decimal for a percent, int for a count."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if str(row[0] or "").startswith(title))
    found: dict[str, list[Any]] = {}
    for row in rows[start + 3 :]:
        if row[0] is None:
            break
        found[str(row[0])] = [_value(v) for v in row[1:]]
    return found


def _value(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    return value


@pytest.fixture(scope="module")
def year_stats(demo_year: DemoYear, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``wbe report stats --year`` on the demo's year: the outbox written."""
    data, _, _ = demo_year
    outbox = tmp_path_factory.mktemp("stats") / "outbox"
    done = runner.invoke(
        app,
        [
            "report",
            "stats",
            "--year",
            "--data-dir",
            str(data.root),
            "--outbox",
            str(outbox),
            "--today",
            RESULTS_DAY.isoformat(),
        ],
    )
    assert done.exit_code == 0, done.output
    assert "Đã ghi 15 tệp thống kê" in done.stdout
    return outbox / "reports" / "thong-ke" / "CN"


# --- the statistics ---------------------------------------------------------------------------


@pytest.mark.slow
def test_the_schools_xlsx_counts_equal_counts_made_from_the_ledger(
    demo_year: DemoYear, year_stats: Path
) -> None:
    data, _, demo = demo_year
    setup = demo.setup
    results = ledger_results(data, setup)
    book = openpyxl.load_workbook(year_stats / "toan-truong.xlsx")
    assert book.sheetnames == [
        "Học tập",
        "Rèn luyện",
        "Lên lớp – Khen thưởng",
        "Môn học",
        "Danh sách – Kiểm tra lại",
        "Danh sách – Rèn luyện hè",
        "Danh sách – Ở lại lớp",
        "Danh sách – Xuất sắc",
        "Danh sách – Giỏi",
    ]
    everyone = [r for room in setup.classes for r in results[room.code]]
    for sheet, attr in (("Học tập", "learning"), ("Rèn luyện", "conduct")):
        title = "Kết quả học tập" if attr == "learning" else "Kết quả rèn luyện"
        table = sheet_table(book[sheet], f"{title} – tất cả học sinh")
        of_girls = sheet_table(book[sheet], f"{title} – học sinh nữ")
        for room in setup.classes:
            mine = results[room.code]
            assert table[room.code] == level_row(mine, "CN", attr), (sheet, room.code)
            assert of_girls[room.code] == level_row(girls(setup, mine), "CN", attr)
        for grade in sorted({c.grade for c in setup.classes}):
            in_grade = [r for c in setup.classes if c.grade == grade for r in results[c.code]]
            assert table[f"Khối {grade}"] == level_row(in_grade, "CN", attr)
        assert table["Toàn trường"] == level_row(everyone, "CN", attr)
        assert of_girls["Toàn trường"] == level_row(girls(setup, everyone), "CN", attr)
    # the year's outcomes, and the demo's story has each kind
    finals = sheet_table(book["Lên lớp – Khen thưởng"], "Kết quả sau kì nghỉ hè")["Toàn trường"]
    n = len(everyone)
    final = Counter(r.year.final for r in everyone)
    awards = Counter(r.year.award for r in everyone)
    awaited = sum(
        1
        for r in everyone
        if r.year.outcome is not None and r.year.final not in (Outcome.PROMOTED, Outcome.RETAINED)
    )
    expected = [n]
    for count in (
        final[Outcome.PROMOTED],
        final[Outcome.RETAINED],
        awaited,
        awards[Award.EXCELLENT],
        awards[Award.GOOD],
    ):
        expected += [count, share(count, n)]
    assert finals == expected
    assert final[Outcome.RETAINED] and awards[Award.EXCELLENT] + awards[Award.GOOD]
    proposals = sheet_table(book["Lên lớp – Khen thưởng"], "Đề nghị cuối năm")["Toàn trường"]
    proposed = Counter(r.year.outcome for r in everyone)
    both = proposed[Outcome.RE_EXAM_AND_TRAINING]
    assert proposals[1] == proposed[Outcome.PROMOTED]
    assert proposals[3] == proposed[Outcome.RE_EXAM] + both > 0
    assert proposals[5] == proposed[Outcome.SUMMER_TRAINING] + both


@pytest.mark.slow
def test_every_sheet_prints_one_page_wide_with_8_pt_margins(year_stats: Path) -> None:
    """A4 landscape, one page wide; the running head and «Trang x/y» stay 8 pt on a sheet
    scaled down to fit (the subjects' bins, 20 columns, print at about 80 %); a list's title
    and headings on each of its pages."""
    book = openpyxl.load_workbook(year_stats / "toan-truong.xlsx")
    for ws in book.worksheets:
        setup = ws.page_setup
        assert (setup.orientation, setup.fitToHeight) == ("landscape", 0), ws.title
        if ws.title.startswith("Danh sách – "):
            assert ws.print_title_rows == "$4:$6", ws.title
            assert str(ws["A4"].value).startswith("Học sinh ") and ws["A5"].value == "STT"
        else:
            assert ws.print_title_rows is None, ws.title
        assert ws.HeaderFooter.scaleWithDoc is False, ws.title
        assert ws.oddHeader.left.size == ws.oddFooter.right.size == 8, ws.title
        assert ws.oddFooter.right.text == "Trang &P/&N"


@pytest.mark.slow
def test_the_subjects_and_lists_equal_the_ledgers(demo_year: DemoYear, year_stats: Path) -> None:
    data, _, demo = demo_year
    setup = demo.setup
    results = ledger_results(data, setup)
    everyone = [r for room in setup.classes for r in results[room.code]]
    book = openpyxl.load_workbook(year_stats / "toan-truong.xlsx")
    scored = sheet_table(book["Môn học"], "Điểm trung bình môn – Toàn trường")
    commented = sheet_table(book["Môn học"], "Môn đánh giá bằng nhận xét – Toàn trường")
    for code, name in {s.code: s.name for s in setup.subjects}.items():
        values = [r.year.averages.get(code) for r in everyone]
        values = [v for v in values if v is not None]
        exempt = sum(1 for r in everyone if code in r.exempt)
        if name in scored:
            row = scored[name]
            numbers = [v for v in values if isinstance(v, int)]
            below = sum(1 for v in numbers if v < 50)
            assert row[0] == len(numbers) and row[15:17] == [below, share(below, len(numbers))]
            assert sum(row[1:14:2]) == len(numbers)  # every average in one bin
            assert row[17] == exempt
        else:
            row = commented[name]
            not_passed = values.count(Comment.CD)
            assert row[0] == len(values) and row[3:5] == [
                not_passed,
                share(not_passed, len(values)),
            ]
    re_exam = {
        r.code
        for r in everyone
        if r.year.outcome in (Outcome.RE_EXAM, Outcome.RE_EXAM_AND_TRAINING)
    }
    lists = book["Danh sách – Kiểm tra lại"]
    listed = sheet_table(lists, f"Học sinh kiểm tra lại trong hè ({len(re_exam)})")
    assert {row[1] for row in listed.values()} == re_exam != set()
    excellent = [r.code for r in everyone if r.year.award is Award.EXCELLENT]
    listed = sheet_table(book["Danh sách – Xuất sắc"], f"Học sinh Xuất sắc ({len(excellent)})")
    assert [row[1] for row in listed.values()] == excellent


def pdf_text(path: Path) -> list[str]:
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return [page for page in done.stdout.split("\f") if page.strip()]


def printed(row: list[Any]) -> list[str]:
    return [f"{v:.2f}".replace(".", ",") if isinstance(v, Decimal) else str(v) for v in row]


@pytest.mark.slow
@needs_pdftotext
def test_the_pdf_shows_the_school_totals_and_the_chain_head(
    demo_year: DemoYear, year_stats: Path
) -> None:
    data, _, demo = demo_year
    setup = demo.setup
    results = ledger_results(data, setup)
    everyone = [r for room in setup.classes for r in results[room.code]]
    with Ledger.open_readonly(data.ledger) as ledger:
        head = ledger.chain_head()
    pages = pdf_text(year_stats / "toan-truong.pdf")
    text = "\n".join(pages)
    assert "THỐNG KÊ CHẤT LƯỢNG GIÁO DỤC" in text
    assert f"Số học sinh: {len(everyone)}" in text
    for k, page in enumerate(pages, start=1):
        assert f"Trang {k}/{len(pages)}" in page
        assert f"Mã kiểm tra sổ: {head[:16]}…" in page
    totals = [line.split()[2:] for line in text.splitlines() if line.startswith("Toàn trường")]
    for attr in ("learning", "conduct"):
        assert printed(level_row(everyone, "CN", attr)) in totals
    assert head in text.replace("\n", "")  # the whole head, under the signatures


@pytest.mark.slow
def test_a_classes_semester_statistics_and_the_commands_refusals(
    demo_year: DemoYear, tmp_path: Path
) -> None:
    data, _, demo = demo_year
    room = demo.setup.classes[1]
    outbox = tmp_path / "outbox"
    args = [
        "report",
        "stats",
        "--semester",
        "1",
        "--class",
        room.code,
        "--data-dir",
        str(data.root),
        "--outbox",
        str(outbox),
        "--today",
        RESULTS_DAY.isoformat(),
    ]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    folder = outbox / "reports" / "thong-ke" / "HK1"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"lop-{room.code}.html",
        f"lop-{room.code}.pdf",
        f"lop-{room.code}.xlsx",
    ]
    book = openpyxl.load_workbook(folder / f"lop-{room.code}.xlsx")
    assert "Lên lớp – Khen thưởng" not in book.sheetnames  # the year only
    mine = ledger_results(data, demo.setup)[room.code]
    table = sheet_table(book["Học tập"], "Kết quả học tập – tất cả học sinh")
    assert table == {room.code: level_row(mine, "HK1", "learning")}
    both = runner.invoke(app, [*args, "--year"])
    assert both.exit_code == 1 and "cần chọn đúng một kì" in both.output
    unknown = runner.invoke(app, [*args[:5], "NOPE", *args[6:]])
    assert unknown.exit_code == 1 and "«NOPE»" in unknown.output


@pytest.mark.slow
def test_a_class_without_students_still_gets_its_documents(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    setup = school({"6A": (), "6B": (Gender.FEMALE,)})
    results = {"6B": [result("6B-1", Level.T, Level.T, {"TOAN": 80}, outcome=Outcome.PROMOTED)]}
    given = SchoolResults(results, {}, "ab" * 32, RESULTS_DAY)
    with caplog.at_level(logging.WARNING, "weasyprint"):
        written = write_statistics(given, setup, tmp_path, "CN", ["6A"])
    # weasyprint lays the empty tables out without a word (an empty heading row once gave it a
    # cell beyond the last column: «This row has more columns than the table»)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
    assert [p.name for p in written] == ["lop-6A.html", "lop-6A.pdf", "lop-6A.xlsx"]
    html = written[0].read_text("utf-8")
    assert "Không có học sinh nào." in html and "0/1 lớp" in html
    book = openpyxl.load_workbook(written[2])
    table = sheet_table(book["Học tập"], "Kết quả học tập – tất cả học sinh")
    assert table == {"6A": [0, *[0, None] * 5]}  # no percentage of nobody
    assert [k for k in sheet_table(book["Danh sách – Giỏi"], "Học sinh Giỏi (0)")] == [
        "Không có học sinh nào."
    ]  # as the PDF says it


@pytest.mark.slow
@needs_pdftotext
def test_a_list_longer_than_a_page_repeats_its_title_and_headings(tmp_path: Path) -> None:
    """120 students Giỏi: printed through LibreOffice, every page of the list carries its title
    and its headings (they were on its first page only: one sheet held every list, and Excel
    repeats one range of rows a sheet)."""
    rooms = {f"6A{k}": (Gender.FEMALE,) * 40 for k in (1, 2, 3)}
    setup = school(rooms)
    results = {
        code: [
            result(f"{code}-{n}", Level.T, Level.T, outcome=Outcome.PROMOTED, prize=Award.GOOD)
            for n in range(1, 41)
        ]
        for code in rooms
    }
    given = SchoolResults(results, {}, "ab" * 32, RESULTS_DAY)
    document = build_document(setup, given, statistics(setup, results, "CN"))
    (pdf,) = soffice_convert([write_statistics_xlsx(tmp_path / "s.xlsx", document)], tmp_path,
                             fmt="pdf")  # fmt: skip
    listed = [page for page in pdf_text(pdf) if re.search(r"Học sinh 6A\d \d+", page)]
    assert len(listed) >= 3
    for page in listed:
        assert "Học sinh Giỏi (120)" in page and "Họ và tên" in page, page[:300]
    names = {n for page in listed for n in re.findall(r"Học sinh 6A\d \d+", page)}
    assert len(names) == 120


# --- the export for the education office ----------------------------------------------------------


def export(data: DataDir, outbox: Path, *extra: str) -> Any:
    args = [
        "report",
        "export",
        "--data-dir",
        str(data.root),
        "--outbox",
        str(outbox),
        "--today",
        RESULTS_DAY.isoformat(),
        *extra,
    ]
    return runner.invoke(app, args)


def exported(outbox: Path) -> tuple[Worksheet, list[tuple[Any, ...]]]:
    (path,) = (outbox / "exports").glob("*.xlsx")
    assert path.name == "ket-qua-nam-hoc-2025-2026.xlsx"
    ws = openpyxl.load_workbook(path).worksheets[0]
    return ws, list(ws.iter_rows(values_only=True))


def as_written(value: int | Comment | None) -> Any:
    """A subject's year value as the export should hold it."""
    if isinstance(value, int):
        return value / 10
    return result_text(value) or None


@pytest.mark.slow
def test_the_export_follows_the_shipped_yaml_and_holds_the_years_results(
    demo_year: DemoYear, tmp_path: Path
) -> None:
    data, _, demo = demo_year
    setup = demo.setup
    done = export(data, tmp_path)
    assert done.exit_code == 0, done.output
    ws, rows = exported(tmp_path)
    columns = yaml.safe_load(LAYOUT.read_text("utf-8"))["columns"]
    assert ws.title == "Kết quả năm học"
    assert list(rows[0]) == [c["header"] for c in columns]
    field = {c["field"] + c.get("subject", ""): k for k, c in enumerate(columns)}
    results = ledger_results(data, setup)
    students = [(room, r) for room in setup.classes for r in results[room.code]]
    assert len(rows) - 1 == len(students) == len(setup.students)
    retained = 0
    for (room, r), row in zip(students, rows[1:], strict=True):
        assert row[field["student_code"]] == r.code and row[field["class"]] == room.code
        assert row[field["full_name"]] == r.name
        for code, value in r.year.averages.items():
            assert row[field[f"subject{code}"]] == as_written(value), (r.code, code)
        for code in r.exempt:
            assert row[field[f"subject{code}"]] == "Miễn"
        assert row[field["learning"]] == (r.year.learning.value if r.year.learning else None)
        assert row[field["conduct"]] == (r.year.conduct.value if r.year.conduct else None)
        assert (row[field["absent_excused"]], row[field["absent_unexcused"]]) == (
            r.year.excused,
            r.year.unexcused,
        )
        final = r.year.final
        assert row[field["final_outcome"]] == (final.value if final else None)
        assert row[field["award"]] == (r.year.award.value if r.year.award else None)
        retained += final is Outcome.RETAINED
        if r.year.re_exam:
            assert row[field["re_exam_subjects"]] and row[field["re_exam_results"]]
    assert retained
    code_cell = ws.cell(row=2, column=field["student_code"] + 1)
    assert code_cell.data_type == "s" and code_cell.number_format == "@"
    assert ws.cell(row=2, column=field["subjectTOAN"] + 1).number_format == "0.0"


@pytest.mark.slow
def test_a_provinces_yaml_changes_the_export(demo_year: DemoYear, tmp_path: Path) -> None:
    data, _, demo = demo_year
    layout = tmp_path / "tinh.yaml"
    layout.write_text(
        "sheet: Import\n"
        "columns:\n"
        "  - {header: MaHS, field: student_code}\n"
        "  - {header: Toan_HK1, field: subject, subject: TOAN, period: HK1}\n"
        "  - {header: XLHT, field: learning, values: {Tốt: T, Khá: K, Đạt: Đ, Chưa đạt: CĐ}}\n"
        "  - {header: LenLop, field: final_outcome, values: {Lên lớp: '1', Ở lại lớp: '0'}}\n",
        encoding="utf-8",
    )
    done = export(data, tmp_path, "--layout", str(layout))
    assert done.exit_code == 0, done.output
    ws, rows = exported(tmp_path)
    assert ws.title == "Import" and rows[0] == ("MaHS", "Toan_HK1", "XLHT", "LenLop")
    short = {Level.T: "T", Level.K: "K", Level.D: "Đ", Level.CD: "CĐ"}
    results = ledger_results(data, demo.setup)
    everyone = [r for room in demo.setup.classes for r in results[room.code]]
    for r, row in zip(everyone, rows[1:], strict=True):
        final = (
            {Outcome.PROMOTED: "1", Outcome.RETAINED: "0"}[r.year.final] if r.year.final else None
        )
        learning = short[r.year.learning] if r.year.learning else None
        assert row == (r.code, as_written(r.hk1.averages["TOAN"]), learning, final)
    bad = tmp_path / "sai.yaml"
    bad.write_text("columns:\n  - {header: ĐTB, field: diem_tb}\n", encoding="utf-8")
    refused = export(data, tmp_path, "--layout", str(bad))
    assert refused.exit_code == 1 and "trường «diem_tb» không có" in refused.output


def test_the_export_rows_follow_a_layout_on_a_hand_made_school() -> None:
    setup = school({"6A": (Gender.FEMALE, Gender.MALE)})
    results = {
        "6A": [
            result(
                "6A-1",
                Level.T,
                Level.T,
                {"TOAN": 85, "GDTC": Comment.D},
                outcome=Outcome.PROMOTED,
                prize=Award.GOOD,
                exempt=["NV"],
            ),
        ]
    }
    layout = parse_layout(
        {
            "columns": [
                {"header": "STT", "field": "number"},
                {"header": "Mã", "field": "student_code"},
                {"header": "Nữ", "field": "gender", "values": {"Nữ": "x", "Nam": ""}},
                {"header": "Toán", "field": "subject", "subject": "TOAN"},
                {"header": "Văn", "field": "subject", "subject": "NV"},
                {"header": "GDTC", "field": "subject", "subject": "GDTC"},
                {"header": "Tin", "field": "subject", "subject": "TIN"},  # no such subject: blank
                {"header": "HT", "field": "learning"},
                {"header": "DH", "field": "award"},
            ]
        },
        "thử",
    )
    rows = export_rows(setup, results, layout)
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, "6A-1", "x"), (2, "6A-2", None)]
    first = rows[0]
    assert first[3] == Score(85)
    assert first[4:] == ("Miễn", "Đ", None, "Tốt", "Học sinh Giỏi")
    assert rows[1][3:] == (None,) * 6  # no result yet: identity only


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ({"header": "X", "field": "nope"}, "trường «nope» không có"),
        ({"header": "X", "field": "subject"}, "cần mã môn (subject)"),
        ({"header": "X", "field": "learning", "period": "HK3"}, "kì «HK3» không có"),
        ({"field": "learning"}, "thiếu tiêu đề (header)"),
        ({"header": "X", "field": "learning", "width": 500}, "độ rộng «500»"),
    ],
)
def test_a_wrong_column_of_a_layout_is_named(column: dict[str, Any], message: str) -> None:
    with pytest.raises(LayoutError, match=re.escape(message)):
        parse_layout({"columns": [{"header": "Mã", "field": "student_code"}, column]}, "tinh.yaml")


def test_asking_for_help_draws_nothing() -> None:
    """``wbe report stats --help`` and ``wbe report export --help`` import neither matplotlib
    nor the other heavy libraries."""
    code = (
        "import sys\nfrom workbook_engine.cli import app\n"
        "for args in (['report', 'stats', '--help'], ['report', 'export', '--help']):\n"
        "    try:\n        app(args, prog_name='wbe')\n"
        "    except SystemExit as exit:\n        assert exit.code == 0, exit.code\n"
        "print(sorted(m for m in ('matplotlib', 'weasyprint', 'pandas', 'xlsxwriter')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
