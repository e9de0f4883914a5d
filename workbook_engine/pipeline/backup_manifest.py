"""The backup archive's format: its name, its manifest (``manifest.json``), its member names.

Pure, but for :func:`read_manifest`; :mod:`workbook_engine.pipeline.backup` writes, checks and
restores archives, :mod:`workbook_engine.pipeline.backup_schedule` keeps a daily series.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from workbook_engine.errors import Problem, WorkbookEngineError, make_problem
from workbook_engine.model import Setup
from workbook_engine.names import safe_stem
from workbook_engine.paths import DataDir

FORMAT, VERSION = "wbe-backup", 1
MANIFEST = "manifest.json"
DATA, BOOKS = "data", "outbox/books"
LEDGER_MEMBER = f"{DATA}/ledger.sqlite"
NAME = re.compile(r"^so-diem-(?P<label>.+)-(?P<stamp>\d{8}-\d{6})(?:-\d+)?\.zip$")
STAMP = "%Y%m%d-%H%M%S"


def local_now() -> datetime:
    return datetime.now().astimezone()


def backup_label(data: DataDir, setup: Setup | None = None) -> str:
    """What names a data directory's archives: the school code, else the folder's name."""
    name = setup.school.code if setup is not None else folder_name(data)
    return re.sub(r"\s+", "-", safe_stem(name, 60)) or "truong"


def folder_name(data: DataDir) -> str:
    return Path(os.path.abspath(data.root)).name


def archive_name(label: str, taken: datetime) -> str:
    return f"so-diem-{label}-{taken.strftime(STAMP)}.zip"


# --- the manifest -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    path: str  # the member's name in the archive (``data/setup.xlsx``)
    size: int
    sha256: str


@dataclass
class Manifest:
    created: str  # local time with its offset
    data_dir: str  # the data directory's folder name
    school: dict[str, str] | None  # code, name, year (None when the setup was unreadable)
    chain_head: str | None  # None: the data directory had no ledger yet
    rows: dict[str, int]  # the ledger copy's row count per table
    files: list[Entry] = field(default_factory=list)
    version: int = VERSION

    def to_json(self) -> str:
        data = {
            "format": FORMAT,
            "version": self.version,
            "created": self.created,
            "data_dir": self.data_dir,
            "school": self.school,
            "ledger": None
            if self.chain_head is None
            else {"path": LEDGER_MEMBER, "chain_head": self.chain_head, "rows": self.rows},
            "files": [e.__dict__ for e in self.files],
        }
        return json.dumps(data, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """The manifest, or ValueError (in Vietnamese) when it is not one of ours."""
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValueError("manifest.json không phải bản kê của wbe backup")
        if int(raw.get("version", 0)) > VERSION:
            raise ValueError(f"được tạo bởi phiên bản mới hơn (định dạng số {raw['version']})")
        try:
            ledger = raw["ledger"]
            files = [Entry(str(f["path"]), int(f["size"]), str(f["sha256"])) for f in raw["files"]]
            return cls(
                created=str(raw["created"]),
                data_dir=str(raw["data_dir"]),
                school=raw.get("school"),
                chain_head=None if ledger is None else str(ledger["chain_head"]),
                rows={} if ledger is None else {str(k): int(v) for k, v in ledger["rows"].items()},
                files=files,
                version=int(raw["version"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"bản kê manifest.json thiếu mục {exc}") from exc

    @property
    def size(self) -> int:
        return sum(e.size for e in self.files)


def read_manifest(archive: Path) -> Manifest:
    """The manifest of an archive (no checking): ``backup-not-an-archive`` when there is none."""
    try:
        with zipfile.ZipFile(archive) as zf:
            return Manifest.from_json(zf.read(MANIFEST).decode("utf-8"))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError) as exc:
        raise WorkbookEngineError(not_an_archive(archive, exc)) from exc


def not_an_archive(archive: Path, exc: BaseException) -> Problem:
    if isinstance(exc, KeyError):
        detail = "không có bản kê manifest.json"
    elif isinstance(exc, zipfile.BadZipFile):
        detail = "không phải tệp nén .zip, hoặc tệp bị cắt cụt khi chép"
    elif isinstance(exc, UnicodeDecodeError | json.JSONDecodeError):
        detail = "bản kê manifest.json không đọc được"
    elif isinstance(exc, OSError):
        detail = f"không đọc được tệp: {exc.strerror or exc}"
    else:
        detail = str(exc)
    return make_problem("backup-not-an-archive", path=archive, detail=detail)


def unsafe_reason(name: str) -> str | None:
    """Why a member's name could write outside the folder it is extracted to (zip-slip), in
    Vietnamese; None for a safe relative name under ``data/`` or ``outbox/books/``."""
    if not name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "là đường dẫn tuyệt đối"
    if "\\" in name or ":" in name or re.search(r"[\x00-\x1f]", name):
        return "chứa kí tự \\, : hoặc kí tự điều khiển"
    if any(part in ("", ".", "..") for part in name.split("/")):
        return "chứa thành phần «..» hoặc «.» trỏ ra ngoài thư mục"
    if name != MANIFEST and not name.startswith((f"{DATA}/", f"{BOOKS}/")):
        return "nằm ngoài các thư mục data/ và outbox/books/"
    return None


def taken_at(name: str, label: str) -> datetime | None:
    """When the archive named ``name`` was taken, if it is one of ``label``'s; else None."""
    match = NAME.match(name)
    if match is None or match["label"] != label:
        return None
    try:
        return datetime.strptime(match["stamp"], STAMP)
    except ValueError:
        return None
