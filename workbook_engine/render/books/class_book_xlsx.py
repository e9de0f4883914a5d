"""The class assessment book (:mod:`~workbook_engine.render.books.class_book`) as print-ready
Excel: the PDF's tables, a sheet each, written from the same :class:`ClassBook`.

Sheets: «Bìa» (the school's information, the subjects and their teachers), «Danh sách lớp» (the
roster, the exemptions), one per subject (named after it: TX…, GK, CK or Đ/CĐ as entered, the
semester averages, for the year book semester 2 and the year too; «Miễn» for an exempt student;
the subject teachers' signature blocks), «Tổng hợp các môn» (each subject's result) and «Tổng
hợp kết quả» (learning and conduct levels, absences P/K, for the year book the proposal, the
final outcome and the award; the summer's lines, what is missing, the approvals, the homeroom
teacher's and the principal's signature blocks). Scores are numbers shown with one decimal;
Đ/CĐ, levels and «Miễn» text; a value not in is a blank cell.

Each sheet prints as its PDF part: A4, landscape where the PDF's is (or where portrait would
print below 8 pt), one page wide, the headings on every page, the running head in the header,
the chain head and «Trang x/y» in the footer, a signature block never cut by a page break; the
workbook's properties hold the whole chain head. A subject's sheet prints on the pages of its
PDF part (:attr:`SubjectPage.pages`): its students' rows as low as their text allows, a part of
one page (a class of up to about 50, 30 in landscape) fitted to one page, never below 8 pt
(fitted to a page wide only, a class of 30 printed its signature block on a second page).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlsxwriter.worksheet import Worksheet

from workbook_engine.render.books.excel import (
    DOTS,
    FONT_SIZE,
    PAGE_POINTS,
    ROW_HEIGHT,
    SIGN_SPACE,
    chars_across,
    fit_row,
    fit_scale,
    halves,
    line_count,
    page_setup,
    row_points,
    rows_to_next_page,
    sheet_name,
    span,
    styles,
    text_height,
    workbook,
    write_count,
    write_signers,
    write_text,
    write_value,
)
from workbook_engine.render.books.hocba import EXEMPT

MOVES_LEGEND = "(*) Học sinh chuyển đến, chuyển đi, chuyển lớp hoặc thôi học trong năm học:"
MOVES_NOTE = (
    "Điểm, ngày nghỉ trước ngày chuyển lớp vẫn thuộc lớp cũ; kết quả cả năm tính ở lớp cuối cùng."
)

if TYPE_CHECKING:  # class_book writes its workbook with this module
    from workbook_engine.render.books.class_book import ClassBook, SubjectPage

COVER, ROSTER, RESULTS, LEVELS = "Bìa", "Danh sách lớp", "Tổng hợp các môn", "Tổng hợp kết quả"
STT = 4.5
SLOT, RESULT_SLOT = 5.0, 6.0  # a subject's assessment and result columns
SUBJECT = 6.5  # a subject's column in «Tổng hợp các môn»
LEVEL, COUNT = 8.5, 4.5  # a level, an absence count (semester 1's: LEVEL_HK1, COUNT_HK1)
LEVEL_HK1, COUNT_HK1 = 12.0, 6.0  # fewer columns: wide enough for the signature blocks
SIGN_CHARS = 30  # a signature block's width at least (the place and date above it)
OUTCOME = (20.0, 13.0, 13.5)  # the year book's proposal, final outcome, award
SMALLEST = 8  # points: no text prints smaller
NAME = (16.0, 26.0)  # the names' column: at least, at most
COVER_WIDTHS = (5.0, 28.0, 14.0, 32.0)
ROSTER_WIDTHS = (STT, 13.0, 26.0, 12.0, 10.0)
SUBJECT_HINT = "(Kí, ghi rõ họ tên)"
# A subject's sheet, in points: a student's row of one line (the least a line of FONT_SIZE
# takes, a whole number of pixels: 17), the gaps between its parts, a line of the room to sign
LIST_ROW = 12.75
GAP = 7.5
SIGN_LINE = 11.25


def write_class_book_xlsx(path: Path, book: ClassBook) -> Path:
    """Write ``book`` as an Excel workbook that prints as the PDF does (atomically)."""
    with workbook(path, book.title, book.chain_head) as wb:
        f = styles(wb)
        taken = {name.casefold() for name in (COVER, ROSTER, RESULTS, LEVELS)}
        _cover(wb.add_worksheet(COVER), f, book)
        _roster(wb.add_worksheet(ROSTER), f, book)
        for page in book.subjects:
            _subject(wb.add_worksheet(sheet_name(page.name, taken)), f, book, page)
        _results(wb.add_worksheet(RESULTS), f, book)
        _levels(wb.add_worksheet(LEVELS), f, book)
    return Path(path)


def _widths(ws: Worksheet, widths: Sequence[float]) -> int:
    """Set the columns' widths; returns the last column."""
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    return len(widths) - 1


def _name_width(names: Iterable[str]) -> float:
    longest = max((len(name) for name in names), default=0)
    return max(NAME[0], min(NAME[1], round(longest * 0.9 + 2, 1)))


def _right(widths: Sequence[float], chars: float = SIGN_CHARS) -> tuple[int, int]:
    """The rightmost columns that are together at least ``chars`` wide."""
    first = len(widths) - 1
    while first > 0 and sum(widths[first:]) < chars:
        first -= 1
    return first, len(widths) - 1


def _halves(widths: Sequence[float]) -> list[tuple[int, int]]:
    """The columns in two spans as even in width as whole columns allow."""
    total = sum(widths)
    cut = min(range(len(widths) - 1), key=lambda k: abs(2 * sum(widths[: k + 1]) - total))
    return [(0, cut), (cut + 1, len(widths) - 1)]


def _landscape(wide: bool, widths: Sequence[float]) -> bool:
    """Landscape when the PDF's part is, or when portrait would print below ``SMALLEST``."""
    return wide or fit_scale(widths, False) * FONT_SIZE < SMALLEST


def _setup(
    ws: Worksheet,
    book: ClassBook,
    wide: bool,
    heads: tuple[int, int],
    last: tuple[int, int],
    part: str = "",
    tall: int = 0,
) -> None:
    page_setup(ws, landscape=wide, repeat=heads, last_row=last[0], last_col=last[1],
               head=book.running_head + part, chain=book.chain_text, scaled_header=False,
               tall=tall)  # fmt: skip


def _note(
    ws: Worksheet, f: Any, row: int, text: str, widths: Sequence[float], style: str = "note"
) -> int:
    """``text`` across the sheet at ``row``, the row as tall as it needs; the next row."""
    span(ws, row, 0, len(widths) - 1, text, f[style])
    fit_row(ws, row, text, widths)
    return row + 1


def _fit(ws: Worksheet, row: int, texts: Iterable[tuple[str, float]]) -> None:
    """``row`` as tall as the tallest of ``texts`` (text, column width) wrapped."""
    ws.set_row(row, max((text_height(text, [width]) for text, width in texts), default=ROW_HEIGHT))


def _list_row(ws: Worksheet, row: int, name: str, width: float) -> None:
    """A student's row: ``LIST_ROW`` when the name takes one line, else as tall as it needs."""
    lines = line_count(name, chars_across([width]))
    ws.set_row(row, LIST_ROW if lines == 1 else text_height(name, [width]))


# --- the cover and the roster ---------------------------------------------------------------------


def _cover(ws: Worksheet, f: Any, book: ClassBook) -> None:
    last = _widths(ws, COVER_WIDTHS)
    span(ws, 0, 0, 1, book.authority.upper(), f["centre"])
    span(ws, 0, 2, last, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", f["centre_bold"])
    span(ws, 1, 0, 1, book.school.upper(), f["centre_bold"])
    span(ws, 1, 2, last, "Độc lập - Tự do - Hạnh phúc", f["centre_bold"])
    for row, text in enumerate((book.authority, book.school)):
        fit_row(ws, row, text.upper(), COVER_WIDTHS[:2])
    for row, (text, style) in enumerate(
        (
            ("SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH", "big"),
            ("(Theo lớp – Trung học cơ sở)", "subtitle"),
            (f"LỚP {book.class_code}", "big"),
            (f"Năm học {book.school_year} – {book.period_name}", "subtitle"),
        ),
        start=3,
    ):
        ws.set_row(row, 24 if style == "big" else ROW_HEIGHT + 3)
        span(ws, row, 0, last, text, f[style])
    info = [
        ("Cơ quan quản lí:", book.authority),
        ("Trường:", book.school),
        *([("Địa chỉ:", book.address)] if book.address else []),
        ("Tỉnh/thành phố:", book.province),
        ("Năm học:", f"{book.school_year} ({book.period_name.lower()})"),
        ("Lớp:", f"{book.class_code} (khối {book.grade})"),
        ("Giáo viên chủ nhiệm:", book.homeroom_teacher or DOTS),
        ("Số học sinh:", f"{book.boys + book.girls} (nam: {book.boys}, nữ: {book.girls})"),
        ("Hiệu trưởng:", book.principal or DOTS),
    ]
    row = 8
    for label, value in info:
        span(ws, row, 0, 1, label, f["label"])
        span(ws, row, 2, last, value, f["value"])
        fit_row(ws, row, value, COVER_WIDTHS[2:])
        row += 1
    row += 1
    span(ws, row, 0, last, "Môn học và giáo viên bộ môn", f["subtitle"])
    head = row + 1
    for col, label in ((0, "STT"), (1, "Môn học")):
        ws.write_string(head, col, label, f["head"])
    span(ws, head, 2, last, "Giáo viên bộ môn", f["head"])
    row = head + 1
    for page in book.subjects:
        ws.write_number(row, 0, page.number, f["number"])
        ws.write_string(row, 1, page.name, f["plain"])
        span(ws, row, 2, last, ", ".join(page.teachers), f["plain"])
        _fit(ws, row, [(page.name, COVER_WIDTHS[1]), (", ".join(page.teachers), 46.0)])
        row += 1
    row += 1
    parts = f"{COVER}, {ROSTER}, một trang tính cho mỗi môn học, {RESULTS}, {LEVELS}"
    text = f"Sổ gồm các trang tính: {parts}. Chân mỗi trang in ghi mã kiểm tra sổ lúc in."
    row = _note(ws, f, row, text, COVER_WIDTHS, "note_italic")
    _setup(ws, book, False, (head, head), (row - 1, last))


def _roster(ws: Worksheet, f: Any, book: ClassBook) -> None:
    widths = list(ROSTER_WIDTHS)
    widths[2] = max(widths[2], _name_width(r.name for r in book.roster))
    last = _widths(ws, widths)
    ws.set_row(0, 20)
    span(ws, 0, 0, last, f"DANH SÁCH HỌC SINH LỚP {book.class_code}", f["title"])
    head = 2
    for col, label in enumerate(("STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính")):
        ws.write_string(head, col, label, f["head"])
    row = head + 1
    for line in book.roster:
        ws.write_number(row, 0, line.number, f["number"])
        ws.write_string(row, 1, line.code, f["code"])
        ws.write_string(row, 2, line.name, f["name"])
        write_text(ws, row, 3, line.birth_date, f["number"])
        write_text(ws, row, 4, line.gender, f["number"])
        _list_row(ws, row, line.name, widths[2])
        row += 1
    if book.exemptions:
        row += 1
        text = (
            "Học sinh được miễn học cả môn (theo kế hoạch giáo dục cá nhân): "
            f"{'; '.join(book.exemptions)}."
        )
        row = _note(ws, f, row, text, widths)
    if book.moves:
        row += 1
        row = _note(ws, f, row, f"{MOVES_LEGEND} {'; '.join(book.moves)}.", widths)
    ws.freeze_panes(head + 1, 0)
    tall = 1 if book.roster_pages == 1 and _one_page(ws, row, 0.0, widths, False) else 0
    _setup(ws, book, False, (head, head), (row - 1, last), tall=tall)


# --- a subject ------------------------------------------------------------------------------------


def _heads(
    ws: Worksheet,
    f: Any,
    row: int,
    slots: Sequence[Any],
    titles: Sequence[str],
    widths: Sequence[float],
) -> None:
    """A grid's headings over two rows from column C (``widths``: its columns'): each group's
    title over its slots, each slot's heading under it; the rows as tall as they need."""
    col, groups = 2, []
    for group in dict.fromkeys(slot.group for slot in slots):
        count = sum(1 for slot in slots if slot.group == group)
        span(ws, row, col, col + count - 1, titles[group], f["head"])
        groups.append((titles[group], sum(widths[col : col + count])))
        col += count
    _fit(ws, row, groups)
    for i, slot in enumerate(slots):
        ws.write_string(row + 1, 2 + i, slot.head, f["head"])
    _fit(ws, row + 1, [(slot.head, widths[2 + i]) for i, slot in enumerate(slots)])


def _subject(ws: Worksheet, f: Any, book: ClassBook, page: SubjectPage) -> None:
    grid = page.table.grid
    slots = grid.slots
    name_width = _name_width(r.name for r in page.rows)
    widths = [STT, name_width, *(RESULT_SLOT if s.result else SLOT for s in slots)]
    last = _widths(ws, widths)
    ws.set_row(0, 20)
    span(ws, 0, 0, last, f"MÔN {page.name.upper()}", f["title"])
    teachers = ", ".join(page.teachers) or DOTS
    span(ws, 1, 0, last, f"Giáo viên bộ môn: {teachers}", f["subtitle"])
    ws.set_row(2, GAP)
    head = 3
    for col, label in ((0, "STT"), (1, "Họ và tên")):
        ws.merge_range(head, col, head + 1, col, label, f["head"])
    _heads(ws, f, head, slots, grid.titles, widths)
    row = head + 2
    for line in page.rows:
        ws.write_number(row, 0, line.number, f["number"])
        ws.write_string(row, 1, line.name, f["name"])
        for i, slot in enumerate(slots):
            kind = "result_" if slot.result else ""
            if line.exempt:
                text = EXEMPT if slot.result else ""
                style = f[f"{kind}exempt"] if slot.result else f["text"]
                write_value(ws, row, 2 + i, text, style, style)
            else:
                score = f["result_score"] if slot.result else f["score"]
                write_value(ws, row, 2 + i, line.values[i], score, f[f"{kind}text"])
        _list_row(ws, row, line.name, name_width)
        row += 1
    ws.set_row(row, GAP)
    row = _note(ws, f, row + 1, page.legend, widths)
    ws.set_row(row, GAP)
    row += 1
    names = page.teachers or ("",)
    pairs = [  # two blocks side by side at most
        [(("GIÁO VIÊN BỘ MÔN",), SUBJECT_HINT, name) for name in names[k : k + 2]]
        for k in range(0, len(names), 2)
    ]
    # a pair: the heading, the hint, the room to sign, the name; above them the place and date,
    # a row between two pairs
    signers = 3 * ROW_HEIGHT + (SIGN_SPACE - 1) * SIGN_LINE
    block = len(pairs) * (ROW_HEIGHT + signers)
    repeat = (head, head + 1)
    wide = _landscape(page.table.wide, widths)
    tall = 1 if page.pages == 1 and _one_page(ws, row, block, widths, wide) else 0
    if not tall:  # pages as tall as the rows need: the signature block kept whole
        row += rows_to_next_page(ws, row, block, landscape=wide, repeat=repeat,
                                 scale=fit_scale(widths, wide))  # fmt: skip
    right = _right(widths, SIGN_CHARS * min(2, len(names)))
    span(ws, row, right[0], right[1], book.place_date, f["place"])
    for pair in pairs:
        names_row = write_signers(ws, f, row + 1, pair, halves(right[0], right[1], len(pair)))
        for room in range(names_row - SIGN_SPACE + 1, names_row):
            ws.set_row(room, SIGN_LINE)
        row = names_row + 1
    ws.freeze_panes(head + 2, 2)
    _setup(ws, book, wide, repeat, (row - 1, last), f" – Môn {page.name}", tall)


def _one_page(ws: Worksheet, row: int, block: float, widths: Sequence[float], wide: bool) -> bool:
    """Whether rows 0 to ``row`` (excluded) and a block of ``block`` points after them fit on
    one page with no text below ``SMALLEST`` (fitted to a page: scaled to the narrower of the
    page's width and height, to a whole percent)."""
    height = sum(row_points(ws, r) for r in range(row)) + block
    scale = min(fit_scale(widths, wide), PAGE_POINTS[wide] / height)
    return int(scale * 100) * FONT_SIZE >= SMALLEST * 100


# --- the summary ----------------------------------------------------------------------------------


def _summary_title(
    ws: Worksheet, f: Any, book: ClassBook, last: int, section: str, widths: Sequence[float]
) -> None:
    ws.set_row(0, 20)
    span(ws, 0, 0, last, f"TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ {book.period_name.upper()}", f["title"])
    span(ws, 1, 0, last, section, f["note_bold"])
    fit_row(ws, 1, section, widths)


def _results(ws: Worksheet, f: Any, book: ClassBook) -> None:
    grid = book.results.grid
    name_width = _name_width(r.name for r in book.summary)
    widths = [STT, name_width, *(SUBJECT for _ in grid.slots)]
    last = _widths(ws, widths)
    period = "cả năm" if book.year else "học kì I"
    section = f"1. Kết quả học tập các môn học (điểm trung bình môn hoặc mức đánh giá {period})"
    _summary_title(ws, f, book, last, section, widths)
    head = 3
    for col, label in enumerate(("STT", "Họ và tên", *(s.head for s in grid.slots))):
        ws.write_string(head, col, label, f["head"])
    _fit(ws, head, [(s.head, SUBJECT) for s in grid.slots])
    row = head + 1
    for line in book.summary:
        ws.write_number(row, 0, line.number, f["number"])
        ws.write_string(row, 1, line.name, f["name"])
        for i, text in enumerate(line.results):
            other = f["exempt"] if text == EXEMPT else f["text"]
            write_value(ws, row, 2 + i, text, f["score"], other)
        _list_row(ws, row, line.name, name_width)
        row += 1
    ws.set_row(row, GAP)
    legend = "Đ: Đạt; CĐ: Chưa đạt; Miễn: được miễn học cả môn. Ô để trống: chưa có kết quả."
    row = _note(ws, f, row + 1, legend, widths)
    ws.freeze_panes(head + 1, 2)
    wide = _landscape(book.results.wide, widths)
    one = len(book.results.blocks) == 1 and _one_page(ws, row, 0.0, widths, wide)
    _setup(ws, book, wide, (head, head), (row - 1, last), " – Tổng hợp", int(one))


def _levels(ws: Worksheet, f: Any, book: ClassBook) -> None:
    grid = book.levels.grid
    slots = grid.slots
    name_width = _name_width(r.name for r in book.summary)
    outcome = OUTCOME if book.year else ()
    level, count = (LEVEL, COUNT) if book.year else (LEVEL_HK1, COUNT_HK1)
    widths = [STT, name_width, *(count if s.group == 2 else level for s in slots), *outcome]
    last = _widths(ws, widths)
    extra = ", xét lên lớp và danh hiệu" if book.year else ""
    section = f"2. Kết quả học tập, rèn luyện, số buổi nghỉ học{extra}"
    _summary_title(ws, f, book, last, section, widths)
    head = 3
    for col, label in ((0, "STT"), (1, "Họ và tên")):
        ws.merge_range(head, col, head + 1, col, label, f["head"])
    _heads(ws, f, head, slots, grid.titles, widths)
    first_outcome = 2 + len(slots)
    for i, label in enumerate(("Đề nghị cuối năm", "Xét lên lớp", "Danh hiệu") if outcome else ()):
        ws.merge_range(head, first_outcome + i, head + 1, first_outcome + i, label, f["head"])
    row = head + 2
    for line in book.summary:
        ws.write_number(row, 0, line.number, f["number"])
        ws.write_string(row, 1, line.name, f["name"])
        values = (*line.learning, *line.conduct)
        for i, text in enumerate(values):
            write_text(ws, row, 2 + i, text, f["text"])
        write_count(ws, row, 2 + len(values), line.excused, f["number"])
        write_count(ws, row, 3 + len(values), line.unexcused, f["number"])
        texts = [(line.name, name_width)]
        if outcome:
            for i, text in enumerate((line.outcome, line.final, line.award)):
                write_text(ws, row, first_outcome + i, text, f["plain"])
                texts.append((text, outcome[i]))
        if len(texts) == 1:
            _list_row(ws, row, line.name, name_width)
        else:
            ws.set_row(row, max(LIST_ROW, *(text_height(t, [w]) for t, w in texts[1:]),
                                text_height(line.name, [name_width])))  # fmt: skip
        row += 1
    ws.set_row(row, GAP)
    row = _note(ws, f, row + 1, book.levels_legend, widths)
    row = _summer(ws, f, book, row, widths)
    repeat = (head, head + 1)
    row, tall = _closing(ws, f, book, row, widths, repeat)
    ws.freeze_panes(head + 2, 2)
    wide = _landscape(book.levels.wide, widths)
    _setup(ws, book, wide, repeat, (row - 1, last), " – Tổng hợp", tall)


def _summer(ws: Worksheet, f: Any, book: ClassBook, row: int, widths: Sequence[float]) -> int:
    """The students of the summer (the year book): proposal, summer's results, final outcome
    (over the levels table's columns: C–F, G–K, L–M); what is still missing."""
    if book.summer:
        row += 1
        section = "3. Học sinh kiểm tra lại, rèn luyện trong kì nghỉ hè, ở lại lớp"
        span(ws, row, 0, len(widths) - 1, section, f["note_bold"])
        row += 1
        parts = ((2, 5), (6, 10), (11, 12))
        heads = ("Đề nghị cuối năm", "Kết quả kiểm tra lại, rèn luyện trong hè", "Xét lên lớp")
        ws.write_string(row, 0, "STT", f["head"])
        ws.write_string(row, 1, "Họ và tên", f["head"])
        for (first, last), label in zip(parts, heads, strict=True):
            span(ws, row, first, last, label, f["head"])
        row += 1
        for line in book.summer:
            ws.write_number(row, 0, line.number, f["number"])
            ws.write_string(row, 1, line.name, f["name"])
            texts = [(line.name, widths[1])]
            for (first, last), text in zip(parts, (line.proposal, line.summer, line.final),
                                           strict=True):  # fmt: skip
                span(ws, row, first, last, text, f["plain"])
                texts.append((text, sum(widths[first : last + 1])))
            _fit(ws, row, texts)
            row += 1
    if book.missing:
        row += 1
        span(ws, row, 0, len(widths) - 1, "Chưa tính được kết quả, còn thiếu:", f["note_bold"])
        row += 1
        for missing in book.missing:
            row = _note(ws, f, row, missing, widths)
    return row


def _closing(
    ws: Worksheet,
    f: Any,
    book: ClassBook,
    row: int,
    widths: Sequence[float],
    repeat: tuple[int, int],
) -> tuple[int, int]:
    """The principal's approvals and the signature blocks, kept on one page; the chain head
    at print time. Returns the next row and the pages to fit the sheet to (1 when the PDF's
    part is one page and the sheet fits on one at 8 pt at least, else 0: as tall as needed)."""
    number = 4 if book.summer else 3
    lines = [(f"{number}. Phê duyệt của Hiệu trưởng", "note_bold")]
    lines += [(line, "note") for line in book.approvals]
    if not book.approved:
        text = f"Kết quả {book.period_name.lower()} của lớp chưa được Hiệu trưởng duyệt."
        lines.append((text, "note_italic"))
    if book.changed:
        text = f"Thay đổi sau khi duyệt (chưa được duyệt lại): {'; '.join(book.changed)}"
        lines.append((text, "note_italic"))
    signers = [(s.heading, s.hint, s.name) for s in book.signers]
    heads = max((len(s.heading) for s in book.signers), default=1)
    text = (
        f"In ngày {book.rendered_on} từ sổ điểm điện tử của nhà trường. "
        f"Mã kiểm tra sổ (chuỗi nhật ký) lúc in: {book.chain_head}"
    )
    # the lines, a gap, the place and date, the headings, the hint, the room to sign, the name
    block = sum(text_height(text, widths) for text, _ in lines) + GAP + ROW_HEIGHT
    block += (heads + 2) * ROW_HEIGHT + (SIGN_SPACE - 1) * SIGN_LINE
    ws.set_row(row, GAP)
    row += 1
    wide = _landscape(book.levels.wide, widths)
    end = block + GAP + text_height(text, widths)  # to the last line
    tall = 1 if book.levels_pages == 1 and _one_page(ws, row, end, widths, wide) else 0
    if not tall:
        row += rows_to_next_page(ws, row, block, landscape=wide, repeat=repeat,
                                 scale=fit_scale(widths, wide))  # fmt: skip
    for note, style in lines:
        row = _note(ws, f, row, note, widths, style)
    ws.set_row(row, GAP)
    row += 1
    span(ws, row, 0, len(widths) - 1, book.place_date, f["place_right"])  # as the PDF's
    left, right = _halves(widths)
    names = write_signers(ws, f, row + 1, signers, [left, right])
    for room in range(names - SIGN_SPACE + 1, names):
        ws.set_row(room, SIGN_LINE)
    ws.set_row(names + 1, GAP)
    return _note(ws, f, names + 2, text, widths, "note_italic"), tall
