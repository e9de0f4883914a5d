"""The teacher's personal score book (sổ điểm cá nhân), as PDF and as print-ready Excel.

One book per teacher and period (a semester or the year): a cover naming the school, the year,
the teacher and every class and subject assigned to them, then one table per class-subject with
the roster, the values as the ledger holds them (TX1..TXn, GK, CK, or Đ/CĐ), the semester result
(ĐTBmhk, or Đ/CĐ for a commented subject) and, for the year, both semesters and the year result
(ĐTBmcn), as the results compute them (:func:`~workbook_engine.pipeline.result_approval.
class_results`, the code the master and the học bạ use). A student wholly exempt from the subject
reads «Miễn»; a correction still waiting for approval is shown under the value it would replace
(«chờ duyệt: 9,0») and listed under the table; the teacher's comment (column ``NX``) takes a last
column when the table has any. Each table ends with the teacher's signature block.

Every page names the teacher in its running header and shows "Trang x/y" and the ledger's
hash-chain head at render time, read in the same read transaction as the values printed, so a
printed page can be checked against ``wbe log verify``.

Files: ``outbox/books/so-diem-ca-nhan/<HK1|HK2|CN>/<code> <name>.pdf`` and ``.xlsx`` (one sheet
per class-subject, A4 landscape, one page wide, headings repeated, print area set).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from workbook_engine.approvals import result_text
from workbook_engine.handover import Handover, handovers
from workbook_engine.io.cells import format_day
from workbook_engine.io.kinds.score import NOTE_KEY
from workbook_engine.model import (
    Assignment,
    ChangeRecord,
    Exemption,
    ExemptionScope,
    Setup,
    SheetKey,
    Subject,
    Teacher,
)
from workbook_engine.names import safe_stem
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render.books.class_book import (
    CHAR_MM,
    MM,
    SLOT_CHARS,
    Slot,
    slot_rules,
    slot_text,
)
from workbook_engine.render.books.class_data import book_results
from workbook_engine.render.books.excel import (
    LINE_HEIGHT,
    PAGE_PIXELS,
    page_setup,
    styles,
    tenths,
    workbook,
    write_signers,
)
from workbook_engine.render.common import date_text, render, score_text, semester_name, write_pdf
from workbook_engine.render.correction_record import place_date
from workbook_engine.results import StudentResult, SubjectResult
from workbook_engine.rules import AssessmentMode

FOLDER = Path("books") / "so-diem-ca-nhan"
CHECK_LENGTH = 16  # hex digits of the chain head printed on each page
PERIODS: dict[int | None, str] = {1: "HK1", 2: "HK2", None: "CN"}
YEAR_NAME = "Cả năm"
EXEMPT = "Miễn"
PENDING = "chờ duyệt"
OFF_ROSTER = "không còn trong danh sách lớp"
SIGN_ROLE = "GIÁO VIÊN BỘ MÔN"
SIGN_HINT = "(Kí, ghi rõ họ tên)"
SEMESTER_SHORT = {1: "HKI", 2: "HKII"}

Progress = Callable[[int, int], None]


# --- what the book says ---------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One value column: an assessment (``TX1``…``CK``) of a semester, or a result."""

    key: str  # the ledger's column ("TX1", "GK", "CK"), or "" for a result column
    label: str  # "TX1", "GK", "CK", "ĐTBmhk", "KQ", "ĐTBmcn"
    semester: int | None  # None: the year

    @property
    def result(self) -> bool:
        return not self.key


@dataclass(frozen=True)
class Group:
    """The columns under one heading: "Học kì I", "Học kì II", "Cả năm"."""

    label: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Cell:
    """A value as written in the book ("8,5", "Đ", "" when none) and, when a correction of it
    waits for approval, «chờ duyệt: 9,0»."""

    text: str = ""
    pending: str = ""
    raw: str | None = None  # the ledger's value (for the Excel cell's type)


@dataclass(frozen=True)
class Row:
    number: int
    code: str
    name: str
    cells: tuple[Cell, ...]  # one per column of every group; all blank for an exempt student
    exempt: bool = False
    remark: str = ""  # the teacher's comment(s), "HKI: …; HKII: …" for the year
    enrolled: bool = True  # on the class's roster (False: values of a student since moved)


@dataclass(frozen=True)
class SubjectTable:
    """One class-subject of the teacher."""

    number: int
    class_code: str
    grade: int
    subject_code: str
    subject_name: str
    scored: bool
    tx: int
    homeroom: str
    groups: tuple[Group, ...]
    rows: tuple[Row, ...]
    comments: bool  # the NX column is shown
    pending: tuple[str, ...]  # each correction waiting, one line
    notes: tuple[str, ...]
    entered: int  # assessments (TX, GK, CK) with a value, exempt students left out
    expected: int  # assessments required in the book's semesters, exempt students left out

    @property
    def anchor(self) -> str:
        return f"bang-{self.number}"

    @property
    def title(self) -> str:
        return f"Lớp {self.class_code} – {self.subject_name}"

    @property
    def columns(self) -> tuple[Column, ...]:
        return tuple(c for g in self.groups for c in g.columns)

    @property
    def roster_size(self) -> int:
        return sum(1 for r in self.rows if r.enrolled)

    @property
    def assessments(self) -> str:
        """``4 TX, GK, CK`` (``… – đánh giá bằng nhận xét`` for a commented subject)."""
        kind = "" if self.scored else " (nhận xét)"
        return f"{self.tx} TX, GK, CK{kind}"

    @property
    def sheet_name(self) -> str:
        """The Excel sheet's name (at most 31 characters, none of ``[]:*?/\\``)."""
        name = f"{self.class_code} {self.subject_code}"
        for bad in "[]:*?/\\":
            name = name.replace(bad, "_")
        return name[:31]


@dataclass(frozen=True)
class TeacherBook:
    """One teacher's book of one period, every value already written out in Vietnamese."""

    authority: str
    school: str
    province: str
    school_year: str
    period: str  # HK1, HK2, CN
    period_name: str  # "Học kì I", "Cả năm"
    teacher_code: str
    teacher_name: str
    group: str  # the subject group (tổ chuyên môn)
    tables: tuple[SubjectTable, ...]
    place_date: str  # "Hải Phòng, ngày 10 tháng 10 năm 2025"
    rendered_on: str
    chain_head: str

    @property
    def title(self) -> str:
        return "SỔ ĐIỂM CÁ NHÂN"

    @property
    def subtitle(self) -> str:
        return f"Năm học {self.school_year} – {self.period_name}"

    @property
    def running_head(self) -> str:
        """Who and what, on every page: a stamp across pages can be checked against it."""
        return (
            f"Sổ điểm cá nhân – {self.teacher_name} ({self.teacher_code}) – "
            f"năm học {self.school_year} – {self.period_name}"
        )

    @property
    def check_code(self) -> str:
        """«Mã kiểm tra sổ: <first 16 hex>…»."""
        return f"Mã kiểm tra sổ: {self.chain_head[:CHECK_LENGTH]}…"

    @property
    def document_title(self) -> str:
        return f"Sổ điểm cá nhân – {self.teacher_name} ({self.teacher_code}) – {self.subtitle}"


@dataclass(frozen=True)
class SheetValues:
    """What the ledger holds for one class-subject: per semester its values
    (:meth:`Ledger.scores`) and the corrections waiting (:meth:`Ledger.pending`)."""

    values: Mapping[int, Mapping[tuple[str, str], str]]
    pending: Mapping[int, Sequence[ChangeRecord]]


def book_semesters(semester: int | None) -> tuple[int, ...]:
    """The semesters a book shows: one, or both for the year (None)."""
    if semester is None:
        return (1, 2)
    if semester not in (1, 2):
        raise ValueError(f"Học kì phải là 1 hoặc 2, không phải «{semester}»")
    return (semester,)


def build_table(
    setup: Setup,
    number: int,
    assignment: Assignment,
    semester: int | None,
    sheet: SheetValues,
    results: Sequence[StudentResult],
    *,
    comments: bool = True,
    handed: Sequence[str] = (),
) -> SubjectTable:
    """The table of one class-subject for ``semester`` (None: the year). ``results`` are the
    class's results (:func:`class_results`): the semester and year results are theirs.
    ``handed``: who taught it before or after (:func:`handover_notes`)."""
    room = setup.class_by_code(assignment.class_code)
    subject = setup.subject(room.grade, assignment.subject_code)
    semesters = book_semesters(semester)
    groups = _groups(subject, semester)
    by_student = {r.code: r for r in results}
    waiting = {
        (n, change.student_code, change.column): change
        for n in semesters
        for change in sorted(sheet.pending.get(n, ()), key=lambda c: c.id)  # the latest wins
    }
    roster = [(s.code, s.full_name, True) for s in setup.students_of(room.code)]
    on_roster = {code for code, _, _ in roster}
    seen = {who for n in semesters for (who, _) in sheet.values.get(n, {})}
    seen |= {who for _, who, _ in waiting}
    moved = sorted(seen - on_roster, key=lambda code: (setup.roster_positions.get(code, 0), code))
    roster += [(code, _student_name(setup, code), False) for code in moved]
    exempt = {
        e.student_code: e
        for e in setup.exemptions
        if e.subject_code == subject.code and e.student_code in on_roster
    }
    whole = {code for code, e in exempt.items() if e.scope is ExemptionScope.WHOLE}

    rows: list[Row] = []
    entered = expected = 0
    for index, (code, name, enrolled) in enumerate(roster, start=1):
        result = by_student.get(code) if enrolled else None
        remark = _remark(sheet, semesters, code) if comments else ""
        if code in whole:
            rows.append(Row(index, code, name, (), exempt=True, remark=remark))
            continue
        cells = []
        for column in (c for g in groups for c in g.columns):
            if column.result:
                cells.append(Cell(_result(result, column.semester, subject.code)))
                continue
            assert column.semester is not None
            raw = sheet.values.get(column.semester, {}).get((code, column.key))
            change = waiting.get((column.semester, code, column.key))
            waits = f"{PENDING}: {_value(change.new) or score_text(None)}" if change else ""
            cells.append(Cell(_value(raw), waits, raw))
            if enrolled:
                expected += 1
                entered += bool(raw and raw.strip())
        rows.append(Row(index, code, name, tuple(cells), remark=remark, enrolled=enrolled))

    names = {code: name for code, name, _ in roster}
    pending = tuple(
        _pending_line(change, names, n if semester is None else None)
        for (n, _, _), change in sorted(waiting.items(), key=_pending_order(roster, groups))
    )
    homeroom = setup.find_teacher(room.homeroom_teacher)
    return SubjectTable(
        number=number,
        class_code=room.code,
        grade=room.grade,
        subject_code=subject.code,
        subject_name=subject.name,
        scored=subject.mode is AssessmentMode.SCORE,
        tx=subject.tx_count,
        homeroom=homeroom.full_name if homeroom else "",
        groups=groups,
        rows=tuple(rows),
        comments=comments and any(r.remark for r in rows),
        pending=pending,
        notes=(*handed, *_notes(subject, exempt, names, moved, semester)),
        entered=entered,
        expected=expected,
    )


def _groups(subject: Subject, semester: int | None) -> tuple[Group, ...]:
    scored = subject.mode is AssessmentMode.SCORE
    result = "ĐTBmhk" if scored else "KQ"

    def one(number: int) -> Group:
        columns = [Column(c, c, number) for c in subject.columns]
        return Group(semester_name(number), (*columns, Column("", result, number)))

    if semester is not None:
        return (one(semester),)
    year = Column("", "ĐTBmcn" if scored else "KQ", None)
    return (one(1), one(2), Group(YEAR_NAME, (year,)))


def _value(raw: str | None) -> str:
    """A stored value as the book writes it: ``8.5`` → ``8,5``, Đ/CĐ as is, "" when none."""
    if raw is None or not raw.strip():
        return ""
    return score_text(raw)


def _result(result: StudentResult | None, semester: int | None, subject: str) -> str:
    """The semester's or the year's result of the subject, "" while it cannot be computed."""
    if result is None:
        return ""
    half = {1: result.hk1, 2: result.hk2}.get(semester or 0, result.year)
    value: SubjectResult = half.averages.get(subject)
    return result_text(value)


def _remark(sheet: SheetValues, semesters: Sequence[int], student: str) -> str:
    """The teacher's comment (NX); for the year each semester's, labelled, the same text once."""
    found: list[tuple[int, str]] = []
    for n in semesters:
        text = sheet.values.get(n, {}).get((student, NOTE_KEY), "").strip()
        if text:
            found = [(m, t) for m, t in found if t != text]
            found.append((n, text))
    if len(semesters) == 1:
        return "; ".join(t for _, t in found)
    return "; ".join(f"{SEMESTER_SHORT[n]}: {t}" for n, t in found)


def _student_name(setup: Setup, code: str) -> str:
    student = setup.find_student(code)
    return student.full_name if student else ""


def _pending_order(
    roster: Sequence[tuple[str, str, bool]], groups: Sequence[Group]
) -> Callable[[tuple[tuple[int, str, str], ChangeRecord]], tuple[int, int, int]]:
    rows = {code: i for i, (code, _, _) in enumerate(roster)}
    columns = {(c.semester, c.key): i for i, c in enumerate(c for g in groups for c in g.columns)}

    def key(item: tuple[tuple[int, str, str], ChangeRecord]) -> tuple[int, int, int]:
        (n, who, column), _ = item
        return rows.get(who, len(rows)), columns.get((n, column), len(columns)), n

    return key


def _pending_line(change: ChangeRecord, names: Mapping[str, str], semester: int | None) -> str:
    """``Nguyễn Văn An (3125000001), TX1: 6,0 → chờ duyệt: 9,0 (lí do: …)``."""
    who = names.get(change.student_code, "")
    label = f"{who} ({change.student_code})" if who else change.student_code
    where = f"{SEMESTER_SHORT[semester]} {change.column}" if semester else change.column
    old = _value(change.old) or score_text(None)
    new = _value(change.new) or score_text(None)
    reason = f" (lí do: {change.reason})" if change.reason.strip() else ""
    return f"{label}, {where}: {old} → {PENDING}: {new}{reason}"


def _notes(
    subject: Subject,
    exempt: Mapping[str, Exemption],
    names: Mapping[str, str],
    moved: Sequence[str],
    semester: int | None,
) -> tuple[str, ...]:
    """What the blanks and the marks of the table mean, and who is exempt or no longer there."""
    scored = subject.mode is AssessmentMode.SCORE
    result = "ĐTBmhk" if scored else "Kết quả (KQ) học kì"
    blank = (
        f"Ô để trống: chưa có điểm. {result} chỉ có khi đủ các lần đánh giá "
        f"({subject.tx_count} TX, GK, CK)"
    )
    if semester is None:
        year = "ĐTBmcn = (ĐTBmhk I + 2 × ĐTBmhk II) : 3" if scored else "KQ cả năm: KQ học kì II"
        blank += f"; {year}"
    notes = [f"{blank}."]
    if any(e.scope is ExemptionScope.WHOLE for e in exempt.values()):
        notes.append(f"{EXEMPT}: học sinh được miễn học cả môn.")
    practical = [
        names.get(code, code) + (f" ({e.reason})" if e.reason else "")
        for code, e in exempt.items()
        if e.scope is ExemptionScope.PRACTICAL
    ]
    if practical:
        notes.append(f"Miễn phần thực hành: {'; '.join(practical)}.")
    if moved:
        who = ", ".join(f"{names.get(c) or c} ({c})" for c in moved)
        notes.append(f"Có điểm trong sổ nhưng {OFF_ROSTER} (không tính ĐTB ở đây): {who}.")
    return tuple(notes)


def build_teacher_book(
    setup: Setup,
    teacher: Teacher,
    semester: int | None,
    tables: Sequence[SubjectTable],
    day: date,
    chain_head: str,
) -> TeacherBook:
    return TeacherBook(
        authority=setup.school.authority,
        school=setup.school.name,
        province=setup.school.province,
        school_year=setup.school.school_year,
        period=PERIODS[semester],
        period_name=semester_name(semester) if semester else YEAR_NAME,
        teacher_code=teacher.code,
        teacher_name=teacher.full_name,
        group=teacher.group,
        tables=tuple(tables),
        place_date=place_date(setup.school.province, day),
        rendered_on=date_text(day),
        chain_head=chain_head,
    )


# --- which teachers, which tables -----------------------------------------------------------


def teacher_assignments(
    setup: Setup, code: str, former: Sequence[Handover] = ()
) -> list[Assignment]:
    """The teacher's class-subjects (and those they handed over, from ``former``) in the
    setup's class order, then its subject order."""
    classes = {c.code: i for i, c in enumerate(setup.classes)}
    subjects = {(s.grade, s.code): i for i, s in enumerate(setup.subjects)}

    def order(a: Assignment) -> tuple[int, int, str, str]:
        room = setup.find_class(a.class_code)
        grade = room.grade if room else 0
        place = subjects.get((grade, a.subject_code), len(subjects))
        return classes.get(a.class_code, len(classes)), place, a.class_code, a.subject_code

    handed = [h.assignment for h in former if h.former == code]
    return sorted(dict.fromkeys([*setup.assignments_of(code), *handed]), key=order)


def chosen_teachers(
    setup: Setup, teachers: Sequence[str] | None, former: Sequence[Handover] = ()
) -> list[Teacher]:
    """The teachers named (ValueError, in Vietnamese, for a code the setup does not have), or
    every teacher with at least one class-subject (or one handed over), in setup order."""
    if teachers is None:
        handed = {h.former for h in former}
        return [t for t in setup.teachers if setup.assignments_of(t.code) or t.code in handed]
    unknown = [code for code in teachers if setup.find_teacher(code) is None]
    if unknown:
        raise ValueError(
            f"Không có giáo viên {', '.join(unknown)} trong danh sách giáo viên của trường"
        )
    return [setup.teacher_by_code(code) for code in dict.fromkeys(teachers)]


def book_path(outbox: Path, teacher: Teacher, semester: int | None) -> Path:
    """``outbox/books/so-diem-ca-nhan/HK1/GV006 Ngô Như Tú`` (no suffix)."""
    stem = safe_stem(f"{teacher.code} {teacher.full_name}".strip())
    return Path(outbox) / FOLDER / PERIODS[semester] / stem


def write_teacher_books(
    ledger: Ledger,
    setup: Setup,
    outbox: Path,
    day: date,
    semester: int | None,
    teachers: Sequence[str] | None = None,
    progress: Progress | None = None,
    *,
    comments: bool = True,
) -> list[Path]:
    """Write each teacher's personal score book of ``semester`` (None: the year) as of ``day``
    under ``outbox/books/so-diem-ca-nhan/<HK1|HK2|CN>/<code> <name>.pdf|.xlsx``; returns the
    written paths. ``teachers`` (codes) default to every teacher with a class-subject; a teacher
    named without any is skipped. ``comments=False`` leaves the NX column out.
    ``progress(done, total)`` counts the teachers. ValueError (Vietnamese) for an unknown
    teacher or a semester other than 1 or 2. Each class's roster and results are those of
    ``day``: a «Biến động» movement dated later is not shown yet
    (:meth:`~workbook_engine.model.Setup.as_of`)."""
    book_semesters(semester)
    setup = setup.as_of(day)
    with ledger.reading():
        former = handovers(setup, ledger.senders())
    chosen = [
        (t, teacher_assignments(setup, t.code, former))
        for t in chosen_teachers(setup, teachers, former)
    ]
    chosen = [(t, a) for t, a in chosen if a]
    books: list[TeacherBook] = []
    with ledger.reading():  # the chain head printed is that of the values printed
        head = ledger.chain_head()
        results: dict[str, list[StudentResult]] = {}
        for teacher, assignments in chosen:
            tables = []
            for number, assignment in enumerate(assignments, start=1):
                code = assignment.class_code
                if code not in results:
                    results[code] = book_results(setup, ledger, code, day)[0]
                sheet = read_sheet(ledger, assignment, semester)
                handed = handover_notes(setup, assignment, former)
                tables.append(build_table(setup, number, assignment, semester, sheet,
                                          results[code], comments=comments,
                                          handed=handed))  # fmt: skip
            books.append(build_teacher_book(setup, teacher, semester, tables, day, head))
    total = len(books)
    if progress is not None:
        progress(0, total)
    written: list[Path] = []
    for done, (book, (teacher, _)) in enumerate(zip(books, chosen, strict=True), start=1):
        base = book_path(outbox, teacher, semester)
        written.append(write_pdf(base.with_suffix(".pdf"), render_teacher_html(book)))
        written.append(write_teacher_xlsx(base.with_suffix(".xlsx"), book))
        if progress is not None:
            progress(done, total)
    return written


def read_sheet(ledger: Ledger, assignment: Assignment, semester: int | None) -> SheetValues:
    keys = {
        n: SheetKey(assignment.class_code, assignment.subject_code, n)
        for n in book_semesters(semester)
    }
    return SheetValues(
        values={n: ledger.scores(key) for n, key in keys.items()},
        pending={n: ledger.pending(key) for n, key in keys.items()},
    )


# --- PDF ------------------------------------------------------------------------------------

# A4 landscape less books.css's margins (14 mm each side), in mm. The number and the code have
# set widths; an assessment column is as wide as «chờ duyệt: 10,0» at 8 pt when there is room,
# a result column as wide as its heading (ĐTBmhk) at least; with comments the name has a set
# width and the comments take the rest, else the name does. Each value column is then a whole
# number of monospaced characters: a student's values are one line of slots
# (:func:`~workbook_engine.render.books.class_book.slot_line`), its rules drawn under it.
TABLE_WIDTH = 269.0
ROSTER_MM = {"stt": 8.0, "code": 20.0, "name": 44.0}
VALUE_MAX_MM = 21.5
RESULT_MIN_MM = 14.0
REMARK_MIN_MM = {True: 40.0, False: 45.0}  # the year's table (two semesters) / a semester's
PENDING_MARK = "*"  # after a value whose correction waits for approval (listed under the table)


@dataclass(frozen=True)
class Widths:
    """Column widths of one table in mm; ``name`` None: the name takes the rest."""

    value: float
    result: float
    name: float | None


def column_widths(table: SubjectTable) -> Widths:
    rest = TABLE_WIDTH - sum(ROSTER_MM.values())
    if table.comments:
        rest -= REMARK_MIN_MM[len(table.groups) > 1]
    results = sum(1 for c in table.columns if c.result)
    values = len(table.columns) - results
    even = rest / max(1, len(table.columns))
    if even >= RESULT_MIN_MM:
        value = result = min(VALUE_MAX_MM, even)
    else:
        result = RESULT_MIN_MM
        value = (rest - results * result) / max(1, values)
    name = ROSTER_MM["name"] if table.comments else None
    return Widths(round(value, 1), round(result, 1), name)


@dataclass(frozen=True)
class Lines:
    """A table's values as monospaced slots: the slots (one per column), the rules and shading
    drawn behind them (an SVG as wide as the table, for the table's body: drawn once a page,
    not once a row), and each student's line (by row number; exempt rows have none)."""

    slots: tuple[Slot, ...]
    rules: str
    rows: Mapping[int, str]


def table_lines(table: SubjectTable, widths: Widths) -> Lines:
    slots = tuple(
        Slot(column.label, group, column.result,
             max(SLOT_CHARS, int((widths.result if column.result else widths.value) / CHAR_MM)))
        for group, g in enumerate(table.groups)
        for column in g.columns
    )  # fmt: skip
    rows = {
        row.number: "".join(_slot(slot, cell) for slot, cell in zip(slots, row.cells, strict=True))
        for row in table.rows
        if not row.exempt
    }
    # where the slots begin: after STT, the code and the name (its set width, or all the
    # table leaves it when the comments do not take the rest)
    values_pt = sum(slot.width_pt for slot in slots)
    table_pt = TABLE_WIDTH * MM
    if widths.name is None:
        left_pt = table_pt - values_pt
    else:
        left_pt = (ROSTER_MM["stt"] + ROSTER_MM["code"] + widths.name) * MM
    return Lines(slots, slot_rules(slots, left_pt, table_pt), rows)


def _slot(slot: Slot, cell: Cell) -> str:
    """A cell's value in its slot, marked when a correction of it waits for approval."""
    if not cell.pending:
        return slot_text(cell.text, slot.chars)
    if not cell.text:
        return slot_text(PENDING_MARK, slot.chars)
    text = slot_text(cell.text, slot.chars)
    end = min(len(text.rstrip()), slot.chars - 1)
    return text[:end] + PENDING_MARK + text[end + 1 :]


def render_teacher_html(book: TeacherBook) -> str:
    widths = {t.number: column_widths(t) for t in book.tables}
    return render(
        "teacher_book.html.j2",
        book=book,
        widths=widths,
        lines={t.number: table_lines(t, widths[t.number]) for t in book.tables},
        roster=ROSTER_MM,
        mark=PENDING_MARK,
    )


# --- Excel ----------------------------------------------------------------------------------

TITLE_ROW, HEAD_ROW = 0, 5  # 0-based; the headings take HEAD_ROW and the row below
FIRST_STUDENT = HEAD_ROW + 2
ROSTER = (("STT", 4.5), ("Mã học sinh", 11.5), ("Họ và tên", 24.0))
# The assessments and results have set widths, the comments take the rest of A4 landscape (at
# least REMARK_MIN, excel.PAGE_PIXELS): the year's 15 columns print at about 100 %.
WIDTHS = {False: (8.0, 8.0), True: (5.0, 7.0)}  # (assessment, result) for a semester / the year
REMARK_MIN = 18.0


def excel_widths(table: SubjectTable) -> tuple[float, float, float]:
    """(assessment, result, comment) column widths of ``table``'s sheet (comment 0: none)."""
    value, result = WIDTHS[len(table.groups) > 1]
    if not table.comments:
        return value, result, 0.0
    columns = table.columns
    count = len(ROSTER) + len(columns) + 1
    room = (PAGE_PIXELS[True] - 5 * count) / 7 - sum(w for _, w in ROSTER)
    room -= sum(result if c.result else value for c in columns)
    return value, result, max(REMARK_MIN, round(room, 1))


def write_teacher_xlsx(path: Path, book: TeacherBook) -> Path:
    """The book as an Excel workbook, one sheet per class-subject, that prints as the PDF does:
    A4 landscape, one page wide, the headings repeated on each page, print area set (written
    atomically). Scores are numbers shown with one decimal; Đ/CĐ text; a value with a
    correction waiting is text, «chờ duyệt: …» under it, shaded."""
    path = Path(path)
    with workbook(path, book.document_title, book.chain_head) as wb:
        f = styles(wb)
        for table in book.tables:
            _write_sheet(wb, f, book, table)
    return path


def _write_cell(
    ws: Worksheet, row: int, col: int, column: Column, cell: Cell, f: Mapping[str, Any]
) -> None:
    """A score as a number shown with one decimal, anything else (Đ, CĐ, a value that is no
    score) as text; a value with a correction waiting as text, «chờ duyệt: …» under it."""
    if cell.pending:
        parts = [f["pending_value"], cell.text, "\n"] if cell.text else []
        ws.write_rich_string(row, col, *parts, f["pending_note"], cell.pending, f["pending"])
        return
    kind = "result_" if column.result else ""
    if not cell.text:
        ws.write_blank(row, col, None, f[f"{kind}text"])
        return
    value = tenths(cell.text if column.result else cell.raw)
    if value is None:
        ws.write_string(row, col, cell.text, f[f"{kind}text"])
    else:
        ws.write_number(row, col, value / 10, f[f"{kind}score" if kind else "score"])


def _row_lines(t: SubjectTable, r: Row, value: float, remark: float) -> int:
    """How many lines the row needs: a value with «chờ duyệt: …» under it, a long comment."""
    lines = 1
    for cell in r.cells:
        if cell.pending:
            lines = max(lines, 1 + -(-len(cell.pending) // max(1, int(value * 1.2))))
    if t.comments and r.remark:
        lines = max(lines, -(-len(r.remark) // max(1, int(remark * 1.1))))
    return lines


def _write_sheet(wb: Workbook, f: Mapping[str, Any], book: TeacherBook, t: SubjectTable) -> None:
    ws = wb.add_worksheet(t.sheet_name)
    columns = t.columns
    value_width, result_width, remark_width = excel_widths(t)
    first = len(ROSTER)
    last_value = first + len(columns) - 1
    last_col = last_value + (1 if t.comments else 0)
    for c, (_, width) in enumerate(ROSTER):
        ws.set_column(c, c, width)
    for i, column in enumerate(columns):
        ws.set_column(first + i, first + i, result_width if column.result else value_width)
    if t.comments:
        ws.set_column(last_col, last_col, remark_width)

    title = f"{book.title} — LỚP {t.class_code} — {t.subject_name.upper()}"
    ws.set_row(TITLE_ROW, 22)
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last_col, title, f["title"])
    ws.merge_range(TITLE_ROW + 1, 0, TITLE_ROW + 1, last_col, book.subtitle, f["subtitle"])
    half = first + max(1, len(columns) // 2)
    ws.write_string(2, 0, f"Trường: {book.school}", f["info"])
    ws.write_string(2, half, f"Tổ chuyên môn: {book.group or '……………………'}", f["info"])
    ws.write_string(3, 0, f"Giáo viên: {book.teacher_name} (mã {book.teacher_code})", f["info"])
    ws.write_string(
        3, half,
        f"Lớp: {t.class_code} (khối {t.grade}) — sĩ số {t.roster_size} — "
        f"GVCN: {t.homeroom or '……………………'}",
        f["info"],
    )  # fmt: skip

    for c, (label, _) in enumerate(ROSTER):
        ws.merge_range(HEAD_ROW, c, HEAD_ROW + 1, c, label, f["head"])
    col = first
    for group in t.groups:
        end = col + len(group.columns) - 1
        if end > col:
            ws.merge_range(HEAD_ROW, col, HEAD_ROW, end, group.label, f["head"])
        else:
            ws.write_string(HEAD_ROW, col, group.label, f["head"])
        for i, column in enumerate(group.columns):
            ws.write_string(HEAD_ROW + 1, col + i, column.label, f["head"])
        col = end + 1
    if t.comments:
        ws.merge_range(HEAD_ROW, last_col, HEAD_ROW + 1, last_col, "Nhận xét", f["head"])

    row = FIRST_STUDENT
    for r in t.rows:
        ws.write_number(row, 0, r.number, f["number"])
        ws.write_string(row, 1, r.code, f["code"])
        ws.write_string(row, 2, r.name + ("" if r.enrolled else f" ({OFF_ROSTER})"), f["name"])
        if r.exempt and last_value > first:
            ws.merge_range(row, first, row, last_value, EXEMPT, f["exempt"])
        elif r.exempt:
            ws.write_string(row, first, EXEMPT, f["exempt"])
        else:
            for i, (column, cell) in enumerate(zip(columns, r.cells, strict=True)):
                _write_cell(ws, row, first + i, column, cell, f)
        if t.comments:
            ws.write_string(row, last_col, r.remark, f["remark"])
        lines = _row_lines(t, r, value_width, remark_width)
        if lines > 1:
            ws.set_row(row, LINE_HEIGHT * lines)
        row += 1

    row += 1
    notes = [(line, f["note"]) for line in t.notes]
    if t.pending:
        notes[:0] = [(f"Điểm sửa đang chờ duyệt ({len(t.pending)}):", f["note_bold"])] + [
            (f"– {line}", f["note"]) for line in t.pending
        ]
    for text, style in notes:
        ws.set_row(row, LINE_HEIGHT * max(1, -(-len(text) // 150)))
        ws.merge_range(row, 0, row, last_col, text, style)
        row += 1

    row += 1
    right = (max(first, last_col - 6), last_col)
    ws.merge_range(row, right[0], row, right[1], book.place_date, f["place"])
    signer = ((SIGN_ROLE,), SIGN_HINT, book.teacher_name)
    last_row = write_signers(ws, f, row + 1, [signer], [right])

    ws.freeze_panes(FIRST_STUDENT, first)
    page_setup(ws, landscape=True, repeat=(HEAD_ROW, HEAD_ROW + 1), last_row=last_row,
               last_col=last_col, head=f"{book.running_head} – {t.title}",
               chain=book.check_code)  # fmt: skip


def handover_notes(
    setup: Setup, assignment: Assignment, former: Sequence[Handover]
) -> tuple[str, ...]:
    """Who else entered this class-subject's values: for the former teacher, to whom they
    handed it over; for the teacher now, who taught it before (the log keeps each value as
    entered by whoever sent it)."""
    here = [
        h
        for h in former
        if (h.assignment.class_code, h.assignment.subject_code)
        == (assignment.class_code, assignment.subject_code)
    ]
    if not here:
        return ()
    now = [
        name_of(setup, a.teacher_code)
        for a in setup.assignments
        if (a.class_code, a.subject_code) == (assignment.class_code, assignment.subject_code)
    ]
    mine = [h for h in here if h.former == assignment.teacher_code]
    if mine:
        day = format_day(mine[-1].until)
        return (
            f"Đã bàn giao cho {', '.join(now) or 'giáo viên khác'}; bảng điểm cuối cùng thầy/cô "
            f"gửi được nhận ngày {day}. Sổ ghi mọi điểm đã nhận đến nay, kể cả điểm giáo viên "
            "mới nhập sau ngày đó.",
        )
    before = "; ".join(
        f"{name_of(setup, h.former)} (bảng cuối cùng nhận ngày {format_day(h.until)})" for h in here
    )
    return (f"Trước đó do {before} dạy: các điểm nhận đến ngày đó do giáo viên này nhập.",)


def name_of(setup: Setup, code: str) -> str:
    teacher = setup.find_teacher(code)
    return teacher.full_name if teacher else code
