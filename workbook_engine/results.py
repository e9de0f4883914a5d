"""Students' semester and year results, computed from the values the ledger holds (Circular 22).

Pure: takes the setup and one class's accepted values (``Ledger.scores_of_class``, with the
values a student who moved into the class earned in their earlier classes), returns one
:class:`StudentResult` per student whose year the class sums up (``Setup.results_members``: its
students now, and those who left the school from it). Every rule comes from
:mod:`workbook_engine.rules`; this module only gathers the inputs, applies exemptions and says
what is still missing.

A value is ``None`` ("not yet computable") while one of its inputs is missing, and
:attr:`StudentResult.missing` names each missing input in Vietnamese (subject and columns,
conduct, attendance month). A blank cell is never read as 0 or Chưa đạt: only a value the
teacher entered counts (DOMAIN, "Missed assessments").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from workbook_engine.deadlines import CONFIRM_DAY, attendance_deadline
from workbook_engine.io.kinds.homeroom import (
    CONDUCT_COLUMNS,
    ConductKind,
    holidays,
    school_days,
    semester_months,
)
from workbook_engine.io.kinds.values import EXCUSED, UNEXCUSED, counted_as
from workbook_engine.model import (
    SUMMER,
    CalendarEvent,
    ExemptionScope,
    Semester,
    Setup,
    SheetKey,
    Subject,
)
from workbook_engine.rules import (
    AssessmentMode,
    Award,
    Comment,
    Level,
    Outcome,
    ScoreError,
    apply_re_exam,
    award,
    learning_level,
    parse_comment,
    parse_score,
    promotion,
    re_exam_subjects,
    semester_average,
    semester_comment_result,
    year_average,
    year_comment_result,
    year_conduct,
)

# The ledger's subject codes of the homeroom sheets (AttendanceKind.ledger_key: one key a month).
ATTENDANCE_PREFIX = "DIEMDANH-"
CONDUCT_CODE = ConductKind.ledger_code
CONDUCT_LEVEL = CONDUCT_COLUMNS[0]  # KQRL; NX is the homeroom teacher's comment
# The re-exam sheet's column: a subject's re-exam score (or Đ/CĐ) under its SUMMER ledger key.
RE_EXAM_COLUMN = "KTL"
SUMMER_OUTCOMES = frozenset(
    {Outcome.RE_EXAM, Outcome.SUMMER_TRAINING, Outcome.RE_EXAM_AND_TRAINING}
)

Values = Mapping[tuple[SheetKey, str, str], str]  # (sheet, student, column) → value as stored
SubjectResult = int | Comment | None  # average in tenths (scored) or Đ/CĐ (commented)
T = TypeVar("T")


@dataclass(frozen=True)
class SemesterResult:
    """One semester (or the year) of one student; levels are None while inputs are missing."""

    averages: dict[str, SubjectResult]  # subject code → tenths or Đ/CĐ, setup order, no exempt
    learning: Level | None
    conduct: Level | None
    excused: int  # P marks received so far
    unexcused: int  # K marks received so far

    @property
    def absences(self) -> int:
        return self.excused + self.unexcused


@dataclass(frozen=True)
class SummerResult:
    """After the summer, for a student proposed for re-exams and/or summer conduct training:
    the re-exam results, the year levels recomputed with them, the final outcome (Lên lớp or Ở
    lại lớp; None while a summer input is missing)."""

    re_exam: dict[str, SubjectResult]  # subject code → re-exam score (tenths) or Đ/CĐ; None: not in
    learning: Level | None  # the year's learning level with the re-exam results replacing
    conduct: Level | None  # the conduct re-assessed after training (the year's when not trained)
    outcome: Outcome | None = None
    reason: str = ""  # why the final outcome is Ở lại lớp (Vietnamese)


@dataclass(frozen=True)
class YearResult(SemesterResult):
    """The year: year averages (ĐTBmcn), levels, and the proposal once the year is complete."""

    outcome: Outcome | None = None
    re_exam: list[str] = field(default_factory=list)  # subject codes, when learning is Chưa đạt
    award: Award | None = None
    reason: str = ""  # why the outcome is not Lên lớp (Vietnamese)
    summer: SummerResult | None = None  # only for a student proposed for the summer

    @property
    def final(self) -> Outcome | None:
        """The outcome once the summer is over: the summer's for a student it concerns."""
        return self.summer.outcome if self.summer is not None else self.outcome


@dataclass(frozen=True)
class StudentResult:
    code: str
    name: str
    hk1: SemesterResult
    hk2: SemesterResult
    year: YearResult
    missing: list[str]  # what keeps a result from being computed (Vietnamese)
    exempt: list[str] = field(default_factory=list)  # wholly exempt subject codes
    summer_missing: list[str] = field(default_factory=list)  # re-exam, training results not in
    notes: list[str] = field(default_factory=list)  # what the counts apply (P confirmed late)

    @property
    def complete(self) -> bool:
        """Whether every input is in and the year proposal is computed."""
        return self.year.outcome is not None

    @property
    def final(self) -> bool:
        """Whether the final outcome (after the summer where it concerns the student) is in."""
        return self.year.final is not None


@dataclass
class _Inputs:
    """One student's values, sorted out of the class's values in a single pass."""

    subjects: dict[tuple[int, str], dict[str, str]] = field(default_factory=dict)  # (sem, code)
    conduct: dict[int, str] = field(default_factory=dict)  # semester → KQRL
    excused: Counter[int] = field(default_factory=Counter)  # semester → P marks
    unexcused: Counter[int] = field(default_factory=Counter)  # semester → K marks
    late: Counter[SheetKey] = field(default_factory=Counter)  # month → P marks counted as K


@dataclass(frozen=True)
class _Context:
    """What every student of the class shares."""

    semesters: list[Semester]
    today: date
    attendance_missing: dict[int, list[str]]  # semester → months not received
    max_absences: int
    reader: _Reader

    def begun(self, number: int) -> bool:
        return any(s.number == number and s.start <= self.today for s in self.semesters)

    def expected(self, number: int, left: date | None) -> bool:
        """Whether a student who ``left`` the school (None: did not) owes semester ``number``."""
        return left is None or any(s.number == number and s.end < left for s in self.semesters)

    @property
    def year_over(self) -> bool:
        return bool(self.semesters) and self.today > max(s.end for s in self.semesters)


def student_results(
    setup: Setup,
    class_code: str,
    values: Values,
    today: date,
    *,
    confirm_day: int = CONFIRM_DAY,
    max_absences: int | None = None,
    received: Collection[SheetKey] = (),
    late: Collection[SheetKey] = (),
) -> list[StudentResult]:
    """Results of every student of ``class_code``, in roster order.

    ``values`` is :meth:`Ledger.scores_of_class` (other classes' values are ignored). Inputs of
    a semester that has not begun by ``today`` are not listed as missing. An attendance month
    counts as received when the ledger holds a mark of it or its key is in ``received`` (a sheet
    of a class where nobody was absent stores no value). ``max_absences`` defaults to the
    school's setting (45). A P mark of a month in ``late`` (:func:`confirmed_late`: its sheet
    reached the ledger after the confirmation deadline) counts as unexcused, and the student's
    :attr:`StudentResult.notes` say so.
    """
    if not 1 <= confirm_day <= 31:
        raise ValueError(f"confirm_day must be within 1..31, got {confirm_day!r}")
    limit = setup.school.max_absences if max_absences is None else max_absences
    late = set(late)
    room = setup.class_by_code(class_code)
    courses = [_Course.of(s) for s in setup.subjects_of_grade(room.grade)]
    by_code = {c.code for c in courses}
    inputs: dict[str, _Inputs] = defaultdict(_Inputs)
    months_in = {(k.semester, k.subject_code) for k in received if k.class_code == class_code}
    members = setup.results_members(class_code)
    earlier = {  # a student who moved in: the other classes their earlier values are kept under
        s.code: set(classes) - {class_code}
        for s in members
        if len(classes := setup.classes_of(s.code)) > 1
    }
    for (key, who, column), value in values.items():
        here = key.class_code == class_code
        if not here and key.class_code not in earlier.get(who, ()):
            continue
        code = key.subject_code
        if code in by_code:
            columns = inputs[who].subjects.setdefault((key.semester, code), {})
            if here or column not in columns:  # the value entered in this class wins
                columns[column] = value
        elif code == CONDUCT_CODE:
            if column == CONDUCT_LEVEL and (here or key.semester not in inputs[who].conduct):
                inputs[who].conduct[key.semester] = value
        elif code.startswith(ATTENDANCE_PREFIX):
            if here:
                months_in.add((key.semester, code))
            value = counted_as(value)  # a school's own mark counts as P, K or nothing
            if value == EXCUSED and key in late:  # confirmed after the deadline: unexcused
                inputs[who].unexcused[key.semester] += 1
                inputs[who].late[key] += 1
            elif value == EXCUSED:
                inputs[who].excused[key.semester] += 1
            elif value == UNEXCUSED:
                inputs[who].unexcused[key.semester] += 1
    semesters = sorted(setup.semesters, key=lambda s: s.number)
    missing_months = attendance_missing(semesters, months_in, today, confirm_day, setup.calendar)
    context = _Context(semesters, today, missing_months, limit, _Reader())
    whole = {
        (e.student_code, e.subject_code)
        for e in setup.exemptions
        if e.scope is ExemptionScope.WHOLE
    }
    results = []
    for student in members:
        taken = [c for c in courses if (student.code, c.code) not in whole]
        stay = setup.stays(student.code)[-1]
        result = _student(
            context,
            student.code,
            student.full_name,
            taken,
            inputs.get(student.code) or _Inputs(),
            exempt=[c.code for c in courses if (student.code, c.code) in whole],
            left=stay.end,
            moved=_moves(setup, student.code),
        )
        results.append(result)
    return results


def _student(
    context: _Context,
    code: str,
    name: str,
    courses: list[_Course],
    got: _Inputs,
    exempt: list[str],
    left: date | None = None,
    moved: Sequence[str] = (),
) -> StudentResult:
    """One student's results; ``courses`` are those the student is not wholly exempt from. A
    student who ``left`` the school is asked only for the semesters that ended before, and has
    no year proposal."""
    missing: list[str] = []
    halves: list[tuple[dict[str, int | None], dict[str, Comment | None], SemesterResult]] = []
    for number in (1, 2):
        scored, commented, problems = context.reader.semester(courses, number, got.subjects)
        conduct, conduct_problem = _conduct(got.conduct.get(number))
        if context.begun(number) and context.expected(number, left):
            missing += [f"{label} HK{number}: {problem}" for label, problem in problems]
            if conduct is None:
                missing.append(f"Rèn luyện HK{number}{conduct_problem}")
            missing += context.attendance_missing.get(number, [])
        sem = SemesterResult(
            averages=_in_order(courses, scored, commented),
            learning=learning_level(scored, commented),
            conduct=conduct,
            excused=got.excused[number],
            unexcused=got.unexcused[number],
        )
        halves.append((scored, commented, sem))
    (s1, c1, hk1), (s2, c2, hk2) = halves
    scored_year = {k: year_average(s1[k], s2[k]) for k in s1}
    commented_year = {k: year_comment_result(c1[k], c2[k]) for k in c1}
    learning = learning_level(scored_year, commented_year)
    conduct_year = year_conduct(hk1.conduct, hk2.conduct) if hk1.conduct and hk2.conduct else None
    excused, unexcused = hk1.excused + hk2.excused, hk1.unexcused + hk2.unexcused
    outcome: Outcome | None = None
    re_exam: list[str] = []
    prize: Award | None = None
    reason = ""
    if (
        left is None
        and context.year_over
        and not missing
        and learning is not None
        and conduct_year is not None
    ):
        absences = excused + unexcused
        outcome = promotion(learning, conduct_year, absences, context.max_absences)
        if outcome in (Outcome.RE_EXAM, Outcome.RE_EXAM_AND_TRAINING):
            re_exam = re_exam_subjects(scored_year, commented_year)
        if outcome is Outcome.PROMOTED:  # a student kept back (absences) is not awarded
            prize = award(learning, conduct_year, scored_year)
        reason = _reason(outcome, learning, conduct_year, absences, context.max_absences)
    summer: SummerResult | None = None
    summer_missing: list[str] = []
    if outcome in SUMMER_OUTCOMES:
        assert learning is not None and conduct_year is not None  # as the outcome is computed
        summer, summer_missing = _summer(
            context, courses, got, outcome, re_exam, (scored_year, commented_year),
            (learning, conduct_year), excused + unexcused,
        )  # fmt: skip
    year = YearResult(
        averages=_in_order(courses, scored_year, commented_year),
        learning=learning,
        conduct=conduct_year,
        excused=excused,
        unexcused=unexcused,
        outcome=outcome,
        re_exam=re_exam,
        award=prize,
        reason=reason,
        summer=summer,
    )
    notes = [f"Học sinh {m}" for m in moved] + [
        f"{count} buổi nghỉ có phép tháng {_month_label(key)} xác nhận sau hạn, tính là không phép"
        for key, count in sorted(got.late.items(), key=lambda item: item[0].subject_code)
    ]
    return StudentResult(code, name, hk1, hk2, year, missing, exempt, summer_missing, notes)


def _moves(setup: Setup, code: str) -> list[str]:
    """How the student came into the class and left the school, for the notes."""
    stays = setup.stays(code)
    said = [s.arrival for s in stays if s.arrival] + [stays[-1].mark] * bool(stays[-1].mark)
    brought = setup.brought(code)
    if brought:
        said[0] += f"; kết quả {brought} nhập theo hồ sơ của trường cũ"
    return said


def _month_label(key: SheetKey) -> str:
    """``10/2025`` for ``DIEMDANH-2025-10``."""
    year, _, month = key.subject_code.removeprefix(ATTENDANCE_PREFIX).partition("-")
    return f"{month}/{year}"


def confirmed_late(
    setup: Setup, first_received: Mapping[SheetKey, str], confirm_day: int = CONFIRM_DAY
) -> set[SheetKey]:
    """The attendance months whose first sheet reached the ledger after the confirmation
    deadline (``first_received``: :meth:`Ledger.first_received`, ISO times)."""
    late = set()
    for key, at in first_received.items():
        if not key.subject_code.startswith(ATTENDANCE_PREFIX):
            continue
        year, _, month = key.subject_code.removeprefix(ATTENDANCE_PREFIX).partition("-")
        deadline = attendance_deadline(setup.calendar, int(year), int(month), confirm_day)
        if date.fromisoformat(at[:10]) > deadline:
            late.add(key)
    return late


def _summer(
    context: _Context,
    courses: list[_Course],
    got: _Inputs,
    outcome: Outcome,
    re_exam: list[str],
    year_values: tuple[Mapping[str, int | None], Mapping[str, Comment | None]],
    levels: tuple[Level, Level],
    absences: int,
) -> tuple[SummerResult, list[str]]:
    """The summer of a student proposed for it: each re-exam result replaces the subject's year
    value (even when lower) and the learning level is recomputed; the re-assessed conduct replaces
    the year's; then the final outcome (DOMAIN: over the absence limit stays Ở lại lớp)."""
    missing: list[str] = []
    by_code = {c.code: c for c in courses}
    scores: dict[str, int] = {}
    comments: dict[str, Comment] = {}
    shown: dict[str, SubjectResult] = {}
    for code in re_exam:
        course = by_code[code]
        text = [got.subjects.get((SUMMER, code), {}).get(RE_EXAM_COLUMN)]
        one = _Course(code, course.name, course.scored, (RE_EXAM_COLUMN,), 0)
        value: SubjectResult
        if course.scored:
            parsed, problem = _parse_all(context.reader.scores, parse_score, one, text)
            value = parsed[0]
            if value is not None and not problem:
                scores[code] = value
        else:
            results, problem = _parse_all(context.reader.comments, parse_comment, one, text)
            value = results[0]
            if value is not None and not problem:
                comments[code] = value
        shown[code] = value
        if problem or value is None:
            missing.append(f"Kiểm tra lại {course.name}: {problem or 'chưa có điểm'}")
    learning, conduct = levels
    if outcome in (Outcome.SUMMER_TRAINING, Outcome.RE_EXAM_AND_TRAINING):
        conduct_after, problem = _conduct(got.conduct.get(SUMMER))
        if conduct_after is None:
            missing.append(f"Rèn luyện trong hè{problem}")
    else:
        conduct_after = conduct
    learning_after: Level | None = learning
    if re_exam and not missing:
        scored_year, commented_year = year_values
        learning_after = apply_re_exam(scored_year, commented_year, scores, comments)[2]
    elif re_exam:
        learning_after = None
    if missing or learning_after is None or conduct_after is None:
        return SummerResult(shown, learning_after, conduct_after), missing
    final = promotion(learning_after, conduct_after, absences, context.max_absences, final=True)
    reason = _reason(final, learning_after, conduct_after, absences, context.max_absences)
    reason = reason.replace("cả năm Chưa đạt", "sau kì nghỉ hè Chưa đạt")
    return SummerResult(shown, learning_after, conduct_after, final, reason), missing


@dataclass(frozen=True)
class _Course:
    """A subject of the class's grade, its columns and TX count worked out once."""

    code: str
    name: str
    scored: bool
    columns: tuple[str, ...]
    tx: int

    @classmethod
    def of(cls, subject: Subject) -> _Course:
        scored = subject.mode is AssessmentMode.SCORE
        return cls(subject.code, subject.name, scored, tuple(subject.columns), subject.tx_count)


class _Reader:
    """Parses stored values with the rules module, each distinct text once per call."""

    def __init__(self) -> None:
        self.scores: dict[str, int | None] = {}  # None: not a valid score
        self.comments: dict[str, Comment | None] = {}

    def semester(
        self, courses: list[_Course], number: int, entered: Mapping[tuple[int, str], dict[str, str]]
    ) -> tuple[dict[str, int | None], dict[str, Comment | None], list[tuple[str, str]]]:
        """Semester averages and Đ/CĐ results, and (subject name, problem) of incomplete ones."""
        scored: dict[str, int | None] = {}
        commented: dict[str, Comment | None] = {}
        problems: list[tuple[str, str]] = []
        for course in courses:
            cells = entered.get((number, course.code), {})
            raw = [cells.get(c) for c in course.columns]
            if course.scored:
                scores, problem = _parse_all(self.scores, parse_score, course, raw)
                scored[course.code] = (
                    None
                    if problem
                    else semester_average(scores[:-2], scores[-2], scores[-1], course.tx)
                )
            else:
                comments, problem = _parse_all(self.comments, parse_comment, course, raw)
                # a blank is "not yet assessed", never Chưa đạt: only complete sheets get a result
                commented[course.code] = (
                    None
                    if problem
                    else semester_comment_result(
                        comments[:-2], comments[-2], comments[-1], course.tx
                    )
                )
            if problem:
                problems.append((course.name, problem))
        return scored, commented, problems


def _parse_all(
    cache: dict[str, T | None],
    parse: Callable[[str], T | None],
    course: _Course,
    raw: list[str | None],
) -> tuple[list[T | None], str]:
    """The values of one subject's semester; the problem ("thiếu TX2, GK") or "" if complete."""
    parsed: list[T | None] = []
    blank: list[str] = []
    invalid: list[str] = []
    for column, text in zip(course.columns, raw, strict=True):
        value: T | None = None
        if text is None or not text.strip():
            blank.append(column)
        else:
            if text in cache:
                value = cache[text]
            else:
                try:
                    value = parse(text)
                except ScoreError:
                    value = None
                cache[text] = value
            if value is None:
                invalid.append(f"{column} không hợp lệ («{text}»)")
        parsed.append(value)
    if len(blank) == len(course.columns):
        return parsed, "chưa có điểm" if course.scored else "chưa có đánh giá"
    problems = ([f"thiếu {', '.join(blank)}"] if blank else []) + invalid
    return parsed, "; ".join(problems)


def _conduct(text: str | None) -> tuple[Level | None, str]:
    """The semester conduct level, or None and what follows "Rèn luyện HKn" in the missing list
    ("" when blank: the label alone says it)."""
    if text is None or not text.strip():
        return None, ""
    try:
        return Level(text), ""
    except ValueError:
        return None, f": «{text}» không phải mức rèn luyện"


def _in_order(
    courses: list[_Course],
    scored: Mapping[str, int | None],
    commented: Mapping[str, Comment | None],
) -> dict[str, SubjectResult]:
    """Subject results keyed in the setup's subject order, scored and commented together."""
    return {c.code: scored[c.code] if c.scored else commented[c.code] for c in courses}


def attendance_missing(
    semesters: list[Semester],
    months_in: set[tuple[int, str]],
    today: date,
    confirm_day: int = CONFIRM_DAY,
    events: Iterable[CalendarEvent] = (),
) -> dict[int, list[str]]:
    """Per semester, the attendance months whose school days have begun and whose sheet has not
    reached the ledger; past the confirmation deadline (the calendar's «Xác nhận điểm danh»
    window, else ``confirm_day`` of the next month) the message says it is overdue."""
    events = list(events)
    days_off = holidays(events)
    months = {s.number: semester_months(s) for s in semesters}
    out: dict[int, list[str]] = {}
    for semester in semesters:
        other = {m for n, ms in months.items() if n != semester.number for m in ms}
        listed = []
        for year, month in months[semester.number]:
            _, open_days = school_days(semester, year, month, days_off)
            if not open_days or min(open_days) > today:
                continue
            if (semester.number, f"{ATTENDANCE_PREFIX}{year}-{month:02d}") in months_in:
                continue
            label = f"Điểm danh tháng {month:02d}/{year}"
            if (year, month) in other:  # January: one sheet per semester
                label += f" (HK{semester.number})"
            deadline = attendance_deadline(events, year, month, confirm_day)
            if today > deadline:
                label += f": chưa xác nhận, quá hạn {deadline:%d/%m/%Y}"
            listed.append(label)
        out[semester.number] = listed
    return out


def _reason(
    outcome: Outcome, learning: Level, conduct: Level, absences: int, max_absences: int
) -> str:
    """Why the proposal is not Lên lớp, in Vietnamese ("" when promoted)."""
    if outcome is Outcome.PROMOTED:
        return ""
    if absences > max_absences:
        return f"Nghỉ {absences} buổi (quá {max_absences} buổi)"
    parts = []
    if learning is Level.CD:
        parts.append("Kết quả học tập cả năm Chưa đạt")
    if conduct is Level.CD:
        parts.append("Kết quả rèn luyện cả năm Chưa đạt")
    return "; ".join(parts)
