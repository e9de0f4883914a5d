"""Feedback to the teacher: the annotated rejected copy (a real issued sheet) and the HTML page."""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.helpers import soffice_convert
from workbook_engine.errors import Problem, make_problem
from workbook_engine.io.feedback import (
    AUTHOR,
    MARKS_SHEET,
    SUMMARY_SHEET,
    FeedbackReport,
    write_rejected_copy,
    write_report_html,
)
from workbook_engine.io.feedback_report import render_report_html
from workbook_engine.io.identity import IDENTITY_SHEET, read_identity, verify_identity
from workbook_engine.io.score_sheet import SCORE_SHEET, score_sheet_name, write_score_sheet
from workbook_engine.model import CellChange, ChangeStatus, Setup

SECRET = bytes(32)
RED = "FFFFC7CE"
AMBER = "FFFFEB9C"


def issue(tmp_path: Path, setup: Setup, subject: str, cells: dict[str, float | str]) -> Path:
    """Issue the 6A1 sheet of ``subject`` and fill ``cells`` as the teacher would."""
    assignment = next(
        a for a in setup.assignments if (a.class_code, a.subject_code) == ("6A1", subject)
    )
    path = tmp_path / "inbox" / score_sheet_name(assignment, 1)
    path.parent.mkdir()
    write_score_sheet(path, setup, assignment, 1, SECRET)
    book = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        book[SCORE_SHEET][ref] = value
    book.save(path)
    return path


@pytest.fixture
def math_sheet(tmp_path: Path, small_school: Setup) -> Path:
    row8 = dict(zip(["D8", "E8", "F8", "G8", "H8", "I8"], [8, 7.5, 9, 6, 7, 8], strict=True))
    return issue(
        tmp_path,
        small_school,
        "TOAN",
        {**row8, "F12": 85, "G10": "tám", "B9": "3125999999", "K11": "x" * 600},
    )


def math_problems(name: str) -> list[Problem]:
    """In the order a validator finds them: a warning first, errors after."""
    s = SCORE_SHEET
    return [
        make_problem(
            "late-entry", file=name, sheet=s, row=8, letter="D", column_title="TX1",
            deadline="15:00 20/09/2025",
        ),
        make_problem(
            "score-out-of-range", file=name, sheet=s, row=12, letter="F", column_title="TX3",
            value="85",
        ),
        make_problem(
            "score-not-a-number", file=name, sheet=s, row=10, letter="G", column_title="TX4",
            value="tám",
        ),
        make_problem(
            "roster-changed", file=name, sheet=s, row=9, letter="B", column_title="Mã học sinh",
            expected="3125000002 Lê Quỳnh Dung", value="3125999999",
        ),
        make_problem("roster-row-added", file=name, sheet=s, row=20, value="3125999998"),
        make_problem("sheet-missing", file=name, sheet="Điểm danh"),
        make_problem("period-locked", file=name, semester=1, start="18/01/2026"),
        make_problem(
            "note-too-long", file=name, sheet=s, row=11, letter="K", column_title="Nhận xét",
            value=600, high=500,
        ),
        make_problem(
            "late-entry", file=name, sheet=s, letter="H", column_title="GK",
            deadline="20/11/2025",
        ),
    ]  # fmt: skip


def filled(ws: Worksheet, rgb: str) -> set[str]:
    return {
        c.coordinate
        for row in ws.iter_rows()
        for c in row
        if c.fill.fill_type == "solid" and c.fill.fgColor.rgb == rgb
    }


def commented(ws: Worksheet) -> dict[str, Any]:
    return {c.coordinate: c.comment for row in ws.iter_rows() for c in row if c.comment}


def vml_shapes(path: Path) -> list[str]:
    """The style (size) of every comment box: openpyxl does not read it back."""
    with zipfile.ZipFile(path) as z:
        vml = [z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".vml")]
    return [style for text in vml for style in re.findall(r'style="([^"]*width:[^"]*)"', text)]


def summary_rows(book: Workbook) -> list[tuple[Any, ...]]:
    ws = book[SUMMARY_SHEET]
    return [r for r in ws.iter_rows(min_row=5, max_col=5, values_only=True) if r[0] is not None]


def template_features(path: Path) -> dict[str, Any]:
    """What makes the score sheet a usable template, beyond its values."""
    book = openpyxl.load_workbook(path)
    ws = book[SCORE_SHEET]
    p = ws.protection
    return {
        "validations": sorted(
            (str(dv.sqref), dv.type, dv.formula1, dv.showErrorMessage, dv.promptTitle)
            for dv in ws.data_validations.dataValidation
        ),
        "highlights": sorted(
            (str(cf.sqref), tuple(tuple(r.formula) for r in cf.rules))
            for cf in ws.conditional_formatting
        ),
        "protection": (p.sheet, p.password, p.formatColumns, p.formatRows, p.insertRows, p.sort),
        "unlocked": {
            c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked
        },
        "frozen": ws.freeze_panes,
        "print": (ws.print_title_rows, ws.print_area, ws.page_setup.orientation),
        "identity state": book[IDENTITY_SHEET].sheet_state,
        "formula J8": ws["J8"].value,
    }


def test_rejected_copy_marks_exactly_the_problem_cells(tmp_path: Path, math_sheet: Path) -> None:
    problems = math_problems(math_sheet.name)
    copy = write_rejected_copy(math_sheet, tmp_path / "outbox" / math_sheet.name, problems)

    book = openpyxl.load_workbook(copy)
    ws = book[SCORE_SHEET]
    assert filled(ws, RED) == {"F12", "G10", "B9", "K11"}
    assert filled(ws, AMBER) == {"D8"}
    assert ws["F12"].font.color.rgb == "FF9C0006"
    assert ws["F12"].value == 85 and ws["B9"].value == "3125999999"  # values untouched
    notes = commented(ws)
    assert set(notes) == {"F12", "G10", "B9", "K11", "D8"}
    by_cell = {(p.column + str(p.row)): p for p in problems if p.column}
    for ref, note in notes.items():
        assert note.author == AUTHOR
        assert by_cell[ref].message in note.text
        assert by_cell[ref].kind.hint in note.text
    shapes = vml_shapes(copy)
    assert len(shapes) == 5 and all("width:360px" in style for style in shapes)
    assert all(int(style.split("height:")[1].split("px")[0]) >= 56 for style in shapes)
    assert notes["F12"].text.startswith("Lỗi: điểm 85 ngoài khoảng 0–10.\nCách sửa: Nhập điểm")
    assert notes["D8"].text.startswith("Cảnh báo: điểm TX1 được gửi sau hạn 15:00 20/09/2025.")


def test_summary_sheet_is_first_active_and_lists_errors_before_warnings(
    tmp_path: Path, math_sheet: Path
) -> None:
    copy = write_rejected_copy(math_sheet, tmp_path / "out.xlsx", math_problems(math_sheet.name))

    book = openpyxl.load_workbook(copy)
    assert book.sheetnames == [SUMMARY_SHEET, SCORE_SHEET, IDENTITY_SHEET, MARKS_SHEET]
    assert book.active is not None and book.active.title == SUMMARY_SHEET
    selected = [ws.title for ws in book.worksheets if ws.sheet_view.tabSelected]
    assert selected == [SUMMARY_SHEET]  # not grouped with the score sheet
    ws = book[SUMMARY_SHEET]
    assert ws["A1"].value == "Tệp 6A1_TOAN_HK1.xlsx bị trả lại: 7 lỗi cần sửa, 2 cảnh báo"
    assert [c.value for c in ws[4]] == ["STT", "Ô", "Cột", "Lỗi", "Cách sửa"]
    rows = summary_rows(book)
    assert [r[0] for r in rows] == list(range(1, 10))
    assert [r[1] for r in rows] == ["F12", "G10", "B9", "dòng 20", None, None, "K11", "D8", None]
    assert rows[0][2:] == (
        "TX3",
        "Điểm 85 ngoài khoảng 0–10",
        "Nhập điểm từ 0 đến 10 (có thể thầy/cô gõ thiếu dấu phẩy, ví dụ 85 thay cho 8,5).",
    )
    assert rows[4][3] == "Thiếu trang tính «Điểm danh»"
    assert rows[5][3] == "Học kì 1 đã khóa sổ từ ngày 18/01/2026: không nhận thay đổi"
    assert rows[8][2:4] == ("GK", "Cảnh báo: Điểm GK được gửi sau hạn 20/11/2025")
    assert ws["B5"].hyperlink is not None and ws["B5"].hyperlink.location == "'Bảng điểm'!F12"


def test_rejected_copy_is_still_a_usable_signed_template(tmp_path: Path, math_sheet: Path) -> None:
    copy = write_rejected_copy(math_sheet, tmp_path / "out.xlsx", math_problems(math_sheet.name))

    before, after = template_features(math_sheet), template_features(copy)
    assert after == before
    assert (
        "D8:I19",
        "custom",
        "AND(ISNUMBER(D8),D8>=0,D8<=10,ROUND(D8,1)=D8)",
        True,
        "Điểm (0–10)",
    ) in after["validations"]
    assert after["protection"][0] and after["unlocked"] >= {"D8", "I19", "K19"}
    assert "B9" not in after["unlocked"]
    assert after["identity state"] == "veryHidden"
    assert verify_identity(read_identity(copy), SECRET)


def test_second_annotation_replaces_the_first(tmp_path: Path, math_sheet: Path) -> None:
    first = write_rejected_copy(math_sheet, tmp_path / "r1.xlsx", math_problems(math_sheet.name))
    fill = openpyxl.load_workbook(math_sheet)[SCORE_SHEET]["F12"].fill
    original_fill = (fill.fill_type, fill.fgColor.rgb)
    # The teacher fixes F12 and B9, breaks H9, and sends the annotated copy back.
    book = openpyxl.load_workbook(first)
    book[SCORE_SHEET]["F12"] = 8.5
    book[SCORE_SHEET]["B9"] = "3125000002"
    book[SCORE_SHEET]["H9"] = -1
    book.save(first)
    again = [
        make_problem(
            "score-not-a-number", sheet=SCORE_SHEET, row=10, letter="G", column_title="TX4",
            value="tám",
        ),
        make_problem(
            "score-out-of-range", sheet=SCORE_SHEET, row=9, letter="H", column_title="GK",
            value="-1",
        ),
    ]  # fmt: skip
    second = write_rejected_copy(first, tmp_path / "r2.xlsx", again)

    book = openpyxl.load_workbook(second)
    assert book.sheetnames == [SUMMARY_SHEET, SCORE_SHEET, IDENTITY_SHEET, MARKS_SHEET]
    ws = book[SCORE_SHEET]
    assert filled(ws, RED) == {"G10", "H9"}
    assert filled(ws, AMBER) == set()
    assert set(commented(ws)) == {"G10", "H9"}
    assert ws["G10"].comment is not None and ws["G10"].comment.text.count("Cách sửa") == 1
    assert (ws["F12"].fill.fill_type, ws["F12"].fill.fgColor.rgb) == original_fill
    assert ws["F12"].font.color is None or ws["F12"].font.color.rgb != "FF9C0006"
    assert ws["F12"].value == 8.5
    assert [r[1] for r in summary_rows(book)] == ["G10", "H9"]
    assert book[SUMMARY_SHEET]["A1"].value == "Tệp r1.xlsx bị trả lại: 2 lỗi cần sửa"
    assert template_features(second) == template_features(math_sheet)
    assert verify_identity(read_identity(second), SECRET)


def test_marks_without_their_record_are_still_cleared(tmp_path: Path, math_sheet: Path) -> None:
    first = write_rejected_copy(math_sheet, tmp_path / "r1.xlsx", math_problems(math_sheet.name))
    book = openpyxl.load_workbook(first)
    book.remove(book[MARKS_SHEET])
    book.save(first)
    again = [make_problem("period-locked", semester=1, start="18/01/2026")]

    book = openpyxl.load_workbook(write_rejected_copy(first, tmp_path / "r2.xlsx", again))

    ws = book[SCORE_SHEET]
    assert commented(ws) == {}
    assert filled(ws, RED) == filled(ws, AMBER) == set()
    assert book.sheetnames == [SUMMARY_SHEET, SCORE_SHEET, IDENTITY_SHEET]


def test_a_mark_over_an_existing_comment_is_undone(tmp_path: Path, small_school: Setup) -> None:
    # Grade 6 PE (commented subject): student 4 (row 11) has a practical exemption, shown as a
    # comment on their name, C11.
    sheet = issue(tmp_path, small_school, "GDTC", {"D9": "Dat", "C11": "Nguyễn Văn Sai"})
    exemption = openpyxl.load_workbook(sheet)[SCORE_SHEET]["C11"].comment
    assert exemption is not None and "Bệnh tim bẩm sinh" in exemption.text
    problems = [
        make_problem("comment-invalid", sheet=SCORE_SHEET, row=9, letter="D", value="Dat"),
        make_problem(
            "roster-changed", sheet=SCORE_SHEET, row=11, letter="C", column_title="Họ và tên",
            expected="3125000004", value="Nguyễn Văn Sai",
        ),
    ]  # fmt: skip
    first = write_rejected_copy(sheet, tmp_path / "r1.xlsx", problems)
    ws = openpyxl.load_workbook(first)[SCORE_SHEET]
    assert ws["C11"].comment is not None and ws["C11"].comment.author == AUTHOR

    second = write_rejected_copy(first, tmp_path / "r2.xlsx", problems[:1])

    ws = openpyxl.load_workbook(second)[SCORE_SHEET]
    assert ws["C11"].comment is not None
    assert ws["C11"].comment.text == exemption.text
    assert ws["C11"].comment.author == exemption.author
    assert filled(ws, RED) == {"D9"}


@pytest.mark.slow
def test_libreoffice_keeps_the_annotations_and_they_can_be_redone(
    tmp_path: Path, math_sheet: Path
) -> None:
    copy = write_rejected_copy(math_sheet, tmp_path / "out.xlsx", math_problems(math_sheet.name))
    (saved,) = soffice_convert([copy], tmp_path / "lo")

    book = openpyxl.load_workbook(saved)
    assert book.sheetnames[0] == SUMMARY_SHEET
    assert str(book[SUMMARY_SHEET]["A1"].value).startswith(
        "Tệp 6A1_TOAN_HK1.xlsx bị trả lại: 7 lỗi"
    )
    assert len(summary_rows(book)) == 9
    assert filled(book[SCORE_SHEET], RED) == {"F12", "G10", "B9", "K11"}
    note = book[SCORE_SHEET]["F12"].comment
    assert note is not None and note.text.startswith("Lỗi: điểm 85")  # author lost: " "
    # The teacher saved with LibreOffice and sends it back with F12 fixed, the rest not.
    problems = [p for p in math_problems(saved.name) if p.column + str(p.row) != "F12"]
    again = write_rejected_copy(saved, tmp_path / "again.xlsx", problems)
    book = openpyxl.load_workbook(again)
    assert book.sheetnames.count(SUMMARY_SHEET) == 1 and book.sheetnames[0] == SUMMARY_SHEET
    assert set(commented(book[SCORE_SHEET])) == {"G10", "B9", "K11", "D8"}
    assert filled(book[SCORE_SHEET], RED) == {"G10", "B9", "K11"}
    assert book[MARKS_SHEET].sheet_state == "veryHidden"
    assert book[IDENTITY_SHEET].sheet_state == "veryHidden"
    assert verify_identity(read_identity(again), SECRET)


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    target = tmp_path / "out" / "broken.xlsx"
    with pytest.raises(Exception):  # noqa: B017 - openpyxl raises zipfile.BadZipFile here
        write_rejected_copy(broken, target, [])
    assert not target.exists()


# --- the HTML page ------------------------------------------------------------------------------


class Page(HTMLParser):
    """Tags, headings and table rows of a rendered page (rows keyed by the table's class)."""

    VOID = frozenset({"meta", "br", "link", "img", "hr", "input"})

    def __init__(self, html: str) -> None:
        super().__init__()
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.text: dict[str, list[str]] = defaultdict(list)
        self.rows: dict[str, list[list[str]]] = defaultdict(list)
        self.table = ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))
        if tag == "table":
            self.table = dict(attrs).get("class") or ""
        if tag == "tr" and "tbody" in self.stack:
            self.rows[self.table].append([])
        if tag == "td" and "tbody" in self.stack:
            self.rows[self.table][-1].append("")
        if tag in ("h1", "h2", "title"):
            self.text[tag].append("")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        for tag in ("h1", "h2", "title"):
            if tag in self.stack:
                self.text[tag][-1] += data
        if "td" in self.stack and "tbody" in self.stack:
            self.rows[self.table][-1][-1] += data


def received(status: str, **fields: Any) -> FeedbackReport:
    return FeedbackReport(
        file_name="6A1_TOAN_HK1.xlsx",
        status=status,
        teacher="Trần Thị Hương (GV006)",
        received_at="04/10/2025 15:20",
        class_code="6A1",
        subject_code="TOAN",
        semester=1,
        **fields,
    )


def test_rejected_page_lists_every_problem_escaped(tmp_path: Path) -> None:
    problems = [
        *math_problems("6A1_TOAN_HK1.xlsx"),
        make_problem(
            "score-not-a-number", sheet=SCORE_SHEET, row=13, letter="E", column_title="TX2",
            value="<script>alert(1)</script>",
        ),
    ]  # fmt: skip
    path = write_report_html(
        tmp_path / "out" / "6A1_TOAN_HK1.html", received("rejected", problems=problems)
    )

    html = path.read_text(encoding="utf-8")
    page = Page(html)
    assert ("html", {"lang": "vi"}) in page.starts
    assert ("meta", {"charset": "utf-8"}) in page.starts
    assert page.text["h1"] == ["Tệp bị trả lại"]
    assert page.text["h2"] == ["Các lỗi cần sửa (10)"]
    rows = page.rows["problems"]
    assert len(rows) == 10
    assert [r[1] for r in rows[:4]] == ["F12", "G10", "B9", "dòng 20"]
    assert rows[0][2:] == [
        "TX3",
        "Lỗi: Điểm 85 ngoài khoảng 0–10",
        "Nhập điểm từ 0 đến 10 (có thể thầy/cô gõ thiếu dấu phẩy, ví dụ 85 thay cho 8,5).",
    ]
    assert rows[-1][2:4] == ["GK", "Cảnh báo: Điểm GK được gửi sau hạn 20/11/2025"]
    assert "script" not in [tag for tag, _ in page.starts]
    assert "«&lt;script&gt;alert(1)&lt;/script&gt;»" in html
    assert "<script" not in html


def test_receipt_groups_changes_by_status_with_counts() -> None:
    changes = [
        CellChange("3125000001", "TX1", None, "8.5"),
        CellChange("3125000002", "TX1", None, "7"),
        CellChange("3125000003", "GK", "6", "6.5", ChangeStatus.PENDING),
        CellChange("3125000001", "TX2", "9", None, ChangeStatus.MERGED),
        CellChange("3125009999", "CK", None, "10", ChangeStatus.UNAUTHORISED),
    ]
    names = {"3125000001": "Huỳnh Như Mai", "3125000002": "Lê Quỳnh Dung"}
    warnings = [p for p in math_problems("x.xlsx") if p.code == "late-entry"]
    page = Page(
        render_report_html(
            received("accepted", changes=changes, student_names=names, problems=warnings)
        )
    )

    assert page.text["h1"] == ["Biên nhận"]
    assert page.text["h2"] == [
        "Đã cập nhật (3)",
        "Chờ duyệt (1)",
        "Không được phép (1)",
        "Lưu ý (2)",
    ]
    merged = page.rows["changes merged"]
    assert merged == [
        ["3125000001", "Huỳnh Như Mai", "TX1", "(trống)", "8,5"],
        ["3125000002", "Lê Quỳnh Dung", "TX1", "(trống)", "7"],
        ["3125000001", "Huỳnh Như Mai", "TX2", "9", "(trống)"],
    ]
    assert page.rows["changes pending"] == [["3125000003", "", "GK", "6", "6,5"]]
    assert len(page.rows["changes unauthorised"]) == 1
    assert [r[3].split(":")[0] for r in page.rows["problems"]] == ["Cảnh báo", "Cảnh báo"]


def test_receipt_without_changes_and_duplicate_page() -> None:
    empty = Page(render_report_html(received("accepted")))
    assert empty.text["h1"] == ["Biên nhận"] and empty.text["h2"] == []
    duplicate = Page(render_report_html(received("duplicate")))
    assert duplicate.text["h1"] == ["Tệp đã nhận"]
    assert not duplicate.rows
    with pytest.raises(ValueError, match="unknown feedback status"):
        render_report_html(received("lost"))
