"""``wbe share init``: every person's folder on the share, and the scripts that set who may write
where (the folder a file arrives in is what says who sent it)."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.test_cli_imports import LOADED, run_python
from workbook_engine.cli import app
from workbook_engine.model import Setup, Teacher
from workbook_engine.paths import DataDir
from workbook_engine.share import (
    DECIDE,
    RECEIPTS,
    RETURNED,
    SHEETS,
    SUBMIT,
    ShareLayout,
    decides,
    folder_name,
)
from workbook_engine.share_setup import (
    README_NAME,
    SAMBA_CONF,
    SAMBA_SCRIPT,
    SCRIPTS_DIR,
    WINDOWS_SCRIPT,
    ShareSetupError,
    init_share,
    writable_by_everyone,
    write_permission_scripts,
)

runner = CliRunner()
posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX mode bits and sh")
HOSTILE = "Tài \"x\" & %PATH% ^ !x! $(id) `id` 'q' | <b>"


def layout_of(tmp_path: Path, setup: Setup) -> ShareLayout:
    return ShareLayout(tmp_path / "share", setup)


def approver(setup: Setup) -> Teacher:
    return next(t for t in setup.teachers if decides(t))


def plain_teacher(setup: Setup) -> Teacher:
    return next(t for t in reversed(setup.teachers) if not decides(t))


def with_name(setup: Setup, code: str, full_name: str) -> Setup:
    teachers = tuple(
        dataclasses.replace(t, full_name=full_name) if t.code == code else t for t in setup.teachers
    )
    return dataclasses.replace(setup, teachers=teachers)


def subfolders(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_dir()}


# --- the layout -----------------------------------------------------------------------------------


def test_every_person_gets_their_folders_and_only_approvers_get_duyet(
    tmp_path: Path, small_school: Setup
) -> None:
    layout = layout_of(tmp_path, small_school)
    done = init_share(layout)

    assert len(done.created) == len(small_school.teachers) and not done.existing
    base = {SHEETS, SUBMIT, RETURNED, RECEIPTS}
    approvers = [t for t in small_school.teachers if decides(t)]
    assert approvers and len(approvers) < len(small_school.teachers)
    for teacher in small_school.teachers:
        folder = tmp_path / "share" / folder_name(teacher)
        assert folder.is_dir(), folder
        expected = base | {DECIDE} if decides(teacher) else base
        assert subfolders(folder) == expected, teacher.code
    readme = (tmp_path / "share" / README_NAME).read_text(encoding="utf-8-sig")
    for word in (SHEETS, SUBMIT, RETURNED, RECEIPTS, DECIDE, "Mở thư mục của chính mình"):
        assert word in readme


def test_init_twice_changes_nothing_and_keeps_a_teachers_file(
    tmp_path: Path, small_school: Setup
) -> None:
    layout = layout_of(tmp_path, small_school)
    init_share(layout)
    teacher = plain_teacher(small_school)
    work = layout.sheets(teacher.code) / "6A1_TOAN_HK1.xlsx"
    work.write_bytes(b"the teacher's work")
    readme = tmp_path / "share" / README_NAME
    readme.write_text("Hướng dẫn riêng của trường", encoding="utf-8")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    again = init_share(layout)

    assert not again.created and not again.subfolders_created and not again.readme_written
    assert len(again.existing) == len(small_school.teachers)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert work.read_bytes() == b"the teacher's work"
    assert readme.read_text(encoding="utf-8") == "Hướng dẫn riêng của trường"


def test_a_renamed_folder_is_kept_and_not_duplicated(tmp_path: Path, small_school: Setup) -> None:
    teacher = plain_teacher(small_school)
    old = tmp_path / "share" / f"{teacher.code} - Tên cũ"
    (old / SHEETS).mkdir(parents=True)
    (old / SHEETS / "bai.xlsx").write_bytes(b"x")

    done = init_share(layout_of(tmp_path, small_school))

    mine = [p.name for p in (tmp_path / "share").iterdir() if p.name.startswith(teacher.code)]
    assert mine == [old.name]
    assert old in done.kept and old in done.existing
    assert subfolders(old) == {SHEETS, SUBMIT, RETURNED, RECEIPTS}
    assert (old / SHEETS / "bai.xlsx").read_bytes() == b"x"
    script = write_permission_scripts(layout_of(tmp_path, small_school), tmp_path / "out")[0]
    text = script.read_text(encoding="utf-8")
    assert f'"%SHARE%\\{old.name}\\{SUBMIT}"' in text
    assert folder_name(teacher) not in text


# --- the scripts ----------------------------------------------------------------------------------


def scripts_for(tmp_path: Path, setup: Setup, office: str = "Administrators") -> dict[str, Path]:
    layout = layout_of(tmp_path, setup)
    init_share(layout)
    return {p.name: p for p in write_permission_scripts(layout, tmp_path / "out", office)}


def test_windows_script_grants_each_person_their_own_folders(
    tmp_path: Path, small_school: Setup
) -> None:
    scripts = scripts_for(tmp_path, small_school)
    raw = scripts[WINDOWS_SCRIPT].read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") > 0  # CRLF everywhere
    text = raw.decode("utf-8")  # no BOM: cmd would read it as part of the first command
    lines = text.splitlines()
    assert lines[:2] == ["@echo off", "chcp 65001 >nul"]
    share = os.path.abspath(tmp_path / "share")
    assert f'set "SHARE={share}"' in lines and 'set "OFFICE=Administrators"' in lines

    boss, teacher = approver(small_school), plain_teacher(small_school)
    assert any(not t.full_name.isascii() for t in (boss, teacher))
    for person in (boss, teacher):
        folder = f"%SHARE%\\{folder_name(person)}"
        account = f"%TK_{person.code}%"
        assert f'set "TK_{person.code}={person.code}"' in lines
        assert (
            f'icacls "{folder}" /inheritance:r /grant:r "%OFFICE%:(OI)(CI)F" '
            f'"*S-1-5-18:(OI)(CI)F" "{account}:(OI)(CI)RX" || set "LOI=1"'
        ) in lines
        for name in (SHEETS, SUBMIT):
            assert (
                f'icacls "{folder}\\{name}" /grant:r "{account}:(OI)(CI)M" || set "LOI=1"' in lines
            )
        for name in (RETURNED, RECEIPTS):
            assert (
                f'icacls "{folder}\\{name}" /grant:r "{account}:(OI)(CI)RX" || set "LOI=1"' in lines
            )
    duyet = [line for line in lines if f"\\{DECIDE}" in line]
    assert len(duyet) == sum(1 for t in small_school.teachers if decides(t))
    assert any(folder_name(boss) in line for line in duyet)
    assert not any(folder_name(teacher) in line for line in duyet)
    # the office (the PC anyone can sit at) reads and removes decisions, never writes one
    assert (
        f'icacls "%SHARE%\\{folder_name(boss)}\\{DECIDE}" /inheritance:r /grant:r '
        '"%OFFICE%:(OI)(CI)(RX,D,DC)" "*S-1-5-18:(OI)(CI)(RX,D,DC)" '
        f'"%TK_{boss.code}%:(OI)(CI)M" || set "LOI=1"'
    ) in lines
    assert 'icacls "%SHARE%" /inheritance:r /grant:r "%OFFICE%:(OI)(CI)F"' in text
    assert '"*S-1-1-0:RX"' in text  # everyone lists the root, nothing below


def test_samba_files_use_lf_and_name_every_account(tmp_path: Path, small_school: Setup) -> None:
    scripts = scripts_for(tmp_path, small_school, office="vanphong")
    conf = scripts[SAMBA_CONF].read_bytes().decode("utf-8")
    sh = scripts[SAMBA_SCRIPT].read_bytes().decode("utf-8")
    assert "\r" not in conf and "\r" not in sh
    for setting in ("inherit acls = yes", "map acl inherit = yes", "vfs objects = acl_xattr"):
        assert f"   {setting}\n" in conf
    users = re.search(r"valid users = (.*)\n", conf)
    assert users and users.group(1).split() == [
        "vanphong",
        *(t.code for t in small_school.teachers),
    ]
    assert "\nset -eu\n" in sh and f"\nSHARE='{os.path.abspath(tmp_path / 'share')}'\n" in sh
    teacher = plain_teacher(small_school)
    assert f"'{folder_name(teacher)}'/'{SUBMIT}'" in sh
    assert f"'{folder_name(teacher)}'/'{DECIDE}'" not in sh


def cmd_breakouts(line: str) -> list[str]:
    """What cmd would act on in ``line`` besides the script's own ``|| set "LOI=1"``: special
    characters outside double quotes, and ``%`` not part of ``%%`` or a known variable."""
    line = line.removesuffix(' || set "LOI=1"')
    found, quoted = [], False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "&|<>^":
            found.append(char)
    if quoted:
        found.append("unbalanced quote")
    rest = re.sub(r"%%|%(SHARE|OFFICE|LOI|TK_\w+)%", "", line)
    found.extend("%" for char in rest if char == "%")
    return found


def test_a_hostile_name_stays_inside_the_quotes(tmp_path: Path, small_school: Setup) -> None:
    teacher = plain_teacher(small_school)
    setup = with_name(small_school, teacher.code, HOSTILE)
    scripts = scripts_for(tmp_path, setup)
    folder = folder_name(setup.teacher_by_code(teacher.code))
    assert '"' not in folder and "&" in folder and "%" in folder  # folder_name keeps & and %

    cmd = scripts[WINDOWS_SCRIPT].read_text(encoding="utf-8").splitlines()
    mine = [line for line in cmd if teacher.code in line]
    assert any(folder.replace("%", "%%") in line for line in mine)
    for line in cmd:
        if not line.startswith("REM") and line != "chcp 65001 >nul":
            assert cmd_breakouts(line) == [], line
    assert not any("%PATH%" in line.replace("%%", "") for line in cmd)

    sh = scripts[SAMBA_SCRIPT].read_text(encoding="utf-8")
    quoted = "'" + folder.replace("'", "'\\''") + "'"
    assert f"\"$SHARE\"/{quoted}/'{SHEETS}'" in sh


@posix_only
@pytest.mark.skipif(shutil.which("sh") is None, reason="needs sh")
def test_the_sh_script_passes_a_hostile_name_as_one_word(
    tmp_path: Path, small_school: Setup
) -> None:
    teacher = plain_teacher(small_school)
    setup = with_name(small_school, teacher.code, HOSTILE)
    script = scripts_for(tmp_path, setup)[SAMBA_SCRIPT]
    log = tmp_path / "calls.log"
    stubs = (  # setfacl and chmod only record their arguments, one per line
        f"setfacl() {{ printf '%s\\n' \"$@\" >> '{log}'; }}\nchmod() {{ :; }}\n"
    )
    text = script.read_text(encoding="utf-8").replace("set -eu\n", "set -eu\n" + stubs, 1)
    script.write_text(text, encoding="utf-8")

    subprocess.run(["sh", str(script)], check=True, capture_output=True, timeout=60)

    args = log.read_text(encoding="utf-8").splitlines()
    person = Path(os.path.abspath(tmp_path / "share")) / folder_name(
        setup.teacher_by_code(teacher.code)
    )
    assert str(person / SUBMIT) in args and str(person / RECEIPTS) in args
    assert "-R" in args and f"u:{teacher.code}:rwX" in args


@posix_only
@pytest.mark.skipif(shutil.which("setfacl") is None, reason="needs setfacl (package acl)")
def test_the_sh_script_sets_the_acls(tmp_path: Path, small_school: Setup) -> None:
    script = scripts_for(tmp_path, small_school)[SAMBA_SCRIPT]
    # real accounts on this machine: the office is root, every person is nobody
    text = re.sub(
        r"^(TK_\w+)='[^']*'$", r"\1='nobody'", script.read_text(encoding="utf-8"), flags=re.M
    )
    script.write_text(text.replace("OFFICE='Administrators'", "OFFICE='root'"), encoding="utf-8")
    done = subprocess.run(["sh", str(script)], capture_output=True, text=True, timeout=120)
    if done.returncode and "Operation not supported" in done.stderr:
        pytest.skip("this file system has no POSIX ACLs")
    assert done.returncode == 0, done.stderr

    def acl(path: Path) -> set[str]:
        got = subprocess.run(["getfacl", "-cp", str(path)], capture_output=True, text=True)
        return set(got.stdout.split())

    person = layout_of(tmp_path, small_school).owner_folder(plain_teacher(small_school).code)
    assert {"user:nobody:r-x", "other::---", "default:other::---"} <= acl(person)
    assert {"user:nobody:rwx", "default:user:nobody:rwx"} <= acl(person / SUBMIT)
    assert {"user:nobody:r-x", "default:user:nobody:r-x"} <= acl(person / RETURNED)
    assert writable_by_everyone(layout_of(tmp_path, small_school)) == []


@pytest.mark.parametrize("office", ['Văn "phòng"', "a%PATH%b", "x\ny", "  "])
def test_an_unsafe_office_account_is_refused(
    tmp_path: Path, small_school: Setup, office: str
) -> None:
    layout = layout_of(tmp_path, small_school)
    with pytest.raises(ShareSetupError, match="tài khoản văn phòng"):
        write_permission_scripts(layout, tmp_path / "out", office)
    assert not (tmp_path / "out").exists()


# --- who may write ----------------------------------------------------------------------------


@posix_only
def test_a_folder_anyone_may_write_into_is_reported(tmp_path: Path, small_school: Setup) -> None:
    layout = layout_of(tmp_path, small_school)
    init_share(layout)
    layout.root.chmod(0o755)
    teacher = plain_teacher(small_school)
    for folder in [layout.owner_folder(teacher.code), *layout.owner_folder(teacher.code).iterdir()]:
        folder.chmod(0o755)
    open_folder = layout.submit(teacher.code)
    open_folder.chmod(0o777)

    found = writable_by_everyone(layout)

    assert open_folder in found
    assert layout.root not in found and layout.sheets(teacher.code) not in found
    assert stat.S_IMODE(layout.sheets(teacher.code).stat().st_mode) & stat.S_IWOTH == 0


# --- the command ----------------------------------------------------------------------------------


@pytest.fixture
def data(tmp_path: Path, small_setup_file: Path) -> DataDir:
    data = DataDir(tmp_path / "data").ensure()
    shutil.copyfile(small_setup_file, data.setup)
    return data


def share_init(data: DataDir, tmp_path: Path, *extra: str) -> list[str]:
    return [
        "share",
        "init",
        "--data-dir",
        str(data.root),
        "--share",
        str(tmp_path / "share"),
        "--outbox",
        str(tmp_path / "outbox"),
        *extra,
    ]


def test_wbe_share_init_lays_out_the_share_and_writes_the_scripts(
    data: DataDir, tmp_path: Path, small_school: Setup
) -> None:
    result = runner.invoke(app, share_init(data, tmp_path, "--office-account", "vanphong"))

    assert result.exit_code == 0, result.output
    people = len(small_school.teachers)
    assert f"{people} người, tạo mới {people} thư mục, đã có 0" in result.stdout
    out_dir = tmp_path / "outbox" / SCRIPTS_DIR
    assert {p.name for p in out_dir.iterdir()} == {WINDOWS_SCRIPT, SAMBA_CONF, SAMBA_SCRIPT}
    assert 'set "OFFICE=vanphong"' in (out_dir / WINDOWS_SCRIPT).read_text(encoding="utf-8")
    for teacher in small_school.teachers:
        assert (tmp_path / "share" / folder_name(teacher) / SUBMIT).is_dir()

    again = runner.invoke(app, share_init(data, tmp_path))
    assert again.exit_code == 0, again.output
    assert f"tạo mới 0 thư mục, đã có {people}" in again.stdout


@posix_only
def test_wbe_share_init_warns_about_a_folder_anyone_may_write_into(
    data: DataDir, tmp_path: Path
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    share.chmod(0o777)

    result = runner.invoke(app, share_init(data, tmp_path))

    assert result.exit_code == 0, result.output
    assert "ai cũng ghi được" in result.stderr and str(share) in result.stderr


def test_wbe_share_init_refuses_an_unsafe_office_account_before_laying_out(
    data: DataDir, tmp_path: Path
) -> None:
    result = runner.invoke(app, share_init(data, tmp_path, "--office-account", 'a"b'))

    assert result.exit_code == 1
    assert result.stderr.startswith("Lỗi: tài khoản văn phòng")
    assert not (tmp_path / "share").exists()


def test_share_init_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from workbook_engine.cli import app\n"
        "try:\n    app(['share', 'init', '--help'], prog_name='wbe')\n"
        "except SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        f"print({LOADED})\n"
    )
    assert run_python(code) == "[]"
