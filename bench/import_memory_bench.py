"""Peak memory of `paperscope import` on hostile files, before and after the limits,
side by side: one huge line (plain and gzip) and many rejected lines.

"before" imports with no line limit and every rejection listed (what the importer
did without them); "after" uses the defaults (16 MiB lines, 1,000 listed rejections).
Each run is its own process, so its peak RSS (resource.getrusage) is its own.
Sizes are kept modest so the whole run takes about a minute: a 200 MB line and
500,000 bad lines (the effects grow linearly: a 2 GiB line or 2 million bad lines
cost ten and four times as much before, the same after).

    .venv/bin/python bench/import_memory_bench.py --line-mb 200 --bad-lines 500000
"""

from __future__ import annotations

import argparse
import gzip
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

GOOD = (
    b'{"id": "2401.%05d", "submitter": "A", "authors": "A. Author", "title": "Title %d", '
    b'"comments": null, "journal-ref": null, "doi": null, "report-no": null, '
    b'"categories": "cs.LG", "license": null, "abstract": "An abstract.", '
    b'"versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 00:00:00 GMT"}], '
    b'"update_date": "2024-01-02", "authors_parsed": [["Author", "A.", ""]]}\n'
)


def _good(n: int) -> bytes:
    return GOOD % (n, n)


def write_huge_line(path: Path, megabytes: int, *, compressed: bool) -> None:
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1) as gz:
        out = gz if compressed else raw
        out.write(_good(1))
        out.write(b'{"id": "2401.99999", "abstract": "')
        block = b"x" * (1024 * 1024)
        for _ in range(megabytes):
            out.write(block)
        out.write(b'"}\n')
        out.write(_good(2))


def write_bad_lines(path: Path, count: int) -> None:
    with path.open("wb") as out:
        out.write(_good(1))
        for n in range(count):
            out.write(b'{"id": "bad %d", not json}\n' % n)
        out.write(_good(2))


def run_one(path: Path, variant: str) -> None:
    """Child process: import ``path`` into a fresh store, print peak RSS in MB."""
    from paperscope.config import Settings
    from paperscope.ingest.pipeline import import_file
    from paperscope.store import Store

    with tempfile.TemporaryDirectory() as data:
        store = Store.open(Settings(data_dir=Path(data), dev_mode=True))
        limits = {"max_line_bytes": None, "rejections_kept": None} if variant == "before" else {}
        result = import_file(store=store, path=path, format_name="arxiv-snapshot", **limits)
        store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = result.report
    print(f"{peak_mb:.0f} {report.new} {report.rejected_count} {len(report.rejected)}")


def measure(path: Path, variant: str) -> str:
    out = subprocess.run(
        [sys.executable, __file__, "--run-one", str(path), variant],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    peak, new, rejected, listed = out
    return f"{peak:>6} MB  ({new} new, {rejected} rejected, {listed} listed)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--line-mb", type=int, default=200, help="size of the huge line")
    parser.add_argument("--bad-lines", type=int, default=500_000)
    parser.add_argument("--run-one", nargs=2, metavar=("FILE", "VARIANT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        run_one(Path(args.run_one[0]), args.run_one[1])
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = [
            (f"one {args.line_mb} MB line", folder / "huge.jsonl", False),
            (f"one {args.line_mb} MB line, gzip", folder / "huge.jsonl.gz", True),
        ]
        for _, path, compressed in cases:
            write_huge_line(path, args.line_mb, compressed=compressed)
        bad = folder / "bad.jsonl"
        write_bad_lines(bad, args.bad_lines)
        rows = [(label, path) for label, path, _ in cases]
        rows.append((f"{args.bad_lines} bad lines", bad))
        print(f"{'case':<28} {'before (no limits)':<44} after (defaults)")
        for label, path in rows:
            print(f"{label:<28} {measure(path, 'before'):<44} {measure(path, 'after')}")


if __name__ == "__main__":
    main()
