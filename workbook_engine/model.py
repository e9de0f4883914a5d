"""The school as the rest of the program sees it: plain frozen dataclasses, no I/O."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import TypeVar

from workbook_engine.rules import AssessmentMode, columns_for, tx_count


class Role(StrEnum):
    PRINCIPAL = "Hiệu trưởng"
    VICE_PRINCIPAL = "Phó hiệu trưởng"
    ADMIN = "Quản trị viên"
    CLERK = "Văn thư"
    GROUP_HEAD = "Tổ trưởng chuyên môn"
    TEACHER = "Giáo viên"


class Gender(StrEnum):
    MALE = "Nam"
    FEMALE = "Nữ"


class ExemptionScope(StrEnum):
    """Whole subject (left out of every count) or the practical part only (counts unchanged)."""

    WHOLE = "Toàn phần"
    PRACTICAL = "Phần thực hành"


class EventKind(StrEnum):
    DEADLINE = "Hạn nhập điểm"
    LOCK = "Khóa sổ"
    ATTENDANCE = "Xác nhận điểm danh"
    PROGRESS_CHECK = "Kiểm tra tiến độ"
    SUMMER = "Kiểm tra lại, rèn luyện hè"
    HOLIDAY = "Ngày nghỉ"  # a holiday or a day off: no school, no attendance mark


class SchoolLevel(StrEnum):
    """The levels a school teaches (the «Cấp học» field); a setup without it is THCS."""

    SECONDARY = "THCS"  # lower secondary, grades 6–9 (Circular 22)
    PRIMARY = "Tiểu học"  # grades 1–5 (Circular 27)
    BOTH = "Tiểu học và THCS"

    def includes(self, grade: int) -> bool:
        """Whether a class of ``grade`` belongs to this school: grades 1–5 are primary, the
        others secondary."""
        primary = grade in PRIMARY_GRADES
        return self is SchoolLevel.BOTH or (self is SchoolLevel.PRIMARY) == primary


@dataclass(frozen=True)
class SchoolInfo:
    name: str
    code: str
    authority: str
    province: str
    school_year: str  # "2025-2026"
    principal: str
    address: str = ""
    max_absences: int = 45
    tx_deadline_weekday: int = 5  # Monday = 0, so Saturday
    tx_deadline_time: str = "15:00"
    periodic_entry_days: int = 14
    strict_saved_by: bool = False  # return files last saved under another Office user name
    level: SchoolLevel = SchoolLevel.SECONDARY
    # warn (never refuse) when a primary subject's level and its test score look inconsistent
    primary_level_score_warning: bool = False

    @property
    def first_year(self) -> int:
        return int(self.school_year.split("-")[0])


@dataclass(frozen=True)
class Semester:
    number: int
    start: date
    end: date


PRIMARY_GRADES = range(1, 6)  # Circular 27; the grades above follow Circular 22


@dataclass(frozen=True)
class ClassRoom:
    code: str
    grade: int
    homeroom_teacher: str

    @property
    def primary(self) -> bool:
        """A primary class (grades 1–5, Circular 27): no averages, its own sheets and books."""
        return self.grade in PRIMARY_GRADES


@dataclass(frozen=True)
class Student:
    code: str
    full_name: str
    birth_date: date
    gender: Gender
    class_code: str


class MovementKind(StrEnum):
    """A roster change with an effective date (the «Biến động» sheet of the setup)."""

    TRANSFER_IN = "Chuyển đến"
    TRANSFER_OUT = "Chuyển đi"
    CLASS_CHANGE = "Chuyển lớp"
    DROPOUT = "Thôi học"


LEAVING = frozenset({MovementKind.TRANSFER_OUT, MovementKind.DROPOUT})


@dataclass(frozen=True)
class Movement:
    """``effective`` is the first day the change holds: a class change's first day in the new
    class, a leaver's first day away. ``school`` is the school come from or gone to."""

    student_code: str
    kind: MovementKind
    effective: date
    from_class: str = ""
    to_class: str = ""
    school: str = ""
    note: str = ""


@dataclass(frozen=True)
class Stay:
    """One student's time in one class: ``start`` and ``end`` (exclusive) are None when the
    stay began before the year or has not ended. ``ended_by`` is the movement that ended it."""

    student_code: str
    class_code: str
    start: date | None = None
    end: date | None = None
    started_by: Movement | None = None
    ended_by: Movement | None = None

    def holds(self, day: date) -> bool:
        """The student was in the class on ``day``."""
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)

    @property
    def mark(self) -> str:
        """How the books mark a student who left the class, in Vietnamese ("" for none)."""
        moved = self.ended_by
        if moved is None:
            return ""
        day = moved.effective.strftime("%d/%m/%Y")
        if moved.kind is MovementKind.CLASS_CHANGE:
            return f"đã chuyển sang lớp {moved.to_class} từ ngày {day}"
        if moved.kind is MovementKind.TRANSFER_OUT:
            gone = f" ({moved.school})" if moved.school else ""
            return f"đã chuyển trường{gone} từ ngày {day}"
        return f"đã thôi học từ ngày {day}"

    @property
    def arrival(self) -> str:
        """How the books mark a student who came during the year ("" for none)."""
        came = self.started_by
        if came is None:
            return ""
        day = came.effective.strftime("%d/%m/%Y")
        if came.kind is MovementKind.CLASS_CHANGE:
            return f"từ lớp {came.from_class}, từ ngày {day}"
        old = f" từ {came.school}" if came.school else ""
        return f"chuyển đến{old} từ ngày {day}"


def stays_of(student: Student, movements: Iterable[Movement]) -> tuple[Stay, ...]:
    """The student's stays in classes over the year, in order, from their movements (sorted by
    date here). Without movements: one open stay in the roster's class."""
    moves = sorted(movements, key=lambda m: m.effective)
    if not moves:
        return (Stay(student.code, student.class_code),)
    stays: list[Stay] = []
    first = moves[0]
    if first.kind is MovementKind.TRANSFER_IN:
        current: Stay | None = None
    else:
        current = Stay(student.code, first.from_class or student.class_code)
    for move in moves:
        if current is not None:
            stays.append(replace(current, end=move.effective, ended_by=move))
            current = None
        if move.kind in LEAVING:
            continue
        joined = move.to_class or student.class_code
        current = Stay(student.code, joined, start=move.effective, started_by=move)
    if current is not None:
        stays.append(current)
    return tuple(stays)


@dataclass(frozen=True)
class Subject:
    grade: int
    code: str
    name: str
    periods_per_year: int
    mode: AssessmentMode
    study_topic: bool = False

    @property
    def tx_count(self) -> int:
        return tx_count(self.periods_per_year, self.mode, self.study_topic)

    @property
    def columns(self) -> list[str]:
        return columns_for(self.periods_per_year, self.mode, self.study_topic)


@dataclass(frozen=True)
class Exemption:
    student_code: str
    subject_code: str
    scope: ExemptionScope
    reason: str = ""


@dataclass(frozen=True)
class Teacher:
    code: str
    full_name: str
    roles: tuple[Role, ...]
    usernames: tuple[str, ...] = ()
    group: str = ""


@dataclass(frozen=True)
class Assignment:
    teacher_code: str
    class_code: str
    subject_code: str


@dataclass(frozen=True)
class CalendarEvent:
    kind: EventKind
    start: date
    end: date
    semester: int | None = None
    column: str = ""  # TX, GK, CK or blank for all
    note: str = ""


@dataclass(frozen=True)
class Setup:
    """Everything the school setup workbook declares."""

    school: SchoolInfo
    semesters: tuple[Semester, ...]
    classes: tuple[ClassRoom, ...]
    students: tuple[Student, ...]
    subjects: tuple[Subject, ...]
    teachers: tuple[Teacher, ...]
    assignments: tuple[Assignment, ...]
    exemptions: tuple[Exemption, ...] = ()
    calendar: tuple[CalendarEvent, ...] = ()
    movements: tuple[Movement, ...] = ()

    @cached_property
    def _index(self) -> _SetupIndex:
        return _SetupIndex.build(self)

    @cached_property
    def secondary_classes(self) -> tuple[ClassRoom, ...]:
        """The classes of grades 6 and up (Circular 22): averages, conduct, promotion."""
        return tuple(c for c in self.classes if not c.primary)

    @cached_property
    def student_names(self) -> dict[str, str]:
        """Student code → full name (shared: do not modify)."""
        return {s.code: s.full_name for s in self.students}

    @cached_property
    def roster_positions(self) -> dict[str, int]:
        """Student code → position in the setup's roster order (shared: do not modify)."""
        return {s.code: i for i, s in enumerate(self.students)}

    def find_class(self, code: str) -> ClassRoom | None:
        return self._index.classes.get(code)

    def is_primary(self, class_code: str) -> bool:
        """The class exists and is a primary one (:attr:`ClassRoom.primary`)."""
        room = self.find_class(class_code)
        return room is not None and room.primary

    def find_teacher(self, code: str) -> Teacher | None:
        return self._index.teachers.get(code)

    def find_student(self, code: str) -> Student | None:
        return self._index.students.get(code)

    def find_subject(self, grade: int, code: str) -> Subject | None:
        return self._index.subjects.get((grade, code))

    def class_by_code(self, code: str) -> ClassRoom:
        return _found(self.find_class(code), "lớp", code)

    def teacher_by_code(self, code: str) -> Teacher:
        return _found(self.find_teacher(code), "giáo viên", code)

    def students_of(self, class_code: str) -> list[Student]:
        """The class's students now (those who moved away or left the school are not)."""
        return list(self._index.students_of.get(class_code, ()))

    def stays(self, student_code: str) -> tuple[Stay, ...]:
        """The student's stays in classes this year, in order (:func:`stays_of`)."""
        return self._index.stays.get(student_code, ())

    def current_class(self, student_code: str) -> str:
        """The class the student is in now; "" when they left the school or are unknown."""
        stays = self.stays(student_code)
        return stays[-1].class_code if stays and stays[-1].end is None else ""

    def brought(self, student_code: str) -> str:
        """For a student who came from another school: which semesters ended before, whose
        values are entered from the old school's record ("học kì I"); "" otherwise."""
        stays = self.stays(student_code)
        came = stays[0].started_by if stays else None
        if came is None or came.kind is not MovementKind.TRANSFER_IN:
            return ""
        before = [s.number for s in sorted(self.semesters, key=lambda s: s.number)
                  if s.end < came.effective]  # fmt: skip
        return " và ".join(f"học kì {'I' * n}" for n in before)

    def as_of(self, day: date) -> Setup:
        """The setup with its roster as it stood on ``day``: the movements dated after it not
        made yet (a student moving later still in their class then, one coming later not in
        the school yet); everything else as it is. ``self`` when no movement is dated after
        ``day``. A sheet issued on ``day`` lists the students ingest takes on that day. The
        same setup is given for the same day (what is kept per setup stays kept)."""
        if self._last_movement is None or self._last_movement <= day:
            return self
        if day not in self._as_of:
            self._as_of[day] = self._as_of_new(day)
        return self._as_of[day]

    @cached_property
    def _last_movement(self) -> date | None:
        return max((m.effective for m in self.movements), default=None)

    @cached_property
    def _as_of(self) -> dict[date, Setup]:
        return {}

    def _as_of_new(self, day: date) -> Setup:
        students = []
        for student in self.students:
            begun = [s for s in self.stays(student.code) if s.start is None or s.start <= day]
            if not begun:
                continue  # comes to the school after ``day``
            then = begun[-1].class_code
            moved = then != student.class_code
            students.append(replace(student, class_code=then) if moved else student)
        movements = tuple(m for m in self.movements if m.effective <= day)
        return replace(self, students=tuple(students), movements=movements)

    def class_on(self, student_code: str, day: date) -> str:
        """The class the student was in on ``day``; "" when not in the school that day."""
        return next((s.class_code for s in self.stays(student_code) if s.holds(day)), "")

    def members_of(self, class_code: str) -> list[Stay]:
        """Every stay in the class this year (students who moved away or left the school
        included, with their :attr:`Stay.mark`): the roster's order, then those who came during
        the year by date."""
        return list(self._index.members_of.get(class_code, ()))

    def classes_of(self, student_code: str) -> list[str]:
        """The classes the student was in this year, in order, each once."""
        return list(dict.fromkeys(s.class_code for s in self.stays(student_code)))

    def result_class(self, student_code: str) -> str:
        """The class whose results list the student: their last class (the one they left the
        school from, for a leaver), where their whole year is summed up."""
        stays = self.stays(student_code)
        return stays[-1].class_code if stays else ""

    def results_members(self, class_code: str) -> list[Student]:
        """The students whose results the class lists (:meth:`result_class`), in roster order."""
        return [
            student
            for stay in self.members_of(class_code)
            if stay is self.stays(stay.student_code)[-1]
            and (student := self.find_student(stay.student_code)) is not None
        ]

    def subjects_of_grade(self, grade: int) -> list[Subject]:
        return list(self._index.subjects_of.get(grade, ()))

    def subject(self, grade: int, code: str) -> Subject:
        return _found(self.find_subject(grade, code), f"môn của khối {grade}", code)

    def assignments_of(self, teacher_code: str) -> list[Assignment]:
        return list(self._index.assignments_of.get(teacher_code, ()))

    def is_assigned(self, teacher_code: str, class_code: str, subject_code: str) -> bool:
        return (teacher_code, class_code, subject_code) in self._index.assigned

    def teacher_for_username(self, username: str) -> Teacher | None:
        return self._index.usernames.get(username.strip().casefold())

    def exemptions_of(self, student_code: str) -> Iterator[Exemption]:
        return (e for e in self.exemptions if e.student_code == student_code)


T = TypeVar("T")


def _found(item: T | None, what: str, code: str) -> T:
    if item is None:
        raise KeyError(f"không có {what} «{code}» trong tệp thiết lập")
    return item


@dataclass(frozen=True)
class _SetupIndex:
    """Look-ups by code, built once per setup (a school has thousands of students)."""

    classes: dict[str, ClassRoom]
    teachers: dict[str, Teacher]
    students: dict[str, Student]
    subjects: dict[tuple[int, str], Subject]
    students_of: dict[str, list[Student]]
    subjects_of: dict[int, list[Subject]]
    assignments_of: dict[str, list[Assignment]]
    assigned: frozenset[tuple[str, str, str]]
    usernames: dict[str, Teacher]
    stays: dict[str, tuple[Stay, ...]]
    members_of: dict[str, list[Stay]]

    @classmethod
    def build(cls, setup: Setup) -> _SetupIndex:
        students_of: dict[str, list[Student]] = defaultdict(list)
        subjects_of: dict[int, list[Subject]] = defaultdict(list)
        assignments_of: dict[str, list[Assignment]] = defaultdict(list)
        moves: dict[str, list[Movement]] = defaultdict(list)
        for move in setup.movements:
            moves[move.student_code].append(move)
        stays: dict[str, tuple[Stay, ...]] = {}
        members_of: dict[str, list[Stay]] = defaultdict(list)
        arrivals: dict[str, list[tuple[date | None, Student]]] = defaultdict(list)
        for student in setup.students:
            of_student = stays_of(student, moves.get(student.code, ()))
            stays.setdefault(student.code, of_student)  # a duplicated code: the first row holds
            for stay in of_student:
                members_of[stay.class_code].append(stay)
            if of_student and of_student[-1].end is None:
                arrivals[of_student[-1].class_code].append((of_student[-1].start, student))
        for code, came in arrivals.items():  # the roster's order, then arrivals by date
            came.sort(key=lambda pair: (pair[0] is not None, pair[0] or date.min))
            students_of[code] = [student for _, student in came]
        for subject in setup.subjects:
            subjects_of[subject.grade].append(subject)
        for a in setup.assignments:
            assignments_of[a.teacher_code].append(a)
        usernames: dict[str, Teacher] = {}
        for teacher in setup.teachers:
            for name in teacher.usernames:
                usernames.setdefault(name.strip().casefold(), teacher)  # the first one listed
        return cls(
            classes={c.code: c for c in reversed(setup.classes)},
            teachers={t.code: t for t in reversed(setup.teachers)},
            students={s.code: s for s in reversed(setup.students)},
            subjects={(s.grade, s.code): s for s in reversed(setup.subjects)},
            students_of=dict(students_of),
            subjects_of=dict(subjects_of),
            assignments_of=dict(assignments_of),
            assigned=frozenset(
                (a.teacher_code, a.class_code, a.subject_code) for a in setup.assignments
            ),
            usernames=usernames,
            stays=stays,
            members_of={
                code: sorted(of_class, key=lambda s: (s.start is not None, s.start or date.min))
                for code, of_class in members_of.items()
            },
        )


# --- what the ledger holds ------------------------------------------------------------------


class ChangeStatus(StrEnum):
    """What became of one cell change: a new entry merges; a correction waits for approval and
    is then approved (merged) or refused; an unauthorised change never merges."""

    MERGED = "merged"
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    UNAUTHORISED = "unauthorised"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    ChangeStatus.MERGED: "Đã cập nhật",
    ChangeStatus.PENDING: "Chờ duyệt",
    ChangeStatus.APPROVED: "Đã duyệt sửa",
    ChangeStatus.REFUSED: "Không duyệt",
    ChangeStatus.UNAUTHORISED: "Không được phép",
}


# The summer after the year (re-exams, summer conduct training): the ledger keys of its sheets
# carry this number where a semester's carry 1 or 2 (a subject's re-exam score, the re-assessed
# conduct), so they sit beside the semesters' values of the same subject.
SUMMER = 3


@dataclass(frozen=True)
class SummerList:
    """Who the summer concerns, from the approved year results: per class, each student's
    subjects to re-examine, and the students in summer conduct training (setup order)."""

    re_exam: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    training: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # primary classes (Circular 27): the pupils whose approved year is Chưa hoàn thành, for the
    # supplementary assessment
    supplementary: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return (
            any(self.re_exam.values())
            or any(self.training.values())
            or any(self.supplementary.values())
        )


@dataclass(frozen=True)
class SheetKey:
    class_code: str
    subject_code: str
    semester: int


@dataclass(frozen=True, slots=True)
class FileRecord:
    id: int
    sha256: str
    name: str
    teacher_code: str
    saved_by: str
    kind: str
    class_code: str
    subject_code: str
    semester: int | None
    received_at: str
    status: str
    late: bool
    problems: list[dict[str, object]]
    # whose share folder it arrived in; "" when the office delivered it, None before this was kept
    sender: str | None = None


@dataclass(frozen=True)
class CellChange:
    student_code: str
    column: str
    old: str | None
    new: str | None
    status: str = ChangeStatus.MERGED
    reason: str = ""  # why it is unauthorised (Vietnamese), shown to the vice-principal


@dataclass(frozen=True)
class ChangeRecord:
    id: int
    file_id: int
    file_name: str
    at: str
    teacher_code: str
    key: SheetKey
    student_code: str
    column: str
    old: str | None
    new: str | None
    status: str  # the effective status: a decided correction reads approved or refused
    reason: str = ""  # why a change is unauthorised, or the teacher's reason for a correction
    decided_by: str = ""  # who approved or refused a correction
    decided_at: str = ""
    request: str = ""  # the correction request (file name) or "wbe corrections" that decided it
    file_sha256: str = ""
    note: str = ""  # the approver's note on the decision
