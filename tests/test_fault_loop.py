"""The fault loop (issue 11, point 6): files are dropped while ``wbe ingest`` is killed with
SIGKILL at random moments, again and again, then run to the end once. Nothing may be lost,
ingested twice or left half-written. ``WBE_FAULTS=500 pytest tests/test_fault_loop.py`` runs
it longer on demand."""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import OCTOBER, School, master_values
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render.publish import publish
from workbook_engine.rules import AssessmentMode

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX; Windows has TerminateProcess"),
]
TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{12}(\.[A-Za-z0-9]{1,8})?$")


def prepared(school: School, staging: Path) -> list[Path]:
    """Every sheet of the school filled, and a second version of some: real, distinct files."""
    files = []
    setup = school.setup
    scored = [a for a in setup.assignments
              if setup.subject(setup.class_by_code(a.class_code).grade, a.subject_code).mode
              is AssessmentMode.SCORE]  # fmt: skip
    for n, a in enumerate(scored):
        for version in (1, 2) if n % 5 == 0 else (1,):
            cells = {"D8": 5 + version, "E8": 7} if version == 1 else {"D8": 6, "E8": 7, "F8": 8}
            filled = school.fill(a.class_code, a.subject_code, cells)
            target = staging / a.teacher_code / f"{filled.stem}_v{version}.xlsx"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(filled, target)
            files.append(target)
    return files


def command(school: School) -> list[str]:
    return [sys.executable, "-m", "workbook_engine.cli", "ingest", str(school.inbox),
            "--data-dir", str(school.data.root), "--inbox", str(school.inbox), "--outbox",
            str(school.outbox), "--share", str(school.share.root),
            "--today", OCTOBER.isoformat()]  # fmt: skip


def drop(path: Path, staging: Path, inbox: Path) -> None:
    """As a teacher's copy lands: written beside, then renamed into the folder."""
    target = inbox / path.relative_to(staging)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    shutil.copyfile(path, partial)
    os.replace(partial, target)


def test_sigkill_at_random_moments_loses_and_duplicates_nothing(
    school: School, tmp_path: Path
) -> None:
    rng = random.Random(2025)
    staging = tmp_path / "staging"
    waiting = prepared(school, staging)
    sent = [(p, p.read_bytes()) for p in waiting]
    rng.shuffle(waiting)
    school.inbox.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    kills = int(os.environ.get("WBE_FAULTS", "50"))
    for _ in range(kills):
        for _ in range(rng.choice((0, 1, 1, 2))):
            if waiting:
                drop(waiting.pop(), staging, school.inbox)
        proc = subprocess.Popen(command(school), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0.3, 2.2))
        proc.kill()
        proc.wait()
    for path in waiting:
        drop(path, staging, school.inbox)
    old = time.time() - 3600  # what the kills left half-written is old by the next start
    for path in tmp_path.rglob(".*"):
        if TEMPORARY.match(path.name):
            os.utime(path, (old, old))
    final = subprocess.run(command(school), env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]

    assert not any(p.is_file() for p in school.inbox.rglob("*")), "every file ingested"
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.verify() is None
        files = ledger.files()
        by_sha: dict[str, int] = {}
        for record in files:
            by_sha[record.sha256] = by_sha.get(record.sha256, 0) + 1
        for path, data in sent:
            sha = hashlib.sha256(data).hexdigest()
            assert by_sha.get(sha) == 1, f"{path.name} recorded {by_sha.get(sha, 0)} times"
        assert {r.status for r in files} == {"accepted"}
        changes = ledger.changes()
        cells = [(c.file_id, c.student_code, c.column) for c in changes]
        assert len(cells) == len(set(cells)), "a change recorded twice"
        rebuilt = tmp_path / "rebuilt"
        publish(ledger, school.setup, rebuilt, OCTOBER)
    assert master_values(school.outbox) == master_values(rebuilt)
    leftovers = [p for p in tmp_path.rglob(".*") if TEMPORARY.match(p.name)]
    assert leftovers == [], "temporary files left by a killed run"
