"""Reading and formatting single assessment values (Circular 22).

Scores are kept as integer tenths (8.5 -> 85) so that no binary float ever decides a rounding or a
level. Commented assessments are :class:`Comment` values (Đ / CĐ).
"""

from __future__ import annotations

import functools
import math
import numbers
import re
import unicodedata
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

SCORE_NOT_A_NUMBER = "score-not-a-number"
SCORE_OUT_OF_RANGE = "score-out-of-range"
SCORE_TOO_MANY_DECIMALS = "score-too-many-decimals"
COMMENT_INVALID = "comment-invalid"

MIN_TENTHS = 0
MAX_TENTHS = 100

# Excel stores 7.8 as 7.8000000001 and the like: snap to the nearest tenth within this distance.
_FLOAT_TOLERANCE = Decimal("1e-6")
# A signed decimal number with an optional comma or dot separator, ASCII digits only.
_NUMBER_RE = re.compile(r"([+-]?)([0-9]+)(?:[.,]([0-9]+))?")
# "1,000" / "1.000" / "12.500.000": digit grouping, ambiguous between locales -> rejected.
_GROUPED_RE = re.compile(r"[+-]?[0-9]{1,3}(?:[.,][0-9]{3})+")

_MESSAGES = {
    SCORE_NOT_A_NUMBER: "not a number",
    SCORE_OUT_OF_RANGE: "score must be between 0 and 10",
    SCORE_TOO_MANY_DECIMALS: "score may have at most one decimal place",
    COMMENT_INVALID: "comment must be Đ (Đạt) or CĐ (Chưa đạt)",
}


class ScoreError(ValueError):
    """An entered score or comment that cannot be accepted; ``code`` is a catalogue code."""

    def __init__(self, code: str, value: object) -> None:
        self.code = code
        self.value = value
        super().__init__(f"{_MESSAGES.get(code, code)}: {value!r}")

    def __reduce__(self) -> tuple[type[ScoreError], tuple[str, object]]:
        return (type(self), (self.code, self.value))


class Comment(StrEnum):
    """Result of a commented assessment."""

    D = "Đ"
    CD = "CĐ"


_COMMENT_WORDS: dict[str, Comment] = {
    "đ": Comment.D,
    "đạt": Comment.D,
    "d": Comment.D,
    "dat": Comment.D,
    "cđ": Comment.CD,
    "chưa đạt": Comment.CD,
    "cd": Comment.CD,
    "chua dat": Comment.CD,
}


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _checked(tenths: int, value: object) -> int:
    if not MIN_TENTHS <= tenths <= MAX_TENTHS:
        raise ScoreError(SCORE_OUT_OF_RANGE, value)
    return tenths


def _from_parts(sign: str, whole: str, fraction: str, value: object) -> int:
    """Exact tenths from the digit strings of a decimal number."""
    fraction = fraction.rstrip("0")
    if len(fraction) > 1:
        raise ScoreError(SCORE_TOO_MANY_DECIMALS, value)
    tenths = int(whole) * 10 + int(fraction or "0")
    return _checked(-tenths if sign == "-" else tenths, value)


def _parse_text(text: str, value: object) -> int:
    text = text.strip()
    if _GROUPED_RE.fullmatch(text):
        raise ScoreError(SCORE_NOT_A_NUMBER, value)
    match = _NUMBER_RE.fullmatch(text)
    if match is None:
        raise ScoreError(SCORE_NOT_A_NUMBER, value)
    sign, whole, fraction = match.groups()
    return _from_parts(sign, whole, fraction or "", value)


def _parse_decimal(number: Decimal, value: object) -> int:
    if not number.is_finite():
        raise ScoreError(SCORE_NOT_A_NUMBER, value)
    if abs(number) >= 1000:  # exact comparison; avoids formatting huge exponents
        raise ScoreError(SCORE_OUT_OF_RANGE, value)
    match = _NUMBER_RE.fullmatch(format(number, "f"))
    if match is None:  # pragma: no cover - format(..., "f") always gives digits
        raise ScoreError(SCORE_NOT_A_NUMBER, value)
    sign, whole, fraction = match.groups()
    return _from_parts(sign, whole, fraction or "", value)


def _parse_float(number: float, value: object) -> int:
    if not math.isfinite(number):
        raise ScoreError(SCORE_NOT_A_NUMBER, value)
    if abs(number) >= 1000:
        raise ScoreError(SCORE_OUT_OF_RANGE, value)
    exact = Decimal(repr(number)) * 10
    nearest = exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    if abs(exact - nearest) > _FLOAT_TOLERANCE * 10:
        raise ScoreError(SCORE_TOO_MANY_DECIMALS, value)
    return _checked(int(nearest), value)


@functools.lru_cache(maxsize=4096)
def _parse_text_once(text: str) -> int:
    """:func:`_parse_text` remembered: a school's scores are a few hundred distinct texts, read
    again by every check, master and result (a text it refuses raises each time)."""
    return _parse_text(text, text)


def parse_score(value: object) -> int | None:
    """Read a score (0..10, at most one decimal) as integer tenths; ``None`` when blank.

    Accepts int, float, Decimal and text with a comma or dot separator ("8,5", "8.5").
    Floats are snapped to the nearest tenth when within 1e-6 (Excel noise such as
    7.8000000001); text and Decimal values are exact. Text with digit grouping ("1,000",
    "1.000") is ambiguous between locales and is rejected as not a number.

    Raises :class:`ScoreError` with code ``score-not-a-number``, ``score-too-many-decimals``
    or ``score-out-of-range`` (decimals are checked before the range).
    """
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise ScoreError(SCORE_NOT_A_NUMBER, value)
    if isinstance(value, str):
        return _parse_text_once(value)
    if isinstance(value, Decimal):
        return _parse_decimal(value, value)
    if isinstance(value, numbers.Integral):
        return _checked(int(value) * 10, value)
    if isinstance(value, numbers.Real):
        try:
            number = float(value)
        except (OverflowError, ValueError):
            raise ScoreError(SCORE_NOT_A_NUMBER, value) from None
        return _parse_float(number, value)
    raise ScoreError(SCORE_NOT_A_NUMBER, value)


def parse_comment(value: object) -> Comment | None:
    """Read a commented assessment (Đ, Đạt, D, CĐ, Chưa đạt, CD; any case); ``None`` when blank.

    Raises :class:`ScoreError` with code ``comment-invalid`` for anything else.
    """
    if _is_blank(value):
        return None
    if isinstance(value, Comment):
        return value
    if not isinstance(value, str):
        raise ScoreError(COMMENT_INVALID, value)
    text = unicodedata.normalize("NFC", value).casefold()
    # "Ð" (U+00D0, eth) is often typed for "Đ" by legacy Vietnamese encodings.
    text = " ".join(text.replace("ð", "đ").split())
    try:
        return _COMMENT_WORDS[text]
    except KeyError:
        raise ScoreError(COMMENT_INVALID, value) from None


def round_half_up_tenths(numerator: int, denominator: int) -> int:
    """Round the exact ratio ``numerator / denominator`` to an integer, halves up.

    Inputs are already in tenths, so the result is a value in tenths (645/10 -> 65).
    """
    if numerator < 0 or denominator <= 0:
        raise ValueError("numerator must be >= 0 and denominator > 0")
    return (2 * numerator + denominator) // (2 * denominator)


def format_tenths(t: int, sep: str = ",") -> str:
    """Format tenths with one decimal: 85 -> "8,5" (``sep="."`` gives "8.5")."""
    sign = "-" if t < 0 else ""
    whole, tenth = divmod(abs(t), 10)
    return f"{sign}{whole}{sep}{tenth}"


def check_tenths(value: object, what: str = "score") -> int:
    """Return ``value`` if it is an int in tenths within 0..100, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an int in tenths, got {value!r}")
    if not MIN_TENTHS <= value <= MAX_TENTHS:
        raise ValueError(f"{what} must be within 0..100 tenths, got {value!r}")
    return value


def check_comment(value: object, what: str = "comment") -> Comment:
    """Return ``value`` if it is a :class:`Comment`, else raise ``ValueError``."""
    if not isinstance(value, Comment):
        raise ValueError(f"{what} must be a Comment, got {value!r}")
    return value
