"""Publishing off the teacher's critical path: a thread that coalesces requests.

The watcher answers each teacher as soon as a file is committed and only *asks* for a publish.
This thread waits until the inbox has been quiet for a moment (or a maximum delay has passed),
then publishes once for the whole burst. A failed publish (a master held open, a full disk) is
retried with backoff and catches up by itself; a new day triggers the previous day's PDF.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from workbook_engine.model import Setup
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render.publish import Publisher

log = logging.getLogger("workbook_engine.render")


@dataclass
class LoopOptions:
    quiet_seconds: float = 2.0  # publish once nothing was committed for this long
    max_delay_seconds: float = 30.0  # … or at the latest this long after the first request
    retry_seconds: float = 5.0  # first retry after a failed publish, doubling up to 5 minutes
    tick_seconds: float = 0.2


class PublishLoop:
    """``request()`` from any thread; ``publish`` runs only in this loop's own thread, so it may
    hold its own ledger connection (open it inside ``publish``'s first call)."""

    def __init__(
        self,
        publish: Callable[[], object],
        options: LoopOptions | None = None,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] = date.today,
        finish: Callable[[], object] | None = None,
        idle: Callable[[], object] | None = None,
    ) -> None:
        self.publish, self.finish, self.idle = publish, finish, idle
        self.options = options or LoopOptions()
        self.clock, self.today = clock, today
        self.stop = threading.Event()
        self.published = 0
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._first: float | None = None  # first request not yet published
        self._last: float | None = None  # latest request
        self._retry_at: float | None = None
        self._backoff = self.options.retry_seconds
        self._day = today()
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        now = self.clock()
        with self._lock:
            self._first = now if self._first is None else self._first
            self._last = now
        self._wake.set()

    def due(self) -> bool:
        """Whether a publish should start now (requests quiet or overdue, not in backoff)."""
        now = self.clock()
        with self._lock:
            if self._retry_at is not None:
                return now >= self._retry_at
            if self.today() != self._day:
                return True
            if self._first is None or self._last is None:
                return False
            quiet = now - self._last >= self.options.quiet_seconds
            return quiet or now - self._first >= self.options.max_delay_seconds

    def step(self) -> bool:
        """Publish if due; True when a publish ran and succeeded."""
        if not self.due():
            return False
        with self._lock:
            self._first = self._last = None
            self._day = self.today()
        try:
            more = self.publish() is True  # work left over: publish again at once
        except Exception:
            self._schedule_retry()
            return False
        with self._lock:
            self._retry_at, self._backoff = None, self.options.retry_seconds
            if more and self._first is None:
                self._first = self._last = self.clock() - self.options.quiet_seconds
        self.published += 1
        return True

    def idle_step(self) -> bool:
        """Run ``idle`` (the daily backup) when nothing waits to be published: after a publish,
        and from the start; True when it ran. Its failure is logged, never raised."""
        with self._lock:
            waiting = self._first is not None or self._retry_at is not None
        if self.idle is None or waiting:
            return False
        try:
            self.idle()
        except Exception:
            log.exception("Chưa sao lưu được thư mục dữ liệu; sẽ thử lại sau")
        return True

    def _schedule_retry(self) -> None:
        with self._lock:
            delay = self._backoff
            self._retry_at = self.clock() + delay
            self._backoff = min(self._backoff * 2, 300.0)
        log.exception("Chưa cập nhật được thư mục kết quả; thử lại sau %.0f giây", delay)

    def run(self) -> None:
        """Until :attr:`stop` is set; then publishes once more if anything is still waiting."""
        while not self.stop.is_set():
            self.step()
            self.idle_step()
            self._wake.wait(self.options.tick_seconds)
            self._wake.clear()
        with self._lock:
            waiting = self._first is not None or self._retry_at is not None
            self._retry_at = None
            if waiting:
                self._first = self._last = self.clock() - self.options.max_delay_seconds
        if waiting:
            self.step()
        if self.finish is not None:
            self.finish()

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run, name="publisher", daemon=True)
        self._thread.start()
        return self._thread

    def close(self, timeout: float | None = None) -> None:
        self.stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)


DAY_SECONDS = 5.0  # a publish's time for the classes a new day recomputes, the rest next time


class LedgerPublisher:
    """The loop's ``publish``: its own ledger connection, opened in the loop's thread (SQLite
    connections stay in the thread that made them), and one :class:`Publisher` kept warm. It
    answers True while a new day's classes are left for the next publish."""

    def __init__(self, ledger_path: Path, setup: Setup, outbox: Path,
                 today: Callable[[], date] = date.today) -> None:  # fmt: skip
        self.ledger_path, self.setup, self.outbox, self.today = ledger_path, setup, outbox, today
        self._publisher: Publisher | None = None

    def __call__(self) -> bool:
        if self._publisher is None:
            ledger = Ledger.open(self.ledger_path)
            self._publisher = Publisher(ledger, self.setup, self.outbox, day_seconds=DAY_SECONDS)
        return bool(self._publisher.publish(self.today()).behind)

    def close(self) -> None:
        if self._publisher is not None:
            self._publisher.ledger.close()
            self._publisher = None


def publish_in_background(
    ledger_path: Path,
    setup: Setup,
    outbox: Path,
    today: Callable[[], date] = date.today,
    idle: Callable[[], object] | None = None,
) -> PublishLoop:
    """Start the publishing thread; ``request()`` after each batch, ``close()`` at the end.
    ``idle`` (the daily backup) runs in that thread whenever nothing waits to be published."""
    target = LedgerPublisher(ledger_path, setup, outbox, today)
    loop = PublishLoop(target, today=today, finish=target.close, idle=idle)
    loop.start()
    return loop
