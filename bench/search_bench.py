"""Search benchmark: index build, incremental add, query latency, throughput, similar
papers, memory and disk, side by side for several corpus sizes.

    python bench/search_bench.py --sizes 100000 1000000 --work /tmp/psbench
    python bench/search_bench.py --sizes 2500000 --reuse --common-word-shares 1.0 0.2
    python bench/search_bench.py --sizes 2500000 --reuse --dense-storages float16 float8
    python bench/search_bench.py --sizes 2500000 --reuse --common-part-shares 1.0 0.2

``--common-word-shares`` serves each size once per share of search/common_words.py
(1.0: every word on the lexical side), one after the other, side by side;
``--common-part-shares`` likewise for the parts of words ("4" of "GPT-4") that
index/lexical_compile.py leaves out (1.0: every part a term);
``--sequential-too`` serves each also with the lexical and semantic sides run one after
the other instead of side by side (SearchEngine.parallel_retrievers);
``--dense-storages`` builds and serves one dense index per storage type of its HNSW
graph (index/dense.py), beside one lexical index.

Corpus: bench/generate_corpus.py (synthetic abstracts from real sentences). The
lexical index is real. Embedding a million abstracts on a laptop CPU takes hours, so
the corpus vectors are synthetic (clustered random unit vectors, 384-d, the shape of
MiniLM embeddings); queries are embedded with the real model, so dense and hybrid
latencies include real query embedding. Serving figures come from a fresh child
process that only opens the indexes and searches, so its peak RSS is what a server
would use. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate_corpus
from generate_corpus import generate_papers, generate_queries

from paperscope.config import Settings
from paperscope.index.dense import DEFAULT_STORAGE, GRAPH_STORAGE, DenseIndex
from paperscope.index.lexical import LexicalIndex

DIM = 384
MODEL = "all-MiniLM-L6-v2"
BATCH = 50_000
INCREMENT = 10_000


def synthetic_vectors(start: int, count: int, *, clusters: int = 1_000) -> np.ndarray:
    """Clustered unit vectors, deterministic per row range."""
    rng = np.random.default_rng(start)
    centres = np.random.default_rng(0).standard_normal((clusters, DIM)).astype(np.float32)
    rows = centres[rng.integers(0, clusters, count)] + 0.6 * rng.standard_normal(
        (count, DIM)
    ).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def build_lexical(size: int, folder: Path) -> dict[str, float]:
    lexical = LexicalIndex.open(folder / "index" / "lexical")
    generate_s = lexical_s = 0.0
    papers = generate_papers(size + INCREMENT)
    for start in range(0, size, BATCH):
        tick = time.perf_counter()
        batch = [next(papers) for _ in range(min(BATCH, size - start))]
        generate_s += time.perf_counter() - tick
        tick = time.perf_counter()
        lexical.upsert(batch)
        lexical.commit(high_water_mark=start + len(batch))
        lexical_s += time.perf_counter() - tick
    extra = [next(papers) for _ in range(INCREMENT)]
    tick = time.perf_counter()
    lexical.upsert(extra)
    lexical.commit(high_water_mark=size + INCREMENT)
    figures = {"generate_s": generate_s, "lexical_build_s": lexical_s}
    figures["lexical_add_10k_s"] = time.perf_counter() - tick
    lexical.close()
    figures["lexical_disk_mb"] = _disk_mb(folder / "index" / "lexical")
    return figures


def build_dense(size: int, directory: Path, storage: str) -> dict[str, float]:
    """The dense index of the same papers (ids of generate_corpus), as ``storage``."""
    dense = DenseIndex.open(directory, model_name=MODEL, dim=DIM, storage=storage)
    tick = time.perf_counter()
    for start in range(0, size, BATCH):
        count = min(BATCH, size - start)
        dense.add(
            [generate_corpus.paper_id(n) for n in range(start, start + count)],
            synthetic_vectors(start, count),
        )
    dense.high_water_mark = size
    dense.save()
    figures = {"dense_build_s": time.perf_counter() - tick}
    tick = time.perf_counter()
    dense.add(
        [generate_corpus.paper_id(n) for n in range(size, size + INCREMENT)],
        synthetic_vectors(size, INCREMENT),
    )
    dense.high_water_mark = size + INCREMENT
    dense.save()
    figures["dense_add_10k_s"] = time.perf_counter() - tick
    figures["dense_disk_mb"] = _disk_mb(directory)
    return figures


def dense_dir(folder: Path, storage: str) -> Path:
    # float16, the default, keeps the folder name of earlier runs so --reuse finds them.
    return folder / "index" / ("dense" if storage == DEFAULT_STORAGE else f"dense-{storage}")


def _disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def serve(
    folder: Path,
    dense: Path,
    query_count: int,
    common_word_share: float | None,
    sequential: bool,
    common_part_share: float | None = None,
) -> dict[str, float]:
    """Runs in a fresh process: open, search, report latencies and peak RSS."""
    from paperscope.models import Paper, SearchQuery
    from paperscope.search.engine import SearchEngine
    from paperscope.search.semantic import SemanticSide
    from paperscope.search.similar import find_similar
    from paperscope.store import Store

    # No query-vector cache: every mode searches the same queries, and each search
    # must pay for its own query embedding.
    settings = Settings(data_dir=folder, dev_mode=True, query_embedding_cache=0)
    tick = time.perf_counter()
    lexical = LexicalIndex.open(folder / "index" / "lexical", create=False)
    if common_part_share is not None:
        lexical.common_part_share = common_part_share
    semantic = SemanticSide(settings=settings, directory=dense)
    # The papers live only in the indexes. ranking() reads the store for one indexed
    # lookup (is the query a paper's exact title?), answered here by an empty store:
    # a B-tree probe, which costs about the same in a full one.
    store = Store.open(settings)
    engine = SearchEngine(settings=settings, store=store, lexical=lexical, semantic=semantic)
    if common_word_share is not None:
        engine.common_word_share = common_word_share
    engine.parallel_retrievers = not sequential
    figures: dict[str, float] = {"open_ms": (time.perf_counter() - tick) * 1000}
    engine.embed_query("warm up the model")
    queries = generate_queries(query_count)
    for mode in ("bm25", "dense", "hybrid"):
        latencies = []
        for text in queries:
            tick = time.perf_counter()
            engine.ranking(SearchQuery(text=text, mode=mode, limit=20))
            latencies.append((time.perf_counter() - tick) * 1000)
        figures[f"{mode}_p50_ms"] = statistics.median(latencies)
        figures[f"{mode}_p95_ms"] = float(np.percentile(latencies, 95))
    figures["hybrid_filtered_p95_ms"] = _filtered_p95(engine, queries)
    figures["hybrid_one_day_p95_ms"] = _filtered_p95(engine, queries, one_day=True)
    figures["hybrid_qps_2_threads"] = _throughput(engine, queries, threads=2)
    similar = []
    ids = (
        semantic.index.ids()[:: max(1, len(semantic.index) // 200)][:200] if semantic.index else []
    )
    for paper_id in ids:
        tick = time.perf_counter()
        find_similar(
            Paper(paper_id=paper_id, title=""), limit=10, lexical=lexical, semantic=semantic
        )
        similar.append((time.perf_counter() - tick) * 1000)
    figures["similar_p50_ms"] = statistics.median(similar)
    figures["similar_p95_ms"] = float(np.percentile(similar, 95))
    figures["serve_peak_rss_mb"] = _peak_rss_mb()
    # Resident memory now, split: anonymous (heap, model) versus file-backed pages of
    # the memory-mapped indexes, which the kernel can drop and share between workers.
    figures["serve_rss_anon_mb"] = _status_mb("RssAnon:")
    figures["serve_rss_file_mb"] = _status_mb("RssFile:")
    return figures


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_rss_mb() -> float:
    """This process's own peak RSS. Not getrusage: its maximum survives exec, so a
    child started from a big parent would report the parent's memory."""
    peak = _status_mb("VmHWM:")
    return peak if peak == peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _filtered_p95(engine: Any, queries: list[str], *, one_day: bool = False) -> float:
    """Hybrid p95 filtered to cs.CL (a broad filter: the graph is searched and its
    neighbours checked), or to one day (a few hundred papers at 2.5M: those papers'
    vectors are scored exactly, search/semantic.py)."""
    from paperscope.models import SearchQuery

    day = date(2020, 6, 15)
    narrowed: dict[str, Any] = (
        {"date_from": day, "date_to": day} if one_day else {"categories": ("cs.CL",)}
    )
    latencies = []
    for text in queries[:100]:
        tick = time.perf_counter()
        engine.ranking(SearchQuery(text=text, mode="hybrid", limit=20, **narrowed))
        latencies.append((time.perf_counter() - tick) * 1000)
    return float(np.percentile(latencies, 95))


def _throughput(engine: Any, queries: list[str], *, threads: int) -> float:
    from paperscope.models import SearchQuery

    work = list(queries) * 2
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if not work:
                    return
                text = work.pop()
            engine.ranking(SearchQuery(text=text, mode="hybrid", limit=20))

    tick = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return len(queries) * 2 / (time.perf_counter() - tick)


def main() -> None:
    parser = argparse.ArgumentParser(description="paperscope search benchmark")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--work", type=Path, default=Path("/tmp/paperscope-search-bench"))
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--sequential-too",
        action="store_true",
        help="Serve each variant twice: lexical and semantic sides one after the other "
        "(as before they ran side by side), then side by side.",
    )
    parser.add_argument("--sequential", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dense-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--dense-storages",
        nargs="+",
        choices=list(GRAPH_STORAGE),
        default=[DEFAULT_STORAGE],
        help="Build and serve the dense index once per storage type, side by side "
        "(the lexical index is shared).",
    )
    parser.add_argument(
        "--common-word-shares",
        type=float,
        nargs="+",
        help="Serve once per share of the common-word cut (default: the engine's).",
    )
    parser.add_argument(
        "--common-part-shares",
        type=float,
        nargs="+",
        help="Serve once per share above which parts of words are left out (default: the index's).",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="Skip building when the folder exists."
    )
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="Build and print build figures, serve nothing: builds tolerate a busy "
        "machine, latencies do not, so the two can run at different times.",
    )
    args = parser.parse_args()
    shares: list[float | None] = list(args.common_word_shares or [None])
    part_shares: list[float | None] = list(args.common_part_shares or [None])
    if args.serve:
        dense = args.dense_dir or dense_dir(args.serve, DEFAULT_STORAGE)
        served = serve(args.serve, dense, args.queries, shares[0], args.sequential, part_shares[0])
        print(json.dumps(served))
        return
    table: dict[str, dict[str, float]] = {}
    for size in args.sizes:
        folder = args.work / f"n{size}"
        figures: dict[str, float] = {}
        # Export the ONNX model here, so the serving process only loads it.
        from paperscope.index.embedder import load_embedder

        load_embedder(Settings(data_dir=folder, dev_mode=True))
        if not (args.reuse and (folder / "index" / "lexical" / "manifest.json").exists()):
            figures.update(build_lexical(size, folder))
        for storage in args.dense_storages:
            directory = dense_dir(folder, storage)
            if not (args.reuse and (directory / "manifest.json").exists()):
                built = build_dense(size, directory, storage)
                figures.update({f"{name} ({storage})": value for name, value in built.items()})
        if args.build_only:
            table[f"{size:,}"] = figures
            print(f"n={size:,}: " + json.dumps({k: round(v, 2) for k, v in figures.items()}))
            continue
        orders = [True, False] if args.sequential_too else [False]
        variants = [
            (d, s, ps, q)
            for d in args.dense_storages
            for s in shares
            for ps in part_shares
            for q in orders
        ]
        for storage, share, part_share, sequential in variants:
            label = f"{size:,}" if share is None else f"{size:,}, share {share:g}"
            label += "" if part_share is None else f", parts {part_share:g}"
            label += ", sequential" if sequential else ""
            label += f", {storage}" if len(args.dense_storages) > 1 else ""
            command = [sys.executable, __file__, "--serve", str(folder)]
            command += ["--dense-dir", str(dense_dir(folder, storage))]
            command += ["--queries", str(args.queries)]
            if share is not None:
                command += ["--common-word-shares", str(share)]
            if part_share is not None:
                command += ["--common-part-shares", str(part_share)]
            if sequential:
                command.append("--sequential")
            child = subprocess.run(command, capture_output=True, text=True, env={**os.environ})
            if child.returncode:
                sys.exit(f"serving {label} failed:\n{child.stderr}")
            served = figures | json.loads(child.stdout.strip().splitlines()[-1])
            figures = {}  # build figures go with the first serve only
            table[label] = served
            rounded = {k: round(v, 2) for k, v in served.items()}
            print(f"{label}: " + json.dumps(rounded), flush=True)
    _print_table(table)


def _print_table(table: dict[str, dict[str, float]]) -> None:
    names = sorted({name for figures in table.values() for name in figures})
    print("\n| figure | " + " | ".join(table) + " |")
    print("|---|" + "---|" * len(table))
    for name in names:
        cells = [f"{table[label].get(name, float('nan')):,.2f}" for label in table]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
