"""parse_score, parse_comment, round_half_up_tenths and format_tenths."""

from __future__ import annotations

import pickle
import unicodedata
from decimal import Decimal

import pytest

from workbook_engine.rules import (
    Comment,
    ScoreError,
    format_tenths,
    parse_comment,
    parse_score,
    round_half_up_tenths,
)

NOT_A_NUMBER = "score-not-a-number"
OUT_OF_RANGE = "score-out-of-range"
TOO_MANY_DECIMALS = "score-too-many-decimals"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # text, comma or dot separator
        ("8,5", 85),
        ("8.5", 85),
        (" 7 ", 70),
        ("\xa08,5\xa0", 85),  # non-breaking spaces around
        ("\t9\n", 90),
        ("10", 100),
        ("10,0", 100),
        ("0", 0),
        ("0,0", 0),
        ("9.0", 90),
        ("6,50", 65),  # trailing zero: still one significant decimal
        ("6.5000", 65),
        ("-0", 0),
        ("+8", 80),
        # int
        (0, 0),
        (7, 70),
        (10, 100),
        # float, including Excel noise snapped to the nearest tenth (within 1e-6)
        (8.5, 85),
        (10.0, 100),
        (0.0, 0),
        (7.8000000001, 78),
        (6.499999999999, 65),
        (0.1 + 0.2, 3),  # 0.30000000000000004
        (10.0000000001, 100),
        # Decimal, exact
        (Decimal("8.5"), 85),
        (Decimal("8.50"), 85),
        (Decimal("10"), 100),
        (Decimal("1E+1"), 100),
    ],
)
def test_parse_score_accepts(value: object, expected: int) -> None:
    assert parse_score(value) == expected


@pytest.mark.parametrize("value", [None, "", "   ", "\xa0", "\t\n"])
def test_parse_score_blank_is_none(value: object) -> None:
    assert parse_score(value) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("85", OUT_OF_RANGE),
        (85, OUT_OF_RANGE),
        (11, OUT_OF_RANGE),
        ("11", OUT_OF_RANGE),
        (-1, OUT_OF_RANGE),
        ("-1", OUT_OF_RANGE),
        (10.1, OUT_OF_RANGE),
        ("10.1", OUT_OF_RANGE),
        ("10,1", OUT_OF_RANGE),
        (-0.5, OUT_OF_RANGE),
        (1e300, OUT_OF_RANGE),
        (Decimal("10.1"), OUT_OF_RANGE),
        (Decimal("1E+100000"), OUT_OF_RANGE),
        # decimals are checked before the range
        ("10.25", TOO_MANY_DECIMALS),
        ("8.25", TOO_MANY_DECIMALS),
        ("8,25", TOO_MANY_DECIMALS),
        (8.25, TOO_MANY_DECIMALS),
        (10.05, TOO_MANY_DECIMALS),
        (7.80001, TOO_MANY_DECIMALS),  # 1e-5 away from 7.8: more than Excel noise
        ("7.8000000001", TOO_MANY_DECIMALS),  # text is exact, no snapping
        (Decimal("8.25"), TOO_MANY_DECIMALS),
        ("abc", NOT_A_NUMBER),
        ("8.5.1", NOT_A_NUMBER),
        ("8,5,1", NOT_A_NUMBER),
        ("1,000", NOT_A_NUMBER),  # digit grouping, ambiguous between locales
        ("1.000", NOT_A_NUMBER),
        ("8,500", NOT_A_NUMBER),
        ("8 5", NOT_A_NUMBER),
        ("8.", NOT_A_NUMBER),
        (".5", NOT_A_NUMBER),
        ("1e1", NOT_A_NUMBER),
        ("٨", NOT_A_NUMBER),  # Arabic-Indic digit eight
        ("８", NOT_A_NUMBER),  # fullwidth digit eight
        ("nan", NOT_A_NUMBER),
        (True, NOT_A_NUMBER),
        (False, NOT_A_NUMBER),
        (float("nan"), NOT_A_NUMBER),
        (float("inf"), NOT_A_NUMBER),
        (float("-inf"), NOT_A_NUMBER),
        (Decimal("NaN"), NOT_A_NUMBER),
        (Decimal("Infinity"), NOT_A_NUMBER),
        ([8], NOT_A_NUMBER),
        (Comment.D, NOT_A_NUMBER),
    ],
)
def test_parse_score_rejects(value: object, code: str) -> None:
    with pytest.raises(ScoreError) as info:
        parse_score(value)
    assert info.value.code == code
    assert info.value.value is value


def test_score_error_is_a_value_error_with_a_short_message() -> None:
    with pytest.raises(ValueError, match="between 0 and 10") as info:
        parse_score("85")
    assert isinstance(info.value, ScoreError)
    assert "85" in str(info.value)
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.code, copy.value) == ("score-out-of-range", "85")


NFD_DAT = unicodedata.normalize("NFD", "Đạt")
NFD_CHUA_DAT = unicodedata.normalize("NFD", "Chưa đạt")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Đ", Comment.D),
        ("Đạt", Comment.D),
        ("D", Comment.D),
        ("đ", Comment.D),
        ("đạt", Comment.D),
        ("ĐẠT", Comment.D),
        ("d", Comment.D),
        ("dat", Comment.D),
        (" Đ ", Comment.D),
        ("\xa0Đạt\xa0", Comment.D),
        (NFD_DAT, Comment.D),
        ("Ð", Comment.D),  # U+00D0 (eth), typed for Đ by legacy encodings
        (Comment.D, Comment.D),
        ("CĐ", Comment.CD),
        ("Chưa đạt", Comment.CD),
        ("chưa đạt", Comment.CD),
        ("CHƯA ĐẠT", Comment.CD),
        ("Chưa  đạt", Comment.CD),
        ("CD", Comment.CD),
        ("cd", Comment.CD),
        ("cđ", Comment.CD),
        ("chua dat", Comment.CD),
        (NFD_CHUA_DAT, Comment.CD),
        (Comment.CD, Comment.CD),
    ],
)
def test_parse_comment_accepts(value: object, expected: Comment) -> None:
    assert parse_comment(value) is expected


@pytest.mark.parametrize("value", [None, "", "  ", "\xa0"])
def test_parse_comment_blank_is_none(value: object) -> None:
    assert parse_comment(value) is None


@pytest.mark.parametrize("value", ["X", "Đạt rồi", "C", "Chưa", "5", "8,5", 5, 8.5, True])
def test_parse_comment_rejects(value: object) -> None:
    with pytest.raises(ScoreError) as info:
        parse_comment(value)
    assert info.value.code == "comment-invalid"
    assert info.value.value is value


def test_comment_values() -> None:
    assert (Comment.D.value, Comment.CD.value) == ("Đ", "CĐ")


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (645, 10, 65),  # 64.5 -> 65 (6.45 -> 6.5)
        (644, 10, 64),  # 64.4 -> 64 (6.44 -> 6.4)
        (516, 8, 65),  # 64.5 -> 65
        (515, 8, 64),  # 64.375 -> 64
        (680, 9, 76),  # 75.555... -> 76
        (194, 3, 65),  # 64.666... -> 65
        (193, 3, 64),  # 64.333... -> 64
        (1, 2, 1),  # 0.5 -> 1 (half up, not to even)
        (5, 2, 3),  # 2.5 -> 3 (half up, not to even)
        (1, 3, 0),
        (0, 7, 0),
        (700, 7, 100),
    ],
)
def test_round_half_up_tenths(numerator: int, denominator: int, expected: int) -> None:
    assert round_half_up_tenths(numerator, denominator) == expected


@pytest.mark.parametrize(("numerator", "denominator"), [(-1, 3), (5, 0), (5, -2)])
def test_round_half_up_tenths_rejects(numerator: int, denominator: int) -> None:
    with pytest.raises(ValueError):
        round_half_up_tenths(numerator, denominator)


@pytest.mark.parametrize(
    ("tenths", "sep", "expected"),
    [
        (85, ",", "8,5"),
        (70, ",", "7,0"),
        (100, ",", "10,0"),
        (0, ",", "0,0"),
        (5, ",", "0,5"),
        (85, ".", "8.5"),
        (100, ".", "10.0"),
    ],
)
def test_format_tenths(tenths: int, sep: str, expected: str) -> None:
    assert format_tenths(tenths, sep) == expected


def test_format_tenths_default_is_vietnamese_comma() -> None:
    assert format_tenths(65) == "6,5"
