"""Entry progress as of a date: what each teacher should have entered by then, and what is in.
Pure: the caller gives the ledger's values, the attendance months received, the corrections
waiting and the late files.

When a cell is due (the school's calendar, «Hạn nhập điểm» rows):
- TX: the semester's TX window (its TX rows, else the semester) holds the n TX assessments
  spread evenly: TXi is due at i/n of the window, so by the window's end every TX is due.
- GK, CK: at the end of their window; without one, GK at mid-semester and CK at the semester's
  end, each plus the school's days for entering a periodic score.
- A month's attendance: on its confirmation deadline (:func:`attendance_deadline`).
- Conduct (KQRL): the semester's end plus the days for entering a periodic score.
A cell due on a day is required the day after. A student wholly exempt from a subject owes none
of its cells. Who enters a subject's cells is the teacher the setup assigns to it.

Who owes a class's cells as of a day is the class's students on that day
(:meth:`~workbook_engine.model.Setup.as_of`, :meth:`~workbook_engine.model.Setup.class_on`):
those whose values ingest takes in the class's sheets that day, every column due by then
included. A movement of «Biến động» dated after the day does not hold yet: a student moving
on 2 March still owes, as of February, a column due in January in their old class, and the
new class owes nothing for them before 2 March. Once it holds, the student owes the columns
due, earlier ones too, in their class then (the old class can no longer send their row, so is
no longer asked for it), and a value they have in a class they were in earlier this year fills
the cell, as the results take it (a value entered in the last class wins there). A student
who left the school owes nothing from the day they left.

A primary class (grades 1–5, Circular 27) has no TX and no conduct; it has four assessment
points, the middle (GK) and the end (CK) of each semester (``io.kinds.primary.POINTS``).
DOMAIN gives them no dates, so the same calendar serves both levels (:func:`point_due`): a point is
due when the semester's GK or CK column of a Circular 22 class is, i.e. at the end of the
semester's «Hạn nhập điểm» rows for GK (CK), else of its rows without a column; without any, GK at
mid-semester and CK at the semester's end, each plus the days for entering a periodic score.
By then each subject teacher owes, for each pupil, the level (``MUC_GK``) and, only where the
grade has a periodic test at that point (:func:`~workbook_engine.rules.primary.test_required`),
the test score (``KT_GK``, filled by the re-test ``KTL_GK`` too); the homeroom teacher owes the 15
qualities and competences (``YEU_NUOC_GK``…) and, as in secondary, the attendance months.
Comments are not counted. Nothing here reads a value beyond blank or not: no average, no ranking.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from workbook_engine.deadlines import attendance_deadline, column_kind, deadlines
from workbook_engine.io.kinds.homeroom import semester_months
from workbook_engine.io.kinds.primary import (
    END,
    LEVEL_KEY,
    MIDDLE,
    POINTS,
    RETEST_KEY,
    TEST_KEY,
    TRAITS_CODE,
)
from workbook_engine.io.kinds.primary import column as point_column
from workbook_engine.model import (
    Assignment,
    ChangeRecord,
    ExemptionScope,
    FileRecord,
    Semester,
    Setup,
    SheetKey,
    Teacher,
)
from workbook_engine.results import ATTENDANCE_PREFIX, CONDUCT_CODE, CONDUCT_LEVEL
from workbook_engine.rules.primary import TRAITS, test_required

Values = Mapping[tuple[SheetKey, str, str], str]  # (sheet, student, column) → value

FILLED = "x"  # what :class:`FilledCells` gives for a cell that holds a value


class FilledCells(Mapping[tuple[SheetKey, str, str], str]):
    """Which cells hold a value, all progress needs of the ledger's values, held small: a bit
    mask of students per (sheet, column), so a school's cells fit in megabytes, not the
    gigabytes a dict of every value takes at district scale. A filled cell reads ``FILLED``;
    a blank or absent one is missing."""

    def __init__(self, cells: Iterable[tuple[SheetKey, str, str]] = ()) -> None:
        self._bits: dict[tuple[SheetKey, str], int] = {}
        self._index: dict[str, dict[str, int]] = {}  # class → student → bit
        self._columns: dict[str, str] = {}  # one string object per column name
        for key, student, column in cells:
            self.add(key, student, column)

    @classmethod
    def of(cls, values: Values) -> FilledCells:
        """The cells of ``values`` that hold more than blanks."""
        return cls(k for k, v in values.items() if (v or "").strip())

    def add(self, key: SheetKey, student: str, column: str) -> None:
        index = self._index.setdefault(key.class_code, {})
        bit = index.setdefault(student, len(index))
        column = self._columns.setdefault(column, column)
        self._bits[key, column] = self._bits.get((key, column), 0) | (1 << bit)

    def __getitem__(self, cell: tuple[SheetKey, str, str]) -> str:
        found = self.get(cell)
        if found is None:
            raise KeyError(cell)
        return found

    def get(self, cell: tuple[SheetKey, str, str], default: str | None = None) -> str | None:  # type: ignore[override]
        """``FILLED`` or ``default``, without raising for a blank cell (progress asks mostly
        about blanks early in a semester)."""
        key, student, column = cell
        bit = self._index.get(key.class_code, {}).get(student)
        if bit is not None and self._bits.get((key, column), 0) >> bit & 1:
            return FILLED
        return default

    def __iter__(self) -> Iterator[tuple[SheetKey, str, str]]:
        for (key, column), bits in self._bits.items():
            for student, bit in self._index[key.class_code].items():
                if bits >> bit & 1:
                    yield key, student, column

    def __len__(self) -> int:
        return sum(bits.bit_count() for bits in self._bits.values())


@dataclass(frozen=True, slots=True)
class Cells:
    """Cells required by the date and, of those, filled."""

    required: int = 0
    filled: int = 0

    @property
    def missing(self) -> int:
        return self.required - self.filled

    @property
    def percent(self) -> float:
        """Share filled, 100 when nothing is required yet."""
        return 100.0 if not self.required else 100.0 * self.filled / self.required

    def __add__(self, other: Cells) -> Cells:
        return Cells(self.required + other.required, self.filled + other.filled)


@dataclass(frozen=True, slots=True)
class ColumnLine:
    """One assessment column of one class-subject and semester."""

    semester: int
    column: str
    due: date
    cells: Cells
    entered: int  # filled in all, due or not
    students: int  # who owe it (not wholly exempt)
    label: str = ""  # a primary point's «Giữa học kì I – mức đạt được»; "" for Circular 22
    also: tuple[str, ...] = ()  # other ledger columns that fill it (a primary re-test)

    @property
    def overdue(self) -> bool:
        return self.cells.missing > 0

    @property
    def title(self) -> str:
        """«HK1 – TX3» (Circular 22), «Giữa học kì I – điểm KT» (primary)."""
        return self.label or f"HK{self.semester} – {self.column}"

    @property
    def columns(self) -> tuple[str, ...]:
        """The ledger columns a value in any of which fills the cell."""
        return (self.column, *self.also)


@dataclass(frozen=True)
class SubjectLine:
    """A teacher's class-subject: its columns, its late files and corrections waiting."""

    teacher_code: str
    class_code: str
    subject_code: str
    subject_name: str
    columns: tuple[ColumnLine, ...]
    late_files: int
    pending: int

    @property
    def cells(self) -> Cells:
        return sum((c.cells for c in self.columns), Cells())

    @property
    def overdue(self) -> tuple[ColumnLine, ...]:
        return tuple(c for c in self.columns if c.overdue)


@dataclass(frozen=True)
class Month:
    """An attendance month of a semester: due on ``due``; received or not; late or not."""

    semester: int
    year: int
    month: int
    due: date
    received: bool
    late: bool

    @property
    def label(self) -> str:
        return f"{self.month:02d}/{self.year}"


@dataclass(frozen=True)
class HomeroomLine:
    """A homeroom teacher's class: the attendance months due, conduct levels due."""

    teacher_code: str
    class_code: str
    months: tuple[Month, ...]  # the months due by the date
    conduct: tuple[tuple[int, Cells], ...]  # (semester, cells) of each semester due
    traits: tuple[ColumnLine, ...] = ()  # a primary class: the 15 traits of each point

    @property
    def missing_months(self) -> tuple[Month, ...]:
        return tuple(m for m in self.months if not m.received)

    @property
    def late_months(self) -> tuple[Month, ...]:
        return tuple(m for m in self.months if m.received and m.late)

    @property
    def cells(self) -> Cells:
        """Months count as one cell each, conduct a cell a student, traits a cell a trait and
        pupil."""
        months = Cells(len(self.months), len(self.months) - len(self.missing_months))
        cells = sum((c for _, c in self.conduct), months)
        return sum((t.cells for t in self.traits), cells)

    @property
    def overdue_traits(self) -> tuple[ColumnLine, ...]:
        return tuple(t for t in self.traits if t.overdue)


@dataclass(frozen=True)
class TeacherLine:
    """Everything one teacher owes by the date."""

    code: str
    name: str
    group: str
    subjects: tuple[SubjectLine, ...]
    homerooms: tuple[HomeroomLine, ...]

    @property
    def cells(self) -> Cells:
        lines = [s.cells for s in self.subjects] + [h.cells for h in self.homerooms]
        return sum(lines, Cells())

    @property
    def late_files(self) -> int:
        return sum(s.late_files for s in self.subjects)

    @property
    def pending(self) -> int:
        return sum(s.pending for s in self.subjects)


@dataclass(frozen=True)
class Progress:
    """The school's progress as of ``as_of``: teachers, the furthest behind first."""

    as_of: date
    teachers: tuple[TeacherLine, ...]

    @property
    def cells(self) -> Cells:
        return sum((t.cells for t in self.teachers), Cells())

    def groups(self) -> dict[str, list[TeacherLine]]:
        """Teachers by subject group (tổ chuyên môn), groups in name order, "" last."""
        found: dict[str, list[TeacherLine]] = {}
        for line in self.teachers:
            found.setdefault(line.group, []).append(line)
        return dict(sorted(found.items(), key=lambda item: (not item[0], item[0])))

    def classes(self) -> dict[str, Cells]:
        """Cells of each class (its subjects, attendance and conduct), in the order a clerk
        reads classes: 6A1, 6A2, 6A10, 7A1… (numbers in a code compared as numbers)."""
        found: dict[str, Cells] = {}
        for t in self.teachers:
            pairs = [(s.class_code, s.cells) for s in t.subjects]
            pairs += [(h.class_code, h.cells) for h in t.homerooms]
            for code, cells in pairs:
                found[code] = found.get(code, Cells()) + cells
        return dict(sorted(found.items(), key=lambda item: class_order(item[0])))


def class_order(code: str) -> tuple[tuple[int, int | str], ...]:
    """A class code's sort key: ``6A10`` after ``6A2``, ``10A1`` after ``9A2``."""
    parts = re.split(r"(\d+)", code.casefold())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)


# --- when cells are due -------------------------------------------------------------------------


def _window(setup: Setup, semester: Semester, column: str) -> tuple[date, date] | None:
    rows = deadlines(setup, semester.number, column)
    if not rows:
        return None
    return min(e.start for e in rows), max(e.end for e in rows)


def column_due(setup: Setup, semester: Semester, column: str, tx_count: int) -> date:
    """The day by which ``column`` (TX3, GK, CK) of ``semester`` must be in (module doc)."""
    window = _window(setup, semester, column)
    entry = timedelta(days=setup.school.periodic_entry_days)
    kind = column_kind(column)
    if kind == "TX":
        start, end = window or (semester.start, semester.end)
        number = min(int(column[2:]) if column[2:].isdigit() else tx_count, tx_count)
        return start + timedelta(days=(end - start).days * number // max(1, tx_count))
    if window is not None:
        return window[1]
    if kind == "GK":
        return semester.start + timedelta(days=(semester.end - semester.start).days // 2) + entry
    return semester.end + entry


def point_due(setup: Setup, semester: Semester, point: str) -> date:
    """The day a primary class's assessment point of ``semester`` must be in, ``point`` being
    ``GK`` (the middle) or ``CK`` (the end; the year's end in semester 2): the day the
    semester's GK or CK column of a Circular 22 class is due (:func:`column_due`), so one
    calendar serves both levels (module doc)."""
    if point not in (MIDDLE, END):
        raise ValueError(f"a primary point is GK or CK, not {point!r}")
    return column_due(setup, semester, point, 1)


def conduct_due(setup: Setup, semester: Semester) -> date:
    return semester.end + timedelta(days=setup.school.periodic_entry_days)


def _begun(setup: Setup, as_of: date) -> list[Semester]:
    return [s for s in setup.semesters if s.start <= as_of]


# --- the lines ----------------------------------------------------------------------------------


def subject_line(
    setup: Setup,
    as_of: date,
    assignment: Assignment,
    values: Values,
    late_files: int = 0,
    pending: int = 0,
    semesters: Collection[int] | None = None,
) -> SubjectLine:
    """One class-subject as of ``as_of``, for the semesters begun (or those of ``semesters``):
    owed by the class's students that day (module doc)."""
    setup = setup.as_of(as_of)
    room = setup.class_by_code(assignment.class_code)
    subject = setup.subject(room.grade, assignment.subject_code)
    students = owing(setup, room.code, subject.code)
    earlier = earlier_classes(setup, room.code, students)
    columns = []
    for semester in _begun(setup, as_of):
        if semesters is not None and semester.number not in semesters:
            continue
        key = SheetKey(room.code, subject.code, semester.number)
        if room.primary:
            columns += _primary_subject(setup, as_of, room.grade, key, students, values, earlier)
            continue
        for column in subject.columns:
            due = column_due(setup, semester, column, subject.tx_count)
            filled = sum(
                1
                for s in students
                if (values.get((key, s, column)) or "").strip()  # most students: one look-up
                or (s in earlier and _filled(values, key, s, (column,), earlier))
            )
            required = len(students) if as_of > due else 0
            cells = Cells(required, filled if required else 0)
            columns.append(ColumnLine(semester.number, column, due, cells, filled, len(students)))
    return SubjectLine(assignment.teacher_code, room.code, subject.code, subject.name,
                       tuple(columns), late_files, pending)  # fmt: skip


def earlier_classes(
    setup: Setup, class_code: str, students: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    """Each of ``students`` (of ``class_code``) who was in other classes earlier this year →
    those classes, whose values fill their cells (module doc); the others are left out."""
    if not setup.movements:
        return {}
    found = {}
    for code in students:
        if len(setup.stays(code)) > 1:
            others = tuple(c for c in setup.classes_of(code) if c != class_code)
            if others:
                found[code] = others
    return found


def _filled(
    values: Values,
    key: SheetKey,
    student: str,
    columns: Sequence[str],
    earlier: Mapping[str, tuple[str, ...]] | None = None,
) -> bool:
    """A value in any of ``columns`` of the student's row of ``key``'s sheet or, for a student
    in ``earlier``, of the same sheet of a class they were in before."""
    if any((values.get((key, student, c)) or "").strip() for c in columns):
        return True
    if not earlier or student not in earlier:
        return False
    return any(
        (values.get((SheetKey(other, key.subject_code, key.semester), student, c)) or "").strip()
        for other in earlier[student]
        for c in columns
    )


def _line(
    as_of: date, key: SheetKey, due: date, column: str, label: str, also: tuple[str, ...],
    students: Sequence[str], values: Values, per_student: int = 1,
    earlier: Mapping[str, tuple[str, ...]] | None = None,
) -> ColumnLine:  # fmt: skip
    """A primary point's column: ``per_student`` cells a pupil; for the traits (``also`` their
    15 columns) the filled cells are counted column by column."""
    wanted = also if per_student > 1 else (column, *also)
    if per_student > 1:
        filled = sum(_filled(values, key, s, (c,), earlier) for s in students for c in wanted)
    else:
        filled = sum(_filled(values, key, s, wanted, earlier) for s in students)
    required = len(students) * per_student if as_of > due else 0
    cells = Cells(required, filled if required else 0)
    return ColumnLine(key.semester, column, due, cells, filled, len(students), label, also)


def primary_columns(grade: int, subject_code: str, semester: int, point: str) -> list[str]:
    """The ledger columns a primary subject teacher owes at a point: the level, and the test
    score where the grade has a test there (``MUC_GK``, ``KT_CK``); never the comment."""
    tested = test_required(grade, subject_code, POINTS[semester, point])
    return [point_column(LEVEL_KEY, point)] + ([point_column(TEST_KEY, point)] if tested else [])


def _primary_subject(
    setup: Setup, as_of: date, grade: int, key: SheetKey, students: Sequence[str], values: Values,
    earlier: Mapping[str, tuple[str, ...]],
) -> list[ColumnLine]:  # fmt: skip
    semester = next(s for s in setup.semesters if s.number == key.semester)
    lines = []
    for point in (MIDDLE, END):
        due = point_due(setup, semester, point)
        name = POINTS[key.semester, point].value
        owed = primary_columns(grade, key.subject_code, key.semester, point)
        for name_of, col in zip(("mức đạt được", "điểm KT")[: len(owed)], owed, strict=True):
            test = col == point_column(TEST_KEY, point)
            also = (point_column(RETEST_KEY, point),) if test else ()
            lines.append(_line(as_of, key, due, col, f"{name} – {name_of}", also, students, values,
                               earlier=earlier))  # fmt: skip
    return lines


def _primary_traits(
    setup: Setup, as_of: date, semester: Semester, class_code: str, values: Values
) -> list[ColumnLine]:
    """The homeroom teacher's 15 qualities and competences at each point of ``semester``: a
    line a point (``PCNL_GK``), a cell a trait and pupil."""
    key = SheetKey(class_code, TRAITS_CODE, semester.number)
    students = [s.code for s in setup.students_of(class_code)]
    earlier = earlier_classes(setup, class_code, students)
    return [
        _line(as_of, key, point_due(setup, semester, point), point_column(TRAITS_CODE, point),
              f"Phẩm chất, năng lực – {POINTS[semester.number, point].value}",
              tuple(point_column(t.code, point) for t in TRAITS), students, values, len(TRAITS),
              earlier)
        for point in (MIDDLE, END)
    ]  # fmt: skip


def month_key(class_code: str, year: int, month: int, semester: int) -> SheetKey:
    return SheetKey(class_code, f"{ATTENDANCE_PREFIX}{year}-{month:02d}", semester)


def homeroom_line(
    setup: Setup,
    as_of: date,
    class_code: str,
    values: Values,
    received: Collection[SheetKey],
    late: Collection[SheetKey] = (),
    semesters: Collection[int] | None = None,
) -> HomeroomLine:
    """A homeroom class as of ``as_of``: the attendance months and conduct levels due, the
    conduct owed by the class's students that day (module doc)."""
    setup = setup.as_of(as_of)
    room = setup.class_by_code(class_code)
    students = [s.code for s in setup.students_of(class_code)]
    earlier = earlier_classes(setup, class_code, students)
    months, conduct, traits = [], [], []
    for semester in _begun(setup, as_of):
        if semesters is not None and semester.number not in semesters:
            continue
        if room.primary:  # primary: the traits of its points, no conduct
            traits += _primary_traits(setup, as_of, semester, class_code, values)
        for year, month in semester_months(semester):
            due = attendance_deadline(setup.calendar, year, month)
            if as_of > due:
                key = month_key(class_code, year, month, semester.number)
                months.append(Month(semester.number, year, month, due, key in received,
                                    key in late))  # fmt: skip
        if not room.primary and as_of > conduct_due(setup, semester):
            key = SheetKey(class_code, CONDUCT_CODE, semester.number)
            filled = sum(1 for s in students if _filled(values, key, s, (CONDUCT_LEVEL,), earlier))
            conduct.append((semester.number, Cells(len(students), filled)))
    return HomeroomLine(room.homeroom_teacher, class_code, tuple(months), tuple(conduct),
                        tuple(traits))  # fmt: skip


def school_progress(
    setup: Setup,
    as_of: date,
    values: Values,
    received: Collection[SheetKey],
    late_months: Collection[SheetKey] = (),
    pending: Iterable[ChangeRecord] = (),
    files: Iterable[FileRecord] = (),
    group: str | None = None,
    semesters: Collection[int] | None = None,
) -> Progress:
    """Every teacher's progress as of ``as_of`` (those of subject group ``group`` only when
    given), the furthest behind first: most cells missing, then lowest share, then name.
    ``files`` are the ledger's files: those received late count against their class-subject.
    Each class's cells are owed by its students on ``as_of`` (module doc)."""
    setup = setup.as_of(as_of)
    waiting = Counter((c.key.class_code, c.key.subject_code) for c in pending)
    late = Counter((f.class_code, f.subject_code) for f in files if f.late)
    lines = []
    for teacher in setup.teachers:
        if group is not None and teacher.group != group:
            continue
        line = _teacher_line(setup, as_of, teacher, values, received, late_months, waiting, late,
                             semesters)  # fmt: skip
        if line.subjects or line.homerooms:
            lines.append(line)
    lines.sort(key=lambda t: (-t.cells.missing, t.cells.percent, t.name))
    return Progress(as_of, tuple(lines))


def _teacher_line(
    setup: Setup,
    as_of: date,
    teacher: Teacher,
    values: Values,
    received: Collection[SheetKey],
    late_months: Collection[SheetKey],
    waiting: Mapping[tuple[str, str], int],
    late: Mapping[tuple[str, str], int],
    semesters: Collection[int] | None,
) -> TeacherLine:
    subjects = tuple(
        subject_line(
            setup,
            as_of,
            a,
            values,
            late.get((a.class_code, a.subject_code), 0),
            waiting.get((a.class_code, a.subject_code), 0),
            semesters,
        )
        for a in setup.assignments_of(teacher.code)
    )
    homerooms = tuple(
        homeroom_line(setup, as_of, room.code, values, received, late_months, semesters)
        for room in setup.classes
        if room.homeroom_teacher == teacher.code
    )
    return TeacherLine(teacher.code, teacher.full_name, teacher.group, subjects, homerooms)


def missing_lines(progress: Progress, setup: Setup) -> list[str]:
    """Each gap as a located Vietnamese line, the furthest behind first: «Nguyễn Văn A – 6A1 –
    Toán – HK1 – TX3: thiếu 12/45 ô (hạn 04/10/2025)»; «… – 6A1 – điểm danh tháng 10/2025:
    chưa nhận»; «… – 6A1 – rèn luyện HK1: thiếu 3/45»; a primary class's «… – 3A1 – Toán –
    Cuối học kì I – điểm KT: thiếu 4/30 ô (hạn 15/01/2026)», «… – 3A1 – Phẩm chất, năng lực –
    Giữa học kì I: thiếu 15/450 ô (hạn 22/11/2025)»."""
    found: list[str] = []
    for t in progress.teachers:
        for s in t.subjects:
            for c in s.overdue:
                found.append(
                    f"{t.name} – {s.class_code} – {s.subject_name} – {c.title}: "
                    f"thiếu {c.cells.missing}/{c.cells.required} ô "
                    f"(hạn {c.due:%d/%m/%Y})"
                )
        for h in t.homerooms:
            found += [f"{t.name} – {h.class_code} – điểm danh tháng {m.label}: chưa nhận "
                      f"(hạn {m.due:%d/%m/%Y})" for m in h.missing_months]  # fmt: skip
            found += [f"{t.name} – {h.class_code} – rèn luyện HK{n}: thiếu "
                      f"{c.missing}/{c.required}" for n, c in h.conduct if c.missing]  # fmt: skip
            found += [f"{t.name} – {h.class_code} – {c.title}: thiếu {c.cells.missing}/"
                      f"{c.cells.required} ô (hạn {c.due:%d/%m/%Y})"
                      for c in h.overdue_traits]  # fmt: skip
    return found


def students_missing(
    setup: Setup, line: SubjectLine, column: ColumnLine, values: Values
) -> Sequence[str]:
    """The names of the students whose ``column`` of ``line`` is still blank (a primary test
    score: neither the test nor the re-test). ``setup`` is the one the line was counted on, as
    of its day (:meth:`~workbook_engine.model.Setup.as_of`)."""
    key = SheetKey(line.class_code, line.subject_code, column.semester)
    students = owing(setup, line.class_code, line.subject_code)
    earlier = earlier_classes(setup, line.class_code, students)
    return [
        setup.student_names[code]
        for code in students
        if not _filled(values, key, code, column.columns, earlier)
    ]


def pupils_missing_traits(
    setup: Setup, line: HomeroomLine, point: ColumnLine, values: Values
) -> Sequence[str]:
    """The names of a primary class's pupils with any quality or competence of ``point`` (one
    of ``line.traits``) still blank (``setup`` as in :func:`students_missing`)."""
    key = SheetKey(line.class_code, TRAITS_CODE, point.semester)
    pupils = [s.code for s in setup.students_of(line.class_code)]
    earlier = earlier_classes(setup, line.class_code, pupils)
    return [
        setup.student_names[code]
        for code in pupils
        if not all(_filled(values, key, code, (c,), earlier) for c in point.also)
    ]


def owing(setup: Setup, class_code: str, subject_code: str) -> list[str]:
    """The codes of the class's students who owe the subject's cells (not wholly exempt)."""
    whole = {
        e.student_code
        for e in setup.exemptions
        if e.subject_code == subject_code and e.scope is ExemptionScope.WHOLE
    }
    return [s.code for s in setup.students_of(class_code) if s.code not in whole]
