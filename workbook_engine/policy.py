"""Who may do what: the one place that maps school roles to decisions (pure, no I/O)."""

from __future__ import annotations

from enum import StrEnum

from workbook_engine.model import Role, Teacher


class Action(StrEnum):
    """A decision with legal weight; the value is how it is named to the user."""

    DECIDE_CORRECTION = "duyệt sửa điểm"
    LOCK = "khóa, mở sổ"
    APPROVE_RESULTS = "duyệt kết quả học tập, rèn luyện"
    CLOSE_YEAR = "khóa sổ năm học"


# The principal decides; a vice-principal approves corrections when delegated; the clerk or the
# administrator locks and unlocks on the principal's written instruction; the principal alone
# approves the semester and year results, and closes the school year (DOMAIN: roles).
ALLOWED: dict[Action, frozenset[Role]] = {
    Action.DECIDE_CORRECTION: frozenset({Role.PRINCIPAL, Role.VICE_PRINCIPAL}),
    Action.LOCK: frozenset({Role.PRINCIPAL, Role.ADMIN, Role.CLERK}),
    Action.APPROVE_RESULTS: frozenset({Role.PRINCIPAL}),
    Action.CLOSE_YEAR: frozenset({Role.PRINCIPAL}),
}


def may(person: Teacher, action: Action) -> bool:
    return any(role in ALLOWED[action] for role in person.roles)


def roles_text(action: Action) -> str:
    """The roles allowed, as a user reads them: "Hiệu trưởng hoặc Phó hiệu trưởng"."""
    return " hoặc ".join(role.value for role in Role if role in ALLOWED[action])
