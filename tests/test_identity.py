"""The identity sheet: secret key, canonical form, HMAC, and reading it back from real files."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from workbook_engine.io.identity import (
    IDENTITY_SHEET,
    Identity,
    IdentityError,
    SecretError,
    canonical,
    load_or_create_secret,
    read_identity,
    sign,
    verify_identity,
)
from workbook_engine.io.score_sheet import write_score_sheet
from workbook_engine.model import Assignment, Setup

SECRET = bytes(range(32))

SMALL_IDENTITY = Identity(
    kind="score",
    template_id="00000000-0000-0000-0000-000000000001",
    school_code="THCS-ND",
    school_year="2025-2026",
    semester=1,
    teacher_code="GV005",
    sheet="Bảng điểm",
    class_code="6A1",
    subject_code="TOAN",
    students=(("3125000001", "Phạm Hải Thủy"),),
    columns=("TX1", "TX2", "GK", "CK"),
    inputs=("D8:I8",),
)


def test_secret_is_created_once_as_64_hex_digits(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret.key"
    key = load_or_create_secret(path)
    text = path.read_text("ascii")
    assert len(key) == 32
    assert text == key.hex() + "\n"
    assert load_or_create_secret(path) == key
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]  # no temporary left


def test_damaged_secret_is_an_error_not_a_new_key(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    path.write_text("abc123\n", "ascii")
    with pytest.raises(SecretError, match="bị hỏng"):
        load_or_create_secret(path)
    assert path.read_text("ascii") == "abc123\n"


def test_canonical_form_is_sorted_compact_json_without_the_signature() -> None:
    expected = (
        b"workbook_engine identity v1\n"
        + '{"class_code":"6A1","columns":["TX1","TX2","GK","CK"],"exempt":[],'
        '"inputs":["D8:I8"],"kind":"score","period":"","school_code":"THCS-ND",'
        '"school_year":"2025-2026","semester":1,"sheet":"Bảng điểm",'
        '"students":[["3125000001","Phạm Hải Thủy"]],"subject_code":"TOAN",'
        '"teacher_code":"GV005","template_id":"00000000-0000-0000-0000-000000000001",'
        '"template_version":1}'.encode()
    )
    assert canonical(SMALL_IDENTITY) == expected
    assert canonical(replace(SMALL_IDENTITY, signature="ff")) == expected
    signed = sign(SMALL_IDENTITY, SECRET)
    assert signed.signature == hmac.new(SECRET, expected, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "change",
    [
        {"class_code": "6A2"},
        {"semester": 2},
        {"teacher_code": "GV006"},
        {"students": (("3125000001", "Phạm Hải Thuỷ"),)},
        {"columns": ("TX1", "TX2", "TX3", "GK", "CK")},
        {"inputs": ("D8:J8",)},
        {"signature": "0" * 64},
    ],
)
def test_any_change_breaks_the_signature(change: dict[str, object]) -> None:
    signed = sign(SMALL_IDENTITY, SECRET)
    assert verify_identity(signed, SECRET)
    assert not verify_identity(replace(signed, **change), SECRET)  # type: ignore[arg-type]


def test_another_school_secret_does_not_verify() -> None:
    assert not verify_identity(sign(SMALL_IDENTITY, SECRET), bytes(32))


@pytest.fixture
def issued(tmp_path: Path, small_school: Setup) -> tuple[Path, Assignment]:
    assignment = next(a for a in small_school.assignments if a.subject_code == "TOAN")
    path = tmp_path / "sheet.xlsx"
    write_score_sheet(path, small_school, assignment, 1, SECRET)
    return path, assignment


def test_issued_sheet_carries_a_very_hidden_valid_identity(
    issued: tuple[Path, Assignment], small_school: Setup
) -> None:
    path, assignment = issued
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Bảng điểm", IDENTITY_SHEET]
    assert book[IDENTITY_SHEET].sheet_state == "veryHidden"
    assert book.active is not None and book.active.title == "Bảng điểm"

    identity = read_identity(path)
    roster = small_school.students_of(assignment.class_code)
    assert identity.kind == "score"
    assert identity.class_code == assignment.class_code
    assert identity.subject_code == "TOAN"
    assert identity.teacher_code == assignment.teacher_code
    assert identity.school_code == "THCS-ND"
    assert identity.school_year == "2025-2026"
    assert identity.semester == 1
    assert identity.template_version == 1
    assert identity.columns == ("TX1", "TX2", "TX3", "TX4", "GK", "CK")
    assert identity.students == tuple((s.code, s.full_name) for s in roster)
    assert len(identity.template_id) == 36
    assert verify_identity(identity, SECRET)


def test_changing_the_class_in_the_file_is_detected(issued: tuple[Path, Assignment]) -> None:
    path, _ = issued
    book = openpyxl.load_workbook(path)
    ws = book[IDENTITY_SHEET]
    row = next(r for r in ws.iter_rows() if r[0].value == "class_code")
    row[1].value = "9A1"
    book.save(path)

    identity = read_identity(path)
    assert identity.class_code == "9A1"
    assert not verify_identity(identity, SECRET)


def test_hand_made_workbook_has_no_identity(tmp_path: Path) -> None:
    path = tmp_path / "handmade.xlsx"
    book = openpyxl.Workbook()
    book.worksheets[0]["A1"] = "Bảng điểm"
    book.save(path)
    with pytest.raises(IdentityError, match="không phải mẫu do nhà trường phát hành"):
        read_identity(path)


def test_not_an_excel_file(tmp_path: Path) -> None:
    path = tmp_path / "scores.xlsx"
    path.write_text("STT,Mã học sinh\n", "utf-8")
    with pytest.raises(IdentityError, match=r"không mở được tệp scores\.xlsx"):
        read_identity(path)
