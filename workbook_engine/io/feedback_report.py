"""The HTML page a teacher gets for each file: a receipt, a rejection, or "already received"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from workbook_engine.errors import Problem, Severity
from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.kinds.score import NOTE_HEADER, NOTE_KEY
from workbook_engine.io.sheet_base import SEMESTER_NAMES
from workbook_engine.model import CellChange, ChangeStatus

TEMPLATES = Path(__file__).resolve().parent / "templates"
TITLES = {"accepted": "Biên nhận", "rejected": "Tệp bị trả lại", "duplicate": "Tệp đã nhận"}
BLANK = "(trống)"

_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class FeedbackReport:
    """What happened to one file the teacher sent, with what the page needs to say so."""

    file_name: str
    status: str  # "accepted" | "rejected" | "duplicate"
    teacher: str
    received_at: str
    class_code: str = ""
    subject_code: str = ""
    subject_name: str = ""  # "Toán", "Điểm danh tháng 09/2025"
    subject_label: str = "Môn"  # "Nội dung" for a sheet that is not a subject's
    semester: int | None = None
    problems: Sequence[Problem] = ()
    changes: Sequence[CellChange] = ()
    student_names: Mapping[str, str] = field(default_factory=dict)
    marked_before: bool = False  # the file is a returned copy that still carries red marks
    delivered: str = ""  # how it arrived: "thư mục Nộp của …", "văn phòng nộp thay"
    saved_by: str = ""  # the Office user name saved in the file: evidence shown, never proof
    approvals: Sequence[str] = ()  # what a results decision form approved, one line per class


def write_report_html(target: Path, report: FeedbackReport) -> Path:
    """Render ``report`` to one self-contained HTML page at ``target`` (atomically)."""
    html = render_report_html(report)
    with atomic_path(Path(target)) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return Path(target)


def render_report_html(report: FeedbackReport) -> str:
    if report.status not in TITLES:
        raise ValueError(f"unknown feedback status {report.status!r}")
    return _ENV.get_template("feedback.html.j2").render(
        report=report,
        title=TITLES[report.status],
        semester=SEMESTER_NAMES.get(report.semester or 0, ""),
        problems=[_problem_row(p) for p in _errors_first(report.problems)],
        groups=_change_groups(report),
    )


def cell_ref(problem: Problem) -> str:
    """``F12``, ``dòng 9``, or empty when the problem is about the whole file."""
    if problem.row and problem.column:
        return f"{problem.column}{problem.row}"
    return f"dòng {problem.row}" if problem.row else ""


def sentence(message: str) -> str:
    """A catalogue message as a sentence of its own: ``điểm 85 …`` → ``Điểm 85 …``."""
    return message[:1].upper() + message[1:]


def show_value(value: str | None) -> str:
    """A stored value as a Vietnamese teacher writes it: ``8.5`` → ``8,5``; blank → (trống)."""
    if value is None or value == "":
        return BLANK
    try:
        Decimal(value)
    except InvalidOperation:
        return value
    return value.replace(".", ",")


def _errors_first(problems: Sequence[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.severity is not Severity.ERROR)


class _ProblemRow(NamedTuple):  # attributes, not dict keys: see _ChangeRow
    warning: bool
    label: str
    cell: str
    sheet: str
    column: str
    message: str
    hint: str


def _problem_row(problem: Problem) -> _ProblemRow:
    return _ProblemRow(
        warning=problem.severity is Severity.WARNING,
        label="Lỗi" if problem.severity is Severity.ERROR else "Cảnh báo",
        cell=cell_ref(problem),
        sheet=problem.sheet,
        column=problem.column_title,
        message=sentence(problem.message),
        hint=problem.kind.hint,
    )


def _short(text: str, limit: int = 80) -> str:
    """A long comment shortened for a table cell."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _ChangeRow(NamedTuple):
    """One row of a change table. Attributes, not dict keys: jinja looks an attribute up first,
    and a dict makes it raise (and catch) AttributeError for every cell of the page."""

    student: str
    name: str
    column: str
    old: str
    new: str


class _Group(NamedTuple):
    status: str
    label: str
    rows: list[_ChangeRow]


def _change_groups(report: FeedbackReport) -> list[_Group]:
    """One group per status, in a fixed order, with its rows (empty groups too, for counts)."""
    rows: dict[ChangeStatus, list[_ChangeRow]] = {status: [] for status in ChangeStatus}
    names = report.student_names
    for c in report.changes:  # one pass, each row in its status's group, in the given order
        rows[ChangeStatus(c.status)].append(
            _ChangeRow(
                c.student_code,
                names.get(c.student_code, ""),
                NOTE_HEADER if c.column == NOTE_KEY else c.column,
                _short(show_value(c.old)),
                _short(show_value(c.new)),
            )
        )
    return [_Group(status.value, status.label, found) for status, found in rows.items()]
