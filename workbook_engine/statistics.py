"""Quality statistics (thống kê chất lượng) of a class, a grade or the school, for semester 1,
semester 2 or the year (issue 13, item 3). Pure: takes the setup and each class's results (as
the books show them: :func:`~workbook_engine.approvals.approved_result`), returns counts.

What is counted, per group of students (a class, a grade, the school):

- learning and conduct levels of the period: Tốt, Khá, Đạt, Chưa đạt and «Chưa xếp loại» (not
  computed yet), for all students and for the girls; a percentage is of the group's students
  (of its girls for the girls' counts), so each row adds up to 100 with «Chưa xếp loại»;
- for the year: the proposals (Lên lớp, Kiểm tra lại, Rèn luyện trong hè, Ở lại lớp; a student
  proposed for both a re-exam and summer training counts in both), the final outcomes after the
  summer (Lên lớp, Ở lại lớp, still awaited), the awards (Xuất sắc, Giỏi);
- per subject, the averages of the period (ĐTBmhk, or ĐTBmcn for the year) in the bins of
  :data:`BINS`, and those below 5.0; a commented subject counts Đ and CĐ instead. Exempt
  students («Miễn») and averages not computed yet are counted apart and left out of the
  subject's percentages (taken of the students with a value);
- the students of the lists: for the year re-exam, summer training, kept back, Xuất sắc, Giỏi;
  for a semester, learning Chưa đạt and conduct Chưa đạt.

Percentages are rounded half up to two decimals and printed with a decimal comma («12,50»), as
Vietnamese reports print them; a group without students has none ("").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from workbook_engine.model import Gender, Setup, Student, Subject
from workbook_engine.results import SemesterResult, StudentResult, YearResult
from workbook_engine.rules import AssessmentMode, Award, Comment, Level, Outcome

PERIODS = ("HK1", "HK2", "CN")
PERIOD_NAMES = {"HK1": "Học kì I", "HK2": "Học kì II", "CN": "Cả năm"}
LEVELS = tuple(Level)  # Tốt, Khá, Đạt, Chưa đạt
NOT_RATED = "Chưa xếp loại"
SCHOOL = "Toàn trường"
BELOW = 50  # tenths: «below 5.0», the share the report gives per subject
HUNDREDTH = Decimal("0.01")
FINAL_OUTCOMES = (Outcome.PROMOTED, Outcome.RETAINED)


@dataclass(frozen=True)
class Bin:
    """Averages from ``low`` (included) to ``high`` (excluded), in tenths."""

    low: int
    high: int
    label: str

    def holds(self, tenths: int) -> bool:
        return self.low <= tenths < self.high


# The histogram's bins, cut at the thresholds of Circular 22: 3.5 (no subject below it for Đạt),
# 5.0 (Khá; re-exam below it), 6.5 (Tốt; Khá), 8.0 (Tốt), 9.0 (Xuất sắc); below 3.5 split at 2.
BINS = (
    Bin(0, 20, "0 – dưới 2"),
    Bin(20, 35, "2 – dưới 3,5"),
    Bin(35, 50, "3,5 – dưới 5"),
    Bin(50, 65, "5 – dưới 6,5"),
    Bin(65, 80, "6,5 – dưới 8"),
    Bin(80, 90, "8 – dưới 9"),
    Bin(90, 101, "9 – 10"),
)


def percent(count: int, total: int) -> Decimal | None:
    """``count`` of ``total`` in percent, rounded half up to 2 decimals; None when total is 0."""
    if total <= 0:
        return None
    return (Decimal(count) * 100 / Decimal(total)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def percent_text(value: Decimal | None) -> str:
    """``Decimal("12.5")`` → ``12,50``; None → ""."""
    return "" if value is None else f"{value:.2f}".replace(".", ",")


@dataclass(frozen=True)
class LevelCounts:
    """Students per level (Tốt, Khá, Đạt, Chưa đạt) and not rated yet, of ``total``."""

    levels: tuple[int, ...]
    not_rated: int
    total: int

    @classmethod
    def of(cls, levels: Sequence[Level | None]) -> LevelCounts:
        counts = tuple(sum(1 for level in levels if level is wanted) for wanted in LEVELS)
        return cls(counts, sum(1 for level in levels if level is None), len(levels))

    def count(self, level: Level | None) -> int:
        return self.not_rated if level is None else self.levels[LEVELS.index(level)]

    def percent(self, level: Level | None) -> Decimal | None:
        return percent(self.count(level), self.total)


@dataclass(frozen=True)
class OutcomeCounts:
    """The year's proposals, final outcomes after the summer and awards of ``total`` students."""

    total: int
    promoted: int  # proposed Lên lớp
    re_exam: int  # Kiểm tra lại (with or without training)
    training: int  # Rèn luyện trong hè (with or without re-exam)
    retained: int  # Ở lại lớp at the year's end (absences)
    not_proposed: int  # no proposal computed yet
    final_promoted: int  # Lên lớp, after the summer for a student it concerns
    final_retained: int  # Ở lại lớp, likewise
    awaited: int  # proposed for the summer, final outcome not in yet
    excellent: int  # Học sinh Xuất sắc
    good: int  # Học sinh Giỏi

    @classmethod
    def of(cls, results: Sequence[StudentResult]) -> OutcomeCounts:
        proposals = [r.year.outcome for r in results]
        finals = [r.year.final for r in results]
        awards = [r.year.award for r in results]
        both = proposals.count(Outcome.RE_EXAM_AND_TRAINING)
        return cls(
            total=len(results),
            promoted=proposals.count(Outcome.PROMOTED),
            re_exam=proposals.count(Outcome.RE_EXAM) + both,
            training=proposals.count(Outcome.SUMMER_TRAINING) + both,
            retained=proposals.count(Outcome.RETAINED),
            not_proposed=proposals.count(None),
            final_promoted=finals.count(Outcome.PROMOTED),
            final_retained=finals.count(Outcome.RETAINED),
            awaited=sum(
                1
                for p, f in zip(proposals, finals, strict=True)
                if p is not None and f not in FINAL_OUTCOMES
            ),
            excellent=awards.count(Award.EXCELLENT),
            good=awards.count(Award.GOOD),
        )


@dataclass(frozen=True)
class SubjectCounts:
    """One subject over a group: a scored subject's averages per bin of :data:`BINS` and below
    5.0, a commented one's Đ and CĐ; the students with a value, exempt, without a value yet."""

    code: str
    name: str
    scored: bool
    bins: tuple[int, ...]  # scored: per bin of BINS; commented: ()
    below: int  # scored: averages below 5.0; commented: CĐ
    passed: int  # commented: Đ; scored: 0
    assessed: int  # students with a value
    exempt: int
    missing: int  # taking the subject, no value yet

    def bin_percent(self, index: int) -> Decimal | None:
        return percent(self.bins[index], self.assessed)

    @property
    def below_percent(self) -> Decimal | None:
        """The share below 5.0 (scored) or Chưa đạt (commented), of the students assessed."""
        return percent(self.below, self.assessed)

    @property
    def passed_percent(self) -> Decimal | None:
        return percent(self.passed, self.assessed)


@dataclass(frozen=True)
class Member:
    """One student of a group: the setup's record, their class, their results."""

    student: Student
    class_code: str
    grade: int
    result: StudentResult


@dataclass(frozen=True)
class GroupStats:
    """The counts of one group of students: a class, a grade (``kind`` "grade") or the
    school ("school")."""

    label: str  # "6A1", "Khối 6", "Toàn trường"
    kind: str  # class, grade, school
    students: int
    girls: int
    learning: LevelCounts
    learning_girls: LevelCounts
    conduct: LevelCounts
    conduct_girls: LevelCounts
    outcomes: OutcomeCounts | None  # the year only
    subjects: tuple[SubjectCounts, ...]


@dataclass(frozen=True)
class StudentList:
    """Students of one list (those for re-exam…), in class then roster order."""

    key: str  # re_exam, training, retained, excellent, good, learning_cd, conduct_cd
    title: str
    members: tuple[Member, ...]


@dataclass(frozen=True)
class Statistics:
    """Everything counted for one scope (the school, a grade, a class) and period: ``rows`` the
    groups in the order the tables print them (a grade's classes then the grade; the school's
    total last), ``total`` the scope as a whole, ``classes`` each class alone."""

    period: str  # HK1, HK2, CN
    scope: str  # "Toàn trường", "Khối 6", "Lớp 6A1"
    rows: tuple[GroupStats, ...]
    total: GroupStats
    classes: tuple[GroupStats, ...]
    lists: tuple[StudentList, ...]

    @property
    def period_name(self) -> str:
        return PERIOD_NAMES[self.period]

    @property
    def year(self) -> bool:
        return self.period == "CN"


def half_of(result: StudentResult, period: str) -> SemesterResult:
    """The semester (or the year) of ``result`` that ``period`` counts."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, got {period!r}")
    return {"HK1": result.hk1, "HK2": result.hk2, "CN": result.year}[period]


def subject_counts(subject: Subject, members: Sequence[Member], period: str) -> SubjectCounts:
    """``subject`` over the ``members`` of its grade (others are left out by the caller)."""
    scored = subject.mode is AssessmentMode.SCORE
    values = []
    exempt = 0
    for m in members:
        if subject.code in m.result.exempt:
            exempt += 1
        else:
            values.append(half_of(m.result, period).averages.get(subject.code))
    got = [v for v in values if v is not None]
    if scored:
        tenths = [v for v in got if isinstance(v, int)]
        bins = tuple(sum(1 for v in tenths if b.holds(v)) for b in BINS)
        below, passed = sum(1 for v in tenths if v < BELOW), 0
    else:
        bins = ()
        below, passed = got.count(Comment.CD), got.count(Comment.D)
    return SubjectCounts(
        code=subject.code,
        name=subject.name,
        scored=scored,
        bins=bins,
        below=below,
        passed=passed,
        assessed=len(got),
        exempt=exempt,
        missing=len(values) - len(got),
    )


def group_stats(
    setup: Setup, label: str, kind: str, members: Sequence[Member], period: str
) -> GroupStats:
    """The counts of ``members`` for ``period``; subjects are those of the members' grades (in
    the setup's order, one per code), each counted over the members of a grade that has it."""
    halves = [half_of(m.result, period) for m in members]
    girls = [h for m, h in zip(members, halves, strict=True) if m.student.gender is Gender.FEMALE]
    grades = {m.grade for m in members}
    subjects: dict[tuple[str, AssessmentMode], Subject] = {}
    for subject in setup.subjects:
        if subject.grade in grades:
            subjects.setdefault((subject.code, subject.mode), subject)
    counted = []
    for (code, mode), first in subjects.items():
        taking = [m for m in members if _mode(setup, m.grade, code) is mode]
        counted.append(subject_counts(first, taking, period))
    return GroupStats(
        label=label,
        kind=kind,
        students=len(members),
        girls=len(girls),
        learning=LevelCounts.of([h.learning for h in halves]),
        learning_girls=LevelCounts.of([h.learning for h in girls]),
        conduct=LevelCounts.of([h.conduct for h in halves]),
        conduct_girls=LevelCounts.of([h.conduct for h in girls]),
        outcomes=OutcomeCounts.of([m.result for m in members]) if period == "CN" else None,
        subjects=tuple(counted),
    )


def student_lists(members: Sequence[Member], period: str) -> tuple[StudentList, ...]:
    """The lists of the period: for the year re-exam, summer training, kept back (final Ở lại
    lớp, at the year's end or after the summer), Xuất sắc, Giỏi; for a semester the students
    whose learning, then conduct, is Chưa đạt."""
    if period != "CN":
        return (
            StudentList(
                "learning_cd",
                "Học sinh có kết quả học tập Chưa đạt",
                tuple(m for m in members if half_of(m.result, period).learning is Level.CD),
            ),
            StudentList(
                "conduct_cd",
                "Học sinh có kết quả rèn luyện Chưa đạt",
                tuple(m for m in members if half_of(m.result, period).conduct is Level.CD),
            ),
        )
    re_exam = (Outcome.RE_EXAM, Outcome.RE_EXAM_AND_TRAINING)
    training = (Outcome.SUMMER_TRAINING, Outcome.RE_EXAM_AND_TRAINING)

    def where(test: Callable[[StudentResult], bool]) -> tuple[Member, ...]:
        return tuple(m for m in members if test(m.result))

    return (
        StudentList(
            "re_exam", "Học sinh kiểm tra lại trong hè", where(lambda r: r.year.outcome in re_exam)
        ),
        StudentList(
            "training",
            "Học sinh rèn luyện trong kì nghỉ hè",
            where(lambda r: r.year.outcome in training),
        ),
        StudentList(
            "retained", "Học sinh ở lại lớp", where(lambda r: r.year.final is Outcome.RETAINED)
        ),
        StudentList(
            "excellent", "Học sinh Xuất sắc", where(lambda r: r.year.award is Award.EXCELLENT)
        ),
        StudentList("good", "Học sinh Giỏi", where(lambda r: r.year.award is Award.GOOD)),
    )


def statistics(
    setup: Setup,
    results: Mapping[str, Sequence[StudentResult]],
    period: str,
    *,
    grade: int | None = None,
    class_code: str | None = None,
) -> Statistics:
    """The statistics of ``period`` (HK1, HK2, CN) for the school, one ``grade`` or one class
    (``class_code``), from ``results`` (class code → the class's results, roster order; a class
    missing from it counts as having no results yet: its students are «Chưa xếp loại»)."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, got {period!r}")
    if class_code is not None:
        rooms = [setup.class_by_code(class_code)]
        scope = f"Lớp {class_code}"
    elif grade is not None:
        rooms = [c for c in setup.secondary_classes if c.grade == grade]
        scope = f"Khối {grade}"
    else:
        rooms = list(setup.secondary_classes)
        scope = SCHOOL
    members = {room.code: _members(setup, room.code, results) for room in rooms}
    classes = tuple(
        group_stats(setup, room.code, "class", members[room.code], period) for room in rooms
    )
    everyone = [m for room in rooms for m in members[room.code]]
    kind = "class" if class_code is not None else "grade" if grade is not None else "school"
    total = (
        classes[0] if class_code is not None else group_stats(setup, scope, kind, everyone, period)
    )
    rows: list[GroupStats] = []
    if kind == "school":
        for number in sorted({room.grade for room in rooms}):
            in_grade = [room for room in rooms if room.grade == number]
            rows += [c for c, room in zip(classes, rooms, strict=True) if room.grade == number]
            grade_members = [m for room in in_grade for m in members[room.code]]
            rows.append(group_stats(setup, f"Khối {number}", "grade", grade_members, period))
        rows.append(total)
    elif kind == "grade":
        rows = [*classes, total]
    else:
        rows = [total]
    return Statistics(period, scope, tuple(rows), total, classes, student_lists(everyone, period))


def _members(
    setup: Setup, class_code: str, results: Mapping[str, Sequence[StudentResult]]
) -> list[Member]:
    """The class's members; a student of the roster without a result counts as not rated."""
    given = {r.code: r for r in results.get(class_code, ())}
    room = setup.class_by_code(class_code)
    return [
        Member(s, class_code, room.grade, given.get(s.code) or _no_result(s))
        for s in setup.students_of(class_code)
    ]


def _mode(setup: Setup, grade: int, code: str) -> AssessmentMode | None:
    subject = setup.find_subject(grade, code)
    return subject.mode if subject is not None else None


def _no_result(student: Student) -> StudentResult:
    empty = SemesterResult({}, None, None, 0, 0)
    year = YearResult({}, None, None, 0, 0)
    return StudentResult(student.code, student.full_name, empty, empty, year, ["chưa có"])
