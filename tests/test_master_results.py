"""The master shows each student's results (absences, levels, proposal, award, what is missing),
and a «Tổng hợp» sheet counts them per class; recomputed here from the workbook's own cells."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tests.helpers import OCTOBER, School, master_sheet
from workbook_engine.io.master_workbook import (
    SUMMARY_SHEET,
    SUMMARY_TITLE,
    class_counts,
    class_table,
    missing_text,
    proposal_text,
    write_class_master,
    write_master,
)
from workbook_engine.io.master_workbook import summary_row as master_row
from workbook_engine.model import Setup, SheetKey
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.outcome import Outcome as Ingested
from workbook_engine.pipeline.outcome import Status
from workbook_engine.render.publish import Publisher, publish
from workbook_engine.results import (
    SemesterResult,
    StudentResult,
    SummerResult,
    YearResult,
    student_results,
)
from workbook_engine.rules import (
    AssessmentMode,
    Award,
    Comment,
    Level,
    Outcome,
    learning_level,
    parse_comment,
    parse_score,
    semester_average,
    semester_comment_result,
)

CLASS = "6A1"
HK1_OVER = date(2026, 1, 18)  # a Sunday: semester 1 is over, semester 2 has not begun
FIRST_ROW = 8  # of the issued sheets (the master's first student row is 7)
MASTER_ROW = 7
SUMMARY_HEADS = ["P", "K", "HKI", "HKII", "CN", "HKI", "HKII", "CN", "Đề nghị", "Danh hiệu",
                 "Kiểm tra lại", "KQHT", "KQRL", "Sau hè", "Còn thiếu"]  # fmt: skip
MISSING = SUMMARY_HEADS.index("Còn thiếu")
MONTHS = ((2025, 9), (2025, 10), (2025, 11), (2025, 12), (2026, 1))  # semester 1
# (student index, day, mark): P 5/9 and 3/11, K 6/10 for the first; K 1/12 for the third;
# nobody is absent in January: that month's sheet stores no value, yet it is in
ABSENCES = ((0, date(2025, 9, 5), "P"), (0, date(2025, 10, 6), "K"), (0, date(2025, 11, 3), "P"),
            (2, date(2025, 12, 1), "K"))  # fmt: skip


def drop(school: School, name: str, cells: Mapping[str, Any]) -> Path:
    return school.fill_homeroom(CLASS, name, dict(cells))


def score_cells(setup: Setup, subject_code: str) -> dict[str, Any]:
    """Semester 1 of one subject for the first three students of the class: the first has 6 in
    GDCD and 8 elsewhere (Khá), the second misses Toán's CK, the third has 9 everywhere (Tốt)."""
    subject = next(s for s in setup.subjects if s.code == subject_code)
    scored = subject.mode is AssessmentMode.SCORE
    cells: dict[str, Any] = {}
    for index, value in enumerate((6 if subject_code == "GDCD" else 8, 7, 9)):
        for i, column in enumerate(subject.columns):
            if (index, subject_code, column) == (1, "TOAN", "CK"):
                continue
            cells[f"{get_column_letter(4 + i)}{FIRST_ROW + index}"] = value if scored else "Đ"
    return cells


def attendance_cells(year: int, month: int) -> dict[str, Any]:
    """Day d of the month is column 3 + d (D is the 1st)."""
    return {
        f"{get_column_letter(3 + day.day)}{FIRST_ROW + index}": mark
        for index, day, mark in ABSENCES
        if (day.year, day.month) == (year, month)
    }


@pytest.fixture(scope="module")
def semester(
    tmp_path_factory: pytest.TempPathFactory, small_school: Setup, school_data: Path
) -> School:
    """Semester 1 of 6A1 ingested through the pipeline (every subject of the first three
    students, their conduct, every month's attendance), published on :data:`HK1_OVER`."""
    root = tmp_path_factory.mktemp("results")
    school = semester_one(root, small_school, school_data, {"D8": "Tốt", "D9": "Khá", "D10": "Tốt"})
    with Ledger.open(school.data.ledger) as ledger:
        # ingest published on the real day; the master's results follow the day given
        assert publish(ledger, small_school, school.outbox, today=HK1_OVER).master is not None
    return school


def on_day(day: date) -> str:
    """A ledger clock reading ``day``."""
    return f"{day.isoformat()}T16:30:00+07:00"


def semester_one(
    root: Path,
    setup: Setup,
    school_data: Path,
    conduct: dict[str, object],
    cells: Callable[[Setup, str], dict[str, Any]] | None = None,
) -> School:
    """A copy of the school under ``root`` where 6A1 sent every month's attendance of semester 1,
    each confirmed in time (by the 3rd of the next month: a P confirmed late would count as K), then
    every subject's sheet filled by ``cells`` (:func:`score_cells`) and ``conduct``."""
    cells = cells or score_cells
    data = DataDir(root / "data")
    shutil.copytree(school_data, data.root)
    school = School(setup, data, root / "inbox", root / "outbox")
    room = setup.class_by_code(CLASS)
    outcomes: list[Ingested] = []
    for y, m in MONTHS:
        sheet = drop(school, f"{CLASS}_DiemDanh_{y}-{m:02d}_HK1.xlsx", attendance_cells(y, m))
        day = min(date(y + m // 12, m % 12 + 1, 3), HK1_OVER)  # before the semester's lock
        with school.pipeline(day) as pipeline:
            pipeline.ledger.clock = partial(on_day, day)
            outcomes.append(pipeline.process(sheet))
    files = [
        school.fill(CLASS, s.code, cells(setup, s.code))
        for s in setup.subjects_of_grade(room.grade)
    ]
    files.append(drop(school, f"{CLASS}_RenLuyen_HK1.xlsx", conduct))
    outcomes += school.ingest(*files, today=HK1_OVER)
    assert [o.status for o in outcomes] == [Status.ACCEPTED] * (len(MONTHS) + len(files)), [
        f"{o.name}: {p}" for o in outcomes for p in o.problems
    ]
    return school


def master(school: School) -> openpyxl.Workbook:
    return openpyxl.load_workbook(school.outbox / "master.xlsx")


def class_sheet(school: School, code: str = CLASS) -> Worksheet:
    return master_sheet(school.outbox, code)


def block_start(ws: Worksheet, title: str) -> int:
    """1-based first column of the block titled ``title`` (merged over row 4)."""
    return next(c.column for c in ws[4] if c.value == title)


def summary_row(ws: Worksheet, row: int) -> list[Any]:
    start = block_start(ws, SUMMARY_TITLE)
    return [ws.cell(row, start + i).value for i in range(len(SUMMARY_HEADS))]


def test_the_class_sheet_ends_with_each_students_results(semester: School) -> None:
    ws = class_sheet(semester)
    start = block_start(ws, SUMMARY_TITLE)
    assert start + len(SUMMARY_HEADS) - 1 == ws.max_column  # the last block
    assert [ws.cell(5, start + i).value for i in (0, 2, 5, 8, 10, 13, 14)] == [
        "Số buổi nghỉ", "Kết quả học tập", "Kết quả rèn luyện", "Cuối năm", "Kì nghỉ hè",
        "Xét lên lớp", "Chưa tính được",
    ]  # fmt: skip
    assert summary_row(ws, 6) == SUMMARY_HEADS
    first, second, third, fourth = (summary_row(ws, MASTER_ROW + i) for i in range(4))
    # absences of the year so far; HK2, the year and the summer are not computable yet: blank
    blank = [None] * 4
    assert first == [2, 1, "Khá", None, None, "Tốt", None, None, None, None, *blank, None]
    assert second == [0, 0, None, None, None, "Khá", None, None, None, None, *blank,
                      "Toán HK1: thiếu CK"]  # fmt: skip
    assert third == [0, 1, "Tốt", None, None, "Tốt", None, None, None, None, *blank, None]
    # nothing in for the fourth: the first three missing inputs, then how many more
    names = [s.name for s in semester.setup.subjects_of_grade(6)]
    assert fourth[:MISSING] == [0, 0] + [None] * 12
    assert fourth[MISSING] == (
        f"{names[0]} HK1: chưa có điểm; {names[1]} HK1: chưa có điểm; {names[2]} HK1: chưa có"
        " điểm; … và 10 mục khác"  # 9 more subjects and the conduct
    )


def test_the_summary_sheet_counts_every_class(semester: School) -> None:
    book = master(semester)
    assert book.sheetnames[0] == SUMMARY_SHEET
    ws = book[SUMMARY_SHEET]
    levels = ["Tốt", "Khá", "Đạt", "Chưa đạt"]
    proposals = ["Lên lớp", "Kiểm tra lại", "Rèn luyện hè", "Ở lại lớp"]
    finals = ["Lên lớp", "Ở lại lớp", "Chờ kết quả hè"]
    assert [c.value for c in ws[6]] == [
        "Lớp", "Sĩ số", *levels * 6, *proposals, *finals, "Xuất sắc", "Giỏi", "Còn thiếu dữ liệu"
    ]  # fmt: skip
    assert [ws.cell(4, c).value for c in (3, 15, 27, 31, 34)] == [
        "Kết quả học tập", "Kết quả rèn luyện", "Đề nghị", "Xét lên lớp", "Danh hiệu"
    ]  # fmt: skip
    assert [ws.cell(5, c).value for c in (3, 7, 11, 15, 19, 23, 27, 31, 34)] == (
        ["Học kì I", "Học kì II", "Cả năm"] * 2 + ["Cả năm", "Sau hè", "Cả năm"]
    )
    rows = {r[0]: list(r[1:]) for r in ws.iter_rows(min_row=7, values_only=True)}
    classes = [c.code for c in semester.setup.classes]
    assert list(rows) == [*classes, "Toàn trường"]
    # levels of HK1, HK2, the year, twice; proposals; final outcomes; awards
    quiet = [0] * 4 * 6 + [0] * 9
    hk1_learning, hk1_conduct = [1, 1, 0, 0], [2, 1, 0, 0]  # Tốt/Khá; Tốt, Khá, Tốt
    size = {c: len(semester.setup.students_of(c)) for c in classes}
    expected = [size[CLASS], *hk1_learning, *[0] * 8, *hk1_conduct, *[0] * 8, *[0] * 9]
    assert rows[CLASS] == [*expected, size[CLASS] - 2]  # all but the first and the third
    for code in classes[1:]:
        assert rows[code] == [size[code], *quiet, size[code]]
    columns = zip(*(rows[c] for c in classes), strict=True)
    assert rows["Toàn trường"] == [sum(column) for column in columns]


def test_the_results_are_recomputed_from_the_masters_own_cells(semester: School) -> None:
    """The acceptance test for what exists so far: each subject's TX/GK/CK and the conduct read
    back from the class sheet, the levels recomputed with the rules module, compared with the
    «Tổng hợp» block; absences summed from the attendance blocks' month cells (and against the
    ledger's marks)."""
    setup = semester.setup
    ws = class_sheet(semester)
    subjects = setup.subjects_of_grade(setup.class_by_code(CLASS).grade)
    conduct = block_start(ws, "Rèn luyện")
    attendance = block_start(ws, "Điểm danh HKI")
    months = [ws.cell(6, attendance + i).value for i in range(4 * len(MONTHS))]  # both semesters
    with Ledger.open(semester.data.ledger) as ledger:
        values = ledger.scores_of_class(CLASS)
    computed = 0
    for index, student in enumerate(setup.students_of(CLASS)):
        row = MASTER_ROW + index
        assert ws.cell(row, 2).value == student.code
        scored: dict[str, int | None] = {}
        commented: dict[str, Comment | None] = {}
        for subject in subjects:
            start = block_start(ws, f"{subject.name} ({subject.code})")
            cells = [ws.cell(row, start + i).value for i in range(len(subject.columns) + 1)]
            if cells[0] == "Miễn":
                continue  # wholly exempt: left out of every count
            *entered, shown = cells
            tx, gk, ck = entered[:-2], entered[-2], entered[-1]
            if subject.mode is AssessmentMode.SCORE:
                scores = [parse_score(v) for v in entered]
                average = semester_average(scores[:-2], scores[-2], scores[-1], subject.tx_count)
                scored[subject.code] = average
                assert shown == (None if average is None else average / 10), subject.code
            else:
                comments = [parse_comment(v) for v in (*tx, gk, ck)]
                result = (
                    None
                    if any(c is None for c in comments)
                    else semester_comment_result(
                        comments[:-2], comments[-2], comments[-1], subject.tx_count
                    )
                )
                commented[subject.code] = result
                assert shown == (None if result is None else result.value), subject.code
        level = learning_level(scored, commented)
        summary = summary_row(ws, row)
        assert summary[2] == (None if level is None else level.value), student.code
        kqrl = ws.cell(row, conduct).value  # the Rèn luyện block: HK1 KQRL, NX, HK2 KQRL, NX
        assert summary[5] == (Level(kqrl).value if kqrl else None), student.code
        marks = [
            v
            for (key, who, _), v in values.items()
            if who == student.code and key.subject_code.startswith("DIEMDANH-")
        ]
        assert summary[:2] == [marks.count("P"), marks.count("K")], student.code
        counts = [ws.cell(row, attendance + i).value for i in range(len(months))]
        assert summary[:2] == [
            sum(int(str(n or 0)) for n, mark in zip(counts, months, strict=True) if mark == wanted)
            for wanted in ("P", "K")
        ], student.code
        computed += level is not None
    assert computed == 2  # not vacuous: the first and the third


def test_the_class_sheet_shows_each_months_attendance(semester: School) -> None:
    """Before the «Tổng hợp» block, a block per semester gives each student's P and K of every
    month (January in both, each semester's own); 0 once the month is in (January's sheet stored
    no mark: nobody was absent), blank while it is not (semester 2)."""
    ws = class_sheet(semester)
    first = block_start(ws, "Điểm danh HKI")
    second = block_start(ws, "Điểm danh HKII")
    assert second == first + 2 * len(MONTHS) and block_start(ws, SUMMARY_TITLE) == second + 10
    months = [f"{m:02d}/{y}" for y, m in MONTHS] + ["01/2026", "02/2026", "03/2026", "04/2026",
                                                     "05/2026"]  # fmt: skip
    assert [ws.cell(5, first + 2 * i).value for i in range(10)] == months
    assert [ws.cell(6, first + i).value for i in range(20)] == ["P", "K"] * 10

    def marks(index: int) -> list[Any]:
        return [ws.cell(MASTER_ROW + index, first + i).value for i in range(20)]

    # P 5/9, K 6/10, P 3/11 for the first; K 1/12 for the third; nobody else absent
    assert marks(0) == [1, 0, 0, 1, 1, 0, 0, 0, 0, 0] + [None] * 10
    assert marks(2) == [0, 0, 0, 0, 0, 0, 0, 1, 0, 0] + [None] * 10
    for index in (1, *range(3, len(semester.setup.students_of(CLASS)))):
        assert marks(index) == [0] * 10 + [None] * 10, index


def test_a_month_confirmed_late_is_flagged(tmp_path: Path, small_school: Setup) -> None:
    """October confirmed after its deadline: its P marks are shown as entered, the month flagged
    «10/2025 (muộn)» and the block's title saying what that means, as the results count them
    as K; the other months, September not in (blank) and November in without a mark (0), are
    not flagged."""
    student = small_school.students_of(CLASS)[0].code
    october = SheetKey(CLASS, "DIEMDANH-2025-10", 1)
    november = SheetKey(CLASS, "DIEMDANH-2025-11", 1)
    values = {(october, student, "2025-10-06"): "P", (october, student, "2025-10-07"): "K"}
    results = student_results(small_school, CLASS, values, HK1_OVER, late={october})
    table = class_table(small_school, CLASS, values, results, None, {november}, {october})
    ws = openpyxl.load_workbook(write_class_master(tmp_path / "m.xlsx", small_school, table))[CLASS]
    first = block_start(ws, "Điểm danh HKI (tháng muộn: P tính là K)")
    assert block_start(ws, "Điểm danh HKII") == first + 10
    assert [ws.cell(5, first + 2 * i).value for i in range(5)] == [
        "09/2025", "10/2025 (muộn)", "11/2025", "12/2025", "01/2026"
    ]  # fmt: skip
    assert [ws.cell(MASTER_ROW, first + i).value for i in range(10)] == (
        [None, None, 1, 1, 0, 0] + [None] * 4
    )
    assert [ws.cell(MASTER_ROW + 1, first + i).value for i in range(10)] == (
        [None, None, 0, 0, 0, 0] + [None] * 4
    )
    assert summary_row(ws, MASTER_ROW)[:2] == [0, 2]  # the late P counted as K


def test_a_new_day_recomputes_every_class_else_only_the_touched_one(school: School) -> None:
    """Results depend on the day (what is due, overdue): a new day recomputes every class. An
    attendance sheet with no absence stores nothing, yet its class is recomputed: the month is
    in."""
    empty = drop(school, f"{CLASS}_DiemDanh_2025-09_HK1.xlsx", {})
    score = school.fill("7A1", "TOAN", {"D8": 8})  # Toán of 7A1 is still missing, GK, CK…

    def more(code: str) -> str:
        """What the first student's «Còn thiếu» ends with: how many more items are missing."""
        ws = master_sheet(school.outbox, code)
        return str(summary_row(ws, MASTER_ROW)[MISSING]).rpartition("; … ")[2]

    with school.pipeline(OCTOBER) as pipeline:
        pipeline.process(score)
        publisher = Publisher(pipeline.ledger, school.setup, school.outbox)
        classes = [c.code for c in school.setup.classes]
        # every class (a first publish), the one the file touched first
        assert publisher.publish(today=OCTOBER).classes == [
            "7A1",
            *(c for c in classes if c != "7A1"),
        ]
        # 12 subjects, the conduct, September (overdue on 10 October), October (begun)
        assert more(CLASS) == more("7A1") == "và 12 mục khác"
        assert not publisher.publish(today=OCTOBER)  # the same day, nothing new
        outcome = pipeline.process(empty)
        assert outcome.status is Status.ACCEPTED and outcome.changes == []
        assert publisher.publish(today=OCTOBER).classes == [CLASS]
        assert more(CLASS) == "và 11 mục khác"  # September is in
        later = publisher.publish(today=date(2025, 11, 6))
        assert later.classes == classes and later.master is not None
        assert (more(CLASS), more("7A1")) == ("và 12 mục khác", "và 13 mục khác")  # November
    with Ledger.open(school.data.ledger) as ledger:  # a one-off publish reads the day on disk
        assert not publish(ledger, school.setup, school.outbox, today=date(2025, 11, 6))
        assert publish(ledger, school.setup, school.outbox, today=date(2025, 11, 7)).master


def test_the_ledger_lists_the_attendance_months_received(semester: School) -> None:
    with Ledger.open(semester.data.ledger) as ledger:
        keys = ledger.received_keys(CLASS)
        assert ledger.received_keys() == keys  # only 6A1 sent any
        assert ledger.received_keys(CLASS, kind="conduct") == {SheetKey(CLASS, "RENLUYEN", 1)}
    assert keys == {SheetKey(CLASS, f"DIEMDANH-{y}-{m:02d}", 1) for y, m in MONTHS}


NAMES = {"TOAN": "Toán", "NV": "Ngữ văn", "GDTC": "Giáo dục thể chất"}


def year_of(outcome: Outcome | None, re_exam: list[str], reason: str = "") -> YearResult:
    learning = Level.CD if re_exam else Level.T
    return YearResult({}, learning, Level.T, 0, 0, outcome, re_exam, None, reason)


@pytest.mark.parametrize(
    ("year", "shown"),
    [
        (year_of(None, []), ""),
        (year_of(Outcome.PROMOTED, []), "Lên lớp"),
        (year_of(Outcome.RE_EXAM, ["NV", "TOAN"]), "Kiểm tra lại: Ngữ văn, Toán"),
        (year_of(Outcome.RE_EXAM_AND_TRAINING, ["GDTC"], "Kết quả học tập cả năm Chưa đạt"),
         "Kiểm tra lại và rèn luyện trong hè: Giáo dục thể chất"),
        (year_of(Outcome.SUMMER_TRAINING, [], "Kết quả rèn luyện cả năm Chưa đạt"),
         "Rèn luyện trong kì nghỉ hè"),
        (year_of(Outcome.RETAINED, [], "Nghỉ 46 buổi (quá 45 buổi)"),
         "Ở lại lớp: nghỉ 46 buổi (quá 45 buổi)"),
    ],
)  # fmt: skip
def test_the_proposal_names_the_re_exam_subjects_or_the_reason(
    year: YearResult, shown: str
) -> None:
    assert proposal_text(year, NAMES) == shown


def test_what_is_missing_shows_three_items_then_counts_the_rest() -> None:
    assert missing_text([]) == ""
    assert missing_text(["a", "b", "c"]) == "a; b; c"
    assert missing_text(["a", "b", "c", "d", "e"]) == "a; b; c; … và 2 mục khác"


def test_a_student_proposed_for_both_re_exam_and_training_counts_in_both_columns() -> None:
    def student(outcome: Outcome, prize: Award | None = None) -> StudentResult:
        half = SemesterResult({}, Level.T, Level.T, 0, 0)
        year = YearResult({}, Level.T, Level.T, 0, 0, outcome, [], prize)
        return StudentResult("HS", "Tên", half, half, year, [])

    counts = class_counts(
        [
            student(Outcome.PROMOTED, Award.EXCELLENT),
            student(Outcome.PROMOTED, Award.GOOD),
            student(Outcome.RE_EXAM_AND_TRAINING),
            student(Outcome.RETAINED),
        ]
    )
    assert counts[0] == 4 and counts[1:5] == (4, 0, 0, 0)  # HK1 learning: all Tốt
    # proposals; final outcomes (the year's where the summer does not concern the student; the
    # one proposed for the summer is waiting for it); awards; nothing missing
    assert counts[-10:] == (2, 1, 1, 1, 2, 1, 1, 1, 1, 0)


def summer_results(setup: Setup) -> list[StudentResult]:
    """The first six students of 6A1 at the end of the summer: promoted with an award; two
    re-exams passed (a scored and a commented subject); a re-exam in, the training not yet; the
    training failed; kept back for absences (never sent to the summer)."""
    codes = [s.code for s in setup.students_of(CLASS)][:6]
    half = SemesterResult({}, Level.K, Level.T, 0, 0)
    why = "Kết quả rèn luyện cả năm Chưa đạt"
    years = [
        YearResult({}, Level.T, Level.T, 0, 0, Outcome.PROMOTED, [], Award.GOOD),
        YearResult({}, Level.CD, Level.K, 0, 0, Outcome.RE_EXAM, ["TOAN", "NT"],
                   summer=SummerResult({"TOAN": 60, "NT": Comment.D}, Level.D, Level.K,
                                       Outcome.PROMOTED)),
        YearResult({}, Level.CD, Level.CD, 0, 0, Outcome.RE_EXAM_AND_TRAINING, ["NV"],
                   summer=SummerResult({"NV": 45}, None, None)),
        YearResult({}, Level.K, Level.CD, 0, 0, Outcome.SUMMER_TRAINING, [], reason=why,
                   summer=SummerResult({}, Level.K, Level.CD, Outcome.RETAINED, why)),
        YearResult({}, Level.K, Level.T, 40, 6, Outcome.RETAINED, [],
                   reason="Nghỉ 46 buổi (quá 45 buổi)"),
        YearResult({}, Level.CD, Level.K, 0, 0, Outcome.RE_EXAM, ["TOAN"],
                   summer=SummerResult({"TOAN": None}, None, Level.K)),
    ]  # fmt: skip
    waiting = [[], [], ["Rèn luyện trong hè"], [], [], ["Kiểm tra lại Toán: chưa có điểm"]]
    return [
        StudentResult(code, "", half, half, year, [], summer_missing=missing)
        for code, year, missing in zip(codes, years, waiting, strict=True)
    ]


def test_the_summer_and_the_final_outcome_of_every_student(
    tmp_path: Path, small_school: Setup
) -> None:
    """The «Kì nghỉ hè» columns show a summer student's re-exam results (names, not codes), the
    learning level after the re-exams and the conduct after training; «Sau hè» the final outcome
    of every student whose year is computed (the year's where the summer does not concern the
    student), blank while a summer result is awaited, «Còn thiếu» naming it; the «Tổng hợp»
    sheet counts the final outcomes."""
    results = summer_results(small_school)
    table = class_table(small_school, CLASS, {}, results)
    ws = openpyxl.load_workbook(write_class_master(tmp_path / "6A1.xlsx", small_school, table))[
        CLASS
    ]
    path = write_master(
        tmp_path / "master.xlsx",
        small_school,
        [master_row(small_school, CLASS, table.counts, table.approved)],
    )
    book = openpyxl.load_workbook(path)
    rows = [summary_row(ws, MASTER_ROW + i)[8:] for i in range(6)]
    assert rows == [
        ["Lên lớp", "Học sinh Giỏi", None, None, None, "Lên lớp", None],
        ["Kiểm tra lại: Toán, Nghệ thuật (Âm nhạc, Mĩ thuật)", None,
         "Toán 6,0; Nghệ thuật (Âm nhạc, Mĩ thuật) Đ", "Đạt", None, "Lên lớp", None],
        ["Kiểm tra lại và rèn luyện trong hè: Ngữ văn", None, "Ngữ văn 4,5", None, None, None,
         "Rèn luyện trong hè"],
        ["Rèn luyện trong kì nghỉ hè", None, None, None, "Chưa đạt", "Ở lại lớp", None],
        ["Ở lại lớp: nghỉ 46 buổi (quá 45 buổi)", None, None, None, None, "Ở lại lớp", None],
        ["Kiểm tra lại: Toán", None, None, None, None, None, "Kiểm tra lại Toán: chưa có điểm"],
    ]  # fmt: skip
    assert summary_row(ws, MASTER_ROW + 6) == [None] * len(SUMMARY_HEADS)  # no result given
    counts = {r[0]: r[26:36] for r in book[SUMMARY_SHEET].iter_rows(min_row=7, values_only=True)}
    # proposals (Lên lớp, Kiểm tra lại, Rèn luyện hè, Ở lại lớp); after the summer (Lên lớp, Ở
    # lại lớp, waiting); awards (Xuất sắc, Giỏi); students with something missing
    assert counts[CLASS] == (1, 3, 2, 1, 2, 2, 2, 0, 1, 0)
    assert counts["Toàn trường"] == counts[CLASS]
