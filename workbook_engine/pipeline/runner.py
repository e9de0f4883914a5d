"""The ingestion service: setup, secret and ledger opened once; files processed one at a time.
It only commits and answers the sender; publishing school-wide outputs is the caller's step."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path

from workbook_engine.io.atomic import sweep_temporaries
from workbook_engine.io.lockfiles import is_workbook_candidate
from workbook_engine.model import ChangeStatus, Setup
from workbook_engine.names import printable
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.decision_forms import refresh_decision_forms
from workbook_engine.pipeline.ingest import (
    IngestContext,
    Outcome,
    Refused,
    Status,
    ingest_file,
)
from workbook_engine.pipeline.school import School
from workbook_engine.share import ShareLayout

log = logging.getLogger("workbook_engine.ingest")


class Pipeline:
    """Use as a context manager; :meth:`process` is safe to call from the watcher thread."""

    def __init__(
        self,
        data: DataDir,
        inbox: Path,
        outbox: Path,
        today: date | None = None,
        setup: Setup | None = None,
        share: Path | None = None,
    ):
        self.school = School.open(data, setup, outbox=Path(outbox))
        self.data, self.setup = self.school.data, self.school.setup
        self.ledger, self.secret = self.school.ledger, self.school.secret
        self.inbox = Path(inbox)
        self.outbox = Path(outbox)
        self.today = today
        self.share = ShareLayout(Path(share), self.setup) if share is not None else None
        self._sweep()
        self.rejected = 0  # files returned since the pipeline was opened (only counted: a
        self.failures = 0  # watcher runs for months, its outcomes are not kept)

    def _working_copy(self, path: Path) -> bool:
        """A file on the share outside every ``Nộp/`` and ``Duyệt/`` (an issued copy, a draft in
        ``Sổ điểm/``, an answer): never taken, even when its folder is named to ``wbe ingest``."""
        share = self.share
        if share is None or share.arrival(path) is not None:
            return False
        try:
            Path(os.path.abspath(path)).relative_to(os.path.abspath(share.root))
        except ValueError:
            return False
        return True

    def _sweep(self) -> None:
        """What a killed run left half-written (temporary files) is removed at start."""
        folders = [self.outbox, self.data.archive, self.data.rejected, self.data.receipts]
        if self.share is not None:
            folders.append(self.share.root)
        removed = sum(sweep_temporaries(f) for f in folders if f.is_dir())
        if removed:
            log.info("Đã xoá %d tệp tạm do lần chạy trước bị dừng giữa chừng để lại", removed)

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.ledger.close()

    def context(self) -> IngestContext:
        return IngestContext(
            setup=self.setup,
            secret=self.secret,
            data=self.data,
            inbox=self.inbox,
            today=self.today or date.today(),
            share=self.share,
        )

    def process(self, path: Path) -> Outcome:
        outcome = ingest_file(path, self.context(), self.ledger)
        self.rejected += outcome.status is Status.REJECTED
        log.info(outcome.line)
        if any(c.status == ChangeStatus.PENDING for c in outcome.changes):
            self._decision_forms()
        return outcome

    def _decision_forms(self) -> None:
        """A new request waits: each approver finds a form listing it in their Sổ điểm/."""
        if self.share is None:
            return
        try:
            today = self.today or date.today()
            for form in refresh_decision_forms(
                self.ledger, self.setup, self.share, self.secret, today
            ):
                log.info("Phiếu duyệt %d đề nghị cho %s: %s", form.requests, form.approver,
                         form.path.name)  # fmt: skip
        except Exception:  # a courtesy after the commit: the requests are in the ledger
            log.exception("Chưa phát được phiếu duyệt sửa điểm; dùng wbe corrections form")

    def process_all(
        self, paths: Iterable[Path], after: Callable[[], object] | None = None
    ) -> list[Outcome]:
        """Process files (folders are walked for workbooks), then call ``after`` once (the
        caller's publisher: everything school-wide is derived from the ledger afterwards)."""
        outcomes = list(self.process_each(paths))
        if after is not None:
            after()
        return outcomes

    def process_each(self, paths: Iterable[Path]) -> Iterator[Outcome]:
        """Process files one by one as :meth:`process_all` does, each outcome yielded as soon
        as its file is done: a caller keeps what it needs of each, not a burst's every change
        (15,360 files hold 480 MB of them)."""
        for path in expand(paths):
            if self._working_copy(path):
                continue
            try:
                outcome = self.process(path)
            except Refused:  # answered, never read
                self.rejected += 1
                continue
            except Exception:  # one file must never stop the batch; it stays in the inbox
                self.failures += 1
                log.exception("%s: lỗi khi xử lí tệp, tệp được giữ lại trong hộp thư",
                              printable(path.name))  # fmt: skip
                continue
            yield outcome


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders replaced by the workbooks below them (no lock or temp files;
    links are listed, to be refused, never followed)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir() and not path.is_symlink():
            found += sorted(
                p
                for p in path.rglob("*")
                if (p.is_file() or p.is_symlink()) and is_workbook_candidate(p)
            )
        else:
            found.append(path)
    return found
