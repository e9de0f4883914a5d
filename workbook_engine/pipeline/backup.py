"""Backup and restore of a school's data directory: one self-checking zip archive.

An archive (``so-diem-<school code>-<YYYYmmdd-HHMMSS>.zip``) holds::

    manifest.json            what is inside: per file its size and sha256, the chain head and
                             the ledger's row count per table, the school and the time taken
    data/ledger.sqlite       a consistent copy made with SQLite's online backup API (the watcher
                             may write meanwhile: the copy is the ledger as of one transaction)
    data/setup.xlsx, data/secret.key, data/pins.json, data/archive/…, data/rejected/…,
    data/receipts/…          everything else under the data directory but locks and temporaries
    outbox/books/…           the printed books, when an outbox was given

:func:`verify_backup` re-hashes every member and checks the ledger copy's chain;
:func:`restore_backup` does that first, then restores into an empty data directory only.
The archive holds the school's secret key and PIN hashes: it is written readable by its owner
only (on POSIX) and must be kept like the data directory itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from workbook_engine.errors import Problem, WorkbookEngineError, make_problem
from workbook_engine.io.atomic import atomic_path
from workbook_engine.model import Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.backup_manifest import (
    BOOKS,
    DATA,
    LEDGER_MEMBER,
    MANIFEST,
    Entry,
    Manifest,
    archive_name,
    backup_label,
    folder_name,
    local_now,
    not_an_archive,
    unsafe_reason,
)
from workbook_engine.pipeline.ledger import Ledger

log = logging.getLogger("workbook_engine.backup")

Progress = Callable[[int, int], None]  # (done, total) files

CHUNK = 1 << 20
ZIP64_FROM = 1 << 30  # a member this large (or growing) is written with ZIP64 sizes

# never copied from the data directory: the ledger's own files (copied through SQLite), the
# service lock, Office lock files, the temporaries of io.atomic.atomic_path, desktop litter
_LEDGER_FILES = frozenset(
    {"ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm", "ledger.sqlite-journal"}
)
_SKIPPED = frozenset({"wbe.lock", "thumbs.db", "desktop.ini", ".ds_store"})
_TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{12}(\.[A-Za-z0-9]{1,8})?$")  # as io.atomic writes them


# --- writing ----------------------------------------------------------------------------------


def check_destination(data: DataDir, dest: Path) -> None:
    """``backup-dest-inside-data``: a backup inside the data directory would back itself up
    and dies with the disk it protects against."""
    root, target = Path(data.root).resolve(), Path(dest).resolve()
    if target == root or target.is_relative_to(root):
        raise WorkbookEngineError(make_problem("backup-dest-inside-data", dest=dest, data=root))


def write_backup(
    data: DataDir,
    dest: Path,
    outbox: Path | None = None,
    progress: Progress | None = None,
    *,
    setup: Setup | None = None,
    now: datetime | None = None,
) -> Path:
    """Write one archive of ``data`` (and ``outbox/books``) into the folder ``dest``, or exactly
    to ``dest`` when it ends in ``.zip``; returns its path. A killed backup leaves no archive
    under that name (only a hidden temporary beside it)."""
    if not data.root.is_dir():
        raise WorkbookEngineError(make_problem("path-missing", path=data.root))
    if not data.ledger.exists() and not data.setup.exists():
        raise WorkbookEngineError(make_problem("backup-not-a-data-dir", path=data.root))
    check_destination(data, dest)
    setup = setup or _setup_if_readable(data)
    taken = (now or local_now()).astimezone()  # a naive time is taken as local
    target = _target(Path(dest), backup_label(data, setup), taken)
    sources = _sources(data, outbox)
    total = len(sources) + 1
    with tempfile.TemporaryDirectory(prefix="wbe-backup-", ignore_cleanup_errors=True) as tmp:
        copy = Path(tmp) / "ledger.sqlite"
        head, rows = snapshot_ledger(data.ledger, copy) if data.ledger.exists() else (None, {})
        created, folder = taken.isoformat(timespec="seconds"), folder_name(data)
        manifest = Manifest(created, folder, _school(setup), head, rows)
        with atomic_path(target) as part:
            with contextlib.suppress(OSError):
                part.chmod(0o600)  # the secret key is inside
            with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
                if head is not None:
                    manifest.files.append(_add(zf, copy, LEDGER_MEMBER))
                for done, (source, member) in enumerate(sources, start=2):
                    entry = _add_if_there(zf, source, member)
                    if entry is not None:
                        manifest.files.append(entry)
                    if progress is not None:
                        progress(done, total)
                zf.writestr(MANIFEST, manifest.to_json())
    log.info("Đã sao lưu %s vào %s (%d tệp)", data.root, target, len(manifest.files))
    return target


def _target(dest: Path, label: str, taken: datetime) -> Path:
    if dest.suffix.lower() == ".zip":
        if dest.exists():
            raise WorkbookEngineError(make_problem("backup-dest-exists", path=dest))
        return dest
    name = archive_name(label, taken)
    target, n = dest / name, 1
    while target.exists():  # two backups in one second: never over the first
        n += 1
        target = dest / name.replace(".zip", f"-{n}.zip")
    return target


def _setup_if_readable(data: DataDir) -> Setup | None:
    from workbook_engine.io.setup_reader import check_setup

    try:
        return check_setup(data.setup)[0] if data.setup.exists() else None
    except Exception:  # the setup only names the archive; a broken one must not stop a backup
        log.warning("Không đọc được %s: bản sao lưu mang tên thư mục dữ liệu", data.setup)
        return None


def _school(setup: Setup | None) -> dict[str, str] | None:
    if setup is None:
        return None
    school = setup.school
    return {"code": school.code, "name": school.name, "year": school.school_year}


def snapshot_ledger(ledger: Path, copy: Path) -> tuple[str, dict[str, int]]:
    """Copy ``ledger`` to ``copy`` with SQLite's online backup API (one read transaction: a
    write in progress elsewhere is either wholly in or wholly out), then read the copy's chain
    head and row counts. The ledger is opened read-only; only when SQLite must first finish an
    interrupted write (a hot journal) is it opened as every other command opens it.
    ``ledger-damaged`` for a file SQLite cannot read."""
    try:
        try:
            Ledger.copy_file(ledger, copy, readonly=True)
        except sqlite3.OperationalError as exc:  # also a UNC path, which SQLite's URIs refuse
            log.info("Sổ điểm được mở như khi ghi để sao lưu (%s)", exc)
            copy.unlink(missing_ok=True)
            Ledger.copy_file(ledger, copy, readonly=False)
        with Ledger.as_is(copy) as opened:
            return opened.chain_head(), opened.row_counts()
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError):
            raise
        raise WorkbookEngineError(
            make_problem("ledger-damaged", path=ledger, detail=" ".join(str(exc).split()))
        ) from exc


def _skipped(name: str) -> bool:
    return (
        name.startswith(("~$", ".~lock."))
        or name.lower() in _SKIPPED
        or _TEMPORARY.match(name) is not None
    )


def _sources(data: DataDir, outbox: Path | None) -> list[tuple[Path, str]]:
    """(file, member name) for everything to copy besides the ledger, in name order."""
    found = [(p, f"{DATA}/{rel}") for p, rel in _walk(data.root) if rel not in _LEDGER_FILES]
    if outbox is not None and (Path(outbox) / "books").is_dir():
        found += [(p, f"{BOOKS}/{rel}") for p, rel in _walk(Path(outbox) / "books")]
    return found


def _walk(root: Path) -> list[tuple[Path, str]]:
    """Regular files below ``root`` (links are not followed), as (path, posix relative path)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not Path(folder, d).is_symlink())
        for name in sorted(files):
            path = Path(folder, name)
            if not _skipped(name) and not path.is_symlink():
                found.append((path, path.relative_to(root).as_posix()))
    return found


def _add_if_there(zf: zipfile.ZipFile, source: Path, member: str) -> Entry | None:
    try:
        return _add(zf, source, member)
    except FileNotFoundError:  # moved away meanwhile (a rejected file answered, a temp)
        log.info("%s đã bị chuyển đi trong lúc sao lưu: bỏ qua", source)
        return None


def _add(zf: zipfile.ZipFile, source: Path, member: str) -> Entry:
    """Stream ``source`` into the archive, hashing exactly the bytes stored."""
    with source.open("rb") as file:
        info = zipfile.ZipInfo.from_file(source, member, strict_timestamps=False)
        info.compress_type = zipfile.ZIP_DEFLATED
        digest, size = hashlib.sha256(), 0
        with zf.open(info, "w", force_zip64=info.file_size >= ZIP64_FROM) as out:
            while chunk := file.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
    return Entry(member, size, digest.hexdigest())


# --- verifying --------------------------------------------------------------------------------


@dataclass
class BackupReport:
    """What :func:`verify_backup` found: every problem, each located by its member's name."""

    archive: Path
    manifest: Manifest | None = None
    problems: list[Problem] = field(default_factory=list)
    checked: int = 0  # members re-hashed and found as listed
    chain_head: str | None = None  # of the ledger copy, as read back

    @property
    def valid(self) -> bool:
        return not self.problems

    def error(self) -> WorkbookEngineError:
        """Every problem, then the headline ``backup-damaged`` (not after the only problem
        that the file is no backup at all)."""
        if [p.code for p in self.problems] == ["backup-not-an-archive"]:
            return WorkbookEngineError(*self.problems)
        headline = make_problem("backup-damaged", path=self.archive, count=len(self.problems))
        return WorkbookEngineError(*self.problems, headline)


def verify_backup(archive: Path, progress: Progress | None = None) -> BackupReport:
    """Re-hash every member against the manifest, check that nothing is missing, extra or
    unsafe, and verify the ledger copy's chain (in a temporary folder) and its head and row
    counts against the manifest. Collects every problem; never stops at the first."""
    report = BackupReport(Path(archive))
    try:
        zf = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile) as exc:
        report.problems.append(not_an_archive(Path(archive), exc))
        return report
    with zf, tempfile.TemporaryDirectory(prefix="wbe-verify-", ignore_cleanup_errors=True) as tmp:
        try:
            report.manifest = Manifest.from_json(zf.read(MANIFEST).decode("utf-8"))
        except (KeyError, ValueError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
            report.problems.append(not_an_archive(Path(archive), exc))
            return report
        manifest = report.manifest
        _check_names(zf, manifest, report)
        copy, intact = Path(tmp) / "ledger.sqlite", False
        for done, entry in enumerate(manifest.files, start=1):
            keep = copy if entry.path == LEDGER_MEMBER else None
            if _check_member(zf, entry, report, keep):
                report.checked += 1
                intact = intact or keep is not None
            if progress is not None:
                progress(done, len(manifest.files))
        if manifest.chain_head is not None and intact:
            _check_ledger(copy, manifest, report)
        elif manifest.chain_head is not None and LEDGER_MEMBER not in {
            e.path for e in manifest.files
        }:
            report.problems.append(_member_problem("backup-member-missing", LEDGER_MEMBER))
    return report


def _member_problem(code: str, member: str, **values: Any) -> Problem:
    return make_problem(code, file=member, **values)


def _check_names(zf: zipfile.ZipFile, manifest: Manifest, report: BackupReport) -> None:
    """Unsafe names, names twice, members the manifest does not list (folder entries, which
    are never unpacked, are let be)."""
    listed = Counter(e.path for e in manifest.files)
    stored = Counter(n for n in zf.namelist() if not n.endswith("/"))
    for name in listed | stored:
        reason = unsafe_reason(name)
        if reason is None and max(listed[name], stored[name]) > 1:
            reason = "xuất hiện hai lần trong bản sao lưu"
        if reason is not None:
            report.problems.append(_member_problem("backup-member-unsafe", name, detail=reason))
    for name in stored:
        if name not in listed and name != MANIFEST:
            report.problems.append(_member_problem("backup-member-unlisted", name))


def _check_member(
    zf: zipfile.ZipFile, entry: Entry, report: BackupReport, keep: Path | None
) -> bool:
    """Whether the member holds exactly the listed bytes (written to ``keep`` when asked)."""
    if unsafe_reason(entry.path) is not None:
        return False  # reported by _check_names; never read
    try:
        with zf.open(entry.path) as member, _sink(keep) as out:
            digest, size = _copy_hashed(member, out, entry.size)
    except KeyError:
        report.problems.append(_member_problem("backup-member-missing", entry.path))
        return False
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # CRC, truncated, zlib
        detail = f"không đọc được: {exc}"
        report.problems.append(_member_problem("backup-member-damaged", entry.path, detail=detail))
        return False
    if size != entry.size or digest != entry.sha256:
        detail = (
            f"dài {size} byte thay vì {entry.size}"
            if size != entry.size
            else "mã sha256 khác bản kê (nội dung đã bị sửa)"
        )
        report.problems.append(_member_problem("backup-member-damaged", entry.path, detail=detail))
        return False
    return True


@contextlib.contextmanager
def _sink(path: Path | None) -> Iterator[IO[bytes] | None]:
    if path is None:
        yield None
        return
    with path.open("xb") as file:
        yield file


def _copy_hashed(source: IO[bytes], out: IO[bytes] | None, limit: int) -> tuple[str, int]:
    """Hash (and copy) at most ``limit`` + 1 bytes: a member larger than listed is damaged
    already, and is not unpacked further (a zip bomb stops there)."""
    digest, size = hashlib.sha256(), 0
    while size <= limit and (chunk := source.read(min(CHUNK, limit + 1 - size))):
        digest.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    return digest.hexdigest(), size


def _check_ledger(copy: Path, manifest: Manifest, report: BackupReport) -> None:
    """The ledger copy's chain holds, and its head and row counts are the manifest's."""
    try:
        with Ledger.as_is(copy) as ledger:
            broken = ledger.verify()
            head, rows = ledger.chain_head(), ledger.row_counts()
    except sqlite3.DatabaseError as exc:
        report.problems.append(
            _member_problem("backup-ledger-broken", LEDGER_MEMBER, detail=f"không mở được: {exc}")
        )
        return
    report.chain_head = head
    if broken is not None:
        report.problems.append(
            _member_problem("backup-ledger-broken", LEDGER_MEMBER, detail=broken)
        )
    if head != manifest.chain_head:
        detail = f"mã kiểm tra {head[:16]}… thay vì {str(manifest.chain_head)[:16]}…"
        report.problems.append(
            _member_problem("backup-ledger-mismatch", LEDGER_MEMBER, detail=detail)
        )
    for table in sorted(set(rows) | set(manifest.rows)):
        found, listed = rows.get(table, 0), manifest.rows.get(table, 0)
        if table not in rows or table not in manifest.rows or found != listed:
            detail = f"bảng {table} có {found} dòng, bản kê ghi {listed}"
            report.problems.append(
                _member_problem("backup-ledger-mismatch", LEDGER_MEMBER, detail=detail)
            )


# --- restoring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    data: DataDir
    manifest: Manifest
    files: int  # restored under the data directory
    books: int  # restored under outbox/books


def restore_backup(
    archive: Path, data: DataDir, outbox: Path | None = None, progress: Progress | None = None
) -> Restored:
    """Restore ``archive`` into ``data`` (missing or an empty folder), and its books into
    ``outbox/books`` when ``outbox`` is given: ``restore-target-not-empty`` before anything
    else, then :func:`verify_backup` (every problem, ``backup-damaged``). Files are unpacked
    into a hidden folder beside the target, checked again (hashes, the ledger's chain head) and
    only then renamed into place: nothing is ever overwritten, nothing half-restored is left
    under the target's name."""
    books = Path(outbox) / "books" if outbox is not None else None
    for folder in (data.root, books):
        if folder is not None:
            require_empty(folder)
    report = verify_backup(archive, progress)
    if not report.valid or report.manifest is None:
        raise report.error()
    manifest = report.manifest
    with zipfile.ZipFile(archive) as zf:
        files = _unpack(zf, manifest, DATA, data.root, check_ledger=True)
        shelved = _unpack(zf, manifest, BOOKS, books, check_ledger=False) if books else 0
    log.info("Đã khôi phục %s vào %s (%d tệp)", archive, data.root, files)
    return Restored(data, manifest, files, shelved)


def require_empty(folder: Path) -> None:
    """``restore-target-not-empty`` unless ``folder`` is missing or an empty folder (a restore
    never writes over anything, nor mixes an archive with what is there)."""
    if folder.is_dir():
        inside = sorted(p.name for p in folder.iterdir())
        if inside:
            shown = ", ".join(inside[:3]) + (", …" if len(inside) > 3 else "")
            raise WorkbookEngineError(
                make_problem("restore-target-not-empty", path=folder, detail=shown)
            )
    elif folder.exists():
        raise WorkbookEngineError(
            make_problem("restore-target-not-empty", path=folder, detail="là một tệp")
        )


def _unpack(
    zf: zipfile.ZipFile, manifest: Manifest, prefix: str, target: Path, *, check_ledger: bool
) -> int:
    """Unpack the members under ``prefix/`` into ``target`` through a staging folder."""
    entries = [e for e in manifest.files if e.path.startswith(f"{prefix}/")]
    if not entries:
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}")
    staging.mkdir()
    try:
        for entry in entries:
            _unpack_one(zf, entry, staging / entry.path[len(prefix) + 1 :], staging)
        if check_ledger and manifest.chain_head is not None:
            _check_restored_head(DataDir(staging), manifest)
        require_empty(target)  # once more: nothing appeared there meanwhile
        if target.is_dir():
            target.rmdir()
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return len(entries)


def _unpack_one(zf: zipfile.ZipFile, entry: Entry, path: Path, staging: Path) -> None:
    if unsafe_reason(entry.path) is not None or not path.resolve().is_relative_to(
        staging.resolve()
    ):
        raise WorkbookEngineError(
            make_problem(
                "backup-member-unsafe", file=entry.path, detail="trỏ ra ngoài thư mục khôi phục"
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    info = zf.getinfo(entry.path)
    with zf.open(info) as member, path.open("xb") as out:
        digest, size = _copy_hashed(member, out, entry.size)
    if (digest, size) != (entry.sha256, entry.size):  # the archive changed since it was checked
        detail = "nội dung khác bản kê khi giải nén"
        raise WorkbookEngineError(
            make_problem("backup-member-damaged", file=entry.path, detail=detail)
        )
    mode = (info.external_attr >> 16) & 0o777
    if mode:
        with contextlib.suppress(OSError):
            path.chmod(mode)


def _check_restored_head(data: DataDir, manifest: Manifest) -> None:
    with Ledger.as_is(data.ledger) as ledger:
        head = ledger.chain_head()
    if head != manifest.chain_head:
        detail = f"mã kiểm tra {head[:16]}… thay vì {str(manifest.chain_head)[:16]}…"
        raise WorkbookEngineError(
            make_problem("backup-ledger-mismatch", file=LEDGER_MEMBER, detail=detail)
        )
