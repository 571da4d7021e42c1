"""Write a synthetic arXiv snapshot in the Kaggle JSON-lines format, for import benchmarks.

Deterministic: the same --records and --seed give the same bytes. Records look like the
real ones in size and shape (hard-wrapped ~150-word abstracts, 1-3 categories, 1-4
versions, authors and authors_parsed, optional comments/journal-ref/doi/license).

    .venv/bin/python bench/generate_snapshot.py --records 100000 --output bench/out/snap-100k.jsonl
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import orjson

CATEGORIES = [
    "cs.LG",
    "cs.CL",
    "cs.CV",
    "cs.AI",
    "stat.ML",
    "math.OC",
    "math.PR",
    "math.CO",
    "hep-th",
    "hep-ph",
    "quant-ph",
    "astro-ph.GA",
    "astro-ph.CO",
    "cond-mat.mes-hall",
    "cond-mat.str-el",
    "physics.optics",
    "q-bio.NC",
    "eess.SP",
    "econ.EM",
    "gr-qc",
    "nucl-th",
]
FIRST = [
    "Ana",
    "Wei",
    "Olga",
    "Jean-Pierre",
    "Priya",
    "Tomás",
    "Yuki",
    "Lars",
    "Fatima",
    "Hiroshi",
    "Chen",
    "Maria",
    "Ivan",
]
LAST = [
    "Nguyen",
    "Müller",
    "Smith",
    "Rossi",
    "Tanaka",
    "Kowalski",
    "García",
    "Haddad",
    "Ivanova",
    "Okafor",
    "Li",
    "Brown",
]
STEMS = [
    "model",
    "learn",
    "graph",
    "neural",
    "quantum",
    "field",
    "network",
    "optim",
    "gradient",
    "sparse",
    "tensor",
    "kernel",
    "bayes",
    "spectr",
    "manifold",
    "entropy",
    "lattice",
    "gauge",
    "photon",
    "transform",
    "attention",
    "diffus",
    "stochast",
    "convex",
    "robust",
    "adapt",
    "causal",
    "symmetr",
    "topolog",
    "flow",
    "boson",
    "fermion",
]
SUFFIXES = ("", "s", "ing", "ic", "ation", "ity", "al", "ed")
GLUE = [
    "the",
    "of",
    "and",
    "in",
    "to",
    "a",
    "we",
    "for",
    "with",
    "on",
    "by",
    "is",
    "that",
    "this",
    "are",
    "as",
    "from",
    "which",
]
LICENSES = (
    None,
    None,
    "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
    "http://creativecommons.org/licenses/by/4.0/",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=Path("bench/out/snapshot.jsonl"))
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    opener: Any = gzip.open if args.output.suffix == ".gz" else open
    with opener(args.output, "wb") as out:
        write_snapshot(out, records=args.records, seed=args.seed)
    seconds = time.perf_counter() - started
    size = args.output.stat().st_size
    print(
        f"wrote {args.records:,} records, {size / 1e6:,.1f} MB, to {args.output} in {seconds:.1f} s"
    )


def write_snapshot(out: IO[bytes], *, records: int, seed: int) -> None:
    rng = random.Random(seed)
    words = [stem + suffix for stem in STEMS for suffix in SUFFIXES]
    # Zipf-like: a few words everywhere, most rare, as in real abstracts.
    cum_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))
    start = datetime(2015, 1, 1, tzinfo=UTC)
    for n in range(records):
        submitted = start + timedelta(minutes=n * 2 + rng.randrange(2))
        month_key = submitted.strftime("%y%m")
        record = _record(rng, words, cum_weights, f"{month_key}.{n % 100000:05d}", submitted)
        out.write(orjson.dumps(record) + b"\n")
        if n and n % 200_000 == 0:
            print(f"  {n:,} records", file=sys.stderr)


def _record(
    rng: random.Random,
    words: list[str],
    cum_weights: list[float],
    arxiv_id: str,
    submitted: datetime,
) -> dict[str, Any]:
    authors = [(rng.choice(LAST), rng.choice(FIRST)) for _ in range(rng.randint(1, 8))]
    cats = rng.sample(CATEGORIES, rng.randint(1, 3))
    title = " ".join(rng.choices(words, cum_weights=cum_weights, k=rng.randint(5, 14)))
    abstract = _abstract(rng, words, cum_weights)
    versions, when = [], submitted
    for v in range(1, rng.choices((1, 2, 3, 4), (55, 30, 10, 5))[0] + 1):
        versions.append(
            {"version": f"v{v}", "created": when.strftime("%a, %-d %b %Y %H:%M:%S GMT")}
        )
        when += timedelta(days=rng.randint(5, 200))
    return {
        "id": arxiv_id,
        "submitter": f"{authors[0][1]} {authors[0][0]}",
        "authors": ", ".join(f"{first} {last}" for last, first in authors),
        "title": _wrap(title.capitalize()).replace("\n", "\n  "),
        "comments": f"{rng.randint(4, 40)} pages, {rng.randint(1, 12)} figures"
        if rng.random() < 0.6
        else None,
        "journal-ref": f"Phys. Rev. D {rng.randint(60, 110)}, {rng.randint(1, 99999):05d}"
        if rng.random() < 0.2
        else None,
        "doi": f"10.1103/PhysRevD.{rng.randint(60, 110)}.{rng.randint(1, 99999):05d}"
        if rng.random() < 0.25
        else None,
        "report-no": None,
        "categories": " ".join(cats),
        "license": rng.choice(LICENSES),
        "abstract": "  " + _wrap(abstract) + "\n",
        "versions": versions,
        "update_date": when.date().isoformat(),
        "authors_parsed": [[last, first, ""] for last, first in authors],
    }


def _abstract(rng: random.Random, words: list[str], cum_weights: list[float]) -> str:
    sentences = []
    for _ in range(rng.randint(4, 9)):
        length = rng.randint(10, 24)
        jargon = rng.choices(words, cum_weights=cum_weights, k=length)
        body = [rng.choice(GLUE) if rng.random() < 0.4 else word for word in jargon]
        sentences.append(" ".join(body).capitalize() + ".")
    return " ".join(sentences)


def _wrap(text: str, width: int = 80) -> str:
    """Hard-wrap like the real snapshot (textwrap is ten times slower)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


if __name__ == "__main__":
    main()
