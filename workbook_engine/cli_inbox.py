"""``wbe ingest`` and ``wbe watch``: take filled sheets from the inbox (registered by cli.py).

The pipeline, the watcher and publishing are imported inside the functions that use them, so
``wbe --help`` stays fast."""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from workbook_engine.cli_backup import BackupDirOption, BackupKeepOption, daily_backup
from workbook_engine.cli_common import (
    InboxOption,
    JsonOption,
    OutboxOption,
    SchoolDirOption,
    ShareOption,
    TodayOption,
    out,
    print_json,
    require_paths,
    setup_or_fail,
)
from workbook_engine.names import PrintableFilter
from workbook_engine.paths import DataDir, data_dir

if TYPE_CHECKING:
    from workbook_engine.pipeline.ingest import Outcome
    from workbook_engine.pipeline.runner import Pipeline
    from workbook_engine.pipeline.service_lock import ServiceLock


def setup_logging(data: DataDir, console_level: int = logging.INFO) -> None:
    """One line per file on stderr (from ``console_level``) and in ``<data>/wbe.log``."""
    data.ensure()
    fmt = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S")
    root = logging.getLogger("workbook_engine")
    root.setLevel(logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    console = logging.StreamHandler()
    console.setLevel(console_level)
    file = logging.FileHandler(data.root / "wbe.log", encoding="utf-8")
    for handler in (console, file):
        handler.setFormatter(fmt)
        handler.addFilter(PrintableFilter())  # a file name cannot forge a log line
        root.addHandler(handler)


def after_batch(pipeline: Pipeline) -> None:
    """Bring the outbox up to date with the ledger, once after the batch."""
    from workbook_engine.render.publish import publish

    publish(pipeline.ledger, pipeline.setup, pipeline.outbox, pipeline.today)


def hold_data_dir(data: DataDir, command: str) -> ServiceLock:
    """One service per data directory (``<data>/wbe.lock``), taken before the pipeline opens:
    ``service-busy`` (exit 1, naming the holder's machine, process and start) while another
    ``wbe watch`` or ``wbe ingest`` serves it. The other commands that write the ledger (wbe
    corrections, wbe lock/unlock) take no lock: SQLite serialises their single transactions."""
    from workbook_engine.pipeline.service_lock import ServiceLock

    return ServiceLock(data.root, command).acquire()


def open_pipeline(
    data: DataDir, inbox: Path, outbox: Path, today: date | None, share: Path
) -> Pipeline:
    from workbook_engine.pipeline.runner import Pipeline

    return Pipeline(data, inbox, outbox, today, setup=setup_or_fail(data), share=share)


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    """One file's outcome for ``wbe ingest --json``."""
    key = outcome.key
    return {
        "file": outcome.name,
        "status": str(outcome.status),
        "teacher": outcome.teacher_code,
        "class": key.class_code if key else None,
        "subject": key.subject_code if key else None,
        "semester": key.semester if key else None,
        "sha256": outcome.sha256,
        "at": outcome.at,
        "changes": [asdict(c) for c in outcome.changes],
        "problems": [asdict(p) for p in outcome.problems],
    }


def ingest(
    files: Annotated[list[Path], typer.Argument(help="Tệp hoặc thư mục / files or folders.")],
    data_dir_: SchoolDirOption = None,
    inbox: InboxOption = Path("inbox"),
    outbox: OutboxOption = Path("outbox"),
    share: ShareOption = Path("share"),
    today: TodayOption = None,
    json_output: JsonOption = False,
) -> None:
    """Nhận các tệp một lần, không theo dõi / Ingest files once, without watching."""
    data = data_dir(data_dir_)
    require_paths(files)
    setup_logging(data)
    day = today.date() if today else None
    with (
        hold_data_dir(data, "wbe ingest"),
        open_pipeline(data, inbox, outbox, day, share) as pipeline,
    ):
        # each file's changes are kept only when they are printed
        kept = [outcome_json(o) if json_output else o.status for o in pipeline.process_each(files)]
        after_batch(pipeline)
        if json_output:
            print_json(
                {
                    "files": kept,
                    "processed": len(kept),
                    "rejected": pipeline.rejected,
                    "failed": pipeline.failures,
                }
            )
        else:
            out.print(f"Đã xử lí {len(kept)} tệp, trả lại {pipeline.rejected}.", markup=False)
        if pipeline.rejected or pipeline.failures:
            raise typer.Exit(1)


def watch(
    data_dir_: SchoolDirOption = None,
    inbox: InboxOption = Path("inbox"),
    outbox: OutboxOption = Path("outbox"),
    share: ShareOption = Path("share"),
    poll: Annotated[bool, typer.Option("--poll", help="Quét định kì (ổ mạng SMB/NFS).")] = False,
    settle: Annotated[float, typer.Option("--settle", help="Giây chờ tệp chép xong.")] = 2.0,
    today: TodayOption = None,
    backup_dir: BackupDirOption = None,
    backup_keep: BackupKeepOption = 7,
) -> None:
    """Theo dõi hộp thư và các thư mục Nộp, Duyệt của từng người / Watch (Ctrl-C to stop).

    Dừng bằng Ctrl-C (mã thoát 130) hoặc tín hiệu SIGTERM của trình quản lí dịch vụ (mã 143)."""
    from workbook_engine.pipeline.watcher import InboxWatcher, WatchOptions
    from workbook_engine.render.background import publish_in_background

    data = data_dir(data_dir_)
    backups = daily_backup(data, backup_dir, backup_keep, outbox)  # refused before the lock
    setup_logging(data)
    lock = hold_data_dir(data, "wbe watch")
    try:
        pipeline = open_pipeline(data, inbox, outbox, today.date() if today else None, share)
    except BaseException:
        lock.release()
        raise
    options = WatchOptions(settle_seconds=settle, poll=poll)
    # teachers are answered as each file commits; the outbox follows in its own thread, and the
    # daily backup runs there too while nothing waits to be published
    if backups is not None:
        backups.setup = pipeline.setup  # the archives are named by the school's code
    publisher = publish_in_background(
        data.ledger,
        pipeline.setup,
        outbox,
        lambda: pipeline.today or date.today(),
        idle=backups.step if backups is not None else None,
    )
    assert pipeline.share is not None
    watcher = InboxWatcher(
        inbox, pipeline.process, options, after_batch=publisher.request, share=pipeline.share
    )
    received: list[int] = []

    def stop(signum: int, frame: object) -> None:
        received.append(signum)
        watcher.stop.set()

    previous = catch_stop_signals(stop)
    try:
        watcher.run()  # the file being ingested is finished, then the watcher returns
    finally:
        restore_signals(previous)  # a second signal from here on stops the process at once
        if received:
            watch_log.info(
                "Nhận tín hiệu dừng (%s): xuất nốt những gì đang chờ rồi dừng",
                signal_name(received[0]),
            )
        pipeline.ledger.close()
        publisher.close(timeout=300)  # what is still waiting is published before exit
        lock.release()
    watch_log.info("Đã dừng theo dõi. Đã xử lí %d tệp.", watcher.processed)
    out.print(f"Đã dừng. Đã xử lí {watcher.processed} tệp.", markup=False)
    if received:
        raise typer.Exit(STOP_EXIT_BASE + received[0])


# Ctrl+C; a service manager's stop (systemd, docker: SIGTERM); on Windows also Ctrl+Break or the
# console closed (SIGBREAK). ``wbe watch`` stopped by one exits with 128 + its number: 130 for
# SIGINT, 143 for SIGTERM (the shells' convention).
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGBREAK")
STOP_EXIT_BASE = 128
watch_log = logging.getLogger("workbook_engine.watch")
Handler = Any  # what signal.signal takes and returns


def catch_stop_signals(handler: Handler) -> dict[int, Handler]:
    """``handler`` for each of :data:`STOP_SIGNALS` this platform has; the handlers replaced.
    Only the main thread may set them: elsewhere none is set (and {} returned)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    wanted = [getattr(signal, name) for name in STOP_SIGNALS if hasattr(signal, name)]
    return {signum: signal.signal(signum, handler) for signum in wanted}


def restore_signals(previous: dict[int, Handler]) -> None:
    for signum, handler in previous.items():
        # None: a handler not set from Python, which cannot be put back; the default then
        signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return str(signum)
