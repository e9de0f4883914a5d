"""The monthly attendance sheet of a class (sổ điểm danh tháng), as PDF and as print-ready Excel.

The administrator prints it between the 5th and the 10th of the next month; the homeroom teacher
and the principal sign it. It shows the marks as the ledger holds them (one column per day of
the month, Sundays and the calendar's «Ngày nghỉ» days shaded), each student's totals of the
month counted as the results count them (a school's own mark counts as P, K or nothing; the P
marks of a month confirmed after its deadline count as K, and a note under the table says so),
and in the footer of every page the ledger's hash-chain head at render time, so that a printed
page can be checked against ``wbe log verify``.

Layout, for speed, as the class book's (:mod:`~workbook_engine.render.books.class_book`): not a
cell per student and day (some 1,500 per class-month) but, per page, one row whose cells hold a
column each, a line per student; the marks and totals of a student are one monospaced line, a
slot per day, the rules between slots and the shading of the days without school an SVG
background. The rows each page holds are counted here, so every page repeats the headings and
no student's line is split.

January belongs to both semesters: each semester's January is a sheet of its own (its ledger
key's semester), written as ``<class>-HK1`` and ``<class>-HK2``.

A class's months are laid out as one document, each month from a new page and a page group of
its own (its running head, «Trang x/y» counting its pages), and each month's PDF is cut from it
(:mod:`~workbook_engine.render.books.pdf_parts`): weasyprint's cost of a document (styles,
fonts, the PDF) is paid once a class rather than once a month, and the pages are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from workbook_engine.deadlines import attendance_deadline
from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.kinds.homeroom import (
    SUNDAY,
    WEEKDAY_SHORT,
    holidays,
    school_days,
    semester_months,
)
from workbook_engine.io.kinds.values import EXCUSED, UNEXCUSED, attendance_marks, counted_as
from workbook_engine.model import EventKind, Semester, Setup, SheetKey, Student
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render.books.class_book import (
    LANDSCAPE,
    ROW_RULE,
    Block,
    ClassBook,
    Grid,
    Slot,
    blocks,
    rows_per_page,
    slot_line,
)
from workbook_engine.render.books.pdf_parts import Part, split_records, write_parts
from workbook_engine.render.common import date_text, gc_paused, render, semester_name
from workbook_engine.render.correction_record import place_date
from workbook_engine.results import ATTENDANCE_PREFIX, confirmed_late

if TYPE_CHECKING:
    from weasyprint import Document, Page

FOLDER = Path("books") / "diem-danh"
CHECK_LENGTH = 16  # hex digits of the chain head printed on each page
MISSING = "Chưa nhận bảng điểm danh tháng này"
PART_END = "dd-end-"  # the id of the mark ending each month: dd-end-1, dd-end-2… (the template's)

Progress = Callable[[int, int], None]

# what a day column is: open for a mark, closed (Sunday or «Ngày nghỉ»), outside the semester
OPEN, CLOSED, OUTSIDE = "", "closed", "outside"

# --- the geometry attendance_book.css draws with (keep them equal) ------------------------------
DAY_CHARS = 3  # a day's slot: a one-letter mark (or a count) and a space each side
TOTAL_CHARS = 4  # P and K: a count of up to three digits before a space
SHADES = {CLOSED: "#bfbfbf", OUTSIDE: "#e4e4e4"}  # as the headings' and the Excel sheet's
# What the first page has above the table (national heading, title, class) and the table's two
# heading rows, in mm (measured, with a little to spare); the page is books.css's landscape
TITLES_MM = 30.5
HEADINGS_MM = 9.5
# the student lines the first page and each next one hold
PAGE_ROWS = rows_per_page(LANDSCAPE[1], TITLES_MM + HEADINGS_MM, HEADINGS_MM)


@dataclass(frozen=True)
class Day:
    """One day column."""

    day: date
    weekday: str  # T2 … CN
    state: str  # OPEN, CLOSED or OUTSIDE

    @property
    def number(self) -> int:
        return self.day.day


@dataclass(frozen=True)
class Row:
    """One student: the marks as stored (one per day, "" when none) and the month's totals."""

    number: int
    code: str
    name: str
    marks: tuple[str, ...]
    excused: int
    unexcused: int
    late: int  # P marks counted as K (month confirmed after its deadline)


@dataclass(frozen=True)
class AttendanceBook:
    """What one class-month sheet says, every value already written out in Vietnamese."""

    class_code: str
    grade: int
    year: int
    month: int
    semester: int
    semester_name: str  # "Học kì I"
    shared: bool  # the month belongs to both semesters (January)
    authority: str
    school: str
    school_year: str
    homeroom: str  # the homeroom teacher's full name ("" when the setup names nobody)
    principal: str
    place_date: str  # "Hải Phòng, ngày ..... tháng ..... năm ........"
    days: tuple[Day, ...]
    rows: tuple[Row, ...]
    day_counts: tuple[int, ...]  # students absent (P or K) on each day
    received: bool
    late_note: str  # "" unless the month was confirmed after its deadline
    missing_note: str  # "" once the month's sheet is in
    legend: str
    chain_head: str
    grid: Grid  # a slot per day, then P and K; a line per student
    sum_line: str  # «Số học sinh vắng»: the day counts and the totals, in the grid's slots
    pages: tuple[Block, ...]  # each page's share of the students, the sum line the last row

    def students(self, block: Block) -> Block:
        """The students of a page's block (the sum line left out)."""
        return Block(block.start, min(block.end, len(self.rows)))

    def ends(self, block: Block) -> bool:
        """The block holds the sum line."""
        return block.end > len(self.rows)

    @staticmethod
    def column(block: Block, values: Iterable[object]) -> str:
        return ClassBook.column(block, values)

    @property
    def month_label(self) -> str:
        return f"{self.month:02d}/{self.year}"

    @property
    def title(self) -> str:
        return f"SỔ ĐIỂM DANH — THÁNG {self.month_label} — LỚP {self.class_code}"

    @property
    def running_head(self) -> str:
        """Who and what, on every page: a stamp across pages can be checked against it."""
        shared = f" ({self.semester_name})" if self.shared else ""
        what = f"Sổ điểm danh lớp {self.class_code} — tháng {self.month_label}{shared}"
        return f"{self.school} — {what}"

    @property
    def check_code(self) -> str:
        """«Mã kiểm tra sổ: <first 16 hex>…»."""
        return f"Mã kiểm tra sổ: {self.chain_head[:CHECK_LENGTH]}…"

    @property
    def excused_total(self) -> int:
        return sum(r.excused for r in self.rows)

    @property
    def unexcused_total(self) -> int:
        return sum(r.unexcused for r in self.rows)


def month_key(class_code: str, year: int, month: int, semester: int) -> SheetKey:
    """The ledger key of one month's attendance (``DIEMDANH-2025-10``)."""
    return SheetKey(class_code, f"{ATTENDANCE_PREFIX}{year}-{month:02d}", semester)


def build_attendance_book(
    setup: Setup,
    class_code: str,
    semester: int,
    year: int,
    month: int,
    values: Mapping[tuple[str, str], str],
    *,
    received: bool,
    confirmed_on: date | None = None,
    late: bool = False,
    chain_head: str = "",
) -> AttendanceBook:
    """The sheet of ``class_code`` for ``month`` of ``semester``.

    ``values`` is :meth:`Ledger.scores` of the month's key ((student, ISO day) → mark);
    ``received`` whether its sheet is in (a sheet without any absence stores no value);
    ``late`` whether it was confirmed after its deadline (its P marks then count as K),
    ``confirmed_on`` the day its first sheet arrived."""
    period = _semester(setup, semester)
    months = {n: semester_months(s) for n, s in ((s.number, s) for s in setup.semesters)}
    shared = sum((year, month) in m for m in months.values()) > 1
    days_off = holidays(setup.calendar)
    all_days, open_days = school_days(period, year, month, days_off)
    days = tuple(Day(d, WEEKDAY_SHORT[d.weekday()], _state(d, period, open_days)) for d in all_days)
    rows = []
    for number, student in enumerate(_in_class(setup, class_code, all_days), start=1):
        marks = tuple(values.get((student.code, d.isoformat()), "") for d in all_days)
        excused, unexcused, moved = _totals(marks, late)
        rows.append(Row(number, student.code, student.full_name, marks, excused, unexcused, moved))
    day_counts = tuple(
        sum(1 for r in rows if counted_as(r.marks[i]) in (EXCUSED, UNEXCUSED))
        for i in range(len(all_days))
    )
    room = setup.find_class(class_code)
    teacher = setup.find_teacher(room.homeroom_teacher) if room else None
    deadline = attendance_deadline(setup.calendar, year, month)
    received = received or bool(values)
    slots = day_slots(days)
    lines = tuple(
        slot_line(slots, (*r.marks, *_totals_text(received, r.excused, r.unexcused))) for r in rows
    )
    sums = _totals_text(received, sum(r.excused for r in rows), sum(r.unexcused for r in rows))
    counts = (str(n) if n else "" for n in day_counts)
    return AttendanceBook(
        class_code=class_code,
        grade=room.grade if room else 0,
        year=year,
        month=month,
        semester=semester,
        semester_name=semester_name(semester),
        shared=shared,
        authority=setup.school.authority,
        school=setup.school.name,
        school_year=setup.school.school_year,
        homeroom=teacher.full_name if teacher else "",
        principal=setup.school.principal,
        place_date=place_date(setup.school.province, None),
        days=days,
        rows=tuple(rows),
        day_counts=day_counts,
        received=received,
        late_note=_late_note(year, month, deadline, confirmed_on, sum(r.late for r in rows))
        if late and received
        else "",
        missing_note="" if received else f"{MISSING} (hạn xác nhận: {date_text(deadline)}).",
        legend=_legend(setup, period, days),
        chain_head=chain_head,
        grid=Grid(slots, lines),
        sum_line=slot_line(slots, (*counts, *sums)),
        pages=blocks(len(rows) + 1, *PAGE_ROWS),
    )


def day_slots(days: Sequence[Day]) -> tuple[Slot, ...]:
    """A slot per day (shaded when closed or outside the semester), then P and K (a group of
    their own: a heavier rule before them). A school's own marks longer than one letter widen
    every day's slot (to four characters at most: 31 days still fit the page)."""
    longest = max((len(mark) for mark in attendance_marks()), default=1)
    chars = max(DAY_CHARS, min(4, longest + 1))
    return (
        *(Slot(str(d.number), chars=chars, shade=SHADES.get(d.state, "")) for d in days),
        Slot(EXCUSED, 1, chars=TOTAL_CHARS),
        Slot(UNEXCUSED, 1, chars=TOTAL_CHARS),
    )


def _totals_text(received: bool, *totals: int) -> tuple[str, ...]:
    """P and K as the sheet shows them: none while the month's sheet is not in."""
    return tuple(str(n) if received else "" for n in totals)


def _semester(setup: Setup, number: int) -> Semester:
    found = next((s for s in setup.semesters if s.number == number), None)
    if found is None:
        raise ValueError(f"Năm học không có học kì {number}")
    return found


def _state(day: date, semester: Semester, open_days: Collection[date]) -> str:
    if day in open_days:
        return OPEN
    if semester.start <= day <= semester.end:
        return CLOSED  # a Sunday or a «Ngày nghỉ» day
    return CLOSED if day.weekday() == SUNDAY else OUTSIDE


def _totals(marks: Iterable[str], late: bool) -> tuple[int, int, int]:
    """(P, K, P counted as K) of one student's month, counted as the results count them."""
    excused = unexcused = moved = 0
    for mark in marks:
        counts = counted_as(mark)
        if counts == EXCUSED and late:
            unexcused += 1
            moved += 1
        elif counts == EXCUSED:
            excused += 1
        elif counts == UNEXCUSED:
            unexcused += 1
    return excused, unexcused, moved


def _late_note(year: int, month: int, deadline: date, confirmed_on: date | None, moved: int) -> str:
    when = f" ngày {date_text(confirmed_on)}" if confirmed_on else ""
    count = f" ({moved} buổi)" if moved else ""
    return (
        f"Ghi chú: điểm danh tháng {month:02d}/{year} được xác nhận{when}, sau hạn "
        f"{date_text(deadline)}: các buổi nghỉ có phép (P) của tháng này được tính là nghỉ "
        f"không phép (K) trong cột tổng{count}."
    )


def _legend(setup: Setup, semester: Semester, days: Sequence[Day]) -> str:
    """What the marks and the shading mean; a school's own mark says what it counts as."""
    counts = {EXCUSED: "tính là P", UNEXCUSED: "tính là K", "": "không tính là nghỉ"}
    marks = "; ".join(
        f"{mark} – {label or mark}" + ("" if mark in (EXCUSED, UNEXCUSED) else f" ({counts[as_]})")
        for mark, (as_, label) in attendance_marks().items()
    )
    first, last = days[0].day, days[-1].day
    off = [
        date_text(e.start)[:5] + (f"–{date_text(e.end)[:5]}" if e.end != e.start else "")
        + (f": {e.note}" if e.note else "")
        for e in setup.calendar
        if e.kind is EventKind.HOLIDAY and e.start <= last and e.end >= first
    ]  # fmt: skip
    shading = "Ô xám: Chủ nhật, ngày nghỉ" + (f" ({'; '.join(off)})" if off else "") + "."
    parts = [f"Kí hiệu: {marks}.", shading]
    if any(d.state == OUTSIDE for d in days):
        name = semester_name(semester.number)  # "Học kì I" → "học kì I"
        parts.append(f"Ô xám nhạt: ngoài {name[:1].lower()}{name[1:]}.")
    return " ".join(parts)


# --- which sheets ---------------------------------------------------------------------------


def attendance_months(
    setup: Setup, today: date, months: Sequence[tuple[int, int]] | None = None
) -> list[tuple[int, int, int]]:
    """(year, month, semester) of every sheet to render, in calendar order: the months asked
    for, else every month of the school year whose school days have begun by ``today``; a month
    of two semesters (January) once per semester."""
    every = [(y, m, s.number) for s in setup.semesters for y, m in semester_months(s)]
    if months is None:
        starts = {s.number: s.start for s in setup.semesters}
        return sorted({(y, m, n) for y, m, n in every if max(starts[n], date(y, m, 1)) <= today})
    asked = set(months)
    outside = [f"{m:02d}/{y}" for y, m in months if not any((y, m) == e[:2] for e in every)]
    if outside:
        raise ValueError(
            f"Tháng {', '.join(outside)} không thuộc năm học {setup.school.school_year}"
        )
    return sorted({(y, m, n) for y, m, n in every if (y, m) in asked})


def attendance_path(
    outbox: Path, class_code: str, year: int, month: int, semester: int, shared: bool
) -> Path:
    """``outbox/books/diem-danh/2025-10/6A1`` (no suffix); ``6A1-HK2`` for a month of two
    semesters."""
    name = f"{class_code}-HK{semester}" if shared else class_code
    return Path(outbox) / FOLDER / f"{year}-{month:02d}" / name


def write_attendance_books(
    ledger: Ledger,
    setup: Setup,
    outbox: Path,
    months: list[tuple[int, int]] | None = None,
    classes: Sequence[str] | None = None,
    progress: Progress | None = None,
    *,
    today: date | None = None,
) -> list[Path]:
    """Write the monthly attendance sheet of each class and month as PDF and xlsx under
    ``outbox/books/diem-danh/<yyyy-mm>/<class>.pdf|.xlsx``; returns the written paths.

    ``months`` defaults to every month of the school year that has begun by ``today`` (default:
    the real day); ``classes`` to every class. ``progress(done, total)`` is called after each
    class-month. Raises ValueError (Vietnamese) for a month outside the school year or a class
    the setup does not know."""
    codes = list(classes) if classes is not None else [c.code for c in setup.classes]
    unknown = [c for c in codes if setup.find_class(c) is None]
    if unknown:
        raise ValueError(f"Không có lớp {', '.join(unknown)} trong danh sách lớp của trường")
    sheets = attendance_months(setup, today or date.today(), months)
    with ledger.reading():  # the chain head printed is that of the values printed
        head = ledger.chain_head()
        by_class = [class_months(ledger, setup, outbox, code, sheets, head) for code in codes]
    total = sum(len(of_class) for of_class in by_class)
    written: list[Path] = []
    for of_class in by_class:
        pdfs = write_month_pdfs(of_class)
        for pdf, (base, book) in zip(pdfs, of_class, strict=True):
            written += [pdf, write_attendance_xlsx(base.with_suffix(".xlsx"), book)]
            if progress is not None:
                progress(len(written) // 2, total)
    return written


def class_months(
    ledger: Ledger,
    setup: Setup,
    outbox: Path,
    class_code: str,
    sheets: Sequence[tuple[int, int, int]],
    chain_head: str,
) -> list[tuple[Path, AttendanceBook]]:
    """The sheet of each of ``sheets`` ((year, month, semester), :func:`attendance_months`) of
    the class, and where it is written (:func:`attendance_path`, no suffix); ``chain_head`` is
    the ledger's, read in the same read transaction."""
    shared = _shared_months(setup)
    received = ledger.received_keys(class_code)
    first = ledger.first_received(class_code)
    late = confirmed_late(setup, first)
    books = []
    for year, month, semester in sheets:
        key = month_key(class_code, year, month, semester)
        arrived = first.get(key)
        book = build_attendance_book(
            setup, class_code, semester, year, month,
            ledger.scores(key),
            received=key in received,
            confirmed_on=date.fromisoformat(arrived[:10]) if arrived else None,
            late=key in late,
            chain_head=chain_head,
        )  # fmt: skip
        base = attendance_path(outbox, class_code, year, month, semester,
                               (year, month) in shared)  # fmt: skip
        books.append((base, book))
    return books


def _shared_months(setup: Setup) -> set[tuple[int, int]]:
    seen: dict[tuple[int, int], int] = {}
    for s in setup.semesters:
        for ym in semester_months(s):
            seen[ym] = seen.get(ym, 0) + 1
    return {ym for ym, n in seen.items() if n > 1}


# --- PDF ------------------------------------------------------------------------------------


def render_attendance_html(*books: AttendanceBook) -> str:
    """The HTML of ``books`` (one class's months), each from a new page, a page group of its
    own: its running head and «Trang x/y» as when alone."""
    return render("attendance_book.html.j2", books=books, row_rule=ROW_RULE)


def lay_out(books: Sequence[AttendanceBook]) -> tuple[Document, list[list[Page]]]:
    """``books`` laid out as one document (one layout for a class's months: weasyprint's cost
    of a document, some 20 ms even for an empty one, paid once), and the pages of each."""
    return split_records(render_attendance_html(*books), len(books), PART_END)


def write_month_pdfs(months: Sequence[tuple[Path, AttendanceBook]]) -> list[Path]:
    """The PDF of each of one class's ``months`` (base path, book), cut from one document of
    them all (:func:`~workbook_engine.render.books.pdf_parts.write_parts`): the same pages as
    each laid out alone."""
    if not months:
        return []
    with gc_paused():
        document, pages = lay_out([book for _, book in months])
        parts = [
            Part(base.with_suffix(".pdf"), book.title, of_book)
            for (base, book), of_book in zip(months, pages, strict=True)
        ]
        written = write_parts(document, parts)
        del document, pages, parts  # garbage for the collection that follows
    return written


# --- Excel ----------------------------------------------------------------------------------

TITLE_ROW, HEAD_ROW = 0, 4  # 0-based; the headings take HEAD_ROW and the row below
FIRST_STUDENT = HEAD_ROW + 2
ROSTER = (("STT", 4.0), ("Mã học sinh", 11.5), ("Họ và tên", 24.0))
DAY_WIDTH = 2.6
TOTAL_WIDTH = 4.5
GREY, LIGHT, HEAD = "#BFBFBF", "#E4E4E4", "#D9E2F3"  # as attendance_book.css
FONT_SIZE = 10  # printed at about 98 %: A4 landscape holds 31 days at these widths


def _totals_cells(
    ws: Worksheet, row: int, col: int, totals: tuple[int, int], received: bool, f: dict[str, Any]
) -> None:
    """P and K of a row; blank while the month's sheet is not in."""
    for i, value in enumerate(totals):
        if received:
            ws.write_number(row, col + i, value, f["total"])
        else:
            ws.write_blank(row, col + i, None, f["total"])


def _excel_text(text: str) -> str:
    """Text for an Excel page header or footer (``&`` starts a code there)."""
    return text.replace("&", "&&")


def write_attendance_xlsx(path: Path, book: AttendanceBook) -> Path:
    """The same sheet as an Excel workbook that prints as the PDF does: A4 landscape, one page
    wide, the headings repeated on each page, print area set (written atomically)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False,
                                            "strings_to_formulas": False})  # fmt: skip
        wb.set_properties({"title": book.title, "author": "workbook_engine",
                           "comments": f"Mã kiểm tra sổ: {book.chain_head}"})  # fmt: skip
        _write_sheet(wb, book)
        wb.close()
    return path


def _write_sheet(wb: Workbook, book: AttendanceBook) -> None:
    add = wb.add_format
    base = {"font_size": FONT_SIZE, "valign": "vcenter"}
    cell = {**base, "border": 1, "border_color": "#808080", "align": "center"}
    f = {
        "title": add({**base, "bold": True, "font_size": 14, "align": "center"}),
        "info": add({**base}),
        "info_right": add({**base, "align": "right"}),
        "head": add({**cell, "bold": True, "bg_color": HEAD, "text_wrap": True}),
        "head_closed": add({**cell, "bold": True, "bg_color": GREY}),
        "head_outside": add({**cell, "bold": True, "bg_color": LIGHT}),
        "number": add({**cell}),
        "code": add({**cell, "num_format": "@"}),
        "name": add({**cell, "align": "left", "text_wrap": True}),
        "mark": add({**cell, "bold": True}),
        "closed": add({**cell, "bold": True, "bg_color": GREY}),
        "outside": add({**cell, "bold": True, "bg_color": LIGHT}),
        "total": add({**cell, "bold": True, "num_format": "0"}),
        "sum_label": add({**cell, "bold": True, "align": "right"}),
        "note": add({**base, "text_wrap": True, "valign": "top"}),
        "note_bold": add({**base, "bold": True, "text_wrap": True, "valign": "top"}),
        "place": add({**base, "italic": True, "align": "center"}),
        "sign": add({**base, "bold": True, "align": "center"}),
        "hint": add({**base, "italic": True, "align": "center"}),
    }
    sheet_name = f"{book.class_code} T{book.month:02d}-{book.year}"
    if book.shared:
        sheet_name += f" HK{book.semester}"
    ws = wb.add_worksheet(sheet_name[:31])
    days, first_day = book.days, len(ROSTER)
    p_col = first_day + len(days)
    last_col = p_col + 1

    for c, (_, width) in enumerate(ROSTER):
        ws.set_column(c, c, width)
    ws.set_column(first_day, p_col - 1, DAY_WIDTH)
    ws.set_column(p_col, last_col, TOTAL_WIDTH)

    ws.set_row(TITLE_ROW, 22)
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last_col, book.title, f["title"])
    half = first_day + len(days) // 2
    ws.write_string(1, 0, f"Trường: {book.school}", f["info"])
    ws.write_string(1, half, f"Năm học: {book.school_year} — {book.semester_name}", f["info"])
    ws.write_string(2, 0, f"Lớp: {book.class_code} (khối {book.grade})", f["info"])
    ws.write_string(2, half, f"Giáo viên chủ nhiệm: {book.homeroom or '……………………'}", f["info"])

    # the headings: roster and totals over two rows; each day its number above its weekday
    for c, (title, _) in enumerate(ROSTER):
        ws.merge_range(HEAD_ROW, c, HEAD_ROW + 1, c, title, f["head"])
    for i, day in enumerate(days):
        style = {OPEN: f["head"], CLOSED: f["head_closed"], OUTSIDE: f["head_outside"]}[day.state]
        ws.write_number(HEAD_ROW, first_day + i, day.number, style)
        ws.write_string(HEAD_ROW + 1, first_day + i, day.weekday, style)
    ws.merge_range(HEAD_ROW, p_col, HEAD_ROW, last_col, "Tổng", f["head"])
    ws.write_string(HEAD_ROW + 1, p_col, EXCUSED, f["head"])
    ws.write_string(HEAD_ROW + 1, last_col, UNEXCUSED, f["head"])

    styles = {OPEN: f["mark"], CLOSED: f["closed"], OUTSIDE: f["outside"]}
    row = FIRST_STUDENT
    for student in book.rows:
        ws.write_number(row, 0, student.number, f["number"])
        ws.write_string(row, 1, student.code, f["code"])
        ws.write_string(row, 2, student.name, f["name"])
        for i, (day, mark) in enumerate(zip(days, student.marks, strict=True)):
            if mark:
                ws.write_string(row, first_day + i, mark, styles[day.state])
            else:
                ws.write_blank(row, first_day + i, None, styles[day.state])
        _totals_cells(ws, row, p_col, (student.excused, student.unexcused), book.received, f)
        row += 1
    ws.merge_range(row, 0, row, first_day - 1, "Số học sinh vắng", f["sum_label"])
    for i, (day, count) in enumerate(zip(days, book.day_counts, strict=True)):
        if count:
            ws.write_number(row, first_day + i, count, styles[day.state])
        else:
            ws.write_blank(row, first_day + i, None, styles[day.state])
    totals = (book.excused_total, book.unexcused_total)
    _totals_cells(ws, row, p_col, totals, book.received, f)

    row += 2
    for text, style in (
        (book.missing_note, f["note_bold"]),
        (book.late_note, f["note_bold"]),
        (book.legend, f["note"]),
    ):
        if not text:
            continue
        ws.set_row(row, 14 * max(1, -(-len(text) // 190)))
        ws.merge_range(row, 0, row, last_col, text, style)
        row += 1

    # signatures: the homeroom teacher under the roster, the principal on the right
    row += 1
    left = (0, first_day - 1)
    right = (max(first_day, last_col - 14), last_col)
    ws.merge_range(row, right[0], row, right[1], book.place_date, f["place"])
    row += 1
    for (a, b), heading, hint, name in (
        (left, "GIÁO VIÊN CHỦ NHIỆM", "(Kí, ghi rõ họ tên)", book.homeroom),
        (right, "HIỆU TRƯỞNG", "(Kí, ghi rõ họ tên, đóng dấu)", book.principal),
    ):
        ws.merge_range(row, a, row, b, heading, f["sign"])
        ws.merge_range(row + 1, a, row + 1, b, hint, f["hint"])
        ws.merge_range(row + 6, a, row + 6, b, name or "……………………", f["sign"])
    last_row = row + 6

    ws.freeze_panes(FIRST_STUDENT, first_day)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.set_margins(left=0.35, right=0.35, top=0.55, bottom=0.55)
    ws.center_horizontally()
    ws.repeat_rows(HEAD_ROW, HEAD_ROW + 1)
    ws.print_area(0, 0, last_row, last_col)
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as the roster needs
    unscaled = {"scale_with_doc": False}  # the margins' 8 pt stay 8 pt at about 97 %
    ws.set_header(f"&L&8{_excel_text(book.running_head)}", unscaled)
    ws.set_footer(f"&L&8{_excel_text(book.check_code)}&R&8Trang &P/&N", unscaled)


def _in_class(setup: Setup, class_code: str, days: Sequence[date]) -> list[Student]:
    """The students in the class on at least one of ``days`` (those who came or left during
    the month included: the month's marks of each class stay on its own sheet)."""
    return [
        student
        for stay in setup.members_of(class_code)
        if days
        and (stay.start is None or stay.start <= days[-1])
        and (stay.end is None or stay.end > days[0])
        and (student := setup.find_student(stay.student_code)) is not None
    ]
