"""The end-to-end demo: what ``./run demo`` does, as a library function.

The share is laid out (one folder per person, permission scripts in the outbox) and the school
year 2025–2026 is played from September to the results, each drop on its own (simulated) day
inside the calendar's windows (:data:`ROUNDS`):

- semester 1: teachers fill their score sheets in ``Sổ điểm/`` a few columns at a time and put
  them into their own ``Nộp/`` (TX1–TX2, TX3–GK, TX4–CK); a few make mistakes and get the file
  back in ``Trả lại/``; one corrects an accepted score (held for approval) and the
  vice-principal approves it on her decision form (``Duyệt/``); the office delivers one late
  sheet through the inbox. The homeroom teachers send the monthly attendance sheets (a few P/K
  marks; one class's October sheet after the 5 November deadline) and the conduct sheets;
- semester 2: its sheets are issued, then two score drops (TX1–GK, TX4–CK), attendance and
  conduct.

The cohort (:class:`~workbook_engine.demo.fill.Cohort`) makes the year end with a few re-exams,
one student kept back for absences, one summer training and a few awards. The master workbook
(every student's results), the diff reports and the correction record are published once, on
the last day, and the change log is verified.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from workbook_engine.demo.fill import (
    MISTAKES,
    Cohort,
    Mistake,
    WorkingCopy,
    approve_all,
    fill_attendance,
    fill_conduct,
    fill_re_exam,
    fill_scores,
    fill_summer_conduct,
    is_commented,
)
from workbook_engine.demo.school import DemoOptions, build_demo_school
from workbook_engine.errors import Report, WorkbookEngineError, make_problem
from workbook_engine.io.identity import load_or_create_secret
from workbook_engine.io.kinds.homeroom import attendance_sheet_name, conduct_sheet_name
from workbook_engine.io.office_export import export_path, load_layout, write_office_export
from workbook_engine.io.results_decision_sheet import mark_results_form
from workbook_engine.io.setup_reader import SetupError, check_setup
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import SUMMER, CellChange, ChangeStatus, Role, Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.decision_forms import newest_form
from workbook_engine.pipeline.ingest import Outcome
from workbook_engine.pipeline.issue import IssueResult, issue_templates
from workbook_engine.pipeline.ledger import Ledger, now_iso
from workbook_engine.pipeline.result_approval import (
    PERIOD_NAMES,
    ApprovalResult,
    approve_period,
    period_problem,
    summer_list,
)
from workbook_engine.pipeline.results_decision import issue_results_forms
from workbook_engine.pipeline.runner import Pipeline
from workbook_engine.render.books.attendance import write_attendance_books
from workbook_engine.render.books.class_book import write_class_books
from workbook_engine.render.books.hocba import write_hocba
from workbook_engine.render.books.teacher import write_teacher_books
from workbook_engine.render.publish import publish
from workbook_engine.render.statistics import school_results, write_statistics
from workbook_engine.rules import AssessmentMode, Comment
from workbook_engine.share import ShareLayout
from workbook_engine.share_setup import init_share, write_permission_scripts

Progress = Callable[[str, int, int], None]
DEMO_SCHOOL_CODE = "THCS-ND"
DEMO_CODES = frozenset({DEMO_SCHOOL_CODE, "TH-KD"})  # the secondary and the primary demo
DEMO_STATE = ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm", "archive", "rejected",
              "receipts", "share", "demo")  # fmt: skip
# under the outbox; the publish state too, or the next run takes the outbox for a lost ledger
DEMO_OUTPUT = (
    "master.xlsx",
    "master (bản mới).xlsx",
    "lop",
    "records",
    "reports",
    "nhat-ky",
    "phan-quyen",
    "books",
    ".wbe-publish.json",
)
DEMO_MARK = ".wbe-demo"  # in the demo's share: the demo may empty it
APPROVAL_DAY = date(2025, 11, 29)
LATE_MONTH = "2025-10"  # one class confirms its October attendance after 5 November
ABSENT = 0.015  # odds that a student misses a TX test (made up before the semester's last drop)
CORRECTION_NOTE = "Đã đối chiếu bài kiểm tra"
DELEGATION_NOTE = "Phân công nhiệm vụ đầu năm học"
APPROVAL_NOTE = "Đã kiểm tra cùng giáo viên chủ nhiệm"


class NotADemoDataDir(WorkbookEngineError):
    """The data directory holds a real school: the demo will not touch it."""

    def __init__(self, detail: str) -> None:
        super().__init__(make_problem("not-a-demo-data-dir", detail=detail))


class Step(StrEnum):
    SCORES = "scores"  # every score sheet of the semester, into the teachers' own Nộp/
    LATE_SHEET = "late-sheet"  # the sheet held back last time, brought by the office (inbox)
    HOMEROOM = "homeroom"  # attendance months and/or conduct, by the homeroom teachers
    LATE_ATTENDANCE = "late-attendance"  # the one class's October sheet, after the deadline
    DECISION = "decision"  # the vice-principal's decision form, into her Duyệt/
    APPROVE = "approve"  # the principal approves the results of ``periods``
    SUMMER = "summer"  # re-exam and summer training sheets issued, filled and sent


@dataclass(frozen=True)
class Round:
    label: str
    today: date
    columns: tuple[str, ...] = ()  # score columns typed (those a sheet has)
    semester: int = 1
    step: Step = Step.SCORES
    months: tuple[str, ...] = ()  # attendance months sent, "2025-09"
    conduct: bool = False  # the semester's conduct sheets too
    mistakes: bool = False  # three teachers make a mistake and get the file back
    fixes: bool = False  # …and fix it; one corrects an accepted score; one sheet is held back
    periods: tuple[str, ...] = ()  # the results approved (HK1, HK2, CN, HE)
    form: bool = False  # …on the results decision form, else as by the command


ROUNDS = (
    Round("Điểm danh tháng 9 (03/10/2025)", date(2025, 10, 3), step=Step.HOMEROOM,
          months=("2025-09",)),
    Round("Đợt 1 (18/10/2025): TX1, TX2", date(2025, 10, 18), ("TX1", "TX2"), mistakes=True),
    Round("Điểm danh tháng 10 (04/11/2025)", date(2025, 11, 4), step=Step.HOMEROOM,
          months=(LATE_MONTH,)),
    Round("Điểm danh tháng 10 gửi muộn (10/11/2025)", date(2025, 11, 10),
          step=Step.LATE_ATTENDANCE, months=(LATE_MONTH,)),
    Round("Đợt 2 (20/11/2025): TX3, GK", date(2025, 11, 20), ("TX3", "GK"), fixes=True),
    Round("Đợt 3 (28/11/2025): tệp gửi muộn", date(2025, 11, 28), step=Step.LATE_SHEET),
    Round("Phiếu duyệt sửa điểm", APPROVAL_DAY, step=Step.DECISION),
    Round("Điểm danh tháng 11 (03/12/2025)", date(2025, 12, 3), step=Step.HOMEROOM,
          months=("2025-11",)),
    Round("Điểm danh tháng 12 (05/01/2026)", date(2026, 1, 5), step=Step.HOMEROOM,
          months=("2025-12",)),
    Round("Đợt 4 (09/01/2026): TX4, CK", date(2026, 1, 9), ("TX4", "CK")),
    # before the semester 1 lock (24/01): January is confirmed early, with the conduct
    Round("Điểm danh tháng 1, rèn luyện học kì I (21/01/2026)", date(2026, 1, 21),
          step=Step.HOMEROOM, months=("2026-01",), conduct=True),
    Round("Phiếu duyệt kết quả học kì I (22/01/2026)", date(2026, 1, 22),
          step=Step.APPROVE, periods=("HK1",), form=True),
    Round("Học kì II — điểm danh tháng 1 (03/02/2026)", date(2026, 2, 3), semester=2,
          step=Step.HOMEROOM, months=("2026-01",)),
    Round("Điểm danh tháng 2 (03/03/2026)", date(2026, 3, 3), semester=2, step=Step.HOMEROOM,
          months=("2026-02",)),
    Round("Điểm danh tháng 3 (03/04/2026)", date(2026, 4, 3), semester=2, step=Step.HOMEROOM,
          months=("2026-03",)),
    Round("Đợt 5 (10/04/2026): TX1, TX2, TX3, GK", date(2026, 4, 10),
          ("TX1", "TX2", "TX3", "GK"), semester=2),
    Round("Điểm danh tháng 4 (05/05/2026)", date(2026, 5, 5), semester=2, step=Step.HOMEROOM,
          months=("2026-04",)),
    Round("Đợt 6 (22/05/2026): TX4, CK", date(2026, 5, 22), ("TX4", "CK"), semester=2),
    # before the year's lock (05/06)
    Round("Điểm danh tháng 5, rèn luyện học kì II (03/06/2026)", date(2026, 6, 3), semester=2,
          step=Step.HOMEROOM, months=("2026-05",), conduct=True),
    Round("Hiệu trưởng duyệt kết quả học kì II, cả năm (04/06/2026)", date(2026, 6, 4),
          semester=2, step=Step.APPROVE, periods=("HK2", "CN")),
    Round("Kiểm tra lại, rèn luyện hè (05/08/2026)", date(2026, 8, 5), semester=2,
          step=Step.SUMMER),
    Round("Phiếu duyệt danh sách lên lớp sau hè (10/08/2026)", date(2026, 8, 10),
          semester=2, step=Step.APPROVE, periods=("HE",), form=True),
)  # fmt: skip
RESULTS_DAY = ROUNDS[-1].today  # the master is published once, with the final results


@dataclass
class DemoResult:
    setup: Setup
    report: Report
    issued: IssueResult  # both semesters
    share: Path
    rounds: list[tuple[Round, list[Outcome]]] = field(default_factory=list)
    approved: list[CellChange] = field(default_factory=list)
    results: list[tuple[str, ApprovalResult]] = field(default_factory=list)  # the principal
    summer: IssueResult = field(default_factory=IssueResult)  # re-exam, summer training sheets
    chain_problem: str | None = None
    chain_head: str = ""
    cohort: Cohort = field(default_factory=Cohort)
    books: list[Path] = field(default_factory=list)  # the sample of printed books
    reports: list[Path] = field(default_factory=list)  # the year's statistics and export


def _on_day(day: date) -> Callable[[], str]:
    """A ledger clock that reads ``day`` at the current time of day."""
    return lambda: day.isoformat() + now_iso()[10:]


def reset_demo(data: DataDir, outbox: Path, share: Path) -> None:
    """Start from a clean demo state; refuse to touch a real school's data or share."""
    if data.setup.exists():
        setup, _ = check_setup(data.setup)
        if setup is None or setup.school.code not in DEMO_CODES:
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


def prepare_demo(
    data: DataDir, outbox: Path, share: Path, school: Setup
) -> tuple[Setup, Report, bytes, ShareLayout]:
    """Start a demo afresh: its setup written and checked (as read back), the secret, the share
    laid out and marked as the demo's."""
    reset_demo(data.ensure(), outbox, share)
    write_setup(data.setup, school)
    setup, report = check_setup(data.setup)
    if setup is None:
        raise SetupError(report)
    secret = load_or_create_secret(data.secret)
    layout = ShareLayout(share, setup)
    init_share(layout)
    (share / DEMO_MARK).write_text("workbook_engine demo\n", encoding="utf-8")
    return setup, report, secret, layout


def run_demo(
    data: DataDir,
    inbox: Path,
    outbox: Path,
    options: DemoOptions,
    progress: Progress | None = None,
    share: Path | None = None,
) -> DemoResult:
    """Build the demo school, lay out its share, then play the school year up to the results."""
    share = Path(share) if share is not None else Path("share")
    setup, report, secret, layout = prepare_demo(data, outbox, share, build_demo_school(options))
    write_permission_scripts(layout, outbox / "phan-quyen")
    outbox.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(data.setup, outbox / "setup.xlsx")
    (outbox / "setup-check.json").write_text(report.to_json(), encoding="utf-8")
    result = DemoResult(setup=setup, report=report, issued=IssueResult(), share=share)
    with Pipeline(data, inbox, outbox, share=share) as pipeline:
        year = _Year(setup, layout, secret, pipeline, inbox, options, progress, result)
        year.delegate(ROUNDS[0].today)
        for round_ in ROUNDS:
            year.play(round_)
        if progress:
            progress("Sổ tổng hợp, báo cáo, biên bản", 0, 1)
        publish(pipeline.ledger, setup, outbox, RESULTS_DAY, all_pdfs=True)
        result.chain_problem = pipeline.ledger.verify()
        result.chain_head = pipeline.ledger.chain_head()
        if progress:
            progress("Sổ tổng hợp, báo cáo, biên bản", 1, 1)
        result.books = _books(pipeline.ledger, setup, outbox, year, progress)
        result.reports = _year_reports(pipeline.ledger, setup, outbox, progress)
    return result


def _year_reports(
    ledger: Ledger, setup: Setup, outbox: Path, progress: Progress | None
) -> list[Path]:
    """The year's quality statistics (school and grades) and the export for the education
    office, as ``wbe report stats --year`` and ``wbe report export`` write them."""
    label = "Thống kê chất lượng, tệp gửi Phòng Giáo dục"
    step = (lambda done, total: progress(label, done, total)) if progress else None
    school = school_results(ledger, setup, RESULTS_DAY)
    written = write_statistics(school, setup, outbox, "CN", progress=step)
    export = write_office_export(export_path(outbox, setup), setup, school.results,
                                 load_layout(), school.chain_head)  # fmt: skip
    return [*written, export]


def _books(
    ledger: Ledger, setup: Setup, outbox: Path, year: _Year, progress: Progress | None
) -> list[Path]:
    """A sample of the printed books (``wbe books`` renders them all, at about 0.7 s a month of
    a class, 0.2 s a student, 1.3 s a class book, 3 s a teacher's year): the attendance sheets
    of the class that confirmed October late (October and the year's last month) and its class
    book of the year, the personal book of the teacher who corrected a score, and the học bạ of
    the students whose year tells a story (re-exams, kept back, summer training, the best)."""
    last = max(s.end for s in setup.semesters)
    label = "Sổ điểm danh tháng, học bạ"
    step = (lambda done, total: progress(label, done, total)) if progress else None
    late = tuple(map(int, LATE_MONTH.split("-")))
    months = [(late[0], late[1]), (last.year, last.month)]
    books = write_attendance_books(ledger, setup, outbox, months, [year.late_class],
                                   progress=step, today=RESULTS_DAY)  # fmt: skip
    books += write_class_books(ledger, setup, outbox, RESULTS_DAY, None, [year.late_class],
                               progress=step)  # fmt: skip
    books += write_teacher_books(ledger, setup, outbox, RESULTS_DAY, None,
                                 [year.owner[year.corrected]], progress=step)  # fmt: skip
    cohort = year.cohort
    story = [*cohort.failing, cohort.kept_back, cohort.training, *cohort.strong]
    students = [code for code in story if code]
    return books + write_hocba(ledger, setup, outbox, RESULTS_DAY, students=students,
                               progress=step)  # fmt: skip


class _Year:
    """The school's people over the year: their working copies, what they fill, when they send.

    Score sheets stay loaded for their semester (a teacher's copy open in Excel); attendance and
    conduct sheets are loaded, filled and sent once."""

    def __init__(
        self,
        setup: Setup,
        layout: ShareLayout,
        secret: bytes,
        pipeline: Pipeline,
        inbox: Path,
        options: DemoOptions,
        progress: Progress | None,
        result: DemoResult,
    ) -> None:
        self.setup, self.layout, self.secret = setup, layout, secret
        self.pipeline, self.inbox, self.progress, self.result = pipeline, inbox, progress, result
        self.rng = random.Random(options.seed)
        re_exams = max(2, len(setup.students) // 64)
        self.cohort = result.cohort = Cohort.pick(setup, random.Random(options.seed + 1), re_exams)
        self.late_class = random.Random(options.seed + 2).choice(setup.classes).code
        self.owner: dict[Path, str] = {}
        self.by_name: dict[str, Path] = {}
        self.sheets: dict[int, list[Path]] = {}  # score sheets of each semester issued
        self.copies: dict[Path, WorkingCopy] = {}  # score sheets of the current semester
        self.held_back: tuple[str, ...] = ()  # columns of the sheet the office brings late
        self.mistakes: dict[Path, Mistake] = {}
        self.late = self.corrected = Path()

    # --- the year ----------------------------------------------------------------------------

    def play(self, round_: Round) -> None:
        if round_.semester not in self.sheets:
            self._issue(round_.semester)
        if round_.step is Step.DECISION:
            self._decide(round_)
            return
        if round_.step is Step.APPROVE:
            self._approve(round_)
            return
        if round_.step is Step.SUMMER:
            dropped = self._summer(round_)
            self.result.rounds.append((round_, self._process(round_.today, dropped)))
            return
        if round_.step in (Step.HOMEROOM, Step.LATE_ATTENDANCE):
            dropped = self._homeroom(round_)
        elif round_.step is Step.LATE_SHEET:
            dropped = self._late_sheet(round_)
        else:
            dropped = self._scores(round_)
        self.result.rounds.append((round_, self._process(round_.today, dropped)))

    def delegate(self, day: date) -> None:
        """At the start of the year the principal delegates the approval of corrections to the
        first vice-principal (``wbe people delegate``); the other one only witnesses."""
        principal = next(t.code for t in self.setup.teachers if Role.PRINCIPAL in t.roles)
        vice = next(t.code for t in self.setup.teachers if Role.VICE_PRINCIPAL in t.roles)
        ledger = self.pipeline.ledger
        ledger.clock = _on_day(day)
        with ledger.transaction():
            ledger.record_delegation(vice, "grant", principal, DELEGATION_NOTE)

    def _issue(self, semester: int) -> None:
        label = f"Phát mẫu học kì {'I' * semester}"
        issued = issue_templates(self.setup, self.layout.root, self.secret, semester,
                                 progress=self._step(label))  # fmt: skip
        self.result.issued.files += issued.files
        for f in issued.files:
            self.owner[f.path] = f.teacher_code
            self.by_name[f.path.name] = f.path
        self.sheets[semester] = sheets = sorted(f.path for f in issued.files if f.kind == "score")
        self.copies.clear()  # the previous semester's copies are done with
        if semester == 1:
            self.late = sheets[len(sheets) // 2]
            self.mistakes = {sheets[3]: MISTAKES[0], sheets[11]: MISTAKES[1]}
            if len(sheets) > 20:
                self.mistakes[sheets[20]] = MISTAKES[2]
            self.corrected = next(s for s in sheets[5:] if self._scored(s))

    def _scored(self, sheet: Path) -> bool:
        """Whether an issued score sheet (``<class>_<subject>_HK<n>.xlsx``) is of a scored
        subject: a score typed into a commented subject would be refused."""
        class_code, subject_code = sheet.name.split("_")[:2]
        grade = self.setup.class_by_code(class_code).grade
        return self.setup.subject(grade, subject_code).mode is AssessmentMode.SCORE

    def _process(self, day: date, dropped: list[Path]) -> list[Outcome]:
        self.pipeline.today = day
        self.pipeline.ledger.clock = _on_day(day)
        return [self.pipeline.process(path) for path in dropped]

    def _step(self, label: str) -> Callable[[int, int], None] | None:
        progress = self.progress
        return (lambda done, total: progress(label, done, total)) if progress else None

    def _copy(self, sheet: Path) -> WorkingCopy:
        if sheet not in self.copies:
            self.copies[sheet] = WorkingCopy(sheet)
        return self.copies[sheet]

    def _drop(self, copy: WorkingCopy, folder: Path) -> Path:
        """Saved in ``Sổ điểm/`` and copied into ``folder`` (the teacher's own ``Nộp/``, the
        inbox)."""
        copy.save(self.setup)
        target = folder / copy.path.name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copy.path, target)
        return target

    # --- the rounds --------------------------------------------------------------------------

    def _scores(self, round_: Round) -> list[Path]:
        last = "CK" in round_.columns  # nothing may stay blank after the semester's last drop
        sheets = self.sheets[round_.semester]
        if round_.fixes:
            sheets = [s for s in sheets if s != self.late]
            self.held_back = round_.columns
        step = self._step(f"Giáo viên điền bảng điểm, {round_.label}")
        dropped = []
        for i, sheet in enumerate(sheets, start=1):
            copy = self._copy(sheet)
            rows = copy.rows()
            second = rows[min(1, len(rows) - 1)]  # where a mistake is made
            corrected = None
            if round_.fixes and sheet == self.corrected:  # a score accepted in the last drop
                corrected = next((r for r in rows if (r, "TX1") not in copy.blank), None)
            fill_scores(copy, self.setup, round_.columns, self.rng, self.cohort,
                        absent=0 if last else ABSENT,
                        failing_comments=round_.semester == 1)  # fmt: skip
            mistake = self.mistakes.get(sheet)
            if round_.mistakes and mistake is not None:
                copy.put(second, "TX1", mistake.value)
                copy.blank.discard((second, "TX1"))
            if round_.fixes and mistake is not None:  # the cell the returned copy marked red
                fixed = Comment.D.value if is_commented(self.setup, copy.identity) else 8
                copy.put(second, "TX1", fixed)
            if corrected is not None:  # a correction of an accepted score: held for approval
                was = copy.get(corrected, "TX1")
                copy.put(corrected, "TX1", 9 if was in (9.5, "9,5") else 9.5)
            dropped.append(self._drop(copy, self.layout.submit(self.owner[sheet])))
            if step:
                step(i, len(sheets))
        return dropped

    def _late_sheet(self, round_: Round) -> list[Path]:
        """The sheet held back: its teacher gives it to the office, who puts it in the inbox."""
        copy = self._copy(self.late)
        fill_scores(copy, self.setup, self.held_back, self.rng, self.cohort, absent=ABSENT)
        return [self._drop(copy, self.inbox)]

    def _homeroom(self, round_: Round) -> list[Path]:
        sem = next(s for s in self.setup.semesters if s.number == round_.semester)
        names = []
        for month in round_.months:
            year, number = map(int, month.split("-"))
            for room in self.setup.classes:
                late = month == LATE_MONTH and room.code == self.late_class
                if late == (round_.step is Step.LATE_ATTENDANCE):
                    names.append(attendance_sheet_name(room.code, year, number, sem.number))
        if round_.conduct:
            names += [conduct_sheet_name(room.code, sem.number) for room in self.setup.classes]
        step = self._step(f"Giáo viên chủ nhiệm điền sổ, {round_.label}")
        dropped = []
        for i, name in enumerate(names, start=1):
            path = self.by_name[name]
            copy = WorkingCopy(path)
            if copy.identity.kind == "conduct":
                fill_conduct(copy, self.rng, self.cohort)
            else:
                fill_attendance(copy, sem, self.rng, self.cohort)
            dropped.append(self._drop(copy, self.layout.submit(self.owner[path])))
            if step:
                step(i, len(names))
        return dropped

    def _approve(self, round_: Round) -> None:
        """The principal approves the results of every class for each period of the round: on
        the results decision form issued into their ``Sổ điểm/`` and dropped into their own
        ``Duyệt/`` (``form``), or as ``wbe results approve`` does once their PIN is checked."""
        self.pipeline.ledger.clock = _on_day(round_.today)
        self.pipeline.today = round_.today
        principal = next(t.code for t in self.setup.teachers if Role.PRINCIPAL in t.roles)
        classes = [r.code for r in self.setup.classes]
        for period in round_.periods:
            what = f"Hiệu trưởng duyệt kết quả {PERIOD_NAMES[period]} ({round_.today:%d/%m/%Y})"
            if round_.form:
                done = self._approve_on_form(round_, period, principal)
            else:
                problem = period_problem(self.setup, period, round_.today)
                if problem is not None:
                    raise WorkbookEngineError(problem)
                done = approve_period(self.setup, self.pipeline.ledger, period, classes,
                                      principal, round_.today)  # fmt: skip
            if done.refused:
                raise WorkbookEngineError(*done.refused)
            if len(done.approved) != len(classes):  # a refused form: its answer says why
                raise RuntimeError(f"{what}: chỉ {len(done.approved)} lớp được duyệt")
            self.result.results.append((what + (" trên phiếu" if round_.form else ""), done))

    def _approve_on_form(self, round_: Round, period: str, principal: str) -> ApprovalResult:
        ledger = self.pipeline.ledger
        (form,) = issue_results_forms(ledger, self.setup, self.layout, self.secret, period,
                                      round_.today)  # fmt: skip
        signed = mark_results_form(form.path, self.layout.decide(principal), note=APPROVAL_NOTE)
        outcome = self.pipeline.process(signed)
        self.result.rounds.append((round_, [outcome]))
        done = ApprovalResult()
        for approval in ledger.result_approvals():
            if approval.period == period and signed.name in approval.note:
                done.approved.append((approval.class_code, approval.students))
        return done

    def _summer(self, round_: Round) -> list[Path]:
        """The summer's sheets for the students the approved year sends there, filled by their
        teachers (most re-exams passed, one failed; the training done) and sent."""
        concerned, _ = summer_list(self.setup, self.pipeline.ledger)
        issued = issue_templates(self.setup, self.layout.root, self.secret, SUMMER,
                                 progress=self._step("Phát bảng kiểm tra lại, rèn luyện hè"),
                                 summer=concerned)  # fmt: skip
        self.result.summer.files += issued.files
        dropped = []
        for f in issued.files:
            copy = WorkingCopy(f.path)
            if copy.identity.kind == "re_exam":
                fill_re_exam(copy, self.setup, self.rng, self.cohort)
            else:
                fill_summer_conduct(copy)
            dropped.append(self._drop(copy, self.layout.submit(f.teacher_code)))
        return dropped

    def _decide(self, round_: Round) -> None:
        """The vice-principal approves the waiting correction on the form issued to her."""
        self.pipeline.ledger.clock = _on_day(round_.today)
        self.pipeline.today = round_.today
        vice = next(t.code for t in self.setup.teachers if Role.VICE_PRINCIPAL in t.roles)
        form = newest_form(self.layout.sheets(vice))  # issued when the request came in
        if form is None:
            return
        decided = approve_all(form, self.layout.decide(vice), CORRECTION_NOTE)
        outcome = self.pipeline.process(decided)
        self.result.rounds.append((round_, [outcome]))
        self.result.approved += [c for c in outcome.changes if c.status == ChangeStatus.APPROVED]
