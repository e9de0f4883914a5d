"""The master: one workbook per class (every accepted value of the class, its teachers'
comments) and the master workbook itself (every class's results counted, each class linked to
its workbook, and the index of the change logs), and the change logs, one per class and month.

One workbook per class, so that a file received rewrites its class's workbook and the small
master, never the whole school's values (a district's data directory holds hundreds of classes).

Written from the ledger by the publisher, atomically, so a reader (or Excel on the office PC)
never sees a half-written file. A class's sheet is computed once as a :class:`ClassTable`.
Averages are computed here with the rules module, not with Excel formulas, so the printed
master equals what the books will say.

The teachers' comments («Nhận xét», up to a few hundred characters per student, subject and
semester) are not columns of the class sheets: two more wrapped columns per subject would make
a sheet already over a hundred columns wider still, and every row of scores many lines tall.
They are listed on the class workbook's «Nhận xét» sheet instead, a row per comment (class,
student, subject, semester), the text wrapped in one wide column, with a filter.

Before it, an attendance block per semester («Điểm danh HKI», «Điểm danh HKII») gives each
student's P and K marks of every month of the semester (January may belong to both: one column
pair in each), blank while the month's sheet is not in; summed, they are the absences of the
results, except that the P marks of a month confirmed after its deadline count as K (the month
is flagged «10/2025 (muộn)», the block's title says so).

Each class sheet ends with a «Tổng hợp» block: per student the absences so far, the learning and
conduct levels of each semester and the year, the year's proposal and award, the summer of a
student proposed for it (the re-exam results, «Toán 6,0; Mĩ thuật Đ», the learning level after
the re-exams, the conduct after the summer training), the final outcome after the summer for
every student whose year is computed (the year's own for a student the summer does not concern,
so the final list reads from that one column), and what is still missing. Those results are
computed by :mod:`workbook_engine.results` (the caller passes them: they depend on the day) from
the same values as the sheet. The master's «Tổng hợp» sheet counts them per class (one row per
class and a school total).

Once the principal approved a period's results of a class (``wbe results approve``), they are
frozen: the block and the counts show the approved values (the ledger's snapshot), and a value
computed now that differs (a later score correction) is noted in a «Ghi chú duyệt» column
(«Thay đổi sau khi duyệt: HKI học tập Khá → Tốt») until the principal approves again. That
column, and the «Phê duyệt» column of the «Tổng hợp» sheet, appear once a class has an approval.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from workbook_engine.approvals import (
    APPROVAL_PERIODS,
    CHANGED_AFTER,
    Approved,
    approval_changes,
    approved_result,
    result_text,
)
from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.kinds import KINDS
from workbook_engine.io.kinds.homeroom import semester_months
from workbook_engine.io.kinds.score import NOTE_HEADER, NOTE_KEY
from workbook_engine.io.kinds.values import EXCUSED, UNEXCUSED, counted_as
from workbook_engine.io.sheet_base import SEMESTER_NAMES
from workbook_engine.model import (
    SUMMER,
    ChangeRecord,
    ChangeStatus,
    ExemptionScope,
    Setup,
    SheetKey,
    Subject,
)
from workbook_engine.results import (
    ATTENDANCE_PREFIX,
    SUMMER_OUTCOMES,
    StudentResult,
    SummerResult,
    YearResult,
)
from workbook_engine.rules import (
    AssessmentMode,
    Award,
    Comment,
    Level,
    Outcome,
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
NOTES_SHEET = NOTE_HEADER  # the teachers' comments, one row each
SUMMARY_SHEET = "Tổng hợp"  # every class's results counted, first sheet of the book
SUMMARY_TITLE = "Tổng hợp"  # the last block of a class sheet
HEADER_ROWS = 6  # title, school, blank, subject, semester, column
ROSTER_COLUMNS = 3  # STT, student code, full name
EXEMPT = "Miễn"

Values = Mapping[tuple[SheetKey, str, str], str]  # (sheet, student, column) → value as stored
Cell = tuple[int, int, float | str, str]  # (row, col, value, style)
Note = tuple[int, str, int, str]  # (student's index in the class, subject name, semester, text)
STYLES = ("score", "avg", "text", "exempt", "count", "level", "missing", "approved")

# The attendance blocks of a class sheet: «Điểm danh HKI», a "09/2025" group per month of the
# semester, its P and K marks as entered; a month confirmed after its deadline is flagged, its P
# marks count as K in the results
ATTENDANCE_TITLE = "Điểm danh"
ATTENDANCE_MARKS = (EXCUSED, UNEXCUSED)
ATTENDANCE_WIDTH = 4.5
LATE_MONTH = " (muộn)"  # after the month: "10/2025 (muộn)"
LATE_NOTE = "(tháng muộn: P tính là K)"  # after the block's title, when it has one
LATE_WIDTH = 7.0
SEMESTER_SHORT = {1: "HKI", 2: "HKII"}

# The «Tổng hợp» block of a class sheet: (group, its column headings), and the column widths
SUMMER_GROUP = "Kì nghỉ hè"  # re-exam results, learning after them, conduct after training
FINAL_GROUP = "Xét lên lớp"  # the final outcome, after the summer where it concerns the student
FINAL_PERIOD = "Sau hè"
SUMMARY_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Số buổi nghỉ", ("P", "K")),
    ("Kết quả học tập", ("HKI", "HKII", "CN")),
    ("Kết quả rèn luyện", ("HKI", "HKII", "CN")),
    ("Cuối năm", ("Đề nghị", "Danh hiệu")),
    (SUMMER_GROUP, ("Kiểm tra lại", "KQHT", "KQRL")),
    (FINAL_GROUP, (FINAL_PERIOD,)),
    ("Chưa tính được", ("Còn thiếu",)),
)
SUMMARY_WIDTHS = (6.0, 6.0, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 30.0, 17.0, 24.0, 7.0, 7.0, 11.0, 60.0)
MISSING_SHOWN = 3  # the first items of what is missing; the rest counted

APPROVAL_GROUP = ("Phê duyệt", ("Ghi chú duyệt",))
APPROVAL_WIDTH = 55.0

# The «Tổng hợp» sheet: one count per column, in this order (see :func:`class_counts`)
PERIODS = (("Học kì I", "hk1"), ("Học kì II", "hk2"), ("Cả năm", "year"))
PROPOSALS = ("Lên lớp", "Kiểm tra lại", "Rèn luyện hè", "Ở lại lớp")
# the final outcomes after the summer, and the students proposed for it whose outcome is not in
FINALS = ((Outcome.PROMOTED, "Lên lớp"), (Outcome.RETAINED, "Ở lại lớp"))
FINAL_OUTCOMES = frozenset(outcome for outcome, _ in FINALS)
FINAL_WAITING = "Chờ kết quả hè"
AWARDS = ((Award.EXCELLENT, "Xuất sắc"), (Award.GOOD, "Giỏi"))


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
        self.top = book.add_format({"valign": "top"})
        self.wrap = book.add_format({"valign": "top", "text_wrap": True})
        self.count = book.add_format({"num_format": "0", "align": "center"})
        self.level = book.add_format({"align": "center"})
        self.missing = book.add_format({"font_color": "#9C0006"})
        self.approved = book.add_format({"align": "center", "bg_color": "#E2EFDA"})
        self.total = book.add_format({"bold": True, "num_format": "0", "align": "center",
                                      "top": 1})  # fmt: skip
        self.total_name = book.add_format({"bold": True, "top": 1})

    def styles(self) -> dict[str, Format]:
        """The format of each of :data:`STYLES`."""
        return {name: getattr(self, name) for name in STYLES}


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


@dataclass(frozen=True)
class Block:
    """A block of columns under one title: a subject, or a sheet kind such as conduct."""

    title: str
    start: int  # first column (0-based)
    groups: tuple[tuple[str, int], ...]  # (title, width): "Học kì I", "Học kì II", "Cả năm"
    heads: tuple[str, ...]  # one heading per column
    widths: tuple[float, ...] = ()  # one per column; none: narrow score columns

    @property
    def width(self) -> int:
        return len(self.heads)


@dataclass(frozen=True)
class ClassTable:
    """One class's sheet of the master (its own workbook), computed from the ledger."""

    class_code: str
    blocks: tuple[Block, ...]
    students: tuple[tuple[str, str], ...]  # (code, full name)
    # the filled cells in row order, kept compact (arrays, one byte a style)
    rows: array[int]
    cols: array[int]
    values: tuple[float | str, ...]
    styles: bytes  # index into STYLES
    notes: tuple[Note, ...] = ()  # the teachers' comments, in roster then subject order
    counts: tuple[int, ...] = ()  # the class's row of the «Tổng hợp» sheet; () without results
    # per approved period: "HKI: Đã duyệt (ngày 20/01/2026, Nguyễn Văn A)" (and what changed since)
    approved: tuple[str, ...] = ()
    # per approved period whose results computed now differ: "HKI: 1 học sinh"
    drift: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, class_code: str, blocks: tuple[Block, ...], students: tuple[tuple[str, str], ...],
        cells: list[Cell], notes: Sequence[Note] = (), counts: Sequence[int] = (),
        approved: Sequence[str] = (), drift: Sequence[str] = (),
    ) -> ClassTable:  # fmt: skip
        return cls(
            class_code,
            blocks,
            students,
            array("H", (c[0] for c in cells)),
            array("H", (c[1] for c in cells)),
            tuple(c[2] for c in cells),
            bytes(STYLES.index(c[3]) for c in cells),
            tuple(notes),
            tuple(counts),
            tuple(approved),
            tuple(drift),
        )

    @property
    def cells(self) -> Iterator[Cell]:
        """(row, col, value, style) of every filled cell, in row order."""
        for row, col, value, style in zip(self.rows, self.cols, self.values, self.styles,
                                          strict=True):  # fmt: skip
            yield row, col, value, STYLES[style]


def _subject_block(subject: Subject, start: int) -> Block:
    columns = _subject_columns(subject)
    span = len(subject.columns) + 1
    groups = (("Học kì I", span), ("Học kì II", span), ("Cả năm", 1))
    heads = tuple(head for _, head in columns)
    return Block(f"{subject.name} ({subject.code})", start, groups, heads)


def class_table(
    setup: Setup,
    class_code: str,
    values: Values,
    results: Sequence[StudentResult] | None = None,
    approvals: Mapping[str, Approved] | None = None,
    received: Collection[SheetKey] = (),
    late: Collection[SheetKey] = (),
) -> ClassTable:
    """Every value and rule-computed result of one class (``values`` may hold other classes):
    its subjects, then the blocks of the sheet kinds shown in the master (conduct…), the
    attendance blocks (P and K per month), then with ``results``
    (:func:`workbook_engine.results.student_results` of the same values) the «Tổng hợp» block
    and the class's counts. ``approvals`` (period → the latest approval,
    :meth:`Ledger.approved_results`) freeze the approved periods: their values are shown and
    counted as approved, and what differs now is noted in a «Ghi chú duyệt» column. A month's
    attendance is in when ``values`` hold a mark of it or its key is in ``received``
    (:meth:`Ledger.received_keys`: a sheet where nobody was absent stores no value); a month in
    ``late`` (:func:`workbook_engine.results.confirmed_late`, as the results were computed) is
    flagged: its P marks count as K in the results."""
    room = setup.class_by_code(class_code)
    members = setup.members_of(class_code)  # who moved on or left too: their values here stay
    students = [s for stay in members if (s := setup.find_student(stay.student_code))]
    exempt = {
        (e.student_code, e.subject_code)
        for e in setup.exemptions
        if e.scope is ExemptionScope.WHOLE
    }
    blocks: list[Block] = []
    subjects: list[tuple[Subject, int]] = []
    col = ROSTER_COLUMNS
    primary = room.primary  # Circular 27: its subjects are a sheet kind's blocks
    for subject in () if primary else setup.subjects_of_grade(room.grade):
        subjects.append((subject, col))
        blocks.append(_subject_block(subject, col))
        col += blocks[-1].width
    kinds: list[tuple[int, list[tuple[SheetKey, str]]]] = []  # (first col, (key, column)…)
    for kind in KINDS:
        if not kind.in_master or not kind.for_class(setup, class_code):
            continue
        columns = kind.master_columns(setup, class_code)
        keys = kind.master_keys(setup, class_code)
        if not columns or not keys:
            continue
        heads = tuple(c.title for _ in keys for c in columns)
        groups = tuple((title, len(columns)) for title, _ in keys)
        blocks.append(Block(kind.title or kind.kind, col, groups, heads))
        kinds.append((col, [(key, c.key) for _, key in keys for c in columns]))
        col += len(heads)
    months = _attendance_keys(setup, class_code)
    attendance = col
    for number, of_semester in months:
        blocks.append(_attendance_block(number, of_semester, col, set(late)))
        col += blocks[-1].width
    month_keys = [key for _, keys in months for key in keys]
    marks, months_in = _attendance_marks(values, month_keys, received)
    summary = col if results is not None else None
    approvals = {p: a for p, a in (approvals or {}).items() if p in APPROVAL_PERIODS}
    if summary is not None:
        blocks.append(_summary_block(summary, bool(approvals)))
    of_student = {r.code: r for r in results or ()}
    drift: Counter[str] = Counter()  # period → students whose results changed since approval
    shown: list[StudentResult] = []  # the results as approved where approved, for the counts
    names = {subject.code: subject.name for subject, _ in subjects}
    cells: list[Cell] = []
    notes: list[Note] = []
    for r, student in enumerate(students, start=HEADER_ROWS):
        for subject, start in subjects:
            if (student.code, subject.code) in exempt:
                width = len(_subject_columns(subject))
                cells += [(r, start + i, EXEMPT, "exempt") for i in range(width)]
            else:
                cells += _subject_cells(r, start, subject, class_code, student.code, values)
                sheets = [(n, SheetKey(class_code, subject.code, n)) for n in (1, 2)]
                notes += [
                    (r - HEADER_ROWS, subject.name, semester, text)
                    for semester, sheet in sheets
                    if (text := values.get((sheet, student.code, NOTE_KEY)))
                ]
        for start, stored in kinds:
            cells += [
                (r, start + i, value, "text")
                for i, (key, column) in enumerate(stored)
                if (value := values.get((key, student.code, column))) is not None
            ]
        cells += [
            (r, attendance + 2 * i + j, marks[key, student.code, mark], "count")
            for i, key in enumerate(month_keys)
            if key in months_in
            for j, mark in enumerate(ATTENDANCE_MARKS)
        ]
        if summary is not None and (result := of_student.get(student.code)) is not None:
            changed = {
                period: approval_changes(result, period, snapshot.get(student.code))
                for period, (snapshot, _, _) in approvals.items()
            }
            drift.update(period for period, items in changed.items() if items)
            note = "; ".join(item for items in changed.values() for item in items)
            frozen = approved_result(result, approvals)
            shown.append(frozen)
            cells += _summary_cells(r, summary, frozen, names, set(approvals),
                                    f"{CHANGED_AFTER}: {note}" if note else "")  # fmt: skip
    students_ = tuple(
        (
            s.code,
            f"{s.full_name} ({moved})" if (moved := stay.mark or stay.arrival) else s.full_name,
        )
        for s, stay in zip(students, members, strict=True)
    )
    counts = class_counts(shown) if results is not None else ()
    approved, changed_periods = _approval_labels(setup, approvals, drift)
    return ClassTable.of(class_code, tuple(blocks), students_, cells, notes, counts,
                         approved, changed_periods)  # fmt: skip


def _attendance_keys(setup: Setup, class_code: str) -> list[tuple[int, list[SheetKey]]]:
    """Per semester (its number, the ledger keys of its months in order): January may belong
    to both semesters, each with its own key."""
    return [
        (s.number, [SheetKey(class_code, f"{ATTENDANCE_PREFIX}{y}-{m:02d}", s.number)
                    for y, m in semester_months(s)])
        for s in sorted(setup.semesters, key=lambda s: s.number)
    ]  # fmt: skip


def _attendance_block(
    number: int, keys: Sequence[SheetKey], start: int, late: Collection[SheetKey] = ()
) -> Block:
    """«Điểm danh HKI»: a "09/2025" group per month, its P and K columns; a month in ``late``
    is "10/2025 (muộn)", and the title says what that means."""
    groups, widths = [], []
    for key in keys:
        year, _, month = key.subject_code.removeprefix(ATTENDANCE_PREFIX).partition("-")
        flag = LATE_MONTH if key in late else ""
        groups.append((f"{month}/{year}{flag}", len(ATTENDANCE_MARKS)))
        widths += [LATE_WIDTH if flag else ATTENDANCE_WIDTH] * len(ATTENDANCE_MARKS)
    heads = ATTENDANCE_MARKS * len(keys)
    title = f"{ATTENDANCE_TITLE} {SEMESTER_SHORT.get(number, f'HK{number}')}"
    if any(key in late for key in keys):
        title += f" {LATE_NOTE}"
    return Block(title, start, tuple(groups), heads, tuple(widths))


def _attendance_marks(
    values: Values, keys: Collection[SheetKey], received: Collection[SheetKey]
) -> tuple[Counter[tuple[SheetKey, str, str]], set[SheetKey]]:
    """The marks of each month (key, student, P or K → how many) and the months that are in:
    those holding a mark, and those ``received``."""
    wanted = set(keys)
    months_in = wanted.intersection(received)
    marks: Counter[tuple[SheetKey, str, str]] = Counter()
    for (key, who, _), value in values.items():
        if key in wanted:
            months_in.add(key)
            counted = counted_as(value)  # a school's own mark counts as P, K or nothing
            if counted:
                marks[key, who, counted] += 1
    return marks, months_in


def _summary_block(start: int, approvals: bool = False) -> Block:
    """The «Tổng hợp» block; with ``approvals``, its «Ghi chú duyệt» column last."""
    chosen = (*SUMMARY_GROUPS, APPROVAL_GROUP) if approvals else SUMMARY_GROUPS
    groups = tuple((title, len(heads)) for title, heads in chosen)
    heads = tuple(head for _, group in chosen for head in group)
    widths = (*SUMMARY_WIDTHS, APPROVAL_WIDTH) if approvals else SUMMARY_WIDTHS
    return Block(SUMMARY_TITLE, start, groups, heads, widths)


def _summary_cells(
    row: int,
    start: int,
    result: StudentResult,
    names: Mapping[str, str],
    approved: Iterable[str] = (),
    note: str = "",
) -> list[Cell]:
    """One student's «Tổng hợp» cells, in :data:`SUMMARY_GROUPS` order; a level, proposal,
    award or outcome only once computed; the values of an ``approved`` period marked; the summer
    columns only for a student proposed for it (the learning level after the re-exams for one
    re-examined, the conduct after training for one trained); the final outcome for every student
    whose year is computed, once the summer's results are in where it concerns the student;
    ``note`` («Ghi chú duyệt») after the missing inputs."""
    year = result.year
    frozen = set(approved)
    summer = year.summer

    def level(value: Level | Outcome | None, period: str) -> tuple[str, str] | None:
        if value is None:
            return None
        return value.value, "approved" if period in frozen else "level"

    trained = year.outcome in (Outcome.SUMMER_TRAINING, Outcome.RE_EXAM_AND_TRAINING)
    final = year.final if year.final in FINAL_OUTCOMES else None
    shown: list[tuple[int | str, str] | None] = [
        (year.excused, "count"),
        (year.unexcused, "count"),
        level(result.hk1.learning, "HK1"),
        level(result.hk2.learning, "HK2"),
        level(year.learning, "CN"),
        level(result.hk1.conduct, "HK1"),
        level(result.hk2.conduct, "HK2"),
        level(year.conduct, "CN"),
        (proposal_text(year, names), "text"),
        (year.award.value if year.award else "", "text"),
        (re_exam_text(summer, names), "text"),
        level(summer.learning, "HE") if summer is not None and summer.re_exam else None,
        level(summer.conduct, "HE") if summer is not None and trained else None,
        level(final, "HE" if summer is not None else "CN"),
        (missing_text([*result.missing, *result.summer_missing]), "missing"),
        (note, "missing"),
    ]
    return [
        (row, start + offset, cell[0], cell[1])
        for offset, cell in enumerate(shown)
        if cell is not None and cell[0] != ""
    ]


def _approval_labels(
    setup: Setup, approvals: Mapping[str, Approved], drift: Counter[str]
) -> tuple[list[str], list[str]]:
    """Per approved period, in period order: "HKI: Đã duyệt (ngày 20/01/2026, Nguyễn Văn A)"
    (", 1 học sinh thay đổi sau khi duyệt" when so); and "HKI: 1 học sinh" for each period
    whose results changed since."""
    approved, changed = [], []
    for period, label in APPROVAL_PERIODS.items():
        if period not in approvals:
            continue
        _, by, at = approvals[period]
        teacher = setup.find_teacher(by)
        text = f"{label}: Đã duyệt (ngày {_day(at)}, {teacher.full_name if teacher else by})"
        if drift[period]:
            text += f", {drift[period]} học sinh thay đổi sau khi duyệt"
            changed.append(f"{label}: {drift[period]} học sinh")
        approved.append(text)
    return approved, changed


def _day(at: str) -> str:
    try:
        return datetime.fromisoformat(at).strftime("%d/%m/%Y")
    except ValueError:
        return at[:10]


def proposal_text(year: YearResult, names: Mapping[str, str]) -> str:
    """The year's proposal as the sheet shows it: "Kiểm tra lại: Toán, Ngữ văn", "Ở lại lớp:
    nghỉ 46 buổi (quá 45 buổi)"; "" while not computed."""
    if year.outcome is None:
        return ""
    text = str(year.outcome.value)
    if year.re_exam:
        return f"{text}: {', '.join(names.get(code, code) for code in year.re_exam)}"
    if year.outcome is Outcome.RETAINED and year.reason:
        return f"{text}: {year.reason[:1].lower()}{year.reason[1:]}"
    return text


def re_exam_text(summer: SummerResult | None, names: Mapping[str, str]) -> str:
    """The re-exam results received, as written in the books: "Toán 6,0; Mĩ thuật Đ" (one not
    in yet is left out: «Còn thiếu» names it); "" without any."""
    if summer is None:
        return ""
    return "; ".join(
        f"{names.get(code, code)} {result_text(value)}"
        for code, value in summer.re_exam.items()
        if value is not None
    )


def missing_text(missing: Sequence[str]) -> str:
    """The first :data:`MISSING_SHOWN` missing inputs, then how many more."""
    text = "; ".join(missing[:MISSING_SHOWN])
    more = len(missing) - MISSING_SHOWN
    return f"{text}; … và {more} mục khác" if more > 0 else text


def class_counts(results: Sequence[StudentResult]) -> tuple[int, ...]:
    """One class's row of the «Tổng hợp» sheet: students; learning then conduct levels (Tốt,
    Khá, Đạt, Chưa đạt) for HK1, HK2 and the year; proposals (a student proposed for both a
    re-exam and summer training counts in both); the final outcomes after the summer (Lên lớp,
    Ở lại lớp: the year's for a student the summer does not concern) and the students proposed
    for the summer whose final outcome is not in yet; awards; students with something missing."""
    row = [len(results)]
    for attr in ("learning", "conduct"):
        for _, period in PERIODS:
            got = Counter(getattr(getattr(r, period), attr) for r in results)
            row += [got[level] for level in Level]
    outcomes = Counter(r.year.outcome for r in results)
    both = outcomes[Outcome.RE_EXAM_AND_TRAINING]
    row += [
        outcomes[Outcome.PROMOTED],
        outcomes[Outcome.RE_EXAM] + both,
        outcomes[Outcome.SUMMER_TRAINING] + both,
        outcomes[Outcome.RETAINED],
    ]
    finals = Counter(r.year.final for r in results)
    row += [finals[outcome] for outcome, _ in FINALS]
    summer = [r for r in results if r.year.outcome in SUMMER_OUTCOMES]
    row.append(sum(1 for r in summer if r.year.final not in FINAL_OUTCOMES))
    awards = Counter(r.year.award for r in results)
    row += [awards[prize] for prize, _ in AWARDS]
    row.append(sum(1 for r in results if r.missing))
    return tuple(row)


def _write_class(ws: Worksheet, setup: Setup, table: ClassTable, fmt: _Formats) -> None:
    title = f"BẢNG ĐIỂM TỔNG HỢP LỚP {table.class_code} — NĂM HỌC {setup.school.school_year}"
    ws.write_string(0, 0, title, fmt.title)
    ws.write_string(1, 0, setup.school.name)
    if table.approved:
        approved = f"Kết quả đã được Hiệu trưởng duyệt — {'; '.join(table.approved)}"
        ws.write_string(2, 0, approved, fmt.missing if table.drift else fmt.text)
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 13)
    ws.set_column(2, 2, 26)
    # header rows one at a time: constant_memory mode flushes a row once the next one is started
    for block in table.blocks:
        _span(ws, 3, block.start, block.width, block.title, fmt.subject)
        if block.widths:
            for i, width in enumerate(block.widths):
                ws.set_column(block.start + i, block.start + i, width)
        else:
            ws.set_column(block.start, block.start + block.width - 1, 6.5)
    for block in table.blocks:
        col = block.start
        for title, width in block.groups:
            _span(ws, 4, col, width, title, fmt.head)
            col += width
    for c, head in enumerate(("STT", "Mã học sinh", "Họ và tên")):
        ws.write_string(5, c, head, fmt.head)
    for block in table.blocks:
        for i, head in enumerate(block.heads):
            ws.write_string(5, block.start + i, head, fmt.head)
    styles = fmt.styles()
    cells = iter(table.cells)
    pending = next(cells, None)
    # row by row: constant_memory mode flushes a row once the next one is started
    for r, (code, name) in enumerate(table.students, start=HEADER_ROWS):
        ws.write_number(r, 0, r - HEADER_ROWS + 1)
        ws.write_string(r, 1, code)
        ws.write_string(r, 2, name)
        while pending is not None and pending[0] == r:
            _, c, value, style = pending
            if isinstance(value, str):
                ws.write_string(r, c, value, styles[style])
            else:
                ws.write_number(r, c, value, styles[style])
            pending = next(cells, None)
    ws.freeze_panes(HEADER_ROWS, ROSTER_COLUMNS)
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(3, 5)


def _span(ws: Worksheet, row: int, col: int, width: int, text: str, style: Format) -> None:
    if width > 1:
        ws.merge_range(row, col, row, col + width - 1, text, style)
    else:
        ws.write_string(row, col, text, style)


def _subject_cells(
    row: int, start: int, subject: Subject, class_code: str, student: str, values: Values
) -> list[Cell]:
    cells: list[Cell] = []
    col = start
    averages: list[int | None] = []
    results: list[Comment | None] = []
    for semester in (1, 2):
        key = SheetKey(class_code, subject.code, semester)
        entered = [values.get((key, student, c)) for c in subject.columns]
        for value in entered:
            cells += _value_cell(row, col, subject, value)
            col += 1
        average, result = _semester_result(subject, entered)
        averages.append(average)
        results.append(result)
        cells += _result_cell(row, col, average, result)
        col += 1
    if subject.mode is AssessmentMode.SCORE:
        cells += _result_cell(row, col, year_average(averages[0], averages[1]), None)
    else:
        year = year_comment_result(results[0], results[1]) if results[1] else None
        cells += _result_cell(row, col, None, year)
    return cells


def _value_cell(row: int, col: int, subject: Subject, value: str | None) -> list[Cell]:
    if value is None:
        return []
    score = _score(value) if subject.mode is AssessmentMode.SCORE else None
    if score is not None:
        return [(row, col, score / 10, "score")]
    return [(row, col, value, "text")]


def _result_cell(row: int, col: int, average: int | None, result: Comment | None) -> list[Cell]:
    if average is not None:
        return [(row, col, average / 10, "avg")]
    if result is not None:
        return [(row, col, result.value, "avg")]
    return []


LOG_COLUMNS = (
    ("Thời điểm", 20),
    ("Giáo viên", 10),
    ("Tệp", 28),
    ("Lớp", 7),
    ("Môn", 8),
    ("Học kì", 7),
    ("Mã học sinh", 13),
    ("Họ và tên", 24),
    ("Cột", 9),
    ("Giá trị cũ", 24),  # a comment is long: wrapped, the row grows
    ("Giá trị mới", 24),
    ("Trạng thái", 16),
)
VALUE_COLUMNS = (9, 10)  # old and new: wrapped
COLUMN_TITLES = {NOTE_KEY: NOTE_HEADER}  # a ledger column as the log names it ("NX" → Nhận xét)


def _write_log(
    ws: Worksheet, setup: Setup, changes: Sequence[ChangeRecord], chain_head: str, fmt: _Formats
) -> None:
    names = setup.student_names
    ws.write_string(0, 0, "NHẬT KÝ THAY ĐỔI ĐIỂM", fmt.title)
    _write_head(ws, chain_head)
    for c, (head, width) in enumerate(LOG_COLUMNS):
        ws.write_string(3, c, head, fmt.head)
        ws.set_column(c, c, width)
    titles: dict[str, str] = {}  # a sheet that is no subject's, as people name it
    for r, ch in enumerate(changes, start=4):
        code = ch.key.subject_code
        if code not in titles:
            name, is_subject = KINDS.sheet_name(setup, ch.key)
            titles[code] = code if is_subject else name
        row = (
            ch.at.replace("T", " ")[:19],
            ch.teacher_code,
            ch.file_name,
            ch.key.class_code,
            titles[code],  # TOAN, «Điểm danh tháng 10/2025», «Rèn luyện»
            "Hè" if ch.key.semester == SUMMER else str(ch.key.semester),
            ch.student_code,
            names.get(ch.student_code, ""),
            COLUMN_TITLES.get(ch.column, ch.column),
            _display(ch.old),
            _display(ch.new),
            ChangeStatus(ch.status).label,
        )
        for c, value in enumerate(row):
            if value:
                ws.write_string(r, c, value, fmt.wrap if c in VALUE_COLUMNS else fmt.top)
    ws.freeze_panes(4, 0)
    ws.autofilter(3, 0, 3 + max(len(changes), 1), len(LOG_COLUMNS) - 1)


def _write_head(ws: Worksheet, chain_head: str) -> None:
    if chain_head:
        ws.write_string(1, 0, f"Mã kiểm tra chuỗi nhật ký (đối chiếu với sổ cái): {chain_head}")


@lru_cache(maxsize=4096)
def _display(value: str | None) -> str:
    """A stored value as a teacher writes it ("8,5"); a log repeats the same few thousands."""
    if value is None:
        return ""
    score = _score(value)
    return format_tenths(score) if score is not None else value


@dataclass(frozen=True)
class LogVolume:
    """One class's change log for one month, as listed on the master's log sheet."""

    month: str  # "2025-10"
    class_code: str
    changes: int
    file_name: str  # relative to the master: "nhat-ky/2025-10/6A1.xlsx"


def _write_log_index(
    ws: Worksheet, volumes: Sequence[LogVolume], chain_head: str, fmt: _Formats
) -> None:
    ws.write_string(0, 0, "NHẬT KÝ THAY ĐỔI ĐIỂM", fmt.title)
    _write_head(ws, chain_head)
    ws.write_string(2, 0, "Mỗi lớp mỗi tháng một tệp nhật ký, ghi mọi ô thay đổi:")
    heads = (("Tháng", 10), ("Lớp", 8), ("Số ô thay đổi", 14), ("Tệp", 32))
    for c, (head, width) in enumerate(heads):
        ws.write_string(3, c, head, fmt.head)
        ws.set_column(c, c, width)
    for r, volume in enumerate(volumes, start=4):
        year, month = volume.month.split("-")
        ws.write_string(r, 0, f"{month}/{year}")
        ws.write_string(r, 1, volume.class_code)
        ws.write_number(r, 2, volume.changes)
        ws.write_url(r, 3, f"external:{volume.file_name}", string=volume.file_name)


NOTES_COLUMNS = (
    ("Lớp", 7),
    ("Mã học sinh", 13),
    ("Họ và tên", 24),
    ("Môn", 18),
    ("Học kì", 10),
    (NOTE_HEADER, 80),
)


def _write_notes(ws: Worksheet, setup: Setup, table: ClassTable, fmt: _Formats) -> None:
    """The class's teachers' comments, one row each: class, student, subject, semester, text."""
    year = setup.school.school_year
    ws.write_string(0, 0, f"NHẬN XÉT CỦA GIÁO VIÊN — LỚP {table.class_code} — NĂM HỌC {year}",
                    fmt.title)  # fmt: skip
    ws.write_string(1, 0, setup.school.name)
    ws.write_string(2, 0, "Mỗi dòng một nhận xét của giáo viên bộ môn (học sinh, môn, học kì); "
                    "lọc theo môn ở dòng tiêu đề.")  # fmt: skip
    for c, (head, width) in enumerate(NOTES_COLUMNS):
        ws.write_string(3, c, head, fmt.head)
        ws.set_column(c, c, width)
    r = 4
    for index, subject, semester, text in table.notes:
        code, name = table.students[index]
        row = (table.class_code, code, name, subject, SEMESTER_NAMES.get(semester, ""))
        for c, value in enumerate(row):
            ws.write_string(r, c, value, fmt.top)
        ws.write_string(r, len(row), text, fmt.wrap)
        r += 1
    ws.freeze_panes(4, 0)
    ws.autofilter(3, 0, max(r - 1, 4), len(NOTES_COLUMNS) - 1)


SUMMARY_HEAD_ROWS = 6  # title, school, note, group, period, level


def _summary_heads() -> list[tuple[str, str, str]]:
    """(group, period, heading) of every count column of the «Tổng hợp» sheet, in order."""
    heads = [("", "", "Sĩ số")]
    for group in ("Kết quả học tập", "Kết quả rèn luyện"):
        heads += [(group, period, level.value) for period, _ in PERIODS for level in Level]
    heads += [("Đề nghị", "Cả năm", title) for title in PROPOSALS]
    finals = [*(title for _, title in FINALS), FINAL_WAITING]
    heads += [(FINAL_GROUP, FINAL_PERIOD, title) for title in finals]
    heads += [("Danh hiệu", "Cả năm", title) for _, title in AWARDS]
    return [*heads, ("", "", "Còn thiếu dữ liệu")]


@dataclass(frozen=True)
class SummaryRow:
    """One class on the «Tổng hợp» sheet: its roster size, :func:`class_counts` (none without
    results), its approvals, and its own workbook relative to the master ("" for none)."""

    class_code: str
    enrolled: int
    counts: tuple[int, ...]
    approved: tuple[str, ...]
    file_name: str = ""


APPROVED_HEAD = "Phê duyệt"


def _write_summary(ws: Worksheet, setup: Setup, rows: Sequence[SummaryRow], fmt: _Formats) -> None:
    """Per class (class, roster size, :func:`class_counts`, its approvals) and the school's
    total; a class without results shows its roster size only. Once a class has an approval, a
    last «Phê duyệt» column says which periods were approved, when and by whom."""
    ws.write_string(
        0, 0, f"TỔNG HỢP KẾT QUẢ CÁC LỚP — NĂM HỌC {setup.school.school_year}", fmt.title
    )
    ws.write_string(1, 0, setup.school.name)
    ws.write_string(2, 0, "Số học sinh ở mỗi mức, tính từ điểm và dữ liệu đã nhận; học sinh "
                    "vừa kiểm tra lại vừa rèn luyện hè được tính ở cả hai cột. Xét lên lớp sau "
                    "hè: kết quả cuối cùng (học sinh không phải kiểm tra lại, rèn luyện hè giữ "
                    "kết quả cả năm). Từng học sinh: bấm vào tên lớp để mở sổ của lớp, khối "
                    "«Tổng hợp» ở cuối bảng."
                    )  # fmt: skip
    heads = _summary_heads()
    # header rows one at a time (constant_memory): groups, then periods, then headings
    for row, depth, style in ((3, 1, fmt.subject), (4, 2, fmt.head)):
        col = 1
        for titles, width in _runs([head[:depth] for head in heads]):
            if titles[-1]:
                _span(ws, row, col, width, titles[-1], style)
            col += width
    ws.set_row(5, 42)  # up to three lines: "Kiểm tra lại", "Còn thiếu dữ liệu"
    ws.write_string(5, 0, "Lớp", fmt.head)
    for c, (_, _, head) in enumerate(heads, start=1):
        ws.write_string(5, c, head, fmt.head)
    approvals = any(line.approved for line in rows)
    if approvals:
        ws.write_string(5, len(heads) + 1, APPROVED_HEAD, fmt.head)
    ws.set_column(0, 0, 12)
    ws.set_column(1, len(heads) - 1, 5.5)
    ws.set_column(len(heads), len(heads), 9)
    if approvals:
        ws.set_column(len(heads) + 1, len(heads) + 1, 60)
    total = [0] * len(heads)
    r = SUMMARY_HEAD_ROWS
    for line in rows:
        if line.file_name:  # the class opens its own workbook
            ws.write_url(r, 0, f"external:{line.file_name}", string=line.class_code)
        else:
            ws.write_string(r, 0, line.class_code)
        for c, value in enumerate(line.counts or (line.enrolled,)):
            ws.write_number(r, c + 1, value, fmt.count)
            total[c] += value
        if line.approved:
            ws.write_string(r, len(heads) + 1, "; ".join(line.approved))
        r += 1
    ws.write_string(r, 0, "Toàn trường", fmt.total_name)
    for c, value in enumerate(total, start=1):
        ws.write_number(r, c, value, fmt.total)
    ws.freeze_panes(SUMMARY_HEAD_ROWS, 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)  # one page wide


def _runs(keys: Sequence[tuple[str, ...]]) -> list[tuple[tuple[str, ...], int]]:
    """Consecutive equal keys as (key, how many)."""
    runs: list[tuple[tuple[str, ...], int]] = []
    for key in keys:
        if runs and runs[-1][0] == key:
            runs[-1] = (key, runs[-1][1] + 1)
        else:
            runs.append((key, 1))
    return runs


def write_class_master(path: Path, setup: Setup, table: ClassTable) -> Path:
    """Write one class's master workbook atomically: its sheet, then its teachers' comments."""
    with atomic_path(Path(path)) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
        title = f"Sổ điểm tổng hợp lớp {table.class_code}"
        book.set_properties({"title": title, "author": "workbook_engine"})
        fmt = _Formats(book)
        _write_class(book.add_worksheet(table.class_code), setup, table, fmt)
        _write_notes(book.add_worksheet(NOTES_SHEET), setup, table, fmt)
        book.close()
    return Path(path)


def summary_row(
    setup: Setup,
    class_code: str,
    counts: Sequence[int],
    approved: Sequence[str],
    file_name: str = "",
) -> SummaryRow:
    """The class's row of the «Tổng hợp» sheet (who left are not counted in its roster), from
    its :attr:`ClassTable.counts` and :attr:`ClassTable.approved`."""
    enrolled = len(setup.students_of(class_code))
    return SummaryRow(class_code, enrolled, tuple(counts), tuple(approved), file_name)


def write_master(
    path: Path,
    setup: Setup,
    rows: Iterable[SummaryRow],
    chain_head: str = "",
    volumes: Sequence[LogVolume] = (),
) -> Path:
    """Write the master workbook atomically: the «Tổng hợp» sheet (every class's counts, each
    class linked to its own workbook), then the index of the change logs with the chain head."""
    with atomic_path(Path(path)) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
        book.set_properties({"title": "Sổ điểm tổng hợp", "author": "workbook_engine"})
        fmt = _Formats(book)
        _write_summary(book.add_worksheet(SUMMARY_SHEET), setup, list(rows), fmt)
        _write_log_index(book.add_worksheet(LOG_SHEET), volumes, chain_head, fmt)
        book.close()
    return Path(path)


def write_change_log(
    path: Path, setup: Setup, changes: Sequence[ChangeRecord], chain_head: str = ""
) -> Path:
    """One class's change log for one month (every cell change, oldest first), atomically."""
    with atomic_path(Path(path)) as tmp:
        # one class and month: small enough for shared strings, which repeat on every row
        book = xlsxwriter.Workbook(str(tmp))
        book.set_properties({"title": "Nhật ký thay đổi điểm", "author": "workbook_engine"})
        _write_log(book.add_worksheet(LOG_SHEET), setup, changes, chain_head, _Formats(book))
        book.close()
    return Path(path)
