"""The SQLite ledger: migrations, transactions, accepted state and change log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from workbook_engine.model import CellChange, ChangeStatus, SheetKey
from workbook_engine.pipeline.ledger import MIGRATIONS, Ledger, LedgerError

KEY = SheetKey("6A1", "TOAN", 1)


@pytest.fixture
def ledger() -> Ledger:
    return Ledger.open(":memory:")


def test_new_ledger_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        assert ledger.schema_version() == len(MIGRATIONS)
        assert ledger.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Ledger.open(path) as again:
        assert again.migrate() == []  # nothing applied twice
        names = [r[0] for r in again.db.execute("SELECT name FROM migrations ORDER BY version")]
        assert names == [name for name, _ in MIGRATIONS]


def test_changes_merge_into_the_accepted_state(ledger: Ledger) -> None:
    with ledger.transaction():
        first = ledger.record_file(sha256="a" * 64, name="f1.xlsx", status="accepted", key=KEY)
        ledger.record_changes(
            first,
            "GV006",
            KEY,
            [
                CellChange("HS1", "TX1", None, "8.5"),
                CellChange("HS2", "TX1", None, "7"),
            ],
        )
    with ledger.transaction():
        second = ledger.record_file(sha256="b" * 64, name="f2.xlsx", status="accepted", key=KEY)
        ledger.record_changes(
            second,
            "GV006",
            KEY,
            [
                CellChange("HS1", "TX1", "8.5", "9", ChangeStatus.PENDING),  # held, not merged
                CellChange("HS2", "TX1", "7", None),  # cleared
                CellChange("HS2", "GK", None, "6.5"),
            ],
        )
    assert ledger.scores(KEY) == {("HS1", "TX1"): "8.5", ("HS2", "GK"): "6.5"}
    log = ledger.changes()
    assert [(c.file_name, c.student_code, c.column, c.old, c.new, c.status) for c in log] == [
        ("f1.xlsx", "HS1", "TX1", None, "8.5", "merged"),
        ("f1.xlsx", "HS2", "TX1", None, "7", "merged"),
        ("f2.xlsx", "HS1", "TX1", "8.5", "9", "pending"),
        ("f2.xlsx", "HS2", "TX1", "7", None, "merged"),
        ("f2.xlsx", "HS2", "GK", None, "6.5", "merged"),
    ]


def test_a_failed_transaction_leaves_nothing(ledger: Ledger) -> None:
    with pytest.raises(RuntimeError), ledger.transaction():
        file_id = ledger.record_file(sha256="c" * 64, name="x.xlsx", status="accepted", key=KEY)
        ledger.record_changes(file_id, "GV006", KEY, [CellChange("HS1", "TX1", None, "5")])
        raise RuntimeError("crash in the middle")
    assert ledger.files() == []
    assert ledger.scores(KEY) == {}
    assert ledger.changes() == []


def test_same_content_is_known_by_hash(ledger: Ledger) -> None:
    with ledger.transaction():
        ledger.record_file(
            sha256="d" * 64,
            name="6A1_TOAN_HK1.xlsx",
            status="rejected",
            problems=[{"code": "score-out-of-range", "cell": "F12"}],
        )
    record = ledger.file_by_sha("d" * 64)
    assert record is not None
    assert (record.status, record.problems) == (
        "rejected",
        [{"code": "score-out-of-range", "cell": "F12"}],
    )
    with ledger.transaction():  # the same content again, accepted once the period reopened
        ledger.record_file(sha256="d" * 64, name="copy.xlsx", status="accepted")
    latest = ledger.file_by_sha("d" * 64)
    assert latest is not None and (latest.name, latest.status) == ("copy.xlsx", "accepted")


def _two_files(ledger: Ledger) -> None:
    with ledger.transaction():
        first = ledger.record_file(sha256="1" * 64, name="f1.xlsx", status="accepted", key=KEY)
        ledger.record_changes(first, "GV006", KEY, [CellChange("HS1", "TX1", None, "6.0")])
    with ledger.transaction():
        second = ledger.record_file(sha256="2" * 64, name="f2.xlsx", status="accepted", key=KEY)
        ledger.record_changes(
            second, "GV006", KEY, [CellChange("HS1", "TX1", "6.0", "9.0", ChangeStatus.PENDING)]
        )


def test_approved_correction_merges_refused_one_does_not(ledger: Ledger) -> None:
    _two_files(ledger)
    (pending,) = ledger.pending(KEY)
    with ledger.transaction():
        decided = ledger.decide(pending.id, ChangeStatus.APPROVED, "GV002", request="phieu.xlsx")
    assert (decided.status, decided.decided_by, decided.request) == (
        "approved",
        "GV002",
        "phieu.xlsx",
    )
    assert ledger.scores(KEY) == {("HS1", "TX1"): "9.0"}
    assert ledger.pending() == []
    with pytest.raises(LedgerError, match="không chờ duyệt"), ledger.transaction():
        ledger.decide(pending.id, ChangeStatus.REFUSED, "GV002")
    assert ledger.verify() is None


def test_refusal_keeps_the_old_value(ledger: Ledger) -> None:
    _two_files(ledger)
    (pending,) = ledger.pending()
    with ledger.transaction():
        ledger.decide(pending.id, ChangeStatus.REFUSED, "GV001", note="không có minh chứng")
    assert ledger.scores(KEY) == {("HS1", "TX1"): "6.0"}
    assert [c.status for c in ledger.changes()] == ["merged", "refused"]


def test_correction_against_a_value_that_moved_on_is_not_applied(ledger: Ledger) -> None:
    _two_files(ledger)
    with ledger.transaction():
        third = ledger.record_file(sha256="3" * 64, name="f3.xlsx", status="accepted", key=KEY)
        ledger.record_changes(
            third, "GV006", KEY, [CellChange("HS1", "TX1", "6.0", "7.0", ChangeStatus.PENDING)]
        )
    first, second = ledger.pending()
    with ledger.transaction():
        ledger.decide(second.id, ChangeStatus.APPROVED, "GV001")
    with pytest.raises(LedgerError, match=r"giá trị hiện tại là 7\.0"), ledger.transaction():
        ledger.decide(first.id, ChangeStatus.APPROVED, "GV001")


def test_bases_and_manual_locks(ledger: Ledger) -> None:
    with ledger.transaction():
        ledger.set_base("copy-1", {("HS1", "TX1"): "6.0", ("HS2", "GK"): "7.5"})
        ledger.set_base("copy-1", {("HS1", "TX1"): "6.5"})
        assert ledger.manual_lock(KEY) is None
        ledger.record_lock("lock", 1, "GV001")
        ledger.record_lock("unlock", 1, "GV001", class_code="6A1", subject_code="TOAN")
    assert ledger.base("copy-1") == {("HS1", "TX1"): "6.5"}
    assert ledger.base("copy-2") == {}
    action, _, by = ledger.manual_lock(KEY) or ("", "", "")
    assert (action, by) == ("unlock", "GV001")
    other = SheetKey("6A2", "TOAN", 1)
    assert (ledger.manual_lock(other) or ("",))[0] == "lock"
    assert ledger.manual_lock(SheetKey("6A1", "TOAN", 2)) is None


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("UPDATE changes SET new = '10.0' WHERE id = 1", "bảng changes, dòng 1: khác"),
        ("UPDATE scores SET value = '10.0'", "bị sửa trực tiếp"),
        ("DELETE FROM changes WHERE id = 2", "đã bị xoá khỏi sổ cái"),
        ("UPDATE files SET teacher_code = 'GV999' WHERE id = 1", "bảng files, dòng 1: khác"),
        ("UPDATE events SET payload = replace(payload, '6.0', '8.0') WHERE id = 2", "đã bị sửa"),
        ("DELETE FROM events WHERE id = 2", "không nối tiếp"),
        (
            "INSERT INTO locks (at, action, semester, decided_by) VALUES ('x', 'unlock', 1, 'GV9')",
            "bảng locks, dòng 1: không có trong chuỗi",
        ),
    ],
)
def test_direct_edits_of_the_sqlite_file_break_verification(
    tmp_path: Path, sql: str, message: str
) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        _two_files(ledger)
        assert ledger.verify() is None
        head = ledger.chain_head()
        assert len(head) == 64
    raw = sqlite3.connect(path)  # someone opens the file with a SQLite tool
    raw.execute("PRAGMA foreign_keys = OFF")
    raw.execute(sql)
    raw.commit()
    raw.close()
    with Ledger.open(path) as ledger:
        problem = ledger.verify()
    assert problem is not None and message in problem


def test_version_1_ledger_is_upgraded_in_place_with_its_history_chained(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    raw = sqlite3.connect(path)
    name, sql = MIGRATIONS[0]
    raw.executescript(
        "CREATE TABLE migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL);" + sql
    )
    raw.execute("INSERT INTO migrations VALUES (1, ?, '2025-09-01')", (name,))
    raw.execute(
        "INSERT INTO files (sha256, name, received_at, status)"
        " VALUES ('a', 'cu.xlsx', 'x', 'accepted')"
    )
    raw.execute(
        "INSERT INTO changes (file_id, at, teacher_code, class_code, subject_code, semester,"
        " student_code, column_name, old, new, status)"
        " VALUES (1, '2025-09-30', 'GV006', '6A1', 'TOAN', 1, 'HS1', 'TX1', NULL, '7.0', 'merged')"
    )
    raw.execute(
        "INSERT INTO scores VALUES ('6A1', 'TOAN', 1, 'HS1', 'TX1', '7.0', 1, '2025-09-30')"
    )
    raw.commit()
    raw.close()
    with Ledger.open(path) as ledger:
        assert ledger.schema_version() == len(MIGRATIONS)
        assert [e.kind for e in ledger.events()] == ["file", "change"]
        assert ledger.verify() is None
        assert [c.reason for c in ledger.changes()] == [""]


def test_a_files_changes_are_found_through_an_index_not_by_reading_every_change(
    tmp_path: Path,
) -> None:
    """A burst's file pages ask for the changes of 50 files at a time: a scan of every change
    each time made publishing grow with the square of the files."""
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        plan = ledger.db.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM changes WHERE file_id IN (1, 2)"
        ).fetchall()
    details = " ".join(str(row[-1]) for row in plan)
    assert "changes_by_file" in details and "SCAN" not in details, details
