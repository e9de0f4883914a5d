"""Many books at once (render/books/batch.py, ``wbe books all``): spread over worker processes,
the same files as printed one by one, a file held open costs only its own book."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pypdf
import pytest
from typer.testing import CliRunner

from workbook_engine.cli import app
from workbook_engine.demo.run import RESULTS_DAY, DemoResult
from workbook_engine.io import atomic
from workbook_engine.io.atomic import FileLockedError
from workbook_engine.paths import DataDir
from workbook_engine.render.books.batch import (
    ATTENDANCE,
    CLASS,
    HOCBA,
    TEACHER,
    BookJob,
    Printed,
    joined,
    print_books,
    school_jobs,
    shared,
)
from workbook_engine.render.books.hocba import Share, share_of
from workbook_engine.render.pdf_chunks import join_pdfs

DemoYear = tuple[DataDir, Path, DemoResult]  # the session's ``demo_year`` (tests/conftest.py)
runner = CliRunner()
LAST_MONTH = ((2026, 5),)


def relative(paths: list[Path], root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in paths)


def test_the_school_jobs_cover_every_class_and_every_teacher_with_classes(
    demo_year: DemoYear,
) -> None:
    setup = demo_year[2].setup
    rooms = [room.code for room in setup.classes]
    busy = [t.code for t in setup.teachers if setup.assignments_of(t.code)]
    year = school_jobs(setup, None)
    kinds = [job.kind for job in year]
    assert kinds == [HOCBA] * len(rooms) + [TEACHER] * len(busy) + [ATTENDANCE] * len(rooms) + [
        CLASS
    ] * len(rooms)
    assert [job.code for job in year if job.kind == TEACHER] == busy
    assert all(job.semester is None for job in year if job.kind in (CLASS, TEACHER))
    # semester 2: no học bạ, no class book (printed for semester 1 and the year only)
    second = school_jobs(setup, 2)
    assert {job.kind for job in second} == {TEACHER, ATTENDANCE}
    assert all(job.semester == 2 for job in second if job.kind == TEACHER)
    # chosen classes: their books only, no teacher's book (it spans classes)
    some = school_jobs(setup, 1, [rooms[1]])
    assert [(job.kind, job.code) for job in some] == [(ATTENDANCE, rooms[1]), (CLASS, rooms[1])]


@pytest.mark.slow
def test_workers_print_what_one_process_prints(demo_year: DemoYear, tmp_path: Path) -> None:
    data, _, demo = demo_year
    room = demo.setup.classes[0].code
    jobs = [
        BookJob(CLASS, room, 1),
        BookJob(ATTENDANCE, room, months=LAST_MONTH),
        BookJob(HOCBA, room, students=(demo.setup.students_of(room)[0].code,)),
    ]
    seen: list[tuple[int, int]] = []
    alone = print_books(data.ledger, demo.setup, tmp_path / "one", RESULTS_DAY, jobs, workers=1)
    pooled = print_books(
        data.ledger, demo.setup, tmp_path / "two", RESULTS_DAY, jobs,
        lambda done, total: seen.append((done, total)), workers=2,
    )  # fmt: skip
    assert alone.held == pooled.held == []
    assert relative(alone.written, tmp_path / "one") == relative(pooled.written, tmp_path / "two")
    names = relative(pooled.written, tmp_path / "two")
    assert any(name.startswith("books/so-theo-doi/HK1/") for name in names)
    assert any(name.startswith("books/diem-danh/2026-05/") for name in names)
    assert any(name.startswith("books/hoc-ba/") for name in names)
    assert all(path.stat().st_size > 0 for path in pooled.written)
    assert seen[0] == (0, 3) and seen[-1] == (3, 3) and len(seen) == 4


@pytest.mark.slow
def test_a_book_held_open_costs_only_its_own_job(
    demo_year: DemoYear, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, _, demo = demo_year
    first, second = (room.code for room in demo.setup.classes[:2])
    real = atomic.replace_with_retry

    def held_for_first(source: Path, target: Path) -> None:
        if target.suffix == ".pdf" and target.stem == first:
            raise FileLockedError(f"Không ghi được {target}: tệp đang được mở")
        real(source, target)

    monkeypatch.setattr(atomic, "replace_with_retry", held_for_first)
    jobs = [BookJob(CLASS, first, 1), BookJob(CLASS, second, 1)]
    printed = print_books(data.ledger, demo.setup, tmp_path, RESULTS_DAY, jobs, workers=1)
    assert len(printed.held) == 1 and f"{first}.pdf" in printed.held[0]
    assert [p.stem for p in printed.written if p.suffix == ".pdf"] == [second]
    assert not (tmp_path / "books" / "so-theo-doi" / "HK1" / f"{first}.pdf").exists()


@pytest.mark.slow
def test_wbe_books_all_prints_every_book_of_the_classes_chosen(
    demo_year: DemoYear, tmp_path: Path
) -> None:
    data, _, demo = demo_year
    room = demo.setup.classes[-1].code
    outbox = tmp_path / "outbox"
    args = ["books", "all", "--year", "--class", room, "--data-dir", str(data.root),
            "--outbox", str(outbox), "--today", RESULTS_DAY.isoformat()]  # fmt: skip
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    pdfs = relative(list(outbox.rglob("*.pdf")), outbox)
    students = demo.setup.students_of(room)
    assert f"books/so-theo-doi/CN/{room}.pdf" in pdfs
    assert f"books/hoc-ba/{room}.pdf" in pdfs
    assert sum(name.startswith(f"books/hoc-ba/{room}/") for name in pdfs) == len(students)
    months = {name.split("/")[2] for name in pdfs if name.startswith("books/diem-danh/")}
    assert len(months) == 9 and "2025-09" in months and "2026-05" in months  # Sept…May
    assert not any(name.startswith("books/so-diem-ca-nhan/") for name in pdfs)
    written = len(list(outbox.rglob("*.*")))
    assert f"Đã ghi {written} tệp sổ" in done.stdout
    neither = runner.invoke(app, [a for a in args if a != "--year"])
    assert neither.exit_code == 1 and "cần chọn đúng một kì" in neither.output


@pytest.mark.parametrize(
    ("total", "count", "sizes"),
    [
        (45, 2, [22, 23]),
        (45, 4, [11, 11, 11, 12]),
        (3, 2, [1, 2]),
        (1, 2, [0, 1]),
        (0, 3, [0, 0, 0]),
    ],
)
def test_the_shares_of_a_class_take_each_student_once_in_roster_order(
    total: int, count: int, sizes: list[int]
) -> None:
    roster = list(range(total))
    shares = [roster[share_of(total, index, count)] for index in range(count)]
    assert [len(share) for share in shares] == sizes
    assert [student for share in shares for student in share] == roster


def test_a_class_hocba_is_shared_only_when_cores_would_wait(demo_year: DemoYear) -> None:
    setup = demo_year[2].setup
    first, second = (room.code for room in setup.classes[:2])
    whole = BookJob(HOCBA, first)
    assert shared([whole], setup, 2) == [BookJob(HOCBA, first, share=(0, 2)),
                                         BookJob(HOCBA, first, share=(1, 2))]  # fmt: skip
    assert shared([whole], setup, 1) == [whole]  # one core: nothing to share
    assert shared([whole, BookJob(HOCBA, second)], setup, 2) == [whole, BookJob(HOCBA, second)]
    named = BookJob(HOCBA, first, students=(setup.students_of(first)[0].code,))
    other = BookJob(CLASS, first, 1)
    assert shared([named, other], setup, 4) == [named, other]  # not a whole class, not a học bạ


@pytest.mark.slow
def test_a_class_hocba_printed_in_shares_equals_the_one_printed_whole(
    demo_year: DemoYear, tmp_path: Path
) -> None:
    data, _, demo = demo_year
    room = demo.setup.classes[0].code
    roster = demo.setup.students_of(room)
    jobs = [BookJob(HOCBA, room)]
    seen: list[tuple[int, int]] = []
    whole = print_books(data.ledger, demo.setup, tmp_path / "one", RESULTS_DAY, jobs, workers=1)
    split = print_books(
        data.ledger, demo.setup, tmp_path / "two", RESULTS_DAY, jobs,
        lambda done, total: seen.append((done, total)), workers=2,
    )  # fmt: skip
    assert seen[-1] == (2, 2)  # two shares, one per core
    assert whole.held == split.held == [] and split.shares == []
    assert relative(whole.written, tmp_path / "one") == relative(split.written, tmp_path / "two")
    assert len(split.written) == len(roster) + 2  # each student, the class's PDF and workbook
    one, two = (tmp_path / name / "books" / "hoc-ba" for name in ("one", "two"))
    assert not [p for p in two.rglob(".*")]  # no share's temporary left behind
    a, b = pypdf.PdfReader(one / f"{room}.pdf"), pypdf.PdfReader(two / f"{room}.pdf")
    assert len(a.pages) == len(b.pages) and len(b.outline) == len(roster)
    assert [p.extract_text() for p in a.pages] == [p.extract_text() for p in b.pages]
    assert (
        a.metadata is not None and b.metadata is not None and a.metadata.title == b.metadata.title
    )
    sheets = [
        openpyxl.load_workbook(f / f"{room}.xlsx", read_only=True).sheetnames for f in (one, two)
    ]
    assert sheets[0] == sheets[1] and len(sheets[0]) >= len(roster)


def test_a_class_missing_a_share_is_not_joined_and_its_temporaries_go(
    demo_year: DemoYear, tmp_path: Path
) -> None:
    setup = demo_year[2].setup
    room = setup.classes[0].code
    page = tmp_path / "page.pdf"
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    with page.open("wb") as out:
        writer.write(out)
    parts = []
    for index in range(2):
        part = tmp_path / f".{room}.{index:012x}.pdf"
        join_pdfs([page], part, "phần")
        parts.append(part)
    printed = Printed(shares=[Share(room, 0, 3, (), parts[0]), Share(room, 1, 3, (), parts[1])])
    waiting = joined(printed, setup, tmp_path / "outbox")
    assert waiting.shares == printed.shares and all(p.exists() for p in parts)  # one still out
    done = joined(waiting, setup, tmp_path / "outbox", final=True)
    assert done.shares == [] and done.written == []
    assert not any(p.exists() for p in parts) and not (tmp_path / "outbox").exists()
