"""The principal's approval of results: what an approval records of each student, how the
results computed now differ from it, and the results as approved (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from enum import StrEnum
from typing import TypeVar

from workbook_engine.results import SemesterResult, StudentResult, SubjectResult
from workbook_engine.rules import Award, Comment, Level, Outcome, format_tenths

E = TypeVar("E", bound=StrEnum)

# The principal's approvals: periods as the ledger names them → as the sheet does; the fields of
# a student's approved values (as text) → as a note names them; the column added to the block.
APPROVAL_PERIODS = {"HK1": "HKI", "HK2": "HKII", "CN": "CN", "HE": "Sau hè"}
APPROVAL_FIELDS = {
    "learning": "học tập",
    "conduct": "rèn luyện",
    "excused": "nghỉ có phép",
    "unexcused": "nghỉ không phép",
    "outcome": "đề nghị",
    "re_exam": "kiểm tra lại",
    "award": "danh hiệu",
    "averages": "điểm trung bình môn",
}
SUMMER_FIELDS = APPROVAL_FIELDS | {"summer": "kết quả kiểm tra lại"}  # the HE period's
CHANGED_AFTER = "Thay đổi sau khi duyệt"
# (snapshot: student code → field → text, decider's code, ISO time): Ledger.approved_results
Approved = tuple[Mapping[str, Mapping[str, str]], str, str]


def approval_entry(result: StudentResult, period: str) -> dict[str, str]:
    """One student's values of ``period`` (``HK1``, ``HK2``, ``CN``, ``HE``) as an approval
    records them: every field of :data:`APPROVAL_FIELDS` as text, "" while not computed (and, for
    a semester, for the year's proposal and award). ``HE``, the final list after the summer,
    holds the levels and outcome after re-exams and training (the year's for a student the
    summer does not concern) and the re-exam results."""
    if period == "HE":
        return _summer_entry(result)
    half: SemesterResult = {"HK1": result.hk1, "HK2": result.hk2, "CN": result.year}[period]
    entry = dict.fromkeys(APPROVAL_FIELDS, "")
    entry |= {
        "learning": half.learning.value if half.learning else "",
        "conduct": half.conduct.value if half.conduct else "",
        "excused": str(half.excused),
        "unexcused": str(half.unexcused),
        "averages": "; ".join(f"{code} {result_text(v)}" for code, v in half.averages.items()),
    }
    if period == "CN":
        year = result.year
        entry |= {
            "outcome": year.outcome.value if year.outcome else "",
            "re_exam": ", ".join(year.re_exam),
            "award": year.award.value if year.award else "",
        }
    return entry


def _summer_entry(result: StudentResult) -> dict[str, str]:
    year = result.year
    entry = approval_entry(result, "CN")
    summer = year.summer
    if summer is None:
        return entry | {"summer": ""}
    return entry | {
        "learning": summer.learning.value if summer.learning else "",
        "conduct": summer.conduct.value if summer.conduct else "",
        "outcome": summer.outcome.value if summer.outcome else "",
        "summer": ", ".join(f"{code} {result_text(v)}" for code, v in summer.re_exam.items()),
    }


def result_text(value: SubjectResult) -> str:
    """A subject result as written in the books: ``6.5``, ``Đ``, "" while not in."""
    if value is None:
        return ""
    return value.value if isinstance(value, Comment) else format_tenths(value)


def approval_snapshot(results: Iterable[StudentResult], period: str) -> dict[str, dict[str, str]]:
    """What an approval of ``period`` records: student code → :func:`approval_entry`."""
    return {r.code: approval_entry(r, period) for r in results}


def approval_changes(
    result: StudentResult, period: str, approved: Mapping[str, str] | None
) -> list[str]:
    """How the values computed now differ from the approved ones, one item per field ("HKI học
    tập Khá → Tốt"); a student the approval does not hold is one item too."""
    label = APPROVAL_PERIODS[period]
    if approved is None:
        return [f"{label}: học sinh không có trong kết quả đã duyệt"]
    now = approval_entry(result, period)
    changes = []
    for key, name in (SUMMER_FIELDS if period == "HE" else APPROVAL_FIELDS).items():
        if key not in approved or approved[key] == now[key]:  # not recorded (an older approval)
            continue
        if key == "averages":
            changes += _average_changes(label, approved[key], now[key])
        else:
            changes.append(f"{label} {name} {_as_shown(approved[key])} → {_as_shown(now[key])}")
    return changes


def _average_changes(label: str, approved: str, now: str) -> list[str]:
    """One item per subject whose average (or Đ/CĐ) moved: "HKI ĐTB TOAN 6,5 → 6,7"."""
    before, after = _averages(approved), _averages(now)
    return [
        f"{label} ĐTB {code} {_as_shown(before.get(code, ''))} → {_as_shown(after.get(code, ''))}"
        for code in dict.fromkeys([*before, *after])
        if before.get(code, "") != after.get(code, "")
    ]


def _averages(text: str) -> dict[str, str]:
    """``TOAN 6,5; GDTC Đ`` → {TOAN: 6,5, GDTC: Đ} (a subject not yet computed: "")."""
    pairs = (item.strip().partition(" ") for item in text.split(";") if item.strip())
    return {code: value for code, _, value in pairs}


def _as_shown(text: str) -> str:
    return text or "(trống)"


def approved_result(result: StudentResult, approvals: Mapping[str, Approved]) -> StudentResult:
    """``result`` as the master shows it: the values of each approved period as approved (a
    student the approval does not hold keeps the values computed now)."""

    def entry(period: str) -> Mapping[str, str] | None:
        approval = approvals.get(period)
        return approval[0].get(result.code) if approval else None

    hk1, hk2, year = result.hk1, result.hk2, result.year
    if (first := entry("HK1")) is not None:
        hk1 = _frozen(hk1, first)
    if (second := entry("HK2")) is not None:
        hk2 = _frozen(hk2, second)
    if (whole := entry("CN")) is not None:
        outcome = _enum(Outcome, whole.get("outcome"))
        year = replace(
            _frozen(year, whole),
            outcome=outcome,
            re_exam=[code for code in whole.get("re_exam", "").split(", ") if code],
            award=_enum(Award, whole.get("award")),
            reason=year.reason if outcome is year.outcome else "",
        )
    if (after := entry("HE")) is not None and year.summer is not None:
        final = _enum(Outcome, after.get("outcome"))
        year = replace(
            year,
            summer=replace(
                year.summer,
                learning=_enum(Level, after.get("learning")),
                conduct=_enum(Level, after.get("conduct")),
                outcome=final,
                reason=year.summer.reason if final is year.summer.outcome else "",
            ),
        )
    if whole is None and (hk1 is not result.hk1 or hk2 is not result.hk2):  # both halves
        year = replace(
            year, excused=hk1.excused + hk2.excused, unexcused=hk1.unexcused + hk2.unexcused
        )
    if (hk1, hk2, year) == (result.hk1, result.hk2, result.year):
        return result
    return replace(result, hk1=hk1, hk2=hk2, year=year)


S = TypeVar("S", bound=SemesterResult)


def _frozen(half: S, entry: Mapping[str, str]) -> S:
    """A semester (or the year) with its approved levels and absences."""
    return replace(
        half,
        learning=_enum(Level, entry.get("learning")),
        conduct=_enum(Level, entry.get("conduct")),
        excused=_count(entry.get("excused"), half.excused),
        unexcused=_count(entry.get("unexcused"), half.unexcused),
    )


def _enum(kind: type[E], text: str | None) -> E | None:
    try:
        return kind(text) if text else None
    except ValueError:
        return None


def _count(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default
