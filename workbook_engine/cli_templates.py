"""``wbe templates``: issue the sheets teachers fill (registered by ``workbook_engine.cli``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbook_engine.cli_common import (
    DataDirOption,
    fail,
    new_app,
    out,
    progress_bar,
    setup_or_fail,
)
from workbook_engine.io.atomic import FileLockedError
from workbook_engine.io.identity import load_or_create_secret, load_secret
from workbook_engine.paths import data_dir

templates_app = new_app("Phát mẫu bảng điểm cho giáo viên / Issue the sheets teachers fill.")


@templates_app.command("issue")
def issue(
    data_dir_: DataDirOption = None,
    share: Annotated[
        Path | None, typer.Option("--share", help="Thư mục chia sẻ (mặc định <data>/share).")
    ] = None,
    semester: Annotated[int, typer.Option("--semester", min=1, max=2, help="Học kì 1 hoặc 2.")] = 1,
    teacher: Annotated[
        str | None, typer.Option("--teacher", help="Chỉ phát cho giáo viên có mã này.")
    ] = None,
) -> None:
    """Phát bảng điểm, điểm danh, rèn luyện, phiếu sửa điểm vào thư mục từng giáo viên."""
    from workbook_engine.pipeline.issue import issue_templates

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    secret = load_or_create_secret(data.secret)  # the first issue creates the school's secret
    try:
        with progress_bar("Đang ghi mẫu") as update:
            result = issue_templates(
                setup, share or data.root / "share", secret, semester, teacher, progress=update
            )
    except FileLockedError as exc:
        raise fail(str(exc)) from exc
    for issued in result.files:
        out.print(issued.message, markup=False)
    out.print(result.summary(), markup=False)


@templates_app.command("password")
def password(data_dir_: DataDirOption = None) -> None:
    """In mật khẩu bảo vệ trang tính (chỉ dành cho quản trị viên)."""
    from workbook_engine.io.sheet_base import admin_password

    secret = load_secret(data_dir(data_dir_).secret)
    out.print(f"Mật khẩu bảo vệ trang tính: {admin_password(secret)}", markup=False)
