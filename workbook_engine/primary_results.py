"""A primary class's assessments (Circular 27, grades 1–5), read from the values the ledger holds.

Pure: takes the setup and one primary class's accepted values (``Ledger.scores_of_class``, or
``class_values`` with a mover's earlier classes), returns one :class:`PupilResult` per pupil the
class sums up (``Setup.results_members``), in roster order. For each of the four assessment
points: every subject's level T/H/C, its official test score (the re-test when there is one) and
the teacher's comment; the 15 qualities and competences T/Đ/C and the homeroom teacher's two
comments. At the year's end: the overall result (HTXS/HTT/HT/CHT) with the reasons it is not
higher, what it means for the pupil (completion of the grade, of primary school in grade 5, the
CHT path) and the award: «Học sinh Xuất sắc» for HTXS, «Học sinh Tiêu biểu» for HTT when the
homeroom teacher's year-end sheet flags the pupil (a flag the result rules out is not taken, and
``YearEnd.award_note`` says why).

Every rule comes from :mod:`workbook_engine.rules.primary`; this module gathers the inputs,
leaves wholly exempt subjects out and says, in Vietnamese, what is still missing. A blank is
"not yet assessed", never a C or a 0. No average and no ranking is computed.

After a CHT, the homeroom teacher's supplementary assessment (``BOSUNG``, the summer's key) and,
for a pupil still not completing the grade, the principal's decision (``decisions``, from the
approval of the summer, :mod:`workbook_engine.pipeline.primary_approval`) decide the year.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from workbook_engine.io.kinds.primary import (
    COMPETENCE_NOTE,
    END,
    EXEMPLARY_KEY,
    EXEMPLARY_YES,
    LEVEL_KEY,
    NOTE_KEY,
    POINTS,
    QUALITY_NOTE,
    RETEST_KEY,
    SUPPLEMENTARY_CODE,
    SUPPLEMENTARY_KEY,
    TEST_KEY,
    TRAITS_CODE,
    column,
)
from workbook_engine.model import SUMMER, ExemptionScope, Setup, SheetKey, Subject
from workbook_engine.rules.primary import (
    SUBJECTS,
    TRAITS,
    AssessmentPoint,
    OverallResult,
    PrimaryAward,
    PrimaryError,
    QualityLevel,
    SubjectLevel,
    YearDecision,
    overall_result,
    parse_quality_level,
    parse_subject_level,
    parse_test_score,
    primary_award,
    result_reasons,
    test_required,
    year_decision,
)

Values = Mapping[tuple[SheetKey, str, str], str]  # (sheet, pupil, column) → value as stored
# the supplementary assessment as the homeroom teacher records it (io.kinds.primary.SUPPLEMENTARY)
SUPPLEMENTARY_RESULTS = {"Hoàn thành": OverallResult.HT, "Chưa hoàn thành": OverallResult.CHT}
# The point → (semester, GK|CK) of its ledger key and columns
POINT_KEYS: dict[AssessmentPoint, tuple[int, str]] = {p: k for k, p in POINTS.items()}
KNOWN = frozenset(s.code for s in SUBJECTS)
T = TypeVar("T")
POINTS_ORDER = tuple(AssessmentPoint)
TRAITS_LABEL = "Phẩm chất, năng lực"


@dataclass(frozen=True)
class SubjectAssessment:
    """One subject of one pupil at one point. ``score``: the official test score (the re-test
    when there is one, ``first_score`` then the first attempt); ``tested``: a periodic test is
    required at this point for the grade (:func:`test_required`)."""

    code: str
    name: str
    level: SubjectLevel | None
    score: int | None
    tested: bool
    comment: str = ""
    first_score: int | None = None


@dataclass(frozen=True)
class PointAssessment:
    """One pupil at one assessment point: subjects (setup order, wholly exempt ones left out),
    the 15 traits (:data:`TRAITS` order, ``None`` blank), the homeroom teacher's comments, and
    what is still missing (Vietnamese)."""

    point: AssessmentPoint
    subjects: dict[str, SubjectAssessment]
    traits: dict[str, QualityLevel | None]
    quality_comment: str
    competence_comment: str
    missing: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class YearEnd:
    """The year-end result (``None`` while a year-end input is missing), why it is not higher
    (:func:`result_reasons`), what it means for the pupil, and the award. ``exemplary``: the
    homeroom teacher flagged the pupil «Học sinh Tiêu biểu»; ``award_note``: why that flag was
    not taken (the result is not Hoàn thành tốt), "" otherwise."""

    result: OverallResult | None = None
    reasons: list[str] = field(default_factory=list)
    decision: YearDecision | None = None
    award: PrimaryAward | None = None
    exemplary: bool = False
    award_note: str = ""

    @property
    def completed(self) -> bool | None:
        """Whether the pupil completed the grade's programme; ``None`` while not computed."""
        return None if self.result is None else self.result.completed


@dataclass(frozen=True)
class PupilResult:
    code: str
    name: str
    grade: int
    points: dict[AssessmentPoint, PointAssessment]
    year: YearEnd
    exempt: list[str] = field(default_factory=list)  # wholly exempt subject codes
    notes: list[str] = field(default_factory=list)  # came or left during the year

    def at(self, point: AssessmentPoint) -> PointAssessment:
        return self.points[AssessmentPoint(point)]

    @property
    def missing(self) -> list[str]:
        """What keeps the year-end result from being computed (the year-end point's inputs)."""
        return self.at(AssessmentPoint.YEAR_END).missing


def point_of(semester: int, point: str) -> AssessmentPoint:
    """``(1, "GK")`` → giữa học kì I … ``(2, "CK")`` → cuối năm học; ``ValueError`` otherwise."""
    try:
        return POINTS[semester, point]
    except KeyError:
        raise ValueError(
            f"thời điểm đánh giá phải là GK hoặc CK của học kì 1 hoặc 2, không phải "
            f"«{point}» học kì {semester}"
        ) from None


def is_tested(grade: int, subject_code: str, point: AssessmentPoint) -> bool:
    """:func:`test_required`, a school's own subject code (not in the programme) never tested."""
    return subject_code in KNOWN and test_required(grade, subject_code, point)


def primary_results(
    setup: Setup,
    class_code: str,
    values: Values,
    decisions: Mapping[str, bool] | None = None,
) -> list[PupilResult]:
    """The assessments of every pupil of the primary class ``class_code``, in roster order.

    ``values``: the class's ledger values; values a pupil earned in an earlier class of the year
    (same keys, that class's code) fill in what this class does not hold. A pupil who left the
    school gets no year-end result. After a Chưa hoàn thành: the supplementary assessment
    (``BOSUNG`` key of the summer) and the principal's decision for a pupil still not completing
    (``decisions``: pupil → promoted, from the approval of the summer) decide the year.
    """
    room = setup.class_by_code(class_code)
    if not room.primary:
        raise ValueError(f"{class_code} is not a primary class (grade {room.grade})")
    subjects = setup.subjects_of_grade(room.grade)
    wanted = {s.code for s in subjects} | {TRAITS_CODE, SUPPLEMENTARY_CODE}
    members = setup.results_members(class_code)
    earlier = {
        s.code: set(classes) - {class_code}
        for s in members
        if len(classes := setup.classes_of(s.code)) > 1
    }
    # pupil → (semester, subject code) → column → value
    got: dict[str, dict[tuple[int, str], dict[str, str]]] = {}
    for (key, who, name), value in values.items():
        here = key.class_code == class_code
        if key.subject_code not in wanted or not (here or key.class_code in earlier.get(who, ())):
            continue
        cells = got.setdefault(who, {}).setdefault((key.semester, key.subject_code), {})
        if here or name not in cells:  # the value entered in this class wins
            cells[name] = value
    whole = {
        (e.student_code, e.subject_code)
        for e in setup.exemptions
        if e.scope is ExemptionScope.WHOLE
    }
    results = []
    for pupil in members:
        taken = [s for s in subjects if (pupil.code, s.code) not in whole]
        stays = setup.stays(pupil.code)
        left = bool(stays) and stays[-1].end is not None
        points = {
            point: _point(room.grade, point, taken, got.get(pupil.code, {}))
            for point in POINTS_ORDER
        }
        traits = got.get(pupil.code, {}).get((2, TRAITS_CODE), {})
        flagged = traits.get(column(EXEMPLARY_KEY, END)) == EXEMPLARY_YES
        extra = got.get(pupil.code, {}).get((SUMMER, SUPPLEMENTARY_CODE), {})
        after = SUPPLEMENTARY_RESULTS.get(extra.get(SUPPLEMENTARY_KEY, ""))
        year = (
            YearEnd()
            if left
            else _year_end(room.grade, points[AssessmentPoint.YEAR_END], flagged, after,
                           (decisions or {}).get(pupil.code))
        )  # fmt: skip
        notes = [m for stay in stays for m in (stay.arrival, stay.mark) if m]
        results.append(
            PupilResult(
                code=pupil.code,
                name=pupil.full_name,
                grade=room.grade,
                points=points,
                year=year,
                exempt=[s.code for s in subjects if (pupil.code, s.code) in whole],
                notes=list(dict.fromkeys(notes)),
            )
        )
    return results


def _point(
    grade: int,
    point: AssessmentPoint,
    subjects: Sequence[Subject],
    got: Mapping[tuple[int, str], Mapping[str, str]],
) -> PointAssessment:
    semester, suffix = POINT_KEYS[point]
    missing: list[str] = []
    assessed: dict[str, SubjectAssessment] = {}
    for subject in subjects:
        cells = got.get((semester, subject.code), {})
        tested = is_tested(grade, subject.code, point)
        problems: list[str] = []
        level = _read(parse_subject_level, cells.get(column(LEVEL_KEY, suffix)), problems)
        problems = [f"mức đánh giá {p}" for p in problems]
        if level is None and not problems:
            problems.append("chưa có mức đánh giá")
        score = first = None
        if tested:
            bad: list[str] = []
            first = _read(parse_test_score, cells.get(column(TEST_KEY, suffix)), bad)
            retest = _read(parse_test_score, cells.get(column(RETEST_KEY, suffix)), bad)
            score, first = (retest, first) if retest is not None else (first, None)
            if score is None and not bad:
                problems.append("chưa có điểm kiểm tra định kì")
            problems += [f"điểm kiểm tra {p}" for p in bad]
        if problems:
            missing.append(f"{subject.name}: {'; '.join(problems)}")
        comment = (cells.get(column(NOTE_KEY, suffix)) or "").strip()
        assessed[subject.code] = SubjectAssessment(
            subject.code, subject.name, level, score, tested, comment, first
        )
    cells = got.get((semester, TRAITS_CODE), {})
    traits: dict[str, QualityLevel | None] = {}
    blank: list[str] = []
    invalid: list[str] = []
    for trait in TRAITS:
        problems = []
        traits[trait.code] = _read(
            parse_quality_level, cells.get(column(trait.code, suffix)), problems
        )
        if problems:
            invalid.append(f"{trait.name} {problems[0]}")
        elif traits[trait.code] is None:
            blank.append(trait.name)
    if len(blank) == len(TRAITS):
        missing.append(f"{TRAITS_LABEL}: chưa có đánh giá")
    elif blank or invalid:
        said = ([f"thiếu {', '.join(blank)}"] if blank else []) + invalid
        missing.append(f"{TRAITS_LABEL}: {'; '.join(said)}")
    return PointAssessment(
        point=point,
        subjects=assessed,
        traits=traits,
        quality_comment=(cells.get(column(QUALITY_NOTE, suffix)) or "").strip(),
        competence_comment=(cells.get(column(COMPETENCE_NOTE, suffix)) or "").strip(),
        missing=missing,
    )


def _read(parse: Callable[[str], T | None], text: str | None, problems: list[str]) -> T | None:
    """``parse(text)``; ``None`` for a blank, and for a value the rules refuse (said in
    ``problems``: the ledger holds checked values, so only an old or hand-made ledger has one)."""
    if text is None or not text.strip():
        return None
    try:
        return parse(text)
    except PrimaryError:
        problems.append(f"«{text}» không hợp lệ")
        return None


def _year_end(
    grade: int,
    end: PointAssessment,
    exemplary: bool = False,
    supplementary: OverallResult | None = None,
    promoted: bool | None = None,
) -> YearEnd:
    """The year-end result from the year-end point, once every input of it is in; the award
    with the homeroom teacher's «Tiêu biểu» flag (``exemplary``); after a CHT, the decision with
    the ``supplementary`` assessment and the principal's (``promoted``)."""
    if end.missing or not end.subjects:
        return YearEnd(exemplary=exemplary)
    levels = {code: s.level for code, s in end.subjects.items()}
    scores = {code: s.score for code, s in end.subjects.items() if s.tested}
    result = overall_result(levels, end.traits, scores)
    if result is None:  # every input is in: cannot happen, kept for the type checker
        return YearEnd()
    try:
        award, note = primary_award(result, exemplary), ""
    except PrimaryError as refused:  # flagged, but not HTT: the flag is not taken
        award, note = None, f"Đề nghị «Học sinh Tiêu biểu» không được xét: {refused}"
    return YearEnd(
        result=result,
        reasons=result_reasons(levels, end.traits, scores),
        decision=year_decision(
            grade,
            result,
            supplementary if result is OverallResult.CHT else None,
            promoted if result is OverallResult.CHT else None,
        ),
        award=award,
        exemplary=exemplary,
        award_note=note,
    )


def completion_text(pupil: PupilResult) -> str:
    """What the year means, in words for the books: «Hoàn thành chương trình lớp học», «…tiểu
    học», «Chưa hoàn thành chương trình lớp 3: giúp đỡ và đánh giá bổ sung»; "" while the result
    is not computed."""
    decision = pupil.year.decision
    if decision is None:
        return ""
    if decision is YearDecision.SUPPORT:
        return f"Chưa hoàn thành chương trình lớp {pupil.grade}: giúp đỡ và đánh giá bổ sung"
    return decision.value
