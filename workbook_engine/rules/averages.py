"""Subject averages and commented-subject results (Circular 22), in integer tenths."""

from __future__ import annotations

from collections.abc import Sequence

from .scores import Comment, check_comment, check_tenths, round_half_up_tenths


def _check_tx_count(count: int, required_tx: int) -> None:
    if isinstance(required_tx, bool) or not isinstance(required_tx, int) or required_tx < 1:
        raise ValueError(f"required_tx must be a positive int, got {required_tx!r}")
    if count != required_tx:
        raise ValueError(f"expected {required_tx} TX values, got {count}")


def semester_average(
    tx: Sequence[int | None], gk: int | None, ck: int | None, required_tx: int
) -> int | None:
    """Semester average ``round1((sum(TX) + 2*GK + 3*CK) / (count(TX) + 5))`` in tenths.

    Returns ``None`` while any TX, GK or CK is blank. ``len(tx) != required_tx`` is a
    programming error (``ValueError``).
    """
    _check_tx_count(len(tx), required_tx)
    values = [*tx, gk, ck]
    if any(v is None for v in values):
        return None
    tx_values = [check_tenths(v, "TX") for v in tx]
    numerator = sum(tx_values) + 2 * check_tenths(gk, "GK") + 3 * check_tenths(ck, "CK")
    return round_half_up_tenths(numerator, len(tx_values) + 5)


def year_average(sem1: int | None, sem2: int | None) -> int | None:
    """Year average ``round1((S1 + 2*S2) / 3)`` from the rounded semester averages, in tenths."""
    if sem1 is None or sem2 is None:
        return None
    s1 = check_tenths(sem1, "semester 1 average")
    s2 = check_tenths(sem2, "semester 2 average")
    return round_half_up_tenths(s1 + 2 * s2, 3)


def semester_comment_result(
    tx: Sequence[Comment | None],
    gk: Comment | None,
    ck: Comment | None,
    required_tx: int = 2,
) -> Comment:
    """Semester result of a commented subject.

    Đạt iff every required assessment (``required_tx`` TX, GK, CK) is present and all are Đạt;
    otherwise Chưa đạt (a blank counts against the student). This is the one place holding the
    rule: it is often misread, and a school's department may prescribe another reading.
    """
    _check_tx_count(len(tx), required_tx)
    values = [*tx, gk, ck]
    if any(v is None for v in values):
        return Comment.CD
    checked = [check_comment(v) for v in values]
    return Comment.D if all(v is Comment.D for v in checked) else Comment.CD


def year_comment_result(sem1: Comment | None, sem2: Comment | None) -> Comment | None:
    """Year result of a commented subject: the semester 2 result (``None`` while it is blank).

    ``sem1`` does not influence the result; it is taken for symmetry with :func:`year_average`.
    """
    if sem2 is None:
        return None
    return check_comment(sem2, "semester 2 result")
