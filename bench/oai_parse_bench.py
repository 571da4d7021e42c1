"""How fast the OAI-PMH reader goes and whether its memory stays flat: streams a
synthetic file of N records (the shared cs page's records repeated) through
read_records and prints records/s and peak RSS growth, for two sizes side by side.

    .venv/bin/python bench/oai_parse_bench.py [--records 20000]
"""

from __future__ import annotations

import argparse
import io
import re
import resource
import time
from collections.abc import Iterator
from pathlib import Path

from paperscope.models import Paper
from paperscope.sources.arxiv_oai import read_records

PAGE = (
    Path(__file__).resolve().parents[2] / "shared/data/arxiv/oai_pmh_listrecords_oai_dc_cs_page.xml"
)


class _Chunks(io.RawIOBase):
    """A read-only stream over generated chunks, so the input never sits in memory."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._buffer = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray) -> int:  # type: ignore[override]
        while not self._buffer:
            self._buffer = next(self._chunks, b"")
            if not self._buffer:
                return 0
        n = min(len(target), len(self._buffer))
        target[:n], self._buffer = self._buffer[:n], self._buffer[n:]
        return n


def _synthetic(count: int) -> Iterator[bytes]:
    text = PAGE.read_bytes()
    head, rest = text.split(b"<ListRecords>", 1)
    records = re.findall(rb"<record>.*?</record>", rest, flags=re.S)
    yield head + b"<ListRecords>\n"
    for i in range(count):
        yield records[i % len(records)]
    yield b"</ListRecords></OAI-PMH>\n"


def _run(count: int) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    papers = sum(
        1 for r in read_records(_Chunks(_synthetic(count)), name="bench") if isinstance(r, Paper)
    )
    elapsed = time.perf_counter() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return papers / elapsed, grown, papers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    print(f"{'records':>9} {'records/s':>10} {'peak RSS growth MiB':>20}")
    for count in (args.records // 10, args.records):
        rate, grown, papers = _run(count)
        print(f"{papers:>9} {rate:>10.0f} {grown:>20.1f}")


if __name__ == "__main__":
    main()
