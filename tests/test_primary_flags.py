"""Issue 15, items 2, 3 and 5: the homeroom teacher's «Học sinh Tiêu biểu» flag on the year-end
sheet (stored, read into the award, refused where the row rules Hoàn thành tốt out, shown in the
summary and the học bạ), and the school's optional warning when a level and its official test
score look inconsistent (a setting on «Thông tin trường», a located warning, never a refusal)."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest

import tests.test_primary_sheets as primary_sheets
from tests.helpers import master_sheet
from tests.test_primary_results import _year_end
from tests.test_primary_sheets import _school, _send, issued, school
from workbook_engine.errors import CATALOGUE, Severity
from workbook_engine.io.identity import load_or_create_secret
from workbook_engine.io.setup_reader import check_setup, load_setup
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import ChangeStatus, Setup, SheetKey
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ingest import Outcome, Status
from workbook_engine.pipeline.issue import issue_templates
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.primary_results import primary_results
from workbook_engine.render.books.primary_hocba import class_records, render_primary_hocba_html
from workbook_engine.render.books.primary_summary import (
    AWARD_NOTES,
    primary_summary,
    render_primary_summary_html,
    write_primary_summary_xlsx,
)
from workbook_engine.rules.primary import AssessmentPoint, OverallResult, PrimaryAward
from workbook_engine.share import ShareLayout

__all__ = ["issued", "school"]  # fixtures imported from the sheets' tests
MAY = date(2026, 5, 25)  # semester 2, before the year is locked (05/06)
YEAR_END = AssessmentPoint.YEAR_END
PUPILS = [f"31250390{i:02d}" for i in range(1, 6)]  # the grade-3 class
TRAIT_CELLS = "DEFGHJKLMNOPQRS"  # the 5 qualities (D–H), the 10 competences (J–S)
FLAG = "U"  # after the competences' comment (T)
TESTED = ("TV", "TOAN", "NN1", "TIN", "CN")  # grade 3: a test at the year's end
SUBJECTS = ("TV", "TOAN", "NN1", "TIN", "CN", "DD", "TNXH", "GDTC", "AN", "MT", "HDTN")
ROW = {pupil: 8 + i for i, pupil in enumerate(PUPILS)}


@pytest.fixture(scope="module")
def issued_year(
    issued: tuple[Setup, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Setup, Path]:
    """The sheets of both semesters issued, once."""
    setup, root = issued
    copy = tmp_path_factory.mktemp("primary-year") / "school"
    shutil.copytree(root, copy)
    secret = load_or_create_secret(DataDir(copy / "data").secret)
    issue_templates(setup, copy / "share", secret, 2)
    return setup, copy


@pytest.fixture
def year(
    issued_year: tuple[Setup, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Setup, Path]]:
    """A fresh copy of the school whose sheets arrive in May (``_send``'s day)."""
    setup, root = issued_year
    shutil.copytree(root, tmp_path / "school")
    monkeypatch.setattr(primary_sheets, "DECEMBER", MAY)
    yield setup, tmp_path / "school"


def _accepted(outcome: Outcome) -> Outcome:
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    return outcome


def _traits(flags: dict[str, object], levels: dict[str, dict[str, str]] | None = None) -> dict:
    """The year-end homeroom sheet's cells: every trait T unless ``levels`` says otherwise,
    the flag per pupil from ``flags``."""
    cells: dict[str, object] = {}
    for pupil, row in ROW.items():
        cells.update({f"{col}{row}": "T" for col in TRAIT_CELLS})
        cells.update({f"{col}{row}": v for col, v in (levels or {}).get(pupil, {}).items()})
        if pupil in flags:
            cells[f"{FLAG}{row}"] = flags[pupil]
    return cells


# --- the flag on the sheet ----------------------------------------------------------------------


def test_only_the_year_end_homeroom_sheet_has_the_flag(issued_year: tuple[Setup, Path]) -> None:
    root = issued_year[1] / "share"
    for name, flagged in (("3A1_PCNL_CK2.xlsx", True), ("3A1_PCNL_GK2.xlsx", False),
                          ("3A1_PCNL_CK1.xlsx", False)):  # fmt: skip
        (path,) = root.rglob(name)
        ws = openpyxl.load_workbook(path).worksheets[0]
        header = next(r for r in ws.iter_rows(values_only=True) if r and r[0] == "STT")
        heads = [h for h in header if h]
        assert (heads[-1] == "Học sinh Tiêu biểu") is flagged, heads
        if flagged:
            assert header.index("Học sinh Tiêu biểu") == 20  # column U
            lists = [v for v in ws.data_validations.dataValidation if "U8" in str(v.sqref)]
            assert [v.formula1 for v in lists] == ['"Có,Không"']


def test_the_flag_is_stored_and_gives_the_award(year: tuple[Setup, Path]) -> None:
    """Five grade-3 pupils through the inbox: HTT flagged (Tiêu biểu), HTXS flagged (Xuất sắc:
    one title, the higher), HT flagged (not taken, the summary says why), HTT not flagged,
    HTT with «Không»; the summary and the học bạ show the awards."""
    setup, root = year
    one, two, three, _, five = PUPILS
    for code in SUBJECTS:
        cells: dict[str, object] = {}
        for pupil, row in ROW.items():
            level = "H" if (pupil == three and code == "DD") else "T"
            cells[f"D{row}"] = level
            if code in TESTED:
                cells[f"E{row}"] = 9 if pupil in (two, three) else 8
        _accepted(_send(year, f"3A1_{code}_CK2.xlsx", cells))
    flags = {one: "Có", two: "có", three: "Có", five: "Không"}
    _accepted(_send(year, "3A1_PCNL_CK2.xlsx", _traits(flags)))
    with Ledger.open_readonly(root / "data" / "ledger.sqlite") as ledger:
        stored = ledger.scores(SheetKey("3A1", "PCNL", 2))
        values = ledger.scores_of_class("3A1")
    assert [stored.get((p, "TIEU_BIEU_CK")) for p in PUPILS] == ["Có", "Có", "Có", None, "Không"]
    got = {p.code: p.year for p in primary_results(setup, "3A1", values)}
    assert [got[p].result for p in PUPILS] == [
        OverallResult.HTT, OverallResult.HTXS, OverallResult.HT, OverallResult.HTT,
        OverallResult.HTT,
    ]  # fmt: skip
    assert [got[p].award for p in PUPILS] == [
        PrimaryAward.EXEMPLARY, PrimaryAward.EXCELLENT, None, None, None,
    ]  # fmt: skip
    assert [got[p].exemplary for p in PUPILS] == [True, True, True, False, False]
    assert got[three].award_note == (
        "Đề nghị «Học sinh Tiêu biểu» không được xét: Học sinh Tiêu biểu chỉ xét cho học sinh "
        "Hoàn thành tốt, không phải Hoàn thành"
    )
    assert not [p for p in PUPILS if p != three and got[p].award_note]

    with Ledger.open_readonly(root / "data" / "ledger.sqlite") as ledger:
        summary = primary_summary(ledger, setup, "3A1", YEAR_END, MAY)
        records = class_records(ledger, setup, "3A1", MAY)
    assert [r.year[1] for r in summary.rows] == [
        PrimaryAward.EXEMPLARY.value, PrimaryAward.EXCELLENT.value, "", "", "",
    ]  # fmt: skip
    name = setup.find_student(three).full_name  # type: ignore[union-attr]
    assert summary.award_notes == (f"3. {name}: {got[three].award_note}.",)
    html = render_primary_summary_html(summary)
    assert AWARD_NOTES in html and got[three].award_note in html
    book = write_primary_summary_xlsx(root / "tong-hop.xlsx", summary)
    texts = {
        str(v)
        for ws in openpyxl.load_workbook(book, read_only=True).worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v
    }
    assert PrimaryAward.EXEMPLARY.value in texts and summary.award_notes[0] in texts
    awards = [next(f.value for f in r.outcome if f.label == "Khen thưởng") for r in records]
    assert awards[:2] == [PrimaryAward.EXEMPLARY.value, PrimaryAward.EXCELLENT.value]
    assert PrimaryAward.EXEMPLARY.value in render_primary_hocba_html(records[:1])
    assert "Tiêu biểu" not in render_primary_hocba_html(records[2:3])  # the refusal stays inside

    # the master's class sheet: the flag in its own column, as entered
    from workbook_engine.render.publish import publish

    with Ledger.open(root / "data" / "ledger.sqlite") as ledger:
        publish(ledger, setup, root / "outbox")
    ws = master_sheet(root / "outbox", "3A1")
    table = list(ws.iter_rows(min_row=4, values_only=True))
    block = table[0].index("Phẩm chất, năng lực")  # its semesters, then its columns
    flag = table[2].index("Tiêu biểu", table[1].index("Học kì II", block))
    shown = {r[1]: r[flag] for r in table[3:] if r[1] in PUPILS}
    assert [shown[p] for p in PUPILS] == ["Có", "Có", "Có", None, "Không"]


def test_a_flag_the_row_rules_out_is_a_located_refusal(year: tuple[Setup, Path]) -> None:
    """Hoàn thành tốt needs every quality and competence Tốt: a flag beside an Đ or a C on the
    same row is refused at the flag's cell, as :func:`primary_award` refuses it below HTT."""
    one, two = PUPILS[:2]
    levels = {one: {"E": "Đ"}, two: {"S": "C", "F": "đ"}}
    outcome = _send(year, "3A1_PCNL_CK2.xlsx", _traits({one: "Có", two: "Có"}, levels))
    assert outcome.status is Status.REJECTED
    found = [p for p in outcome.problems if p.code == "primary-exemplary-not-good"]
    assert [f"{p.column}{p.row}" for p in found] == ["U8", "U9"]
    assert all(p.severity is Severity.ERROR and p.column_title == "Học sinh Tiêu biểu"
               for p in found)  # fmt: skip
    assert "mức Nhân ái là Đạt (Đ), nên không đạt Hoàn thành tốt" in found[0].message
    assert "mức Chăm chỉ là Đạt (Đ), mức Thể chất là Cần cố gắng (C)" in found[1].message
    # the same pupils without the flag: taken
    _accepted(_send(year, "3A1_PCNL_CK2.xlsx", _traits({one: "Không"}, levels)))


def test_a_flag_cell_takes_only_its_choices(year: tuple[Setup, Path]) -> None:
    outcome = _send(year, "3A1_PCNL_CK2.xlsx", _traits({PUPILS[0]: "x"}))
    (problem,) = [p for p in outcome.problems if p.code == "primary-exemplary-invalid"]
    assert f"{problem.column}{problem.row}" == "U8" and "Có, Không" in problem.message


def test_changing_an_accepted_flag_waits_for_approval(year: tuple[Setup, Path]) -> None:
    """The flag is a year-end value like a level: a change once accepted is a correction."""
    first = _accepted(_send(year, "3A1_PCNL_CK2.xlsx", _traits({PUPILS[0]: "Có"})))
    assert [(c.column, c.new, c.status) for c in first.changes if c.column == "TIEU_BIEU_CK"] == [
        ("TIEU_BIEU_CK", "Có", ChangeStatus.MERGED)
    ]
    again = _accepted(_send(year, "3A1_PCNL_CK2.xlsx", _traits({PUPILS[0]: "Không"})))
    assert [(c.old, c.new, c.status) for c in again.changes if c.column == "TIEU_BIEU_CK"] == [
        ("Có", "Không", ChangeStatus.PENDING)
    ]


@pytest.mark.parametrize(
    ("result", "flag", "award", "note"),
    [
        (OverallResult.HTT, "Có", PrimaryAward.EXEMPLARY, False),
        (OverallResult.HTT, "Không", None, False),
        (OverallResult.HTXS, "Có", PrimaryAward.EXCELLENT, False),
        (OverallResult.HT, "Có", None, True),
        (OverallResult.CHT, "Có", None, True),
        (None, "Có", None, False),  # a year-end value missing: nothing decided yet
    ],
)
def test_the_award_from_the_flag(
    result: OverallResult | None, flag: str, award: PrimaryAward | None, note: bool
) -> None:
    setup = _school()
    pupil = f"31250490{1:02d}"  # the grade-4 class (tests.test_primary_results)
    scores = {"HTXS": {}, "HTT": {"TOAN": "8"}, "HT": {"TOAN": "6"}, "CHT": {"TOAN": "3"}}
    values = _year_end(setup, pupil, scores=scores[result.name if result else "HTT"],
                       levels={"DD": ""} if result is None else None)  # fmt: skip
    values[SheetKey("4A1", "PCNL", 2), pupil, "TIEU_BIEU_CK"] = flag
    (got, *_) = primary_results(setup, "4A1", values)
    assert (got.year.result, got.year.award) == (result, award)
    assert got.year.exemplary is (flag == "Có")
    assert bool(got.year.award_note) is note
    if note:
        assert f"không phải {result}" in got.year.award_note  # type: ignore[operator]


# --- the level / test score warning, a school setting -------------------------------------------


def test_the_setting_is_the_last_school_field_and_off_by_default(tmp_path: Path) -> None:
    template = Path(__file__).parents[1] / "templates_xlsx" / "setup.xlsx"
    ws = openpyxl.load_workbook(template)["Thông tin trường"]
    labels = [r[0] for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    assert labels[-1].startswith("Cảnh báo mức và điểm KT không khớp (tiểu học)")
    assert labels[-2].startswith("Cấp học")  # the fields before it keep their rows
    setup = _school()
    assert setup.school.primary_level_score_warning is False
    for on in (True, False):
        path = tmp_path / f"setup-{on}.xlsx"
        school = dataclasses.replace(setup.school, primary_level_score_warning=on)
        write_setup(path, dataclasses.replace(setup, school=school))
        loaded, report = check_setup(path)
        assert loaded is not None, [str(p) for p in report.problems]
        assert loaded.school.primary_level_score_warning is on


def test_a_bad_setting_is_a_located_setup_error(tmp_path: Path) -> None:
    path = tmp_path / "setup.xlsx"
    write_setup(path, _school())
    book = openpyxl.load_workbook(path)
    ws = book["Thông tin trường"]
    (row,) = [r for r in ws.iter_rows() if str(r[0].value or "").startswith("Cảnh báo mức")]
    row[1].value = "Thỉnh thoảng"
    book.save(path)
    setup, report = check_setup(path)
    (problem,) = [p for p in report.problems if p.code == "value-not-allowed"]
    assert setup is None and (problem.sheet, problem.row) == ("Thông tin trường", row[1].row)


SCORES = {  # pupil row → cells of 3A1_TOAN_CK1: level, test, re-test
    "D8": "T", "E8": 6,  # T below 7: warned
    "D9": "C", "E9": 3, "F9": 7,  # C, but the official score is the re-test's 7: warned
    "D10": "H", "E10": 3, "F10": 5,  # H and a re-test of 5: consistent
    "D11": "T", "E11": 9,  # consistent
    "D12": "H",  # no score yet: nothing to compare
}  # fmt: skip


def _warned(school: tuple[Setup, Path], on: bool) -> Outcome:
    """The setting written into the school's setup.xlsx and read back, then the sheet sent."""
    setup, root = school
    data = DataDir(root / "data")
    info = dataclasses.replace(setup.school, primary_level_score_warning=on)
    write_setup(data.setup, dataclasses.replace(setup, school=info))
    return _send((load_setup(data.setup), root), "3A1_TOAN_CK1.xlsx", SCORES)


def test_the_warning_is_located_and_never_a_refusal(school: tuple[Setup, Path]) -> None:
    outcome = _accepted(_warned(school, on=True))
    found = [p for p in outcome.problems if p.code == "primary-level-score-mismatch"]
    assert [f"{p.column}{p.row}" for p in found] == ["D8", "D9"]
    assert {p.severity for p in found} == {Severity.WARNING}
    assert CATALOGUE["primary-level-score-mismatch"].severity is Severity.WARNING
    assert found[0].message.startswith(
        "Mức Hoàn thành tốt (T) nhưng bài kiểm tra dưới 7 điểm (6): hãy xem lại"
    )
    assert "từ 5 điểm trở lên (7)" in found[1].message
    with Ledger.open_readonly(school[1] / "data" / "ledger.sqlite") as ledger:
        stored = ledger.scores(SheetKey("3A1", "TOAN", 1))
    assert (stored[(PUPILS[0], "MUC_CK")], stored[(PUPILS[0], "KT_CK")]) == ("T", "6")
    setup, root = school
    teacher = outcome.teacher_code
    (receipt,) = ShareLayout(root / "share", setup).receipts(teacher).glob("*3A1_TOAN_CK1*.html")
    assert "bài kiểm tra dưới 7 điểm (6)" in receipt.read_text(encoding="utf-8")


def test_no_warning_unless_the_school_asks(school: tuple[Setup, Path]) -> None:
    outcome = _accepted(_warned(school, on=False))
    assert not [p for p in outcome.problems if p.code == "primary-level-score-mismatch"]


def test_no_warning_where_no_test_exists(school: tuple[Setup, Path]) -> None:
    setup, root = school
    data = DataDir(root / "data")
    info = dataclasses.replace(setup.school, primary_level_score_warning=True)
    write_setup(data.setup, dataclasses.replace(setup, school=info))
    outcome = _accepted(_send((load_setup(data.setup), root), "3A1_DD_CK1.xlsx", {"D8": "C"}))
    assert not [p for p in outcome.problems if p.code == "primary-level-score-mismatch"]
