"""The value types of input cells, each with its parser (the rules module's) and Excel help."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any, TypeVar

import yaml

from workbook_engine.io.kinds.base import CellError, ValueType
from workbook_engine.rules import Comment, Level, ScoreError, format_tenths, parse_comment
from workbook_engine.rules import parse_score as _parse_score

T = TypeVar("T")

SCORE_HELP = (
    "Nhập điểm từ 0 đến 10, số nguyên hoặc một chữ số thập phân (ví dụ 8,5). "
    "Để trống nếu chưa đánh giá; chỉ nhập 0 khi học sinh thực sự bị 0 điểm."
)
COMMENT_HELP = "Chọn Đ (Đạt) hoặc CĐ (Chưa đạt). Để trống nếu chưa đánh giá."
EXCUSED, UNEXCUSED = "P", "K"
LEVEL_HELP = "Chọn kết quả rèn luyện: Tốt, Khá, Đạt hoặc Chưa đạt; nhận xét không bắt buộc."


@cache
def sheet_rules() -> dict[str, Any]:
    """What a school may tune (``schemas/score_sheet.yaml``): read by writer and checker."""
    text = (
        resources.files("workbook_engine.schemas").joinpath("score_sheet.yaml").read_text("utf-8")
    )
    rules: dict[str, Any] = yaml.safe_load(text)
    return rules


def _rule(parse: Callable[[str], T | None], text: str) -> T:
    """The rules module's reading of ``text``; its refusal as a catalogue :class:`CellError`."""
    try:
        value = parse(text)
    except ScoreError as exc:
        raise CellError(exc.code, value=text) from exc
    assert value is not None  # blank cells are never parsed
    return value


def _score(text: str) -> str:
    return format_tenths(_rule(_parse_score, text), ".")


def _comment(text: str) -> str:
    return _rule(parse_comment, text).value


def score_rule(top_left: str) -> str:
    """A score: a number from 0 to 10 with at most one decimal."""
    c = top_left
    return f"AND(ISNUMBER({c}),{c}>=0,{c}<=10,ROUND({c},1)={c})"


def choice_parser(code: str, choices: tuple[str, ...]) -> Any:
    """A parser accepting one of ``choices`` (any case, spaces trimmed)."""
    folded = {c.casefold(): c for c in choices}

    def parse(text: str) -> str:
        found = folded.get(" ".join(text.split()).casefold())
        if found is None:
            raise CellError(code, value=text, expected=", ".join(choices))
        return found

    return parse


def text_parser(limit: int) -> Any:
    def parse(text: str) -> str:
        if len(text) > limit:
            raise CellError("note-too-long", value=len(text), high=limit)
        return text

    return parse


SCORE = ValueType(
    "score", _score, SCORE_HELP, "Điểm (0–10)", excel_rule=score_rule, number_format="0.0"
)
COMMENT = ValueType(
    "comment", _comment, COMMENT_HELP, "Đ hoặc CĐ", choices=(Comment.D.value, Comment.CD.value)
)


@cache
def attendance_marks() -> dict[str, tuple[str, str]]:
    """Every mark the school's attendance sheets take → (what it counts as: :data:`EXCUSED`,
    :data:`UNEXCUSED` or "" for no absence, its meaning), P and K first
    (``schemas/score_sheet.yaml``: ``attendance.marks``)."""
    marks = {EXCUSED: (EXCUSED, "nghỉ có phép"), UNEXCUSED: (UNEXCUSED, "nghỉ không phép")}
    for entry in (sheet_rules().get("attendance") or {}).get("marks") or []:
        mark, counts = str(entry["mark"]).strip(), str(entry.get("counts") or "").strip()
        if not mark or counts not in (EXCUSED, UNEXCUSED, ""):
            raise ValueError(f"attendance mark {entry!r}: counts must be P, K or empty")
        marks[mark] = (counts, str(entry.get("label") or ""))
    return marks


def counted_as(mark: str) -> str:
    """What a stored attendance mark counts as: P, K, or "" (no absence, or not a mark)."""
    found = attendance_marks().get(mark)
    return found[0] if found else ""


@cache
def mark_type() -> ValueType:
    """An attendance cell: one of the school's marks, blank when the student was present."""
    marks = attendance_marks()
    listed = ", ".join(f"{m} ({label})" for m, (_, label) in marks.items())
    help_text = (
        f"Ghi {listed} vào ngày học sinh vắng; để trống nếu học sinh đi học. Ô xám: Chủ nhật, "
        "ngày nghỉ hoặc ngoài học kì."
    )
    choices = tuple(marks)
    return ValueType(
        "mark", choice_parser("mark-invalid", choices), help_text, " hoặc ".join(choices),
        choices=choices, width=3.6, highlight_blanks=False,
    )  # fmt: skip


LEVEL = ValueType(
    "level", choice_parser("level-invalid", tuple(lv.value for lv in Level)), LEVEL_HELP,
    "Rèn luyện", choices=tuple(lv.value for lv in Level), width=14,
)  # fmt: skip


@cache
def note_type() -> ValueType:
    """A free comment on the student, as long as the school allows (``note.max_length``)."""
    limit = int(sheet_rules()["note"]["max_length"])
    help_text = f"Nhận xét ngắn gọn về học sinh (không bắt buộc, tối đa {limit} kí tự)."
    return ValueType(
        "note", text_parser(limit), help_text, str(sheet_rules()["note"]["header"]),
        max_length=limit, width=36,
    )  # fmt: skip
