"""One service per data directory: ``wbe watch`` and ``wbe ingest`` hold ``<data>/wbe.lock``.

Two services on one data directory ingest the same dropped file twice (two rows in ``files``,
every change logged twice). The lock file is created atomically (``O_CREAT | O_EXCL``, on Windows
too) and holds who owns it, as JSON: ``{"pid", "host", "started" (local time), "command"}``. The
owner also holds an OS lock on the open file (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on
Windows): the OS drops it when the process dies, however it dies, so a lock file left by a crash
is recognised and taken over (with a warning in the log) without asking anyone.

A lock file found in place is judged so:

* written on another machine (a data directory on a network share): refused, naming that
  machine; nobody here can tell whether it still runs (delete the file after checking it);
* the OS lock is free: its owner is gone (crashed, killed, the PC restarted): taken over;
* the OS lock is held: refused, naming the owner;
* this file system offers no OS lock: the owner's process id decides (taken over only when that
  process surely no longer exists).

The lock is released when the ``with`` block ends, and at interpreter exit otherwise.

Other commands writing the ledger (``wbe corrections approve/refuse``, ``wbe lock``/``unlock``)
do not take this lock: each is one short SQLite transaction (``BEGIN IMMEDIATE``), serialised
with the service's writes by SQLite itself, and the principal must be able to decide while the
service runs. Only the service needs exclusivity: it keeps state between files (a file it reads
is in its inbox, not yet in the ledger)."""

from __future__ import annotations

import atexit
import contextlib
import errno
import json
import logging
import os
import socket
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from workbook_engine.errors import WorkbookEngineError, make_problem

log = logging.getLogger("workbook_engine.service")

LOCK_NAME = "wbe.lock"
# Windows' byte-range locks are mandatory (a locked byte cannot be read by anyone else): the one
# byte locked lies far beyond the JSON, which any process can still read.
_LOCKED_BYTE = 1 << 30
_UNKNOWN = "không rõ"


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or held) the lock, as written in the lock file."""

    pid: int
    host: str
    started: str  # ISO local time with its offset
    command: str = ""

    @classmethod
    def me(cls, command: str) -> LockHolder:
        started = datetime.now().astimezone().isoformat(timespec="seconds")
        return cls(os.getpid(), socket.gethostname(), started, command)

    @classmethod
    def parse(cls, text: bytes) -> LockHolder | None:
        try:
            raw = json.loads(text.decode("utf-8"))
            return cls(int(raw["pid"]), str(raw["host"]), str(raw["started"]),
                       str(raw.get("command", "")))  # fmt: skip
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False).encode("utf-8")

    @property
    def started_text(self) -> str:
        """``2025-10-10 08:15:03`` (local time, as written)."""
        return self.started[:19].replace("T", " ") or _UNKNOWN


class ServiceBusy(WorkbookEngineError):
    """Another process serves this data directory (``service-busy``)."""

    def __init__(self, path: Path, holder: LockHolder | None) -> None:
        self.holder = holder
        super().__init__(
            make_problem(
                "service-busy",
                host=holder.host if holder else _UNKNOWN,
                pid=holder.pid if holder else _UNKNOWN,
                started=holder.started_text if holder else _UNKNOWN,
                command=(holder.command if holder else "") or _UNKNOWN,
                path=path,
            )
        )


class ServiceLock:
    """``with ServiceLock(data.root, "wbe watch"):`` (or :meth:`acquire`, :meth:`release`).

    :meth:`acquire` raises :class:`ServiceBusy` when another process holds the directory."""

    def __init__(self, root: Path, command: str = "") -> None:
        self.path = Path(root) / LOCK_NAME
        self.command = command or " ".join(sys.argv)
        self.holder: LockHolder | None = None
        self._fd: int | None = None
        self._inode: tuple[int, int] | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> ServiceLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> ServiceLock:
        """Create the lock file, or take over a stale one; :class:`ServiceBusy` otherwise."""
        if self.held:
            return self
        for _ in range(20):  # each turn ends because another process moved at the same moment
            if self._create() or self._take_over():
                atexit.register(self.release)
                return self
            time.sleep(0.05)
        raise ServiceBusy(self.path, _read_holder(self.path))

    def release(self) -> None:
        """Remove the lock file (only if it is still ours) and drop the OS lock. Idempotent."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(Exception):
            atexit.unregister(self.release)
        if sys.platform == "win32":  # an open file cannot be deleted: close, then delete
            _unlock_os(fd)
            os.close(fd)
            if self._still_mine():
                with contextlib.suppress(OSError):  # another process opened it meanwhile
                    self.path.unlink()
        else:  # delete while locked: whoever waits on this file sees it is gone
            if self._still_mine():
                with contextlib.suppress(OSError):
                    self.path.unlink()
            _unlock_os(fd)
            os.close(fd)

    # --- taking the lock ------------------------------------------------------------------------

    def _create(self) -> bool:
        """A new lock file, made atomically; False when one exists."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o644)
        except FileExistsError:
            return False
        if _lock_os(fd) is False:  # another process took it in the instant before ours
            os.close(fd)
            return False
        self._own(fd)
        return True

    def _take_over(self) -> bool:
        """Take over a stale lock file; :class:`ServiceBusy` when its owner may be alive; False
        when the file changed under us (try again)."""
        try:
            fd = os.open(self.path, os.O_RDWR | _O_BINARY)
        except FileNotFoundError:
            return False  # released meanwhile
        taken = False
        try:
            taken = self._judge(fd)
        finally:
            if not taken:
                _unlock_os(fd)
                os.close(fd)
        return taken

    def _judge(self, fd: int) -> bool:
        os_lock = _lock_os(fd)
        if os_lock is not False and not _same_file(fd, self.path):
            return False  # released (and maybe made anew) meanwhile
        holder = _read_fd(fd) if os_lock is not False else _read_holder(self.path, wait=True)
        if holder is not None and holder.host != socket.gethostname():
            raise ServiceBusy(self.path, holder)  # another machine: never judged from here
        if os_lock is False or (os_lock is None and _alive(holder)):
            raise ServiceBusy(self.path, holder)
        if holder is None:
            log.warning("Tệp khóa %s không đọc được và không còn tiến trình nào giữ: ghi đè",
                        self.path)  # fmt: skip
        else:
            log.warning(
                "Tiến trình %d (%s, từ %s) đã dừng mà không xoá tệp khóa %s: tiếp quản",
                holder.pid, holder.command or _UNKNOWN, holder.started_text, self.path,
            )  # fmt: skip
        self._own(fd)
        return True

    def _own(self, fd: int) -> None:
        """Write who we are into the locked file."""
        self.holder = LockHolder.me(self.command)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, self.holder.to_bytes())
        os.fsync(fd)
        stat = os.fstat(fd)
        self._fd, self._inode = fd, (stat.st_dev, stat.st_ino)

    def _still_mine(self) -> bool:
        try:
            stat = self.path.stat()
        except OSError:
            return False
        if (stat.st_dev, stat.st_ino) != self._inode:
            return False
        return _read_holder(self.path) == self.holder


# --- the OS lock ----------------------------------------------------------------------------

_O_BINARY = getattr(os, "O_BINARY", 0)


def _lock_os(fd: int) -> bool | None:
    """Take the OS lock without waiting: True, False (another process holds it), or None (this
    file system has none, e.g. some network shares)."""
    try:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, _LOCKED_BYTE, os.SEEK_SET)
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    except OSError as exc:
        if sys.platform == "win32" or exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return False
        return None
    return True


def _unlock_os(fd: int) -> None:
    with contextlib.suppress(OSError):
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, _LOCKED_BYTE, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)


def _same_file(fd: int, path: Path) -> bool:
    """The open file is still the one at ``path`` (not deleted, not replaced)."""
    try:
        here, there = os.fstat(fd), path.stat()
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


# --- the lock file's content ------------------------------------------------------------------


def _read_fd(fd: int) -> LockHolder | None:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return LockHolder.parse(b"".join(chunks))


def _read_holder(path: Path, wait: bool = False) -> LockHolder | None:
    """The holder written in ``path``; with ``wait``, up to a second for a file just created
    (its owner writes it right after taking the OS lock)."""
    deadline = time.monotonic() + (1.0 if wait else 0.0)
    while True:
        try:
            holder = LockHolder.parse(path.read_bytes())
        except OSError:
            holder = None
        if holder is not None or time.monotonic() >= deadline:
            return holder
        time.sleep(0.05)


def _alive(holder: LockHolder | None) -> bool:
    """Whether the holder's process may still run on this machine (True when unsure)."""
    if holder is None or holder.pid <= 0:
        return True
    if holder.pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _alive_windows(holder.pid)
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


def _alive_windows(pid: int) -> bool:
    if sys.platform != "win32":
        return True
    import ctypes

    kernel32 = ctypes.windll.kernel32
    process = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not process:
        return kernel32.GetLastError() != 87  # ERROR_INVALID_PARAMETER: no such process
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(process, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(process)
