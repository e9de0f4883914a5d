"""The score sheet as written: columns per Circular 22, checks, protection, exemptions, layout."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from workbook_engine.io.identity import read_identity
from workbook_engine.io.score_sheet import write_score_sheet
from workbook_engine.model import Assignment, Exemption, ExemptionScope, Setup, Subject
from workbook_engine.rules import AssessmentMode

SECRET = b"s" * 32


def with_math(setup: Setup, periods: int, mode: AssessmentMode, topic: bool = False) -> Setup:
    """The school with grade 6 Toán redefined."""
    math = Subject(6, "TOAN", "Toán", periods, mode, topic)
    others = tuple(s for s in setup.subjects if (s.grade, s.code) != (6, "TOAN"))
    return replace(setup, subjects=(*others, math))


def math_6a1(setup: Setup) -> Assignment:
    return next(a for a in setup.assignments if (a.class_code, a.subject_code) == ("6A1", "TOAN"))


def issue(tmp_path: Path, setup: Setup) -> Worksheet:
    path = tmp_path / "6A1_TOAN_HK1.xlsx"
    write_score_sheet(path, setup, math_6a1(setup), 1, SECRET)
    return openpyxl.load_workbook(path)["Bảng điểm"]


def headings(ws: Worksheet) -> list[object]:
    return [c.value for c in ws[7]]


ROSTER = ["STT", "Mã học sinh", "Họ và tên"]


@pytest.mark.parametrize(
    ("periods", "tx"), [(35, 2), (52, 3), (70, 3), (105, 4), (140, 4)], ids=str
)
def test_scored_subject_has_circular_22_tx_columns(
    tmp_path: Path, small_school: Setup, periods: int, tx: int
) -> None:
    ws = issue(tmp_path, with_math(small_school, periods, AssessmentMode.SCORE))
    tx_titles = [f"TX{i}" for i in range(1, tx + 1)]
    assert headings(ws) == [*ROSTER, *tx_titles, "GK", "CK", "ĐTBmhk", "Nhận xét"]


def test_study_topic_adds_one_tx(tmp_path: Path, small_school: Setup) -> None:
    ws = issue(tmp_path, with_math(small_school, 70, AssessmentMode.SCORE, topic=True))
    assert headings(ws)[3:9] == ["TX1", "TX2", "TX3", "TX4", "GK", "CK"]


@pytest.mark.parametrize("periods", [35, 140])
def test_commented_subject_always_has_two_tx(
    tmp_path: Path, small_school: Setup, periods: int
) -> None:
    ws = issue(tmp_path, with_math(small_school, periods, AssessmentMode.COMMENT))
    assert headings(ws) == [*ROSTER, "TX1", "TX2", "GK", "CK", "Kết quả", "Nhận xét"]


def test_header_block_and_roster(tmp_path: Path, small_school: Setup) -> None:
    ws = issue(tmp_path, small_school)
    teacher = small_school.teacher_by_code(math_6a1(small_school).teacher_code)
    assert ws["A1"].value == "BẢNG ĐIỂM MÔN TOÁN — LỚP 6A1"
    assert ws["A2"].value == "Trường: Trường THCS Nguyễn Du (trường mẫu)"
    assert ws["D2"].value == "Năm học: 2025-2026"
    assert ws["A3"].value == "Lớp: 6A1 (khối 6)"
    assert ws["D3"].value == "Học kì I"
    assert ws["A4"].value == "Môn học: Toán"
    assert ws["D4"].value == f"Giáo viên: {teacher.full_name} ({teacher.code})"
    assert ws["A5"].value == "Số tiết/năm: 140"
    assert ws["D5"].value == "Hình thức đánh giá: điểm số (4 cột TX, GK, CK)"

    students = small_school.students_of("6A1")
    rows = [tuple(c.value for c in row[:3]) for row in ws.iter_rows(min_row=8)]
    assert rows == [(i, s.code, s.full_name) for i, s in enumerate(students, start=1)]


def test_score_cells_validated_and_highlighted(tmp_path: Path, small_school: Setup) -> None:
    ws = issue(tmp_path, with_math(small_school, 52, AssessmentMode.SCORE))
    last = 7 + len(small_school.students_of("6A1"))
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    score = rules[f"D8:H{last}"]
    assert score.type == "custom"
    assert score.formula1 == "AND(ISNUMBER(D8),D8>=0,D8<=10,ROUND(D8,1)=D8)"
    assert score.showInputMessage and score.prompt.startswith("Nhập điểm từ 0 đến 10")
    assert score.showErrorMessage and score.errorTitle == "Giá trị không hợp lệ"
    note = rules[f"J8:J{last}"]
    assert (note.type, note.operator, note.formula1) == ("textLength", "lessThanOrEqual", "500")

    formats = {str(r.sqref): [rule.type for rule in r.rules] for r in ws.conditional_formatting}
    assert formats == {f"D8:H{last}": ["expression", "containsBlanks"]}


def test_commented_cells_have_a_d_cd_dropdown(tmp_path: Path, small_school: Setup) -> None:
    ws = issue(tmp_path, with_math(small_school, 70, AssessmentMode.COMMENT))
    last = 7 + len(small_school.students_of("6A1"))
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert rules[f"D8:G{last}"].type == "list"
    assert rules[f"D8:G{last}"].formula1 == '"Đ,CĐ"'


def test_only_score_and_comment_cells_are_unlocked(tmp_path: Path, small_school: Setup) -> None:
    ws = issue(tmp_path, small_school)  # Toán 140 periods: D..I scores, J average, K comment
    assert ws.protection.sheet is True
    assert ws.protection.password  # set: only the administrator can lift it
    assert ws.protection.sort is True  # sorting would scramble the roster
    last = 7 + len(small_school.students_of("6A1"))
    for row in (8, last):
        unlocked = [c.coordinate[0] for c in ws[row] if not c.protection.locked]
        assert unlocked == ["D", "E", "F", "G", "H", "I", "K"]
    assert all(ws[ref].protection.locked for ref in ("A1", "A2", "D2", "D7", "J7", "K7"))


def test_average_formula_text(tmp_path: Path, small_school: Setup) -> None:
    ws = issue(tmp_path, with_math(small_school, 52, AssessmentMode.SCORE))
    # 3 TX: N = 10·ΣTX + 20·GK + 30·CK tenths; round half up of N/8 = INT((2N + 8)/16)
    assert ws["I8"].value == (
        '=IF(COUNT(D8:H8)<5,"",INT((2*ROUND(10*SUM(D8:F8)+20*G8+30*H8,0)+8)/16)/10)'
    )
    assert ws["I9"].value == (
        '=IF(COUNT(D9:H9)<5,"",INT((2*ROUND(10*SUM(D9:F9)+20*G9+30*H9,0)+8)/16)/10)'
    )
    ws = issue(tmp_path, with_math(small_school, 35, AssessmentMode.SCORE))
    assert ws["H8"].value == (
        '=IF(COUNT(D8:G8)<4,"",INT((2*ROUND(10*SUM(D8:E8)+20*F8+30*G8,0)+7)/14)/10)'
    )


def test_comment_result_formula_text(tmp_path: Path, small_school: Setup) -> None:
    ws = issue(tmp_path, with_math(small_school, 70, AssessmentMode.COMMENT))
    assert ws["H8"].value == '=IF(COUNTA(D8:G8)<4,"",IF(COUNTIF(D8:G8,"Đ")=4,"Đ","CĐ"))'


def test_exempt_students_are_shown_with_blocked_cells(tmp_path: Path, small_school: Setup) -> None:
    students = small_school.students_of("6A1")
    whole, practical = students[1], students[2]
    setup = replace(
        small_school,
        exemptions=(
            Exemption(whole.code, "TOAN", ExemptionScope.WHOLE, "Kế hoạch giáo dục cá nhân"),
            Exemption(practical.code, "TOAN", ExemptionScope.PRACTICAL, "Gãy tay"),
            Exemption(students[3].code, "NV", ExemptionScope.WHOLE, "môn khác"),
        ),
    )
    ws = issue(tmp_path, setup)
    last = 7 + len(students)

    assert ws["C9"].value == whole.full_name  # shown in the roster
    assert [c.protection.locked for c in ws[9][3:11]] == [True] * 8
    assert ws["D9"].fill.fgColor.rgb == "FFBFBFBF"
    assert ws["J9"].value == "Miễn"
    assert ws["K9"].value == "Miễn môn học: Kế hoạch giáo dục cá nhân"
    assert ws["C9"].comment is not None
    assert "Miễn môn học" in ws["C9"].comment.text

    assert not ws["D10"].protection.locked  # practical part only: normal cells and a note
    assert ws["C10"].comment is not None
    assert ws["C10"].comment.text.startswith("Miễn phần thực hành (đánh giá phần lí thuyết): Gãy")
    assert not ws["D11"].protection.locked  # exempt from another subject only
    assert ws["C11"].comment is None

    identity = read_identity(tmp_path / "6A1_TOAN_HK1.xlsx")
    assert identity.exempt == (whole.code,)
    assert identity.inputs == ("D8:K8", f"D10:K{last}")
    formats = {str(r.sqref) for r in ws.conditional_formatting}
    assert formats == {"D8:I8", f"D10:I{last}"}


def test_panes_and_print_setup(tmp_path: Path, small_school: Setup) -> None:
    ws = issue(tmp_path, small_school)
    assert ws.freeze_panes == "D8"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4
    assert ws.page_setup.fitToWidth is None  # absent means 1 (the OOXML default): one page wide
    assert ws.page_setup.fitToHeight == 0  # as many pages tall as needed
    setup_pr = ws.sheet_properties.pageSetUpPr
    assert setup_pr is not None and setup_pr.fitToPage is True
    assert ws.print_title_rows == "$1:$7"
