"""Every input of the hostile corpus (issue 11, acceptance) through real ingestion: the sender
gets the exact catalogue problem, nothing in the ledger's accepted state or in master.xlsx
moves, and the file leaves the folder it was dropped into. One slow test drops the whole corpus
at once into ``wbe ingest`` run in a child process under a memory limit and measures its peak."""

from __future__ import annotations

import hashlib
import html
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import OCTOBER, School
from tests.helpers import master_values as every_master_value
from tests.hostile_corpus import ANSWER, CASES, LEDGER, Case
from workbook_engine.errors import CATALOGUE
from workbook_engine.io.master_workbook import LOG_SHEET
from workbook_engine.model import ChangeStatus
from workbook_engine.pipeline.ingest import Status
from workbook_engine.pipeline.ledger import Ledger

if sys.platform != "win32":
    import resource

ROOT = Path(__file__).resolve().parents[1]
PEAK_MB = 300
LIMIT_AS = 1536 * 1024 * 1024  # 1.5 GB of address space: a regression fails, not the machine


def gap(case: Case) -> list[pytest.MarkDecorator]:
    """A known gap (``bug``) is a strict expected failure of the test's assertions."""
    return [pytest.mark.xfail(strict=True, raises=AssertionError, reason=case.bug)] * bool(case.bug)


def params() -> list[object]:
    return [pytest.param(c, id=c.name, marks=gap(c)) for c in CASES]


@dataclass(frozen=True)
class State:
    """What must not move when a hostile file is refused."""

    files: int
    changes: tuple[tuple[int, str], ...]  # (id, effective status)
    scores: dict[str, dict[tuple[object, ...], str]]  # class → accepted values
    master: dict[str, list[tuple[object, ...]]]  # sheet → rows of values
    archive: frozenset[str]


CHAIN = "Mã kiểm tra chuỗi nhật ký"  # the log sheet quotes the chain head: every file row moves it


def master_values(outbox: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every value of the master (master.xlsx and every class's workbook) but the quoted chain
    head (compared with the ledger's)."""
    return {
        name: [tuple(CHAIN if str(v).startswith(CHAIN) else v for v in row) for row in rows]
        for name, rows in every_master_value(outbox).items()
    }


def state(school: School) -> State:
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.verify() is None
        files = len(ledger.files())
        changes = tuple((c.id, str(c.status)) for c in ledger.changes())
        scores = {
            c.code: {(k.subject_code, k.semester, s, col): v
                     for (k, s, col), v in ledger.scores_of_class(c.code).items()}
            for c in school.setup.classes
        }  # fmt: skip
    archive = frozenset(p.name for p in school.data.archive.rglob("*") if p.is_file())
    return State(files, changes, scores, master_values(school.outbox), archive)


@pytest.fixture
def baseline(school: School) -> School:
    """The school with one good sheet received (6A1 TOAN) and master.xlsx published."""
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 6, "E8": 7}))
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    assert (school.outbox / "master.xlsx").exists()
    return school


def left_the_folder(path: Path, school: School) -> bool:
    """Gone from the sender's folder; a file reached through a linked folder leading out of the
    share is where it really is, outside, left alone."""
    if not os.path.lexists(path):
        return True
    real = Path(os.path.realpath(path))
    return not real.is_relative_to(os.path.realpath(school.share.root)) and not path.is_symlink()


def test_the_corpus_has_forty_distinct_cases_with_catalogue_codes() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)
    assert len({c.build for c in CASES}) == len(CASES)
    for c in CASES:
        assert c.code in CATALOGUE, c.name
        assert c.where in (LEDGER, ANSWER), c.name


@pytest.mark.parametrize("case", params())
def test_hostile_input_is_answered_and_changes_nothing(
    baseline: School, tmp_path: Path, case: Case
) -> None:
    school = baseline
    try:
        path = case.build(school, tmp_path / "scratch")
    except AssertionError as exc:  # never taken for the expected failure of a known gap
        raise RuntimeError(f"the case could not be built: {exc!r}") from exc
    before = state(school)

    outcomes = school.ingest(path, today=case.today)

    after = state(school)
    if case.where == LEDGER:
        (outcome,) = outcomes
        codes = [p.code for p in outcome.problems]
        assert case.code in codes, (outcome.status, [str(p) for p in outcome.problems])
        assert outcome.status is Status.REJECTED
        with Ledger.open(school.data.ledger) as ledger:
            record = ledger.files()[-1]
        assert after.files == before.files + 1
        assert record.status == "rejected" and record.sha256 == outcome.sha256
        assert case.code in [p["code"] for p in record.problems]
    else:  # refused unread: answered, nothing recorded, nothing kept
        assert outcomes == []
        assert after.files == before.files and after.archive == before.archive
        kind, arrival = CATALOGUE[case.code], school.share.arrival(path)
        assert arrival is not None and arrival.person is not None, path
        pages = sorted(school.share.returned(arrival.person).glob("*.html"))
        assert pages, "no answer in the sender's Trả lại/"
        page = html.unescape(pages[-1].read_text("utf-8"))
        assert kind.hint in page and "Tệp bị trả lại" in page
    assert after.scores == before.scores, "an accepted score changed"
    assert after.changes[: len(before.changes)] == before.changes, "a change was decided"
    new = {status for _, status in after.changes[len(before.changes) :]}
    assert new <= {ChangeStatus.UNAUTHORISED.value}, new  # flagged at most, never merged
    # the master's score sheets stay as they were; its log sheet counts change rows, which a
    # flagged file adds (recorded for the principal, never merged)
    scores_only = [name for name in before.master if name != LOG_SHEET]
    assert [after.master[n] for n in scores_only] == [before.master[n] for n in scores_only]
    assert after.master.keys() == before.master.keys()
    if not new:
        assert after.master == before.master, "master.xlsx values changed"
    assert left_the_folder(path, school), "the file is still in the folder"


# --- all at once, in a child process under a memory limit -----------------------------------------


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))


# ``wbe`` in a child that writes its own peak (VmHWM, reset by exec) into argv[1]: ru_maxrss
# after fork and exec keeps the forking pytest's peak, which grows with the suite
PEAK_WRAPPER = """
import sys
from pathlib import Path
target, sys.argv = Path(sys.argv[1]), ["wbe", *sys.argv[2:]]
try:
    from workbook_engine.cli import main
    main()
finally:
    status = Path("/proc/self/status")
    if status.exists():
        line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
        target.write_text(line.split()[1])
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="rlimits and wait4 are POSIX")
def test_the_whole_corpus_at_once_stays_under_300_mb(baseline: School, tmp_path: Path) -> None:
    school = baseline
    dropped = [(c, c.build(school, tmp_path / "scratch" / c.name)) for c in CASES]
    judged = {hashlib.sha256(path.read_bytes()).hexdigest(): c for c, path in dropped
              if c.where == LEDGER and not c.bug and c.today == OCTOBER}  # fmt: skip
    assert len(judged) == sum(1 for c in CASES if c.where == LEDGER and not c.bug
                              and c.today == OCTOBER), "two cases share their bytes"  # fmt: skip
    school.inbox.mkdir(parents=True, exist_ok=True)
    peak_file = tmp_path / "peak-kb.txt"
    command = [sys.executable, "-c", PEAK_WRAPPER, str(peak_file), "ingest", str(school.inbox),
               str(school.share.root), "--data-dir", str(school.data.root), "--inbox",
               str(school.inbox), "--outbox", str(school.outbox), "--share",
               str(school.share.root), "--today", OCTOBER.isoformat()]  # fmt: skip
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        child = subprocess.Popen(command, cwd=ROOT, stdout=stdout, stderr=stderr,
                                 preexec_fn=_limit_memory)  # fmt: skip
        # wait4: this child's own peak, not the largest of every child the session waited for
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    text = err.read_text("utf-8", errors="replace")
    if peak_file.exists():  # the child's own VmHWM (Linux)
        peak_mb = int(peak_file.read_text()) / 1024
    else:  # ru_maxrss also holds what the child inherited from this process when forked
        peak_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    print(f"peak RSS of wbe ingest over {len(dropped)} files: {peak_mb:.0f} MB")
    assert "Traceback" not in text, text[-3000:]
    assert child.returncode == 1, (child.returncode, text[-2000:], out.read_text("utf-8"))
    assert peak_mb <= PEAK_MB, f"peak {peak_mb:.0f} MB"
    assert [c.name for c, path in dropped if not left_the_folder(path, school)] == []
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.verify() is None
        records = {f.sha256: f for f in ledger.files()}
    for sha, c in judged.items():
        record = records.get(sha)
        assert record is not None and record.status == "rejected", c.name
        assert c.code in [p["code"] for p in record.problems], (c.name, record.problems)
