"""A class-subject handed over mid-year (a teacher replaced in the setup): who sent its sheets
before. Pure: from the setup and :meth:`Ledger.senders`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workbook_engine.model import Assignment, Setup


@dataclass(frozen=True)
class Handover:
    """A class-subject whose accepted sheets were sent by a teacher no longer assigned it (a
    teacher replaced mid-year): ``until`` is when their last one was received."""

    former: str  # teacher code
    assignment: Assignment  # the class-subject, under the former teacher's code
    until: str  # ISO time


def handovers(setup: Setup, senders: Sequence[tuple[str, str, str, str]]) -> list[Handover]:
    """From :meth:`Ledger.senders`: each teacher who sent a class-subject's sheets and no longer
    teaches it (homeroom sheets and unknown subjects left out)."""
    found = []
    for class_code, subject_code, teacher, at in senders:
        room = setup.find_class(class_code)
        if room is None or setup.find_subject(room.grade, subject_code) is None:
            continue
        if not setup.is_assigned(teacher, class_code, subject_code):
            found.append(Handover(teacher, Assignment(teacher, class_code, subject_code), at))
    return found
