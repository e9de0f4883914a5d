"""Circular 27 rules for primary school (grades 1–5): levels, test scores, year-end result.

Ongoing assessment is by comment only; periodic tests give an integer 0..10. Pupils are never
ranked, and no average is computed anywhere. Messages a teacher or a parent sees are Vietnamese;
programming errors (wrong types, unknown codes) are plain ``ValueError`` in English.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from .scores import ScoreError, parse_score

SUBJECT_LEVEL_INVALID = "primary-subject-level-invalid"
QUALITY_LEVEL_INVALID = "primary-quality-level-invalid"
TEST_SCORE_NOT_A_NUMBER = "primary-test-score-not-a-number"
TEST_SCORE_NOT_INTEGER = "primary-test-score-not-integer"
TEST_SCORE_OUT_OF_RANGE = "primary-test-score-out-of-range"
EXEMPLARY_NOT_GOOD = "primary-exemplary-not-good"

_MESSAGES = {
    SUBJECT_LEVEL_INVALID: '"{}" không phải mức đánh giá môn học: hãy ghi T, H hoặc C',
    QUALITY_LEVEL_INVALID: '"{}" không phải mức đánh giá phẩm chất, năng lực: hãy ghi T, Đ hoặc C',
    TEST_SCORE_NOT_A_NUMBER: '"{}" không phải điểm kiểm tra: hãy ghi một số nguyên từ 0 đến 10',
    TEST_SCORE_NOT_INTEGER: '"{}": điểm kiểm tra định kì là số nguyên, không cho điểm thập phân',
    TEST_SCORE_OUT_OF_RANGE: '"{}": điểm kiểm tra định kì phải từ 0 đến 10',
    EXEMPLARY_NOT_GOOD: "Học sinh Tiêu biểu chỉ xét cho học sinh Hoàn thành tốt, không phải {}",
}

EXCELLENT_FROM = 9  # every end-of-year test >= 9 for Hoàn thành xuất sắc
GOOD_FROM = 7  # >= 7 for Hoàn thành tốt
PASS_FROM = 5  # >= 5 for Hoàn thành
GRADES = range(1, 6)


class PrimaryError(ValueError):
    """A teacher's entry that cannot be accepted; ``code`` is a catalogue code."""

    def __init__(self, code: str, value: object) -> None:
        self.code = code
        self.value = value
        shown = str(value).strip()
        shown = shown.replace(".", ",") if isinstance(value, float) else shown
        super().__init__(_MESSAGES.get(code, code + ": {}").format(shown))

    def __reduce__(self) -> tuple[type[PrimaryError], tuple[str, object]]:
        return (type(self), (self.code, self.value))


class SubjectLevel(StrEnum):
    """Level of a subject or activity at an assessment point (subject teacher)."""

    T = "Hoàn thành tốt"
    H = "Hoàn thành"
    C = "Chưa hoàn thành"


class QualityLevel(StrEnum):
    """Level of a quality or competence at an assessment point (homeroom teacher)."""

    T = "Tốt"
    D = "Đạt"
    C = "Cần cố gắng"

    @property
    def letter(self) -> str:
        """The letter written in the books: T, Đ or C."""
        return "Đ" if self is QualityLevel.D else self.name


def _fold(text: str) -> str:
    """Lower case, single spaces, no diacritics ("Hoàn  THÀNH" -> "hoan thanh")."""
    text = unicodedata.normalize("NFD", text.casefold()).replace("đ", "d").replace("ð", "d")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.split())


_L = TypeVar("_L", "SubjectLevel", "QualityLevel")
_SUBJECT_WORDS = {
    **dict.fromkeys(("t", "htt", "hoan thanh tot"), SubjectLevel.T),
    **dict.fromkeys(("h", "ht", "hoan thanh"), SubjectLevel.H),
    **dict.fromkeys(("c", "cht", "chua hoan thanh"), SubjectLevel.C),
}
_QUALITY_WORDS = {
    **dict.fromkeys(("t", "tot"), QualityLevel.T),
    **dict.fromkeys(("d", "dat"), QualityLevel.D),
    **dict.fromkeys(("c", "ccg", "can co gang"), QualityLevel.C),
}


def _parse_level(value: object, words: Mapping[str, _L], code: str) -> _L | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and (level := words.get(_fold(value))) is not None:
        return level
    raise PrimaryError(code, value)


def parse_subject_level(value: object) -> SubjectLevel | None:
    """Read T / H / C (any case, full words, HTT / HT / CHT, diacritics optional); ``None`` when
    blank; :class:`PrimaryError` otherwise (an "Đ" is a quality level, not a subject level)."""
    return _parse_level(value, _SUBJECT_WORDS, SUBJECT_LEVEL_INVALID)


def parse_quality_level(value: object) -> QualityLevel | None:
    """Read T / Đ / C (any case, full words, D for Đ, diacritics optional); ``None`` when blank;
    :class:`PrimaryError` otherwise (an "H" is a subject level, not a quality level)."""
    return _parse_level(value, _QUALITY_WORDS, QUALITY_LEVEL_INVALID)


_SCORE_CODES = {
    "score-out-of-range": TEST_SCORE_OUT_OF_RANGE,
    "score-too-many-decimals": TEST_SCORE_NOT_INTEGER,
}


def parse_test_score(value: object) -> int | None:
    """Read a periodic test score: an integer 0..10 (0 allowed), in points, not tenths.

    Accepts "8", 8, 8.0, "8,0" and Excel float noise; ``None`` when blank. Raises
    :class:`PrimaryError` for decimals ("8,5", 8.5), out of range (11, -1) or not a number.
    """
    try:
        tenths = parse_score(value)
    except ScoreError as error:
        code = _SCORE_CODES.get(error.code, TEST_SCORE_NOT_A_NUMBER)
        raise PrimaryError(code, value) from None
    if tenths is None:
        return None
    if tenths % 10:
        raise PrimaryError(TEST_SCORE_NOT_INTEGER, value)
    return tenths // 10


class AssessmentPoint(StrEnum):
    """The four periodic assessment points of the year."""

    MID_1 = "Giữa học kì I"
    END_1 = "Cuối học kì I"
    MID_2 = "Giữa học kì II"
    YEAR_END = "Cuối năm học"


_ALL, _G345, _G45 = (frozenset(range(g, 6)) for g in (1, 3, 4))
_G12 = frozenset({1, 2})


@dataclass(frozen=True)
class PrimarySubject:
    """One subject column of the 2018 programme; ``periods`` per year for grades 1..5 (0: none).

    ``tested``: grades with a test at the end of semester I and of the year; ``mid_tested``:
    grades also tested mid-semester. ``part_of`` names the subject when it is kept as two
    columns (Tin học và Công nghệ; Nghệ thuật).
    """

    code: str
    name: str
    periods: tuple[int, ...]
    tested: frozenset[int] = frozenset()
    mid_tested: frozenset[int] = frozenset()
    elective: frozenset[int] = frozenset()
    part_of: str = ""

    def taught_in(self, grade: int) -> bool:
        return self.periods[_check_grade(grade) - 1] > 0


_IT_TECH, _ARTS = "Tin học và Công nghệ", "Nghệ thuật"
# DOMAIN gives the periods of the tested subjects; the others, and the 35 + 35 split of the two
# two-column subjects, are the 2018 programme's (875 / 875 / 980 / 1050 / 1050 a year).
SUBJECTS: tuple[PrimarySubject, ...] = (
    PrimarySubject("TV", "Tiếng Việt", (420, 350, 245, 245, 245), _ALL, _G45),
    PrimarySubject("TOAN", "Toán", (105, 175, 175, 175, 175), _ALL, _G45),
    PrimarySubject("NN1", "Ngoại ngữ 1", (70, 70, 140, 140, 140), _G345, elective=_G12),
    PrimarySubject("LSDL", "Lịch sử và Địa lí", (0, 0, 0, 70, 70), _G45),
    PrimarySubject("KH", "Khoa học", (0, 0, 0, 70, 70), _G45),
    PrimarySubject("TIN", "Tin học", (0, 0, 35, 35, 35), _G345, part_of=_IT_TECH),
    PrimarySubject("CN", "Công nghệ", (0, 0, 35, 35, 35), _G345, part_of=_IT_TECH),
    PrimarySubject("DD", "Đạo đức", (35, 35, 35, 35, 35)),
    PrimarySubject("TNXH", "Tự nhiên và Xã hội", (70, 70, 70, 0, 0)),
    PrimarySubject("GDTC", "Giáo dục thể chất", (70, 70, 70, 70, 70)),
    PrimarySubject("AN", "Âm nhạc", (35, 35, 35, 35, 35), part_of=_ARTS),
    PrimarySubject("MT", "Mĩ thuật", (35, 35, 35, 35, 35), part_of=_ARTS),
    PrimarySubject("HDTN", "Hoạt động trải nghiệm", (105, 105, 105, 105, 105)),
    PrimarySubject("TDT", "Tiếng dân tộc thiểu số", (70, 70, 70, 70, 70), elective=_ALL),
)
_BY_CODE = {s.code: s for s in SUBJECTS}


def _check_grade(grade: object) -> int:
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in GRADES:
        raise ValueError(f"primary grade must be an int in 1..5, got {grade!r}")
    return grade


def subjects_for(grade: int, *, electives: bool = False) -> tuple[PrimarySubject, ...]:
    """Subjects taught in ``grade``: compulsory ones, plus electives when asked."""
    return tuple(
        s for s in SUBJECTS if s.taught_in(grade) and (electives or grade not in s.elective)
    )


def test_required(grade: int, subject_code: str, point: AssessmentPoint) -> bool:
    """True when ``subject_code`` has a periodic test in ``grade`` at ``point``.

    End of semester I and end of year: every tested subject of the grade; mid-semester: Tiếng
    Việt and Toán in grades 4–5 only. Electives never require one (a school may still test).
    """
    subject = _BY_CODE.get(subject_code)
    if subject is None:
        raise ValueError(f"unknown primary subject code {subject_code!r}")
    if not subject.taught_in(grade) or grade in subject.elective:
        return False
    mid = AssessmentPoint(point) in (AssessmentPoint.MID_1, AssessmentPoint.MID_2)
    return grade in (subject.mid_tested if mid else subject.tested)


# the name is prescribed: keep pytest from collecting it in any test module that imports it
test_required.__test__ = False  # type: ignore[attr-defined]


def subjects_with_test(grade: int, point: AssessmentPoint) -> tuple[str, ...]:
    """Codes of the subjects of ``grade`` with a periodic test at ``point``, in table order."""
    return tuple(s.code for s in SUBJECTS if test_required(grade, s.code, point))


class TraitGroup(StrEnum):
    QUALITY = "Phẩm chất chủ yếu"
    GENERAL = "Năng lực chung"
    SPECIFIC = "Năng lực đặc thù"


@dataclass(frozen=True)
class Trait:
    """A quality or competence assessed T / Đ / C by the homeroom teacher."""

    code: str
    name: str
    group: TraitGroup


_Q, _G, _S = TraitGroup.QUALITY, TraitGroup.GENERAL, TraitGroup.SPECIFIC
QUALITIES: tuple[Trait, ...] = (
    Trait("YEU_NUOC", "Yêu nước", _Q),
    Trait("NHAN_AI", "Nhân ái", _Q),
    Trait("CHAM_CHI", "Chăm chỉ", _Q),
    Trait("TRUNG_THUC", "Trung thực", _Q),
    Trait("TRACH_NHIEM", "Trách nhiệm", _Q),
)
COMPETENCES: tuple[Trait, ...] = (
    Trait("TU_CHU", "Tự chủ và tự học", _G),
    Trait("GIAO_TIEP", "Giao tiếp và hợp tác", _G),
    Trait("GQVD", "Giải quyết vấn đề và sáng tạo", _G),
    Trait("NGON_NGU", "Ngôn ngữ", _S),
    Trait("TINH_TOAN", "Tính toán", _S),
    Trait("KHOA_HOC", "Khoa học", _S),
    Trait("CONG_NGHE", "Công nghệ", _S),
    Trait("TIN_HOC", "Tin học", _S),
    Trait("THAM_MI", "Thẩm mĩ", _S),
    Trait("THE_CHAT", "Thể chất", _S),
)
TRAITS: tuple[Trait, ...] = QUALITIES + COMPETENCES


class OverallResult(StrEnum):
    """Year-end result of a pupil, best first."""

    HTXS = "Hoàn thành xuất sắc"
    HTT = "Hoàn thành tốt"
    HT = "Hoàn thành"
    CHT = "Chưa hoàn thành"

    @property
    def completed(self) -> bool:
        """True for HTXS, HTT and HT: the pupil completed the grade."""
        return self is not OverallResult.CHT


_RANK = {r: i for i, r in enumerate(reversed(OverallResult))}
# the best result one level allows: a single H (subject) or Đ (trait) caps the pupil at HT
_LEVEL_CAP = dict(T=OverallResult.HTXS, H=OverallResult.HT, D=OverallResult.HT, C=OverallResult.CHT)


def _check_points(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValueError(f"{what} must be an int in 0..10, got {value!r}")
    return value


def _score_cap(points: int) -> OverallResult:
    if points >= EXCELLENT_FROM:
        return OverallResult.HTXS
    if points >= GOOD_FROM:
        return OverallResult.HTT
    return OverallResult.HT if points >= PASS_FROM else OverallResult.CHT


def _caps(
    subjects: Mapping[str, SubjectLevel | None],
    traits: Mapping[str, QualityLevel | None],
    year_end_scores: Mapping[str, int | None],
) -> list[tuple[str, str, OverallResult]] | None:
    """(code, Vietnamese text, best result it allows) per item; ``None`` while any is blank."""
    if not subjects:
        raise ValueError("a pupil needs at least one subject")
    if set(traits) != {t.code for t in TRAITS}:
        raise ValueError(f"traits must be the 15 codes of TRAITS, got {sorted(traits)}")
    if extra := set(year_end_scores) - set(subjects):
        raise ValueError(f"test scores without a subject level: {sorted(extra)}")
    values = [*subjects.values(), *traits.values(), *year_end_scores.values()]
    if any(v is None for v in values):
        return None
    caps = []
    for code, level in subjects.items():
        if not isinstance(level, SubjectLevel):
            raise ValueError(f"level of {code} must be a SubjectLevel, got {level!r}")
        name = _BY_CODE[code].name if code in _BY_CODE else code
        caps.append((code, f"{name}: {level} ({level.name})", _LEVEL_CAP[level.name]))
        if code in year_end_scores:
            points = _check_points(year_end_scores[code], f"year-end score of {code}")
            caps.append((code, f"{name}: kiểm tra cuối năm {points} điểm", _score_cap(points)))
    for trait in TRAITS:
        if not isinstance(q := traits[trait.code], QualityLevel):
            raise ValueError(f"level of {trait.code} must be a QualityLevel, got {q!r}")
        caps.append((trait.code, f"{trait.name}: {q} ({q.letter})", _LEVEL_CAP[q.name]))
    return caps


def overall_result(
    subjects: Mapping[str, SubjectLevel | None],
    traits: Mapping[str, QualityLevel | None],
    year_end_scores: Mapping[str, int | None],
) -> OverallResult | None:
    """Year-end result from the year-end levels and end-of-year test scores (points 0..10).

    HTXS: every subject T, all 15 traits Tốt, every test >= 9. HTT: same with tests >= 7 (an 8
    blocks HTXS). HT: no C anywhere, tests >= 5. Else CHT. So a single H (or Đ) caps at HT.
    ``subjects`` are the ones that count (exempted ones and, per school setting, electives left
    out); ``year_end_scores`` has one entry per tested subject (:func:`test_required`). A 0 is a
    real score; ``None`` (blank) anywhere gives ``None``.
    """
    caps = _caps(subjects, traits, year_end_scores)
    if caps is None:
        return None
    return min((cap for _, _, cap in caps), key=_RANK.__getitem__)


def result_reasons(
    subjects: Mapping[str, SubjectLevel | None],
    traits: Mapping[str, QualityLevel | None],
    year_end_scores: Mapping[str, int | None],
) -> list[str]:
    """Why the pupil is below HTXS, one Vietnamese line per item (empty while anything is blank).

    Subjects in the given order (level, then test), then the 15 traits in :data:`TRAITS` order.
    """
    caps = _caps(subjects, traits, year_end_scores) or []
    return [
        f"{text}, nên {'' if cap is OverallResult.CHT else 'cao nhất là '}{cap}"
        for _, text, cap in caps
        if cap is not OverallResult.HTXS
    ]


class YearDecision(StrEnum):
    """What the year end means for the pupil, including the CHT path."""

    COMPLETED_GRADE = "Hoàn thành chương trình lớp học"
    COMPLETED_PRIMARY = "Hoàn thành chương trình tiểu học"
    SUPPORT = "Chưa hoàn thành: giúp đỡ và đánh giá bổ sung"
    PRINCIPAL = "Chờ hiệu trưởng xem xét, quyết định"
    PROMOTED = "Được lên lớp"
    RETAINED = "Chưa được lên lớp"


def year_decision(
    grade: int,
    result: OverallResult,
    supplementary: OverallResult | None = None,
    principal_promotes: bool | None = None,
) -> YearDecision:
    """HTXS/HTT/HT -> completed the grade (grade 5: primary school). CHT -> support plan and a
    supplementary assessment (``supplementary``: the result recomputed after it); still CHT ->
    the principal decides (``principal_promotes``, read only then). No absence limit applies in
    primary. A principal's promotion is "Được lên lớp", in grade 5 too: DOMAIN does not say it
    counts as completing primary school.
    """
    grade, result = _check_grade(grade), OverallResult(result)
    if supplementary is not None and result.completed:
        raise ValueError(f"a supplementary assessment follows CHT only, not {result.name}")
    if (result if supplementary is None else OverallResult(supplementary)).completed:
        return YearDecision.COMPLETED_PRIMARY if grade == 5 else YearDecision.COMPLETED_GRADE
    if supplementary is None:
        return YearDecision.SUPPORT
    if principal_promotes is None:
        return YearDecision.PRINCIPAL
    return YearDecision.PROMOTED if principal_promotes else YearDecision.RETAINED


class PrimaryAward(StrEnum):
    """Year-end awards (ad-hoc awards are free text, not modelled)."""

    EXCELLENT = "Học sinh Xuất sắc"
    EXEMPLARY = "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện"


def primary_award(result: OverallResult | None, exemplary: bool = False) -> PrimaryAward | None:
    """HTXS -> Học sinh Xuất sắc. HTT with the teacher's ``exemplary`` flag (an outstanding
    subject or clear progress in a trait, recognised by the class) -> Học sinh Tiêu biểu.
    The flag is ignored for HTXS (one title, the higher) and refused for HT / CHT."""
    if result is None:
        return None
    result = OverallResult(result)
    if result is OverallResult.HTXS:
        return PrimaryAward.EXCELLENT
    if exemplary and result is not OverallResult.HTT:
        raise PrimaryError(EXEMPLARY_NOT_GOOD, result.value)
    return PrimaryAward.EXEMPLARY if exemplary else None


def level_score_warning(
    level: SubjectLevel | None, score: int | None, good_from: int = 7, pass_from: int = 5
) -> str | None:
    """A Vietnamese warning when a subject level and its test score look inconsistent.

    The level is the teacher's judgement, never derived from the score. DOMAIN gives no
    thresholds (a school setting); the defaults are the year-end ones: T with a score below 7,
    H below 5, or C with 5 or more. ``None`` when consistent or blank.
    """
    if level is None or score is None:
        return None
    points, level = _check_points(score, "test score"), SubjectLevel(level)
    odd = {
        SubjectLevel.T: f"dưới {good_from} điểm" if points < good_from else None,
        SubjectLevel.H: f"dưới {pass_from} điểm" if points < pass_from else None,
        SubjectLevel.C: f"từ {pass_from} điểm trở lên" if points >= pass_from else None,
    }[level]
    if odd is None:
        return None
    return f"Mức {level} ({level.name}) nhưng bài kiểm tra {odd} ({points}): hãy xem lại"
