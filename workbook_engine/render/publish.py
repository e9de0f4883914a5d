"""After each batch: the master workbook, the day's diff reports, and a biên bản for every
approved correction that has none yet."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from workbook_engine.model import ChangeStatus, Setup
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.runner import MASTER_NAME, rebuild_master
from workbook_engine.render.correction_record import write_correction_record
from workbook_engine.render.diff_report import write_diff_reports

log = logging.getLogger("workbook_engine.render")


def record_path(outbox: Path, change_id: int) -> Path:
    return Path(outbox) / "records" / f"bien-ban-sua-diem-{change_id}.pdf"


def write_missing_records(
    ledger: Ledger, setup: Setup, outbox: Path, witness: str = ""
) -> list[Path]:
    """A correction record for each approved correction that has none yet (idempotent)."""
    written = []
    for change in ledger.changes():
        path = record_path(outbox, change.id)
        if change.status == ChangeStatus.APPROVED and not path.exists():
            written.append(write_correction_record(path, setup, change, witness=witness))
            log.info("Biên bản sửa điểm: %s", path)
    return written


def publish(ledger: Ledger, setup: Setup, outbox: Path, since: date | None = None) -> None:
    """Bring everything under ``outbox`` up to date with the ledger."""
    rebuild_master(ledger, setup, Path(outbox) / MASTER_NAME)
    reports = write_diff_reports(outbox, ledger.changes(), ledger.files(), setup, since)
    if reports:
        log.info("Báo cáo thay đổi: %s", Path(outbox) / "reports" / "diff")
    write_missing_records(ledger, setup, outbox)
