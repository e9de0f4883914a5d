"""``wbe share init``: lay out the school's share and write its permission scripts (registered
by cli.py). The layout and the scripts are in :mod:`workbook_engine.share_setup`, imported inside
the command."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from workbook_engine.cli_common import (
    DataDirOption,
    OutboxOption,
    ShareOption,
    err,
    fail,
    new_app,
    out,
    setup_or_fail,
)
from workbook_engine.paths import data_dir

share_app = new_app("Thư mục chia sẻ của trường / The school's share folder.")

OfficeAccountOption = Annotated[
    str,
    typer.Option(
        "--office-account",
        help="Tài khoản hoặc nhóm của văn phòng, toàn quyền / the office's account or group.",
    ),
]


@share_app.command("init")
def init(
    share: ShareOption = Path("share"),
    outbox: OutboxOption = Path("outbox"),
    office_account: OfficeAccountOption = "Administrators",
    data_dir_: DataDirOption = None,
) -> None:
    """Tạo thư mục cho từng người và ghi tệp lệnh phân quyền / Lay out the share, write the
    permission scripts."""
    from workbook_engine.io.atomic import FileLockedError
    from workbook_engine.share import ShareLayout
    from workbook_engine.share_setup import (
        SCRIPTS_DIR,
        WINDOWS_SCRIPT,
        ShareSetupError,
        check_script_inputs,
        init_share,
        writable_by_everyone,
        write_permission_scripts,
    )

    setup = setup_or_fail(data_dir(data_dir_))
    layout = ShareLayout(share, setup)
    try:
        check_script_inputs(layout, office_account)  # nothing is laid out on a bad value
        done = init_share(layout)
        scripts = write_permission_scripts(layout, outbox / SCRIPTS_DIR, office_account)
    except ShareSetupError as exc:
        raise fail(str(exc)) from exc
    except FileLockedError as exc:
        raise fail(str(exc)) from exc
    except OSError as exc:
        where = exc.filename or layout.root
        raise fail(
            f"không tạo được {where} ({exc.strerror or exc}); kiểm tra quyền ghi vào thư mục "
            "chia sẻ và ổ mạng đã được kết nối chưa, rồi chạy lại"
        ) from exc

    people = len(setup.teachers)
    out.print(
        f"Thư mục chia sẻ {done.root}: {people} người, tạo mới {len(done.created)} thư mục, "
        f"đã có {len(done.existing)}; tạo thêm {len(done.subfolders_created)} thư mục con.",
        markup=False,
    )
    for folder in done.kept:
        out.print(f"Giữ nguyên thư mục đã đổi tên: {folder.name}", markup=False)
    if done.readme_written and done.readme:
        out.print(f"Đã ghi hướng dẫn {done.readme.name}.", markup=False)
    out.print(f"Tệp lệnh phân quyền: {scripts[0].parent}", markup=False)
    for script in scripts:
        out.print(f"  {script.name}", markup=False)

    if os.name == "nt":
        err.print(
            "Cảnh báo: trên Windows không kiểm tra được ai ghi được vào thư mục. Cách sửa: chạy "
            f"{WINDOWS_SCRIPT} trên máy chủ (Run as administrator), rồi kiểm tra bằng "
            f'icacls "{done.root}\\<thư mục>".',
            style="yellow",
            markup=False,
        )
        return
    open_folders = writable_by_everyone(layout)
    if open_folders:
        err.print(
            f"Cảnh báo: {len(open_folders)} thư mục ai cũng ghi được: ai cũng có thể nộp thay "
            "người khác. Cách sửa: chạy phan-quyen-samba.sh (hoặc phan-quyen-windows.cmd trên "
            "máy chủ Windows) bằng tài khoản quản trị.",
            style="yellow",
            markup=False,
        )
        for folder in open_folders:
            err.print(f"  {folder}", style="yellow", markup=False)
