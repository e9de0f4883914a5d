"""The master workbook: every accepted value of every class, and the change log.

Regenerated from the ledger after each batch and written atomically, so a reader (or Excel on
the office PC) never sees a half-written file. Averages are computed here with the rules module,
not with Excel formulas, so the printed master equals what the books will say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from workbook_engine.io.atomic import atomic_path
from workbook_engine.model import (
    ChangeRecord,
    ChangeStatus,
    ExemptionScope,
    Setup,
    SheetKey,
    Subject,
)
from workbook_engine.rules import (
    AssessmentMode,
    Comment,
    ScoreError,
    format_tenths,
    parse_comment,
    parse_score,
    semester_average,
    semester_comment_result,
    year_average,
    year_comment_result,
)

LOG_SHEET = "Nhật ký thay đổi"
HEADER_ROWS = 6  # title, school, blank, subject, semester, column
EXEMPT = "Miễn"

Values = Mapping[tuple[SheetKey, str, str], str]  # (sheet, student, column) → value as stored


class _Formats:
    def __init__(self, book: Workbook) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.subject = book.add_format(
            {"bold": True, "align": "center", "border": 1, "bg_color": "#D9E2F3"}
        )
        self.head = book.add_format(
            {"bold": True, "align": "center", "border": 1, "text_wrap": True}
        )
        self.avg = book.add_format({"num_format": "0.0", "bold": True, "bg_color": "#FFF2CC"})
        self.score = book.add_format({"num_format": "0.0"})
        self.text = book.add_format({})
        self.exempt = book.add_format({"italic": True, "font_color": "#7F7F7F"})


def _score(value: str | None) -> int | None:
    try:
        return parse_score(value)
    except ScoreError:
        return None


def _comment(value: str | None) -> Comment | None:
    try:
        return parse_comment(value)
    except ScoreError:
        return None


def _subject_columns(subject: Subject) -> list[tuple[int | None, str]]:
    """(semester or None for the year, column title) for one subject, in sheet order."""
    result_title = "ĐTBmhk" if subject.mode is AssessmentMode.SCORE else "KQ"
    year_title = "ĐTBmcn" if subject.mode is AssessmentMode.SCORE else "KQ CN"
    out: list[tuple[int | None, str]] = []
    for semester in (1, 2):
        out += [(semester, c) for c in subject.columns] + [(semester, result_title)]
    return [*out, (None, year_title)]


def _semester_result(
    subject: Subject, values: Sequence[str | None]
) -> tuple[int | None, Comment | None]:
    """Semester average (tenths) or comment result; None while anything is missing."""
    if subject.mode is AssessmentMode.SCORE:
        scores = [_score(v) for v in values]
        return semester_average(scores[:-2], scores[-2], scores[-1], subject.tx_count), None
    comments = [_comment(v) for v in values]
    if any(c is None for c in comments):
        return None, None  # not yet assessed: blank, not Chưa đạt
    return None, semester_comment_result(
        comments[:-2], comments[-2], comments[-1], subject.tx_count
    )


def _write_class(
    ws: Worksheet, setup: Setup, class_code: str, values: Values, fmt: _Formats
) -> None:
    room = setup.class_by_code(class_code)
    subjects = setup.subjects_of_grade(room.grade)
    students = setup.students_of(class_code)
    exempt = {
        (e.student_code, e.subject_code)
        for e in setup.exemptions
        if e.scope is ExemptionScope.WHOLE
    }
    title = f"BẢNG ĐIỂM TỔNG HỢP LỚP {class_code} — NĂM HỌC {setup.school.school_year}"
    ws.write_string(0, 0, title, fmt.title)
    ws.write_string(1, 0, setup.school.name)
    for c, head in enumerate(("STT", "Mã học sinh", "Họ và tên")):
        ws.merge_range(3, c, 5, c, head, fmt.head)
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 13)
    ws.set_column(2, 2, 26)
    col = 3
    layout: list[tuple[Subject, int]] = []
    for subject in subjects:
        columns = _subject_columns(subject)
        layout.append((subject, col))
        ws.merge_range(
            3, col, 3, col + len(columns) - 1, f"{subject.name} ({subject.code})", fmt.subject
        )
        span = len(subject.columns) + 1
        ws.merge_range(4, col, 4, col + span - 1, "Học kì I", fmt.head)
        ws.merge_range(4, col + span, 4, col + 2 * span - 1, "Học kì II", fmt.head)
        ws.write_string(4, col + 2 * span, "Cả năm", fmt.head)
        for i, (_, head) in enumerate(columns):
            ws.write_string(5, col + i, head, fmt.head)
        ws.set_column(col, col + len(columns) - 1, 6.5)
        col += len(columns)
    for r, student in enumerate(students, start=HEADER_ROWS):
        ws.write_number(r, 0, r - HEADER_ROWS + 1)
        ws.write_string(r, 1, student.code)
        ws.write_string(r, 2, student.full_name)
        for subject, start in layout:
            if (student.code, subject.code) in exempt:
                for i in range(len(_subject_columns(subject))):
                    ws.write_string(r, start + i, EXEMPT, fmt.exempt)
                continue
            _write_subject_row(ws, r, start, subject, class_code, student.code, values, fmt)
    ws.freeze_panes(HEADER_ROWS, 3)
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(3, 5)


def _write_subject_row(
    ws: Worksheet,
    row: int,
    start: int,
    subject: Subject,
    class_code: str,
    student: str,
    values: Values,
    fmt: _Formats,
) -> None:
    col = start
    averages: list[int | None] = []
    results: list[Comment | None] = []
    for semester in (1, 2):
        key = SheetKey(class_code, subject.code, semester)
        cells = [values.get((key, student, c)) for c in subject.columns]
        for value in cells:
            _write_value(ws, row, col, subject, value, fmt)
            col += 1
        average, result = _semester_result(subject, cells)
        averages.append(average)
        results.append(result)
        _write_result(ws, row, col, average, result, fmt)
        col += 1
    if subject.mode is AssessmentMode.SCORE:
        _write_result(ws, row, col, year_average(averages[0], averages[1]), None, fmt)
    else:
        year = year_comment_result(results[0], results[1]) if results[1] else None
        _write_result(ws, row, col, None, year, fmt)


def _write_value(
    ws: Worksheet, row: int, col: int, subject: Subject, value: str | None, fmt: _Formats
) -> None:
    if value is None:
        return
    score = _score(value) if subject.mode is AssessmentMode.SCORE else None
    if score is not None:
        ws.write_number(row, col, score / 10, fmt.score)
    else:
        ws.write_string(row, col, value, fmt.text)


def _write_result(
    ws: Worksheet, row: int, col: int, average: int | None, result: Comment | None, fmt: _Formats
) -> None:
    if average is not None:
        ws.write_number(row, col, average / 10, fmt.avg)
    elif result is not None:
        ws.write_string(row, col, result.value, fmt.avg)


LOG_COLUMNS = (
    ("Thời điểm", 20),
    ("Giáo viên", 10),
    ("Tệp", 28),
    ("Lớp", 7),
    ("Môn", 8),
    ("Học kì", 7),
    ("Mã học sinh", 13),
    ("Họ và tên", 24),
    ("Cột", 7),
    ("Giá trị cũ", 10),
    ("Giá trị mới", 10),
    ("Trạng thái", 16),
)


def _write_log(
    ws: Worksheet, setup: Setup, changes: Sequence[ChangeRecord], chain_head: str, fmt: _Formats
) -> None:
    names = {s.code: s.full_name for s in setup.students}
    ws.write_string(0, 0, "NHẬT KÝ THAY ĐỔI ĐIỂM", fmt.title)
    if chain_head:
        ws.write_string(1, 0, f"Mã kiểm tra chuỗi nhật ký (đối chiếu với sổ cái): {chain_head}")
    for c, (head, width) in enumerate(LOG_COLUMNS):
        ws.write_string(3, c, head, fmt.head)
        ws.set_column(c, c, width)
    for r, ch in enumerate(changes, start=4):
        row = (
            ch.at.replace("T", " ")[:19],
            ch.teacher_code,
            ch.file_name,
            ch.key.class_code,
            ch.key.subject_code,
            str(ch.key.semester),
            ch.student_code,
            names.get(ch.student_code, ""),
            ch.column,
            _display(ch.old),
            _display(ch.new),
            ChangeStatus(ch.status).label,
        )
        for c, value in enumerate(row):
            if value:
                ws.write_string(r, c, value)
    ws.freeze_panes(4, 0)
    ws.autofilter(3, 0, 3 + max(len(changes), 1), len(LOG_COLUMNS) - 1)


def _display(value: str | None) -> str:
    if value is None:
        return ""
    score = _score(value)
    return format_tenths(score) if score is not None else value


def write_master(
    path: Path,
    setup: Setup,
    values: Values,
    changes: Sequence[ChangeRecord],
    chain_head: str = "",
) -> Path:
    """Write the master workbook atomically: one sheet per class, then the change log."""
    with atomic_path(Path(path)) as tmp:
        book = xlsxwriter.Workbook(str(tmp))
        book.set_properties({"title": "Sổ điểm tổng hợp", "author": "workbook_engine"})
        fmt = _Formats(book)
        for room in setup.classes:
            _write_class(book.add_worksheet(room.code), setup, room.code, values, fmt)
        _write_log(book.add_worksheet(LOG_SHEET), setup, changes, chain_head, fmt)
        book.close()
    return Path(path)
