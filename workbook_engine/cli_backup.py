"""``wbe backup`` and ``wbe restore`` (registered by cli.py), and the options of ``wbe watch``'s
daily backup. The work is done by :mod:`workbook_engine.pipeline.backup`, imported inside the
commands so ``wbe --help`` stays fast."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workbook_engine.cli_common import (
    DataDirOption,
    engine_error,
    out,
    progress_bar,
    require_paths,
)
from workbook_engine.paths import DataDir, data_dir

if TYPE_CHECKING:
    from workbook_engine.pipeline.backup_manifest import Manifest
    from workbook_engine.pipeline.backup_schedule import BackupSchedule

BackupOutboxOption = Annotated[
    Path | None,
    typer.Option(
        "--outbox",
        help="Thư mục kết quả: sao lưu (khôi phục) cả các sổ đã in trong books/ / outbox.",
        envvar="WBE_OUTBOX",
        show_default=False,
    ),
]
BackupDirOption = Annotated[
    Path | None,
    typer.Option(
        "--backup-dir",
        help="Sao lưu mỗi ngày một lần vào thư mục này (ngoài thư mục dữ liệu) / daily backups.",
        show_default=False,
    ),
]
BackupKeepOption = Annotated[
    int,
    typer.Option("--backup-keep", min=1, help="Giữ bao nhiêu bản sao lưu mới nhất / keep N."),
]


def size_text(size: int) -> str:
    """``12,3 MB`` (Vietnamese decimal comma; 1 MB = 1024 × 1024 bytes, as Windows shows)."""
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB".replace(".", ",")
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def head_text(manifest: Manifest) -> str:
    if manifest.chain_head is None:
        return "chưa có sổ điểm (trường chưa nhận tệp nào)"
    events = manifest.rows.get("events", 0)
    return f"sổ điểm {events} sự kiện, mã kiểm tra {manifest.chain_head[:16]}"


def created_text(manifest: Manifest) -> str:
    """``2025-10-10 18:00:05`` (local time, as written)."""
    return manifest.created[:19].replace("T", " ")


def _verify(archive: Path) -> None:
    from workbook_engine.pipeline.backup import verify_backup

    require_paths([archive])
    with progress_bar("Kiểm tra bản sao lưu") as update:
        report = verify_backup(archive, update)
    if not report.valid or report.manifest is None:
        raise report.error()
    manifest = report.manifest
    out.print(
        f"Bản sao lưu {archive} nguyên vẹn: {report.checked} tệp khớp bản kê, "
        f"{head_text(manifest)}; tạo lúc {created_text(manifest)}.",
        markup=False,
    )


def backup(
    target: Annotated[
        Path,
        typer.Argument(
            help="Thư mục ghi bản sao lưu, hoặc tệp .zip; với --verify: bản sao lưu cần kiểm "
            "tra / where to write the archive (a folder or a .zip), or the archive to verify.",
            show_default=False,
        ),
    ],
    verify: Annotated[
        bool, typer.Option("--verify", help="Chỉ kiểm tra bản sao lưu / verify an archive.")
    ] = False,
    data_dir_: DataDirOption = None,
    outbox: BackupOutboxOption = None,
) -> None:
    """Sao lưu thư mục dữ liệu vào một tệp .zip tự kiểm tra / Back up the data directory."""
    from workbook_engine.pipeline.backup import write_backup
    from workbook_engine.pipeline.backup_manifest import read_manifest

    if verify:
        _verify(target)
        return
    data = data_dir(data_dir_)
    with progress_bar("Sao lưu") as update:
        try:
            archive = write_backup(data, target, outbox, update)
        except OSError as exc:
            raise engine_error("backup-write-failed", path=target, detail=exc) from exc
    manifest = read_manifest(archive)
    out.print(f"Đã sao lưu thư mục dữ liệu {data.root} vào {archive}", markup=False)
    out.print(
        f"{len(manifest.files)} tệp, {size_text(archive.stat().st_size)}; {head_text(manifest)}.",
        markup=False,
    )


def restore(
    archive: Annotated[
        Path, typer.Argument(help="Bản sao lưu (.zip) / the archive.", show_default=False)
    ],
    data_dir_: DataDirOption = None,
    outbox: BackupOutboxOption = None,
) -> None:
    """Khôi phục bản sao lưu vào thư mục dữ liệu trống / Restore into an empty data directory."""
    from workbook_engine.pipeline.backup import require_empty, restore_backup

    require_paths([archive])
    data = data_dir(data_dir_)
    for folder in [data.root, *([outbox / "books"] if outbox else [])]:
        require_empty(folder)  # before the progress bar: refused at once, nothing written
    with progress_bar("Kiểm tra và khôi phục") as update:
        try:
            restored = restore_backup(archive, data, outbox, update)
        except OSError as exc:
            raise engine_error("backup-write-failed", path=data.root, detail=exc) from exc
    manifest = restored.manifest
    school = manifest.school
    who = f"{school['name']}, năm học {school['year']}" if school else manifest.data_dir
    out.print(
        f"Đã khôi phục {restored.files} tệp vào {data.root} ({who}); {head_text(manifest)}.",
        markup=False,
    )
    if restored.books:
        out.print(f"Đã khôi phục {restored.books} sổ đã in vào {outbox}/books.", markup=False)
    out.print(
        f"Bản sao lưu tạo lúc {created_text(manifest)}: tệp nhận sau lúc đó cần được gửi lại. "
        f"Kiểm tra bằng lệnh wbe log verify --data-dir {data.root}",
        markup=False,
    )


def daily_backup(
    data: DataDir, folder: Path | None, keep: int, outbox: Path
) -> BackupSchedule | None:
    """``wbe watch``'s daily backup, or None without ``--backup-dir``; a folder inside the data
    directory is refused (``backup-dest-inside-data``) before the watcher starts."""
    if folder is None:
        return None
    from workbook_engine.pipeline.backup import check_destination
    from workbook_engine.pipeline.backup_schedule import BackupSchedule

    check_destination(data, folder)
    return BackupSchedule(data, folder, keep, outbox)
