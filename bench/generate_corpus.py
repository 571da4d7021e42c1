"""Deterministic synthetic corpus of abstract-like papers, and a query set, for the
search benchmark.

Abstracts recombine real sentences (the SciFact corpus and the arXiv sample in
../shared/data) and sprinkle in Zipf-distributed jargon words ("xantorin-3"), so term
statistics and lengths look like real abstracts while the corpus can grow to millions.
Titles are a sentence prefix; categories, authors and dates are drawn from small
pools. The same seed always gives the same corpus.

    python bench/generate_corpus.py --count 1000 --out corpus.jsonl   # write JSONL
    from generate_corpus import generate_papers, generate_queries     # or stream
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from paperscope.models import Paper

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CATEGORIES = (
    "cs.LG",
    "cs.CL",
    "cs.CV",
    "cs.AI",
    "stat.ML",
    "q-bio.NC",
    "physics.med-ph",
    "math.OC",
)
JARGON_SIZE = 50_000
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@functools.cache
def sentences() -> tuple[str, ...]:
    pool: list[str] = []
    with (DATA / "beir" / "scifact" / "corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            pool.extend(_SENTENCE.split(json.loads(line)["text"]))
    with (DATA / "arxiv" / "kaggle_snapshot_head200.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            pool.extend(_SENTENCE.split(" ".join(json.loads(line)["abstract"].split())))
    return tuple(s for s in pool if 30 <= len(s) <= 400)


@functools.cache
def jargon() -> tuple[str, ...]:
    rng = random.Random(7)
    syllables = ("xan", "tor", "ine", "mel", "opa", "rix", "sul", "ven", "dra", "quo", "lim", "zet")
    words = set()
    while len(words) < JARGON_SIZE:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        words.add(word + (f"-{rng.randint(1, 9)}" if rng.random() < 0.1 else ""))
    return tuple(sorted(words))


def _zipf_index(rng: random.Random, size: int) -> int:
    # Inverse-CDF sample of a Zipf(1.1)-like rank distribution, cheap and deterministic.
    return min(size - 1, int(size ** rng.random()) - 1)


def _abstract(rng: random.Random) -> str:
    pool, words = sentences(), jargon()
    chosen = [pool[rng.randrange(len(pool))] for _ in range(rng.randint(4, 9))]
    text = " ".join(chosen)
    tokens = text.split(" ")
    for _ in range(rng.randint(2, 8)):
        tokens.insert(rng.randrange(len(tokens) + 1), words[_zipf_index(rng, len(words))])
    return " ".join(tokens)


def paper_id(number: int) -> str:
    """The id of the ``number``-th generated paper."""
    return f"syn-{number:07d}"


def generate_papers(count: int, *, seed: int = 1) -> Iterator[Paper]:
    rng = random.Random(seed)
    start = datetime(2007, 1, 1, tzinfo=UTC)
    for number in range(count):
        abstract = _abstract(rng)
        title = " ".join(abstract.split(" ")[: rng.randint(6, 14)]).rstrip(".,;")
        primary = CATEGORIES[_zipf_index(rng, len(CATEGORIES))]
        yield Paper(
            paper_id=paper_id(number),
            title=title,
            abstract=abstract,
            authors=tuple(
                f"Author{rng.randrange(50_000)} Surname" for _ in range(rng.randint(1, 6))
            ),
            categories=(primary, CATEGORIES[rng.randrange(len(CATEGORIES))]),
            primary_category=primary,
            submitted_at=start + timedelta(days=rng.randrange(6_800)),
            source="arxiv-snapshot",
        )


def generate_queries(count: int = 200, *, seed: int = 2) -> list[str]:
    """Short keyword queries (2-4 words, mid-frequency vocabulary and jargon) mixed
    with real SciFact claims, the two shapes users type."""
    rng = random.Random(seed)
    vocabulary = sorted(
        {w.lower().strip(".,;()") for s in sentences()[:5_000] for w in s.split() if len(w) > 4}
    )
    claims = [
        json.loads(line)["text"]
        for line in (DATA / "beir" / "scifact" / "queries.train.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    ]
    queries = []
    for number in range(count):
        if number % 4 == 3:
            queries.append(claims[rng.randrange(len(claims))])
            continue
        words = [vocabulary[rng.randrange(len(vocabulary))] for _ in range(rng.randint(2, 4))]
        if rng.random() < 0.3:
            words[0] = jargon()[_zipf_index(rng, 5_000)]
        queries.append(" ".join(words))
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with args.out.open("w", encoding="utf-8") as handle:
        for paper in generate_papers(args.count, seed=args.seed):
            row = {"id": paper.paper_id, "title": paper.title, "abstract": paper.abstract}
            handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
