"""Time a bibliography import: a 2,000-entry Zotero-style BibTeX file into a reader's
library, against a store of synthetic arXiv papers.

The file mixes what Zotero exports look like: Better BibTeX ``@misc`` with eprint and
archivePrefix, plain-exporter ``@misc`` with arXiv URL and ``arXiv:`` note, ``@article``
with a DOI, Google Scholar's "arXiv preprint" journal, title-only entries (some with a
changed word, so they go through the fuzzy title match), books that are not in the
store, and one malformed entry. Prints the time of each stage and the total, for a
first import and a re-import (all matched, nothing new).

    PYTHONPATH=src .venv/bin/python bench/reference_import_bench.py \\
        [--entries 2000] [--papers 50000]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.references import import_references
from paperscope.references.matching import match_references
from paperscope.references.reading import read_references
from paperscope.store import Store
from paperscope.store.accounts import ensure_user
from paperscope.store.papers import upsert_papers

SAMPLE = Path(__file__).resolve().parents[1] / "sample" / "arxiv-snapshot-head200.jsonl"


def vocabulary() -> list[str]:
    """Words of the sample abstracts, with their natural frequencies, so synthetic
    titles share common words and differ in rare ones like real titles do."""
    words = []
    for line in SAMPLE.open():
        words += [w.lower() for w in json.loads(line)["abstract"].split() if w.isalpha()]
    return words


WORDS = vocabulary()


GIVEN = ["Ana", "Ben", "Chen", "Dara", "Emil", "Fatima", "Goran", "Hiro", "Ines", "Jonas"]


def make_authors(rng: random.Random, count: int = 6000) -> list[str]:
    """A pool of names, so each author has a few dozen papers as on arXiv."""
    families = sorted({w.capitalize() + rng.choice(("son", "ova", "i", "er", "ez")) for w in WORDS})
    return [f"{rng.choice(GIVEN)} {rng.choice(families)}" for _ in range(count)]


def make_papers(n: int, rng: random.Random) -> list[Paper]:
    start = datetime(2023, 1, 2, tzinfo=UTC)
    pool = make_authors(rng)
    papers = []
    for i in range(n):
        day = start + timedelta(days=i * 700 // n)
        arxiv_id = f"{day:%y%m}.{10000 + i:05d}"
        papers.append(
            Paper(
                paper_id=arxiv_id,
                arxiv_id=arxiv_id,
                title=" ".join(rng.choices(WORDS, k=rng.randint(6, 11))).capitalize(),
                abstract=" ".join(rng.choices(WORDS, k=150)),
                authors=tuple(rng.sample(pool, rng.randint(1, 6))),
                categories=("cs.LG",),
                primary_category="cs.LG",
                submitted_at=day,
                doi=f"10.1234/journal.{i}" if i % 3 == 0 else None,
                source="arxiv-api",
            )
        )
    return papers


# What share of a Zotero library each kind of entry makes up.
KINDS = {
    "better-bibtex eprint": 20,
    "zotero url + note": 20,
    "doi": 15,
    "scholar journal": 10,
    "title only": 20,
    "book, not in store": 15,
}


def _bibtex_name(name: str) -> str:
    given, family = name.rsplit(" ", 1)
    return f"{family}, {given}"


def _entry(i: int, p: Paper, kind: str, rng: random.Random) -> str:
    year = p.submitted_at.year if p.submitted_at else 2024
    authors = " and ".join(_bibtex_name(a) for a in p.authors)
    fields = [f"title = {{{p.title}}}", f"author = {{{authors}}}", f"year = {{{year}}}"]
    entry_type = "misc"
    if kind == "better-bibtex eprint":
        fields += [f"eprint = {{{p.arxiv_id}}}", "archiveprefix = {arXiv}"]
    elif kind == "zotero url + note":
        fields += [
            f"url = {{http://arxiv.org/abs/{p.arxiv_id}}}",
            f"note = {{arXiv:{p.arxiv_id} [cs]}}",
        ]
    elif kind == "doi" and p.doi:
        entry_type = "article"
        fields += ["journal = {Journal of Things}", f"doi = {{{p.doi}}}"]
    elif kind == "scholar journal":
        entry_type = "article"
        fields.append(f"journal = {{arXiv preprint arXiv:{p.arxiv_id}}}")
    elif kind in ("title only", "doi"):
        entry_type = "inproceedings"
        if rng.random() < 0.5:  # a word changed: only the fuzzy match finds it
            words = p.title.split()
            words[-1] += "s"
            fields[0] = f"title = {{{' '.join(words)}}}"
        fields.append("booktitle = {Proceedings of the Conference}")
    else:
        entry_type = "book"
        fields = [
            f"title = {{On {rng.choice(WORDS)} and {rng.choice(WORDS)}, volume {i}}}",
            'author = {Knuth, Donald E. and M{\\"u}ller, Bernd}',
            "year = {2001}",
            "publisher = {Springer}",
        ]
    fields += [
        "keywords = {Computer Science - Machine Learning, to-read}",
        "file = {/Users/ana/Zotero/storage/ABCD1234/paper.pdf}",
    ]
    body = ",\n".join(f"  {f}" for f in fields)
    return f"@{entry_type}{{entry{i},\n{body}\n}}\n"


def make_bibtex(papers: list[Paper], n: int, rng: random.Random) -> bytes:
    chosen = rng.sample(papers, n)
    kinds = rng.choices(list(KINDS), weights=list(KINDS.values()), k=n)
    entries = [
        _entry(i, p, kind, rng) for i, (p, kind) in enumerate(zip(chosen, kinds, strict=True))
    ]
    entries[n // 2] = "@article{broken,\n  title = {Never closed,\n  year = {2020},\n"
    return ("% Exported by Zotero\n\n" + "\n".join(entries)).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--papers", type=int, default=50_000)
    args = parser.parse_args()
    rng = random.Random(12)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), dev_mode=True)
        store = Store.open(settings)
        papers = make_papers(args.papers, rng)
        upsert_papers(store=store, papers_in=papers)
        user = ensure_user(store=store, username="bench", now=datetime.now(UTC)).user_id
        data = make_bibtex(papers, args.entries, rng)
        print(
            f"store: {args.papers:,} papers; file: {args.entries:,} entries, "
            f"{len(data) / 1e6:.1f} MB"
        )

        t0 = time.perf_counter()
        read = read_references(data, filename="library.bib")
        t1 = time.perf_counter()
        matches = match_references(store=store, references=read.references)
        t2 = time.perf_counter()
        methods: dict[str, int] = {}
        for m in matches:
            methods[m.method or "unmatched"] = methods.get(m.method or "unmatched", 0) + 1
        print(f"parse {t1 - t0:.2f} s, match {t2 - t1:.2f} s  ({methods})")

        for label in ("first import", "re-import"):
            started, cpu = time.perf_counter(), time.process_time()
            report = import_references(
                store=store,
                settings=settings,
                user_id=user,
                data=data,
                filename="library.bib",
                now=datetime.now(UTC),
            )
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(
                f"{label}: {took:.2f} s ({cpu:.2f} s CPU) for {len(report.entries):,} entries "
                f"({report.saved} matched, {report.added} added, {report.count('unmatched')} "
                f"unmatched, {report.count('rejected')} malformed)"
            )
        store.close()


if __name__ == "__main__":
    main()
