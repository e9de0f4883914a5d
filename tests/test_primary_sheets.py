"""Issue 15, items 2 and 4: the Circular 27 sheets of a primary class, issued and taken through the
same inbox as the secondary sheets: levels T/H/C, integer test scores only where a test exists,
the homeroom teacher's qualities and competences T/Đ/C; bad input gives located messages."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import master_sheet
from workbook_engine.demo.school import DemoOptions, build_demo_school
from workbook_engine.io.identity import load_or_create_secret
from workbook_engine.io.master_workbook import SUMMARY_SHEET
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import (
    Assignment,
    ClassRoom,
    Gender,
    SchoolLevel,
    Setup,
    SheetKey,
    Student,
)
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ingest import Outcome, Status
from workbook_engine.pipeline.issue import issue_templates
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.runner import Pipeline
from workbook_engine.primary_defaults import primary_subjects
from workbook_engine.share import ShareLayout

DECEMBER = date(2025, 12, 15)
PUPILS = 5
FIRST = 8  # the first pupil's row


def _school() -> Setup:
    """The small demo school made a mixed one: a grade-3 and a grade-4 class besides grade 6-9."""
    base = build_demo_school(DemoOptions(classes_per_grade=1, students_per_class=6, seed=7))
    subject_teacher, homeroom = base.teachers[0].code, base.teachers[1].code
    rooms, pupils, taught = [], [], []
    for grade, homeroom_code in ((3, homeroom), (4, base.teachers[2].code)):
        code = f"{grade}A1"
        rooms.append(ClassRoom(code, grade, homeroom_code))
        pupils += [
            Student(f"31250{grade}90{i:02d}", f"Học Sinh {grade}.{i}", date(2017, 1, i),
                    Gender.FEMALE if i % 2 else Gender.MALE, code)
            for i in range(1, PUPILS + 1)
        ]  # fmt: skip
        taught += [Assignment(subject_teacher, code, s.code) for s in primary_subjects((grade,))]
    return dataclasses.replace(
        base,
        school=dataclasses.replace(base.school, level=SchoolLevel.BOTH),
        classes=(*base.classes, *rooms),
        students=(*base.students, *pupils),
        subjects=(*base.subjects, *primary_subjects((3, 4))),
        assignments=(*base.assignments, *taught),
    )


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Setup, Path]:
    """The school's data directory and share with the semester-1 sheets issued, once."""
    setup = _school()
    root = tmp_path_factory.mktemp("primary")
    data = DataDir(root / "data").ensure()
    write_setup(data.setup, setup)
    issue_templates(setup, root / "share", load_or_create_secret(data.secret), 1)
    return setup, root


@pytest.fixture
def school(issued: tuple[Setup, Path], tmp_path: Path) -> tuple[Setup, Path]:
    setup, root = issued
    shutil.copytree(root, tmp_path / "school")
    return setup, tmp_path / "school"


def _send(school: tuple[Setup, Path], name: str, cells: dict[str, object]) -> Outcome:
    """The teacher fills their issued copy ``name`` and drops it into their Nộp/ folder."""
    setup, root = school
    share = ShareLayout(root / "share", setup)
    (copy,) = (root / "share").rglob(name)
    teacher = next(t for t in setup.teachers if copy.is_relative_to(share.sheets(t.code)))
    book = openpyxl.load_workbook(copy)
    for ref, value in cells.items():
        book.worksheets[0][ref] = value
    book.properties.lastModifiedBy = teacher.usernames[0]
    target = share.submit(teacher.code) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    data = DataDir(root / "data")
    with Pipeline(data, root / "inbox", root / "outbox", DECEMBER, setup, share.root) as pipe:
        (outcome,) = pipe.process_all([target])
    return outcome


def _ledger(school: tuple[Setup, Path], key: SheetKey) -> dict[tuple[str, str], str]:
    with Ledger.open_readonly(school[1] / "data" / "ledger.sqlite") as ledger:
        return ledger.scores(key)


def test_each_class_gets_the_sheets_of_its_level(issued: tuple[Setup, Path]) -> None:
    _, root = issued
    names = {p.name for p in (root / "share").rglob("*.xlsx")}
    assert {"3A1_TOAN_GK1.xlsx", "3A1_TOAN_CK1.xlsx", "3A1_PCNL_GK1.xlsx"} <= names
    assert "3A1_DiemDanh_2025-09_HK1.xlsx" in names  # attendance is kept in primary too
    assert not {n for n in names if n.startswith("3A1_") and ("_HK1" in n and "DiemDanh" not in n)}
    assert "3A1_RenLuyen_HK1.xlsx" not in names  # no Circular 22 conduct in primary
    assert "6A1_TOAN_HK1.xlsx" in names and not {n for n in names if n.startswith("6A1_TOAN_GK")}


@pytest.mark.parametrize(
    ("name", "headings"),
    [  # grade 3: no test mid-semester; grade 4: Toán and Tiếng Việt tested mid-semester too
        ("3A1_TOAN_GK1.xlsx", ["Mức đạt được", "Không KT", "Nhận xét"]),
        ("3A1_TOAN_CK1.xlsx", ["Mức đạt được", "Điểm KT", "KT lại", "Nhận xét"]),
        ("4A1_TOAN_GK1.xlsx", ["Mức đạt được", "Điểm KT", "KT lại", "Nhận xét"]),
        ("4A1_KH_GK1.xlsx", ["Mức đạt được", "Không KT", "Nhận xét"]),
        ("4A1_KH_CK1.xlsx", ["Mức đạt được", "Điểm KT", "KT lại", "Nhận xét"]),
        ("3A1_DD_CK1.xlsx", ["Mức đạt được", "Không KT", "Nhận xét"]),  # Đạo đức: never
    ],
)
def test_a_test_column_exists_only_where_a_test_does(
    issued: tuple[Setup, Path], name: str, headings: list[str]
) -> None:
    (path,) = (issued[1] / "share").rglob(name)
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    header = next(r for r in ws.iter_rows(values_only=True) if r and r[0] == "STT")
    assert [h for h in header[3:] if h] == headings


def test_a_filled_sheet_is_taken_and_kept_per_point(school: tuple[Setup, Path]) -> None:
    end = _send(school, "3A1_TOAN_CK1.xlsx", {
        "D8": "T", "E8": 9, "D9": "h", "E9": "8", "D10": "C", "E10": 3, "F10": 6,
        "G10": "Cần cố gắng", "D11": "T", "E11": 0,
    })  # fmt: skip
    assert end.status is Status.ACCEPTED, [str(p) for p in end.problems]
    middle = _send(school, "3A1_TOAN_GK1.xlsx", {"D8": "H", "F8": "Tiến bộ"})
    assert middle.status is Status.ACCEPTED, [str(p) for p in middle.problems]
    assert not [p for p in middle.problems if p.code == "stale-copy"]  # the end's columns alone
    values = _ledger(school, SheetKey("3A1", "TOAN", 1))
    first, second, third, fourth = (f"31250390{i:02d}" for i in range(1, 5))  # grade 3
    assert (values[(first, "MUC_CK")], values[(first, "KT_CK")]) == ("T", "9")
    assert values[(second, "MUC_CK")] == "H"  # "h" as typed, stored as the letter
    assert (values[(third, "KT_CK")], values[(third, "KTL_CK")]) == ("3", "6")
    assert values[(fourth, "KT_CK")] == "0"  # a real 0, not a blank
    assert (values[(first, "MUC_GK")], values[(first, "NX_GK")]) == ("H", "Tiến bộ")


@pytest.mark.parametrize(
    ("name", "cell", "value", "code", "message"),
    [
        ("3A1_TOAN_CK1.xlsx", "E8", "8,5", "primary-test-score-not-integer", "có phần thập phân"),
        ("3A1_TOAN_CK1.xlsx", "E9", 11, "primary-test-score-out-of-range", "ngoài khoảng 0–10"),
        ("3A1_TOAN_CK1.xlsx", "D8", "Đ", "primary-subject-level-invalid", "chỉ ghi T, H hoặc C"),
        ("3A1_PCNL_CK1.xlsx", "E9", "H", "primary-quality-level-invalid", "chỉ ghi T, Đ hoặc C"),
    ],
)
def test_bad_input_is_a_located_vietnamese_message(
    school: tuple[Setup, Path], name: str, cell: str, value: object, code: str, message: str
) -> None:
    outcome = _send(school, name, {cell: value})
    found = [p for p in outcome.problems if p.code == code]
    assert len(found) == 1, [str(p) for p in outcome.problems]
    (problem,) = found
    assert f"{problem.column}{problem.row}" == cell
    assert message in problem.message and problem.sheet


def test_a_score_where_no_test_exists_is_refused_with_its_cell(school: tuple[Setup, Path]) -> None:
    """Grade 3 has no test mid-semester: its test column is issued grey and closed."""
    outcome = _send(school, "3A1_TOAN_GK1.xlsx", {"D8": "T", "E8": 8})
    (problem,) = [p for p in outcome.problems if p.code == "primary-no-test"]
    assert f"{problem.column}{problem.row}" == "E8"
    assert "không có bài kiểm tra định kì" in problem.message
    assert ("3125039001", "KT_GK") not in _ledger(school, SheetKey("3A1", "TOAN", 1))


def test_the_master_shows_levels_and_tests_and_no_average(school: tuple[Setup, Path]) -> None:
    from workbook_engine.render.publish import publish

    setup, root = school
    _send(school, "3A1_TOAN_CK1.xlsx", {"D8": "T", "E8": 9, "F8": 10})
    _send(school, "3A1_PCNL_CK1.xlsx", {"D8": "T", "E8": "đ"})
    with Ledger.open(root / "data" / "ledger.sqlite") as ledger:
        publish(ledger, setup, root / "outbox")
    ws = master_sheet(root / "outbox", "3A1")
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    groups, heads = rows[1], rows[2]
    start = groups.index("Toán – Học kì I")
    pupil = next(r for r in rows if r[1] == "3125039001")
    shown = dict(zip(heads[start : start + 6], pupil[start : start + 6], strict=True))
    assert (shown["Mức CK"], shown["KT CK"], shown["KT lại CK"]) == ("T", "9", "10")
    assert pupil[heads.index("Yêu nước CK")] == "T" and pupil[heads.index("Nhân ái CK")] == "Đ"
    texts = {str(v) for r in rows for v in r if v is not None}
    assert not {t for t in texts if "ĐTB" in t or "Xếp" in t}  # no average, no ranking


def test_the_primary_demo_plays_its_year_through_the_inbox(tmp_path: Path) -> None:
    from workbook_engine.demo.primary import run_primary_demo

    options = DemoOptions(grades=(1, 2, 3, 4, 5), classes_per_grade=1, students_per_class=3)
    data = DataDir(tmp_path / "data")
    result = run_primary_demo(data, tmp_path / "inbox", tmp_path / "outbox", options,
                              share=tmp_path / "share")  # fmt: skip
    assert [label.split(" (")[0] for label, _ in result.rounds] == [
        "Giữa học kì I", "Cuối học kì I", "Giữa học kì II", "Cuối năm học",
    ]  # fmt: skip
    outcomes = [o for _, round_ in result.rounds for o in round_]
    assert outcomes and all(o.status is Status.ACCEPTED for o in outcomes)
    assert result.chain_problem is None
    setup = result.setup
    with Ledger.open_readonly(data.ledger) as ledger:
        year_end = ledger.scores(SheetKey("5A1", "TOAN", 2))
        traits = ledger.scores(SheetKey("1A1", "PCNL", 2))
    pupils = [s.code for s in setup.students_of("5A1")]
    assert {year_end[(p, "MUC_CK")] for p in pupils} <= {"T", "H", "C"}
    assert all(0 <= int(year_end[(p, "KT_CK")]) <= 10 for p in pupils)
    assert {traits[(p, "YEU_NUOC_CK")] for p in setup.students_of("1A1") for p in [p.code]} <= {
        "T", "Đ", "C",
    }  # fmt: skip
    classes = ["1A1", "2A1", "3A1", "4A1", "5A1"]
    assert sorted(p.stem for p in (tmp_path / "outbox" / "lop").glob("*.xlsx")) == classes
    master = openpyxl.load_workbook(tmp_path / "outbox" / "master.xlsx", read_only=True)
    rows = master[SUMMARY_SHEET].iter_rows(min_row=7, values_only=True)
    assert [r[0] for r in rows] == [*classes, "Toàn trường"]
    master.close()
    # the reports speak of the demo year's last day (not the machine's), the PDF too
    end = max(s.end for s in setup.semesters).isoformat()
    progress = sorted(p.name for p in (tmp_path / "outbox" / "reports" / "tien-do").iterdir())
    assert progress == [f"{end}.html", f"{end}.pdf", f"{end}.xlsx"]
    books = tmp_path / "outbox" / "books" / "tieu-hoc"
    assert {p.relative_to(books).as_posix() for p in result.books} >= {
        "tong-hop/CN/1A1.pdf", "tong-hop/CN/5A1.xlsx", "hoc-ba/5A1.pdf",
    }  # fmt: skip
    # wbe books primary: one class at the end of semester 1; a secondary point name is refused
    from typer.testing import CliRunner

    from workbook_engine.cli import app

    where = ["--data-dir", str(data.root), "--outbox", str(tmp_path / "outbox")]
    runner = CliRunner()
    done = runner.invoke(app, ["books", "primary", "--point", "CK1", "--class", "3A1",
                               "--today", "2026-01-20", *where])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert (books / "tong-hop" / "CK1" / "3A1.pdf").exists()
    wrong = runner.invoke(app, ["books", "primary", "--point", "HK1", *where])
    assert wrong.exit_code == 1 and "chọn GK1, CK1, GK2 hoặc CN" in wrong.output
