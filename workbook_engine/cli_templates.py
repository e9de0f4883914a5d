"""``wbe templates``: issue the sheets teachers fill (registered by ``workbook_engine.cli``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workbook_engine.cli_common import DataDirOption, err, fail, out, progress_bar
from workbook_engine.io.atomic import FileLockedError
from workbook_engine.io.identity import SecretError, load_or_create_secret
from workbook_engine.io.setup_reader import SetupError, load_setup
from workbook_engine.io.sheet_base import admin_password
from workbook_engine.paths import data_dir
from workbook_engine.pipeline.issue import IssueError, issue_templates

templates_app = typer.Typer(
    help="Phát mẫu bảng điểm cho giáo viên / Issue the sheets teachers fill.",
    no_args_is_help=True,
)


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
    data = data_dir(data_dir_)
    if not data.setup.exists():
        raise fail(f"không tìm thấy tệp thiết lập {data.setup}")
    try:
        setup = load_setup(data.setup)
        secret = load_or_create_secret(data.secret)
        with progress_bar("Đang ghi mẫu") as update:
            result = issue_templates(
                setup, share or data.root / "share", secret, semester, teacher, progress=update
            )
    except SetupError as exc:
        for problem in exc.report.sorted():
            err.print(str(problem), markup=False)
        raise fail(f"tệp thiết lập {data.setup} có lỗi (xem trên)") from exc
    except (IssueError, SecretError, FileLockedError) as exc:
        raise fail(str(exc)) from exc
    for issued in result.files:
        out.print(issued.message, markup=False)
    out.print(result.summary(), markup=False)


@templates_app.command("password")
def password(data_dir_: DataDirOption = None) -> None:
    """In mật khẩu bảo vệ trang tính (chỉ dành cho quản trị viên)."""
    data = data_dir(data_dir_)
    if not data.secret.exists():
        raise fail(f"chưa có khóa bí mật {data.secret}; hãy phát mẫu trước (templates issue)")
    try:
        secret = load_or_create_secret(data.secret)
    except SecretError as exc:
        raise fail(str(exc)) from exc
    out.print(f"Mật khẩu bảo vệ trang tính: {admin_password(secret)}", markup=False)
