"""The học bạ (:mod:`~workbook_engine.render.books.hocba`) as print-ready Excel: one workbook per
class, one sheet per student (named by the student code), laid out as the PDF record.

Each sheet: the national heading and the title; the identity block; the subjects (HKI, HKII and
CN averages or Đ/CĐ, the re-exam, the subject teachers' comments and names; «Miễn» for an
exempt subject); the learning and conduct levels with the absences of each semester, the year
and the summer; the year's proposal, the summer's results, the final outcome and the award; the
homeroom teacher's comments; the principal's approvals and the signature blocks, kept on one
page. Scores are numbers shown with one decimal, a value not computed a blank cell or «chưa có»
as in the PDF. A4 portrait, one page wide, the student's name and code repeated atop every page,
the running head in the header, the chain head and «Trang x/y» in the footer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
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
    write_count,
    write_signers,
    write_value,
)
from workbook_engine.render.books.hocba import NOT_YET, StudentRecord, SubjectLine

# TT, Môn học, HKI, HKII, CN, Kiểm tra lại, then the comments (G:H; levels: P in G, K in H)
WIDTHS = (4.5, 20.0, 6.5, 6.5, 6.5, 10.0, 12.0, 30.0)
LAST = len(WIDTHS) - 1
REMARKS = (6, LAST)
IDENTITY = 6  # the row naming the student, repeated atop every page
REMARK_SIZE = 9


def write_hocba_xlsx(path: Path, records: Sequence[StudentRecord], title: str) -> Path:
    """Write ``records`` (a class's, in roster order) as one workbook titled ``title``, a sheet
    per student, that prints as the PDF does (atomically)."""
    chain = records[0].chain_head if records else ""
    with workbook(path, title, chain) as wb:
        f = styles(wb) | _rich(wb)
        taken: set[str] = set()
        for record in records:
            _record(wb.add_worksheet(sheet_name(record.student_code, taken)), f, record)
    return Path(path)


def _rich(wb: Workbook) -> dict[str, Any]:
    """The fragments of a comment cell: a label, the text, the teacher's name."""
    add = wb.add_format
    return {
        "r_label": add({"bold": True, "font_size": REMARK_SIZE}),
        "r_text": add({"font_size": REMARK_SIZE}),
        "r_teacher": add({"italic": True, "font_size": REMARK_SIZE}),
    }


def _record(ws: Worksheet, f: Any, r: StudentRecord) -> None:
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    row = _top(ws, f, r)
    row = _subjects(ws, f, r, row + 1)
    row = _levels(ws, f, r, row + 1)
    row = _outcome(ws, f, r, row + 1)
    row = _homeroom(ws, f, r, row + 1)
    row = _signing(ws, f, r, row + 1)
    record_end(ws, f, row + 1, WIDTHS, r.rendered_on, r.chain_head, r.running_head,
               r.chain_text, IDENTITY)  # fmt: skip


def _top(ws: Worksheet, f: Any, r: StudentRecord) -> int:
    """The national heading, the title, the identity block; returns the next row."""
    national_heading(ws, f, r.authority, r.school, WIDTHS, 5)
    ws.set_row(3, 24)
    span(ws, 3, 0, LAST, "HỌC BẠ", f["big"])
    span(ws, 4, 0, LAST, f"Trung học cơ sở – Năm học {r.school_year}", f["subtitle"])
    pairs = [
        ("Họ và tên học sinh:", r.student_name or DOTS, "Mã học sinh:", r.student_code),
        ("Ngày sinh:", r.birth_date or "……/……/…………", "Giới tính:", r.gender or "……"),
        ("Giáo viên chủ nhiệm:", r.homeroom_teacher or DOTS,
         "Lớp:", f"{r.class_code} (khối {r.grade})"),
    ]  # fmt: skip
    for row, (label, value, label2, value2) in enumerate(pairs, start=IDENTITY):
        span(ws, row, 0, 1, label, f["label"])
        span(ws, row, 2, 5, value, f["value"])
        ws.write_string(row, 6, label2, f["label"])
        ws.write_string(row, 7, value2, f["value"])
        ws.set_row(row, ROW_HEIGHT)
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


def _subjects(ws: Worksheet, f: Any, r: StudentRecord, row: int) -> int:
    row = _section(ws, f, row, "1. Kết quả học tập các môn học")
    for col, label in ((0, "TT"), (1, "Môn học"), (5, "Kiểm tra lại (nếu có)")):
        ws.merge_range(row, col, row + 1, col, label, f["head"])
    ws.merge_range(row, 2, row, 4, "Điểm trung bình môn hoặc mức đánh giá", f["head"])
    remarks = "Nhận xét của giáo viên môn học"
    ws.merge_range(row, REMARKS[0], row + 1, REMARKS[1], remarks, f["head"])
    for col, label in ((2, "HKI"), (3, "HKII"), (4, "CN")):
        ws.write_string(row + 1, col, label, f["head"])
    ws.set_row(row, 2 * ROW_HEIGHT)
    row += 2
    for line in r.subjects:
        _subject(ws, f, row, line)
        row += 1
    span(ws, row, 0, LAST, "Ô điểm để trống: chưa có kết quả.", f["note_italic"])
    return row + 1


def _remark_parts(line: SubjectLine) -> list[tuple[str, str]]:
    """(fragment, format) of the comment cell: each comment (labelled when there are two), the
    teacher's name on the last line."""
    parts: list[tuple[str, str]] = []
    for remark in line.remarks:
        if parts:
            parts.append(("\n", "r_text"))
        if len(line.remarks) > 1:
            parts.append((f"{remark.label}: ", "r_label"))
        parts.append((remark.text, "r_text"))
    if line.teacher:
        parts.append((("\n" if parts else "") + line.teacher, "r_teacher"))
    return parts


def _subject(ws: Worksheet, f: Any, row: int, line: SubjectLine) -> None:
    ws.write_number(row, 0, line.number, f["number"])
    ws.write_string(row, 1, line.name, f["plain"])
    if line.exempt:
        ws.merge_range(row, 2, row, 4, line.hk1, f["exempt"])
        ws.write_blank(row, 5, None, f["exempt"])
        ws.merge_range(row, REMARKS[0], row, REMARKS[1], "Được miễn học cả môn", f["remark"])
        ws.set_row(row, ROW_HEIGHT)
        return
    for col, text in ((2, line.hk1), (3, line.hk2), (4, line.year), (5, line.re_exam)):
        other = f["missing"] if text == NOT_YET else f["text"]
        write_value(ws, row, col, text, f["score"], other)
    parts = _remark_parts(line)
    first, last = REMARKS
    ws.merge_range(row, first, row, last, "", f["remark"])
    if len(parts) > 1:
        fragments = [item for text, style in parts for item in (f[style], text)]
        ws.write_rich_string(row, first, *fragments, f["remark"])
    elif parts:
        ws.write_string(row, first, parts[0][0], f["remark"])
    text = "".join(text for text, _ in parts)
    height = text_height(text, WIDTHS[first : last + 1], REMARK_SIZE)
    ws.set_row(row, max(height, text_height(line.name, WIDTHS[1:2])))


def _levels(ws: Worksheet, f: Any, r: StudentRecord, row: int) -> int:
    row = _section(ws, f, row, "2. Kết quả học tập, rèn luyện và số buổi nghỉ học")
    heads = (((0, 1), ""), ((2, 3), "Kết quả học tập"), ((4, 5), "Kết quả rèn luyện"),
             ((6, 6), "Nghỉ có phép (P)"), ((7, 7), "Nghỉ không phép (K)"))  # fmt: skip
    for (first, last), label in heads:
        span(ws, row, first, last, label, f["head"])
    ws.set_row(row, 2 * ROW_HEIGHT)
    row += 1
    for line in r.levels:
        span(ws, row, 0, 1, line.period, f["plain"])
        for (first, last), text in (((2, 3), line.learning), ((4, 5), line.conduct)):
            style = f["missing"] if text == NOT_YET else f["text"]
            span(ws, row, first, last, text, style)
        write_count(ws, row, 6, line.excused, f["number"])
        write_count(ws, row, 7, line.unexcused, f["number"])
        ws.set_row(row, ROW_HEIGHT)
        row += 1
    return row


def _outcome(ws: Worksheet, f: Any, r: StudentRecord, row: int) -> int:
    row = _section(ws, f, row, "3. Kết quả cuối năm")
    for fact in r.outcome:
        span(ws, row, 0, 1, fact.label, f["plain"])
        missing = fact.value.startswith(NOT_YET)
        style = "missing_left" if missing else "strong" if fact.strong else "plain"
        span(ws, row, 2, LAST, fact.value, f[style])
        fit_row(ws, row, fact.value, WIDTHS[2:])
        row += 1
    notes = [f"Chưa tính được kết quả, còn thiếu: {r.missing}"] if r.missing else []
    for text in [*notes, *r.notes]:
        span(ws, row, 0, LAST, text, f["note_italic"])
        fit_row(ws, row, text, WIDTHS)
        row += 1
    return row


def _homeroom(ws: Worksheet, f: Any, r: StudentRecord, row: int) -> int:
    row = _section(ws, f, row, "4. Nhận xét của giáo viên chủ nhiệm")
    many = len(r.homeroom_remarks) > 1
    lines = [f"{m.label}: {m.text}" if many else m.text for m in r.homeroom_remarks]
    text = "\n".join(lines) or NOT_YET
    ws.merge_range(row, 0, row, LAST, text, f["box"] if lines else f["box_italic"])
    ws.set_row(row, max(2 * ROW_HEIGHT, text_height(text, WIDTHS)))
    return row + 1


def _signing(ws: Worksheet, f: Any, r: StudentRecord, row: int) -> int:
    """The principal's approvals and the signature blocks, kept on one page; the row after."""
    lines = [(line, "note") for line in r.approvals]
    if not r.approved:
        lines.append(("Kết quả năm học chưa được Hiệu trưởng duyệt.", "note_italic"))
    if r.changed:
        text = f"Thay đổi sau khi duyệt (chưa được duyệt lại): {'; '.join(r.changed)}"
        lines.append((text, "note_italic"))
    signers = [(s.heading, s.hint, s.name) for s in r.signers]
    block = ROW_HEIGHT + 3 + sum(text_height(text, WIDTHS) for text, _ in lines)
    block += ROW_HEIGHT + signers_height(signers)
    row += rows_to_next_page(ws, row, block, landscape=False, repeat=(IDENTITY, IDENTITY))
    row = _section(ws, f, row, "5. Phê duyệt của Hiệu trưởng")
    for text, style in lines:
        span(ws, row, 0, LAST, text, f[style])
        fit_row(ws, row, text, WIDTHS)
        row += 1
    span(ws, row, 4, LAST, r.place_date, f["place"])
    return write_signers(ws, f, row + 1, signers, [(0, 3), (4, LAST)]) + 1
