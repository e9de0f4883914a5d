"""The primary Học bạ (:mod:`~workbook_engine.render.books.primary_hocba`) as print-ready Excel:
one workbook per class, one sheet per pupil (named by the pupil's code), with the PDF record's
facts in the PDF's order.

Each sheet: the national heading and the title; the identity block; per subject the year-end
level, the end-of-year test score (an integer as a number; a re-test written out as in the PDF;
a blank cell where no test exists; «Miễn» for an exempt subject) and the teacher's comment; the
qualities and competences with the homeroom teacher's comments; the overall result, the award,
the completion, the reasons the result is not higher, what is missing; the signature blocks, kept
on one page; the chain head it was printed from. A value not in yet is «chưa có», as in the PDF.
No average, no ranking. A4 portrait, one page wide, the pupil's name and code repeated atop every
page, the running head in the header, the chain head and «Trang x/y» in the footer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.worksheet import Worksheet

from workbook_engine.render.books.excel import (
    DOTS,
    ROW_HEIGHT,
    fit_row,
    national_heading,
    record_end,
    rows_to_next_page,
    sheet_name,
    signers_height,
    span,
    styles,
    text_height,
    workbook,
    write_signers,
)
from workbook_engine.render.books.hocba import NOT_YET
from workbook_engine.render.books.primary_hocba import PupilRecord, SubjectLine

# TT, Môn học, Mức đạt được, Điểm KT cuối năm, Nhận xét
WIDTHS = (4.5, 24.0, 19.0, 13.0, 31.0)
LAST = len(WIDTHS) - 1
IDENTITY = 6  # the row naming the pupil, repeated atop every page
SIGN_SPANS = [(0, 2), (3, LAST)]
SCORE_HINT = (
    "Điểm kiểm tra định kì chỉ có ở các môn có bài kiểm tra cuối năm; khi học sinh được kiểm "
    "tra lại, điểm ghi vào học bạ là điểm bài kiểm tra lại."
)


def write_primary_hocba_xlsx(path: Path, records: Sequence[PupilRecord], title: str) -> Path:
    """Write ``records`` (a class's, in roster order) as one workbook titled ``title``, a sheet
    per pupil, that prints as the PDF does (atomically)."""
    chain = records[0].chain_head if records else ""
    with workbook(path, title, chain) as wb:
        f = styles(wb)
        taken: set[str] = set()
        for record in records:
            _record(wb.add_worksheet(sheet_name(record.pupil_code, taken)), f, record)
    return Path(path)


def _record(ws: Worksheet, f: Any, r: PupilRecord) -> None:
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    row = _top(ws, f, r)
    row = _subjects(ws, f, r, row + 1)
    row = _traits(ws, f, r, row + 1)
    row = _outcome(ws, f, r, row + 1)
    row = _signing(ws, f, r, row + 1)
    record_end(ws, f, row + 1, WIDTHS, r.rendered_on, r.chain_head, r.running_head,
               r.chain_text, IDENTITY)  # fmt: skip


def _top(ws: Worksheet, f: Any, r: PupilRecord) -> int:
    """The national heading, the title, the identity block; returns the next row."""
    national_heading(ws, f, r.authority, r.school, WIDTHS, 3)
    ws.set_row(3, 24)
    span(ws, 3, 0, LAST, "HỌC BẠ", f["big"])
    span(ws, 4, 0, LAST, f"Tiểu học – Lớp {r.grade} – Năm học {r.school_year}", f["subtitle"])
    pairs = [
        ("Họ và tên học sinh:", r.pupil_name or DOTS, "Mã học sinh:", r.pupil_code),
        ("Ngày sinh:", r.birth_date or "……/……/…………", "Giới tính:", r.gender or "……"),
        # the long label on the left, where it fits (as the lower secondary học bạ's)
        ("Giáo viên chủ nhiệm:", r.homeroom_teacher or DOTS,
         "Lớp:", f"{r.class_code} (lớp {r.grade})"),
    ]  # fmt: skip
    for row, (label, value, label2, value2) in enumerate(pairs, start=IDENTITY):
        span(ws, row, 0, 1, label, f["label"])
        ws.write_string(row, 2, value, f["value"])
        ws.write_string(row, 3, label2, f["label"])
        ws.write_string(row, 4, value2, f["value"])
        ws.set_row(row, max(ROW_HEIGHT, text_height(value, WIDTHS[2:3])))
    school = f"{r.school}, {r.province}" if r.province else r.school
    row = IDENTITY + len(pairs)
    span(ws, row, 0, 1, "Trường:", f["label"])
    span(ws, row, 2, LAST, school, f["value"])
    fit_row(ws, row, school, WIDTHS[2:])
    return row + 1


def _section(ws: Worksheet, f: Any, row: int, text: str) -> int:
    span(ws, row, 0, LAST, text, f["section"])
    ws.set_row(row, ROW_HEIGHT + 3)
    return row + 1


def _subjects(ws: Worksheet, f: Any, r: PupilRecord, row: int) -> int:
    row = _section(ws, f, row, "1. Các môn học và hoạt động giáo dục (cuối năm học)")
    heads = ("TT", "Môn học và hoạt động giáo dục", "Mức đạt được",
             "Điểm kiểm tra định kì cuối năm", "Nhận xét")  # fmt: skip
    for col, label in enumerate(heads):
        ws.write_string(row, col, label, f["head"])
    ws.set_row(row, 2 * ROW_HEIGHT + 3)
    row += 1
    for line in r.subjects:
        _subject(ws, f, row, line)
        row += 1
    span(ws, row, 0, LAST, SCORE_HINT, f["note_italic"])
    fit_row(ws, row, SCORE_HINT, WIDTHS)
    return row + 1


def _subject(ws: Worksheet, f: Any, row: int, line: SubjectLine) -> None:
    ws.write_number(row, 0, line.number, f["number"])
    ws.write_string(row, 1, line.name, f["plain"])
    if line.exempt:
        ws.merge_range(row, 2, row, 3, line.level, f["exempt"])
        ws.write_string(row, 4, "Được miễn học cả môn", f["remark"])
        ws.set_row(row, ROW_HEIGHT)
        return
    for col, text in ((2, line.level), (3, line.score)):
        # wrapped in the row's height: «8 (kiểm tra lại; lần đầu 3)» is wider than its column
        style = f["missing"] if text == NOT_YET else f["text_wrapped"]
        if col == 3 and text.isdigit():  # an integer score is a number
            ws.write_number(row, col, int(text), f["text"])
        elif text:
            ws.write_string(row, col, text, style)
        else:
            ws.write_blank(row, col, None, style)
    if line.comment:
        ws.write_string(row, 4, line.comment, f["remark"])
    else:
        ws.write_blank(row, 4, None, f["remark"])
    cells = ((line.name, 1), (line.level, 2), (line.score, 3))
    height = max(text_height(text, WIDTHS[col : col + 1]) for text, col in cells)
    ws.set_row(row, max(height, text_height(line.comment, WIDTHS[4:], 9)))


def _traits(ws: Worksheet, f: Any, r: PupilRecord, row: int) -> int:
    """The competences and qualities, each group's name once beside its rows; the homeroom
    teacher's comments under them."""
    row = _section(ws, f, row, "2. Năng lực, phẩm chất (cuối năm học)")
    span(ws, row, 0, 1, "", f["head"])
    span(ws, row, 2, 3, "Năng lực, phẩm chất", f["head"])
    ws.write_string(row, 4, "Mức đạt được", f["head"])
    ws.set_row(row, ROW_HEIGHT + 3)
    row += 1
    start = row
    for i, t in enumerate(r.traits):
        last_of_group = i + 1 == len(r.traits) or r.traits[i + 1].group != t.group
        if last_of_group:
            if row > start:
                ws.merge_range(start, 0, row, 1, t.group, f["plain"])
            else:
                span(ws, row, 0, 1, t.group, f["plain"])
        span(ws, row, 2, 3, t.name, f["plain"])
        ws.write_string(row, 4, t.level, f["missing"] if t.level == NOT_YET else f["text"])
        ws.set_row(row, ROW_HEIGHT)
        row += 1
        if last_of_group:
            start = row
    for label, text in (("Nhận xét về năng lực", r.competence_comment),
                        ("Nhận xét về phẩm chất", r.quality_comment)):  # fmt: skip
        body = f"{label}: {text or NOT_YET}"
        ws.merge_range(row, 0, row, LAST, body, f["box"] if text else f["box_italic"])
        ws.set_row(row, max(ROW_HEIGHT, text_height(body, WIDTHS)))
        row += 1
    return row


def _outcome(ws: Worksheet, f: Any, r: PupilRecord, row: int) -> int:
    row = _section(ws, f, row, "3. Đánh giá kết quả giáo dục cuối năm học")
    for fact in r.outcome:
        span(ws, row, 0, 1, fact.label, f["plain"])
        missing = fact.value.startswith(NOT_YET)
        style = "missing_left" if missing else "strong" if fact.strong else "plain"
        span(ws, row, 2, LAST, fact.value, f[style])
        ws.set_row(row, max(text_height(fact.value, WIDTHS[2:]),
                            text_height(fact.label, WIDTHS[:2])))  # fmt: skip
        row += 1
    lines = [("Vì sao chưa đạt mức cao hơn:", "note_italic")] if r.reasons else []
    lines += [(f"– {reason}", "note") for reason in r.reasons]
    if r.missing:
        lines.append((f"Chưa tính được kết quả, còn thiếu: {r.missing}", "note_italic"))
    lines += [(note, "note_italic") for note in r.notes]
    for text, style in lines:
        span(ws, row, 0, LAST, text, f[style])
        fit_row(ws, row, text, WIDTHS)
        row += 1
    return row


def _signing(ws: Worksheet, f: Any, r: PupilRecord, row: int) -> int:
    """The place and date and the signature blocks, kept on one page; the row after."""
    signers = [(s.heading, s.hint, s.name) for s in r.signers]
    block = ROW_HEIGHT + signers_height(signers)
    row += rows_to_next_page(ws, row, block, landscape=False, repeat=(IDENTITY, IDENTITY))
    span(ws, row, SIGN_SPANS[1][0], LAST, r.place_date, f["place"])
    return write_signers(ws, f, row + 1, signers, SIGN_SPANS) + 1
