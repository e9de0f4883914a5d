"""Who issued a sheet, for whom, and for what: the very-hidden identity sheet and its HMAC.

Every sheet the school issues carries a very-hidden sheet listing its fields (kind, class,
subject, roster snapshot, columns, editable ranges…) and an HMAC-SHA256 of their canonical JSON
with the school secret (``<data>/secret.key``). Ingestion reads it back to tell a genuine issued
sheet from a hand-made or altered copy.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbook_engine.errors import WorkbookEngineError, make_problem

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

IDENTITY_SHEET = "wbe_identity"
TEMPLATE_VERSION = 1
SECRET_BYTES = 32
_SIGNATURE_TAG = b"workbook_engine identity v1\n"
_LIST_FIELDS = ("columns", "inputs", "exempt")


class IdentityError(WorkbookEngineError):
    """A workbook without a readable identity sheet (not issued by the school, or damaged)."""

    def __init__(self, detail: str) -> None:
        super().__init__(make_problem("identity-unreadable", detail=detail))


class SecretError(WorkbookEngineError):
    """The school secret is missing (``secret-missing``) or does not hold a valid key
    (``secret-invalid``)."""


@dataclass(frozen=True)
class Identity:
    """The fields that identify one issued sheet; ``signature`` is their HMAC (hex)."""

    kind: str  # score, attendance, conduct, correction
    template_id: str
    school_code: str
    school_year: str
    semester: int
    teacher_code: str
    sheet: str  # name of the sheet teachers fill
    class_code: str = ""
    subject_code: str = ""
    period: str = ""  # the month of an attendance sheet, "2025-09"
    template_version: int = TEMPLATE_VERSION
    students: tuple[tuple[str, str], ...] = ()  # (code, full name), in sheet order
    columns: tuple[str, ...] = ()  # assessment or day columns, in sheet order
    inputs: tuple[str, ...] = ()  # A1 ranges of the editable cells
    exempt: tuple[str, ...] = ()  # students exempt from the whole subject
    signature: str = field(default="", compare=False)

    @property
    def student_codes(self) -> list[str]:
        return [code for code, _ in self.students]

    def content(self) -> dict[str, Any]:
        """Every field except ``template_id`` and ``signature``: equal for identical templates."""
        data = asdict(self)
        del data["template_id"], data["signature"]
        return data


def canonical(identity: Identity) -> bytes:
    """The bytes the HMAC covers: sorted compact JSON of every field but the signature."""
    data = asdict(identity)
    del data["signature"]
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return _SIGNATURE_TAG + text.encode("utf-8")


def sign(identity: Identity, secret: bytes) -> Identity:
    """``identity`` with its HMAC-SHA256 signature set."""
    digest = hmac.new(secret, canonical(identity), hashlib.sha256).hexdigest()
    return replace(identity, signature=digest)


def verify_identity(identity: Identity, secret: bytes) -> bool:
    """True when the signature matches the fields under ``secret`` (constant-time compare)."""
    expected = sign(identity, secret).signature
    return hmac.compare_digest(expected, identity.signature)


def load_secret(path: Path) -> bytes:
    """The school secret from ``path`` (64 hex digits); :class:`SecretError` when it is missing
    or damaged. Everything that checks issued sheets uses this: a new key would make every sheet
    issued with the old one read as tampered."""
    path = Path(path)
    if not path.exists():
        raise SecretError(make_problem("secret-missing", path=path))
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != SECRET_BYTES:
        raise SecretError(make_problem("secret-invalid", path=path, digits=2 * SECRET_BYTES))
    return key


def load_or_create_secret(path: Path) -> bytes:
    """The school secret from ``path`` (64 hex digits); created atomically when missing.

    Only for issuing sheets (and the demo); ingestion uses :func:`load_secret`.

    Two processes racing to create it end up with the same key: the file is published with a
    hard link, which fails when another process got there first.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".secret.", suffix=".tmp", dir=path.parent)
        tmp = Path(name)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process created it first: use theirs
            except OSError:  # no hard links on this file system
                if not path.exists():
                    os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return load_secret(path)


def write_identity_sheet(book: Workbook, identity: Identity) -> None:
    """Add the very-hidden identity sheet (call last: a very-hidden sheet cannot be active)."""
    ws = book.add_worksheet(IDENTITY_SHEET)
    rows: list[list[str]] = [["field", "value"]]
    for f in fields(identity):
        value = getattr(identity, f.name)
        if f.name == "students":
            rows.extend(["student", code, name] for code, name in value)
        elif f.name in _LIST_FIELDS:
            rows.append([f.name, *value])
        else:
            rows.append([f.name, str(value)])
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            ws.write_string(r, c, text)
    ws.very_hidden()


def read_identity(path: Path) -> Identity:
    """The identity of an issued workbook; :class:`IdentityError` when there is none."""
    import openpyxl  # here, not at the top: the command line imports this module for its errors

    try:
        book = openpyxl.load_workbook(Path(path), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for non-xlsx or broken files
        raise IdentityError(f"không mở được tệp {Path(path).name}: {exc}") from exc
    try:
        if IDENTITY_SHEET not in book.sheetnames:
            raise IdentityError(f"tệp {Path(path).name} không phải mẫu do nhà trường phát hành")
        rows = [list(r) for r in book[IDENTITY_SHEET].iter_rows(values_only=True)]
    finally:
        book.close()
    return identity_from_rows(rows, Path(path).name)


def identity_from_rows(rows: list[list[Any]], name: str) -> Identity:
    scalars: dict[str, str] = {}
    lists: dict[str, tuple[str, ...]] = {key: () for key in _LIST_FIELDS}
    students: list[tuple[str, str]] = []
    for row in rows[1:]:
        cells = [("" if v is None else str(v)) for v in row]
        while cells and cells[-1] == "":
            cells.pop()
        if not cells:
            continue
        key, values = cells[0], cells[1:]
        if key == "student":
            students.append((values[0] if values else "", values[1] if len(values) > 1 else ""))
        elif key in lists:
            lists[key] = tuple(values)
        else:
            scalars[key] = values[0] if values else ""
    try:
        return Identity(
            kind=scalars["kind"],
            template_id=scalars["template_id"],
            school_code=scalars["school_code"],
            school_year=scalars["school_year"],
            semester=int(scalars["semester"]),
            teacher_code=scalars["teacher_code"],
            sheet=scalars["sheet"],
            class_code=scalars.get("class_code", ""),
            subject_code=scalars.get("subject_code", ""),
            period=scalars.get("period", ""),
            template_version=int(scalars["template_version"]),
            students=tuple(students),
            columns=lists["columns"],
            inputs=lists["inputs"],
            exempt=lists["exempt"],
            signature=scalars.get("signature", ""),
        )
    except (KeyError, ValueError) as exc:
        raise IdentityError(f"trang nhận dạng của tệp {name} bị hỏng ({exc})") from exc
