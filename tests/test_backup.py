"""Backup and restore (issue 14): one self-checking archive of a data directory; a restore gives
back the same ledger (chain head, rows per table, a chain that verifies), the same setup, secret,
PINs and originals; a damaged or hostile archive is refused, naming each member at fault."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import OCTOBER, School, master_values
from tests.test_cli_imports import LOADED, run_python
from workbook_engine.cli import app
from workbook_engine.errors import WorkbookEngineError
from workbook_engine.model import Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.backup import (
    restore_backup,
    snapshot_ledger,
    verify_backup,
    write_backup,
)
from workbook_engine.pipeline.backup_manifest import (
    LEDGER_MEMBER,
    MANIFEST,
    read_manifest,
    unsafe_reason,
)
from workbook_engine.pipeline.backup_schedule import (
    RETRY_AFTER,
    BackupSchedule,
    archives_in,
    backup_due,
    to_delete,
)
from workbook_engine.pipeline.ingest import Status
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.pins import set_pin
from workbook_engine.render.background import LoopOptions, PublishLoop
from workbook_engine.render.publish import publish

runner = CliRunner()
NAME = re.compile(r"^so-diem-(?P<code>.+)-\d{8}-\d{6}\.zip$")
NOT_COPIED = {"ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm", "wbe.lock"}


# --- a small school that received files ---------------------------------------------------------


@pytest.fixture(scope="module")
def received(
    tmp_path_factory: pytest.TempPathFactory, small_school: Setup, school_data: Path
) -> School:
    """The session's small school (setup, secret, issued sheets) after one accepted and one
    rejected sheet, a PIN set, and a printed book in the outbox. Read only: copy to change."""
    root = tmp_path_factory.mktemp("backup-school")
    data = DataDir(root / "data")
    shutil.copytree(school_data, data.root)
    school = School(small_school, data, root / "inbox", root / "outbox")
    accepted = school.fill("6A1", "TOAN", {"D8": 8.5, "D9": 7})
    rejected = school.fill("7A1", "TOAN", {"D8": 15})  # above 10: returned, kept in rejected/
    outcomes = school.ingest(accepted, rejected)
    assert [o.status is Status.REJECTED for o in outcomes] == [False, True]
    set_pin(data, "GV001", "246810")  # the principal's PIN: pins.json
    book = school.outbox / "books" / "so-theo-doi" / "6A1.pdf"
    book.parent.mkdir(parents=True, exist_ok=True)
    book.write_bytes(b"%PDF-1.7 a printed book")
    return school


def files_of(root: Path, skip: frozenset[str] | set[str] = frozenset()) -> dict[str, bytes]:
    """Every file below ``root`` as {posix relative path: bytes}, ``skip`` names left out."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in skip
    }


def ledger_state(path: Path) -> tuple[str, dict[str, int], str | None]:
    """(chain head, rows per table, what ``wbe log verify`` finds wrong) of a ledger file."""
    with Ledger.open_readonly(path) as ledger:
        return ledger.chain_head(), ledger.row_counts(), ledger.verify()


def rewrite_member(
    archive: Path, target: Path, member: str, edit: Callable[[bytes], bytes]
) -> Path:
    """A copy of ``archive`` with ``member``'s bytes edited (the manifest left as it was)."""
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            copy.writestr(info, edit(data) if info.filename == member else data)
    return target


def zip_with(target: Path, members: dict[str, bytes], manifest: dict[str, object]) -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr(MANIFEST, json.dumps(manifest))
    return target


@pytest.fixture(scope="module")
def archive(received: School, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One backup of ``received``, with its books: copy it before changing it."""
    folder = tmp_path_factory.mktemp("backups")
    return write_backup(received.data, folder, received.outbox)


# --- backup, verify, restore --------------------------------------------------------------------


def test_backup_verify_restore_gives_back_the_same_school(
    received: School, archive: Path, tmp_path: Path
) -> None:
    match = NAME.match(archive.name)
    assert match is not None and match["code"] == received.setup.school.code
    report = verify_backup(archive)
    assert report.valid, report.problems
    assert report.manifest is not None and report.checked == len(report.manifest.files)

    target = DataDir(tmp_path / "restored" / "data")
    restored = restore_backup(archive, target, tmp_path / "outbox")

    head, rows, broken = ledger_state(received.data.ledger)
    assert ledger_state(target.ledger) == (head, rows, None)
    assert broken is None and rows["files"] == 2 and rows["events"] > 2
    assert restored.manifest.chain_head == report.chain_head == head
    assert files_of(target.root, NOT_COPIED) == files_of(received.data.root, NOT_COPIED)
    for name in ("setup.xlsx", "secret.key", "pins.json"):
        assert (target.root / name).read_bytes() == (received.data.root / name).read_bytes()
    assert any((target.root / "archive").rglob("*.xlsx"))
    assert any((target.root / "share").rglob("*.xlsx"))  # the returned copy, the issued sheets
    assert files_of(tmp_path / "outbox" / "books") == files_of(received.outbox / "books")
    assert (restored.files, restored.books) == (len(report.manifest.files) - 1, 1)
    if os.name == "posix":
        assert (target.secret.stat().st_mode & 0o777) == 0o600
    assert not [p for p in target.root.parent.iterdir() if p.name.startswith(".")]

    result = runner.invoke(app, ["log", "verify", "--data-dir", str(target.root)])
    assert result.exit_code == 0, result.output
    assert f"Mã kiểm tra: {head}" in result.stdout

    # the master rebuilt from the restored ledger is the one of the original, cell for cell
    masters = []
    for data, folder in ((received.data, "before"), (target, "after")):
        with Ledger.open_readonly(data.ledger) as ledger:
            done = publish(ledger, received.setup, tmp_path / folder, OCTOBER)
        assert done.master is not None
        masters.append(master_values(tmp_path / folder))
    assert masters[0] == masters[1] and len(masters[0]["6A1"]) > 5


def test_the_manifest_lists_every_file_with_its_sha256(received: School, archive: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        raw = json.loads(zf.read(MANIFEST))
        names = zf.namelist()
    school = received.setup.school
    assert (raw["format"], raw["version"], raw["data_dir"]) == ("wbe-backup", 1, "data")
    assert raw["school"] == {"code": school.code, "name": school.name, "year": school.school_year}
    assert datetime.fromisoformat(raw["created"]).utcoffset() is not None
    head, rows, _ = ledger_state(received.data.ledger)
    assert raw["ledger"] == {"path": LEDGER_MEMBER, "chain_head": head, "rows": rows}
    listed = {f["path"]: f for f in raw["files"]}
    assert sorted(listed) == sorted(n for n in names if n != MANIFEST)
    secret = received.data.secret.read_bytes()
    assert listed["data/secret.key"] == {
        "path": "data/secret.key",
        "size": len(secret),
        "sha256": hashlib.sha256(secret).hexdigest(),
    }
    assert "outbox/books/so-theo-doi/6A1.pdf" in listed
    assert not [n for n in names if n.endswith(("-wal", "-shm", "wbe.lock"))]


def test_locks_temporaries_and_office_lock_files_are_left_out(
    received: School, tmp_path: Path
) -> None:
    data = DataDir(tmp_path / "data")
    shutil.copytree(received.data.root, data.root)
    junk = [
        "wbe.lock",
        ".setup.0123456789ab.xlsx",  # a killed atomic write
        "archive/.x.abcdef012345.xlsx",
        "~$setup.xlsx",
        "archive/.~lock.a.xlsx#",
        "ledger.sqlite-journal",
    ]
    for name in junk:
        (data.root / name).write_bytes(b"junk")
    (data.root / "notes.txt").write_text("kept: anything else the school keeps there")
    with zipfile.ZipFile(write_backup(data, tmp_path / "out")) as zf:
        names = set(zf.namelist())
    assert not {f"data/{name}" for name in junk} & names
    assert "data/notes.txt" in names and "data/ledger.sqlite" in names


def test_backup_while_another_connection_holds_a_write_open(
    received: School, tmp_path: Path
) -> None:
    data = DataDir(tmp_path / "data")
    shutil.copytree(received.data.root, data.root)
    before = ledger_state(data.ledger)
    with Ledger.open(data.ledger) as writer:
        with writer.transaction():  # BEGIN IMMEDIATE: a row and its event, not committed
            writer.record_lock("lock", 1, "HT", "6A1", "TOAN", "khoá thử")
            during = write_backup(data, tmp_path / "during")
        after = write_backup(data, tmp_path / "after")
    assert verify_backup(during).valid and verify_backup(after).valid
    copy = tmp_path / "copy.sqlite"
    with zipfile.ZipFile(during) as zf:
        copy.write_bytes(zf.read(LEDGER_MEMBER))
    assert ledger_state(copy) == before  # the open write is wholly out
    committed = read_manifest(after)
    assert committed.rows["locks"] == before[1]["locks"] + 1
    assert committed.rows["events"] == before[1]["events"] + 1
    assert committed.chain_head != before[0]


def test_snapshot_copies_the_ledger_without_writing_to_it(received: School, tmp_path: Path) -> None:
    source = received.data.ledger
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    head, rows = snapshot_ledger(source, tmp_path / "copy.sqlite")
    assert (head, rows, None) == ledger_state(source)
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest


def test_a_new_school_without_a_ledger_is_backed_up_and_restored(
    school: School, tmp_path: Path
) -> None:
    """Before the first file arrives, the setup and the secret are what must not be lost."""
    assert not school.data.ledger.exists()
    archive = write_backup(school.data, tmp_path / "b")
    manifest = read_manifest(archive)
    assert (manifest.chain_head, manifest.rows) == (None, {})
    assert verify_backup(archive).valid
    target = DataDir(tmp_path / "restored")
    restore_backup(archive, target)
    assert files_of(target.root) == files_of(school.data.root)


def test_a_damaged_ledger_is_refused_not_backed_up(received: School, tmp_path: Path) -> None:
    data = DataDir(tmp_path / "data")
    shutil.copytree(received.data.root, data.root)
    data.ledger.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(WorkbookEngineError) as refused:
        write_backup(data, tmp_path / "b")
    assert [p.code for p in refused.value.report] == ["ledger-damaged"]
    assert not (tmp_path / "b").exists()


# --- damaged and hostile archives -------------------------------------------------------------


def test_a_tampered_member_is_named_and_restore_refuses(archive: Path, tmp_path: Path) -> None:
    original = next(n for n in zipfile.ZipFile(archive).namelist() if n.startswith("data/archive/"))
    once = rewrite_member(archive, tmp_path / "once.zip", "data/setup.xlsx", lambda b: b + b"x")
    twice = rewrite_member(once, tmp_path / "twice.zip", original, lambda b: b[::-1])
    report = verify_backup(twice)
    assert [(p.code, p.file) for p in report.problems] == [
        ("backup-member-damaged", "data/setup.xlsx"),
        ("backup-member-damaged", original),
    ]  # every problem, not only the first
    assert "dài" in report.problems[0].message and "sha256" in report.problems[1].message
    target = DataDir(tmp_path / "restored")
    with pytest.raises(WorkbookEngineError) as refused:
        restore_backup(twice, target)
    codes = [p.code for p in refused.value.report]
    assert codes == ["backup-member-damaged", "backup-member-damaged", "backup-damaged"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["once.zip", "twice.zip"]


def test_a_damaged_ledger_member_is_one_problem_and_a_dropped_one_is_missing(
    archive: Path, tmp_path: Path
) -> None:
    flipped = rewrite_member(archive, tmp_path / "flip.zip", LEDGER_MEMBER, lambda b: b[:-9] + b"x")
    assert [(p.code, p.file) for p in verify_backup(flipped).problems] == [
        ("backup-member-damaged", LEDGER_MEMBER)
    ]
    dropped = tmp_path / "dropped.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(dropped, "w") as zf:
        manifest = json.loads(source.read(MANIFEST))
        manifest["files"] = [f for f in manifest["files"] if f["path"] != LEDGER_MEMBER]
        for info in source.infolist():
            if info.filename not in (LEDGER_MEMBER, MANIFEST):
                zf.writestr(info, source.read(info))
        zf.writestr(MANIFEST, json.dumps(manifest))
    assert [(p.code, p.file) for p in verify_backup(dropped).problems] == [
        ("backup-member-missing", LEDGER_MEMBER)
    ]


def test_a_ledger_rewritten_with_a_consistent_manifest_fails_its_chain(
    archive: Path, tmp_path: Path
) -> None:
    """An edited score, with the manifest's size and sha256 updated to match: only the chain
    shows it."""
    copy = tmp_path / "ledger.sqlite"
    with zipfile.ZipFile(archive) as zf:
        copy.write_bytes(zf.read(LEDGER_MEMBER))
        manifest = json.loads(zf.read(MANIFEST))
    db = sqlite3.connect(copy)
    db.execute("UPDATE scores SET value = '10' WHERE rowid = (SELECT MIN(rowid) FROM scores)")
    db.commit()
    db.close()
    edited = copy.read_bytes()
    for entry in manifest["files"]:
        if entry["path"] == LEDGER_MEMBER:
            entry.update(size=len(edited), sha256=hashlib.sha256(edited).hexdigest())
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(forged, "w") as zf:
        for info in source.infolist():
            if info.filename == LEDGER_MEMBER:
                zf.writestr(info, edited)
            elif info.filename == MANIFEST:
                zf.writestr(info, json.dumps(manifest))
            else:
                zf.writestr(info, source.read(info))
    report = verify_backup(forged)
    assert [(p.code, p.file) for p in report.problems] == [("backup-ledger-broken", LEDGER_MEMBER)]
    assert "bị sửa trực tiếp" in report.problems[0].message


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("data/setup.xlsx", True),
        ("data/archive/ab/ab12.xlsx", True),
        ("outbox/books/hoc-ba/6A1 Nguyễn Văn An.pdf", True),
        ("manifest.json", True),
        ("../evil.txt", False),
        ("data/../../evil.txt", False),
        ("data/./setup.xlsx", False),
        ("/etc/passwd", False),
        ("\\\\server\\share\\x", False),
        ("C:/Windows/evil.dll", False),
        ("data\\..\\..\\evil.txt", False),
        ("data/secret.key:stream", False),
        ("outbox/master.xlsx", False),
        ("evil.txt", False),
        ("data//setup.xlsx", False),
    ],
)
def test_member_names_that_could_escape_are_unsafe(name: str, safe: bool) -> None:
    assert (unsafe_reason(name) is None) is safe


def test_a_zip_slip_member_is_refused_and_nothing_written(tmp_path: Path) -> None:
    evil = b"written outside"
    entry = {"size": len(evil), "sha256": hashlib.sha256(evil).hexdigest()}
    names = ["data/../../evil.txt", "../evil.txt", "/tmp/evil-wbe.txt"]
    manifest = {
        "format": "wbe-backup",
        "version": 1,
        "created": "2025-10-10T18:00:00+07:00",
        "data_dir": "data",
        "school": None,
        "ledger": None,
        "files": [{"path": "data/notes.txt", **entry}, *({"path": n, **entry} for n in names)],
    }
    (tmp_path / "in").mkdir()
    members = {"data/notes.txt": evil, **dict.fromkeys(names, evil)}
    hostile = zip_with(tmp_path / "in" / "slip.zip", members, manifest)
    report = verify_backup(hostile)
    assert {(p.code, p.file) for p in report.problems} == {
        ("backup-member-unsafe", n) for n in names
    }
    target = DataDir(tmp_path / "in" / "restore" / "data")
    with pytest.raises(WorkbookEngineError) as refused:
        restore_backup(hostile, target)
    assert refused.value.report.problems[-1].code == "backup-damaged"
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "in" / "evil.txt").exists()
    assert not Path("/tmp/evil-wbe.txt").exists()
    assert not (tmp_path / "in" / "restore").exists()


def test_extra_missing_and_doubled_members_are_each_reported(archive: Path, tmp_path: Path) -> None:
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(forged, "w") as zf:
        for info in source.infolist():
            if info.filename != "data/secret.key":
                zf.writestr(info, source.read(info))
        zf.writestr("data/extra.xlsx", b"slipped in")
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("data/setup.xlsx", b"a second setup")
    problems = {(p.code, p.file) for p in verify_backup(forged).problems}
    assert problems >= {
        ("backup-member-missing", "data/secret.key"),
        ("backup-member-unlisted", "data/extra.xlsx"),
        ("backup-member-unsafe", "data/setup.xlsx"),
    }


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"not a zip at all", "không phải tệp nén .zip"),
        (None, "không có bản kê manifest.json"),
        (b'{"format": "other"}', "không phải bản kê của wbe backup"),
        (b'{"format": "wbe-backup", "version": 9}', "phiên bản mới hơn"),
    ],
)
def test_a_file_that_is_not_a_backup(tmp_path: Path, content: bytes | None, detail: str) -> None:
    path = tmp_path / "x.zip"
    if content == b"not a zip at all":
        path.write_bytes(content)
    else:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("data/setup.xlsx", b"x")
            if content is not None:
                zf.writestr(MANIFEST, content)
    (problem,) = verify_backup(path).problems
    assert problem.code == "backup-not-an-archive" and detail in problem.message


def test_restore_refuses_a_folder_that_holds_anything(archive: Path, tmp_path: Path) -> None:
    target = DataDir(tmp_path / "data")
    target.root.mkdir()
    (target.root / "ghi-chu.txt").write_text("của văn thư")
    before = files_of(tmp_path)
    with pytest.raises(WorkbookEngineError) as refused:
        restore_backup(archive, target)
    (problem,) = refused.value.report
    assert problem.code == "restore-target-not-empty" and "ghi-chu.txt" in problem.message
    assert files_of(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_backup_refuses_a_destination_inside_the_data_dir_and_an_existing_file(
    received: School, tmp_path: Path
) -> None:
    with pytest.raises(WorkbookEngineError) as inside:
        write_backup(received.data, received.data.root / "backups")
    assert [p.code for p in inside.value.report] == ["backup-dest-inside-data"]
    assert not (received.data.root / "backups").exists()
    named = write_backup(received.data, tmp_path / "chosen.zip")
    assert named == tmp_path / "chosen.zip" and verify_backup(named).valid
    with pytest.raises(WorkbookEngineError) as exists:
        write_backup(received.data, named)
    assert [p.code for p in exists.value.report] == ["backup-dest-exists"]


def test_two_backups_in_the_same_second_never_overwrite(received: School, tmp_path: Path) -> None:
    when = datetime(2025, 10, 10, 18, 0, 0).astimezone()
    first = write_backup(received.data, tmp_path, now=when)
    second = write_backup(received.data, tmp_path, now=when)
    assert first != second and first.exists() and second.exists()
    code = received.setup.school.code
    assert sorted(p.name for p, _ in archives_in(tmp_path, code)) == sorted(
        [first.name, second.name]
    )


# --- the daily backup in the watcher ------------------------------------------------------------

D = datetime(2025, 10, 10, 9, 0)


@pytest.mark.parametrize(
    ("taken", "today", "due"),
    [
        ([], D.date(), True),  # never backed up
        ([D - timedelta(days=1)], D.date(), True),  # yesterday's only
        ([D.replace(hour=0, minute=0, second=1)], D.date(), False),  # just after midnight
        ([D.replace(hour=23, minute=59)], D.date(), False),
        ([D - timedelta(days=1), D], D.date(), False),
        ([D + timedelta(days=1)], D.date(), True),  # one dated tomorrow (a clock set wrong)
    ],
)
def test_a_backup_is_due_once_a_local_day(taken: list[datetime], today: date, due: bool) -> None:
    assert backup_due(taken, today) is due


@pytest.mark.parametrize(
    ("days_old", "keep", "deleted"),
    [
        ([0, 1, 2], 7, []),
        ([0, 1, 2, 3, 4, 5, 6, 7, 8], 7, [7, 8]),
        ([3, 0, 8, 1], 2, [3, 8]),  # whatever order the folder lists them in
        ([0, 1], 1, [1]),
        ([0, 1], 0, [1]),  # at least one is always kept
    ],
)
def test_only_the_newest_archives_are_kept(
    days_old: list[int], keep: int, deleted: list[int]
) -> None:
    archives = [(Path(f"{d}.zip"), D - timedelta(days=d)) for d in days_old]
    assert to_delete(archives, keep) == [Path(f"{d}.zip") for d in deleted]


def test_archives_of_another_school_or_half_written_are_not_counted(tmp_path: Path) -> None:
    for name in [
        "so-diem-THCS-ND-20251010-090000.zip",
        "so-diem-THCS-ND-20251009-090000-2.zip",
        "so-diem-THCS-NDX-20251008-090000.zip",  # another school
        ".so-diem-THCS-ND-20251011-090000.0123456789ab.zip",  # a killed backup
        "so-diem-THCS-ND-2025.zip",
        "ghi-chu.txt",
    ]:
        (tmp_path / name).write_bytes(b"")
    found = sorted((p.name, t) for p, t in archives_in(tmp_path, "THCS-ND"))
    assert found == [
        ("so-diem-THCS-ND-20251009-090000-2.zip", datetime(2025, 10, 9, 9)),
        ("so-diem-THCS-ND-20251010-090000.zip", datetime(2025, 10, 10, 9)),
    ]


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_the_schedule_backs_up_once_a_day_and_keeps_n(received: School, tmp_path: Path) -> None:
    clock = Clock(datetime(2025, 10, 10, 7, 30).astimezone())
    folder = tmp_path / "sao-luu"
    schedule = BackupSchedule(received.data, folder, keep=2, setup=received.setup, now=clock)
    taken = []
    for step in [timedelta(0), timedelta(hours=10), timedelta(hours=17), timedelta(hours=1),
                 timedelta(days=1), timedelta(days=1)]:  # fmt: skip
        clock.now += step
        taken.append(schedule.step())
    made = [p.name[-19:-4] if p else None for p in taken]
    assert made == [
        "20251010-073000",
        None,
        "20251011-103000",
        None,
        "20251012-113000",
        "20251013-113000",
    ]
    assert sorted(p.name[-19:-4] for p in folder.iterdir()) == [
        "20251012-113000",
        "20251013-113000",
    ]
    fresh = BackupSchedule(received.data, folder, keep=2, setup=received.setup, now=clock)
    assert fresh.step() is None  # a restarted watcher finds today's archive


def test_a_failed_backup_is_tried_again_an_hour_later(received: School, tmp_path: Path) -> None:
    clock = Clock(datetime(2025, 10, 10, 7, 30).astimezone())
    folder = tmp_path / "not-a-folder"
    folder.write_text("a file where the folder should be")
    schedule = BackupSchedule(received.data, folder, setup=received.setup, now=clock)
    with pytest.raises(OSError):
        schedule.step()
    clock.now += RETRY_AFTER - timedelta(minutes=1)
    assert schedule.step() is None  # not tried at every idle moment
    folder.unlink()
    clock.now += timedelta(minutes=1)
    made = schedule.step()
    assert made is not None and made.parent == folder and verify_backup(made).valid


def test_the_publisher_runs_its_idle_work_only_when_nothing_waits() -> None:
    now = [0.0]
    ran: list[str] = []
    fail = [False]

    def publish() -> None:
        if fail[0]:
            raise OSError("master.xlsx đang mở")
        ran.append("publish")

    def idle() -> None:
        ran.append("idle")
        raise RuntimeError("a failing backup never stops the publisher")

    loop = PublishLoop(publish, LoopOptions(quiet_seconds=2), clock=lambda: now[0], idle=idle)
    assert loop.idle_step() is True  # at start
    loop.request()
    assert loop.idle_step() is False  # a publish is waiting
    now[0] = 5.0
    assert loop.step() is True and loop.idle_step() is True  # after the publish
    fail[0] = True
    loop.request()
    now[0] = 10.0
    assert loop.step() is False and loop.idle_step() is False  # in backoff: still waiting
    assert ran == ["idle", "publish", "idle"]
    assert PublishLoop(publish).idle_step() is False  # no idle work given


# --- the command line -------------------------------------------------------------------------


def test_cli_backup_verify_and_restore(received: School, tmp_path: Path) -> None:
    data = str(received.data.root)
    done = runner.invoke(app, ["backup", str(tmp_path / "b"), "--data-dir", data])
    assert done.exit_code == 0, done.output
    (archive,) = (tmp_path / "b").iterdir()
    head = read_manifest(archive).chain_head
    assert head is not None
    lines = done.stdout.splitlines()
    assert lines[0] == f"Đã sao lưu thư mục dữ liệu {data} vào {archive}"
    assert re.fullmatch(
        rf"\d+ tệp, \d+,\d (KB|MB); sổ điểm \d+ sự kiện, mã kiểm tra {head[:16]}\.", lines[1]
    )

    checked = runner.invoke(app, ["backup", "--verify", str(archive)])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.startswith(f"Bản sao lưu {archive} nguyên vẹn: ")
    assert f"mã kiểm tra {head[:16]}; tạo lúc " in checked.stdout

    target = tmp_path / "moi" / "data"
    restored = runner.invoke(app, ["restore", str(archive), "--data-dir", str(target)])
    assert restored.exit_code == 0, restored.output
    assert restored.stdout.startswith("Đã khôi phục ") and f"vào {target} (" in restored.stdout
    assert f"wbe log verify --data-dir {target}" in restored.stdout
    assert ledger_state(target / "ledger.sqlite")[0] == head

    again = runner.invoke(app, ["restore", str(archive), "--data-dir", str(target)])
    assert again.exit_code == 1
    assert again.stderr.startswith(f"Lỗi: thư mục {target} đã có dữ liệu (")
    assert "không ghi đè" in again.stderr and "Cách sửa: Khôi phục vào một thư mục mới" in (
        again.stderr
    )


def test_cli_verify_names_the_damaged_member_and_exits_1(archive: Path, tmp_path: Path) -> None:
    bad = rewrite_member(archive, tmp_path / "bad.zip", "data/secret.key", lambda b: b[:-1] + b"0")
    result = runner.invoke(app, ["backup", "--verify", str(bad)])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("Lỗi")]
    assert lines[0].startswith(
        "Lỗi: Tệp data/secret.key: tệp trong bản sao lưu bị hỏng hoặc đã bị sửa: mã sha256 khác "
        "bản kê (nội dung đã bị sửa). Cách sửa: Không dùng bản sao lưu này"
    )
    assert lines[1].startswith(f"Lỗi: bản sao lưu {bad} có 1 lỗi (xem trên); không dùng được")
    restored = runner.invoke(app, ["restore", str(bad), "--data-dir", str(tmp_path / "d")])
    assert restored.exit_code == 1 and "Tệp data/secret.key" in restored.stderr
    assert not (tmp_path / "d").exists()


def test_cli_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.zip"
    path.write_bytes(b"PK not really")
    result = runner.invoke(app, ["backup", "--verify", str(path)])
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("Lỗi")]
    assert line.startswith(f"Lỗi: tệp {path} không phải bản sao lưu của sổ điểm (")
    missing = runner.invoke(app, ["backup", "--verify", str(tmp_path / "khong-co.zip")])
    assert missing.exit_code == 1 and "không tìm thấy tệp" in missing.stderr
    nothing = runner.invoke(app, ["backup", str(tmp_path / "b"), "--data-dir", str(tmp_path)])
    assert nothing.exit_code == 1
    assert "không phải thư mục dữ liệu của trường" in nothing.stderr


def test_watch_refuses_a_backup_dir_inside_the_data_dir_before_starting(school: School) -> None:
    inside = school.data.root / "sao-luu"
    result = runner.invoke(
        app, ["watch", "--data-dir", str(school.data.root), "--backup-dir", str(inside)]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Lỗi: không ghi bản sao lưu vào {inside}: nơi này nằm")
    assert not (school.data.root / "wbe.lock").exists() and not inside.exists()


@pytest.mark.parametrize("args", [["backup", "--help"], ["restore", "--help"], ["watch", "--help"]])
def test_backup_help_imports_no_heavy_library(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from workbook_engine.cli import app\n"
        f"try:\n    app({args!r}, prog_name='wbe')\n"
        "except SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        f"print({LOADED})\n"
    )
    assert run_python(code) == "[]"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX here")
def test_watch_takes_todays_backup_at_start(school: School, tmp_path: Path) -> None:
    school.inbox.mkdir(parents=True)
    folder = tmp_path / "sao-luu"
    command = [
        sys.executable, "-m", "workbook_engine.cli", "watch",
        "--data-dir", str(school.data.root), "--inbox", str(school.inbox),
        "--outbox", str(school.outbox), "--settle", "0.3",
        "--backup-dir", str(folder), "--backup-keep", "3",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not list(folder.glob("so-diem-*.zip")) and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    (made,) = folder.glob("so-diem-*.zip")
    assert made.name.startswith(f"so-diem-{school.setup.school.code}-")
    assert verify_backup(made).valid
    assert "Đã sao lưu" in stderr
