"""The watcher's daily backup (``wbe watch --backup-dir DIR --backup-keep N``): at most one
archive per local day, taken when the watcher is idle, and only the N newest of this data
directory's archives kept in DIR.

The policy is two pure functions (:func:`backup_due`, :func:`to_delete`); :class:`BackupSchedule`
applies them with an injected clock, so tests never sleep."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from workbook_engine.io.atomic import sweep_temporaries
from workbook_engine.model import Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.backup import write_backup
from workbook_engine.pipeline.backup_manifest import backup_label, local_now, taken_at

log = logging.getLogger("workbook_engine.backup")

DEFAULT_KEEP = 7
RETRY_AFTER = timedelta(hours=1)  # after a failed backup (a full disk, a share gone)


def backup_due(taken: Iterable[datetime], today: date) -> bool:
    """Whether today's backup is still to be taken: none of the archives is from ``today``."""
    return all(t.date() != today for t in taken)


def to_delete(archives: Iterable[tuple[Path, datetime]], keep: int) -> list[Path]:
    """The archives beyond the ``keep`` newest (``keep`` at least 1), oldest last."""
    newest_first = sorted(archives, key=lambda a: (a[1], a[0].name), reverse=True)
    return [path for path, _ in newest_first[max(keep, 1) :]]


def archives_in(folder: Path, label: str) -> list[tuple[Path, datetime]]:
    """This data directory's archives in ``folder`` with the time each was taken."""
    if not folder.is_dir():
        return []
    found = ((p, taken_at(p.name, label)) for p in folder.iterdir() if p.is_file())
    return [(p, t) for p, t in found if t is not None]


@dataclass
class BackupSchedule:
    """Call :meth:`step` whenever the watcher is idle: cheap when today's backup is done."""

    data: DataDir
    folder: Path
    keep: int = DEFAULT_KEEP
    outbox: Path | None = None
    setup: Setup | None = None
    now: Callable[[], datetime] = local_now
    _done: date | None = field(default=None, init=False)
    _retry_at: datetime | None = field(default=None, init=False)

    def step(self) -> Path | None:
        """Take today's backup if it is due, then delete the archives beyond the ``keep``
        newest; returns the new archive, or None. A failure is raised (the caller logs it) and
        tried again after :data:`RETRY_AFTER`."""
        now = self.now()
        if self._done == now.date() or (self._retry_at is not None and now < self._retry_at):
            return None
        label = backup_label(self.data, self.setup)
        if not backup_due((t for _, t in archives_in(self.folder, label)), now.date()):
            self._done = now.date()
            return None
        sweep_temporaries(self.folder)  # what a backup killed midway left
        try:
            path = write_backup(self.data, self.folder, self.outbox, setup=self.setup, now=now)
        except BaseException:
            self._retry_at = now + RETRY_AFTER
            raise
        self._done, self._retry_at = now.date(), None
        for old in to_delete(archives_in(self.folder, label), self.keep):
            old.unlink(missing_ok=True)
            log.info("Đã xoá bản sao lưu cũ %s (giữ %d bản mới nhất)", old.name, self.keep)
        return path
