"""Circular 27 (primary): level and test-score entry, subjects and tests, year-end result."""

from __future__ import annotations

import itertools
import pickle
import unicodedata
from decimal import Decimal

import pytest

from workbook_engine.rules.primary import (
    COMPETENCES,
    QUALITIES,
    SUBJECTS,
    TRAITS,
    AssessmentPoint,
    OverallResult,
    PrimaryAward,
    PrimaryError,
    QualityLevel,
    SubjectLevel,
    TraitGroup,
    YearDecision,
    level_score_warning,
    overall_result,
    parse_quality_level,
    parse_subject_level,
    parse_test_score,
    primary_award,
    result_reasons,
    subjects_for,
    subjects_with_test,
    test_required,
    year_decision,
)

T, H, C = SubjectLevel.T, SubjectLevel.H, SubjectLevel.C
QT, QD, QC = QualityLevel.T, QualityLevel.D, QualityLevel.C
HTXS, HTT, HT, CHT = OverallResult.HTXS, OverallResult.HTT, OverallResult.HT, OverallResult.CHT
MID_1, END_1, MID_2, YEAR_END = (
    AssessmentPoint.MID_1,
    AssessmentPoint.END_1,
    AssessmentPoint.MID_2,
    AssessmentPoint.YEAR_END,
)

# written out from DOMAIN's table, not computed from the module
GRADE_4 = ("TV", "TOAN", "NN1", "DD", "LSDL", "KH", "TIN", "CN", "GDTC", "AN", "MT", "HDTN")
GRADE_4_TESTED = ("TV", "TOAN", "NN1", "LSDL", "KH", "TIN", "CN")
GRADE_2 = ("TV", "TOAN", "DD", "TNXH", "GDTC", "AN", "MT", "HDTN")
TRAIT_CODES = (
    *("YEU_NUOC", "NHAN_AI", "CHAM_CHI", "TRUNG_THUC", "TRACH_NHIEM"),
    *("TU_CHU", "GIAO_TIEP", "GQVD"),
    *("NGON_NGU", "TINH_TOAN", "KHOA_HOC", "CONG_NGHE", "TIN_HOC", "THAM_MI", "THE_CHAT"),
)

Levels = dict[str, SubjectLevel | None]
Traits = dict[str, QualityLevel | None]
Scores = dict[str, int | None]


def pupil(
    levels: Levels | None = None,
    traits: Traits | None = None,
    scores: Scores | None = None,
    *,
    subjects: tuple[str, ...] = GRADE_4,
    tested: tuple[str, ...] = GRADE_4_TESTED,
) -> tuple[Levels, Traits, Scores]:
    """A pupil with every subject T, every trait Tốt and every test 10, then the overrides."""
    base_levels: Levels = {**dict.fromkeys(subjects, T), **(levels or {})}
    base_traits: Traits = {**dict.fromkeys(TRAIT_CODES, QT), **(traits or {})}
    base_scores: Scores = {**dict.fromkeys(tested, 10), **(scores or {})}
    return base_levels, base_traits, base_scores


# ---- entering levels -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("T", T),
        ("t", T),
        (" T ", T),
        ("Hoàn thành tốt", T),
        ("HOÀN THÀNH TỐT", T),
        ("hoàn  thành\xa0tốt", T),
        (unicodedata.normalize("NFD", "Hoàn thành tốt"), T),
        ("hoan thanh tot", T),
        ("HTT", T),
        (T, T),
        ("H", H),
        ("h", H),
        ("Hoàn thành", H),
        ("HT", H),
        ("C", C),
        ("c", C),
        ("Chưa hoàn thành", C),
        ("chua hoan thanh", C),
        ("CHT", C),
    ],
)
def test_parse_subject_level_accepts(value: object, expected: SubjectLevel) -> None:
    assert parse_subject_level(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("T", QT),
        ("tốt", QT),
        ("TỐT", QT),
        ("tot", QT),
        (QT, QT),
        ("Đ", QD),
        ("đ", QD),
        ("D", QD),
        ("Ð", QD),  # U+00D0 (eth), typed for Đ by legacy encodings
        ("Đạt", QD),
        (" dat ", QD),
        ("C", QC),
        ("Cần cố gắng", QC),
        ("cần  cố gắng", QC),
        ("CCG", QC),
    ],
)
def test_parse_quality_level_accepts(value: object, expected: QualityLevel) -> None:
    assert parse_quality_level(value) is expected


@pytest.mark.parametrize("value", [None, "", "  ", "\xa0"])
def test_blank_levels_are_none(value: object) -> None:
    assert parse_subject_level(value) is None
    assert parse_quality_level(value) is None


SUBJECT_HINT = "không phải mức đánh giá môn học: hãy ghi T, H hoặc C"
QUALITY_HINT = "không phải mức đánh giá phẩm chất, năng lực: hãy ghi T, Đ hoặc C"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Đ", "Đ"),  # a quality level in a subject column
        (" Đ ", "Đ"),
        ("Đạt", "Đạt"),
        ("Tốt", "Tốt"),
        (QD, "Đạt"),
        ("HTXS", "HTXS"),
        ("Hoàn thành xuất sắc", "Hoàn thành xuất sắc"),
        ("A", "A"),
        (5, "5"),
        (True, "True"),
    ],
)
def test_parse_subject_level_rejects(value: object, shown: str) -> None:
    with pytest.raises(PrimaryError) as info:
        parse_subject_level(value)
    assert str(info.value) == f'"{shown}" {SUBJECT_HINT}'
    assert info.value.code == "primary-subject-level-invalid"
    assert info.value.value is value


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("H", "H"),  # a subject level in a quality column
        ("h", "h"),
        ("Hoàn thành", "Hoàn thành"),
        (H, "Hoàn thành"),
        ("HT", "HT"),
        ("CĐ", "CĐ"),
        ("Khá", "Khá"),
        (1, "1"),
    ],
)
def test_parse_quality_level_rejects(value: object, shown: str) -> None:
    with pytest.raises(PrimaryError) as info:
        parse_quality_level(value)
    assert str(info.value) == f'"{shown}" {QUALITY_HINT}'
    assert info.value.code == "primary-quality-level-invalid"


def test_level_texts() -> None:
    assert [lv.value for lv in SubjectLevel] == ["Hoàn thành tốt", "Hoàn thành", "Chưa hoàn thành"]
    assert [lv.value for lv in QualityLevel] == ["Tốt", "Đạt", "Cần cố gắng"]
    assert [lv.letter for lv in QualityLevel] == ["T", "Đ", "C"]


# ---- entering test scores --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("8", 8),
        (8, 8),
        (8.0, 8),
        (" 8 ", 8),
        ("8,0", 8),
        ("8.0", 8),
        (Decimal("8"), 8),
        (7.0000000001, 7),  # Excel float noise
        ("10", 10),
        (10, 10),
        ("0", 0),  # 0 is a real score in Circular 27
        (0, 0),
        (0.0, 0),
    ],
)
def test_parse_test_score_accepts(value: object, expected: int) -> None:
    assert parse_test_score(value) == expected


@pytest.mark.parametrize("value", [None, "", "   "])
def test_parse_test_score_blank_is_none_not_zero(value: object) -> None:
    assert parse_test_score(value) is None


DECIMAL_MSG = '"{}": điểm kiểm tra định kì là số nguyên, không cho điểm thập phân'
RANGE_MSG = '"{}": điểm kiểm tra định kì phải từ 0 đến 10'
NAN_MSG = '"{}" không phải điểm kiểm tra: hãy ghi một số nguyên từ 0 đến 10'


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("8,5", "primary-test-score-not-integer", DECIMAL_MSG.format("8,5")),
        ("8.5", "primary-test-score-not-integer", DECIMAL_MSG.format("8.5")),
        (8.5, "primary-test-score-not-integer", DECIMAL_MSG.format("8,5")),  # shown as typed
        ("8,25", "primary-test-score-not-integer", DECIMAL_MSG.format("8,25")),
        (Decimal("9.5"), "primary-test-score-not-integer", DECIMAL_MSG.format("9.5")),
        (11, "primary-test-score-out-of-range", RANGE_MSG.format("11")),
        ("11", "primary-test-score-out-of-range", RANGE_MSG.format("11")),
        (-1, "primary-test-score-out-of-range", RANGE_MSG.format("-1")),
        ("-1", "primary-test-score-out-of-range", RANGE_MSG.format("-1")),
        (10.5, "primary-test-score-out-of-range", RANGE_MSG.format("10,5")),
        ("tám", "primary-test-score-not-a-number", NAN_MSG.format("tám")),
        ("T", "primary-test-score-not-a-number", NAN_MSG.format("T")),
        (True, "primary-test-score-not-a-number", NAN_MSG.format("True")),
    ],
)
def test_parse_test_score_rejects(value: object, code: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_test_score(value)
    assert isinstance(info.value, PrimaryError)
    assert (info.value.code, str(info.value)) == (code, message)


def test_primary_error_pickles() -> None:
    with pytest.raises(PrimaryError) as info:
        parse_test_score("8,5")
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.code, copy.value, str(copy)) == (info.value.code, "8,5", str(info.value))


# ---- subjects and where periodic tests exist -------------------------------------------------


def test_assessment_point_labels() -> None:
    assert [p.value for p in AssessmentPoint] == [
        "Giữa học kì I",
        "Cuối học kì I",
        "Giữa học kì II",
        "Cuối năm học",
    ]


@pytest.mark.parametrize(
    ("grade", "codes"),
    [
        (1, ("TV", "TOAN", "DD", "TNXH", "GDTC", "AN", "MT", "HDTN")),
        (2, GRADE_2),
        (3, ("TV", "TOAN", "NN1", "TIN", "CN", "DD", "TNXH", "GDTC", "AN", "MT", "HDTN")),
        (4, ("TV", "TOAN", "NN1", "LSDL", "KH", "TIN", "CN", "DD", "GDTC", "AN", "MT", "HDTN")),
        (5, ("TV", "TOAN", "NN1", "LSDL", "KH", "TIN", "CN", "DD", "GDTC", "AN", "MT", "HDTN")),
    ],
)
def test_compulsory_subjects_of_each_grade(grade: int, codes: tuple[str, ...]) -> None:
    assert tuple(s.code for s in subjects_for(grade)) == codes


def test_electives_are_listed_only_when_asked() -> None:
    assert [s.code for s in subjects_for(1, electives=True)] == [
        *("TV", "TOAN", "NN1", "DD", "TNXH", "GDTC", "AN", "MT", "HDTN", "TDT")
    ]
    assert [s.code for s in subjects_for(3, electives=True)][-1] == "TDT"


@pytest.mark.parametrize(
    ("code", "periods"),
    [  # DOMAIN's table; Tin học + Công nghệ together 70
        ("TV", (420, 350, 245, 245, 245)),
        ("TOAN", (105, 175, 175, 175, 175)),
        ("LSDL", (0, 0, 0, 70, 70)),
        ("KH", (0, 0, 0, 70, 70)),
    ],
)
def test_periods_of_tested_subjects(code: str, periods: tuple[int, ...]) -> None:
    assert next(s for s in SUBJECTS if s.code == code).periods == periods


def test_periods_per_week_of_the_2018_programme() -> None:
    # compulsory periods a year = periods a week x 35 weeks: 25, 25, 28, 30, 30
    totals = [sum(s.periods[g - 1] for s in subjects_for(g)) for g in range(1, 6)]
    assert totals == [875, 875, 980, 1050, 1050]
    by_code = {s.code: s for s in SUBJECTS}
    assert [by_code["NN1"].periods[g] for g in (2, 3, 4)] == [140, 140, 140]
    assert [by_code["TIN"].periods[g] + by_code["CN"].periods[g] for g in (2, 3, 4)] == [70] * 3
    assert {by_code[c].part_of for c in ("TIN", "CN")} == {"Tin học và Công nghệ"}
    assert {by_code[c].part_of for c in ("AN", "MT")} == {"Nghệ thuật"}


@pytest.mark.parametrize(
    ("grade", "code", "point", "expected"),
    [
        (1, "TV", END_1, True),
        (1, "TOAN", MID_1, False),
        (1, "HDTN", YEAR_END, False),
        # grade 2: end-of-semester tests in Tiếng Việt and Toán only; Ngoại ngữ 1 is elective
        (2, "TV", MID_1, False),
        (2, "TV", END_1, True),
        (2, "TOAN", YEAR_END, True),
        (2, "TOAN", MID_2, False),
        (2, "NN1", END_1, False),
        (2, "NN1", YEAR_END, False),
        (2, "TIN", YEAR_END, False),  # not taught before grade 3
        (2, "TNXH", YEAR_END, False),
        # grade 3: Ngoại ngữ 1 and Tin học, Công nghệ tested; still no mid-semester tests
        (3, "TV", MID_1, False),
        (3, "TOAN", MID_2, False),
        (3, "NN1", END_1, True),
        (3, "TIN", YEAR_END, True),
        (3, "CN", END_1, True),
        (3, "LSDL", YEAR_END, False),  # not taught before grade 4
        (3, "KH", END_1, False),
        (3, "TNXH", YEAR_END, False),
        # grade 4: mid-semester tests in Tiếng Việt and Toán only
        (4, "TV", MID_1, True),
        (4, "TOAN", MID_2, True),
        (4, "TV", END_1, True),
        (4, "NN1", MID_1, False),
        (4, "LSDL", MID_2, False),
        (4, "LSDL", YEAR_END, True),
        (4, "KH", END_1, True),
        (4, "TIN", MID_1, False),
        (4, "CN", YEAR_END, True),
        (4, "DD", YEAR_END, False),
        (4, "AN", END_1, False),
        (4, "GDTC", YEAR_END, False),
        (4, "TDT", YEAR_END, False),  # elective: a school setting, never required
        (5, "TOAN", MID_1, True),
        (5, "KH", YEAR_END, True),
        (5, "KH", MID_2, False),
        (5, "MT", YEAR_END, False),
    ],
)
def test_test_required(grade: int, code: str, point: AssessmentPoint, expected: bool) -> None:
    assert test_required(grade, code, point) is expected


@pytest.mark.parametrize(
    ("grade", "point", "codes"),
    [
        (1, END_1, ("TV", "TOAN")),
        (2, MID_1, ()),
        (2, YEAR_END, ("TV", "TOAN")),
        (3, MID_2, ()),
        (3, YEAR_END, ("TV", "TOAN", "NN1", "TIN", "CN")),
        (4, MID_1, ("TV", "TOAN")),
        (4, MID_2, ("TV", "TOAN")),
        (4, YEAR_END, GRADE_4_TESTED),
        (5, END_1, GRADE_4_TESTED),
    ],
)
def test_subjects_with_test(grade: int, point: AssessmentPoint, codes: tuple[str, ...]) -> None:
    assert subjects_with_test(grade, point) == codes


@pytest.mark.parametrize(("grade", "code"), [(0, "TV"), (6, "TV"), (True, "TV"), (4, "NV")])
def test_test_required_rejects_unknown_grades_and_codes(grade: int, code: str) -> None:
    with pytest.raises(ValueError):
        test_required(grade, code, YEAR_END)


# ---- qualities and competences ---------------------------------------------------------------


def test_qualities_and_competences() -> None:
    assert [t.name for t in QUALITIES] == [
        *("Yêu nước", "Nhân ái", "Chăm chỉ", "Trung thực", "Trách nhiệm")
    ]
    assert [t.name for t in COMPETENCES] == [
        *("Tự chủ và tự học", "Giao tiếp và hợp tác", "Giải quyết vấn đề và sáng tạo"),
        *("Ngôn ngữ", "Tính toán", "Khoa học", "Công nghệ", "Tin học", "Thẩm mĩ", "Thể chất"),
    ]
    assert tuple(t.code for t in TRAITS) == TRAIT_CODES
    groups = [t.group for t in TRAITS]
    assert [groups.count(g) for g in TraitGroup] == [5, 3, 7]
    assert not {t.code for t in TRAITS} & {s.code for s in SUBJECTS}


# ---- year-end overall result -----------------------------------------------------------------

# (subject levels, trait levels, end-of-year scores) overriding an all-T, all-Tốt, all-10 pupil
RESULT_CASES = [
    pytest.param({}, {}, {}, HTXS, id="all-T-all-tot-all-10"),
    pytest.param({}, {}, dict.fromkeys(GRADE_4_TESTED, 9), HTXS, id="every-test-exactly-9"),
    pytest.param({}, {}, {"TOAN": 8}, HTT, id="one-8-blocks-htxs"),
    pytest.param({}, {}, dict.fromkeys(GRADE_4_TESTED, 8), HTT, id="all-8"),
    pytest.param({}, {}, {"KH": 7}, HTT, id="htt-one-exactly-7"),
    pytest.param({}, {}, {"NN1": 6}, HT, id="one-6-all-T"),
    pytest.param({}, {}, {"TIN": 5}, HT, id="ht-one-exactly-5"),
    pytest.param({}, {}, {"TV": 4}, CHT, id="one-4-all-T"),
    pytest.param({}, {}, {"CN": 0}, CHT, id="a-0-is-a-score"),
    # a single H anywhere caps at Hoàn thành, however good the rest
    pytest.param({"MT": H}, {}, {}, HT, id="one-H-untested-subject"),
    pytest.param({"TOAN": H}, {}, {}, HT, id="one-H-with-a-10"),
    pytest.param({}, {"CHAM_CHI": QD}, {}, HT, id="one-Đ-quality"),
    pytest.param({}, {"THE_CHAT": QD}, {}, HT, id="one-Đ-specific-competence"),
    pytest.param({"HDTN": H}, {}, {"TV": 8}, HT, id="one-H-and-an-8"),
    pytest.param(
        dict.fromkeys(GRADE_4, H),
        dict.fromkeys(TRAIT_CODES, QD),
        dict.fromkeys(GRADE_4_TESTED, 5),
        HT,
        id="all-H-all-Đ-all-5",
    ),
    pytest.param({"GDTC": H}, {}, {"KH": 4}, CHT, id="one-H-and-a-4"),
    pytest.param({"HDTN": C}, {}, {}, CHT, id="one-C-subject"),
    pytest.param({"TV": C}, {}, {"TV": 10}, CHT, id="one-C-with-a-10"),
    pytest.param({}, {"TRUNG_THUC": QC}, {}, CHT, id="one-C-quality"),
    pytest.param({}, {"GQVD": QC}, {}, CHT, id="one-C-general-competence"),
]


@pytest.mark.parametrize(("levels", "traits", "scores", "expected"), RESULT_CASES)
def test_overall_result(
    levels: Levels, traits: Traits, scores: Scores, expected: OverallResult
) -> None:
    assert overall_result(*pupil(levels, traits, scores)) is expected


@pytest.mark.parametrize(
    ("scores", "expected"),
    [({}, HTXS), ({"TV": 9, "TOAN": 9}, HTXS), ({"TOAN": 8}, HTT), ({"TV": 3}, CHT)],
)
def test_overall_result_grade_2_has_two_tests(scores: Scores, expected: OverallResult) -> None:
    p = pupil(scores=scores, subjects=GRADE_2, tested=("TV", "TOAN"))
    assert overall_result(*p) is expected


def test_overall_result_matches_domain_table() -> None:
    """Every combination for a small pupil, against DOMAIN's table read literally."""
    for lv1, lv2, q, score in itertools.product(
        SubjectLevel, SubjectLevel, QualityLevel, range(11)
    ):
        levels: Levels = {"TV": lv1, "AN": lv2}
        traits: Traits = {**dict.fromkeys(TRAIT_CODES, QT), "NHAN_AI": q}
        all_levels, all_traits = (lv1, lv2), (*[QT] * 14, q)
        if all(x is T for x in all_levels) and all(x is QT for x in all_traits) and score >= 9:
            expected = HTXS
        elif all(x is T for x in all_levels) and all(x is QT for x in all_traits) and score >= 7:
            expected = HTT
        elif C not in all_levels and QC not in all_traits and score >= 5:
            expected = HT
        else:
            expected = CHT
        assert overall_result(levels, traits, {"TV": score}) is expected, (lv1, lv2, q, score)


@pytest.mark.parametrize(
    ("levels", "traits", "scores"),
    [
        ({"AN": None}, {}, {}),
        ({}, {"TIN_HOC": None}, {}),
        ({}, {}, {"TOAN": None}),  # blank, not 0
    ],
)
def test_overall_result_blank_while_anything_missing(
    levels: Levels, traits: Traits, scores: Scores
) -> None:
    assert overall_result(*pupil(levels, traits, scores)) is None
    assert result_reasons(*pupil(levels, traits, scores)) == []


def test_result_reasons_show_why() -> None:
    p = pupil({"MT": H}, {"CHAM_CHI": QD}, {"TOAN": 8, "TV": 4})
    assert overall_result(*p) is CHT
    assert result_reasons(*p) == [
        "Tiếng Việt: kiểm tra cuối năm 4 điểm, nên Chưa hoàn thành",
        "Toán: kiểm tra cuối năm 8 điểm, nên cao nhất là Hoàn thành tốt",
        "Mĩ thuật: Hoàn thành (H), nên cao nhất là Hoàn thành",
        "Chăm chỉ: Đạt (Đ), nên cao nhất là Hoàn thành",
    ]
    assert result_reasons(*pupil()) == []


def test_result_reasons_name_a_school_subject_by_its_code() -> None:
    levels, traits, scores = pupil({"GDDP": C})
    assert result_reasons(levels, traits, scores) == [
        "GDDP: Chưa hoàn thành (C), nên Chưa hoàn thành"
    ]


@pytest.mark.parametrize(
    ("levels", "traits", "scores"),
    [
        ({}, {"HOC_TAP": QT}, {}),  # not one of the 15
        ({"TOAN": "T"}, {}, {}),  # text, not a SubjectLevel
        ({}, {"NHAN_AI": T}, {}),  # a subject level given for a quality
        ({}, {}, {"TOAN": 11}),
        ({}, {}, {"TOAN": 8.5}),
        ({}, {}, {"TNXH": 9}),  # a test score for a subject the pupil does not take
    ],
)
def test_overall_result_rejects_bad_values(levels: dict, traits: dict, scores: dict) -> None:
    with pytest.raises(ValueError):
        overall_result(*pupil(levels, traits, scores))


def test_overall_result_needs_the_15_traits_and_a_subject() -> None:
    levels, traits, scores = pupil()
    del traits["THAM_MI"]
    with pytest.raises(ValueError):
        overall_result(levels, traits, scores)
    with pytest.raises(ValueError):
        overall_result({}, pupil()[1], {})


# ---- completion, the CHT path, awards --------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "result", "supplementary", "principal", "expected"),
    [
        (3, HTXS, None, None, YearDecision.COMPLETED_GRADE),
        (1, HTT, None, None, YearDecision.COMPLETED_GRADE),
        (4, HT, None, None, YearDecision.COMPLETED_GRADE),
        (5, HTT, None, None, YearDecision.COMPLETED_PRIMARY),
        (5, HT, None, None, YearDecision.COMPLETED_PRIMARY),
        (2, CHT, None, None, YearDecision.SUPPORT),
        (2, CHT, None, True, YearDecision.SUPPORT),  # the principal decides only afterwards
        (2, CHT, HT, None, YearDecision.COMPLETED_GRADE),
        (5, CHT, HT, None, YearDecision.COMPLETED_PRIMARY),
        (3, CHT, CHT, None, YearDecision.PRINCIPAL),
        (3, CHT, CHT, True, YearDecision.PROMOTED),
        (3, CHT, CHT, False, YearDecision.RETAINED),
        (5, CHT, CHT, True, YearDecision.PROMOTED),
    ],
)
def test_year_decision(
    grade: int,
    result: OverallResult,
    supplementary: OverallResult | None,
    principal: bool | None,
    expected: YearDecision,
) -> None:
    assert year_decision(grade, result, supplementary, principal) is expected


def test_year_decision_texts_and_errors() -> None:
    assert YearDecision.COMPLETED_PRIMARY.value == "Hoàn thành chương trình tiểu học"
    assert YearDecision.RETAINED.value == "Chưa được lên lớp"
    with pytest.raises(ValueError):
        year_decision(3, HT, supplementary=HTT)  # only a CHT pupil is assessed again
    with pytest.raises(ValueError):
        year_decision(6, HT)


@pytest.mark.parametrize(
    ("result", "exemplary", "expected"),
    [
        (HTXS, False, PrimaryAward.EXCELLENT),
        (HTXS, True, PrimaryAward.EXCELLENT),
        (HTT, False, None),
        (HTT, True, PrimaryAward.EXEMPLARY),
        (HT, False, None),
        (CHT, False, None),
        (None, True, None),
    ],
)
def test_primary_award(
    result: OverallResult | None, exemplary: bool, expected: PrimaryAward | None
) -> None:
    assert primary_award(result, exemplary) is expected


@pytest.mark.parametrize(("result", "shown"), [(HT, "Hoàn thành"), (CHT, "Chưa hoàn thành")])
def test_exemplary_flag_refused_below_htt(result: OverallResult, shown: str) -> None:
    with pytest.raises(PrimaryError) as info:
        primary_award(result, exemplary=True)
    assert str(info.value) == (
        f"Học sinh Tiêu biểu chỉ xét cho học sinh Hoàn thành tốt, không phải {shown}"
    )


def test_award_texts() -> None:
    assert [a.value for a in PrimaryAward] == [
        "Học sinh Xuất sắc",
        "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện",
    ]
    assert [r.value for r in OverallResult] == [
        *("Hoàn thành xuất sắc", "Hoàn thành tốt", "Hoàn thành", "Chưa hoàn thành")
    ]


# ---- level / score consistency warning -------------------------------------------------------

WARN = "Mức {} nhưng bài kiểm tra {}: hãy xem lại"


@pytest.mark.parametrize(
    ("level", "score", "expected"),
    [
        (T, 7, None),
        (T, 10, None),
        (T, 6, WARN.format("Hoàn thành tốt (T)", "dưới 7 điểm (6)")),
        (T, 0, WARN.format("Hoàn thành tốt (T)", "dưới 7 điểm (0)")),
        (H, 5, None),
        (H, 10, None),
        (H, 4, WARN.format("Hoàn thành (H)", "dưới 5 điểm (4)")),
        (C, 4, None),
        (C, 0, None),
        (C, 5, WARN.format("Chưa hoàn thành (C)", "từ 5 điểm trở lên (5)")),
        (C, 9, WARN.format("Chưa hoàn thành (C)", "từ 5 điểm trở lên (9)")),
        (None, 3, None),
        (T, None, None),
    ],
)
def test_level_score_warning(
    level: SubjectLevel | None, score: int | None, expected: str | None
) -> None:
    assert level_score_warning(level, score) == expected


def test_level_score_warning_thresholds_are_a_setting() -> None:
    assert level_score_warning(T, 7, good_from=8) == WARN.format(
        "Hoàn thành tốt (T)", "dưới 8 điểm (7)"
    )
    assert level_score_warning(C, 5, pass_from=6) is None
    with pytest.raises(ValueError):
        level_score_warning(T, 11)
