"""Issuing sheets into the shared folder: who gets what, and re-issuing without losing work."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.protection import hash_password
from typer.main import get_command
from typer.testing import CliRunner

from workbook_engine.cli_templates import templates_app
from workbook_engine.io.identity import read_identity, verify_identity
from workbook_engine.model import Gender, Role, Setup, Student
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.issue import IssueError, Status, issue_templates
from workbook_engine.pipeline.pins import set_pin
from workbook_engine.share import SHEETS, ShareLayout, folder_name

SECRET = b"i" * 32
runner = CliRunner()


def homeroom_of_6a1(setup: Setup) -> str:
    return setup.class_by_code("6A1").homeroom_teacher


def math_teacher(setup: Setup) -> str:
    return next(a.teacher_code for a in setup.assignments if a.subject_code == "TOAN")


def where(setup: Setup, teacher: str) -> str:
    """How an issued file's folder is named to the clerk: ``<code> - <name>/Sổ điểm``."""
    return f"{folder_name(setup.teacher_by_code(teacher))}/{SHEETS}"


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_homeroom_teacher_gets_scores_attendance_conduct_and_form(
    tmp_path: Path, small_school: Setup
) -> None:
    teacher = homeroom_of_6a1(small_school)
    share = tmp_path / "share"
    result = issue_templates(small_school, share, SECRET, 1, teacher)

    assert [p.name for p in share.iterdir()] == [where(small_school, teacher).split("/")[0]]
    own = small_school.assignments_of(teacher)
    assert own  # the demo picks homeroom teachers among subject teachers
    expected = {f"{a.class_code}_{a.subject_code}_HK1.xlsx" for a in own} | {
        "6A1_DiemDanh_2025-09_HK1.xlsx",
        "6A1_DiemDanh_2025-10_HK1.xlsx",
        "6A1_DiemDanh_2025-11_HK1.xlsx",
        "6A1_DiemDanh_2025-12_HK1.xlsx",
        "6A1_DiemDanh_2026-01_HK1.xlsx",
        "6A1_RenLuyen_HK1.xlsx",
        "PhieuDeNghiSuaDiem_HK1.xlsx",
    }
    assert files_in(ShareLayout(share, small_school).sheets(teacher)) == expected
    assert len(result.written) == len(expected) and result.skipped == []
    assert {f.status for f in result.files} == {Status.CREATED}
    created = f"Đã tạo {where(small_school, teacher)}/6A1_RenLuyen_HK1.xlsx."
    assert created in [f.message for f in result.files]
    assert result.summary() == f"Đã ghi {len(expected)} tệp, bỏ qua 0 tệp."
    for path in ShareLayout(share, small_school).sheets(teacher).iterdir():
        identity = read_identity(path)
        assert identity.teacher_code == teacher
        assert verify_identity(identity, SECRET)


def test_subject_teacher_gets_only_their_assignments(tmp_path: Path, small_school: Setup) -> None:
    homeroom = {c.homeroom_teacher for c in small_school.classes}
    teacher = next(
        t.code for t in small_school.teachers if Role.TEACHER in t.roles and t.code not in homeroom
    )
    issue_templates(small_school, tmp_path, SECRET, 2, teacher)
    expected = {
        f"{a.class_code}_{a.subject_code}_HK2.xlsx" for a in small_school.assignments_of(teacher)
    }
    assert files_in(ShareLayout(tmp_path, small_school).sheets(teacher)) == expected | {
        "PhieuDeNghiSuaDiem_HK2.xlsx"
    }


def test_whole_school_and_progress(tmp_path: Path, small_school: Setup) -> None:
    calls: list[tuple[int, int]] = []
    result = issue_templates(
        small_school, tmp_path, SECRET, 1, progress=lambda d, t: calls.append((d, t))
    )
    # 4 classes × 12 subjects, 4 × (5 months + conduct), one form per subject teacher
    teachers = {a.teacher_code for a in small_school.assignments}
    assert len(result.files) == 48 + 24 + len(teachers)
    assert calls[0] == (1, len(result.files)) and calls[-1] == (len(result.files),) * 2
    principal = next(t.code for t in small_school.teachers if Role.PRINCIPAL in t.roles)
    assert not (tmp_path / principal).exists()


def test_reissue_leaves_untouched_blanks_alone(tmp_path: Path, small_school: Setup) -> None:
    teacher = math_teacher(small_school)
    issue_templates(small_school, tmp_path, SECRET, 1, teacher)
    before = {
        p: p.stat().st_mtime_ns
        for p in (ShareLayout(tmp_path, small_school).sheets(teacher)).iterdir()
    }

    again = issue_templates(small_school, tmp_path, SECRET, 1, teacher)
    assert {f.status for f in again.files} == {Status.UNCHANGED}
    assert again.written == []
    assert again.files[0].message == (
        f"Bỏ qua {where(small_school, teacher)}/6A1_TOAN_HK1.xlsx: mẫu trống đã có, không đổi."
    )
    assert {
        p: p.stat().st_mtime_ns
        for p in (ShareLayout(tmp_path, small_school).sheets(teacher)).iterdir()
    } == before


def fill_first_score(path: Path, value: float) -> None:
    book = openpyxl.load_workbook(path)
    book.worksheets[0]["D8"] = value
    book.save(path)


def with_new_student(setup: Setup) -> Setup:
    newcomer = Student("3125999999", "Lê Thị Mới", date(2014, 3, 2), Gender.FEMALE, "6A1")
    return replace(setup, students=(*setup.students, newcomer))


def test_reissue_never_overwrites_a_filled_sheet(tmp_path: Path, small_school: Setup) -> None:
    teacher = math_teacher(small_school)
    folder = ShareLayout(tmp_path, small_school).sheets(teacher)
    issue_templates(small_school, tmp_path, SECRET, 1, teacher)
    filled = folder / "6A1_TOAN_HK1.xlsx"
    fill_first_score(filled, 8.5)

    same = issue_templates(small_school, tmp_path, SECRET, 1, teacher)
    kept = next(f for f in same.files if f.path == filled)
    assert kept.status is Status.KEPT
    assert kept.message == (
        f"Bỏ qua {where(small_school, teacher)}/6A1_TOAN_HK1.xlsx: "
        "giáo viên đã nhập dữ liệu, mẫu không đổi."
    )
    assert not (folder / "6A1_TOAN_HK1_v2.xlsx").exists()

    # A student joins 6A1: the filled sheet stays, a new version carries the new roster.
    changed = with_new_student(small_school)
    result = issue_templates(changed, tmp_path, SECRET, 1, teacher)
    status = {f.path.name: f.status for f in result.files}
    assert status["6A1_TOAN_HK1_v2.xlsx"] is Status.NEW_VERSION
    assert status["7A1_TOAN_HK1.xlsx"] is Status.UNCHANGED
    assert status["PhieuDeNghiSuaDiem_HK1.xlsx"] is Status.REPLACED  # blank: safe to refresh
    assert openpyxl.load_workbook(filled).worksheets[0]["D8"].value == 8.5
    assert "3125999999" not in read_identity(filled).student_codes
    assert read_identity(folder / "6A1_TOAN_HK1_v2.xlsx").student_codes[-1] == "3125999999"
    message = next(f.message for f in result.files if f.status is Status.NEW_VERSION)
    assert message == (
        f"Đã tạo phiên bản mới {where(small_school, teacher)}/6A1_TOAN_HK1_v2.xlsx: "
        "tệp 6A1_TOAN_HK1.xlsx đã có "
        "dữ liệu nên được giữ nguyên, còn mẫu đã thay đổi."
    )

    third = issue_templates(changed, tmp_path, SECRET, 1, teacher)
    assert {f.status for f in third.files} == {Status.UNCHANGED}
    assert not (folder / "6A1_TOAN_HK1_v3.xlsx").exists()


def test_a_foreign_file_at_the_target_is_never_replaced(
    tmp_path: Path, small_school: Setup
) -> None:
    teacher = math_teacher(small_school)
    target = ShareLayout(tmp_path, small_school).sheets(teacher) / "6A1_TOAN_HK1.xlsx"
    target.parent.mkdir(parents=True)
    book = openpyxl.Workbook()
    book.worksheets[0]["A1"] = "Bảng điểm tự làm"
    book.save(target)
    original = target.read_bytes()

    result = issue_templates(small_school, tmp_path, SECRET, 1, teacher)
    assert target.read_bytes() == original
    assert result.files[0].path.name == "6A1_TOAN_HK1_v2.xlsx"
    assert result.files[0].status is Status.NEW_VERSION


@pytest.mark.parametrize(
    ("semester", "teacher", "message"),
    [
        (1, "GV999", "không có giáo viên mã «GV999» trong tệp thiết lập"),
        (4, None, "tệp thiết lập không có học kì 4"),
        (3, None, "chưa có danh sách học sinh kiểm tra lại, rèn luyện hè"),  # SUMMER, no list
        (1, "GV001", "giáo viên «GV001» không được phân công giảng dạy hay chủ nhiệm lớp nào"),
    ],
)
def test_bad_requests(
    tmp_path: Path, small_school: Setup, semester: int, teacher: str | None, message: str
) -> None:
    with pytest.raises(IssueError) as info:
        issue_templates(small_school, tmp_path, SECRET, semester, teacher)
    assert str(info.value) == message
    assert list(tmp_path.iterdir()) == []


# --- the command line


def test_every_command_has_help() -> None:
    group = get_command(templates_app)
    assert group.help
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert command.help, f"templates {name} has no help"


def test_cli_issue_for_one_teacher(setup_copy: Path, small_school: Setup) -> None:
    data = setup_copy.parent
    teacher = math_teacher(small_school)
    issue = ["issue", "--data-dir", str(data), "--teacher", teacher, "--share", str(data / "share")]
    result = runner.invoke(templates_app, issue)
    assert result.exit_code == 0, result.output
    assert f"Đã tạo {where(small_school, teacher)}/6A1_TOAN_HK1.xlsx." in result.output
    assert "Đã ghi 5 tệp, bỏ qua 0 tệp." in result.output  # 4 classes + correction form
    assert (data / "secret.key").exists()
    assert files_in(ShareLayout(data / "share", small_school).sheets(teacher)) == {
        "6A1_TOAN_HK1.xlsx",
        "7A1_TOAN_HK1.xlsx",
        "8A1_TOAN_HK1.xlsx",
        "9A1_TOAN_HK1.xlsx",
        "PhieuDeNghiSuaDiem_HK1.xlsx",
    }

    again = runner.invoke(templates_app, issue)
    assert "Đã ghi 0 tệp, bỏ qua 5 tệp." in again.output

    admin = next(t.code for t in small_school.teachers if Role.ADMIN in t.roles)
    set_pin(DataDir(data), admin, "246824")
    args = ["password", "--by", admin, "--data-dir", str(data)]
    shown = runner.invoke(templates_app, args, input="246824\n")
    assert shown.exit_code == 0, shown.output
    password = shown.output.strip().rsplit(" ", 1)[-1]
    sheets = ShareLayout(data / "share", small_school).sheets(teacher)
    ws = openpyxl.load_workbook(sheets / "6A1_TOAN_HK1.xlsx").worksheets[0]
    assert ws.protection.password == hash_password(password)


def test_cli_env_share_and_semester(
    setup_copy: Path, small_school: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WBE_DATA_DIR", str(setup_copy.parent))
    teacher = homeroom_of_6a1(small_school)
    share = tmp_path / "mang" / "chia-se"
    args = ["issue", "--share", str(share), "--semester", "2", "--teacher", teacher]
    result = runner.invoke(templates_app, args)
    assert result.exit_code == 0, result.output
    assert "6A1_RenLuyen_HK2.xlsx" in files_in(ShareLayout(share, small_school).sheets(teacher))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--teacher", "GV999"], "Lỗi: không có giáo viên mã «GV999» trong tệp thiết lập"),
        (["--semester", "3"], "--semester"),
    ],
)
def test_cli_bad_requests(setup_copy: Path, args: list[str], message: str) -> None:
    result = runner.invoke(templates_app, ["issue", "--data-dir", str(setup_copy.parent), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_setup_with_errors(setup_copy: Path) -> None:
    book = openpyxl.load_workbook(setup_copy)
    book["Học sinh"]["D4"] = "Trai"
    book.save(setup_copy)
    share = setup_copy.parent / "share"
    args = ["issue", "--data-dir", str(setup_copy.parent), "--share", str(share)]
    result = runner.invoke(templates_app, args)
    assert result.exit_code == 1
    assert "«Trai» không thuộc danh mục" in result.output
    assert f"Lỗi: tệp thiết lập {setup_copy} có lỗi (xem trên)" in result.output
    assert not share.exists()


def test_cli_missing_setup_and_secret(tmp_path: Path) -> None:
    result = runner.invoke(templates_app, ["issue", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert f"Lỗi: không tìm thấy tệp thiết lập {tmp_path / 'setup.xlsx'}" in result.output
    args = ["password", "--by", "GV004", "--data-dir", str(tmp_path)]
    result = runner.invoke(templates_app, args)
    assert result.exit_code == 1
    assert "Lỗi: chưa có khóa bí mật" in result.output
    shutil.rmtree(tmp_path)
