"""Watch the inbox and every person's ``Nộp/`` and ``Duyệt/`` on the share: settle each dropped
workbook, then hand it to a processor, one at a time.

Events from watchdog only wake the settler early; a periodic rescan of the folder is the safety
net for shares that emit no events. A file is ready when its size and mtime have not changed for
``settle_seconds``, no Excel/LibreOffice lock file says someone has it open, and it opens as a
zip. The observer is supervised: when it dies (a share that went away) it is restarted and the
outage is logged.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from workbook_engine.errors import WorkbookEngineError
from workbook_engine.io.lockfiles import is_other_format, is_workbook_candidate, lock_owner
from workbook_engine.names import printable
from workbook_engine.share import ShareLayout

log = logging.getLogger("workbook_engine.watch")

Processor = Callable[[Path], object]
TRANSIENT = (OSError, sqlite3.Error)  # causes that pass: retried with backoff


@dataclass
class WatchOptions:
    settle_seconds: float = 2.0
    tick_seconds: float = 0.25
    rescan_seconds: float = 5.0
    poll: bool = False
    poll_interval: float = 1.0
    # a stable file that still does not open as a zip after this long is handed over anyway,
    # so ingestion reports it (an encrypted workbook, an old .xls renamed to .xlsx)
    not_zip_seconds: float = 60.0


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float
    locked_by: str | None = None
    not_zip_since: float | None = None


RETRY_FIRST, RETRY_MAX = 5.0, 300.0  # seconds before a file that failed passingly is retried


@dataclass
class _Failure:
    state: tuple[int, int]  # (size, mtime) when it failed
    attempts: int
    retry_at: float | None  # None: only a new copy is tried again

    def waits(self, state: tuple[int, int], now: float) -> bool:
        return state == self.state and (self.retry_at is None or now < self.retry_at)


@dataclass
class Settler:
    """Tracks candidate files until they are complete and closed."""

    settle_seconds: float
    not_zip_seconds: float = 60.0
    clock: Callable[[], float] = time.monotonic
    seen: dict[Path, _Seen] = field(default_factory=dict)
    failed: dict[Path, _Failure] = field(default_factory=dict)

    def offer(self, path: Path) -> None:
        if is_workbook_candidate(path) and path not in self.seen:
            try:
                stat = path.lstat()  # a link is handed over as a link, never followed
            except (OSError, ValueError):
                return
            failure = self.failed.get(path)
            if failure is not None and failure.waits(
                (stat.st_size, stat.st_mtime_ns), self.clock()
            ):
                return  # failed in this exact state: wait for a new copy, or the retry
            self.seen[path] = _Seen(stat.st_size, stat.st_mtime_ns, self.clock())

    def ready(self) -> list[Path]:
        """Files that are stable, unlocked and readable as zip, oldest first."""
        now = self.clock()
        out: list[Path] = []
        for path, state in list(self.seen.items()):
            try:
                stat = path.lstat()
            except (OSError, ValueError):
                del self.seen[path]  # moved or deleted
                continue
            if (stat.st_size, stat.st_mtime_ns) != (state.size, state.mtime_ns):
                state.size, state.mtime_ns, state.since = stat.st_size, stat.st_mtime_ns, now
                state.not_zip_since = None
                continue
            if now - state.since < self.settle_seconds:
                continue
            if path.is_symlink() or is_other_format(path):
                out.append(path)  # answered without being opened (a link is never read)
                continue
            owner = lock_owner(path)
            if owner is not None:
                if state.locked_by != owner:
                    who = owner or "một người dùng"
                    log.info("%s: đang được %s mở, chờ đóng tệp", path.name, who)
                    state.locked_by = owner
                continue
            if not _zip_complete(path):
                # still being copied (a stalled network copy), or not a zip at all
                state.not_zip_since = state.not_zip_since or now
                if now - state.not_zip_since < self.not_zip_seconds:
                    continue
            out.append(path)
        return sorted(out, key=lambda p: self.seen[p].since)

    def done(self, path: Path, ok: bool, retry: bool = False) -> None:
        """``ok``: processed. Otherwise the file is not offered again in the same state; with
        ``retry`` (a passing cause: share gone, disk full, a locked ledger) it is, after a
        backoff doubling from 5 s to 5 min."""
        state = self.seen.pop(path, None)
        if ok or state is None:
            self.failed.pop(path, None)
            return
        before = self.failed.get(path)
        attempts = before.attempts + 1 if before is not None else 1
        wait = min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_MAX)
        retry_at = self.clock() + wait if retry else None
        self.failed[path] = _Failure((state.size, state.mtime_ns), attempts, retry_at)


def _zip_complete(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (OSError, zipfile.BadZipFile, EOFError, ValueError):
        return False


class _Wake(FileSystemEventHandler):
    def __init__(
        self,
        settler_lock: threading.Lock,
        pending: list[Path],
        wake: threading.Event,
    ):
        self.lock, self.pending, self.wake = settler_lock, pending, wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        with self.lock:
            self.pending.extend(Path(str(p)) for p in paths if p)
        self.wake.set()


class InboxWatcher:
    """Runs until ``stop`` is set; calls ``process`` once per settled workbook."""

    def __init__(
        self,
        inbox: Path,
        process: Processor,
        options: WatchOptions | None = None,
        after_batch: Callable[[], object] | None = None,
        share: ShareLayout | None = None,
    ):
        self.inbox = Path(inbox)
        self.share = share
        self._share_watched = False
        self.process = process
        self.after_batch = after_batch
        self.options = options or WatchOptions()
        self.settler = Settler(self.options.settle_seconds, self.options.not_zip_seconds)
        self.stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._pending: list[Path] = []
        self._observer: BaseObserver | None = None
        self.polling = self.options.poll
        self.processed = 0
        self.failures = 0

    # --- observer supervision -------------------------------------------------------------------

    def _roots(self) -> list[Path]:
        """The folders to observe: the inbox, and the share when it is there."""
        share = self.share.root if self.share is not None else None
        self._share_watched = share is not None and share.is_dir()
        return [self.inbox, *([share] if share is not None and self._share_watched else [])]

    def _start_observer(self) -> None:
        handler = _Wake(self._lock, self._pending, self._wake)
        roots = self._roots()
        if not self.polling:
            try:
                observer: BaseObserver = Observer()
                for root in roots:
                    observer.schedule(handler, str(root), recursive=True)
                observer.start()
                self._observer = observer
                return
            except OSError as exc:
                log.warning(
                    "Không theo dõi được sự kiện (%s): chuyển sang chế độ quét định kì", exc
                )
                self.polling = True
        observer = PollingObserver(timeout=self.options.poll_interval)
        for root in roots:
            observer.schedule(handler, str(root), recursive=True)
        observer.start()
        self._observer = observer

    def _stop_observer(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            if observer.is_alive():
                observer.join(timeout=5)

    def _supervise(self) -> None:
        """Restart a dead observer; wait out a missing inbox (a share that went away)."""
        alive = self._observer is not None and self._observer.is_alive()
        share_there = self.share is not None and self.share.root.is_dir()
        if alive and self.inbox.is_dir() and share_there == self._share_watched:
            return
        self._stop_observer()
        if not self.inbox.is_dir():
            log.warning("Mất kết nối thư mục %s: chờ thư mục xuất hiện lại", self.inbox)
            while not self.stop.is_set() and not self.inbox.is_dir():
                self.stop.wait(self.options.rescan_seconds)
            if self.stop.is_set():
                return
            log.warning("Thư mục %s đã trở lại: theo dõi tiếp", self.inbox)
        elif share_there != self._share_watched and self.share is not None:
            state = "đã có lại" if share_there else "không truy cập được"
            log.warning("Thư mục chia sẻ %s %s", self.share.root, state)
        else:
            log.warning("Bộ theo dõi thư mục đã dừng bất thường: khởi động lại")
        self._start_observer()
        self._rescan()

    # --- the loop ---------------------------------------------------------------------------------

    def _folders(self) -> list[Path]:
        """Where files are submitted: the inbox, each ``Nộp/`` and each ``Duyệt/``."""
        if self.share is None or not self.share.root.is_dir():
            return [self.inbox]
        return [self.inbox, *(f for f in self.share.watched() if f.is_dir())]

    def _wanted(self, path: Path) -> bool:
        """A file in the inbox or in someone's ``Nộp/``/``Duyệt/`` (not a working copy)."""
        if self.share is None or self.share.arrival(path) is not None:
            return True
        try:
            path.relative_to(self.inbox)
        except ValueError:
            return False
        return True

    def _rescan(self) -> None:
        for folder in self._folders():
            try:
                for path in folder.rglob("*"):
                    if path.is_file():
                        self.settler.offer(path)
            except OSError as exc:
                log.warning("Không quét được %s: %s", folder, exc)

    def _drain_events(self) -> None:
        with self._lock:
            pending, self._pending[:] = list(self._pending), []
        for path in pending:
            if self._wanted(path):
                self.settler.offer(path)

    def _process_ready(self) -> None:
        ready = self.settler.ready()
        for path in ready:
            if self.stop.is_set():
                break
            ok, retry = True, False
            try:
                self.process(path)
                self.processed += 1
            except TRANSIENT as exc:  # the share, the disk, the ledger: tried again later
                ok, retry = False, True
                self.failures += 1
                failure = self.settler.failed.get(path)
                if failure is None:  # logged once, not at every retry
                    log.warning("%s: chưa xử lí được (%s), sẽ thử lại", printable(path.name), exc)
            except Exception as exc:  # one bad file must never stop the watcher
                ok = False
                self.failures += 1
                if not isinstance(exc, WorkbookEngineError):
                    log.exception("%s: lỗi khi xử lí tệp, bỏ qua cho đến khi tệp thay đổi",
                                  printable(path.name))  # fmt: skip
            self.settler.done(path, ok, retry)
        if ready and self.after_batch is not None:
            try:
                self.after_batch()
            except Exception:
                log.exception("Lỗi sau khi xử lí một đợt tệp; tiếp tục theo dõi")

    def run(self) -> None:
        """Block until :attr:`stop` is set. Files already in the inbox are processed first."""
        self.inbox.mkdir(parents=True, exist_ok=True)
        self._start_observer()
        mode = "quét định kì" if self.polling else "theo dõi sự kiện"
        log.info("Theo dõi %s (%s)", self.inbox, mode)
        if self.share is not None and self.share.root.is_dir():
            log.info("Theo dõi các thư mục Nộp, Duyệt trong %s", self.share.root)
        elif self.share is not None:
            log.warning("Chưa có thư mục chia sẻ %s (tạo bằng wbe share init, hoặc chỉ đúng chỗ "
                        "bằng --share): chỉ theo dõi hộp thư %s", self.share.root,
                        self.inbox)  # fmt: skip
        self._rescan()
        last_scan = time.monotonic()
        try:
            while not self.stop.is_set():
                self._supervise()
                self._drain_events()
                if time.monotonic() - last_scan >= self.options.rescan_seconds:
                    self._rescan()
                    last_scan = time.monotonic()
                self._process_ready()
                self._wake.wait(self.options.tick_seconds)
                self._wake.clear()
        finally:
            self._stop_observer()

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="inbox-watcher", daemon=True)
        thread.start()
        return thread
