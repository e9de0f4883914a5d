"""Lay out the school's share and write the scripts that set who may write where.

:func:`init_share` creates every person's folder and subfolders (see :mod:`workbook_engine.share`)
and a ``README - Hướng dẫn.txt`` at the root; it never deletes or renames anything and keeps a
folder renamed after a name change. :func:`write_permission_scripts` writes, for the school's
administrator, a ``.cmd`` for a Windows file server (``icacls``) and an ``smb.conf`` section plus a
``setfacl`` script for Samba: the office has full control everywhere, each person may write only
into their own ``Sổ điểm/``, ``Nộp/`` (and ``Duyệt/``) and read their ``Trả lại/`` and
``Biên nhận/``. :func:`writable_by_everyone` finds folders anyone may write into (POSIX only).

Names come from the setup workbook: in the scripts they appear only quoted (cmd: inside double
quotes with ``%`` doubled and delayed expansion off; sh: single-quoted), never in a command word.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from workbook_engine.io.atomic import atomic_path
from workbook_engine.model import Teacher
from workbook_engine.share import DECIDE, RECEIPTS, RETURNED, SHEETS, SUBMIT, ShareLayout, decides

README_NAME = "README - Hướng dẫn.txt"
SCRIPTS_DIR = "phan-quyen"  # under the outbox
WINDOWS_SCRIPT = "phan-quyen-windows.cmd"
SAMBA_CONF = "phan-quyen-samba.conf"
SAMBA_SCRIPT = "phan-quyen-samba.sh"
DEFAULT_OFFICE = "Administrators"
SAMBA_SHARE_NAME = "SoDiem"
FOLDER_MODE = 0o755  # POSIX: only the owner writes until the scripts grant more

WRITABLE = (SHEETS, SUBMIT, DECIDE)  # where the person writes (Duyệt only for approvers)
READ_ONLY = (RETURNED, RECEIPTS)  # written by the service, read by the person

EVERYONE_SID = "*S-1-1-0"  # "Everyone" under any Windows display language
SYSTEM_SID = "*S-1-5-18"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ACCOUNT_BAD = re.compile(r'["%\x00-\x1f\x7f]')
_COMMENT_BAD = re.compile(r'[\x00-\x1f\x7f%^&|<>!"]')  # what cmd might act on even after REM
_PERSON_CODE = re.compile(r"[A-Za-z0-9._-]+")


class ShareSetupError(ValueError):
    """A value that cannot be written safely into a script (message in Vietnamese)."""


@dataclass
class ShareInit:
    """What :func:`init_share` did: person folders created or already there (``kept`` are those
    found under another name, by their code), every subfolder it created, the README."""

    root: Path
    created: list[Path] = field(default_factory=list)
    existing: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    subfolders_created: list[Path] = field(default_factory=list)
    readme: Path | None = None
    readme_written: bool = False


# --- the layout -----------------------------------------------------------------------------------


def init_share(layout: ShareLayout) -> ShareInit:
    """Create every person's folder and its subfolders, and the README; idempotent."""
    root = layout.root
    root.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    result = ShareInit(root=root)
    for teacher in layout.setup.teachers:
        folder = layout.owner_folder(teacher.code)
        if folder.is_dir():
            result.existing.append(folder)
            if folder.name != layout.folder(teacher.code).name:
                result.kept.append(folder)
        else:
            folder.mkdir(mode=FOLDER_MODE)
            result.created.append(folder)
        for name in layout.subfolders(teacher):
            sub = folder / name
            if not sub.is_dir():
                sub.mkdir(mode=FOLDER_MODE)
                result.subfolders_created.append(sub)
    result.readme = root / README_NAME
    if not result.readme.exists():  # the school may have edited it: never overwritten
        _write_text(result.readme, readme_text(layout), encoding="utf-8-sig", newline="\r\n")
        result.readme_written = True
    return result


def readme_text(layout: ShareLayout) -> str:
    school = layout.setup.school
    return "\n".join(
        [
            f"THƯ MỤC CHIA SẺ SỔ ĐIỂM — {school.name} — năm học {school.school_year}",
            "",
            "Mỗi người có một thư mục riêng mang mã và tên của mình, ví dụ",
            "«GV015 - Nguyễn Thị Hoa». Chỉ thầy/cô và văn phòng ghi được vào thư mục đó:",
            "tệp nộp từ thư mục nào thì nhà trường biết đó là của người ấy.",
            "",
            "1. Mở thư mục của chính mình (không chép tệp vào thư mục của người khác).",
            f"2. «{SHEETS}»: các tệp sổ điểm nhà trường phát. Mở và nhập điểm ngay tại đây.",
            f"3. Nhập xong, lưu và đóng Excel, rồi chép (hoặc kéo) tệp vào «{SUBMIT}».",
            "   Phần mềm nhận tệp sau ít phút.",
            f"4. Đọc kết quả: «{RECEIPTS}» có biên nhận cho mỗi tệp được nhận (điểm nào đã",
            f"   vào sổ, điểm nào chờ duyệt); «{RETURNED}» có tệp bị trả lại, ô sai tô đỏ",
            f"   kèm ghi chú. Sửa tệp trong «{SHEETS}» rồi nộp lại.",
            f"   Hai thư mục «{RETURNED}» và «{RECEIPTS}» chỉ để đọc.",
            "",
            f"Hiệu trưởng và phó hiệu trưởng có thêm thư mục «{DECIDE}»: thả phiếu duyệt",
            "sửa điểm đã điền vào đó. Quyết định vẫn phải có biên bản giấy có chữ ký.",
            "",
            "Không đổi tên, không xóa các thư mục trên. Cần giúp đỡ, hãy liên hệ văn phòng.",
            "",
        ]
    )


def writable_by_everyone(layout: ShareLayout) -> list[Path]:
    """The root, person folders and subfolders anyone may write into (``S_IWOTH``).

    POSIX only: on Windows permissions are ACLs, not mode bits, and this returns ``[]`` (check
    with ``icacls`` after running the ``.cmd`` script)."""
    if os.name == "nt":
        return []
    folders = [layout.root]
    for teacher in layout.setup.teachers:
        folder = layout.owner_folder(teacher.code)
        folders.append(folder)
        folders.extend(folder / name for name in layout.subfolders(teacher))
    found = []
    for folder in folders:
        try:
            mode = folder.stat().st_mode
        except OSError:
            continue
        if stat.S_ISDIR(mode) and mode & stat.S_IWOTH:
            found.append(folder)
    return found


# --- the permission scripts -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    teacher: Teacher
    folder: str  # the folder's name as it is on the share
    variable: str  # the script variable holding the person's account

    @property
    def writable(self) -> tuple[str, ...]:
        return tuple(n for n in WRITABLE if n != DECIDE or decides(self.teacher))


def write_permission_scripts(
    layout: ShareLayout, out_dir: Path, office_account: str = DEFAULT_OFFICE
) -> list[Path]:
    """Write the Windows ``.cmd``, the Samba ``.conf`` section and the ``setfacl`` script into
    ``out_dir``; return their paths. :class:`ShareSetupError` for an unsafe share path or office
    account (nothing is written then)."""
    share, office = check_script_inputs(layout, office_account)
    people = _people(layout)
    files = {
        WINDOWS_SCRIPT: (windows_script(share, office, people, layout), "\r\n"),
        SAMBA_CONF: (samba_conf(share, office, people), "\n"),
        SAMBA_SCRIPT: (samba_script(share, office, people), "\n"),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (text, newline) in files.items():
        _write_text(out_dir / name, text, encoding="utf-8", newline=newline)
        written.append(out_dir / name)
    return written


def check_script_inputs(layout: ShareLayout, office_account: str) -> tuple[str, str]:
    """The share path and the office account as the scripts will hold them; raise
    :class:`ShareSetupError` before anything is laid out when one of them, or a person's code,
    cannot be written safely."""
    for teacher in layout.setup.teachers:
        if not _PERSON_CODE.fullmatch(teacher.code):
            raise ShareSetupError(
                f"mã giáo viên «{_comment(teacher.code)}» có ký tự không dùng được làm tên tài "
                "khoản (chỉ chữ cái không dấu, chữ số và - _ .); sửa trong tệp thiết lập"
            )
    return _share_path(layout.root), _office_account(office_account)


def _people(layout: ShareLayout) -> list[_Person]:
    people, used = [], set()
    for teacher in layout.setup.teachers:
        variable = "TK_" + re.sub(r"[^A-Za-z0-9_]", "_", teacher.code)
        while variable in used:  # GV-1 and GV_1 would share a name in sh
            variable += "_"
        used.add(variable)
        people.append(_Person(teacher, layout.owner_folder(teacher.code).name, variable))
    return people


def _share_path(root: Path) -> str:
    share = os.path.abspath(root)
    if _CONTROL.search(share) or '"' in share or "%" in share:
        raise ShareSetupError(
            f'đường dẫn thư mục chia sẻ «{_comment(share)}» có dấu " hoặc % hoặc ký tự điều '
            "khiển; hãy đổi tên thư mục"
        )
    if Path(share).anchor == share:
        raise ShareSetupError(
            f"thư mục chia sẻ không được là gốc ổ đĩa ({share}); hãy dùng một thư mục con"
        )
    return share


def _office_account(account: str) -> str:
    account = account.strip()
    if not account or _ACCOUNT_BAD.search(account):
        raise ShareSetupError(
            f"tài khoản văn phòng «{_comment(account)}» không hợp lệ: không được trống, "
            'không có dấu " hoặc % hoặc ký tự điều khiển'
        )
    return account


def _comment(text: str) -> str:
    """Text safe on a ``REM``/``#`` line: what cmd could act on becomes a space."""
    return _COMMENT_BAD.sub(" ", text)


def _cmd(text: str) -> str:
    """Text for inside cmd double quotes: ``%`` doubled; ``"`` and line breaks refused."""
    if '"' in text or _CONTROL.search(text):
        raise ShareSetupError(f'«{_comment(text)}» có dấu " hoặc ký tự điều khiển')
    return text.replace("%", "%%")


def _sh(text: str) -> str:
    """A single-quoted sh word: nothing inside is expanded."""
    if _CONTROL.search(text):
        raise ShareSetupError(f"«{_comment(text)}» có ký tự điều khiển")
    return "'" + text.replace("'", "'\\''") + "'"


def windows_script(share: str, office: str, people: list[_Person], layout: ShareLayout) -> str:
    """``icacls`` lines for a Windows file server (lines joined by LF; written with CRLF)."""
    school = _comment(layout.setup.school.name)
    lines = [
        "@echo off",
        "chcp 65001 >nul",
        "setlocal EnableExtensions DisableDelayedExpansion",
        f"REM Phân quyền thư mục chia sẻ sổ điểm — {school}. Tạo bởi: wbe share init.",
        "REM Chạy trên máy chủ chứa thư mục, bằng tài khoản quản trị (Run as administrator).",
        "REM SHARE: đường dẫn thư mục chia sẻ trên máy chủ này (sửa nếu khác, không có \\ ở cuối).",
        "REM OFFICE: tài khoản hoặc nhóm của văn phòng và của máy chạy phần mềm: toàn quyền.",
        "REM Tài khoản của mỗi người mặc định là mã giáo viên (ví dụ GV015). Nếu tài khoản",
        "REM Windows của người đó khác, sửa dòng set của người đó bên dưới, ví dụ",
        'REM set "TK_GV015=TRUONG\\hoa.nt". Tài khoản phải có sẵn trên máy chủ hoặc trong miền.',
        "REM Mỗi người: đọc thư mục của mình; ghi vào Sổ điểm, Nộp (và Duyệt với người duyệt);",
        "REM chỉ đọc Trả lại, Biên nhận (phần mềm ghi). Mọi người chỉ xem danh sách ở gốc.",
        "REM Quyền chia sẻ (Share permissions): Everyone Change; quyền NTFS dưới đây quyết định.",
        f'set "SHARE={_cmd(share)}"',
        f'set "OFFICE={_cmd(office)}"',
        "",
    ]
    for person in people:
        lines.append(f'set "{person.variable}={person.teacher.code}"')
    lines += [
        'set "LOI=0"',
        "",
        "REM Gốc: văn phòng toàn quyền; mọi người chỉ xem danh sách thư mục.",
        'icacls "%SHARE%" /reset || set "LOI=1"',
        f'icacls "%SHARE%" /inheritance:r /grant:r "%OFFICE%:(OI)(CI)F" "{SYSTEM_SID}:(OI)(CI)F"'
        f' "{EVERYONE_SID}:RX" || set "LOI=1"',
        f'icacls "%SHARE%\\{_cmd(README_NAME)}" /grant:r "{EVERYONE_SID}:R" || set "LOI=1"',
    ]
    for person in people:
        folder = f"%SHARE%\\{_cmd(person.folder)}"
        account = f"%{person.variable}%"
        lines += [
            "",
            f"echo Phân quyền {person.teacher.code}",
            f'icacls "{folder}" /reset /T /C /Q || set "LOI=1"',
            f'icacls "{folder}" /inheritance:r /grant:r "%OFFICE%:(OI)(CI)F"'
            f' "{SYSTEM_SID}:(OI)(CI)F" "{account}:(OI)(CI)RX" || set "LOI=1"',
        ]
        for name in person.writable:
            if name == DECIDE:
                continue  # below: the office may not write there
            lines.append(
                f'icacls "{folder}\\{_cmd(name)}" /grant:r "{account}:(OI)(CI)M" || set "LOI=1"'
            )
        for name in READ_ONLY:
            lines.append(
                f'icacls "{folder}\\{_cmd(name)}" /grant:r "{account}:(OI)(CI)RX" || set "LOI=1"'
            )
        if DECIDE in person.writable:  # the office reads and removes decisions, never writes one
            lines.append(
                f'icacls "{folder}\\{_cmd(DECIDE)}" /inheritance:r /grant:r'
                f' "%OFFICE%:(OI)(CI)(RX,D,DC)" "{SYSTEM_SID}:(OI)(CI)(RX,D,DC)"'
                f' "{account}:(OI)(CI)M" || set "LOI=1"'
            )
    lines += [
        "",
        'if "%LOI%"=="1" (',
        "  echo Có lỗi ở trên: kiểm tra tên tài khoản và đường dẫn rồi chạy lại.",
        "  exit /b 1",
        ")",
        'echo Xong. Kiểm tra lại bằng: icacls "%SHARE%\\GV015 - ..."',
        "endlocal",
        "",
    ]
    return "\n".join(lines)


def samba_conf(share: str, office: str, people: list[_Person]) -> str:
    """An ``smb.conf`` share section: the folder permissions decide, ACLs are inherited."""
    users = " ".join(_samba_user(u) for u in (office, *(p.teacher.code for p in people)))
    return "\n".join(
        [
            "# Thêm đoạn này vào /etc/samba/smb.conf rồi chạy: testparm && systemctl reload smbd",
            "# Tạo bởi wbe share init. Quyền từng thư mục: chạy phan-quyen-samba.sh.",
            "# Mỗi tài khoản trong «valid users» cần có trên máy (useradd) và trong Samba",
            "# (smbpasswd -a <tên>). Tài khoản mỗi người mặc định là mã giáo viên.",
            "# Nếu sau này sửa quyền từ Windows (tab Security), chạy lại phan-quyen-samba.sh.",
            f"[{SAMBA_SHARE_NAME}]",
            f"   path = {share}",
            "   comment = So diem",
            "   browseable = yes",
            "   read only = no",
            f"   valid users = {users}",
            "   inherit acls = yes",
            "   map acl inherit = yes",
            "   vfs objects = acl_xattr",
            "   hide unreadable = yes",
            "",
        ]
    )


def _samba_user(name: str) -> str:
    return f'"{name}"' if " " in name else name


def samba_script(share: str, office: str, people: list[_Person]) -> str:
    """``setfacl`` lines giving the same rights as the Windows script (POSIX ACLs)."""
    lines = [
        "#!/bin/sh",
        "# Phân quyền thư mục chia sẻ sổ điểm trên máy chủ Samba. Tạo bởi: wbe share init.",
        "# Chạy bằng root: sh phan-quyen-samba.sh (cần gói acl: setfacl).",
        "# SHARE: đường dẫn thư mục chia sẻ trên máy chủ này (sửa nếu khác).",
        "# OFFICE: tài khoản của văn phòng và của máy chạy phần mềm: toàn quyền.",
        "# Tài khoản của mỗi người mặc định là mã giáo viên; nếu khác, sửa dòng TK_... của họ.",
        "# Mỗi người: đọc thư mục của mình; ghi vào Sổ điểm, Nộp (và Duyệt với người duyệt);",
        "# chỉ đọc Trả lại, Biên nhận (phần mềm ghi). Người khác không vào được.",
        "set -eu",
        f"SHARE={_sh(share)}",
        f"OFFICE={_sh(office)}",
    ]
    lines += [f"{p.variable}={_sh(p.teacher.code)}" for p in people]
    lines += [
        "",
        "# Gốc: văn phòng toàn quyền; mọi người chỉ xem danh sách thư mục.",
        'chmod 0755 "$SHARE"',
        'setfacl -b "$SHARE"',
        'setfacl -m "u:$OFFICE:rwx" -m "d:u:$OFFICE:rwx" "$SHARE"',
        f'chmod 0644 "$SHARE"/{_sh(README_NAME)} 2>/dev/null || true',
    ]
    for person in people:
        folder = f'"$SHARE"/{_sh(person.folder)}'
        account = f"${{{person.variable}}}"
        base = f"u::rwX,g::---,o::---,u:$OFFICE:rwX,u:{account}:r-X,m::rwX"
        lines += [
            "",
            f"echo {_sh('Phân quyền ' + person.teacher.code)}",
            f"setfacl -R -b {folder}",
            f'setfacl -R -m "{base}" {folder}',
            f'setfacl -R -d -m "{base}" {folder}',
        ]
        for name in person.writable:
            lines.append(
                f'setfacl -R -m "u:{account}:rwX" -m "d:u:{account}:rwX" {folder}/{_sh(name)}'
            )
        for name in READ_ONLY:
            lines.append(
                f'setfacl -R -m "u:{account}:r-X" -m "d:u:{account}:r-X" {folder}/{_sh(name)}'
            )
    lines += ["", "echo \"Xong. Kiểm tra lại bằng: getfacl '$SHARE'/<thư mục>\"", ""]
    return "\n".join(lines)


def _write_text(path: Path, text: str, *, encoding: str, newline: str) -> None:
    with atomic_path(path) as tmp, tmp.open("w", encoding=encoding, newline=newline) as handle:
        handle.write(text)
