"""Issue 15, item 3 (results side): a primary class's assessments read from ledger values, per
pupil and per point; the year-end result with its reasons, the completion and the award, each
checked by hand on pupils built value by value; exempt subjects left out; what is missing said
in Vietnamese; one class taken through the inbox."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.test_primary_sheets import _school, _send, issued, school
from workbook_engine.model import ClassRoom, Exemption, ExemptionScope, Setup, SheetKey
from workbook_engine.pipeline.ingest import Status
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.primary_defaults import primary_subjects
from workbook_engine.primary_results import (
    PupilResult,
    Values,
    completion_text,
    point_of,
    primary_results,
)
from workbook_engine.rules.primary import (
    TRAITS,
    AssessmentPoint,
    OverallResult,
    PrimaryAward,
    QualityLevel,
    SubjectLevel,
    YearDecision,
    test_required,
)

__all__ = ["issued", "school"]  # the fixtures the inbox test uses, imported from its module
CLASS, GRADE = "4A1", 4
PUPIL = [f"31250490{i:02d}" for i in range(1, 6)]  # the grade-4 class's five pupils
YEAR_END = AssessmentPoint.YEAR_END
TESTED_4 = ("TV", "TOAN", "NN1", "LSDL", "KH", "TIN", "CN")  # a test at the year's end


@pytest.fixture(scope="module")
def setup() -> Setup:
    return _school()


def _year_end(
    setup: Setup,
    pupil: str,
    levels: dict[str, str] | None = None,
    scores: dict[str, str] | None = None,
    traits: dict[str, str] | None = None,
    class_code: str = CLASS,
) -> dict[tuple[SheetKey, str, str], str]:
    """One pupil's year-end values as the ledger stores them: every subject T and tested 10,
    every trait T, unless ``levels``, ``scores`` (by subject) or ``traits`` say otherwise
    ("" leaves the cell blank)."""
    grade = setup.class_by_code(class_code).grade
    values: dict[tuple[SheetKey, str, str], str] = {}
    for s in setup.subjects_of_grade(grade):
        key = SheetKey(class_code, s.code, 2)
        values[key, pupil, "MUC_CK"] = (levels or {}).get(s.code, "T")
        values[key, pupil, "NX_CK"] = f"Nhận xét môn {s.name}"
        if test_required(grade, s.code, YEAR_END):
            values[key, pupil, "KT_CK"] = (scores or {}).get(s.code, "10")
    for t in TRAITS:
        values[SheetKey(class_code, "PCNL", 2), pupil, f"{t.code}_CK"] = (traits or {}).get(
            t.code, "T"
        )
    values[SheetKey(class_code, "PCNL", 2), pupil, "NXPC_CK"] = "Ngoan, lễ phép."
    return {k: v for k, v in values.items() if v}


def _one(setup: Setup, values: Values, pupil: str = PUPIL[0]) -> PupilResult:
    return next(r for r in primary_results(setup, CLASS, values) if r.code == pupil)


def test_all_good_with_nines_is_excellent_and_awarded(setup: Setup) -> None:
    values = _year_end(setup, PUPIL[0], scores={"TOAN": "9", "TV": "9"})
    pupil = _one(setup, values)
    assert pupil.year.result is OverallResult.HTXS and pupil.year.reasons == []
    assert pupil.year.award is PrimaryAward.EXCELLENT
    assert pupil.year.decision is YearDecision.COMPLETED_GRADE and pupil.year.completed
    end = pupil.at(YEAR_END)
    assert end.complete and list(end.subjects) == [s.code for s in setup.subjects_of_grade(4)]
    assert end.subjects["TOAN"].score == 9 and end.subjects["DD"].tested is False
    assert (
        end.subjects["DD"].score is None and end.subjects["TV"].comment == "Nhận xét môn Tiếng Việt"
    )
    assert end.quality_comment == "Ngoan, lễ phép." and end.traits["YEU_NUOC"] is QualityLevel.T


def test_a_score_of_8_blocks_excellent_and_says_why(setup: Setup) -> None:
    pupil = _one(setup, _year_end(setup, PUPIL[0], scores={"KH": "8"}))
    assert pupil.year.result is OverallResult.HTT and pupil.year.award is None
    assert pupil.year.reasons == [
        "Khoa học: kiểm tra cuối năm 8 điểm, nên cao nhất là Hoàn thành tốt"
    ]


def test_one_h_anywhere_caps_at_completed(setup: Setup) -> None:
    subject = _one(setup, _year_end(setup, PUPIL[0], levels={"MT": "H"}))
    trait = _one(setup, _year_end(setup, PUPIL[0], traits={"TRUNG_THUC": "Đ"}))
    for pupil in (subject, trait):
        assert pupil.year.result is OverallResult.HT and pupil.year.completed
        assert pupil.year.decision is YearDecision.COMPLETED_GRADE and pupil.year.award is None
    assert subject.year.reasons == ["Mĩ thuật: Hoàn thành (H), nên cao nhất là Hoàn thành"]
    assert trait.year.reasons == ["Trung thực: Đạt (Đ), nên cao nhất là Hoàn thành"]


def test_a_c_or_a_low_score_is_not_completed_and_goes_to_support(setup: Setup) -> None:
    level = _one(setup, _year_end(setup, PUPIL[0], levels={"TOAN": "C"}))
    zero = _one(setup, _year_end(setup, PUPIL[0], scores={"TV": "0"}))
    for pupil in (level, zero):
        assert pupil.year.result is OverallResult.CHT and pupil.year.completed is False
        assert pupil.year.decision is YearDecision.SUPPORT and pupil.year.award is None
        assert completion_text(pupil) == (
            "Chưa hoàn thành chương trình lớp 4: giúp đỡ và đánh giá bổ sung"
        )
    assert "Toán: Chưa hoàn thành (C), nên Chưa hoàn thành" in level.year.reasons
    # a 0 is a real score, not a blank: the result is computed, and 0 < 5 is CHT
    assert zero.at(YEAR_END).subjects["TV"].score == 0 and zero.missing == []
    assert zero.year.reasons == ["Tiếng Việt: kiểm tra cuối năm 0 điểm, nên Chưa hoàn thành"]


def test_the_retest_is_the_official_score(setup: Setup) -> None:
    values = _year_end(setup, PUPIL[0], scores={"TOAN": "3"})
    values[SheetKey(CLASS, "TOAN", 2), PUPIL[0], "KTL_CK"] = "6"
    pupil = _one(setup, values)
    toan = pupil.at(YEAR_END).subjects["TOAN"]
    assert (toan.score, toan.first_score) == (6, 3)
    assert pupil.year.result is OverallResult.HT  # 6: at least 5, below 7


def test_missing_inputs_leave_the_result_open_and_are_named(setup: Setup) -> None:
    values = _year_end(setup, PUPIL[0], scores={"TOAN": ""}, levels={"AN": ""},
                       traits={"YEU_NUOC": "", "THE_CHAT": ""})  # fmt: skip
    pupil = _one(setup, values)
    assert pupil.year.result is None and pupil.year.decision is None
    assert completion_text(pupil) == ""
    assert pupil.missing == [
        "Toán: chưa có điểm kiểm tra định kì",
        "Âm nhạc: chưa có mức đánh giá",
        "Phẩm chất, năng lực: thiếu Yêu nước, Thể chất",
    ]
    nobody = _one(setup, values, PUPIL[1])  # nothing entered for the second pupil
    assert nobody.year.result is None and nobody.missing[-1] == (
        "Phẩm chất, năng lực: chưa có đánh giá"
    )
    assert len(nobody.missing) == len(setup.subjects_of_grade(GRADE)) + 1


def test_a_wholly_exempt_subject_is_left_out(setup: Setup) -> None:
    exempt = dataclasses.replace(setup, exemptions=(
        Exemption(PUPIL[0], "GDTC", ExemptionScope.WHOLE, "sức khỏe"),
        Exemption(PUPIL[0], "AN", ExemptionScope.PRACTICAL),
    ))  # fmt: skip
    values = _year_end(setup, PUPIL[0], levels={"GDTC": ""})
    pupil = _one(exempt, values)
    assert pupil.exempt == ["GDTC"] and "GDTC" not in pupil.at(YEAR_END).subjects
    assert "AN" in pupil.at(YEAR_END).subjects  # a practical-part exemption changes nothing
    assert pupil.year.result is OverallResult.HTXS and pupil.missing == []


def test_tests_follow_the_grade_and_the_point(setup: Setup) -> None:
    pupil = _one(setup, {})
    middle = pupil.at(AssessmentPoint.MID_1).subjects
    assert [c for c, s in middle.items() if s.tested] == ["TV", "TOAN"]  # grade 4, mid-semester
    end = pupil.at(AssessmentPoint.END_1).subjects
    assert tuple(c for c, s in end.items() if s.tested) == TESTED_4
    three = primary_results(setup, "3A1", {})[0]
    assert not [c for c, s in three.at(AssessmentPoint.MID_2).subjects.items() if s.tested]
    assert [c for c, s in three.at(YEAR_END).subjects.items() if s.tested] == [
        "TV", "TOAN", "NN1", "TIN", "CN"
    ]  # fmt: skip


def test_grade_5_completes_primary_school(setup: Setup) -> None:
    five = dataclasses.replace(
        setup,
        classes=tuple(ClassRoom(c.code, 5, c.homeroom_teacher) if c.code == CLASS else c
                      for c in setup.classes),
        subjects=(*setup.subjects, *primary_subjects((5,))),
    )  # fmt: skip
    pupil = _one(five, _year_end(five, PUPIL[0], levels={"DD": "H"}))
    assert pupil.year.result is OverallResult.HT
    assert pupil.year.decision is YearDecision.COMPLETED_PRIMARY
    assert completion_text(pupil) == "Hoàn thành chương trình tiểu học"


def test_points_are_named_by_semester_and_column() -> None:
    assert point_of(1, "GK") is AssessmentPoint.MID_1 and point_of(2, "CK") is YEAR_END
    with pytest.raises(ValueError, match="GK hoặc CK"):
        point_of(3, "CK")
    with pytest.raises(ValueError, match="not a primary class"):
        primary_results(_school(), "6A1", {})


def test_a_class_through_the_inbox(school: tuple[Setup, Path]) -> None:
    """Sheets of the end of semester I sent by the teachers: levels, the re-test, comments, the
    homeroom teacher's traits, read back from the ledger for that point."""
    setup, root = school
    end = _send(school, "3A1_TOAN_CK1.xlsx", {
        "D8": "T", "E8": 9, "G8": "Tính nhanh", "D9": "h", "E9": 3, "F9": 7, "D10": "C", "E10": 0,
    })  # fmt: skip
    assert end.status is Status.ACCEPTED, [str(p) for p in end.problems]
    traits: dict[str, object] = {f"{col}8": "T" for col in "DEFGHJKLMNOPQRS"}
    traits.update({"E8": "đ", "I8": "Lễ phép"})  # Nhân ái Đ as typed; the qualities' comment
    sent = _send(school, "3A1_PCNL_CK1.xlsx", traits)
    assert sent.status is Status.ACCEPTED, [str(p) for p in sent.problems]
    with Ledger.open_readonly(root / "data" / "ledger.sqlite") as ledger:
        values = ledger.scores_of_class("3A1")
    first, second, third = primary_results(setup, "3A1", values)[:3]
    point = AssessmentPoint.END_1
    toan = first.at(point).subjects["TOAN"]
    assert (toan.level, toan.score, toan.comment) == (SubjectLevel.T, 9, "Tính nhanh")
    again = second.at(point).subjects["TOAN"]
    assert (again.level, again.score, again.first_score) == (SubjectLevel.H, 7, 3)
    assert third.at(point).subjects["TOAN"].score == 0
    got = first.at(point)
    assert got.traits["NHAN_AI"] is QualityLevel.D and got.traits["THE_CHAT"] is QualityLevel.T
    assert got.quality_comment == "Lễ phép"
    assert not [m for m in got.missing if m.startswith(("Toán", "Phẩm chất"))]
    assert "Tiếng Việt: chưa có mức đánh giá; chưa có điểm kiểm tra định kì" in got.missing
    assert first.year.result is None  # nothing of the year's end yet
