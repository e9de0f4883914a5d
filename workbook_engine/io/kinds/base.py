"""The spec of a sheet kind: what its columns hold, who fills it, how a cell maps to the ledger.

The writer (:mod:`~workbook_engine.io.kind_sheet`), the checker
(:mod:`~workbook_engine.pipeline.sheet_check`), ingestion and the master read the same spec; a
new kind of per-student sheet is a new :class:`SheetKind`, registered, and nothing else.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from workbook_engine.io.identity import Identity
from workbook_engine.io.sheet_base import SEMESTER_NAMES, Header
from workbook_engine.model import SchoolInfo, Setup, SheetKey, Student, SummerList


class CellError(ValueError):
    """A value a cell may not hold: a catalogue code and the values of its message."""

    def __init__(self, code: str, **values: object) -> None:
        self.code, self.values = code, values
        super().__init__(code)


@dataclass(frozen=True)
class ValueType:
    """What an input cell may hold, for the writer (validation, format) and the checker."""

    name: str
    parse: Callable[[str], str]  # the stored spelling, or raises CellError
    help: str
    label: str  # the title of the cell's input message
    choices: tuple[str, ...] = ()  # a dropdown in the issued sheet
    excel_rule: Callable[[str], str] | None = None  # validation formula on a top-left cell
    number_format: str = ""
    max_length: int | None = None
    width: float = 7.0
    highlight_blanks: bool = True  # an empty cell is "not yet entered" (not so for attendance)

    def is_valid(self, text: object) -> bool:
        try:
            self.parse(str(text))
        except CellError:
            return False
        return True

    def error(self, text: str) -> CellError | None:
        try:
            self.parse(text)
        except CellError as exc:
            return exc
        return None


@dataclass(frozen=True)
class Column:
    """One column after the roster (STT, Mã học sinh, Họ và tên)."""

    key: str  # the ledger's column name ("TX1", "2025-09-05", "KQRL")
    title: str  # the heading in the sheet
    value: ValueType | None = None  # None: computed by ``formula``
    formula: Callable[[int], str] | None = None  # 0-based row → Excel formula
    stored: bool = True  # its values go to the ledger
    open: bool = True  # False: locked and grey on every row (a Sunday)
    closed: str = "cell-closed"  # the problem of a value typed in it when it is not open
    width: float | None = None
    style: str = "computed"  # of a computed column: "computed" (0.0) or "count" (0)
    # a change to an accepted value is a correction, held for approval; False (a teacher's
    # comment): merged at once, still logged old → new like every change
    corrected: bool = True

    @property
    def holds_exempt_text(self) -> bool:
        """A free-text column: on an exempt row the writer puts the exemption's text here."""
        return self.value is not None and bool(self.value.max_length)


@dataclass(frozen=True)
class Layout:
    """A sheet's columns as issued, from its signed identity."""

    columns: tuple[Column, ...]
    exempt_mark: str = ""  # written in the first computed column of an exempt row

    def index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    @property
    def inputs(self) -> list[tuple[int, Column]]:
        return [(i, c) for i, c in enumerate(self.columns) if c.value is not None]

    @property
    def free_columns(self) -> frozenset[str]:
        """Keys of the stored columns whose changes merge without approval (not corrections)."""
        return frozenset(c.key for c in self.columns if c.stored and not c.corrected)


@dataclass(frozen=True)
class Plan:
    """One sheet to issue: who gets it, its file name, its (unsigned) identity."""

    kind: str
    teacher_code: str
    filename: str
    identity: Callable[[], Identity]
    write: Callable[[Path, bytes], object] | None = None  # a form's own writer (path, secret)


@dataclass
class RowNote:
    """A comment on a student's name cell and, for an exempt row, the note column's text."""

    comment: str = ""
    exempt_text: str = ""


class SheetKind:
    """Base class of a per-student sheet kind; override what differs."""

    kind: ClassVar[str]
    sheet: ClassVar[str]  # the sheet teachers fill
    in_master: ClassVar[bool] = False  # shown as its own block on the class's master sheet
    title: ClassVar[str] = ""  # the block's title in the master
    per_student: ClassVar[bool] = True  # False: a form (its own checker)
    deadlines: ClassVar[bool] = False  # the calendar's entry deadlines apply (late-entry;
    # for the summer's sheets, the summer window: late-summer-entry)
    ledger_code: ClassVar[str] = ""  # the ledger's subject code of a kind that is no subject
    # the classes it is for: "secondary" (Circular 22), "primary" (Circular 27), "" every class
    level: ClassVar[str] = ""

    def plans(self, setup: Setup, semester: int, teacher_code: str) -> list[Plan]:
        """The sheets of this kind that ``teacher_code`` gets for ``semester``."""
        raise NotImplementedError

    def summer_plans(self, setup: Setup, summer: SummerList, teacher_code: str) -> list[Plan]:
        """The sheets of this kind ``teacher_code`` gets for the summer (none by default)."""
        return []

    def layout(self, setup: Setup, identity: Identity) -> Layout:
        """The columns after the roster, as issued (from the identity, never today's setup)."""
        raise NotImplementedError

    def header(self, setup: Setup, identity: Identity) -> Header:
        raise NotImplementedError

    def for_class(self, setup: Setup, class_code: str) -> bool:
        """Whether the class's level (primary: grades 1–5) takes this kind's sheets."""
        if not self.level:
            return True
        return setup.is_primary(class_code) == (self.level == "primary")

    @property
    def code(self) -> str:
        """The subject code of this kind's ledger keys when its sheets are not a subject's."""
        return self.ledger_code or self.kind

    def ledger_key(self, identity: Identity) -> SheetKey:
        code = identity.subject_code or self.code
        return SheetKey(identity.class_code, code, identity.semester)

    def fill_problem(self, setup: Setup, identity: Identity) -> tuple[str, dict[str, Any]] | None:
        """Why ``identity.teacher_code`` may not fill this sheet (code, values), or None."""
        room = setup.find_class(identity.class_code)
        if room is not None and room.homeroom_teacher == identity.teacher_code:
            return None
        return "not-homeroom", {"teacher": identity.teacher_code, "class_code": identity.class_code}

    def confirmation(self, setup: Setup, identity: Identity) -> tuple[date, str] | None:
        """The last day the sheet's values may be confirmed and what it covers ("10/2025"), for
        a kind whose sheet confirms a period (attendance): its first sheet arriving later is
        taken with a warning (``attendance-late``); after that day, a new value in a period
        already received is a correction, held for approval. None: no such deadline."""
        return None

    def value_problems(
        self, setup: Setup, identity: Identity, values: Mapping[tuple[str, str], str]
    ) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
        """Problems across a row's valid values (``values``: (student, column key) → stored
        text), each as (catalogue code, student, column key, message values); none by default.
        Checks only: no I/O."""
        return iter(())

    def row_notes(self, setup: Setup, identity: Identity) -> dict[str, RowNote]:
        """Student code → comment on the name cell (exemptions); none by default."""
        return {}

    def key_title(self, subject_code: str) -> str | None:
        """How a ledger key of this kind is named to people, or None when it is not ours."""
        return (self.title or self.kind) if subject_code == self.code else None

    def master_keys(self, setup: Setup, class_code: str) -> list[tuple[str, SheetKey]]:
        """(group title, ledger key) of the blocks this kind shows on a class's master sheet."""
        return [(SEMESTER_NAMES[s.number], SheetKey(class_code, self.code, s.number))
                for s in setup.semesters]  # fmt: skip

    def master_columns(self, setup: Setup, class_code: str) -> list[Column]:
        """The stored columns shown in the master (none by default)."""
        return []


@dataclass
class Registry:
    """The sheet kinds the school issues and the inbox accepts."""

    kinds: dict[str, SheetKind] = field(default_factory=dict)

    def register(self, kind: SheetKind) -> SheetKind:
        self.kinds[kind.kind] = kind
        return kind

    def unregister(self, name: str) -> None:
        self.kinds.pop(name, None)

    def get(self, name: str) -> SheetKind | None:
        return self.kinds.get(name)

    def require(self, name: str) -> SheetKind:
        return self.kinds[name]

    def sheet_name(self, setup: Setup, key: SheetKey) -> tuple[str, bool]:
        """What a ledger key is called ("Toán", "Điểm danh tháng 09/2025") and whether it is
        a subject."""
        room = setup.find_class(key.class_code)
        subject = setup.find_subject(room.grade, key.subject_code) if room else None
        if subject is not None:
            return subject.name, True
        return self.key_title(key.subject_code), False

    def key_title(self, subject_code: str) -> str:
        """The name of a kind's ledger key ("Điểm danh tháng 09/2025"), or the code itself."""
        for kind in self.kinds.values():
            title = kind.key_title(subject_code)
            if title is not None:
                return title
        return subject_code

    def __iter__(self) -> Iterator[SheetKind]:
        return iter(list(self.kinds.values()))


def class_identity(
    setup: Setup,
    kind: str,
    sheet: str,
    class_code: str,
    semester: int,
    columns: tuple[str, ...],
    inputs: tuple[str, ...],
    period: str = "",
) -> Identity:
    """The identity of a per-class sheet filled by the homeroom teacher."""
    room = setup.class_by_code(class_code)
    students: Sequence[Student] = setup.students_of(class_code)
    school: SchoolInfo = setup.school
    return Identity(
        kind=kind,
        template_id=str(uuid.uuid4()),
        school_code=school.code,
        school_year=school.school_year,
        semester=semester,
        teacher_code=room.homeroom_teacher,
        sheet=sheet,
        class_code=class_code,
        students=tuple((s.code, s.full_name) for s in students),
        columns=columns,
        inputs=inputs,
        period=period,
    )
