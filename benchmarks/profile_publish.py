"""Profile one publish after a burst, as often as needed, without ingesting the burst each time.

    python benchmarks/profile_publish.py ingest --scale 4     # once: the burst into a state dir
    python benchmarks/profile_publish.py publish --scale 4 [--profile OUT.prof]

``ingest`` puts every sheet of ``bench_school.py``'s corpus for that scale (generate it with
``./run bench --scale N`` first) into a fresh data directory kept under ``--state``, without
publishing. ``publish`` copies that state and times one publish of the copy (peak RSS too),
under cProfile with ``--profile``. The publish's day is today's: a day report whose day is over
is then printed too, as it would be the morning after the burst.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("ingest", "publish"))
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/wbe-bench-cache"))
    parser.add_argument("--state", type=Path, default=Path("/tmp/wbe-publish-state"))
    parser.add_argument("--profile", type=Path, help="write the cProfile stats here")
    args = parser.parse_args()

    from benchmarks.bench_school import TODAY, Corpus, School, day_for, fresh_school, publish_now
    from workbook_engine.io.setup_reader import check_setup
    from workbook_engine.paths import DataDir
    from workbook_engine.pipeline.runner import Pipeline

    state = args.state / f"x{args.scale}"
    if args.step == "ingest":
        corpus = Corpus.load(args.cache / f"school-x{args.scale}-45s-v1-t1")
        shutil.rmtree(state, ignore_errors=True)
        school = fresh_school(state, corpus)
        setup, _ = check_setup(school.data.setup)
        with Pipeline(school.data, school.inbox, school.outbox, TODAY, setup=setup) as pipeline:
            start, count = time.perf_counter(), 0
            for path in sorted(school.inbox.rglob("*.xlsx")):
                pipeline.today = day_for(path)
                pipeline.process(path)
                count += 1
        print(f"ingested {count} files in {time.perf_counter() - start:.0f} s into {state}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "run"
        shutil.copytree(state, root)
        school = School(DataDir(root / "data"), root / "inbox", root / "outbox")
        setup, _ = check_setup(school.data.setup)
        with Pipeline(school.data, school.inbox, school.outbox, TODAY, setup=setup) as pipeline:
            before = _rss_mb()
            profile = cProfile.Profile() if args.profile else None
            start = time.perf_counter()
            if profile is not None:
                profile.runcall(publish_now, pipeline)
            else:
                publish_now(pipeline)
            print(f"publish {time.perf_counter() - start:.1f} s; RSS {before} MB before, "
                  f"{_rss_mb()} MB at the peak")  # fmt: skip
    if profile is not None:
        profile.dump_stats(args.profile)
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats("workbook_engine", 40)


def _rss_mb() -> int:
    import resource  # POSIX only: a benchmark of this machine

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


if __name__ == "__main__":
    main()
