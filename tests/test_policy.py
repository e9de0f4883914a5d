"""Who may take which decision (DOMAIN: roles and what each may do)."""

from __future__ import annotations

import pytest

from workbook_engine.model import Role, Teacher
from workbook_engine.policy import Action, may, roles_text


def person(*roles: Role) -> Teacher:
    return Teacher("GV999", "Nguyễn Thị Thử", roles=tuple(roles))


@pytest.mark.parametrize(
    ("roles", "action", "allowed"),
    [
        ((Role.PRINCIPAL,), Action.DECIDE_CORRECTION, True),
        ((Role.VICE_PRINCIPAL,), Action.DECIDE_CORRECTION, False),  # only when delegated
        ((Role.TEACHER,), Action.DECIDE_CORRECTION, False),
        ((Role.CLERK,), Action.DECIDE_CORRECTION, False),
        ((Role.ADMIN,), Action.DECIDE_CORRECTION, False),
        ((Role.GROUP_HEAD, Role.TEACHER), Action.DECIDE_CORRECTION, False),
        ((Role.PRINCIPAL,), Action.LOCK, True),
        ((Role.CLERK,), Action.LOCK, True),
        ((Role.ADMIN,), Action.LOCK, True),
        ((Role.VICE_PRINCIPAL,), Action.LOCK, False),
        ((Role.TEACHER,), Action.LOCK, False),
        ((Role.TEACHER, Role.CLERK), Action.LOCK, True),
    ],
)
def test_who_may_decide(roles: tuple[Role, ...], action: Action, allowed: bool) -> None:
    assert may(person(*roles), action) is allowed


@pytest.mark.parametrize(
    ("roles", "action", "allowed"),
    [
        ((Role.VICE_PRINCIPAL,), Action.DECIDE_CORRECTION, True),
        ((Role.PRINCIPAL,), Action.DECIDE_CORRECTION, True),
        ((Role.TEACHER,), Action.DECIDE_CORRECTION, False),  # delegation gives no role
        ((Role.VICE_PRINCIPAL,), Action.LOCK, False),  # only corrections are delegated
        ((Role.VICE_PRINCIPAL,), Action.APPROVE_RESULTS, False),
        ((Role.VICE_PRINCIPAL,), Action.DELEGATE, False),
        ((Role.PRINCIPAL,), Action.DELEGATE, True),
    ],
)
def test_what_a_delegation_allows(roles: tuple[Role, ...], action: Action, allowed: bool) -> None:
    assert may(person(*roles), action, delegated={"GV999"}) is allowed
    assert may(person(*roles), action, delegated={"GV001"}) is (Role.PRINCIPAL in roles and allowed)


def test_allowed_roles_are_named_in_vietnamese() -> None:
    assert roles_text(Action.DECIDE_CORRECTION) == (
        "Hiệu trưởng hoặc Phó hiệu trưởng được Hiệu trưởng ủy quyền"
    )
    assert roles_text(Action.LOCK) == "Hiệu trưởng hoặc Quản trị viên hoặc Văn thư"
