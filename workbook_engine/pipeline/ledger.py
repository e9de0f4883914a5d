"""The ledger: the source of truth, in SQLite (WAL). This module owns every SQL statement.

The schema evolves through named migrations recorded in the database itself: a school's ledger
lives for years and is upgraded in place, never rebuilt. One ingest is one transaction.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from workbook_engine.errors import WorkbookEngineError, make_problem
from workbook_engine.io.cells import format_day
from workbook_engine.model import CellChange, ChangeRecord, ChangeStatus, FileRecord, SheetKey
from workbook_engine.pipeline.chain import GENESIS, Event, canonical, first_broken_link, link

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "files, scores and changes",
        """
        CREATE TABLE files (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL,
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
        CREATE INDEX files_by_sha ON files (sha256);
        CREATE INDEX changes_by_time ON changes (at);
        CREATE INDEX changes_by_sheet ON changes (class_code, subject_code, semester);
        """,
    ),
    (
        "change control: decisions, bases, locks, hash-chained events",
        """
        ALTER TABLE changes ADD COLUMN reason TEXT NOT NULL DEFAULT '';
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            change_id INTEGER NOT NULL UNIQUE REFERENCES changes (id),
            decision TEXT NOT NULL CHECK (decision IN ('approved', 'refused')),
            decided_by TEXT NOT NULL,
            at TEXT NOT NULL,
            request TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE bases (
            template_id TEXT NOT NULL,
            student_code TEXT NOT NULL,
            column_name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (template_id, student_code, column_name)
        );
        CREATE TABLE locks (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('lock', 'unlock')),
            semester INTEGER NOT NULL,
            class_code TEXT NOT NULL DEFAULT '',
            subject_code TEXT NOT NULL DEFAULT '',
            decided_by TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            ref INTEGER NOT NULL,
            payload TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            UNIQUE (kind, ref)
        )
        """,
    ),
    (
        "who delivered each file: the owner of the share folder it arrived in",
        "ALTER TABLE files ADD COLUMN sender TEXT",
    ),
    (
        "the principal's approvals of semester and year results, hash-chained",
        """
        CREATE TABLE result_approvals (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            class_code TEXT NOT NULL,
            period TEXT NOT NULL CHECK (period IN ('HK1', 'HK2', 'CN')),
            decided_by TEXT NOT NULL,
            snapshot_hash TEXT NOT NULL,
            snapshot TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX result_approvals_by_class ON result_approvals (class_code, period)
        """,
    ),
    (
        "the final list after the summer (period HE) among the approvals of results",
        # SQLite cannot alter a CHECK: the table is rebuilt, ids (the chain's refs) kept
        """
        CREATE TABLE result_approvals_new (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            class_code TEXT NOT NULL,
            period TEXT NOT NULL CHECK (period IN ('HK1', 'HK2', 'CN', 'HE')),
            decided_by TEXT NOT NULL,
            snapshot_hash TEXT NOT NULL,
            snapshot TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        );
        INSERT INTO result_approvals_new
            SELECT id, at, class_code, period, decided_by, snapshot_hash, snapshot, note
            FROM result_approvals;
        DROP TABLE result_approvals;
        ALTER TABLE result_approvals_new RENAME TO result_approvals;
        CREATE INDEX result_approvals_by_class ON result_approvals (class_code, period)
        """,
    ),
    (
        "locks of some columns only (after the monthly progress check): their names",
        "ALTER TABLE locks ADD COLUMN columns TEXT",
    ),
    (
        "each file's changes found without reading every change (its page, a repeat's answer)",
        "CREATE INDEX changes_by_file ON changes (file_id)",
    ),
    (
        "the principal's delegations of correction approval to vice-principals, hash-chained",
        """
        CREATE TABLE delegations (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            vice_code TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('grant', 'revoke')),
            decided_by TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        )
        """,
    ),
)

# Columns added to a chained table after rows were chained: NULL (an older row) is left out of
# the row's hashed payload, so the chain written before the column existed still verifies.
LATE_COLUMNS = frozenset({"sender", "columns"})

# The tables whose every row is an event of the hash chain, in the order a backfill replays them
# (a table created by a later migration starts empty: nothing to backfill).
CHAINED = ("files", "changes", "decisions", "locks", "result_approvals", "delegations")
T = TypeVar("T")

KIND = {
    "files": "file",
    "changes": "change",
    "decisions": "decision",
    "locks": "lock",
    "result_approvals": "result_approval",
    "delegations": "delegation",
}
# The periods whose results the principal approves: semester 1, semester 2, the whole year, and
# the final list after the summer's re-exams and training.
RESULT_PERIODS = ("HK1", "HK2", "CN", "HE")
# The semester of the ``locks`` row that closes the school year (a semester's lock has 1 or 2).
YEAR_WIDE = 0


class LedgerError(WorkbookEngineError):
    """A request the ledger refuses (the message is for the user, in Vietnamese)."""

    def __init__(self, detail: str) -> None:
        super().__init__(make_problem("ledger-error", detail=detail))


class YearClosed(LedgerError):
    """The school year is closed: the ledger takes no change, decision, lock or approval."""

    def __init__(self, at: str, by: str) -> None:
        WorkbookEngineError.__init__(self, make_problem("year-closed", day=format_day(at), who=by))


class LedgerUnusable(WorkbookEngineError):
    """The ledger file cannot be used as it is, and nothing was written to it: lost while the
    school already has data (``ledger-lost``), damaged (``ledger-damaged``), or written by a newer
    version of the program (``ledger-too-new``)."""

    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(make_problem(code, **values))
        self.code = code


def blank_state(path: Path) -> str | None:
    """How a ledger file holds nothing, in Vietnamese ("không còn", "là tệp rỗng (0 byte)", "không
    có bảng dữ liệu nào"), or None when it holds the ledger's tables. Reads only; creates nothing.
    A file SQLite cannot read is :class:`LedgerUnusable` (``ledger-damaged``)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "không còn (tệp đã bị xoá hoặc chuyển đi)"
    if size == 0:
        return "là tệp rỗng (0 byte)"
    db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    try:
        tables = _tables(db)
        if tables <= {"migrations"} and not (
            tables and db.execute("SELECT 1 FROM migrations LIMIT 1").fetchone()
        ):
            return "không có bảng dữ liệu nào"
        return None
    except sqlite3.DatabaseError as exc:
        if _is_damage(exc):
            raise _damaged(path, exc) from exc
        raise
    finally:
        db.close()


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """SQLite's "not a database" and "malformed" (never "locked" nor an I/O error)."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    return (
        name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or type(exc) is sqlite3.DatabaseError
    )


def _damaged(path: Path | str, exc: sqlite3.DatabaseError) -> LedgerUnusable:
    return LedgerUnusable("ledger-damaged", path=path, detail=_one_line(str(exc)))


def _tables(db: sqlite3.Connection) -> set[str]:
    """The database's own tables (not SQLite's internal ``sqlite_…`` ones)."""
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {str(r[0]) for r in rows if not str(r[0]).startswith("sqlite_")}


def _one_line(text: str) -> str:
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class Ledger:
    """A connection to the ledger database; use :meth:`open`."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None = None) -> None:
        self.db = connection
        self.path = path  # None for ":memory:"
        # what "now" is when a row is written; the demo plays its term on simulated days
        self.clock: Callable[[], str] = now_iso

    @classmethod
    def open(cls, path: Path | str, expect_existing: bool = False, *, history: str = "") -> Ledger:
        """Open (creating and migrating as needed). ``":memory:"`` gives a throwaway ledger.

        ``expect_existing``: the school already has a ledger (``history`` says how we know, e.g.
        its archive holds files): a missing, empty or table-less file is refused
        (``ledger-lost``) instead of being started anew, and its pages are checked first
        (``PRAGMA quick_check``). Always, a damaged file (``ledger-damaged``) or one written by a
        newer version (``ledger-too-new``) is refused, as :class:`LedgerUnusable`, before
        anything is written to it."""
        memory = str(path) == ":memory:"
        if not memory:
            if expect_existing:
                state = blank_state(Path(path))
                if state is not None:
                    history = history or "sổ điểm đã được dùng trước đây"
                    raise LedgerUnusable("ledger-lost", path=path, state=state, history=history)
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            ledger = cls(db, None if memory else Path(path))
            if expect_existing and not memory:
                ledger._check_pages()
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
            ledger.migrate()
        except sqlite3.DatabaseError as exc:
            db.close()
            if _is_damage(exc):
                raise _damaged(path, exc) from exc
            raise
        except BaseException:
            db.close()
            raise
        return ledger

    def _check_pages(self) -> None:
        """``ledger-damaged`` unless SQLite's quick check of every page passes (reads only; about
        10 ms for a term of a whole school)."""
        result = [str(r[0]) for r in self.db.execute("PRAGMA quick_check(1)")]
        if result != ["ok"]:
            detail = _one_line(" ".join(result))
            raise LedgerUnusable("ledger-damaged", path=self.path, detail=detail)

    @classmethod
    def open_readonly(cls, path: Path | str) -> Ledger:
        """Read an existing, migrated ledger without writing anything (publishing workers)."""
        uri = f"{Path(path).resolve().as_uri()}?mode=ro"
        db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        return cls(db, Path(path))

    @classmethod
    @contextlib.contextmanager
    def as_is(cls, path: Path | str) -> Iterator[Ledger]:
        """A ledger file (a backup's copy) opened without migrating it, in one read
        transaction: its chain head stays what it was."""
        db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        ledger = cls(db, Path(path))
        try:
            with ledger.reading():
                yield ledger
        finally:
            db.close()

    @staticmethod
    def copy_file(source: Path | str, copy: Path | str, *, readonly: bool = True) -> None:
        """Copy the ledger file ``source`` to ``copy`` with SQLite's online backup API, in one
        read transaction (a write in progress elsewhere is wholly in or wholly out); opened
        read-only unless SQLite must first finish an interrupted write (``readonly`` False)."""
        name = f"{Path(source).resolve().as_uri()}?mode=ro" if readonly else str(source)
        db = sqlite3.connect(name, uri=readonly, timeout=30)
        try:
            target = sqlite3.connect(str(copy))
            try:
                db.backup(target)  # every page in one step
            finally:
                target.close()
        finally:
            db.close()

    def row_counts(self) -> dict[str, int]:
        """Rows per table (SQLite's internal ``sqlite_…`` tables left out)."""
        names = [
            str(r[0])
            for r in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY name"
            )
        ]
        return {n: int(self.db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0]) for n in names}

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- schema ---------------------------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply the migrations this database has not seen yet, each in its own transaction.

        Refused before anything is written (:class:`LedgerUnusable`): a ledger whose schema is
        newer than this program's (``ledger-too-new``), or one holding tables but no record of
        its migrations (``ledger-damaged``)."""
        tables = _tables(self.db)
        where = self.path or ":memory:"
        if "migrations" in tables:
            found, known = self.schema_version(), len(MIGRATIONS)
            if found > known:
                raise LedgerUnusable("ledger-too-new", path=where, version=found, known=known)
        elif tables:
            detail = f"có bảng {', '.join(sorted(tables))} nhưng không có bảng migrations"
            raise LedgerUnusable("ledger-damaged", path=where, detail=detail)
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
                if version == 2:
                    self._backfill_events()
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

    def _backfill_events(self) -> None:
        """Chain the rows a version-1 ledger already holds, in the order they were written."""
        tables = _tables(self.db)
        for table in CHAINED:
            if table not in tables:  # created by a later migration, empty
                continue
            for row in self.db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall():
                self._append_event(table, dict(row))

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

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """One read transaction (unless one is open already): every read inside sees the same
        ledger, whatever another process writes meanwhile (a book prints the chain head of the
        values it prints)."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            self.db.execute("COMMIT")

    # --- the hash chain -------------------------------------------------------------------------

    def _insert(self, table: str, row: dict[str, object]) -> int:
        """Insert a chained row and its event (call inside a transaction)."""
        return self._insert_many(table, [row])[0]

    def _insert_many(self, table: str, rows: Sequence[dict[str, object]]) -> list[int]:
        """Insert chained rows (same keys) and their events, in order, in a few statements:
        the ids follow the table's largest (as SQLite assigns them), the rows are read back as
        stored, and their events are chained one after the other (call inside a transaction).
        Once the year is closed only files (refused) are still recorded (:class:`YearClosed`)."""
        if not rows:
            return []
        if table != "files" and (closed := self.year_closed()) is not None:
            raise YearClosed(*closed)
        names = ", ".join(["id", *rows[0]])
        marks = ", ".join("?" for _ in range(len(rows[0]) + 1))
        first = int(self.db.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0])
        ids = list(range(first, first + len(rows)))
        self.db.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",
            [(i, *row.values()) for i, row in zip(ids, rows, strict=True)],
        )
        stored = self.db.cursor()
        stored.row_factory = None  # plain tuples: faster than sqlite3.Row for a whole batch
        stored.execute(
            f"SELECT * FROM {table} WHERE id BETWEEN ? AND ? ORDER BY id", (ids[0], ids[-1])
        )
        columns = [d[0] for d in stored.description]
        self._append_events(table, [dict(zip(columns, r, strict=True)) for r in stored])
        return ids

    def _append_event(self, table: str, row: dict[str, object]) -> None:
        self._append_events(table, [row])

    def _append_events(self, table: str, rows: Sequence[dict[str, object]]) -> None:
        """Chain one event per stored row, in order, after the current head."""
        prev, at, kind = self.chain_head(), self.clock(), KIND[table]
        events = []
        for row in rows:
            payload, ref = _payload(row), int(str(row["id"]))
            digest = link(prev, kind, ref, payload)
            events.append((at, kind, ref, payload, prev, digest))
            prev = digest
        self.db.executemany(
            "INSERT INTO events (at, kind, ref, payload, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            events,
        )

    def version(self) -> tuple[str, int]:
        """What changes whenever the ledger does: its chain head (every value comes with an
        event, whoever writes it) and this connection's own changes so far. Read inside
        :meth:`reading`, that of the ledger the reads see: what was computed from the ledger
        holds while its version is the same."""
        return self.chain_head(), self.db.total_changes

    def chain_head(self) -> str:
        """Hash of the newest event: print it, and a later check proves nothing changed since."""
        row = self.db.execute("SELECT hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
        return str(row[0]) if row else GENESIS

    def events(self) -> list[Event]:
        return [
            Event(r["id"], r["at"], r["kind"], r["ref"], r["payload"], r["prev_hash"], r["hash"])
            for r in self.db.execute("SELECT * FROM events ORDER BY id")
        ]

    def verify(self) -> str | None:
        """None when the chain holds and every chained row and accepted score matches it;
        otherwise a Vietnamese description of the first problem found."""
        events = self.events()
        broken = first_broken_link(events)
        if broken:
            return broken
        by_key = {(e.kind, e.ref): e for e in events}
        tables = _tables(self.db)
        for table in CHAINED:
            if table not in tables:  # a dropped table: its events are left over, reported below
                continue
            rows = self.db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            for row in rows:
                event = by_key.pop((KIND[table], row["id"]), None)
                if event is None:
                    return f"bảng {table}, dòng {row['id']}: không có trong chuỗi nhật ký (bị chèn)"
                if _payload(dict(row)) != event.payload:
                    return f"bảng {table}, dòng {row['id']}: khác với chuỗi nhật ký (bị sửa)"
        if by_key:
            kind, ref = min(by_key, key=lambda k: by_key[k].id)
            return f"{kind} {ref} có trong chuỗi nhật ký nhưng đã bị xoá khỏi sổ cái"
        expected = self._replay_scores()
        actual = {(SheetKey(*r[:3]), r[3], r[4]): r[5] for r in self._score_rows()}
        if expected != actual:
            diff = sorted(set(expected.items()) ^ set(actual.items()), key=str)[0]
            (key, student, column), _ = diff
            return (
                f"điểm {key.class_code} {key.subject_code} HK{key.semester} {student} {column}: "
                "khác với các thay đổi đã ghi (bị sửa trực tiếp)"
            )
        return None

    def file_hashes(self) -> set[str]:
        """The sha256 of every file the ledger received (its archived original's name)."""
        return {str(r[0]) for r in self.db.execute("SELECT DISTINCT sha256 FROM files")}

    def _replay_scores(self) -> dict[tuple[SheetKey, str, str], str]:
        """The accepted state as the change log says it must be."""
        state: dict[tuple[SheetKey, str, str], str] = {}
        rows = self.db.execute(
            "SELECT c.*, d.decision, d.id AS decision_id FROM changes c"
            " LEFT JOIN decisions d ON d.change_id = c.id"
        ).fetchall()
        # a change merges when written; an approved correction when its decision is written
        steps = []
        for r in rows:
            if r["status"] == ChangeStatus.MERGED:
                steps.append((self._event_id("change", r["id"]), r))
            elif r["decision"] == ChangeStatus.APPROVED:
                steps.append((self._event_id("decision", r["decision_id"]), r))
        for _, r in sorted(steps, key=lambda step: step[0]):
            key = (SheetKey(r["class_code"], r["subject_code"], r["semester"]),
                   r["student_code"], r["column_name"])  # fmt: skip
            if r["new"] is None:
                state.pop(key, None)
            else:
                state[key] = r["new"]
        return state

    def _event_id(self, kind: str, ref: int) -> int:
        row = self.db.execute("SELECT id FROM events WHERE kind = ? AND ref = ?", (kind, ref))
        return int(row.fetchone()[0])

    def _score_rows(self) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT class_code, subject_code, semester, student_code, column_name, value"
            " FROM scores ORDER BY class_code, subject_code, semester, student_code, column_name"
        ).fetchall()

    # --- files ----------------------------------------------------------------------------------

    def file_by_sha(self, sha256: str) -> FileRecord | None:
        """The latest record of this content (a rejected file may be sent again unchanged)."""
        row = self.db.execute(
            "SELECT * FROM files WHERE sha256 = ? ORDER BY id DESC LIMIT 1", (sha256,)
        ).fetchone()
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
        sender: str = "",
    ) -> int:
        return self._insert(
            "files",
            {
                "sha256": sha256,
                "name": name,
                "teacher_code": teacher_code,
                "saved_by": saved_by,
                "kind": kind,
                "class_code": key.class_code if key else "",
                "subject_code": key.subject_code if key else "",
                "semester": key.semester if key else None,
                "received_at": at or self.clock(),
                "status": status,
                "late": int(late),
                "problems": json.dumps(list(problems), ensure_ascii=False),
                "sender": sender,
            },
        )

    # --- scores ---------------------------------------------------------------------------------

    def scores(self, key: SheetKey) -> dict[tuple[str, str], str]:
        """Accepted values of one sheet: (student code, column) → value as entered."""
        rows = self.db.execute(
            "SELECT student_code, column_name, value FROM scores"
            " WHERE class_code = ? AND subject_code = ? AND semester = ?",
            (key.class_code, key.subject_code, key.semester),
        )
        return {(r[0], r[1]): r[2] for r in rows}

    def record_changes(
        self,
        file_id: int,
        teacher_code: str,
        key: SheetKey,
        changes: Sequence[CellChange],
        at: str | None = None,
    ) -> None:
        """Log every change; merged ones also update the accepted state. A batch: a handful of
        statements for the whole list, the same rows and chain as one change at a time."""
        at = at or self.clock()
        self._insert_many(
            "changes",
            [
                {
                    "file_id": file_id,
                    "at": at,
                    "teacher_code": teacher_code,
                    "class_code": key.class_code,
                    "subject_code": key.subject_code,
                    "semester": key.semester,
                    "student_code": change.student_code,
                    "column_name": change.column,
                    "old": change.old,
                    "new": change.new,
                    "status": str(change.status),
                    "reason": change.reason,
                }
                for change in changes
            ],
        )
        merged = {  # the last change of a cell is the one that stays
            (c.student_code, c.column): c.new for c in changes if c.status == ChangeStatus.MERGED
        }
        self._set_scores(key, merged, file_id, at)

    def _set_scores(
        self, key: SheetKey, values: dict[tuple[str, str], str | None], file_id: int, at: str
    ) -> None:
        """Set (or, for None, remove) accepted values of one sheet: (student, column) → value."""
        sheet = (key.class_code, key.subject_code, key.semester)
        cleared = [(*sheet, s, c) for (s, c), value in values.items() if value is None]
        kept = [(*sheet, s, c, v, file_id, at) for (s, c), v in values.items() if v is not None]
        if cleared:
            self.db.executemany(
                "DELETE FROM scores WHERE class_code = ? AND subject_code = ?"
                " AND semester = ? AND student_code = ? AND column_name = ?",
                cleared,
            )
        if kept:
            self.db.executemany(
                "INSERT INTO scores (class_code, subject_code, semester, student_code,"
                " column_name, value, file_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO UPDATE SET value = excluded.value,"
                " file_id = excluded.file_id, updated_at = excluded.updated_at",
                kept,
            )

    # --- decisions on corrections ---------------------------------------------------------------

    def decide(
        self, change_id: int, decision: ChangeStatus, by: str, request: str = "", note: str = ""
    ) -> ChangeRecord:
        """Approve (the new value merges) or refuse (the old one stays) a pending correction.

        Raises :class:`LedgerError` when the change is not pending, or when the accepted value
        moved on since the request (the correction was made against an old value)."""
        if decision not in (ChangeStatus.APPROVED, ChangeStatus.REFUSED):
            raise ValueError(decision)
        change = self.change(change_id)
        if change is None:
            raise LedgerError(f"không có thay đổi số {change_id}")
        if change.status != ChangeStatus.PENDING:
            raise LedgerError(
                f"thay đổi số {change_id} không chờ duyệt (trạng thái: "
                f"{ChangeStatus(change.status).label})"
            )
        if by == change.teacher_code:
            raise LedgerError(
                f"đề nghị số {change_id} do chính {by} gửi: người đề nghị không tự duyệt đề nghị "
                "của mình; Hiệu trưởng hoặc một Phó hiệu trưởng khác duyệt"
            )
        current = self.scores(change.key).get((change.student_code, change.column))
        if decision is ChangeStatus.APPROVED and current != change.old:
            raise LedgerError(
                f"thay đổi số {change_id}: giá trị hiện tại là {current or 'trống'}, không còn là "
                f"{change.old or 'trống'} như lúc đề nghị; giáo viên cần gửi lại đề nghị"
            )
        at = self.clock()
        self._insert(
            "decisions",
            {
                "change_id": change_id,
                "decision": str(decision),
                "decided_by": by,
                "at": at,
                "request": request,
                "note": note,
            },
        )
        if decision is ChangeStatus.APPROVED:
            cell = (change.student_code, change.column)
            self._set_scores(change.key, {cell: change.new}, change.file_id, at)
        decided = self.change(change_id)
        assert decided is not None
        return decided

    def change(self, change_id: int) -> ChangeRecord | None:
        found = self._changes("WHERE c.id = ?", (change_id,))
        return found[0] if found else None

    def decided(self, key: SheetKey, student: str, column: str, new: str | None) -> bool:
        """Was a correction of this cell to ``new`` already approved?"""
        row = self.db.execute(
            "SELECT 1 FROM changes c JOIN decisions d ON d.change_id = c.id"
            " WHERE c.class_code = ? AND c.subject_code = ? AND c.semester = ?"
            " AND c.student_code = ? AND c.column_name = ? AND c.new IS ? AND d.decision = ?",
            (key.class_code, key.subject_code, key.semester, student, column, new,
             str(ChangeStatus.APPROVED)),
        ).fetchone()  # fmt: skip
        return row is not None

    def pending(self, key: SheetKey | None = None) -> list[ChangeRecord]:
        """Corrections waiting for approval (of one sheet, or all)."""
        where = "WHERE c.status = 'pending' AND d.id IS NULL"
        if key is None:
            return self._changes(where, ())
        return self._changes(
            where + " AND c.class_code = ? AND c.subject_code = ? AND c.semester = ?",
            (key.class_code, key.subject_code, key.semester),
        )

    # --- bases: what each teacher's copy held when it was last receipted --------------------

    def base(self, template_id: str) -> dict[tuple[str, str], str]:
        """The values a copy (one issued template) held at its last receipt; empty if never."""
        rows = self.db.execute(
            "SELECT student_code, column_name, value FROM bases WHERE template_id = ?",
            (template_id,),
        )
        return {(r[0], r[1]): r[2] for r in rows}

    def set_base(self, template_id: str, values: dict[tuple[str, str], str]) -> None:
        self.db.execute("DELETE FROM bases WHERE template_id = ?", (template_id,))
        self.db.executemany(
            "INSERT INTO bases (template_id, student_code, column_name, value) VALUES (?, ?, ?, ?)",
            [(template_id, student, column, value) for (student, column), value in values.items()],
        )

    # --- locks by the principal ---------------------------------------------------------------

    def record_lock(
        self, action: str, semester: int, by: str, class_code: str = "", subject_code: str = "",
        note: str = "", columns: Sequence[str] = (),
    ) -> int:  # fmt: skip
        """A lock or unlock of a semester (of a class, of a subject); a lock of ``columns``
        only freezes those columns: a value added or changed there waits for approval."""
        row: dict[str, object] = {
            "at": self.clock(),
            "action": action,
            "semester": semester,
            "class_code": class_code,
            "subject_code": subject_code,
            "decided_by": by,
            "note": note,
        }
        if columns:  # NULL otherwise: a whole lock hashes as it did before the column existed
            row["columns"] = ",".join(columns)
        return self._insert("locks", row)

    def lock_rows(self, first: int, last: int | None = None) -> list[LockRow]:
        """The locks and unlocks numbered ``first`` to ``last`` (one decision), in order."""
        rows = self.db.execute(
            "SELECT id, at, action, semester, class_code, subject_code, decided_by, note, columns"
            " FROM locks WHERE id BETWEEN ? AND ? ORDER BY id",
            (first, first if last is None else last),
        ).fetchall()
        return [
            LockRow(
                id=int(row[0]),
                at=str(row[1]),
                action=str(row[2]),
                semester=int(row[3]),
                class_code=str(row[4]),
                subject_code=str(row[5]),
                decided_by=str(row[6]),
                note=str(row[7]),
                columns=tuple(str(row[8]).split(",")) if row[8] else (),
            )
            for row in rows
        ]

    def manual_lock(self, key: SheetKey) -> tuple[str, str, str] | None:
        """The newest lock or unlock of the whole sheet covering it: (action, at, by), or None
        (a lock of some columns only does not refuse the sheet: :meth:`locked_columns`)."""
        row = self.db.execute(
            "SELECT action, at, decided_by FROM locks WHERE semester = ? AND columns IS NULL"
            " AND class_code IN ('', ?) AND subject_code IN ('', ?) ORDER BY id DESC LIMIT 1",
            (key.semester, key.class_code, key.subject_code),
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def locked_columns(self, key: SheetKey) -> dict[str, str]:
        """Column → when it was locked (ISO time), for the column locks covering the sheet
        since the newest unlock covering it."""
        rows = self.db.execute(
            "SELECT action, at, columns FROM locks WHERE semester = ?"
            " AND class_code IN ('', ?) AND subject_code IN ('', ?) ORDER BY id",
            (key.semester, key.class_code, key.subject_code),
        ).fetchall()
        found: dict[str, str] = {}
        for action, at, columns in rows:
            if action == "unlock":
                found.clear()
            elif columns:
                for column in str(columns).split(","):
                    found.setdefault(column, str(at))
        return found

    # --- the principal's delegations ---------------------------------------------------------

    def record_delegation(self, vice_code: str, action: str, by: str, note: str = "") -> int:
        """The principal ``by`` delegates (``grant``) or withdraws (``revoke``) the approval of
        score corrections to the vice-principal ``vice_code`` (call inside a transaction)."""
        row: dict[str, object] = {"at": self.clock(), "vice_code": vice_code, "action": action,
                                  "decided_by": by, "note": note}  # fmt: skip
        return self._insert("delegations", row)

    def delegated(self) -> frozenset[str]:
        """The vice-principals whose newest delegation is a grant: those who may decide
        corrections besides the principal."""
        rows = self.db.execute(
            "SELECT vice_code, action FROM delegations d WHERE id = (SELECT MAX(id) FROM"
            " delegations WHERE vice_code = d.vice_code)"
        ).fetchall()
        return frozenset(str(code) for code, action in rows if action == "grant")

    def delegations(self) -> list[tuple[str, str, str, str, str]]:
        """Every delegation and withdrawal in order: (at, vice code, action, by, note)."""
        return [
            (str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]))
            for r in self.db.execute(
                "SELECT at, vice_code, action, decided_by, note FROM delegations ORDER BY id"
            )
        ]

    def close_year(self, by: str, note: str = "") -> int:
        """Record that ``by`` closed the school year: a chained ``locks`` row of semester
        :data:`YEAR_WIDE`; from then on :class:`YearClosed`. Call inside a transaction."""
        return self.record_lock("lock", YEAR_WIDE, by, note=note)

    def year_closed(self) -> tuple[str, str] | None:
        """(at, by) of the closing of the school year, or None while it is open."""
        row = self.db.execute(
            "SELECT at, decided_by FROM locks WHERE semester = ? ORDER BY id LIMIT 1", (YEAR_WIDE,)
        ).fetchone()
        return (str(row[0]), str(row[1])) if row else None

    # --- the principal's approval of results ------------------------------------------------

    def approve_results(
        self, class_code: str, period: str, by: str, snapshot: dict[str, dict[str, str]],
        note: str = "",
    ) -> int:  # fmt: skip
        """Record that ``by`` approved ``class_code``'s results of ``period`` (``HK1``, ``HK2``,
        ``CN``) as ``snapshot`` (student code → field → value as text); a later approval of the
        same class and period supersedes it. Call inside a transaction."""
        if period not in RESULT_PERIODS:
            raise ValueError(f"period must be one of {RESULT_PERIODS}, got {period!r}")
        text = canonical(snapshot)
        return self._insert(
            "result_approvals",
            {
                "at": self.clock(),
                "class_code": class_code,
                "period": period,
                "decided_by": by,
                "snapshot_hash": hashlib.sha256(text.encode()).hexdigest(),
                "snapshot": text,
                "note": note,
            },
        )

    def approved_results(self, class_code: str) -> dict[str, Approval]:
        """The latest approval of each period of one class: period → (snapshot, by, at)."""
        rows = self.db.execute(
            "SELECT period, snapshot, decided_by, at FROM result_approvals WHERE class_code = ?"
            " ORDER BY id",
            (class_code,),
        )
        return {str(r[0]): Approval(json.loads(r[1]), str(r[2]), str(r[3])) for r in rows}

    def result_approvals(self, class_code: str | None = None) -> list[ResultApproval]:
        """Every approval of results (of one class, or all), oldest first."""
        where, args = ("WHERE class_code = ?", (class_code,)) if class_code else ("", ())
        rows = self.db.execute(
            "SELECT id, at, class_code, period, decided_by, snapshot_hash, snapshot, note"
            f" FROM result_approvals {where} ORDER BY id",
            args,
        )
        return [
            ResultApproval(
                id=int(r[0]),
                at=str(r[1]),
                class_code=str(r[2]),
                period=str(r[3]),
                decided_by=str(r[4]),
                snapshot_hash=str(r[5]),
                students=len(json.loads(r[6])),
                note=str(r[7]),
            )
            for r in rows
        ]

    def changes(self, since: str | None = None) -> list[ChangeRecord]:
        """The change log, oldest first, each with its effective status."""
        return self._changes("WHERE c.at >= ?", (since or "",))

    def _changes(self, where: str, args: tuple[object, ...]) -> list[ChangeRecord]:
        rows = self.db.execute(
            "SELECT c.*, f.name AS file_name, f.sha256, d.decision, d.decided_by,"
            " d.at AS decided_at, d.request, d.note FROM changes c JOIN files f ON f.id = c.file_id"
            f" LEFT JOIN decisions d ON d.change_id = c.id {where} ORDER BY c.id",
            args,
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
                status=r["decision"] or r["status"],
                reason=r["reason"],
                decided_by=r["decided_by"] or "",
                decided_at=r["decided_at"] or "",
                request=r["request"] or "",
                file_sha256=r["sha256"],
                note=r["note"] or "",
            )
            for r in rows
        ]

    # --- what changed since a point of the chain (publishing derives outputs from this) ----------

    def head_event(self) -> tuple[int, str]:
        """(id, hash) of the newest event; (0, GENESIS) for an empty ledger."""
        row = self.db.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS)

    def event_hash(self, event_id: int) -> str | None:
        row = self.db.execute("SELECT hash FROM events WHERE id = ?", (event_id,)).fetchone()
        return str(row[0]) if row else None

    def since(self, event_id: int) -> Since:
        """What was written after event ``event_id``: the files and decided changes in full,
        the new changes only as the (class, day) pairs they touch (a burst holds 10⁵ of them)."""
        refs: dict[str, list[int]] = {kind: [] for kind in KIND.values()}
        for kind, ref in self.db.execute(  # not the changes: a burst's are 10⁶ events at ×16
            "SELECT kind, ref FROM events WHERE id > ? AND kind <> 'change' ORDER BY id",
            (event_id,),
        ):
            refs[kind].append(int(ref))
        first = self.db.execute(  # in the chain's order (``kind || ''``: not the kind's index)
            "SELECT ref FROM events WHERE id > ? AND kind || '' = 'change' ORDER BY id LIMIT 1",
            (event_id,),
        ).fetchone()
        touched: set[tuple[str, str]] = set()
        if first is not None:  # change ids grow with the chain: every change from the first new one
            rows = self.db.execute(
                "SELECT DISTINCT class_code, substr(at, 1, 10) FROM changes WHERE id >= ?",
                (int(first[0]),),
            )
            touched = {(str(r[0]), str(r[1])) for r in rows}
        ids = self._ids("SELECT change_id FROM decisions WHERE id IN ({})", refs["decision"])
        decided = self._by_ids("c.id", ids, self._changes)
        touched |= {(c.key.class_code, c.at[:10]) for c in decided}  # its class, log and day
        classes = self._by_ids("id", refs["result_approval"], self._approved_classes)
        return Since(
            files=self._by_ids("f.id", refs["file"], self._files),
            touched=touched,
            decided=decided,
            locks=len(refs["lock"]),
            approved=set(classes),
        )

    def _approved_classes(self, where: str, args: tuple[object, ...]) -> list[str]:
        rows = self.db.execute(f"SELECT DISTINCT class_code FROM result_approvals {where}", args)
        return [str(r[0]) for r in rows]

    def _ids(self, sql: str, ids: Sequence[int]) -> list[int]:
        found: list[int] = []
        for chunk in _chunks(ids):
            marks = ", ".join("?" for _ in chunk)
            found += [int(r[0]) for r in self.db.execute(sql.format(marks), chunk)]
        return found

    def _by_ids(
        self, column: str, ids: Sequence[int], load: Callable[[str, tuple[object, ...]], list[T]]
    ) -> list[T]:
        found: list[T] = []
        for chunk in _chunks(ids):
            marks = ", ".join("?" for _ in chunk)
            found += load(f"WHERE {column} IN ({marks})", tuple(chunk))
        return found

    def _files(self, where: str, args: tuple[object, ...]) -> list[FileRecord]:
        rows = self.db.execute(f"SELECT * FROM files f {where} ORDER BY f.id", args)
        return [_file(r) for r in rows]

    def files_between(self, start: str, end: str) -> list[FileRecord]:
        """Files received with ``start <= received_at < end`` (ISO text, local time)."""
        return self._files("WHERE f.received_at >= ? AND f.received_at < ?", (start, end))

    def files_by_id(self, ids: Iterable[int]) -> list[FileRecord]:
        return self._by_ids("f.id", sorted(ids), self._files)

    def change_volumes(self) -> list[tuple[str, str, int]]:
        """(month "YYYY-MM", class, number of changes) for every month and class with one."""
        rows = self.db.execute(
            "SELECT substr(at, 1, 7), class_code, count(*) FROM changes"
            " GROUP BY substr(at, 1, 7), class_code ORDER BY 1, 2"
        )
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]

    def changes_of_class(self, class_code: str, start: str, end: str) -> list[ChangeRecord]:
        """One class's changes with ``start <= at < end`` (ISO text, local time)."""
        return self._changes(
            "WHERE c.class_code = ? AND c.at >= ? AND c.at < ?", (class_code, start, end)
        )

    def reviewable_between(self, start: str, end: str) -> list[ChangeRecord]:
        """Changes with ``start <= at < end`` that someone must look at: all but new entries."""
        return self._changes("WHERE c.at >= ? AND c.at < ? AND c.status <> 'merged'", (start, end))

    def merged_counts_between(self, start: str, end: str) -> dict[tuple[SheetKey, str, int], int]:
        """New entries with ``start <= at < end``, counted by (sheet, teacher, file id)."""
        rows = self.db.execute(
            "SELECT class_code, subject_code, semester, teacher_code, file_id, count(*)"
            " FROM changes WHERE at >= ? AND at < ? AND status = 'merged'"
            " GROUP BY class_code, subject_code, semester, teacher_code, file_id",
            (start, end),
        )
        return {(SheetKey(r[0], r[1], r[2]), str(r[3]), int(r[4])): int(r[5]) for r in rows}

    def changes_of_files(self, file_ids: Sequence[int]) -> list[ChangeRecord]:
        return self._by_ids("c.file_id", file_ids, self._changes)

    def scores_of_class(self, class_code: str) -> dict[tuple[SheetKey, str, str], str]:
        """Accepted values of one class: (sheet, student code, column) → value."""
        rows = self.db.execute(
            "SELECT subject_code, semester, student_code, column_name, value FROM scores"
            " WHERE class_code = ?",
            (class_code,),
        )
        return {(SheetKey(class_code, r[0], r[1]), r[2], r[3]): r[4] for r in rows}

    def filled_cells(self) -> Iterator[tuple[SheetKey, str, str]]:
        """Every accepted cell that holds more than blanks, as (sheet, student code, column),
        streamed class by class (what entry progress counts, without holding the values)."""
        keys: dict[tuple[str, str, int], SheetKey] = {}
        rows = self.db.execute(
            "SELECT class_code, subject_code, semester, student_code, column_name, value"
            " FROM scores ORDER BY class_code, subject_code, semester"
        )
        for class_code, subject, semester, student, column, value in rows:
            if not value.strip():
                continue
            key = keys.get((class_code, subject, semester))
            if key is None:
                key = keys[class_code, subject, semester] = SheetKey(class_code, subject, semester)
            yield key, student, column

    def senders(self) -> list[tuple[str, str, str, str]]:
        """Who sent the accepted sheets of each class-subject: (class, subject, teacher, the
        last one's receipt time), oldest sender first."""
        rows = self.db.execute(
            "SELECT class_code, subject_code, teacher_code, MAX(received_at) FROM files"
            " WHERE status = 'accepted' AND class_code != '' AND teacher_code != ''"
            " GROUP BY class_code, subject_code, teacher_code ORDER BY MIN(received_at)"
        )
        return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def scores_of_student(
        self, class_code: str, student_code: str
    ) -> dict[tuple[SheetKey, str, str], str]:
        """Accepted values of one student in one class, keyed as :meth:`scores_of_class`."""
        rows = self.db.execute(
            "SELECT subject_code, semester, column_name, value FROM scores"
            " WHERE class_code = ? AND student_code = ?",
            (class_code, student_code),
        )
        return {(SheetKey(class_code, r[0], r[1]), student_code, r[2]): r[3] for r in rows}

    def received_keys(
        self, class_code: str | None = None, kind: str = "attendance"
    ) -> set[SheetKey]:
        """Ledger keys of the accepted files of ``kind``, of one class or (None) of every class.

        An attendance sheet where nobody was absent stores no value, yet its month is in."""
        where, args = "kind = ? AND status = 'accepted'", [kind]
        if class_code is not None:
            where, args = f"{where} AND class_code = ?", [kind, class_code]
        rows = self.db.execute(
            f"SELECT DISTINCT class_code, subject_code, semester FROM files WHERE {where}", args
        )
        return {SheetKey(r[0], r[1], r[2]) for r in rows if r[2] is not None}

    def first_received(
        self, class_code: str | None = None, kind: str = "attendance"
    ) -> dict[SheetKey, str]:
        """When the first accepted file of each ledger key of ``kind`` arrived (ISO time), of
        one class or of every class: an attendance month is confirmed on that day."""
        where, args = "kind = ? AND status = 'accepted'", [kind]
        if class_code is not None:
            where, args = f"{where} AND class_code = ?", [kind, class_code]
        rows = self.db.execute(
            "SELECT class_code, subject_code, semester, MIN(received_at) FROM files"
            f" WHERE {where} GROUP BY class_code, subject_code, semester",
            args,
        )
        return {SheetKey(r[0], r[1], r[2]): str(r[3]) for r in rows if r[2] is not None}


def _payload(row: dict[str, object]) -> str:
    """The hashed form of a chained row (late columns left out while NULL)."""
    if any(row.get(k, "") is None for k in LATE_COLUMNS):  # two look-ups, not one per column
        row = {k: v for k, v in row.items() if not (k in LATE_COLUMNS and v is None)}
    return canonical(row)


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
        sender=row["sender"],
    )


def _chunks(ids: Sequence[int], size: int = 500) -> Iterator[tuple[int, ...]]:
    """Bounded IN lists (SQLite and PostgreSQL both cap the number of parameters)."""
    for start in range(0, len(ids), size):
        yield tuple(ids[start : start + size])


@dataclass
class Since:
    """What the ledger gained after a given event: the publisher's to-do list."""

    files: list[FileRecord] = field(default_factory=list)
    # (class, "YYYY-MM-DD") of every new change and of every change decided since
    touched: set[tuple[str, str]] = field(default_factory=set)
    decided: list[ChangeRecord] = field(default_factory=list)  # changes whose decision is new
    locks: int = 0
    approved: set[str] = field(default_factory=set)  # classes whose results were approved

    def __bool__(self) -> bool:
        return bool(self.files or self.touched or self.decided or self.locks or self.approved)


class LockRow(NamedTuple):
    """One lock or unlock as recorded (:meth:`Ledger.lock_rows`)."""

    id: int
    at: str  # ISO time, local
    action: str  # "lock" or "unlock"
    semester: int  # 1, 2, or YEAR_WIDE for the closing of the year
    class_code: str  # "" for every class
    subject_code: str  # "" for every subject
    decided_by: str
    note: str
    columns: tuple[str, ...]  # () for the whole sheet


class Approval(NamedTuple):
    """The latest approval of one class's results of one period."""

    snapshot: dict[str, dict[str, str]]  # student code → field → value as text
    by: str  # the decider's code
    at: str  # ISO time, local


@dataclass(frozen=True)
class ResultApproval:
    """One approval of results as recorded (``wbe results list``)."""

    id: int
    at: str
    class_code: str
    period: str
    decided_by: str
    snapshot_hash: str
    students: int
    note: str = ""
