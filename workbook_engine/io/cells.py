"""Turn raw cell values (from calamine or openpyxl) into canonical text, and text into values.

Validation works on text so that a wrong cell is reported as the teacher typed it, never hidden
by a type coercion. Excel float noise such as 35.00000000001 is folded back here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta

_SPACES = re.compile(r"\s+")
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_TIME = re.compile(r"^(\d{1,2})[:hH](\d{2})$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_INT = re.compile(r"^\d+$")

TRUE_WORDS = frozenset({"có", "x", "yes", "true", "1", "c"})
FALSE_WORDS = frozenset({"không", "no", "false", "0", "k"})


def normalize_text(text: str) -> str:
    """NFC, non-breaking spaces folded, outer space stripped, inner runs of space collapsed."""
    text = unicodedata.normalize("NFC", text.replace("\xa0", " "))
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """A key for lenient comparison of headers and sheet names."""
    return normalize_text(text).rstrip("*").strip().casefold()


def cell_text(value: object) -> str | None:
    """Canonical text of a cell value; ``None`` for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if abs(value - round(value)) < 1e-9:
            return str(round(value))
        return repr(round(value, 9))
    if isinstance(value, int):
        return str(value)
    text = normalize_text(str(value))
    return text or None


def parse_int(text: str) -> int | None:
    """A positive or zero whole number written in digits, else ``None``."""
    text = text.strip()
    return int(text) if _INT.match(text) else None


def parse_date(text: str) -> date | None:
    """Dates as clerks type them: 05/09/2025, 5-9-2025, 2025-09-05, or an Excel serial number."""
    text = text.strip()
    try:
        if m := _DATE_DMY.match(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _DATE_ISO.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
    if _INT.match(text) and 20000 <= int(text) <= 80000:
        return _EXCEL_EPOCH + timedelta(days=int(text))
    return None


def parse_time(text: str) -> time | None:
    m = _TIME.match(text.strip())
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        return None
    return time(int(m[1]), int(m[2]))


def parse_bool(text: str | None) -> bool | None:
    """Có/Không (and x, yes, 1, …); blank is ``False``; anything else ``None``."""
    if text is None:
        return False
    word = text.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS or not word:
        return False
    return None


def is_code(text: str) -> bool:
    return bool(_CODE.match(text))


def split_list(text: str | None) -> list[str]:
    if not text:
        return []
    return [normalize_text(part) for part in re.split(r"[,;\n]", text) if part.strip()]


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(ref: str) -> int:
    """``"H8"``, ``"$H$8"`` or ``"H"`` → 7: the 0-based column of an A1 reference."""
    index = 0
    for char in ref.replace("$", ""):
        if not char.isalpha():
            break
        index = index * 26 + ord(char.upper()) - ord("A") + 1
    return index - 1


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def format_day(iso: str) -> str:
    """``2025-10-10T14:03:22+07:00`` → ``10/10/2025``, the day where it was recorded."""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"


def format_time(iso: str) -> str:
    """``2025-10-10T14:03:22+07:00`` → ``10/10/2025 14:03``, the clock as it read where it was
    recorded; unreadable text is shown as is."""
    try:
        return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M")
    except (TypeError, ValueError):
        return iso
