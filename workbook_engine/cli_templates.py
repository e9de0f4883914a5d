"""``wbe templates``: issue the sheets teachers fill (registered by ``workbook_engine.cli``)."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workbook_engine.cli_common import (
    DataDirOption,
    ShareOption,
    TodayOption,
    engine_error,
    fail,
    new_app,
    out,
    progress_bar,
    setup_or_fail,
)
from workbook_engine.cli_people import require_pin, who
from workbook_engine.io.atomic import FileLockedError
from workbook_engine.io.identity import load_or_create_secret, load_secret
from workbook_engine.model import Role, Setup, SummerList
from workbook_engine.paths import DataDir, data_dir

if TYPE_CHECKING:
    from workbook_engine.pipeline.ledger import Ledger

templates_app = new_app("Phát mẫu bảng điểm cho giáo viên / Issue the sheets teachers fill.")


@templates_app.command("issue")
def issue(
    data_dir_: DataDirOption = None,
    share: ShareOption = Path("share"),
    semester: Annotated[int, typer.Option("--semester", min=1, max=2, help="Học kì 1 hoặc 2.")] = 1,
    teacher: Annotated[
        str | None, typer.Option("--teacher", help="Chỉ phát cho giáo viên có mã này.")
    ] = None,
    summer: Annotated[
        bool,
        typer.Option(
            "--summer",
            help="Phát bảng kiểm tra lại và rèn luyện hè (tiểu học: bảng đánh giá bổ sung) cho "
            "các học sinh trong kết quả cả năm đã duyệt.",
        ),
    ] = False,
    today: TodayOption = None,
) -> None:
    """Phát bảng điểm, điểm danh, rèn luyện, phiếu sửa điểm vào thư mục «Sổ điểm» của từng
    giáo viên trên thư mục chia sẻ; với --summer, bảng kiểm tra lại và rèn luyện hè (tiểu học:
    bảng đánh giá bổ sung). Mỗi bảng ghi danh sách học sinh của lớp vào ngày phát (biến động ghi
    trước chỉ tính từ ngày của nó)."""
    from workbook_engine.model import SUMMER
    from workbook_engine.pipeline.issue import issue_templates

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    day = today.date() if today else date.today()
    secret = load_or_create_secret(data.secret)  # the first issue creates the school's secret
    concerned = None
    if summer:
        concerned = _summer_list(data, setup)
        semester = SUMMER
    try:
        with _accepted(data) as ledger, progress_bar("Đang ghi mẫu") as update:
            result = issue_templates(setup, share, secret, semester, teacher, progress=update,
                                     summer=concerned, ledger=ledger, today=day)  # fmt: skip
    except FileLockedError as exc:
        raise fail(str(exc)) from exc
    for issued in result.files:
        out.print(issued.message, markup=False)
    out.print(result.summary(), markup=False)


def _accepted(data: DataDir) -> AbstractContextManager[Ledger | None]:
    """The ledger, read only, whose accepted values a new copy carries (none before the first
    file is received)."""
    from workbook_engine.pipeline.ledger import Ledger

    return Ledger.open_readonly(data.ledger) if data.ledger.exists() else nullcontext()


def _summer_list(data: DataDir, setup: Setup) -> SummerList:
    """Who the summer concerns, from the approved year results; classes not approved yet are
    named (they get no sheet until their year is approved). Each level is told apart: the
    secondary classes' re-exam and summer training (Circular 22), the primary classes'
    supplementary assessment (Circular 27, «Đánh giá bổ sung»)."""
    from workbook_engine.pipeline.ledger import Ledger
    from workbook_engine.pipeline.result_approval import summer_list

    secondary = [c.code for c in setup.secondary_classes]
    primary = [c.code for c in setup.classes if c.primary]
    if not primary:
        what = "kiểm tra lại hay rèn luyện hè"
    elif not secondary:
        what = "đánh giá bổ sung"
    else:
        what = "kiểm tra lại, rèn luyện hè hay đánh giá bổ sung"
    if not data.ledger.exists():
        raise engine_error("summer-nothing-approved", what=what)
    with Ledger.open_readonly(data.ledger) as ledger:
        concerned, waiting = summer_list(setup, ledger)
    if len(waiting) == len(setup.classes):
        raise engine_error("summer-nothing-approved", what=what)
    late = [code for code in waiting if code in secondary]
    late_primary = [code for code in waiting if code in primary]
    if late:
        out.print("Các lớp chưa duyệt kết quả cả năm, chưa phát bảng kiểm tra lại, rèn luyện "
                  f"hè: {', '.join(late)}.", markup=False)  # fmt: skip
    if late_primary:
        out.print("Các lớp tiểu học chưa duyệt kết quả cả năm, chưa phát bảng đánh giá bổ "
                  f"sung: {', '.join(late_primary)}.", markup=False)  # fmt: skip
    summer = any(concerned.re_exam.values()) or any(concerned.training.values())
    if len(late) < len(secondary) and not summer:
        out.print("Không có học sinh nào phải kiểm tra lại hay rèn luyện hè.", markup=False)
    if len(late_primary) < len(primary) and not any(concerned.supplementary.values()):
        out.print("Không có học sinh tiểu học nào phải đánh giá bổ sung.", markup=False)
    return concerned


@templates_app.command("refresh")
def refresh(
    data_dir_: DataDirOption = None,
    share: ShareOption = Path("share"),
    teacher: Annotated[
        str | None, typer.Option("--teacher", help="Chỉ cập nhật tệp của giáo viên có mã này.")
    ] = None,
) -> None:
    """Cập nhật các tệp trong thư mục «Sổ điểm» theo sổ điểm của trường (điểm đã duyệt sửa,
    tệp văn phòng nộp thay); tệp có chỉnh sửa chưa gửi hoặc đang mở được giữ nguyên."""
    from workbook_engine.pipeline.ledger import Ledger
    from workbook_engine.pipeline.refresh import refresh_working_copies

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    secret = load_secret(data.secret)  # never a new one: every issued copy would read as forged
    if teacher is not None and setup.find_teacher(teacher) is None:
        raise engine_error("unknown-teacher", value=teacher)
    if not data.ledger.exists():
        out.print("Chưa nhận tệp nào: không có gì để cập nhật.", markup=False)
        return
    with Ledger.open_readonly(data.ledger) as ledger, progress_bar("Đang cập nhật") as update:
        result = refresh_working_copies(setup, share, secret, ledger, teacher, progress=update)
    for refreshed in result.reported:
        out.print(refreshed.message, markup=False)
    out.print(result.summary(), markup=False)


SEES_PASSWORD = (Role.ADMIN,)  # issue 9: the administrator alone, with their PIN


@templates_app.command("password")
def password(
    by: Annotated[
        str, typer.Option("--by", help="Mã quản trị viên, sẽ được hỏi mã PIN / your code.")
    ],
    data_dir_: DataDirOption = None,
) -> None:
    """In mật khẩu bảo vệ trang tính (chỉ Quản trị viên, với mã PIN của mình)."""
    from workbook_engine.io.sheet_base import admin_password

    data = data_dir(data_dir_)
    secret = load_secret(data.secret)
    person = setup_or_fail(data).find_teacher(by)
    if person is None:
        raise engine_error("unknown-teacher", value=by)
    if not set(SEES_PASSWORD) & set(person.roles):
        allowed = " hoặc ".join(SEES_PASSWORD)
        raise fail(f"{who(person)} không có quyền xem mật khẩu (cần vai trò: {allowed})")
    require_pin(data, person)
    out.print(f"Mật khẩu bảo vệ trang tính: {admin_password(secret)}", markup=False)
