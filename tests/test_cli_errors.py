"""One error channel: every operational exception carries a catalogue problem, and ``wbe`` prints
it the same way (``Lỗi: …. Cách sửa: …``, or JSON with ``--json``) with exit code 1."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.helpers import OCTOBER, School
from workbook_engine.cli import app
from workbook_engine.cli_common import JsonOption, new_app
from workbook_engine.demo.run import NotADemoDataDir
from workbook_engine.errors import CATALOGUE, Report, WorkbookEngineError
from workbook_engine.io.identity import IdentityError, SecretError, load_secret
from workbook_engine.io.setup_reader import SetupError
from workbook_engine.pipeline.issue import IssueError
from workbook_engine.pipeline.ledger import Ledger, LedgerError

runner = CliRunner()

SECRET_MISSING = (
    "Lỗi: chưa có khóa bí mật {path}; khôi phục tệp từ bản sao lưu, hoặc phát mẫu trước "
    "(wbe templates issue) nếu trường chưa phát mẫu lần nào. Cách sửa: Chép tệp secret.key từ "
    "bản sao lưu vào thư mục dữ liệu; không tạo khóa mới, vì khi đó mọi bảng điểm đã phát sẽ bị "
    "coi là đã bị sửa."
)


def files_under(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")}


# --- the exceptions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (IdentityError("tệp a.xlsx không phải mẫu do nhà trường phát hành"), "identity-unreadable"),
        (IssueError("tệp thiết lập không có học kì 3"), "issue-error"),
        (LedgerError("không có thay đổi số 9"), "ledger-error"),
        (NotADemoDataDir("thư mục dữ liệu d chứa dữ liệu của trường khác"), "not-a-demo-data-dir"),
    ],
)
def test_operational_errors_carry_a_catalogue_problem(
    error: WorkbookEngineError, code: str
) -> None:
    assert isinstance(error, WorkbookEngineError)
    (problem,) = error.report
    assert problem.code == code and problem.code in CATALOGUE
    assert str(error) == problem.message  # the message callers already match on is unchanged


def test_setup_error_keeps_its_report_and_message() -> None:
    report = Report()
    error = SetupError(report)
    assert isinstance(error, WorkbookEngineError)
    assert error.report is report
    assert str(error) == "0 lỗi trong tệp thiết lập"


def test_load_secret_never_creates_one(tmp_path: Path) -> None:
    with pytest.raises(SecretError) as raised:
        load_secret(tmp_path / "secret.key")
    assert [p.code for p in raised.value.report] == ["secret-missing"]
    assert list(tmp_path.iterdir()) == []


# --- the one handler ------------------------------------------------------------------------


def test_any_engine_error_becomes_its_report_and_exit_1() -> None:
    demo = new_app("Thử / test.")

    @demo.command("decide")
    def decide(json_output: JsonOption = False) -> None:
        """Thử / test."""
        raise LedgerError("không có thay đổi số 9")

    @demo.command("other")  # two commands: ``decide`` runs inside the group
    def other() -> None:
        """Thử / test."""

    result = runner.invoke(demo, ["decide"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Lỗi: không có thay đổi số 9. Cách sửa: Xem lại các đề nghị bằng lệnh wbe corrections "
        "list --all; nếu điểm đã đổi từ lúc đề nghị, giáo viên gửi lại phiếu đề nghị sửa điểm.\n"
    )
    assert "Traceback" not in result.output
    result = runner.invoke(demo, ["decide", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"][0]["code"] == "ledger-error"


# --- a missing secret is never recreated by the inbox ---------------------------------------


@pytest.mark.parametrize("command", ["ingest", "watch"])
def test_inbox_refuses_a_data_dir_without_its_secret(school: School, command: str) -> None:
    sheet = school.fill("6A1", "TOAN", {"D8": 8.5})
    school.data.secret.unlink()
    before = files_under(school.data.root)
    args = [command, "--data-dir", str(school.data.root), "--inbox", str(school.inbox),
            "--outbox", str(school.outbox), "--today", OCTOBER.isoformat()]  # fmt: skip
    result = runner.invoke(app, [*args, str(sheet)] if command == "ingest" else args)
    assert result.exit_code == 1
    assert result.stderr == SECRET_MISSING.format(path=school.data.secret) + "\n"
    assert files_under(school.data.root) == before  # no secret, no ledger, no log
    assert sheet.exists()  # the file waits in the inbox
    assert not school.outbox.exists()


def test_ingest_json_reports_a_missing_secret_as_json(school: School) -> None:
    sheet = school.fill("6A1", "TOAN", {"D8": 8.5})
    school.data.secret.unlink()
    result = runner.invoke(
        app, ["ingest", str(sheet), "--data-dir", str(school.data.root), "--json"]
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert [p["code"] for p in report["problems"]] == ["secret-missing"]


def test_ingest_without_setup_names_the_missing_setup(tmp_path: Path) -> None:
    sheet = tmp_path / "a.xlsx"
    sheet.write_bytes(b"")
    result = runner.invoke(app, ["ingest", str(sheet), "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Lỗi: không tìm thấy tệp thiết lập {tmp_path / 'data' / 'setup.xlsx'}. Cách sửa: "
    )
    assert not (tmp_path / "data").exists()


def test_ingest_names_every_missing_file(school: School, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["ingest", str(tmp_path / "a.xlsx"), str(tmp_path / "b"), "--data-dir",
              str(school.data.root)],
    )  # fmt: skip
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert [line.split(". Cách sửa: ")[0] for line in lines] == [
        f"Lỗi: không tìm thấy tệp hoặc thư mục {tmp_path / 'a.xlsx'}",
        f"Lỗi: không tìm thấy tệp hoặc thư mục {tmp_path / 'b'}",
    ]
    assert not school.data.ledger.exists()


def test_templates_password_without_secret(tmp_path: Path) -> None:
    args = ["templates", "password", "--by", "GV004", "--data-dir", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.stderr == SECRET_MISSING.format(path=tmp_path / "secret.key") + "\n"
    assert list(tmp_path.iterdir()) == []


def test_templates_issue_unknown_teacher(setup_copy: Path) -> None:
    data = setup_copy.parent
    args = ["templates", "issue", "--data-dir", str(data), "--teacher", "GV999"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (  # after the progress bar
        "Lỗi: không có giáo viên mã «GV999» trong tệp thiết lập. Cách sửa: Đối chiếu học kì và "
        "mã giáo viên với tệp thiết lập (trang «Học kì», «Giáo viên», «Phân công»)."
    )


@pytest.mark.slow
def test_demo_refuses_another_school_with_the_fix(setup_copy: Path) -> None:
    real = openpyxl.load_workbook(setup_copy)
    real["Thông tin trường"]["B5"] = "THCS-KHAC"
    real.save(setup_copy)
    result = runner.invoke(app, ["demo", "--data-dir", str(setup_copy.parent), "--students", "3"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (  # after the progress bars
        f"Lỗi: thư mục dữ liệu {setup_copy.parent} chứa dữ liệu của trường khác, chương trình "
        "mẫu không ghi đè; dùng --data-dir để chọn thư mục khác. Cách sửa: Chạy chương trình mẫu "
        "với một thư mục dữ liệu riêng, ví dụ: wbe demo --data-dir du-lieu-mau."
    )


# --- wbe ingest --json ----------------------------------------------------------------------


def test_ingest_json_lists_each_files_outcome_and_problems(school: School) -> None:
    good = school.fill("6A1", "TOAN", {"D8": "8,5"})
    bad = school.fill("6A1", "NV", {"D8": 85})
    args = ["ingest", str(good), str(bad), "--data-dir", str(school.data.root), "--inbox",
            str(school.inbox), "--outbox", str(school.outbox), "--today", OCTOBER.isoformat(),
            "--json"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 1  # a file was returned
    report = json.loads(result.stdout)
    assert (report["processed"], report["rejected"], report["failed"]) == (2, 1, 0)
    accepted, rejected = report["files"]
    student = school.setup.students_of("6A1")[0].code
    assert accepted["file"] == "6A1_TOAN_HK1.xlsx"
    assert (accepted["status"], accepted["class"], accepted["subject"], accepted["semester"]) == (
        "accepted", "6A1", "TOAN", 1,
    )  # fmt: skip
    assert accepted["teacher"] == school.teacher_of("6A1", "TOAN")
    assert [(c["student_code"], c["column"], c["old"], c["new"], c["status"])
            for c in accepted["changes"]] == [(student, "TX1", None, "8.5", "merged")]  # fmt: skip
    assert accepted["problems"] == []
    assert rejected["status"] == "rejected"
    (problem,) = rejected["problems"]
    assert (problem["code"], problem["sheet"], problem["row"], problem["column"]) == (
        "score-out-of-range", "Bảng điểm", 8, "D",
    )  # fmt: skip


# --- wbe log verify [--json] ----------------------------------------------------------------


def test_log_verify_json(school: School) -> None:
    school.ingest(school.fill("6A1", "TOAN", {"D8": 6}))
    args = ["log", "verify", "--data-dir", str(school.data.root), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    with Ledger.open(school.data.ledger) as ledger:
        expected = (True, [], len(ledger.events()), ledger.chain_head())
    assert (summary["valid"], summary["problems"], summary["events"], summary["chain_head"]) == (
        expected
    )
    raw = sqlite3.connect(school.data.ledger)
    raw.execute("UPDATE changes SET new = '9.0' WHERE id = 1")  # someone "fixes" a score
    raw.commit()
    raw.close()
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    (problem,) = report["problems"]
    assert problem["code"] == "chain-broken"
    assert problem["message"].startswith("nhật ký không còn nguyên vẹn: bảng changes, dòng 1")

    result = runner.invoke(app, args[:-1])
    assert result.exit_code == 1
    assert result.stderr.startswith("Lỗi: nhật ký không còn nguyên vẹn: bảng changes, dòng 1")
    assert ". Cách sửa: Không sửa trực tiếp tệp ledger.sqlite" in result.stderr


def test_log_verify_without_a_ledger_creates_none(tmp_path: Path) -> None:
    result = runner.invoke(app, ["log", "verify", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Lỗi: không tìm thấy sổ điểm {tmp_path / 'ledger.sqlite'}: chưa nhận tệp nào. Cách sửa: "
    )
    assert list(tmp_path.iterdir()) == []
