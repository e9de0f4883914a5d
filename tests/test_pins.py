"""PINs for decisions with legal weight: the hashed store, ``wbe people pin`` and the PIN asked by
``wbe corrections approve``, ``wbe lock`` and ``wbe templates password``."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import School
from workbook_engine.cli import app
from workbook_engine.errors import WorkbookEngineError
from workbook_engine.model import Role
from workbook_engine.paths import DataDir
from workbook_engine.pipeline import pins
from workbook_engine.pipeline.ledger import Ledger

runner = CliRunner()
PIN = "246813570"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pins, "ITERATIONS", 1_000)
    monkeypatch.delenv("WBE_PIN", raising=False)


def wbe(school: School, *args: str, typed: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(school.data.root)], input=typed)
    return result.exit_code, result.output


def code_of(school: School, wanted: Role) -> str:
    return next(t.code for t in school.setup.teachers if wanted in t.roles)


@pytest.fixture
def corrected(school: School) -> tuple[School, int]:
    """6A1 TOAN: TX1 = 6 accepted, then 9 in the same copy: one correction waits."""
    school.ingest(school.fill("6A1", "TOAN", {"D8": 6}))
    school.ingest(school.fill("6A1", "TOAN", {"D8": 9}))
    with Ledger.open(school.data.ledger) as ledger:
        (pending,) = ledger.pending()
    return school, pending.id


def status_of(school: School, change_id: int) -> str:
    with Ledger.open(school.data.ledger) as ledger:
        change = ledger.change(change_id)
    assert change is not None
    return change.status


# --- the store ----------------------------------------------------------------------------------


def test_store_round_trip_keeps_only_salted_hashes(tmp_path: Path) -> None:
    data = DataDir(tmp_path)
    assert not pins.has_pin(data, "GV001")
    assert not pins.check_pin(data, "GV001", PIN)
    pins.set_pin(data, "GV001", PIN)
    pins.set_pin(data, "GV002", PIN)
    assert pins.has_pin(data, "GV001") and not pins.has_pin(data, "GV003")
    assert pins.check_pin(data, "GV001", PIN)
    assert not pins.check_pin(data, "GV001", "246813579")
    assert not pins.check_pin(data, "GV003", PIN)
    text = (tmp_path / "pins.json").read_text(encoding="utf-8")
    assert PIN not in text  # 9 digits: never by chance in the hex
    first, second = (pins._load(data)[c] for c in ("GV001", "GV002"))
    assert first.startswith("pbkdf2_sha256$1000$") and first != second  # one salt per person
    assert [p.name for p in tmp_path.iterdir()] == ["pins.json"]  # no temporary file left


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", " 1234", "١٢٣٤", ""])
def test_a_pin_is_4_to_12_digits(tmp_path: Path, pin: str) -> None:
    with pytest.raises(WorkbookEngineError) as caught:
        pins.set_pin(DataDir(tmp_path), "GV001", pin)
    assert [p.code for p in caught.value.report] == ["pin-invalid"]


def test_a_damaged_store_is_reported(tmp_path: Path) -> None:
    (tmp_path / "pins.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(WorkbookEngineError) as caught:
        pins.has_pin(DataDir(tmp_path), "GV001")
    assert [p.code for p in caught.value.report] == ["pins-unreadable"]


# --- decisions ask the decider's PIN ------------------------------------------------------------


def test_approve_without_a_pin_is_refused(corrected: tuple[School, int]) -> None:
    school, change_id = corrected
    vice = code_of(school, Role.VICE_PRINCIPAL)
    code, output = wbe(school, "corrections", "approve", str(change_id), "--by", vice)
    assert code == 1
    assert f"chưa đặt mã PIN; đặt bằng lệnh wbe people pin {vice}" in output
    assert status_of(school, change_id) == "pending"


def test_approve_with_a_wrong_pin_decides_nothing_and_is_logged(
    corrected: tuple[School, int], caplog: pytest.LogCaptureFixture
) -> None:
    school, change_id = corrected
    vice = code_of(school, Role.VICE_PRINCIPAL)
    pins.set_pin(school.data, vice, "2468")
    with caplog.at_level(logging.WARNING, logger="workbook_engine.cli"):
        code, output = wbe(
            school, "corrections", "approve", str(change_id), "--by", vice, typed="1357\n"
        )
    assert code == 1
    assert "Mã PIN của " in output and "1357" not in output
    assert "không đúng; lệnh không được thực hiện" in output
    assert status_of(school, change_id) == "pending"
    assert [r.getMessage() for r in caplog.records] == [f"Nhập sai mã PIN của {vice}"]
    logged = (school.data.root / "wbe.log").read_text(encoding="utf-8")
    assert logged.endswith(f"Nhập sai mã PIN của {vice}\n") and "1357" not in logged


def test_approve_with_the_right_pin_decides(corrected: tuple[School, int]) -> None:
    school, change_id = corrected
    vice = code_of(school, Role.VICE_PRINCIPAL)
    pins.set_pin(school.data, vice, "2468")
    code, output = wbe(
        school, "corrections", "approve", str(change_id), "--by", vice,
        "--outbox", str(school.outbox), typed="2468\n",
    )  # fmt: skip
    assert code == 0, output
    assert f"Số {change_id}: Đã duyệt sửa." in output
    assert status_of(school, change_id) == "approved"


def test_lock_takes_the_pin_from_the_environment(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    principal = code_of(school, Role.PRINCIPAL)
    pins.set_pin(school.data, principal, "2468")
    monkeypatch.setenv("WBE_PIN", "2468")
    code, output = wbe(school, "lock", "--semester", "1", "--by", principal)
    assert code == 0, output
    assert "Mã PIN" not in output and "Đã khóa sổ học kì 1" in output
    monkeypatch.setenv("WBE_PIN", "0000")
    code, output = wbe(school, "unlock", "--semester", "1", "--by", principal)
    assert code == 1 and "không đúng" in output


# --- wbe people pin -----------------------------------------------------------------------------


def test_first_pins_are_free_until_the_administrator_has_one(school: School) -> None:
    principal, admin = code_of(school, Role.PRINCIPAL), code_of(school, Role.ADMIN)
    vice = code_of(school, Role.VICE_PRINCIPAL)
    code, output = wbe(school, "people", "pin", principal, typed="1111\n1111\n")
    assert code == 0, output  # the school's very first PIN
    assert "Đã lưu mã PIN của" in output and "Mã PIN hiện tại" not in output
    code, output = wbe(school, "people", "pin", admin, typed="2222\n2222\n")
    assert code == 0, output  # no administrator has a PIN yet
    # from now on a first PIN needs an administrator's PIN
    code, output = wbe(school, "people", "pin", vice, typed="1111\n3333\n3333\n")
    assert code == 1 and "hoặc của quản trị viên không đúng" in output
    assert not pins.has_pin(school.data, vice)
    code, output = wbe(school, "people", "pin", vice, typed="2222\n3333\n3333\n")
    assert code == 0, output
    assert "Mã PIN hiện tại của" in output
    assert pins.check_pin(school.data, vice, "3333")


def test_changing_a_pin_needs_the_current_or_an_administrators_pin(school: School) -> None:
    principal, admin = code_of(school, Role.PRINCIPAL), code_of(school, Role.ADMIN)
    pins.set_pin(school.data, principal, "1111")
    code, output = wbe(school, "people", "pin", principal, typed="9999\n4444\n4444\n")
    assert code == 1 and "không đúng" in output
    code, output = wbe(school, "people", "pin", principal, typed="1111\n4444\n4444\n")
    assert code == 0, output
    pins.set_pin(school.data, admin, "2222")
    code, output = wbe(school, "people", "pin", principal, typed="2222\n5555\n5555\n")
    assert code == 0, output  # the administrator resets a forgotten PIN
    assert pins.check_pin(school.data, principal, "5555")


@pytest.mark.parametrize(
    ("typed", "message"),
    [("12\n", "mã PIN phải gồm từ 4 đến 12 chữ số"), ("1234\n4321\n", "không khớp")],
)
def test_a_bad_new_pin_is_not_saved(school: School, typed: str, message: str) -> None:
    code, output = wbe(school, "people", "pin", code_of(school, Role.PRINCIPAL), typed=typed)
    assert code == 1 and message in output
    assert not (school.data.root / "pins.json").exists()


# --- wbe templates password ---------------------------------------------------------------------


def test_only_an_administrator_or_the_principal_sees_the_password(school: School) -> None:
    vice, principal = code_of(school, Role.VICE_PRINCIPAL), code_of(school, Role.PRINCIPAL)
    pins.set_pin(school.data, vice, "2468")
    code, output = wbe(school, "templates", "password", "--by", vice, typed="2468\n")
    assert code == 1
    assert "không có quyền xem mật khẩu" in output and "Mật khẩu bảo vệ" not in output
    code, output = wbe(school, "templates", "password", "--by", principal)
    assert code == 1 and "chưa đặt mã PIN" in output
    pins.set_pin(school.data, principal, "1357")
    code, output = wbe(school, "templates", "password", "--by", principal, typed="1357\n")
    assert code == 0, output
    assert "Mật khẩu bảo vệ trang tính: " in output
