"""The ledger is precious (issue 11): a missing or empty ledger next to an archive, a damaged one
and one written by a newer version are refused with a catalogue problem, writing nothing; a
brand-new school still starts a fresh ledger; ``wbe log verify`` names archived originals the
ledger does not know."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import OCTOBER, School
from workbook_engine.cli import app
from workbook_engine.errors import CATALOGUE
from workbook_engine.pipeline.ledger import MIGRATIONS, Ledger, LedgerUnusable, _is_damage
from workbook_engine.pipeline.school import School as OpenSchool
from workbook_engine.pipeline.school import archived

runner = CliRunner()
CODES = ("ledger-lost", "ledger-damaged", "ledger-too-new", "archive-unknown", "service-busy")


def ingest_args(school: School, *extra: str) -> list[str]:
    return ["ingest", *extra, "--data-dir", str(school.data.root), "--inbox", str(school.inbox),
            "--outbox", str(school.outbox), "--share", str(school.share.root),
            "--today", OCTOBER.isoformat()]  # fmt: skip


def without_wal(ledger: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{ledger}{suffix}").unlink(missing_ok=True)


def delete(ledger: Path) -> None:
    ledger.unlink()
    without_wal(ledger)


def empty(ledger: Path) -> None:
    delete(ledger)
    ledger.write_bytes(b"")


def no_tables(ledger: Path) -> None:
    delete(ledger)
    raw = sqlite3.connect(ledger)
    raw.execute("PRAGMA user_version = 7")  # a valid SQLite file of one page, without tables
    raw.commit()
    raw.close()


def not_a_database(ledger: Path) -> None:
    delete(ledger)
    ledger.write_bytes(b"Day khong phai co so du lieu\n" * 200)


def page_zeroed(ledger: Path) -> None:
    with ledger.open("r+b") as file:  # a disk error wiped the page of the changes table
        file.seek(4096 * 3)
        file.write(b"\xff" * 4096)


def header_damaged(ledger: Path) -> None:
    with ledger.open("r+b") as file:
        file.seek(100)
        file.write(b"\xff" * 3000)


def newer(ledger: Path) -> None:
    raw = sqlite3.connect(ledger)
    raw.execute(
        "INSERT INTO migrations VALUES (?, 'a table of a later version', '2026-09-01')",
        (len(MIGRATIONS) + 1,),
    )
    raw.commit()
    raw.close()


DAMAGE: dict[str, tuple[Callable[[Path], None], str, str]] = {
    # name: (what happened to the ledger, the problem, the start of its message)
    "deleted": (delete, "ledger-lost", "sổ điểm {path} không còn (tệp đã bị xoá"),
    "empty": (empty, "ledger-lost", "sổ điểm {path} là tệp rỗng (0 byte), nhưng trường đã có"),
    "no tables": (no_tables, "ledger-lost", "sổ điểm {path} không có bảng dữ liệu nào"),
    "not a database": (not_a_database, "ledger-damaged", "sổ điểm {path} bị hỏng, không đọc"),
    "page zeroed": (page_zeroed, "ledger-damaged", "sổ điểm {path} bị hỏng, không đọc được"),
    "header damaged": (header_damaged, "ledger-damaged", "sổ điểm {path} bị hỏng"),
    "newer version": (newer, "ledger-too-new", "sổ điểm {path} được tạo bởi phiên bản mới hơn"),
}


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def received(school: School) -> School:
    """A school that received one sheet: ledger, archive and published outbox."""
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 7}))
    assert outcome.status == "accepted"
    assert (school.outbox / "master.xlsx").exists()
    return school


def test_the_new_codes_are_in_the_catalogue() -> None:
    assert set(CODES) <= set(CATALOGUE)


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_ingest_refuses_a_ledger_that_cannot_be_trusted(received: School, damage: str) -> None:
    school = received
    spoil, code, start = DAMAGE[damage]
    spoil(school.data.ledger)
    sheet = school.fill("6A1", "NV", {"D8": 8})
    ledger_before = school.data.ledger.read_bytes() if school.data.ledger.exists() else None
    archive_before = snapshot(school.data.archive)
    outbox_before = snapshot(school.outbox)

    result = runner.invoke(app, ingest_args(school, str(sheet), "--json"))
    assert result.exit_code == 1, result.output
    (problem,) = json.loads(result.stdout)["problems"]
    assert problem["code"] == code
    assert problem["message"].startswith(start.format(path=school.data.ledger))

    result = runner.invoke(app, ingest_args(school, str(sheet)))  # as the clerk sees it
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Lỗi: {start.format(path=school.data.ledger)}")
    assert f". Cách sửa: {CATALOGUE[code].hint}" in line

    # nothing written: no new ledger, the archive and the outbox as they were, the sheet waits
    if ledger_before is None:
        assert not school.data.ledger.exists()
    else:
        assert school.data.ledger.read_bytes() == ledger_before
    assert snapshot(school.data.archive) == archive_before
    assert snapshot(school.outbox) == outbox_before
    assert sheet.exists()
    assert not (school.data.root / "wbe.lock").exists()

    result = runner.invoke(app, ["log", "verify", "--data-dir", str(school.data.root), "--json"])
    assert result.exit_code == 1
    assert [p["code"] for p in json.loads(result.stdout)["problems"]] == [code]
    if ledger_before is None:
        assert not school.data.ledger.exists()


def test_lost_ledger_names_the_archive_and_the_restore(received: School) -> None:
    school = received
    delete(school.data.ledger)
    result = runner.invoke(app, ["corrections", "list", "--data-dir", str(school.data.root)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Lỗi: sổ điểm {school.data.ledger} không còn (tệp đã bị xoá hoặc chuyển đi), nhưng "
        f"trường đã có dữ liệu (thư mục lưu trữ {school.data.archive} có 1 tệp đã nhận); "
        "chương trình không tạo sổ điểm mới để khỏi mất dữ liệu đã nhận. Cách sửa: Chép tệp "
        "ledger.sqlite từ bản sao lưu gần nhất vào thư mục dữ liệu (nếu còn các tệp "
        "ledger.sqlite-wal, ledger.sqlite-shm cũ thì chuyển chúng đi nơi khác trước), rồi chạy "
        "wbe log verify. Không xoá thư mục archive: đó là bản gốc của mọi tệp đã nhận.\n"
    )
    assert not school.data.ledger.exists()


def test_a_restored_backup_works_again(received: School) -> None:
    school = received
    backup = school.data.root.parent / "backup.sqlite"
    shutil.copyfile(school.data.ledger, backup)
    delete(school.data.ledger)
    sheet = school.fill("6A1", "NV", {"D8": 8})
    assert runner.invoke(app, ingest_args(school, str(sheet))).exit_code == 1
    shutil.copyfile(backup, school.data.ledger)  # the clerk follows the hint
    result = runner.invoke(app, ingest_args(school, str(sheet)))
    assert result.exit_code == 0, result.output
    assert not sheet.exists()


def test_a_brand_new_school_starts_a_fresh_ledger(school: School) -> None:
    assert not school.data.ledger.exists() and not school.data.archive.exists()
    sheet = school.fill("6A1", "TOAN", {"D8": 7})
    result = runner.invoke(app, ingest_args(school, str(sheet)))
    assert result.exit_code == 0, result.output
    with Ledger.open(school.data.ledger) as ledger:
        assert [f.name for f in ledger.files()] == ["6A1_TOAN_HK1.xlsx"]
    assert not (school.data.root / "wbe.lock").exists()


def test_an_empty_ledger_of_a_new_school_is_started(school: School) -> None:
    """A ledger file made but never written (a crash at the very first start): nothing lost."""
    school.data.ledger.write_bytes(b"")
    with OpenSchool.open(school.data) as opened:
        assert opened.ledger.schema_version() == len(MIGRATIONS)


def test_published_outbox_is_a_witness_when_given(school: School, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    state = outbox / ".wbe-publish.json"
    state.write_text(json.dumps({"event_id": 12, "hash": "ab" * 32, "pdf_due": []}), "utf-8")
    with pytest.raises(LedgerUnusable) as raised:
        OpenSchool.open(school.data, outbox=outbox)
    assert raised.value.code == "ledger-lost"
    assert f"thư mục kết quả {outbox} đã được cập nhật từ sổ điểm" in str(raised.value)
    assert not school.data.ledger.exists()
    state.write_text(json.dumps({"event_id": 0, "hash": "", "pdf_due": []}), "utf-8")
    with OpenSchool.open(school.data, outbox=outbox) as opened:  # published from an empty one
        assert opened.ledger.files() == []


def test_newer_ledger_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    Ledger.open(path).close()
    newer(path)
    before = path.read_bytes()
    with pytest.raises(LedgerUnusable) as raised:
        Ledger.open(path)
    assert raised.value.code == "ledger-too-new"
    assert str(raised.value) == (
        f"sổ điểm {path} được tạo bởi phiên bản mới hơn (cấu trúc dữ liệu số "
        f"{len(MIGRATIONS) + 1}, phiên bản này chỉ biết đến số {len(MIGRATIONS)}); "
        "cập nhật phần mềm"
    )
    assert path.read_bytes() == before


def test_tables_without_migrations_are_damage_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    Ledger.open(path).close()
    raw = sqlite3.connect(path)
    raw.execute("DROP TABLE migrations")
    raw.commit()
    raw.close()
    with pytest.raises(LedgerUnusable) as raised:
        Ledger.open(path)
    assert raised.value.code == "ledger-damaged"
    assert "không có bảng migrations" in str(raised.value)


def test_a_busy_or_unreachable_ledger_is_not_called_damaged() -> None:
    """Only "not a database" and "malformed" are damage; "locked" or an I/O error is not."""
    assert _is_damage(sqlite3.DatabaseError("file is not a database"))
    assert not _is_damage(sqlite3.OperationalError("database is locked"))
    assert not _is_damage(sqlite3.OperationalError("unable to open database file"))


# --- wbe log verify: the archive against the ledger -------------------------------------------


def test_log_verify_names_archived_files_the_ledger_does_not_know(received: School) -> None:
    """A backup restored from before the last files: their originals are still archived."""
    school = received
    backup = school.data.root.parent / "backup.sqlite"
    shutil.copyfile(school.data.ledger, backup)
    (second,) = school.ingest(school.fill("6A1", "NV", {"D8": 8}))
    delete(school.data.ledger)
    shutil.copyfile(backup, school.data.ledger)
    lost = f"{second.sha256[:2]}/{second.sha256}.xlsx"

    args = ["log", "verify", "--data-dir", str(school.data.root)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["valid"] is False
    (problem,) = report["problems"]
    assert problem["code"] == "archive-unknown"
    assert report["archive"] == {"files": 2, "unknown": [lost]}
    assert report["events"] > 0 and len(report["chain_head"]) == 64

    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"Lỗi: thư mục lưu trữ {school.data.archive} có 1 tệp đã nhận không có trong sổ điểm "
        f"(ví dụ {lost}). Cách sửa: "
    )


def test_log_verify_counts_the_archive_when_all_is_well(received: School) -> None:
    school = received
    (school.data.archive / "desktop.ini").write_text("[.ShellClassInfo]\n")  # not an original
    args = ["log", "verify", "--data-dir", str(school.data.root)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["valid"], report["problems"]) == (True, [])
    assert report["archive"] == {"files": 1, "unknown": []}
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert result.stdout.startswith("Nhật ký nguyên vẹn: ")


def test_archived_lists_only_content_addressed_originals(received: School) -> None:
    school = received
    (sha, path), *others = list(archived(school.data))
    assert others == []
    assert path == school.data.archive / sha[:2] / f"{sha}.xlsx"
    stray = school.data.archive / "zz" / ("0" * 64 + ".xlsx")
    stray.parent.mkdir()
    stray.write_bytes(b"")
    assert [s for s, _ in archived(school.data)] == [sha]


def test_ledger_file_untouched_by_a_refused_open_of_a_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(os.urandom(8192))
    before = path.read_bytes()
    with pytest.raises(LedgerUnusable) as raised:
        Ledger.open(path)
    assert raised.value.code == "ledger-damaged"
    assert "file is not a database" in str(raised.value)
    assert path.read_bytes() == before
