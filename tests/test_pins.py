"""PINs for decisions with legal weight: the hashed store, ``wbe people pin`` and the PIN asked by
``wbe corrections approve``, ``wbe lock`` and ``wbe templates password``."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import School, delegate_first_vice
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
    """6A1 TOAN: TX1 = 6 accepted, then 9 in the same copy: one correction waits (the first
    vice-principal delegated to decide it)."""
    delegate_first_vice(school)
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


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", " 1234", "١٢٣٤١٢", ""])
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
    pins.set_pin(school.data, vice, "246824")
    with caplog.at_level(logging.WARNING, logger="workbook_engine.cli"):
        code, output = wbe(
            school, "corrections", "approve", str(change_id), "--by", vice, typed="135713\n"
        )
    assert code == 1
    assert "Mã PIN của " in output and "135713" not in output
    assert "không đúng; lệnh không được thực hiện" in output
    assert status_of(school, change_id) == "pending"
    assert [r.getMessage() for r in caplog.records] == [f"Nhập sai mã PIN của {vice}"]
    logged = (school.data.root / "wbe.log").read_text(encoding="utf-8")
    assert logged.endswith(f"Nhập sai mã PIN của {vice}\n") and "135713" not in logged


def test_approve_with_the_right_pin_decides(corrected: tuple[School, int]) -> None:
    school, change_id = corrected
    vice = code_of(school, Role.VICE_PRINCIPAL)
    pins.set_pin(school.data, vice, "246824")
    code, output = wbe(
        school, "corrections", "approve", str(change_id), "--by", vice,
        "--outbox", str(school.outbox), typed="246824\n",
    )  # fmt: skip
    assert code == 0, output
    assert f"Số {change_id}: Đã duyệt sửa." in output
    assert status_of(school, change_id) == "approved"


def test_lock_takes_the_pin_from_the_environment(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    principal = code_of(school, Role.PRINCIPAL)
    pins.set_pin(school.data, principal, "246824")
    monkeypatch.setenv("WBE_PIN", "246824")
    code, output = wbe(school, "lock", "--semester", "1", "--by", principal, "--force",
                       "--note", "thử")  # fmt: skip
    assert code == 0, output
    assert "Mã PIN" not in output and "Đã khóa sổ học kì 1" in output
    monkeypatch.setenv("WBE_PIN", "000000")
    code, output = wbe(school, "unlock", "--semester", "1", "--by", principal)
    assert code == 1 and "không đúng" in output


# --- wbe people pin -----------------------------------------------------------------------------


def test_the_administrator_sets_a_pin_first_then_gives_first_pins(school: School) -> None:
    principal, admin = code_of(school, Role.PRINCIPAL), code_of(school, Role.ADMIN)
    code, output = wbe(school, "people", "pin", principal, typed="111111\n111111\n")
    assert code == 1 and "quản trị viên của trường cần đặt mã PIN" in output
    assert not pins.has_pin(school.data, principal)
    code, output = wbe(school, "people", "pin", admin, typed="222222\n222222\n")
    assert code == 0, output  # the school's very first PIN: the administrator's own
    code, output = wbe(school, "people", "pin", principal, typed="111111\n333333\n333333\n")
    assert code == 1 and "quản trị viên không đúng" in output
    assert not pins.has_pin(school.data, principal)
    code, output = wbe(school, "people", "pin", principal, typed="222222\n333333\n333333\n")
    assert code == 0, output
    assert "Mã PIN của quản trị viên" in output
    assert pins.check_pin(school.data, principal, "333333")


def test_a_pin_is_changed_only_with_its_own_pin(school: School) -> None:
    """The reviewer's takeover: an administrator's PIN no longer replaces the principal's."""
    principal, admin = code_of(school, Role.PRINCIPAL), code_of(school, Role.ADMIN)
    pins.set_pin(school.data, admin, "222222")
    pins.set_pin(school.data, principal, "111111")
    code, output = wbe(school, "people", "pin", principal, typed="222222\n555555\n555555\n")
    assert code == 1 and "không đúng" in output
    assert pins.check_pin(school.data, principal, "111111")
    code, output = wbe(school, "people", "pin", principal, typed="111111\n444444\n444444\n")
    assert code == 0, output
    assert pins.check_pin(school.data, principal, "444444")


def test_a_forgotten_pin_is_reset_by_an_administrator_and_logged(school: School) -> None:
    principal, admin = code_of(school, Role.PRINCIPAL), code_of(school, Role.ADMIN)
    pins.set_pin(school.data, admin, "222222")
    pins.set_pin(school.data, principal, "111111")
    args = ("people", "pin", principal, "--reset", "--share", str(school.share.root))
    code, output = wbe(school, *args, typed="222222\n555555\n555555\n")
    assert code == 0, output
    assert "được quản trị viên" in output and pins.check_pin(school.data, principal, "555555")
    log = (school.data.root / "wbe.log").read_text("utf-8")
    assert f"Quản trị viên {admin} đặt lại mã PIN của {principal}" in log
    (note,) = school.share.receipts(principal).glob("* Mã PIN được đặt lại.txt")
    assert "báo ngay Hiệu trưởng" in note.read_text("utf-8-sig")


def test_five_wrong_pins_in_a_row_lock_the_pin_for_a_while(school: School) -> None:
    principal = code_of(school, Role.PRINCIPAL)
    pins.set_pin(school.data, principal, "246824")
    for _ in range(pins.MAX_WRONG):
        args = ("lock", "--semester", "1", "--by", principal)
        code, output = wbe(school, *args, typed="999999\n")
        assert code == 1 and "không đúng" in output
    code, output = wbe(school, *args, typed="246824\n")
    assert code == 1 and "tạm khoá đến" in output  # even the right PIN waits
    until = pins.locked_until(school.data, principal)
    assert until is not None
    later = until + timedelta(seconds=1)
    assert pins.locked_until(school.data, principal, now=later) is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [("1234\n", "mã PIN phải gồm từ 6 đến 12 chữ số"), ("123412\n432143\n", "không khớp")],
)
def test_a_bad_new_pin_is_not_saved(school: School, typed: str, message: str) -> None:
    code, output = wbe(school, "people", "pin", code_of(school, Role.ADMIN), typed=typed)
    assert code == 1 and message in output
    assert not (school.data.root / "pins.json").exists()


# --- wbe templates password ---------------------------------------------------------------------


def test_only_the_administrator_sees_the_password(school: School) -> None:
    principal, admin = code_of(school, Role.PRINCIPAL), code_of(school, Role.ADMIN)
    pins.set_pin(school.data, principal, "246824")
    code, output = wbe(school, "templates", "password", "--by", principal, typed="246824\n")
    assert code == 1
    assert "không có quyền xem mật khẩu" in output and "Mật khẩu bảo vệ" not in output
    code, output = wbe(school, "templates", "password", "--by", admin)
    assert code == 1 and "chưa đặt mã PIN" in output
    pins.set_pin(school.data, admin, "135713")
    code, output = wbe(school, "templates", "password", "--by", admin, typed="135713\n")
    assert code == 0, output
    assert "Mật khẩu bảo vệ trang tính: " in output
