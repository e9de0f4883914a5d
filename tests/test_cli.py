"""The wbe command line, run in-process with Typer's runner."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from tests.helpers import School, delegate_first_vice
from workbook_engine.cli import app
from workbook_engine.model import Role
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.pins import set_pin

runner = CliRunner()


def all_commands(group: typer.Typer) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []

    def walk(cmd: Any, prefix: str) -> None:
        found.append((prefix, cmd))
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{prefix} {name}".strip())

    walk(get_command(group), "")
    return found


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("setup", "demo-school", "demo"):
        assert name in result.output
    assert "Sổ điểm điện tử" in result.output


def test_python_m_defines_everything_before_running_the_command() -> None:
    """``python -m workbook_engine.cli`` runs the command where the module's ``__main__``
    guard stands: nothing may be defined below it (``demo --level primary`` called a function
    defined after it: NameError)."""
    import ast

    import workbook_engine.cli

    tree = ast.parse(Path(workbook_engine.cli.__file__).read_text(encoding="utf-8"))
    guards = [
        i for i, node in enumerate(tree.body)
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)
    ]  # fmt: skip
    assert guards == [len(tree.body) - 1]


@pytest.mark.parametrize("name", [n for n, _ in all_commands(app) if n])
def test_every_command_has_help(name: str) -> None:
    cmd = dict(all_commands(app))[name]
    assert getattr(cmd, "help", None), f"wbe {name} has no help text"


def test_setup_check_valid(small_setup_file: Path) -> None:
    result = runner.invoke(app, ["setup", "check", str(small_setup_file)])
    assert result.exit_code == 0, result.output
    assert "0 lỗi, 0 cảnh báo." in result.output


def test_setup_check_lists_every_problem_and_exits_1(setup_copy: Path) -> None:
    wb = openpyxl.load_workbook(setup_copy)
    wb["Học sinh"]["D4"] = "Trai"
    wb["Lớp"]["B5"] = "bảy"
    wb.save(setup_copy)
    result = runner.invoke(app, ["setup", "check", str(setup_copy)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("Lỗi [")]
    assert len(lines) == 2
    assert "trang «Học sinh», ô D4, cột «Giới tính»: «Trai» không thuộc danh mục" in lines[1]
    assert "2 lỗi, 0 cảnh báo." in result.output
    assert "Traceback" not in result.output


def test_setup_check_json(setup_copy: Path) -> None:
    wb = openpyxl.load_workbook(setup_copy)
    wb["Học sinh"]["D4"] = "Trai"
    wb.save(setup_copy)
    result = runner.invoke(app, ["setup", "check", "--json", str(setup_copy)])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["errors"] == 1
    (problem,) = report["problems"]
    assert (problem["code"], problem["sheet"], problem["row"], problem["column"]) == (
        "value-not-allowed",
        "Học sinh",
        4,
        "D",
    )


def test_setup_check_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["setup", "check", str(tmp_path / "khong-co.xlsx")])
    assert result.exit_code == 1
    assert "Lỗi: không tìm thấy tệp" in result.output


def test_setup_template_writes_a_blank_workbook(tmp_path: Path) -> None:
    target = tmp_path / "mau.xlsx"
    result = runner.invoke(app, ["setup", "template", str(target)])
    assert result.exit_code == 0
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames[0] == "Hướng dẫn"
    assert [c.value for c in wb["Học sinh"][3]] == [
        "Mã học sinh *",
        "Họ và tên *",
        "Ngày sinh *",
        "Giới tính *",
        "Lớp *",
    ]


def test_demo_school_uses_data_dir_option_and_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(
        app, ["demo-school", "--data-dir", str(tmp_path / "a"), "--classes", "6", "--students", "5"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a" / "setup.xlsx").exists()
    assert "6 lớp" in result.output
    monkeypatch.setenv("WBE_DATA_DIR", str(tmp_path / "b"))
    result = runner.invoke(app, ["demo-school", "--classes-per-grade", "1", "--students", "5"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b" / "setup.xlsx").exists()


# The demo's year, as `wbe demo` prints it (8 classes × 12 subjects = 96 score sheets a drop)
DEMO_ROUNDS = [
    ("Điểm danh tháng 9 (03/10/2025)", 8, 0),
    ("Đợt 1 (18/10/2025): TX1, TX2", 96, 3),  # three teachers make a mistake
    ("Điểm danh tháng 10 (04/11/2025)", 7, 0),  # one class confirms late…
    ("Điểm danh tháng 10 gửi muộn (10/11/2025)", 1, 0),  # …after the 5 November deadline
    ("Đợt 2 (20/11/2025): TX3, GK", 95, 0),  # mistakes fixed; one sheet held back
    ("Đợt 3 (28/11/2025): tệp gửi muộn", 1, 0),  # brought by the office through the inbox
    ("Phiếu duyệt sửa điểm", 1, 0),
    ("Điểm danh tháng 11 (03/12/2025)", 8, 0),
    ("Điểm danh tháng 12 (05/01/2026)", 8, 0),
    ("Đợt 4 (09/01/2026): TX4, CK", 96, 0),
    ("Điểm danh tháng 1, rèn luyện học kì I (21/01/2026)", 16, 0),
    ("Phiếu duyệt kết quả học kì I (22/01/2026)", 1, 0),  # the principal's, into her Duyệt/
    ("Học kì II — điểm danh tháng 1 (03/02/2026)", 8, 0),
    ("Điểm danh tháng 2 (03/03/2026)", 8, 0),
    ("Điểm danh tháng 3 (03/04/2026)", 8, 0),
    ("Đợt 5 (10/04/2026): TX1, TX2, TX3, GK", 96, 0),
    ("Điểm danh tháng 4 (05/05/2026)", 8, 0),
    ("Đợt 6 (22/05/2026): TX4, CK", 96, 0),
    ("Điểm danh tháng 5, rèn luyện học kì II (03/06/2026)", 16, 0),
    ("Kiểm tra lại, rèn luyện hè (05/08/2026)", 4, 0),  # 3 re-exam sheets, 1 summer training
    ("Phiếu duyệt danh sách lên lớp sau hè (10/08/2026)", 1, 0),
]
DEMO_DAYS = ["2025-10-03", "2025-10-18", "2025-11-04", "2025-11-10", "2025-11-20", "2025-11-28",
             "2025-11-29", "2025-12-03", "2026-01-05", "2026-01-09", "2026-01-21", "2026-01-22",
             "2026-02-03", "2026-03-03", "2026-04-03", "2026-04-10", "2026-05-05", "2026-05-22",
             "2026-06-03", "2026-08-05", "2026-08-10"]  # fmt: skip


@pytest.mark.slow
def test_demo_writes_setup_and_outbox(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    result = runner.invoke(
        app,
        [
            "demo",
            "--data-dir",
            str(tmp_path / "data"),
            "--inbox",
            str(tmp_path / "inbox"),
            "--outbox",
            str(outbox),
            "--share",
            str(tmp_path / "share"),
            "--students",
            "6",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "setup.xlsx").exists()
    assert json.loads((outbox / "setup-check.json").read_text("utf-8"))["valid"] is True
    issued = sorted(p.name for p in (tmp_path / "share").glob("*/Sổ điểm/*_TOAN_HK1.xlsx"))
    assert issued == [
        f"{c}_TOAN_HK1.xlsx" for c in ("6A1", "6A2", "7A1", "7A2", "8A1", "8A2", "9A1", "9A2")
    ]
    # per semester: 96 score sheets, 5 attendance months and a conduct sheet per class, 18 forms
    assert "Đã ghi 324 tệp, bỏ qua 0 tệp." in result.output
    rounds = [line for line in result.output.splitlines() if " tệp, trả lại " in line]
    assert rounds == [f"{label}: {n} tệp, trả lại {back}." for label, n, back in DEMO_ROUNDS]
    assert (outbox / "master.xlsx").exists()
    assert not any(p.is_file() for p in (tmp_path / "inbox").rglob("*"))  # all taken
    assert not any(p.is_file() for p in (tmp_path / "share").glob("*/Nộp/*"))
    days = sorted(p.stem for p in (outbox / "reports" / "diff").glob("*.html"))
    assert days == DEMO_DAYS  # each drop on its own simulated day, the decision form too
    assert "Phó hiệu trưởng duyệt 1 đề nghị sửa điểm." in result.output
    for approved in ("HKI (22/01/2026) trên phiếu", "HKII (04/06/2026)", "cả năm (04/06/2026)",
                     "sau kì nghỉ hè (10/08/2026) trên phiếu"):  # fmt: skip
        assert f"Hiệu trưởng duyệt kết quả {approved}: 8 lớp, 40 học sinh." in result.output
    assert "Bảng kiểm tra lại, rèn luyện hè: 4 tệp." in result.output
    sheets = sorted(p.relative_to(outbox).as_posix() for p in outbox.glob("books/diem-danh/*/*"))
    assert len(sheets) == 4 and sheets[0].startswith("books/diem-danh/2025-10/")  # the late one
    hocba = outbox / "books" / "hoc-ba"
    assert len(list(hocba.glob("*/*.pdf"))) >= 4  # the students whose year tells a story
    assert len(list(outbox.glob("books/so-theo-doi/CN/*.pdf"))) == 1
    assert len(list(outbox.glob("books/so-diem-ca-nhan/CN/*.xlsx"))) == 1
    assert len(list((outbox / "phan-quyen").iterdir())) == 3
    assert len(list((outbox / "records").glob("*.pdf"))) == 1
    # again with another seed: nothing of the first run is left behind (regression)
    again = runner.invoke(
        app,
        ["demo", "--data-dir", str(tmp_path / "data"), "--inbox", str(tmp_path / "inbox"),
         "--outbox", str(outbox), "--share", str(tmp_path / "share"), "--students", "6",
         "--seed", "5"],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert len(list((outbox / "records").glob("*.pdf"))) == 1
    receipts = list((tmp_path / "share").glob("*/Biên nhận/*.html"))
    # the second run's rounds: who goes to the summer depends on the seed
    counts = re.findall(r": (\d+) tệp, trả lại (\d+)\.", again.output)
    accepted = sum(int(n) - int(back) for n, back in counts)  # the decision forms among them
    assert len(receipts) == accepted
    assert sum(n - back for _, n, back in DEMO_ROUNDS) == 580  # the first run's
    returned = list((tmp_path / "share").glob("*/Trả lại/*.xlsx"))
    assert len(returned) == 3  # in the folder of each teacher who made a mistake


@pytest.mark.slow
def test_demo_refuses_a_real_schools_data_dir(tmp_path: Path, small_setup_file: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    real = openpyxl.load_workbook(small_setup_file)
    real["Thông tin trường"]["B5"] = "THCS-KHAC"
    real.save(data / "setup.xlsx")
    result = runner.invoke(app, ["demo", "--data-dir", str(data), "--students", "3"])
    assert result.exit_code == 1
    assert "chứa dữ liệu của trường khác" in result.output


SHARED_ENV = {
    "--data-dir": "WBE_DATA_DIR",
    "--inbox": "WBE_INBOX",
    "--outbox": "WBE_OUTBOX",
    "--share": "WBE_SHARE",
}


@pytest.mark.parametrize("name", [n for n, c in all_commands(app) if n and hasattr(c, "params")])
def test_shared_options_read_the_same_environment_variables(name: str) -> None:
    cmd = dict(all_commands(app))[name]
    for param in cmd.params:
        for flag, env in SHARED_ENV.items():
            if flag not in getattr(param, "opts", []):
                continue
            if name == "demo" and flag != "--data-dir":  # the demo empties its own folders
                assert param.envvar is None, f"wbe demo {flag} must not read {env}"
            else:
                assert param.envvar == env, f"wbe {name} {flag} ignores {env}"


@pytest.mark.parametrize("decision", ["approve", "refuse"])
def test_corrections_write_under_the_outbox_from_the_environment(
    school: School, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, decision: str
) -> None:
    delegate_first_vice(school)
    school.ingest(school.fill("6A1", "TOAN", {"D8": 6}))
    school.ingest(school.fill("6A1", "TOAN", {"D8": 9}))  # a correction, held for approval
    with Ledger.open(school.data.ledger) as ledger:
        (pending,) = ledger.pending()
    vice = next(t.code for t in school.setup.teachers if Role.VICE_PRINCIPAL in t.roles)
    outbox = tmp_path / "ket-qua"
    monkeypatch.setenv("WBE_OUTBOX", str(outbox))
    cwd = tmp_path / "cwd"  # where the default ./outbox would land
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    set_pin(school.data, vice, "246824")
    args = ["corrections", decision, str(pending.id), "--by", vice]
    result = runner.invoke(app, [*args, "--data-dir", str(school.data.root)], input="246824\n")
    assert result.exit_code == 0, result.output
    assert (outbox / "master.xlsx").exists()
    assert list(cwd.iterdir()) == []
    records = sorted(p.name for p in (outbox / "records").glob("*.pdf"))
    assert records == ([f"bien-ban-sua-diem-{pending.id}.pdf"] if decision == "approve" else [])
    if decision == "approve":
        assert f"Biên bản sửa điểm: {outbox / 'records' / records[0]}" in result.output
