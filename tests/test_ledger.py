"""The SQLite ledger: migrations, transactions, accepted state and change log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from workbook_engine.model import CellChange, ChangeStatus, SheetKey
from workbook_engine.pipeline.ledger import MIGRATIONS, Ledger

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
    with pytest.raises(sqlite3.IntegrityError), ledger.transaction():
        ledger.record_file(sha256="d" * 64, name="copy.xlsx", status="accepted")
