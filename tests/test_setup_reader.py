"""The setup workbook: written by xlsxwriter, edited as a clerk would with openpyxl, read back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import soffice_convert
from workbook_engine.io.setup_reader import SetupError, check_setup, load_setup
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import Gender, Setup


def located(report_problems: list) -> list[tuple[str, str, str]]:
    return [(p.code, p.sheet, f"{p.column}{p.row or ''}") for p in report_problems]


def test_written_setup_reads_back_identical(small_setup_file: Path, small_school: Setup) -> None:
    setup, report = check_setup(small_setup_file)
    assert report.valid, [str(p) for p in report]
    assert report.warnings == []
    assert setup == small_school


def test_nine_mistakes_give_nine_located_messages_and_a_shared_pc_a_warning(
    setup_copy: Path, small_school: Setup
) -> None:
    wb = openpyxl.load_workbook(setup_copy)
    students, classes = wb["Học sinh"], wb["Lớp"]
    students["A5"] = students["A4"].value  # 1 duplicate student code
    students["C6"] = "31/02/2012"  # 2 impossible date of birth
    students["D7"] = "Nam giới"  # 3 gender outside the list
    students["E8"] = "6A9"  # 4 class that does not exist
    wb["Phân công"]["A4"] = "GV999"  # 5 unknown teacher in an assignment
    classes["C4"] = None  # 6 class without homeroom teacher
    wb["Môn học"]["D5"] = "35 tiết"  # 7 periods not a positive integer
    wb["Học kì"]["B5"] = date(2026, 1, 10)  # 8 semester 2 starts before semester 1 ends
    teachers = wb["Giáo viên"]
    teachers["E6"] = str(teachers["E4"].value).split(",")[0]  # user name of another teacher: a
    # shared PC, only a warning (the folder a file arrives in says who sent it)
    assignments = wb["Phân công"]
    row = next(r for r in range(5, 200) if assignments[f"B{r}"].value == "6A1")
    assignments[f"C{row}"] = "HOA"  # 9 subject not taught in grade 6
    wb.save(setup_copy)

    setup, report = check_setup(setup_copy)

    assert setup is None
    assert sorted(located(report.errors)) == sorted(
        [
            ("duplicate-key", "Học sinh", "A5"),
            ("value-not-date", "Học sinh", "C6"),
            ("value-not-allowed", "Học sinh", "D7"),
            ("unknown-class", "Học sinh", "E8"),
            ("unknown-teacher", "Phân công", "A4"),
            ("class-without-homeroom", "Lớp", "C4"),
            ("value-not-integer", "Môn học", "D5"),
            ("semesters-overlap", "Học kì", "B5"),
            ("unknown-subject", "Phân công", f"C{row}"),
        ]
    )
    assert located(report.warnings) == [("username-shared", "Giáo viên", "E6")]
    messages = {p.code: str(p) for p in report.errors}
    assert messages["value-not-date"] == (
        "Lỗi [value-not-date] Tệp setup.xlsx, trang «Học sinh», ô C6, cột «Ngày sinh»: "
        "«31/02/2012» không phải ngày hợp lệ. "
        "Cách sửa: Nhập ngày dạng ngày/tháng/năm, ví dụ 05/09/2025."
    )
    assert "dòng 4" in messages["duplicate-key"]
    assert "lớp «6A1» chưa có giáo viên chủ nhiệm" in messages["class-without-homeroom"]
    assert "«HOA» không được khai báo cho khối 6" in messages["unknown-subject"]
    with pytest.raises(SetupError) as raised:
        load_setup(setup_copy)
    assert len(raised.value.report.errors) == 9


def test_clerk_habits_are_accepted(setup_copy: Path, small_school: Setup) -> None:
    """Text dates, numbers typed as text, other case, stray spaces, blank rows, extra columns,
    a row inserted above the header and a sheet renamed in another case still read the same."""
    wb = openpyxl.load_workbook(setup_copy)
    students = wb["Học sinh"]
    first = small_school.students[0]
    students["C4"] = first.birth_date.strftime("%d/%m/%Y")
    students["D4"] = "  " + first.gender.value.lower() + " "
    students["G3"] = "Ghi chú của văn thư"  # an extra column
    students["G4"] = "chuyển đến từ trường khác"
    students.insert_rows(1)  # the header moves from row 3 to row 4
    subjects = wb["Môn học"]
    subjects["D4"] = str(subjects["D4"].value)  # "140" as text
    subjects.insert_rows(8, amount=2)  # two blank rows in the middle of the table
    wb["Lớp"].title = "lớp "
    wb.save(setup_copy)

    setup, report = check_setup(setup_copy)

    assert report.valid, [str(p) for p in report]
    assert setup == small_school


def test_problems_are_reported_at_the_row_the_clerk_sees(setup_copy: Path) -> None:
    wb = openpyxl.load_workbook(setup_copy)
    students = wb["Học sinh"]
    students.insert_rows(1)
    students["D9"] = "X"
    wb.save(setup_copy)
    _, report = check_setup(setup_copy)
    assert located(report.errors) == [("value-not-allowed", "Học sinh", "D9")]


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "code"),
    [
        ("Học sinh", "B4", None, "value-required"),
        ("Học sinh", "A4", "HS 01", "value-bad-format"),
        ("Lớp", "B4", 13, "value-out-of-range"),
        ("Môn học", "E4", "Điểm", "value-not-allowed"),
        ("Môn học", "F4", "Có lẽ", "value-not-allowed"),
        ("Môn học", "D4", 0, "value-out-of-range"),
        ("Học kì", "C4", date(2025, 9, 1), "dates-reversed"),
        ("Lịch", "D4", date(2024, 9, 5), "date-outside-school-year"),
        ("Giáo viên", "C6", "Hiệu phó", "value-not-allowed"),
        ("Miễn giảm", "A4", "HS-KHONG-CO", "unknown-student"),
        ("Thông tin trường", "B8", "2025-2027", "value-bad-format"),
        ("Thông tin trường", "B4", None, "value-required"),
    ],
)
def test_single_mistakes(setup_copy: Path, sheet: str, cell: str, value: object, code: str) -> None:
    wb = openpyxl.load_workbook(setup_copy)
    wb[sheet][cell] = value
    wb.save(setup_copy)
    _, report = check_setup(setup_copy)
    assert [(p.code, p.sheet, f"{p.column}{p.row}") for p in report.errors] == [(code, sheet, cell)]


def test_duplicate_subject_of_a_grade(setup_copy: Path) -> None:
    wb = openpyxl.load_workbook(setup_copy)
    ws = wb["Môn học"]
    ws.append([6, "NV", "Ngữ văn", 140, "Điểm số"])  # grade 6 has NV twice
    wb.save(setup_copy)
    _, report = check_setup(setup_copy)
    assert [(p.code, p.row) for p in report.errors] == [("duplicate-key", ws.max_row)]
    assert "Khối + Mã môn «6 / NV» bị trùng với dòng 4" in report.errors[0].message


def test_missing_sheet_and_column(setup_copy: Path) -> None:
    wb = openpyxl.load_workbook(setup_copy)
    del wb["Miễn giảm"]
    wb["Học sinh"]["D3"] = "Phái"
    wb.save(setup_copy)
    _, report = check_setup(setup_copy)
    assert ("sheet-missing", "Miễn giảm", "") in located(report.errors)
    assert ("column-missing", "Học sinh", "3") in located(report.errors)
    missing = next(p for p in report.errors if p.code == "column-missing")
    assert "thiếu cột «Giới tính»" in missing.message


def test_missing_principal_and_semester(setup_copy: Path) -> None:
    wb = openpyxl.load_workbook(setup_copy)
    wb["Giáo viên"]["C4"] = "Giáo viên"  # the principal's row
    wb["Học kì"].delete_rows(5)
    wb.save(setup_copy)
    _, report = check_setup(setup_copy)
    assert sorted(p.code for p in report.errors) == ["role-missing", "semester-missing"]


@pytest.mark.parametrize(
    ("roles", "codes"),
    [
        ("hiệu trưởng", []),  # regression: other case is accepted everywhere else
        ("Giáo viên, Hiệu trưởng", []),
        ("Phó Hiệu trưởng", ["role-missing"]),  # regression: a vice-principal is not one
    ],
)
def test_the_school_needs_a_principal(setup_copy: Path, roles: str, codes: list[str]) -> None:
    wb = openpyxl.load_workbook(setup_copy)
    wb["Giáo viên"]["C4"] = roles  # the principal's row
    wb.save(setup_copy)
    _, report = check_setup(setup_copy)
    assert [p.code for p in report.errors] == codes


def test_not_an_xlsx_file(tmp_path: Path) -> None:
    bogus = tmp_path / "setup.xlsx"
    bogus.write_bytes(b"PK\x03\x04 half-copied file")
    setup, report = check_setup(bogus)
    assert setup is None
    assert [p.code for p in report.errors] == ["file-unreadable"]
    assert str(report.errors[0]).startswith("Lỗi [file-unreadable] Tệp setup.xlsx: ")


def test_blank_template_reports_missing_data_without_crashing(tmp_path: Path) -> None:
    blank = write_setup(tmp_path / "blank.xlsx")
    setup, report = check_setup(blank)
    assert setup is None
    codes = {p.code for p in report.errors}
    assert codes == {"value-required", "role-missing", "semester-missing"}
    # the school information rows are the required ones that are empty
    assert {p.sheet for p in report.errors if p.code == "value-required"} == {"Thông tin trường"}


def test_student_fields_are_typed(small_setup_file: Path) -> None:
    setup = load_setup(small_setup_file)
    student = setup.students[0]
    assert isinstance(student.birth_date, date)
    assert student.gender in (Gender.MALE, Gender.FEMALE)


@pytest.mark.slow
def test_setup_saved_by_libreoffice_is_still_valid(
    tmp_path: Path, small_setup_file: Path, small_school: Setup
) -> None:
    (converted,) = soffice_convert([small_setup_file], tmp_path / "lo")
    setup, report = check_setup(converted)
    assert report.valid, [str(p) for p in report]
    assert setup == small_school
