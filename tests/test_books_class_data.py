"""A class's results computed once for all the books of a process (render/books/class_data.py),
and computed again as soon as the ledger changes: every book prints what the ledger holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from workbook_engine.demo.run import RESULTS_DAY, DemoResult
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.result_approval import class_results
from workbook_engine.render.books.class_data import book_results, book_values

DemoYear = tuple[DataDir, Path, DemoResult]


def test_results_kept_while_the_ledger_is_unchanged(demo_year: DemoYear, tmp_path: Path) -> None:
    data, _, demo = demo_year
    setup = demo.setup
    code = setup.secondary_classes[0].code
    copy = tmp_path / "ledger.sqlite"
    Ledger.copy_file(data.ledger, copy)
    with Ledger.open_readonly(copy) as ledger:
        kept = book_results(setup, ledger, code, RESULTS_DAY)
        assert kept == class_results(setup, ledger, code, RESULTS_DAY)
        assert book_results(setup, ledger, code, RESULTS_DAY) is kept  # not computed again
        values = book_values(setup, ledger, code)
        assert book_values(setup, ledger, code) is values
        # another process (the watcher) appends to the ledger: the books read it again
        writer = sqlite3.connect(copy, isolation_level=None)
        writer.execute(
            "INSERT INTO events (at, kind, ref, payload, prev_hash, hash)"
            " SELECT at, 'test', ref, payload, hash, 'next' FROM events ORDER BY id DESC LIMIT 1"
        )
        writer.close()
        again = book_results(setup, ledger, code, RESULTS_DAY)
        assert again is not kept
        assert again == kept
