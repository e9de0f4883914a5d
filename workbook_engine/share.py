"""The school's share: one folder per person, and what a path on it says about who sent a file.

``<share>/<code> - <full name>/`` holds ``Sổ điểm/`` (issued copies, the person's working files),
``Nộp/`` (what they submit), ``Trả lại/`` and ``Biên nhận/`` (the answers they read) and, for the
principal and the vice-principals, ``Duyệt/`` (the decision forms they send). Only the person
and the office may write into their folder: where a file arrives says who sent it.
Pure path logic (no I/O) except :meth:`ShareLayout.owner_folder`, which looks for a renamed one.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from workbook_engine.model import Setup, Teacher
from workbook_engine.policy import Action, may_be_delegated

SHEETS, SUBMIT, RETURNED, RECEIPTS, DECIDE = "Sổ điểm", "Nộp", "Trả lại", "Biên nhận", "Duyệt"
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')  # not allowed in a Windows folder name


class Channel(StrEnum):
    """How a file reached the service; the value is how it is named to people."""

    SUBMIT = "thư mục Nộp của người gửi"
    DECIDE = "thư mục Duyệt của người duyệt"
    OFFICE = "văn phòng nộp thay"


@dataclass(frozen=True)
class Arrival:
    """Who sent a file, from where it arrived: ``person`` is the folder owner's code (None when
    the office delivered it through the inbox)."""

    channel: Channel
    person: str | None = None

    @property
    def by_office(self) -> bool:
        return self.channel is Channel.OFFICE


OFFICE = Arrival(Channel.OFFICE)


def who(setup: Setup, code: str) -> str:
    """``Nguyễn Thị Hoa (GV015)``, or the bare code of someone the setup does not know."""
    teacher = setup.find_teacher(code)
    return f"{teacher.full_name} ({teacher.code})" if teacher else code


def where(arrival: Arrival, setup: Setup) -> str:
    """Where a file came from, as people read it: «thư mục «Nộp» của Nguyễn Thị Hoa (GV015)»."""
    if arrival.by_office or arrival.person is None:
        return "văn phòng (hộp thư chung)"
    folder = DECIDE if arrival.channel is Channel.DECIDE else SUBMIT
    return f"thư mục «{folder}» của {who(setup, arrival.person)}"


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def _same(a: str, b: str) -> bool:
    """One folder name, as Windows compares them (case-insensitive), in either Unicode form."""
    return unicodedata.normalize("NFC", a).casefold() == unicodedata.normalize("NFC", b).casefold()


def folder_name(teacher: Teacher) -> str:
    """``GV015 - Nguyễn Thị Hoa``, safe as a folder name on Windows and Samba."""
    name = _UNSAFE.sub(" ", teacher.full_name).strip(" .")
    return f"{teacher.code} - {name}" if name else teacher.code


def decides(teacher: Teacher) -> bool:
    """Whether the person gets a ``Duyệt/`` folder (a vice-principal too: the principal may
    delegate the approval of corrections at any time)."""
    return may_be_delegated(teacher, Action.DECIDE_CORRECTION)


@dataclass(frozen=True)
class ShareLayout:
    root: Path
    setup: Setup

    def folder(self, code: str) -> Path:
        teacher = self.setup.find_teacher(code)
        return self.root / (folder_name(teacher) if teacher else code)

    def owner_folder(self, code: str) -> Path:
        """The person's folder as it is on disk (a folder renamed after a name change is found by
        its code), else where it would be laid out."""
        wanted = self.folder(code)
        if wanted.is_dir():
            return wanted
        prefix = _key(code)
        try:
            for entry in os.scandir(self.root):
                if entry.is_dir() and owner_code(entry.name) == prefix:
                    return Path(entry.path)
        except OSError:
            pass
        return wanted

    def sheets(self, code: str) -> Path:
        return self.owner_folder(code) / SHEETS

    def submit(self, code: str) -> Path:
        return self.owner_folder(code) / SUBMIT

    def returned(self, code: str) -> Path:
        return self.owner_folder(code) / RETURNED

    def receipts(self, code: str) -> Path:
        return self.owner_folder(code) / RECEIPTS

    def decide(self, code: str) -> Path:
        return self.owner_folder(code) / DECIDE

    def subfolders(self, teacher: Teacher) -> tuple[str, ...]:
        base = (SHEETS, SUBMIT, RETURNED, RECEIPTS)
        return (*base, DECIDE) if decides(teacher) else base

    def arrival(self, path: Path) -> Arrival | None:
        """Who sent ``path`` when it lies in someone's ``Nộp/`` or ``Duyệt/``; None otherwise
        (outside the share, or in a folder nobody submits from)."""
        try:
            parts = Path(os.path.abspath(path)).relative_to(os.path.abspath(self.root)).parts
        except ValueError:
            return None
        if len(parts) < 3:
            return None
        code = owner_code(parts[0])
        teacher = next((t for t in self.setup.teachers if _key(t.code) == code), None)
        if teacher is None or not _same(parts[0], self.owner_folder(teacher.code).name):
            return None  # only the person's own folder, never a look-alike beside it
        channels = {SUBMIT: Channel.SUBMIT, DECIDE: Channel.DECIDE}
        channel = next((c for name, c in channels.items() if _same(parts[1], name)), None)
        return Arrival(channel, teacher.code) if channel else None

    def watched(self) -> list[Path]:
        """Every folder files are submitted through: each ``Nộp/`` and each ``Duyệt/``."""
        folders = []
        for teacher in self.setup.teachers:
            folders.append(self.submit(teacher.code))
            if decides(teacher):
                folders.append(self.decide(teacher.code))
        return folders


def owner_code(folder: str) -> str:
    """The code a person's folder begins with (``GV005 - Lê Tuệ Thảo`` → ``gv005``), compared
    as the share compares names (case and Unicode form folded)."""
    return _key(folder.split(" - ", 1)[0])
