"""Phiếu duyệt kết quả: the principal's decision form on one period's results, one row per class.

Issued into the principal's ``Sổ điểm/``; each row sums up a class's results of the period as
computed when the form was made (students, learning and conduct levels, for the year and after
the summer the proposals and awards, whether the results can be approved and what is missing).
The principal writes Đồng ý / Không đồng ý (and a note) on each row and drops the form into their
own ``Duyệt/``. The signed identity names the principal, the period (``HK1``, ``HK2``, ``CN``,
``HE``) and, per row, the class and the hash of the results it showed (``columns``: "6A1=<sha256>"),
so a class whose results changed since is never approved from it; only the two decision columns
are open.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.correction_sheet import APPROVED, REJECTED
from workbook_engine.io.identity import Identity, read_identity, sign
from workbook_engine.io.sheet_base import (
    FIRST_ROW,
    HEADER_ROW,
    Header,
    a1_range,
    admin_password,
    finish,
    new_book,
    validate,
    write_form_top,
)
from workbook_engine.model import Setup

RESULTS_DECISION = "results_decision"  # the identity kind
RESULTS_SHEET = "Phiếu duyệt kết quả"
PERIODS = ("HK1", "HK2", "CN", "HE")
PERIOD_TITLES = {"HK1": "học kì I", "HK2": "học kì II", "CN": "cả năm", "HE": "sau kì nghỉ hè"}
YEAR_PERIODS = frozenset({"CN", "HE"})  # with proposals and awards
# (key, heading, width); the proposals and awards only for the year and after the summer
_LEVELS = ("Tốt", "Khá", "Đạt", "Chưa đạt")
_FIRST = (("no", "STT", 5), ("class", "Lớp", 7), ("homeroom", "Giáo viên chủ nhiệm", 22),
          ("students", "Sĩ số", 6))  # fmt: skip
_LEARNING = tuple((f"learning_{i}", f"Học tập: {level}", 9) for i, level in enumerate(_LEVELS))
_CONDUCT = tuple((f"conduct_{i}", f"Rèn luyện: {level}", 9) for i, level in enumerate(_LEVELS))
_YEAR = (("promoted", "Lên lớp", 8), ("re_exam", "Kiểm tra lại", 9),
         ("training", "Rèn luyện hè", 9), ("retained", "Ở lại lớp", 8),
         ("excellent", "HS Xuất sắc", 9), ("good", "HS Giỏi", 8))  # fmt: skip
_LAST = (("status", "Tình trạng dữ liệu", 44), ("decision", "Ý kiến phê duyệt", 14),
         ("note", "Ghi chú của Hiệu trưởng", 26))  # fmt: skip
HELP = (
    "Ghi «Đồng ý» hoặc «Không đồng ý» ở cột Ý kiến phê duyệt cho từng lớp (để trống nếu chưa "
    "quyết định), lưu tệp rồi đặt vào thư mục «Duyệt» của chính thầy/cô. Phiếu ghi kết quả lúc "
    "lập phiếu: lớp nào có kết quả thay đổi sau đó sẽ không được duyệt theo phiếu này."
)


def results_columns(period: str) -> tuple[tuple[str, str, int], ...]:
    """The form's columns for ``period``; the last two are the principal's."""
    year = _YEAR if period in YEAR_PERIODS else ()
    return (*_FIRST, *_LEARNING, *_CONDUCT, *year, *_LAST)


def decision_columns(period: str) -> tuple[int, int]:
    """0-based columns of Ý kiến phê duyệt and of the note, for ``period``."""
    width = len(results_columns(period))
    return width - 2, width - 1


@dataclass(frozen=True)
class ResultsRow:
    """One class's results of the period, as the principal reads them on the form."""

    class_code: str
    homeroom: str
    students: int
    learning: tuple[int, ...]  # Tốt, Khá, Đạt, Chưa đạt
    conduct: tuple[int, ...]
    outcomes: tuple[int, ...]  # Lên lớp, Kiểm tra lại, Rèn luyện hè, Ở lại lớp
    awards: tuple[int, ...]  # Học sinh Xuất sắc, Học sinh Giỏi
    status: str  # whether it can be approved, what is missing, an earlier approval
    snapshot_hash: str  # of the results approved when the row says Đồng ý


def row_entry(class_code: str, snapshot_hash: str) -> str:
    """One row as the identity lists it: ``6A1=<sha256>``."""
    return f"{class_code}={snapshot_hash}"


def parse_row(entry: str) -> tuple[str, str]:
    """(class code, hash) of :func:`row_entry` (a class code may itself hold ``=``)."""
    code, _, digest = entry.rpartition("=")
    return code, digest


def results_identity(
    setup: Setup, approver: str, period: str, rows: Sequence[ResultsRow]
) -> Identity:
    decision, note = decision_columns(period)
    last = FIRST_ROW + max(len(rows), 1) - 1
    return Identity(
        kind=RESULTS_DECISION,
        template_id=str(uuid.uuid4()),
        school_code=setup.school.code,
        school_year=setup.school.school_year,
        semester={"HK1": 1, "HK2": 2}.get(period, 0),
        teacher_code=approver,
        sheet=RESULTS_SHEET,
        period=period,
        columns=tuple(row_entry(r.class_code, r.snapshot_hash) for r in rows),
        inputs=(a1_range(FIRST_ROW, decision, last, note),),
    )


def write_results_sheet(
    path: Path,
    setup: Setup,
    approver: str,
    period: str,
    rows: Sequence[ResultsRow],
    secret: bytes,
    day: str,
) -> Identity:
    """Write ``approver``'s decision form on ``period`` listing ``rows`` (``day``: "18/01/2026")."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, got {period!r}")
    identity = sign(results_identity(setup, approver, period, rows), secret)
    person = setup.teacher_by_code(approver)
    columns = results_columns(period)
    decision, note = decision_columns(period)
    last = FIRST_ROW + max(len(rows), 1) - 1
    with atomic_path(Path(path)) as tmp:
        book, fmt = new_book(tmp, f"Phiếu duyệt kết quả {PERIOD_TITLES[period]}")
        open_cell = book.add_format({"border": 1, "locked": False, "text_wrap": True})
        status_cell = book.add_format({"border": 1, "border_color": "#808080", "text_wrap": True,
                                       "valign": "vcenter"})  # fmt: skip
        ws = book.add_worksheet(RESULTS_SHEET)
        roles = ", ".join(person.roles)
        header = Header(
            title=f"PHIẾU DUYỆT KẾT QUẢ {PERIOD_TITLES[period].upper()}",
            lines=[
                (f"Trường: {setup.school.name}", f"Năm học: {setup.school.school_year}"),
                (f"Người duyệt: {person.full_name} ({roles})", f"Lập ngày {day}"),
                (f"Kết quả {PERIOD_TITLES[period]} của {len(rows)} lớp", ""),
            ],
            help=HELP,
            right_col=8,
        )
        write_form_top(ws, fmt, header, columns)
        ws.set_row(HEADER_ROW, 45)
        for i, r in enumerate(rows):
            row = FIRST_ROW + i
            ws.write_number(row, 0, i + 1, fmt.roster_number)
            ws.write_string(row, 1, r.class_code, fmt.roster)
            ws.write_string(row, 2, r.homeroom, fmt.roster)
            counts = [r.students, *r.learning, *r.conduct]
            if period in YEAR_PERIODS:
                counts += [*r.outcomes, *r.awards]
            for c, count in enumerate(counts, start=3):
                ws.write_number(row, c, count, fmt.roster_number)
            ws.write_string(row, decision - 1, r.status, status_cell)
            ws.write_blank(row, decision, None, open_cell)
            ws.write_blank(row, note, None, open_cell)
        if rows:
            validate(
                ws,
                (FIRST_ROW, decision, last, decision),
                {"validate": "list", "source": [APPROVED, REJECTED]},
                "Phê duyệt",
                "Đồng ý / Không đồng ý; để trống nếu chưa quyết định.",
            )
        finish(book, ws, identity, admin_password(secret), last, note, freeze_col=2)
    return identity


def mark_results_form(
    form: Path,
    folder: Path,
    decision: str = APPROVED,
    note: str = "",
    classes: Collection[str] | None = None,
    saved_by: str = "Admin",
) -> Path:
    """A copy of the results decision form ``form`` with ``decision`` (Đồng ý or Không đồng ý)
    and ``note`` written on the rows of ``classes`` (every row by default), saved into ``folder``
    (the principal's own ``Duyệt/`` for it to count) under the Office user name ``saved_by``, as
    a shared office PC saves it. For the demo and tests: people fill the form in Excel."""
    import openpyxl  # only here: issuing and reading use xlsxwriter and calamine

    identity = read_identity(form)
    decision_col, note_col = decision_columns(identity.period)
    book = openpyxl.load_workbook(form)
    ws = book[identity.sheet]
    for i, entry in enumerate(identity.columns):
        if classes is not None and parse_row(entry)[0] not in classes:
            continue
        ws.cell(FIRST_ROW + i + 1, decision_col + 1, decision)
        if note:
            ws.cell(FIRST_ROW + i + 1, note_col + 1, note)
    book.properties.lastModifiedBy = saved_by
    target = Path(folder) / Path(form).name
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target
