"""The end-to-end demo: what ``./run demo`` does, as a library function.

The share is laid out (one folder per person, permission scripts in the outbox) and a school
term is played in three drops, each on its own (simulated) day: teachers fill their copies in
``Sổ điểm/`` a few columns at a time and put them into their own ``Nộp/``; a few make mistakes and
get the file back in ``Trả lại/``; one corrects an accepted score (held for approval); the office
delivers one late sheet through the inbox. The vice-principal then fills the decision form issued
to her and drops it into her ``Duyệt/``. The master workbook, the diff reports and the correction
records are written and the change log is verified.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from workbook_engine.demo.fill import MISTAKES, CellValue, Mistake, approve_all, fill_sheet
from workbook_engine.demo.school import DemoOptions, build_demo_school
from workbook_engine.errors import Report, WorkbookEngineError, make_problem
from workbook_engine.io.identity import load_or_create_secret, read_identity
from workbook_engine.io.setup_reader import SetupError, check_setup
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import CellChange, ChangeStatus, Role, Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.decision_forms import newest_form
from workbook_engine.pipeline.ingest import Outcome
from workbook_engine.pipeline.issue import IssueResult, issue_templates
from workbook_engine.pipeline.ledger import now_iso
from workbook_engine.pipeline.runner import Pipeline
from workbook_engine.render.publish import publish
from workbook_engine.share import ShareLayout
from workbook_engine.share_setup import init_share, write_permission_scripts

Progress = Callable[[str, int, int], None]
DEMO_SCHOOL_CODE = "THCS-ND"
DEMO_STATE = ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm", "archive", "rejected",
              "receipts", "share", "demo")  # fmt: skip
# under the outbox; the publish state too, or the next run takes the outbox for a lost ledger
DEMO_OUTPUT = (
    "master.xlsx",
    "master (bản mới).xlsx",
    "records",
    "reports",
    "nhat-ky",
    "phan-quyen",
    ".wbe-publish.json",
)
DEMO_MARK = ".wbe-demo"  # in the demo's share: the demo may empty it
APPROVAL_DAY = date(2025, 11, 29)


class NotADemoDataDir(WorkbookEngineError):
    """The data directory holds a real school: the demo will not touch it."""

    def __init__(self, detail: str) -> None:
        super().__init__(make_problem("not-a-demo-data-dir", detail=detail))


@dataclass(frozen=True)
class Round:
    label: str
    today: date
    columns: tuple[str, ...]


ROUNDS = (
    Round("Đợt 1 (18/10/2025): TX1, TX2", date(2025, 10, 18), ("TX1", "TX2")),
    Round("Đợt 2 (20/11/2025): TX3, GK", date(2025, 11, 20), ("TX3", "GK")),
    Round("Đợt 3 (28/11/2025): tệp gửi muộn", date(2025, 11, 28), ()),
)


@dataclass
class DemoResult:
    setup: Setup
    report: Report
    issued: IssueResult
    share: Path
    rounds: list[tuple[Round, list[Outcome]]] = field(default_factory=list)
    approved: list[CellChange] = field(default_factory=list)
    chain_problem: str | None = None
    chain_head: str = ""


def _on_day(day: date) -> Callable[[], str]:
    """A ledger clock that reads ``day`` at the current time of day."""
    return lambda: day.isoformat() + now_iso()[10:]


def _reset(data: DataDir, outbox: Path, share: Path) -> None:
    """Start from a clean demo state; refuse to touch a real school's data or share."""
    if data.setup.exists():
        setup, _ = check_setup(data.setup)
        if setup is None or setup.school.code != DEMO_SCHOOL_CODE:
            raise NotADemoDataDir(
                f"thư mục dữ liệu {data.root} chứa dữ liệu của trường khác, chương trình mẫu "
                "không ghi đè; dùng --data-dir để chọn thư mục khác"
            )
    if share.is_dir() and any(share.iterdir()) and not (share / DEMO_MARK).exists():
        raise NotADemoDataDir(
            f"thư mục chia sẻ {share} có dữ liệu không phải của chương trình mẫu; dùng --share "
            "để chọn thư mục khác"
        )
    paths = [data.root / name for name in DEMO_STATE] + [outbox / name for name in DEMO_OUTPUT]
    for path in [*paths, share]:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def run_demo(
    data: DataDir,
    inbox: Path,
    outbox: Path,
    options: DemoOptions,
    progress: Progress | None = None,
    share: Path | None = None,
) -> DemoResult:
    """Build the demo school, lay out its share, issue semester 1 sheets, then play a term."""
    share = Path(share) if share is not None else Path("share")
    _reset(data.ensure(), outbox, share)
    write_setup(data.setup, build_demo_school(options))
    setup, report = check_setup(data.setup)
    if setup is None:
        raise SetupError(report)
    secret = load_or_create_secret(data.secret)
    layout = ShareLayout(share, setup)
    init_share(layout)
    (share / DEMO_MARK).write_text("workbook_engine demo\n", encoding="utf-8")
    write_permission_scripts(layout, outbox / "phan-quyen")

    def step(label: str) -> Callable[[int, int], None] | None:
        return (lambda done, total: progress(label, done, total)) if progress else None

    issued = issue_templates(setup, share, secret, 1, progress=step("Phát mẫu"))
    result = DemoResult(setup=setup, report=report, issued=issued, share=share)
    sheets = sorted(f.path for f in issued.files if f.kind == "score")
    owner = {f.path: f.teacher_code for f in issued.files}
    rng = random.Random(options.seed)
    late = sheets[len(sheets) // 2]
    mistakes: dict[Path, Mistake] = {sheets[3]: MISTAKES[0], sheets[11]: MISTAKES[1]}
    if len(sheets) > 20:
        mistakes[sheets[20]] = MISTAKES[2]
    corrected = sheets[5]
    outbox.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(data.setup, outbox / "setup.xlsx")
    (outbox / "setup-check.json").write_text(report.to_json(), encoding="utf-8")
    with Pipeline(data, inbox, outbox, share=share) as pipeline:
        for number, round_ in enumerate(ROUNDS, start=1):
            dropped = []
            todo = [late] if number == 3 else [s for s in sheets if not (number == 2 and s == late)]
            for i, sheet in enumerate(todo, start=1):
                columns = ROUNDS[1].columns if number == 3 else round_.columns
                fill_sheet(  # the teacher's working copy in Sổ điểm/
                    sheet, sheet, setup, _present(columns, sheet), rng,
                    mistake=mistakes.get(sheet) if number == 1 else None,
                    changes=_fix_or_correct(number, sheet, corrected, mistakes),
                )  # fmt: skip
                # into the teacher's own Nộp/; the late sheet is brought by the office
                folder = inbox if number == 3 else layout.submit(owner[sheet])
                target = folder / sheet.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(sheet, target)
                dropped.append(target)
                if progress:
                    progress(f"Giáo viên điền bảng điểm, {round_.label}", i, len(todo))
            pipeline.today = round_.today
            pipeline.ledger.clock = _on_day(round_.today)
            outcomes = [pipeline.process(path) for path in dropped]
            result.rounds.append((round_, outcomes))
        pipeline.ledger.clock = _on_day(APPROVAL_DAY)
        pipeline.today = APPROVAL_DAY
        vice = next(t.code for t in setup.teachers if Role.VICE_PRINCIPAL in t.roles)
        form = newest_form(layout.sheets(vice))  # issued when the request came in
        if form is not None:
            decided = approve_all(form, layout.decide(vice), "Đã đối chiếu bài kiểm tra")
            outcome = pipeline.process(decided)
            result.rounds.append((Round("Phiếu duyệt sửa điểm", APPROVAL_DAY, ()), [outcome]))
            result.approved += [c for c in outcome.changes if c.status == ChangeStatus.APPROVED]
        if progress:
            progress("Sổ tổng hợp, báo cáo, biên bản", 0, 1)
        publish(pipeline.ledger, setup, outbox, APPROVAL_DAY, all_pdfs=True)
        result.chain_problem = pipeline.ledger.verify()
        result.chain_head = pipeline.ledger.chain_head()
        if progress:
            progress("Sổ tổng hợp, báo cáo, biên bản", 1, 1)
    return result


def _present(columns: tuple[str, ...], sheet: Path) -> list[str]:
    """The requested columns that this sheet has (2-TX subjects have no TX3)."""
    have = set(read_identity(sheet).columns)
    return [c for c in columns if c in have]


def _fix_or_correct(
    number: int, sheet: Path, corrected: Path, mistakes: dict[Path, Mistake]
) -> dict[tuple[int, str], CellValue]:
    if number == 2 and sheet in mistakes:
        return {(1, "TX1"): 8}  # the teacher fixes the cell the returned copy marked red
    if number == 2 and sheet == corrected:
        return {(0, "TX1"): 9.5}  # a correction of an accepted score: held for approval
    return {}
