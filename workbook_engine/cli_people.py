"""``wbe people pin``: each decider's own PIN (registered by cli.py), and :func:`require_pin`,
asked before every decision with legal weight (corrections, locks, the protection password)."""

from __future__ import annotations

import contextlib
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from workbook_engine.cli_common import (
    DataDirOption,
    ShareOption,
    engine_error,
    err,
    new_app,
    out,
    setup_or_fail,
)
from workbook_engine.io.atomic import atomic_path
from workbook_engine.model import Role, Teacher
from workbook_engine.paths import DataDir, data_dir
from workbook_engine.pipeline.pins import (
    check_pin,
    has_pin,
    locked_until,
    record_right,
    record_wrong,
    set_pin,
    valid_pin,
)
from workbook_engine.share import ShareLayout

# For scheduled scripts on the office PC: the PIN, instead of asking it.
PIN_ENV = "WBE_PIN"

log = logging.getLogger("workbook_engine.cli")

people_app = new_app("Người dùng và mã PIN / People and their PINs.")


def who(person: Teacher) -> str:
    return f"{person.full_name} ({person.code})"


def ask_pin(label: str) -> str:
    return str(typer.prompt(label, hide_input=True))


def log_wrong_pin(data: DataDir, code: str) -> None:
    """Warn that ``code``'s PIN was typed wrong (never the PIN)."""
    log_to_data(data, "Nhập sai mã PIN của %s", code)


def log_to_data(data: DataDir, message: str, *args: object) -> None:
    """A warning in ``<data>/wbe.log`` too when no handler writes there yet (a one-shot command
    on the office PC)."""
    target = os.path.abspath(data.root / "wbe.log")
    handlers = [*logging.getLogger("workbook_engine").handlers, *log.handlers]
    if any(getattr(h, "baseFilename", None) == target for h in handlers):
        log.warning(message, *args)
        return
    handler = logging.FileHandler(data.root / "wbe.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    log.addHandler(handler)
    try:
        log.warning(message, *args)
    finally:
        log.removeHandler(handler)
        handler.close()


def require_pin(data: DataDir, person: Teacher) -> None:
    """``person``'s own PIN, asked (or ``$WBE_PIN``): ``pin-missing``, ``pin-locked`` after five
    wrong ones in a row, or ``pin-wrong`` (logged)."""
    if not has_pin(data, person.code):
        raise engine_error("pin-missing", who=who(person), person_code=person.code)
    pin = os.environ.get(PIN_ENV) or ask_pin(f"Mã PIN của {person.full_name}")
    verify(data, person, pin)


def verify(data: DataDir, person: Teacher, pin: str) -> None:
    """``pin`` is ``person``'s own, or ``pin-locked`` / ``pin-wrong`` (each wrong one counted)."""
    until = locked_until(data, person.code)
    if until is not None:
        raise engine_error("pin-locked", who=who(person), until=until.strftime("%H:%M"))
    if not check_pin(data, person.code, pin):
        log_wrong_pin(data, person.code)
        record_wrong(data, person.code)
        raise engine_error("pin-wrong", who=who(person))
    record_right(data, person.code)


@people_app.command("pin")
def pin(
    code: Annotated[str, typer.Argument(help="Mã người dùng / the person's code.")],
    reset: Annotated[
        bool,
        typer.Option("--reset", help="Quản trị viên đặt lại mã PIN bị quên (ghi vào nhật ký)."),
    ] = False,
    data_dir_: DataDirOption = None,
    share: ShareOption = Path("share"),
) -> None:
    """Đặt hoặc đổi mã PIN (6–12 chữ số) / Set or change a person's PIN.

    Quản trị viên đặt mã PIN của mình trước; mã PIN đầu tiên của người khác cần mã PIN của
    quản trị viên; đổi mã PIN cần mã PIN hiện tại của chính người đó; mã bị quên được quản trị
    viên đặt lại bằng --reset (ghi vào nhật ký).
    """
    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    person = setup.find_teacher(code)
    if person is None:
        raise engine_error("unknown-teacher", value=code)
    admins = [t for t in setup.teachers if Role.ADMIN in t.roles and has_pin(data, t.code)]
    if reset:
        admin = _admin_reset(data, person, admins)
        _tell(ShareLayout(share, setup), person, admin)
    elif has_pin(data, code):  # only the person changes their own PIN
        verify(data, person, ask_pin(f"Mã PIN hiện tại của {person.full_name}"))
    elif admins:  # a first PIN, given by an administrator
        _by_an_admin(data, admins)
    elif Role.ADMIN not in person.roles:
        raise engine_error("pin-admin-first")
    new = ask_pin("Mã PIN mới (6–12 chữ số)")
    if not valid_pin(new):
        raise engine_error("pin-invalid")
    if ask_pin("Nhập lại mã PIN mới") != new:
        raise engine_error("pin-mismatch")
    set_pin(data, code, new)
    record_right(data, code)
    out.print(f"Đã lưu mã PIN của {who(person)}.", markup=False)


def _by_an_admin(data: DataDir, admins: list[Teacher]) -> Teacher:
    """The administrator whose PIN is typed (any of them)."""
    pin = ask_pin("Mã PIN của quản trị viên")
    for admin in admins:
        if locked_until(data, admin.code) is None and check_pin(data, admin.code, pin):
            record_right(data, admin.code)
            return admin
    for admin in admins:
        log_wrong_pin(data, admin.code)
        record_wrong(data, admin.code)
    raise engine_error("pin-wrong", who="quản trị viên")


def _admin_reset(data: DataDir, person: Teacher, admins: list[Teacher]) -> Teacher:
    """A forgotten PIN, replaced by an administrator: allowed, and written to the log."""
    if not admins:
        raise engine_error("pin-admin-first")
    admin = _by_an_admin(data, admins)
    log_to_data(data, "Quản trị viên %s đặt lại mã PIN của %s", admin.code, person.code)
    err.print(
        f"Cảnh báo: mã PIN của {who(person)} được quản trị viên {who(admin)} đặt lại; việc này "
        "được ghi vào nhật ký wbe.log.",
        markup=False,
    )
    return admin


def _tell(share: ShareLayout, person: Teacher, admin: Teacher) -> None:
    """The person learns it where they look (their ``Biên nhận/``), not only in the log."""
    folder = share.receipts(person.code)
    if not share.root.is_dir():
        return
    now = datetime.now().astimezone()
    note = folder / f"{now:%Y-%m-%d %H.%M.%S} Mã PIN được đặt lại.txt"
    text = (
        f"Mã PIN của {who(person)} đã được quản trị viên {who(admin)} đặt lại lúc "
        f"{now:%H:%M} ngày {now:%d/%m/%Y}.\r\nNếu thầy/cô không đề nghị việc này, báo ngay "
        "Hiệu trưởng và đổi lại mã PIN của mình.\r\n"
    )
    with contextlib.suppress(OSError), atomic_path(note) as tmp:
        tmp.write_text(text, encoding="utf-8-sig")
