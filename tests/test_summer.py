"""The summer (DOMAIN, Circular 22 "Promotion, re-exam, summer training"): re-exam results replace
the year values and the learning level is recomputed, the re-assessed conduct replaces the year's,
then the final outcome; the sheets are issued for exactly the students concerned and ingested
like any other; the final list is approved only after the year's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import School
from tests.test_results import CLASS, SCORED6, Cells, first, result_of, year_values
from workbook_engine.approvals import approval_entry
from workbook_engine.io.identity import load_secret, read_identity
from workbook_engine.io.kinds.summer import re_exam_sheet_name, summer_conduct_sheet_name
from workbook_engine.io.sheet_base import FIRST_ROW
from workbook_engine.model import SUMMER, Setup, SheetKey, SummerList
from workbook_engine.pipeline.issue import issue_templates
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.outcome import Outcome as Received
from workbook_engine.pipeline.outcome import Status
from workbook_engine.pipeline.result_approval import approve_period
from workbook_engine.rules import Level, Outcome

AUGUST = date(2026, 8, 5)
# five subjects at 6.0, KHTN CN TIN at 4.0: only five >= 5.0 -> Chưa đạt, re-exam in CN KHTN TIN
FAILING = {**{c: "6" for c in SCORED6[:5]}, "KHTN": "4", "CN": "4", "TIN": "4"}
PROMOTED, RETAINED = Outcome.PROMOTED, Outcome.RETAINED


def summer_values(
    code: str, re_exam: dict[str, str] | None = None, conduct: str | None = None
) -> Cells:
    """A student's summer as the ledger stores it: ``KTL`` under each subject's SUMMER key, the
    re-assessed conduct under RENLUYEN's."""
    cells: Cells = {
        (SheetKey(CLASS, subject, SUMMER), code, "KTL"): value
        for subject, value in (re_exam or {}).items()
    }
    if conduct is not None:
        cells[(SheetKey(CLASS, "RENLUYEN", SUMMER), code, "KQRL")] = conduct
    return cells


SUMMERS = [
    # id, scores, commented, conduct HK1/HK2, re-exam results, summer conduct,
    #     proposal, final learning, final outcome
    # the three re-examined at 5.0: eight subjects >= 5.0, none below 3.5 -> Đạt -> Lên lớp
    ("re-exam-raises", FAILING, {}, ("Tốt", "Tốt"), {"CN": "5", "KHTN": "5", "TIN": "5"}, None,
     Outcome.RE_EXAM, Level.D, PROMOTED),
    # TIN 3.0 < 3.5; without TIN the level is Đạt, one step above: not raised -> Ở lại lớp
    ("re-exam-not-raising", FAILING, {}, ("Tốt", "Tốt"), {"CN": "5", "KHTN": "5", "TIN": "3"},
     None, Outcome.RE_EXAM, Level.CD, RETAINED),
    # the re-exam replaces the year average even when lower (TIN 4.0 -> 2.5): still Chưa đạt
    ("re-exam-lower-replaces", FAILING, {}, ("Tốt", "Tốt"),
     {"CN": "6,5", "KHTN": "7", "TIN": "2.5"}, None, Outcome.RE_EXAM, Level.CD, RETAINED),
    # NT and GDDP CĐ -> re-exam; both Đ: all Đ, all 8.0 -> Tốt, Lên lớp (no award after summer)
    ("commented-both-pass", {}, {"NT": "CĐ", "GDDP": "CĐ"}, ("Tốt", "Tốt"),
     {"NT": "Đ", "GDDP": "Đ"}, None, Outcome.RE_EXAM, Level.T, PROMOTED),
    # GDDP still CĐ, the rest at Tốt standard: Đạt raised one step by the adjustment -> Khá
    ("commented-one-adjusted", {}, {"NT": "CĐ", "GDDP": "CĐ"}, ("Tốt", "Tốt"),
     {"NT": "Đ", "GDDP": "CĐ"}, None, Outcome.RE_EXAM, Level.K, PROMOTED),
    # conduct Chưa đạt both semesters -> summer training; re-assessed Đạt -> Lên lớp
    ("training-passed", {}, {}, ("Chưa đạt", "Chưa đạt"), {}, "Đạt",
     Outcome.SUMMER_TRAINING, Level.T, PROMOTED),
    ("training-failed", {}, {}, ("Chưa đạt", "Chưa đạt"), {}, "Chưa đạt",
     Outcome.SUMMER_TRAINING, Level.T, RETAINED),
    # both: re-exams passed and conduct re-assessed Khá -> Lên lớp
    ("both-passed", FAILING, {}, ("Chưa đạt", "Chưa đạt"), {"CN": "5", "KHTN": "5", "TIN": "5"},
     "Khá", Outcome.RE_EXAM_AND_TRAINING, Level.D, PROMOTED),
    # re-exams passed but the conduct still Chưa đạt -> Ở lại lớp
    ("both-conduct-failed", FAILING, {}, ("Chưa đạt", "Chưa đạt"),
     {"CN": "5", "KHTN": "5", "TIN": "5"}, "Chưa đạt", Outcome.RE_EXAM_AND_TRAINING, Level.D,
     RETAINED),
]  # fmt: skip


@pytest.mark.parametrize(
    ("scores", "comments", "conduct", "re_exam", "summer_conduct", "proposal", "learning", "final"),
    [row[1:] for row in SUMMERS],
    ids=[row[0] for row in SUMMERS],
)
def test_the_summer_replaces_and_decides(
    small_school: Setup,
    scores: dict[str, str],
    comments: dict[str, str],
    conduct: tuple[str, str],
    re_exam: dict[str, str],
    summer_conduct: str | None,
    proposal: Outcome,
    learning: Level,
    final: Outcome,
) -> None:
    code = first(small_school)
    cells = year_values(small_school, code, scores=scores, comments=comments, conduct=conduct)
    before = result_of(small_school, code, cells, AUGUST)
    assert before.year.outcome is proposal and before.year.final is None
    assert sorted(before.year.re_exam) == sorted(re_exam)
    cells |= summer_values(code, re_exam, summer_conduct)
    after = result_of(small_school, code, cells, AUGUST)
    assert after.year.outcome is proposal  # the proposal stays what was approved in June
    summer = after.year.summer
    assert summer is not None and after.summer_missing == []
    assert (summer.learning, summer.outcome, after.year.final) == (learning, final, final)
    assert after.final
    if final is RETAINED:
        assert "Chưa đạt" in summer.reason
    if summer_conduct:
        assert summer.conduct is Level(summer_conduct)
    else:
        assert summer.conduct is after.year.conduct
    assert after.year.award is None  # awards belong to those promoted in June


def test_a_missing_or_wrong_re_exam_keeps_the_final_open(small_school: Setup) -> None:
    code = first(small_school)
    cells = year_values(small_school, code, scores=FAILING, conduct=("Chưa đạt", "Chưa đạt"))
    cells |= summer_values(code, {"CN": "5", "KHTN": "abc"})
    result = result_of(small_school, code, cells, AUGUST)
    assert result.complete and not result.final
    assert result.summer_missing == [
        "Kiểm tra lại Khoa học tự nhiên: KTL không hợp lệ («abc»)",
        "Kiểm tra lại Tin học: chưa có điểm",
        "Rèn luyện trong hè",
    ]
    assert result.year.summer is not None and result.year.summer.learning is None


def test_over_the_absence_limit_the_summer_does_not_concern_the_student(
    small_school: Setup,
) -> None:
    code = first(small_school)
    cells = year_values(small_school, code, scores=FAILING, excused=40, unexcused=6)
    result = result_of(small_school, code, cells, AUGUST)
    assert (result.year.outcome, result.year.summer, result.year.final) == (
        RETAINED,
        None,
        RETAINED,
    )
    assert result.year.reason == "Nghỉ 46 buổi (quá 45 buổi)"


def test_the_final_list_records_the_summer(small_school: Setup) -> None:
    code = first(small_school)
    cells = year_values(small_school, code, scores=FAILING)
    cells |= summer_values(code, {"CN": "5", "KHTN": "5,5", "TIN": "7"})
    entry = approval_entry(result_of(small_school, code, cells, AUGUST), "HE")
    assert entry["outcome"] == "Lên lớp" and entry["learning"] == "Đạt"
    assert entry["re_exam"] == "CN, KHTN, TIN"
    assert entry["summer"] == "CN 5,0, KHTN 5,5, TIN 7,0"
    promoted = approval_entry(result_of(small_school, code, year_values(small_school, code),
                                        AUGUST), "HE")  # fmt: skip
    assert (promoted["outcome"], promoted["summer"]) == ("Lên lớp", "")


# --- the sheets -------------------------------------------------------------------------------


def _summer(school: School) -> tuple[SummerList, str, str, str]:
    """Two students of 6A1 in the summer: one re-examined in TOAN and NT, one in training."""
    one, two = (s.code for s in school.setup.students_of(CLASS)[1:3])
    return SummerList({CLASS: {one: ("NT", "TOAN")}}, {CLASS: (two,)}), one, two, CLASS


def _filled(source: Path, target: Path, values: list[object], login: str) -> Path:
    book = openpyxl.load_workbook(source)
    sheet = book.worksheets[0]
    for i, value in enumerate(values):
        sheet.cell(FIRST_ROW + 1, 4 + i, value)
    book.properties.lastModifiedBy = login
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def test_summer_sheets_list_exactly_the_students_and_are_ingested(school: School) -> None:
    summer, one, two, room = _summer(school)
    secret = load_secret(school.data.secret)
    issued = issue_templates(school.setup, school.share.root, secret, SUMMER, summer=summer)
    names = sorted(f.path.name for f in issued.files)
    assert names == sorted(
        [re_exam_sheet_name(room, "NT"), re_exam_sheet_name(room, "TOAN"),
         summer_conduct_sheet_name(room)]
    )  # fmt: skip
    by_name = {f.path.name: f for f in issued.files}
    maths = by_name[re_exam_sheet_name(room, "TOAN")]
    assert maths.teacher_code == school.teacher_of(room, "TOAN")
    identity = read_identity(maths.path)
    assert (identity.kind, identity.semester, identity.columns) == ("re_exam", SUMMER, ("KTL",))
    assert identity.student_codes == [one]
    homeroom = school.setup.class_by_code(room).homeroom_teacher
    assert by_name[summer_conduct_sheet_name(room)].teacher_code == homeroom
    assert read_identity(by_name[summer_conduct_sheet_name(room)].path).student_codes == [two]

    sent = [
        _filled(maths.path, school.share.submit(maths.teacher_code) / maths.path.name, ["6,5"],
                school.username(maths.teacher_code)),
        _filled(by_name[summer_conduct_sheet_name(room)].path,
                school.share.submit(homeroom) / summer_conduct_sheet_name(room),
                ["Đạt", "Đã tiến bộ"], school.username(homeroom)),
    ]  # fmt: skip
    with school.pipeline(AUGUST) as pipeline:
        outcomes = [pipeline.process(path) for path in sent]
        values = pipeline.ledger.scores_of_class(room)
    assert [o.status for o in outcomes] == [Status.ACCEPTED, Status.ACCEPTED], [
        [p.message for p in o.problems] for o in outcomes
    ]
    assert values[(SheetKey(room, "TOAN", SUMMER), one, "KTL")] == "6.5"
    assert values[(SheetKey(room, "RENLUYEN", SUMMER), two, "KQRL")] == "Đạt"


def test_a_re_exam_sheet_with_a_student_added_or_from_another_teacher_is_returned(
    school: School,
) -> None:
    summer, one, _, room = _summer(school)
    secret = load_secret(school.data.secret)
    issued = issue_templates(school.setup, school.share.root, secret, SUMMER, summer=summer)
    maths = next(f for f in issued.files if f.path.name == re_exam_sheet_name(room, "TOAN"))
    other = next(s for s in school.setup.students_of(room) if s.code != one)
    book = openpyxl.load_workbook(maths.path)
    sheet = book.worksheets[0]
    sheet.cell(FIRST_ROW + 1, 4, 7)
    sheet.cell(FIRST_ROW + 2, 2, other.code)  # a student the list does not hold
    sheet.cell(FIRST_ROW + 2, 3, other.full_name)
    sheet.cell(FIRST_ROW + 2, 4, 8)
    book.properties.lastModifiedBy = school.username(maths.teacher_code)
    added = school.share.submit(maths.teacher_code) / maths.path.name
    added.parent.mkdir(parents=True, exist_ok=True)
    book.save(added)
    stranger = next(t.code for t in school.setup.teachers if t.code != maths.teacher_code
                    and not school.setup.is_assigned(t.code, room, "TOAN"))  # fmt: skip
    wrong = _filled(maths.path, school.share.submit(stranger) / maths.path.name, [7],
                    school.username(stranger))  # fmt: skip
    with school.pipeline(AUGUST) as pipeline:
        first_, second = (pipeline.process(added), pipeline.process(wrong))
        values = pipeline.ledger.scores_of_class(room)
    assert first_.status is Status.REJECTED
    assert "roster-row-added" in {p.code for p in first_.problems}
    assert second.status is Status.REJECTED
    assert "teacher-folder-mismatch" in {p.code for p in second.problems}
    assert not [k for k in values if k[0].semester == SUMMER]


def test_the_final_list_waits_for_the_year_approval(school: School) -> None:
    with school.pipeline(AUGUST) as pipeline:
        principal = next(t.code for t in school.setup.teachers if t.roles and
                         "Hiệu trưởng" in {r.value for r in t.roles})  # fmt: skip
        result = approve_period(school.setup, pipeline.ledger, "HE", [CLASS], principal, AUGUST)
    assert result.approved == []
    assert [p.code for p in result.refused] == ["results-year-not-approved"]
    assert "lớp 6A1 chưa được duyệt kết quả cả năm" in result.refused[0].message


def test_summer_sheets_are_not_issued_before_any_year_approval(school: School) -> None:
    from typer.testing import CliRunner

    from workbook_engine.cli import app

    args = ["templates", "issue", "--summer", "--data-dir", str(school.data.root),
            "--share", str(school.share.root)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "chưa lớp nào được duyệt kết quả cả năm" in " ".join(result.output.split())
    assert not list(school.share.root.glob("*/Sổ điểm/*KiemTraLai*"))


def _summer_issue(
    tmp_path: Path, setup: Setup, approved: dict[str, dict[str, dict[str, str]]]
) -> tuple[int, str]:
    """``wbe templates issue --summer`` once the classes of ``approved`` have their year
    approved as given (class → student → field → value): its exit code and output."""
    from typer.testing import CliRunner

    from workbook_engine.cli import app
    from workbook_engine.io.identity import load_or_create_secret
    from workbook_engine.io.setup_writer import write_setup
    from workbook_engine.paths import DataDir
    from workbook_engine.pipeline.ledger import Ledger

    data = DataDir(tmp_path / "data").ensure()
    write_setup(data.setup, setup)
    load_or_create_secret(data.secret)
    principal = next(t.code for t in setup.teachers
                     if "Hiệu trưởng" in {r.value for r in t.roles})  # fmt: skip
    with Ledger.open(data.ledger) as ledger, ledger.transaction():
        for code, snapshot in approved.items():
            ledger.approve_results(code, "CN", principal, snapshot)
    args = ["templates", "issue", "--summer", "--data-dir", str(data.root),
            "--share", str(tmp_path / "share")]  # fmt: skip
    result = CliRunner().invoke(app, args)
    return result.exit_code, " ".join(result.output.split())


SECONDARY_WAITING = "Các lớp chưa duyệt kết quả cả năm, chưa phát bảng kiểm tra lại, rèn luyện hè"
PRIMARY_WAITING = "Các lớp tiểu học chưa duyệt kết quả cả năm, chưa phát bảng đánh giá bổ sung"
NOBODY = "Không có học sinh nào phải kiểm tra lại hay rèn luyện hè."
NO_PUPIL = "Không có học sinh tiểu học nào phải đánh giá bổ sung."


def test_the_summer_issue_of_a_mixed_school_keeps_primary_classes_apart(tmp_path: Path) -> None:
    """Primary classes have no re-exam or summer training: they are never among the classes
    waiting for those sheets, only for their own «Đánh giá bổ sung» (Circular 27)."""
    from tests.test_primary_sheets import _school

    setup = _school()  # 6A1 … 9A1, 3A1, 4A1
    secondary = [c.code for c in setup.secondary_classes]
    code, output = _summer_issue(tmp_path / "none", setup, {})
    assert code == 1
    assert ("chưa biết học sinh nào phải kiểm tra lại, rèn luyện hè hay đánh giá bổ sung"
            in output)  # fmt: skip
    code, output = _summer_issue(tmp_path / "a", setup, {code: {} for code in secondary})
    assert code == 0, output
    assert SECONDARY_WAITING not in output and NOBODY in output
    assert f"{PRIMARY_WAITING}: 3A1, 4A1." in output
    # the primary year approved with a pupil not completing it, one secondary class waiting
    pupil = setup.students_of("3A1")[0].code
    approved: dict[str, dict[str, dict[str, str]]] = {code: {} for code in secondary[1:]}
    approved |= {"3A1": {pupil: {"result": "Chưa hoàn thành"}}, "4A1": {}}
    code, output = _summer_issue(tmp_path / "b", setup, approved)
    assert code == 0, output
    assert f"{SECONDARY_WAITING}: 6A1." in output and NOBODY in output
    assert PRIMARY_WAITING not in output and NO_PUPIL not in output
    assert "3A1_DanhGiaBoSung.xlsx" in output and "Đã ghi 1 tệp" in output


def test_the_summer_issue_of_a_primary_school_speaks_of_the_supplementary_assessment(
    tmp_path: Path,
) -> None:
    from workbook_engine.demo.primary import build_primary_school
    from workbook_engine.demo.school import DemoOptions

    setup = build_primary_school(DemoOptions(grades=(3, 4), classes_per_grade=1,
                                             students_per_class=5))  # fmt: skip
    code, output = _summer_issue(tmp_path / "a", setup, {})
    assert code == 1
    assert (
        "chưa lớp nào được duyệt kết quả cả năm, chưa biết học sinh nào phải đánh giá bổ sung"
        in output
    )
    assert "kiểm tra lại" not in output
    code, output = _summer_issue(tmp_path / "b", setup, {c.code: {} for c in setup.classes})
    assert code == 0, output
    assert NO_PUPIL in output and "kiểm tra lại" not in output and "chưa duyệt" not in output


def test_the_final_list_waits_while_the_year_differs_from_its_approval(school: School) -> None:
    """The summer sheets came from the approved year: a correction approved since (here: an
    approval that no longer matches what the ledger gives) asks for the year to be approved
    again before the final list."""
    principal = next(t.code for t in school.setup.teachers
                     if "Hiệu trưởng" in {r.value for r in t.roles})  # fmt: skip
    code = school.setup.students_of(CLASS)[0].code
    with school.pipeline(AUGUST) as pipeline:
        with pipeline.ledger.transaction():
            pipeline.ledger.approve_results(CLASS, "CN", principal, {code: {"learning": "Khá"}})
        result = approve_period(school.setup, pipeline.ledger, "HE", [CLASS], principal, AUGUST)
    assert result.approved == []
    assert [p.code for p in result.refused] == ["results-year-changed"]
    message = result.refused[0].message
    assert "kết quả cả năm của lớp 6A1 đã thay đổi sau khi Hiệu trưởng duyệt" in message
    assert f"({code}): CN học tập Khá → (trống)" in message


def test_a_summer_sheet_after_the_summer_window_is_taken_and_flagged_late(
    school: School,
) -> None:
    """The demo calendar's «Kiểm tra lại, rèn luyện hè» runs 01/08–15/08/2026: the re-exam in
    Nghệ thuật (Đ/CĐ) sent on 5 August is taken as it is; the one in Toán sent on 20 August is
    taken, with a warning naming the window."""
    summer, one, _, room = _summer(school)
    secret = load_secret(school.data.secret)
    issued = issue_templates(school.setup, school.share.root, secret, SUMMER, summer=summer)
    sheets = {f.path.name: f for f in issued.files}

    def send(subject: str, score: str, day: date) -> Received:
        sheet = sheets[re_exam_sheet_name(room, subject)]
        target = school.share.submit(sheet.teacher_code) / sheet.path.name
        _filled(sheet.path, target, [score], school.username(sheet.teacher_code))
        with school.pipeline(day) as pipeline:
            return pipeline.process(target)

    on_time = send("NT", "Đ", AUGUST)  # a subject assessed by comment
    assert (on_time.status, on_time.problems) == (Status.ACCEPTED, [])
    late = send("TOAN", "7", date(2026, 8, 20))
    assert late.status is Status.ACCEPTED
    assert [(p.code, p.message) for p in late.problems] == [
        ("late-summer-entry", "kết quả kiểm tra lại, rèn luyện hè được gửi sau đợt "
         "01/08/2026–15/08/2026 của lịch năm học"),
    ]  # fmt: skip
    with Ledger.open_readonly(school.data.ledger) as ledger:
        values = ledger.scores_of_class(room)
    assert values[(SheetKey(room, "TOAN", SUMMER), one, "KTL")] == "7.0"
    assert values[(SheetKey(room, "NT", SUMMER), one, "KTL")] == "Đ"
