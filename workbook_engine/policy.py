"""Who may do what: the one place that maps school roles to decisions (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from workbook_engine.model import Role, Teacher


class Action(StrEnum):
    """A decision with legal weight; the value is how it is named to the user."""

    DECIDE_CORRECTION = "duyệt sửa điểm"
    LOCK = "khóa, mở sổ"
    APPROVE_RESULTS = "duyệt kết quả học tập, rèn luyện"
    CLOSE_YEAR = "khóa sổ năm học"
    DELEGATE = "ủy quyền duyệt sửa điểm"


# The principal decides; a vice-principal approves corrections when the principal delegated it
# (``wbe people delegate``, recorded in the ledger); the clerk or the administrator locks and
# unlocks on the principal's written instruction; the principal alone approves the semester and
# year results, and closes the school year (DOMAIN: roles).
ALLOWED: dict[Action, frozenset[Role]] = {
    Action.DECIDE_CORRECTION: frozenset({Role.PRINCIPAL, Role.VICE_PRINCIPAL}),
    Action.LOCK: frozenset({Role.PRINCIPAL, Role.ADMIN, Role.CLERK}),
    Action.APPROVE_RESULTS: frozenset({Role.PRINCIPAL}),
    Action.CLOSE_YEAR: frozenset({Role.PRINCIPAL}),
    Action.DELEGATE: frozenset({Role.PRINCIPAL}),
}
# The roles that take an action only by the principal's delegation.
DELEGATED: dict[Action, frozenset[Role]] = {
    Action.DECIDE_CORRECTION: frozenset({Role.VICE_PRINCIPAL}),
}


def may(person: Teacher, action: Action, delegated: Collection[str] = ()) -> bool:
    """Whether ``person`` may take ``action``; ``delegated``: the codes of the people the
    principal delegated it to (a vice-principal decides corrections only then)."""
    by_delegation = DELEGATED.get(action, frozenset())
    return any(
        role in ALLOWED[action] and (role not in by_delegation or person.code in delegated)
        for role in person.roles
    )


def may_be_delegated(person: Teacher, action: Action) -> bool:
    """Whether ``person`` takes ``action`` at least when delegated (their share folders)."""
    return any(role in ALLOWED[action] for role in person.roles)


def roles_text(action: Action) -> str:
    """The roles allowed, as a user reads them: "Hiệu trưởng hoặc Phó hiệu trưởng được ủy
    quyền"."""
    by_delegation = DELEGATED.get(action, frozenset())
    return " hoặc ".join(
        role.value + (" được Hiệu trưởng ủy quyền" if role in by_delegation else "")
        for role in Role
        if role in ALLOWED[action]
    )
