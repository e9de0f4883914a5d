"""Fill issued sheets the way teachers do: openpyxl edits of the real files, realistic scores
(some typed as text with a decimal comma), a few honest mistakes, monthly attendance marks and
the conduct sheet.

The demo's teachers keep their working copy open over the term (:class:`WorkingCopy`): a sheet is
loaded once and saved before each drop, since loading costs as much as saving. Only the cells a
teacher types are written. Who is weak, strong, often absent or in trouble is drawn once
(:class:`Cohort`), so that the year ends with a few re-exams, one student kept back for
absences, one summer training and a few awards.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import openpyxl

from workbook_engine.io.correction_sheet import APPROVED
from workbook_engine.io.decision_sheet import DECISION_COL, NOTE_COL
from workbook_engine.io.identity import IDENTITY_SHEET, Identity, identity_from_rows, read_identity
from workbook_engine.io.kinds.homeroom import open_days
from workbook_engine.io.kinds.values import EXCUSED, UNEXCUSED
from workbook_engine.io.sheet_base import FIRST_ROW, ROSTER_WIDTH
from workbook_engine.model import Semester, Setup, Student
from workbook_engine.rules import AssessmentMode, Comment, Level

CellValue = int | float | str


@dataclass(frozen=True)
class Mistake:
    """A wrong value a teacher types: ``85`` for 8,5, ``7.25``, a word."""

    value: CellValue
    why: str


MISTAKES = (
    Mistake(85, "quên dấu phẩy"),
    Mistake("7.25", "hai chữ số thập phân"),
    Mistake("vắng", "ghi chữ vào ô điểm"),
)

# The demo school's students (see Cohort): most do well enough, a few are weak in a subject
FLOOR = 6.0  # an ordinary student's ability in any subject
WEAK = 5.8  # a re-exam student's ability outside the subjects they fail
FAILING = 2.5  # their ability in the one or two subjects they fail: a year average below 3.5
STRONG = 9.5  # the best students
CONDUCT_ODDS = ((Level.T, 0.62), (Level.K, 0.3), (Level.D, 0.08))
CONDUCT_NOTES = {
    Level.T: (
        "Ngoan, lễ phép, tích cực tham gia hoạt động của lớp.",
        "Chăm chỉ, có ý thức tự giác, hòa đồng với bạn bè.",
        "Gương mẫu, nhiệt tình giúp đỡ bạn.",
    ),
    Level.K: (
        "Ngoan nhưng đôi khi còn nói chuyện riêng trong giờ học.",
        "Cần mạnh dạn hơn trong hoạt động tập thể.",
        "Có tiến bộ, cần giữ vững nề nếp.",
    ),
    Level.D: (
        "Còn đi học muộn, cần chấp hành nội quy tốt hơn.",
        "Chưa tập trung trong giờ học, cần cố gắng hơn.",
    ),
    Level.CD: ("Vi phạm nội quy nhiều lần, cần rèn luyện thêm trong hè.",),
}
COMMENT_FAILED = 0.004  # odds of a «CĐ» typed in a commented subject (semester 1 only)
MONTHLY_ABSENCES = ((0, 0.86), (1, 0.11), (2, 0.025), (3, 0.005))  # an ordinary student
RE_EXAM_PASS = 6.5  # a re-exam student's level in the summer, once they have worked…
RE_EXAM_FAIL = 3.0  # …except the one who fails again (Ở lại lớp)
SUMMER_CONDUCT_NOTE = "Hoàn thành rèn luyện trong hè, có nhiều tiến bộ."
KEPT_BACK_ABSENCES = 13  # a month of semester 2, for the student absent too often (4 months: 52)
EXCUSED_SHARE = 0.8


def student_ability(rng: random.Random) -> float:
    return min(9.6, max(3.0, rng.gauss(7.0, 1.2)))


def score_for(rng: random.Random, ability: float) -> float:
    """A score near the student's level, to the half point mostly, sometimes a tenth."""
    raw = min(10.0, max(0.0, rng.gauss(ability, 0.9)))
    step = 0.5 if rng.random() < 0.8 else 0.1
    return round(round(raw / step) * step, 1)


def typed(rng: random.Random, score: float) -> CellValue:
    """How the teacher typed it: a number, or text with a decimal comma (Vietnamese keyboard)."""
    if score != int(score) and rng.random() < 0.15:
        return f"{score:.1f}".replace(".", ",")
    return int(score) if score == int(score) else score


class WorkingCopy:
    """An issued sheet in a teacher's ``Sổ điểm/``, loaded once and kept open: the teacher types
    into it over the term and saves it before each drop."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.book = openpyxl.load_workbook(self.path)
        rows = [list(r) for r in self.book[IDENTITY_SHEET].iter_rows(values_only=True)]
        self.identity: Identity = identity_from_rows(rows, self.path.name)
        self.sheet = self.book[self.identity.sheet]
        self._column = {c: ROSTER_WIDTH + i + 1 for i, c in enumerate(self.identity.columns)}
        self.blank: set[tuple[int, str]] = set()  # cells left for a make-up test

    def put(self, index: int, column: str, value: CellValue) -> None:
        """Type ``value`` for the ``index``-th student of the roster in ``column``."""
        self.sheet.cell(FIRST_ROW + index + 1, self._column[column], value)

    def get(self, index: int, column: str) -> object:
        return self.sheet.cell(FIRST_ROW + index + 1, self._column[column]).value

    def has(self, column: str) -> bool:
        return column in self._column

    def rows(self) -> list[int]:
        """Roster indexes of the students not exempt from the sheet."""
        exempt = set(self.identity.exempt)
        return [i for i, code in enumerate(self.identity.student_codes) if code not in exempt]

    def save(self, setup: Setup) -> None:
        """Save in place, as its teacher (the Office user name Excel writes)."""
        teacher = setup.teacher_by_code(self.identity.teacher_code)
        self.book.properties.lastModifiedBy = (
            teacher.usernames[0] if teacher.usernames else teacher.code
        )
        self.book.save(self.path)


@dataclass(frozen=True)
class Cohort:
    """The students whose year ends otherwise than «Lên lớp», and the best ones.

    ``failing``: student → the one or two scored subjects they fail (year average below 3.5,
    so learning is Chưa đạt: re-exam); ``kept_back``: absent more than 45 sessions in semester 2;
    ``training``: conduct Chưa đạt in semester 2 (summer training); ``strong``: near 10 in
    every subject and conduct Tốt (Giỏi or Xuất sắc). Every other student is at least
    :data:`FLOOR` in every subject.
    """

    failing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    kept_back: str = ""
    training: str = ""
    strong: tuple[str, ...] = ()

    @classmethod
    def pick(cls, setup: Setup, rng: random.Random, re_exams: int) -> Cohort:
        """Draw them among students without any exemption, in different classes when possible
        (``re_exams`` of them fail, then one kept back, one in summer training, two strong)."""
        exempt = {e.student_code for e in setup.exemptions}
        by_class: dict[str, list[Student]] = {}
        for student in setup.students:
            if student.code not in exempt:
                by_class.setdefault(student.class_code, []).append(student)
        rooms = list(by_class.values())
        for room in rooms:
            rng.shuffle(room)
        rng.shuffle(rooms)
        # one student of each class in turn: the story is spread over the school
        pool = [room[n] for n in range(max(map(len, rooms), default=0)) for room in rooms
                if n < len(room)]  # fmt: skip
        re_exams = min(re_exams, max(len(pool) - 4, 1))  # a tiny school: fewer roles
        failing = {}
        for n, student in enumerate(pool[:re_exams]):
            grade = setup.class_by_code(student.class_code).grade
            scored = [
                s.code for s in setup.subjects_of_grade(grade) if s.mode is AssessmentMode.SCORE
            ]
            failing[student.code] = tuple(rng.sample(scored, 1 + n % 2))
        rest = [s.code for s in pool[re_exams : re_exams + 4]] + ["", ""]
        return cls(failing, rest[0], rest[1], tuple(c for c in rest[2:4] if c))

    @property
    def failing_again(self) -> str:
        """The re-exam student who fails again in the summer (none when only one re-exams)."""
        return sorted(self.failing)[0] if len(self.failing) > 1 else ""

    def ability(self, student: str, subject: str) -> float:
        """The level a student's scores are drawn around in one subject."""
        if student in self.failing:
            return FAILING if subject in self.failing[student] else WEAK
        if student in self.strong:
            return STRONG
        return _ordinary_ability(student, subject)

    def conduct(self, student: str, semester: int, rng: random.Random) -> Level:
        if student in self.strong:
            return Level.T
        if student == self.training:
            return Level.D if semester == 1 else Level.CD
        if student == self.kept_back and semester == 2:
            return Level.D
        draw, total = rng.random(), 0.0
        for level, odds in CONDUCT_ODDS:
            total += odds
            if draw < total:
                return level
        return Level.T

    def absences(self, student: str, semester: int, month: int, rng: random.Random) -> int:
        if student == self.kept_back and semester == 2 and month != 1:
            return KEPT_BACK_ABSENCES
        if student in self.strong:
            return 0
        draw, total = rng.random(), 0.0
        for count, odds in MONTHLY_ABSENCES:
            total += odds
            if draw < total:
                return count
        return 0


@cache
def _ordinary_ability(student: str, subject: str) -> float:
    """The student's own level (the same every run), a little better or worse in each subject,
    never below :data:`FLOOR`."""
    own = student_ability(random.Random(student)) + random.Random(f"{student}/{subject}").gauss(
        0, 0.4
    )
    return min(9.6, max(FLOOR, own))


def fill_scores(
    copy: WorkingCopy,
    setup: Setup,
    columns: Sequence[str],
    rng: random.Random,
    cohort: Cohort,
    *,
    absent: float = 0.015,
    failing_comments: bool = True,
) -> None:
    """Type ``columns`` (those the sheet has) for every student not exempt, after the make-up
    tests of cells left blank before. A student misses a TX test with odds ``absent`` (the cell
    stays blank until the next time; GK and CK are sat by everyone). In a commented subject a
    rare «CĐ» is typed only when ``failing_comments``."""
    identity = copy.identity
    codes = identity.student_codes
    commented = _is_commented(setup, identity.class_code, identity.subject_code)
    wanted = [c for c in columns if copy.has(c)]

    def value(code: str) -> CellValue:
        if commented:
            failed = failing_comments and rng.random() < COMMENT_FAILED
            return Comment.CD.value if failed else Comment.D.value
        return typed(rng, score_for(rng, cohort.ability(code, identity.subject_code)))

    for i, column in sorted(copy.blank):  # the make-up tests
        copy.put(i, column, value(codes[i]))
    copy.blank.clear()
    for i in copy.rows():
        for column in wanted:
            if absent and column.startswith("TX") and rng.random() < absent:
                copy.blank.add((i, column))
                continue
            copy.put(i, column, value(codes[i]))


def fill_attendance(
    copy: WorkingCopy, semester: Semester, rng: random.Random, cohort: Cohort
) -> None:
    """Mark the days each student missed (P or K) on a monthly attendance sheet, and only those:
    a blank is "present". Only school days of the semester (not Sundays) are marked."""
    days = [date.fromisoformat(d) for d in copy.identity.columns]
    school = sorted(open_days(copy.identity))  # the semester's school days: no Sunday, holiday
    for i, code in enumerate(copy.identity.student_codes):
        count = min(len(school), cohort.absences(code, semester.number, days[0].month, rng))
        for day in rng.sample(school, count):
            mark = EXCUSED if rng.random() < EXCUSED_SHARE else UNEXCUSED
            copy.put(i, day.isoformat(), mark)


def fill_conduct(copy: WorkingCopy, rng: random.Random, cohort: Cohort) -> None:
    """The semester's conduct level (KQRL) and a short comment (NX) for every student."""
    level_column, note_column = copy.identity.columns
    for i, code in enumerate(copy.identity.student_codes):
        level = cohort.conduct(code, copy.identity.semester, rng)
        copy.put(i, level_column, level.value)
        copy.put(i, note_column, rng.choice(CONDUCT_NOTES[level]))


def fill_re_exam(copy: WorkingCopy, setup: Setup, rng: random.Random, cohort: Cohort) -> None:
    """The re-exam results of the students listed: most pass, :attr:`Cohort.failing_again`
    does not."""
    (column,) = copy.identity.columns
    commented = is_commented(setup, copy.identity)
    for i, code in enumerate(copy.identity.student_codes):
        passed = code != cohort.failing_again
        if commented:
            copy.put(i, column, (Comment.D if passed else Comment.CD).value)
        else:
            level = RE_EXAM_PASS if passed else RE_EXAM_FAIL
            copy.put(i, column, typed(rng, max(5.0, score_for(rng, level)) if passed else level))


def fill_summer_conduct(copy: WorkingCopy) -> None:
    """The conduct after summer training: Đạt for every student trained."""
    level_column, note_column = copy.identity.columns
    for i in range(len(copy.identity.students)):
        copy.put(i, level_column, Level.D.value)
        copy.put(i, note_column, SUMMER_CONDUCT_NOTE)


def fill_sheet(
    source: Path,
    target: Path,
    setup: Setup,
    columns: Sequence[str],
    rng: random.Random,
    *,
    mistake: Mistake | None = None,
    changes: dict[tuple[int, str], CellValue] | None = None,
) -> Path:
    """Copy ``source`` to ``target`` with ``columns`` filled for every student not exempt."""
    identity = read_identity(source)
    wb = openpyxl.load_workbook(source)
    ws = wb[identity.sheet]
    abilities = {code: student_ability(random.Random(code)) for code in identity.student_codes}
    commented = _is_commented(setup, identity.class_code, identity.subject_code)
    for i, code in enumerate(identity.student_codes):
        if code in identity.exempt:
            continue
        for column in columns:
            col = ROSTER_WIDTH + identity.columns.index(column) + 1
            if rng.random() < 0.015:
                continue  # absent that day, make-up test later
            if commented:
                value: CellValue = Comment.D.value if rng.random() < 0.96 else Comment.CD.value
            else:
                value = typed(rng, score_for(rng, abilities[code]))
            ws.cell(FIRST_ROW + i + 1, col, value)
    # changes and mistakes name the n-th student who is not exempt
    rows = [i for i, code in enumerate(identity.student_codes) if code not in identity.exempt]
    for (nth, column), value in (changes or {}).items():
        ws.cell(FIRST_ROW + rows[nth] + 1, ROSTER_WIDTH + identity.columns.index(column) + 1, value)
    if mistake is not None:
        ws.cell(FIRST_ROW + rows[1] + 1, ROSTER_WIDTH + 1, mistake.value)
    teacher = setup.teacher_by_code(identity.teacher_code)
    wb.properties.lastModifiedBy = teacher.usernames[0] if teacher.usernames else teacher.code
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def _is_commented(setup: Setup, class_code: str, subject_code: str) -> bool:
    grade = setup.class_by_code(class_code).grade
    return setup.subject(grade, subject_code).mode is AssessmentMode.COMMENT


def is_commented(setup: Setup, identity: Identity) -> bool:
    """Whether the sheet's subject is assessed by comment (Đ/CĐ) rather than scored."""
    return _is_commented(setup, identity.class_code, identity.subject_code)


def approve_all(form: Path, folder: Path, note: str) -> Path:
    """The approver's decision form with «Đồng ý» on every row, saved on a shared office PC
    (user name «Admin») into ``folder`` (their own ``Duyệt/``)."""
    identity = read_identity(form)
    wb = openpyxl.load_workbook(form)
    ws = wb[identity.sheet]
    for i in range(len(identity.columns)):
        ws.cell(FIRST_ROW + i + 1, DECISION_COL + 1, APPROVED)
        ws.cell(FIRST_ROW + i + 1, NOTE_COL + 1, note)
    wb.properties.lastModifiedBy = "Admin"
    target = folder / form.name
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target
