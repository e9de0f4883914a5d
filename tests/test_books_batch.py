"""Many books at once (render/books/batch.py, ``wbe books all``): spread over worker processes,
the same files as printed one by one, a file held open costs only its own book."""

from __future__ import annotations

from pathlib import Path

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
    print_books,
    school_jobs,
)

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
