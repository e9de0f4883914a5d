"""Office lock files: which inbox files to ignore, and who still has a workbook open."""

from __future__ import annotations

from pathlib import Path

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
# spreadsheets in another format: answered ("save as .xlsx"), never silently ignored
OTHER_SHEET_SUFFIXES = frozenset({".xls", ".xlsb", ".ods", ".csv", ".numbers"})
TEMP_SUFFIXES = frozenset({".tmp", ".part", ".crdownload", ".partial"})


def is_workbook_candidate(path: Path) -> bool:
    """A file a teacher dropped, not a lock, temp or hidden file."""
    name = path.name
    if name.startswith(("~$", ".", "~")) or name.endswith("#"):
        return False
    if path.suffix.lower() in TEMP_SUFFIXES:
        return False
    suffix = path.suffix.lower()
    return suffix in WORKBOOK_SUFFIXES or suffix in OTHER_SHEET_SUFFIXES


def is_other_format(path: Path) -> bool:
    """A spreadsheet saved as .xls, .ods, .csv…: not a zip, answered without reading it."""
    return path.suffix.lower() in OTHER_SHEET_SUFFIXES


def _exists(path: Path) -> bool:
    """Whether ``path`` exists; False when the name cannot even be asked about (too long)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def excel_lock_paths(path: Path) -> list[Path]:
    """Excel names its lock ``~$`` + the name, or ``~$`` + the name less two characters."""
    name = path.name
    return [path.with_name("~$" + name), path.with_name("~$" + name[2:])]


def libreoffice_lock_path(path: Path) -> Path:
    return path.with_name(f".~lock.{path.name}#")


def _excel_owner(data: bytes) -> str:
    """User name in an Excel owner file: a length byte then the name, padded to 54 bytes, then
    the same name in UTF-16 (preferred when present: it keeps Vietnamese letters)."""
    if len(data) < 2:
        return ""
    short = data[1 : 1 + data[0]].decode("cp1252", errors="replace").strip()
    if len(data) >= 56:
        count = int.from_bytes(data[54:56], "little")
        wide = data[56 : 56 + 2 * count]
        if count and len(wide) == 2 * count:
            return wide.decode("utf-16-le", errors="replace").strip() or short
    return short


def _libreoffice_owner(data: bytes) -> str:
    """``.~lock.name#`` is one CSV line: full name, host, user, date, profile path."""
    fields = data.decode("utf-8", errors="replace").split(",")
    return (fields[0] or (fields[2] if len(fields) > 2 else "")).strip()


def lock_owner(path: Path) -> str | None:
    """The user who has ``path`` open in Excel or LibreOffice, ``""`` if unknown, None if free."""
    for lock in excel_lock_paths(path):
        if lock != path and _exists(lock):
            try:
                return _excel_owner(lock.read_bytes()[:512])
            except OSError:
                return ""
    lock = libreoffice_lock_path(path)
    if _exists(lock):
        try:
            return _libreoffice_owner(lock.read_bytes()[:1024])
        except OSError:
            return ""
    return None
