"""Names that came from outside (a dropped file's name, a teacher's name) made safe to show in a
log line and to use in a file name we write: no control characters, nothing Windows refuses,
bounded length. Pure functions."""

from __future__ import annotations

import logging
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f\u2028\u2029]+')
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
     *(f"lpt{i}" for i in range(1, 10))}
)  # fmt: skip
MAX_NAME_BYTES = 120  # of a stem we write: the folder and a timestamp still fit under 255


def printable(text: str) -> str:
    """``text`` for one log line: control characters shown escaped (``\\n``, ``\\x1b``)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def safe_stem(stem: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file-name stem Windows and Linux both accept, at most ``max_bytes`` in UTF-8."""
    cleaned = _UNSAFE.sub("_", stem).strip(" .") or "tep"
    if cleaned.split(".")[0].casefold() in _RESERVED:
        cleaned = f"_{cleaned}"
    data = cleaned.encode("utf-8")
    if len(data) <= max_bytes:
        return cleaned
    return data[:max_bytes].decode("utf-8", errors="ignore").rstrip(" .") or "tep"


class PrintableFilter(logging.Filter):
    """Escapes control characters in every log message: a file named ``a\nb.xlsx`` cannot
    write a genuine-looking extra line into ``wbe.log``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = printable(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True
