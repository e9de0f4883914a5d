"""The ledger: the source of truth, in SQLite (WAL). This module owns every SQL statement.

The schema evolves through named migrations recorded in the database itself: a school's ledger
lives for years and is upgraded in place, never rebuilt. One ingest is one transaction.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from workbook_engine.model import CellChange, ChangeRecord, ChangeStatus, FileRecord, SheetKey

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "files, scores and changes",
        """
        CREATE TABLE files (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            teacher_code TEXT NOT NULL DEFAULT '',
            saved_by TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT '',
            class_code TEXT NOT NULL DEFAULT '',
            subject_code TEXT NOT NULL DEFAULT '',
            semester INTEGER,
            received_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
            late INTEGER NOT NULL DEFAULT 0,
            problems TEXT NOT NULL DEFAULT '[]'
        );
        CREATE TABLE scores (
            class_code TEXT NOT NULL,
            subject_code TEXT NOT NULL,
            semester INTEGER NOT NULL,
            student_code TEXT NOT NULL,
            column_name TEXT NOT NULL,
            value TEXT NOT NULL,
            file_id INTEGER NOT NULL REFERENCES files (id),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (class_code, subject_code, semester, student_code, column_name)
        );
        CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL REFERENCES files (id),
            at TEXT NOT NULL,
            teacher_code TEXT NOT NULL,
            class_code TEXT NOT NULL,
            subject_code TEXT NOT NULL,
            semester INTEGER NOT NULL,
            student_code TEXT NOT NULL,
            column_name TEXT NOT NULL,
            old TEXT,
            new TEXT,
            status TEXT NOT NULL
        );
        CREATE INDEX changes_by_time ON changes (at);
        CREATE INDEX changes_by_sheet ON changes (class_code, subject_code, semester);
        """,
    ),
)


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class Ledger:
    """A connection to the ledger database; use :meth:`open`."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    @classmethod
    def open(cls, path: Path | str) -> Ledger:
        """Open (creating and migrating as needed). ``":memory:"`` gives a throwaway ledger."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        ledger = cls(db)
        ledger.migrate()
        return ledger

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- schema ---------------------------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply the migrations this database has not seen yet, each in its own transaction."""
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in self.db.execute("SELECT version FROM migrations")}
        applied = []
        for version, (name, sql) in enumerate(MIGRATIONS, start=1):
            if version in done:
                continue
            with self.transaction():
                for statement in filter(str.strip, sql.split(";")):
                    self.db.execute(statement)
                self.db.execute(
                    "INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, now_iso()),
                )
            applied.append(name)
        return applied

    def schema_version(self) -> int:
        return int(
            self.db.execute("SELECT COALESCE(MAX(version), 0) FROM migrations").fetchone()[0]
        )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- files ----------------------------------------------------------------------------------

    def file_by_sha(self, sha256: str) -> FileRecord | None:
        row = self.db.execute("SELECT * FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return _file(row) if row else None

    def files(self) -> list[FileRecord]:
        return [_file(r) for r in self.db.execute("SELECT * FROM files ORDER BY id")]

    def record_file(
        self,
        *,
        sha256: str,
        name: str,
        status: str,
        teacher_code: str = "",
        saved_by: str = "",
        kind: str = "",
        key: SheetKey | None = None,
        late: bool = False,
        problems: Sequence[dict[str, object]] = (),
        at: str | None = None,
    ) -> int:
        cursor = self.db.execute(
            "INSERT INTO files (sha256, name, teacher_code, saved_by, kind, class_code,"
            " subject_code, semester, received_at, status, late, problems)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                sha256,
                name,
                teacher_code,
                saved_by,
                kind,
                key.class_code if key else "",
                key.subject_code if key else "",
                key.semester if key else None,
                at or now_iso(),
                status,
                int(late),
                json.dumps(list(problems), ensure_ascii=False),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    # --- scores ---------------------------------------------------------------------------------

    def scores(self, key: SheetKey) -> dict[tuple[str, str], str]:
        """Accepted values of one sheet: (student code, column) → value as entered."""
        rows = self.db.execute(
            "SELECT student_code, column_name, value FROM scores"
            " WHERE class_code = ? AND subject_code = ? AND semester = ?",
            (key.class_code, key.subject_code, key.semester),
        )
        return {(r[0], r[1]): r[2] for r in rows}

    def all_scores(self) -> Iterator[tuple[SheetKey, str, str, str]]:
        """Every accepted value: (sheet, student code, column, value), in a stable order."""
        rows = self.db.execute(
            "SELECT class_code, subject_code, semester, student_code, column_name, value"
            " FROM scores ORDER BY class_code, subject_code, semester, student_code, column_name"
        )
        for r in rows:
            yield SheetKey(r[0], r[1], r[2]), r[3], r[4], r[5]

    def record_changes(
        self,
        file_id: int,
        teacher_code: str,
        key: SheetKey,
        changes: Sequence[CellChange],
        at: str | None = None,
    ) -> None:
        """Log every change; merged ones also update the accepted state."""
        at = at or now_iso()
        for change in changes:
            self.db.execute(
                "INSERT INTO changes (file_id, at, teacher_code, class_code, subject_code,"
                " semester, student_code, column_name, old, new, status)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    file_id,
                    at,
                    teacher_code,
                    key.class_code,
                    key.subject_code,
                    key.semester,
                    change.student_code,
                    change.column,
                    change.old,
                    change.new,
                    change.status,
                ),
            )
            if change.status != ChangeStatus.MERGED:
                continue
            if change.new is None:
                self.db.execute(
                    "DELETE FROM scores WHERE class_code = ? AND subject_code = ?"
                    " AND semester = ? AND student_code = ? AND column_name = ?",
                    (key.class_code, key.subject_code, key.semester, change.student_code,
                     change.column),
                )  # fmt: skip
            else:
                self.db.execute(
                    "INSERT INTO scores (class_code, subject_code, semester, student_code,"
                    " column_name, value, file_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT DO UPDATE SET value = excluded.value,"
                    " file_id = excluded.file_id, updated_at = excluded.updated_at",
                    (key.class_code, key.subject_code, key.semester, change.student_code,
                     change.column, change.new, file_id, at),
                )  # fmt: skip

    def changes(self, since: str | None = None) -> list[ChangeRecord]:
        rows = self.db.execute(
            "SELECT c.*, f.name AS file_name FROM changes c JOIN files f ON f.id = c.file_id"
            " WHERE c.at >= ? ORDER BY c.id",
            (since or "",),
        )
        return [
            ChangeRecord(
                id=r["id"],
                file_id=r["file_id"],
                file_name=r["file_name"],
                at=r["at"],
                teacher_code=r["teacher_code"],
                key=SheetKey(r["class_code"], r["subject_code"], r["semester"]),
                student_code=r["student_code"],
                column=r["column_name"],
                old=r["old"],
                new=r["new"],
                status=r["status"],
            )
            for r in rows
        ]


def _file(row: sqlite3.Row) -> FileRecord:
    return FileRecord(
        id=row["id"],
        sha256=row["sha256"],
        name=row["name"],
        teacher_code=row["teacher_code"],
        saved_by=row["saved_by"],
        kind=row["kind"],
        class_code=row["class_code"],
        subject_code=row["subject_code"],
        semester=row["semester"],
        received_at=row["received_at"],
        status=row["status"],
        late=bool(row["late"]),
        problems=json.loads(row["problems"]),
    )
