"""``wbe people pin``: each decider's own PIN (registered by cli.py), and :func:`require_pin`,
asked before every decision with legal weight (corrections, locks, the protection password)."""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer

from workbook_engine.cli_common import DataDirOption, engine_error, new_app, out, setup_or_fail
from workbook_engine.model import Role, Teacher
from workbook_engine.paths import DataDir, data_dir
from workbook_engine.pipeline.pins import check_pin, has_pin, set_pin, valid_pin

# For scheduled scripts on the office PC: the PIN, instead of asking it.
PIN_ENV = "WBE_PIN"

log = logging.getLogger("workbook_engine.cli")

people_app = new_app("Người dùng và mã PIN / People and their PINs.")


def who(person: Teacher) -> str:
    return f"{person.full_name} ({person.code})"


def ask_pin(label: str) -> str:
    return str(typer.prompt(label, hide_input=True))


def log_wrong_pin(data: DataDir, code: str) -> None:
    """Warn that ``code``'s PIN was typed wrong (never the PIN), in ``<data>/wbe.log`` too when
    no handler writes there yet (a one-shot command on the office PC)."""
    message = "Nhập sai mã PIN của %s"
    target = os.path.abspath(data.root / "wbe.log")
    handlers = [*logging.getLogger("workbook_engine").handlers, *log.handlers]
    if any(getattr(h, "baseFilename", None) == target for h in handlers):
        log.warning(message, code)
        return
    handler = logging.FileHandler(data.root / "wbe.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    log.addHandler(handler)
    try:
        log.warning(message, code)
    finally:
        log.removeHandler(handler)
        handler.close()


def require_pin(data: DataDir, person: Teacher) -> None:
    """``person``'s own PIN, asked (or ``$WBE_PIN``): ``pin-missing``, or ``pin-wrong`` (logged)."""
    if not has_pin(data, person.code):
        raise engine_error("pin-missing", who=who(person), person_code=person.code)
    pin = os.environ.get(PIN_ENV) or ask_pin(f"Mã PIN của {person.full_name}")
    if not check_pin(data, person.code, pin):
        log_wrong_pin(data, person.code)
        raise engine_error("pin-wrong", who=who(person))


@people_app.command("pin")
def pin(
    code: Annotated[str, typer.Argument(help="Mã người dùng / the person's code.")],
    data_dir_: DataDirOption = None,
) -> None:
    """Đặt hoặc đổi mã PIN (4–12 chữ số) / Set or change a person's PIN.

    Đổi mã PIN, hoặc đặt lần đầu khi quản trị viên đã có mã PIN, cần mã PIN hiện tại của người
    đó hoặc của quản trị viên.
    """
    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    person = setup.find_teacher(code)
    if person is None:
        raise engine_error("unknown-teacher", value=code)
    admins = [t for t in setup.teachers if Role.ADMIN in t.roles and has_pin(data, t.code)]
    if admins or has_pin(data, code):  # only the school's very first PINs are set freely
        current = ask_pin(f"Mã PIN hiện tại của {person.full_name} (hoặc của quản trị viên)")
        if not any(check_pin(data, t.code, current) for t in (person, *admins)):
            log_wrong_pin(data, code)
            raise engine_error("pin-wrong", who=f"{who(person)} hoặc của quản trị viên")
    new = ask_pin("Mã PIN mới (4–12 chữ số)")
    if not valid_pin(new):
        raise engine_error("pin-invalid")
    if ask_pin("Nhập lại mã PIN mới") != new:
        raise engine_error("pin-mismatch")
    set_pin(data, code, new)
    out.print(f"Đã lưu mã PIN của {who(person)}.", markup=False)
