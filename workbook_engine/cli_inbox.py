"""``wbe ingest`` and ``wbe watch``: take filled sheets from the inbox (registered by cli.py)."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from workbook_engine.cli_common import DataDirOption, fail, out, setup_or_fail
from workbook_engine.io.identity import SecretError
from workbook_engine.paths import DataDir, data_dir
from workbook_engine.pipeline.runner import Pipeline
from workbook_engine.pipeline.watcher import InboxWatcher, WatchOptions
from workbook_engine.render.publish import publish

InboxOption = Annotated[
    Path, typer.Option("--inbox", help="Hộp thư nhận tệp / inbox folder.", envvar="WBE_INBOX")
]
OutboxOption = Annotated[
    Path, typer.Option("--outbox", help="Thư mục kết quả / outbox folder.", envvar="WBE_OUTBOX")
]
TodayOption = Annotated[
    datetime | None,
    typer.Option(
        "--today",
        formats=["%Y-%m-%d"],
        help="Coi hôm nay là ngày này (thử nghiệm, trình diễn) / pretend today is this date.",
    ),
]


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
        root.addHandler(handler)


def after_batch(pipeline: Pipeline) -> None:
    """Master, today's diff reports and correction records, after every batch."""
    publish(pipeline.ledger, pipeline.setup, pipeline.outbox, since=date.today())


def open_pipeline(data: DataDir, inbox: Path, outbox: Path, today: date | None) -> Pipeline:
    setup = setup_or_fail(data)
    try:
        return Pipeline(data, inbox, outbox, today, setup=setup)
    except SecretError as exc:
        raise fail(str(exc)) from exc


def ingest(
    files: Annotated[list[Path], typer.Argument(help="Tệp hoặc thư mục / files or folders.")],
    data_dir_: DataDirOption = None,
    inbox: InboxOption = Path("inbox"),
    outbox: OutboxOption = Path("outbox"),
    today: TodayOption = None,
) -> None:
    """Nhận các tệp một lần, không theo dõi / Ingest files once, without watching."""
    data = data_dir(data_dir_)
    setup_logging(data)
    missing = [f for f in files if not f.exists()]
    if missing:
        raise fail(f"không tìm thấy {', '.join(map(str, missing))}")
    with open_pipeline(data, inbox, outbox, today.date() if today else None) as pipeline:
        outcomes = pipeline.process_all(files, after=lambda: after_batch(pipeline))
        out.print(f"Đã xử lí {len(outcomes)} tệp, trả lại {pipeline.rejected}.", markup=False)
        if pipeline.rejected:
            raise typer.Exit(1)


def watch(
    data_dir_: DataDirOption = None,
    inbox: InboxOption = Path("inbox"),
    outbox: OutboxOption = Path("outbox"),
    poll: Annotated[bool, typer.Option("--poll", help="Quét định kì (ổ mạng SMB/NFS).")] = False,
    settle: Annotated[float, typer.Option("--settle", help="Giây chờ tệp chép xong.")] = 2.0,
    today: TodayOption = None,
) -> None:
    """Theo dõi hộp thư, nhận tệp ngay khi chép xong / Watch the inbox (Ctrl-C to stop)."""
    data = data_dir(data_dir_)
    setup_logging(data)
    pipeline = open_pipeline(data, inbox, outbox, today.date() if today else None)
    options = WatchOptions(settle_seconds=settle, poll=poll)
    watcher = InboxWatcher(
        inbox, pipeline.process, options, after_batch=lambda: after_batch(pipeline)
    )
    stopped_by_signal = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopped_by_signal.set()
        watcher.stop.set()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        watcher.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        pipeline.ledger.close()
    out.print(f"Đã dừng. Đã xử lí {watcher.processed} tệp.", markup=False)
    if stopped_by_signal.is_set():
        raise typer.Exit(130)
