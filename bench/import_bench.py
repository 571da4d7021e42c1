"""Import a synthetic arXiv snapshot into fresh SQLite stores, one batch size per run,
and print records/s and peak RSS side by side.

Each run is its own process, so peak RSS (resource.getrusage) belongs to that run alone.

    .venv/bin/python bench/import_bench.py --records 100000 --batch-sizes 500,2000,10000
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch-sizes", default="500,2000,10000")
    parser.add_argument("--snapshot", type=Path, help="existing snapshot file to import")
    parser.add_argument("--run-one", nargs=2, metavar=("FILE", "BATCH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        _run_one(Path(args.run_one[0]), int(args.run_one[1]))
        return
    snapshot = args.snapshot or _generated(args.records)
    size_mb = snapshot.stat().st_size / 1e6
    print(f"snapshot {snapshot} ({size_mb:,.0f} MB)")
    # On a shared machine wall time depends on the neighbours; CPU time much less so.
    print(
        f"{'batch':>7} {'records':>10} {'wall s':>8} {'records/s':>10} "
        f"{'CPU s':>7} {'records/CPU s':>14} {'peak RSS MB':>12}"
    )
    for batch in (int(b) for b in args.batch_sizes.split(",")):
        done = subprocess.run(
            [sys.executable, __file__, "--run-one", str(snapshot), str(batch)],
            check=True,
            capture_output=True,
            text=True,
        )
        figures = orjson.loads(done.stdout.strip().splitlines()[-1])
        records = figures["records"]
        print(
            f"{batch:>7} {records:>10,} {figures['seconds']:>8.1f} "
            f"{records / figures['seconds']:>10,.0f} {figures['cpu_seconds']:>7.1f} "
            f"{records / figures['cpu_seconds']:>14,.0f} {figures['peak_rss_mb']:>12,.0f}"
        )


def _generated(records: int) -> Path:
    path = HERE / "out" / f"snapshot-{records}.jsonl"
    if not path.exists():
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate_snapshot.py"),
                "--records",
                str(records),
                "--output",
                str(path),
            ],
            check=True,
        )
    return path


def _run_one(snapshot: Path, batch_size: int) -> None:
    from paperscope.config import Settings
    from paperscope.ingest.pipeline import import_file
    from paperscope.store import Store

    with tempfile.TemporaryDirectory(prefix="import-bench-") as data_dir:
        store = Store.open(Settings(data_dir=Path(data_dir)))
        started, cpu_started = time.perf_counter(), time.process_time()
        result = import_file(store=store, path=snapshot, batch_size=batch_size)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        store.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = result.report
    print(
        orjson.dumps(
            {
                "records": report.new + report.updated + report.unchanged,
                "rejected": len(report.rejected),
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "peak_rss_mb": peak_kb / 1024,
            }
        ).decode()
    )


if __name__ == "__main__":
    main()
