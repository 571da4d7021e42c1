"""Embedding backends side by side on real abstracts (BEIR SciFact).

    .venv/bin/python bench/embedding_bench.py                      # speed, 512 abstracts
    .venv/bin/python bench/embedding_bench.py --quality            # + agreement, nDCG@10
    .venv/bin/python bench/embedding_bench.py --variants onnx-fp32@128,onnx-fp32@512 --quality
    .venv/bin/python bench/embedding_bench.py --device cuda --docs 5183   # on a GPU machine

A variant is ``backend-precision[@max_tokens]``: onnx-fp32, onnx-int8, torch-fp32,
torch-bf16 (and torch-fp16 on CUDA). For each it prints abstracts/s over wall time and
per CPU-second (the second is steadier on a shared machine: multiply by the cores for an
idle machine), one-query latency p50/p95, and cold start in a fresh process (import +
load + first query). ``--quality`` embeds the whole corpus (5,183 abstracts) and the 809
training claims and prints, against the first variant, the mean top-10 overlap of the
claim → abstract rankings and the share of its top-10 found in the variant's top-100,
plus nDCG@10 on the SciFact training qrels. Corpus embeddings are cached in
bench/out/embeddings/ so reruns only time what changed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from paperscope.index.embedder import (
    OnnxEmbedder,
    TorchEmbedder,
    available_cores,
    paper_text,
    resolve_model,
)

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared" / "data" / "beir" / "scifact"
OUT = ROOT / "bench" / "out"
DEFAULT_VARIANTS = "torch-fp32,torch-bf16,onnx-fp32,onnx-int8"


@dataclass(frozen=True)
class Variant:
    backend: str
    precision: str
    max_tokens: int | None

    @classmethod
    def parse(cls, text: str) -> Variant:
        name, _, tokens = text.partition("@")
        backend, _, precision = name.partition("-")
        return cls(backend, precision or "fp32", int(tokens) if tokens else None)

    @property
    def label(self) -> str:
        suffix = f"@{self.max_tokens}" if self.max_tokens else ""
        return f"{self.backend}-{self.precision}{suffix}"


def load_embedder(variant: Variant, args: argparse.Namespace) -> Any:
    model = resolve_model(args.model)
    max_tokens = variant.max_tokens or model.max_seq_length
    if variant.backend == "onnx":
        return OnnxEmbedder.load(
            model,
            cache_dir=args.cache_dir,
            precision=variant.precision,
            threads=args.threads,
            max_tokens=max_tokens,
        )
    return TorchEmbedder.load(
        model,
        precision=variant.precision,
        threads=args.threads,
        max_tokens=max_tokens,
        device=args.device,
    )


def read_scifact(folder: Path) -> tuple[list[str], list[str], list[str], dict[str, set[str]]]:
    doc_ids, texts = [], []
    with (folder / "corpus.jsonl").open() as lines:
        for line in lines:
            record = json.loads(line)
            doc_ids.append(record["_id"])
            texts.append(paper_text(record["title"], record["text"]))
    qrels: dict[str, set[str]] = defaultdict(set)
    with (folder / "qrels" / "train.tsv").open() as lines:
        next(lines)
        for line in lines:
            query_id, doc_id, score = line.split("\t")
            if int(score) > 0:
                qrels[query_id].add(doc_id)
    queries = [json.loads(line) for line in (folder / "queries.train.jsonl").open()]
    queries = [q for q in queries if q["_id"] in qrels]
    query_ids = [q["_id"] for q in queries]
    return doc_ids, texts, [q["text"] for q in queries], {q: qrels[q] for q in query_ids}


def subset_corpus(
    doc_ids: list[str], texts: list[str], qrels: dict[str, set[str]], size: int
) -> tuple[list[str], list[str]]:
    """Every judged abstract plus the first others up to ``size``: a cheaper corpus on
    which rankings still compare (nDCG@10 is higher than on the full corpus)."""
    judged = set().union(*qrels.values())
    keep = [i for i, doc in enumerate(doc_ids) if doc in judged]
    others = [i for i, doc in enumerate(doc_ids) if doc not in judged]
    keep = sorted(keep + others[: max(0, size - len(keep))])
    return [doc_ids[i] for i in keep], [texts[i] for i in keep]


def time_throughput(embedder: Any, texts: list[str], batch_size: int) -> tuple[float, float]:
    embedder.encode(texts[:8])  # warm-up: first-run allocations are not throughput
    wall, cpu = time.perf_counter(), time.process_time()
    embedder.encode(texts, batch_size=batch_size)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return len(texts) / wall, len(texts) / cpu


def time_queries(embedder: Any, queries: list[str]) -> tuple[float, float]:
    for query in queries[:5]:
        embedder.encode_query(query)
    timings = []
    for query in queries:
        start = time.perf_counter()
        embedder.encode_query(query)
        timings.append(time.perf_counter() - start)
    p50, p95 = np.percentile(timings, [50, 95]) * 1000
    return float(p50), float(p95)


def cold_start(variant: Variant, args: argparse.Namespace) -> float:
    """Seconds for a fresh process to import, load and embed one query."""
    command = [sys.executable, __file__, "--cold-start-child", variant.label, *child_args(args)]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def child_args(args: argparse.Namespace) -> list[str]:
    return [
        "--model", args.model, "--threads", str(args.threads),
        "--cache-dir", str(args.cache_dir), "--device", args.device,
    ]  # fmt: skip


def corpus_vectors(
    embedder: Any, variant: Variant, texts: list[str], args: argparse.Namespace
) -> NDArray[np.float32]:
    name = f"scifact{args.corpus or ''}-{variant.label}-{args.device}.npy"
    cache = OUT / "embeddings" / name
    if cache.is_file() and not args.no_cache:
        return np.asarray(np.load(cache), dtype=np.float32)
    vectors = embedder.encode(texts, batch_size=args.batch_size)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return np.asarray(vectors, dtype=np.float32)


def rankings(queries: NDArray[np.float32], corpus: NDArray[np.float32], k: int) -> NDArray[Any]:
    scores = queries @ corpus.T
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    order = np.take_along_axis(scores, top, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(top, order, axis=1)


def ndcg_at_10(ranked: NDArray[Any], doc_ids: list[str], relevant: list[set[str]]) -> float:
    total = 0.0
    for row, wanted in zip(ranked[:, :10], relevant, strict=True):
        gains = [1.0 / np.log2(rank + 2) for rank, doc in enumerate(row) if doc_ids[doc] in wanted]
        ideal = sum(1.0 / np.log2(rank + 2) for rank in range(min(10, len(wanted))))
        total += sum(gains) / ideal
    return total / len(relevant)


def main() -> None:
    args = parse_args()
    if args.cold_start_child:
        load_embedder(Variant.parse(args.cold_start_child), args).encode_query("warm up")
        return
    doc_ids, texts, queries, qrels = read_scifact(args.data)
    variants = [Variant.parse(v) for v in args.variants.split(",")]
    if args.corpus:
        doc_ids, texts = subset_corpus(doc_ids, texts, qrels, args.corpus)
    print(
        f"SciFact: {len(texts)} abstracts, {len(queries)} claims; threads={args.threads}, "
        f"device={args.device}, throughput on {args.docs} abstracts, batch {args.batch_size}"
    )
    print_header(args.quality)
    reference: NDArray[Any] | None = None
    relevant = list(qrels.values())
    for variant in variants:
        if variant.backend == "onnx" and args.device != "cpu":
            print(f"| {variant.label} | skipped: the ONNX backend runs on CPU only |")
            continue
        embedder = load_embedder(variant, args)
        per_wall, per_cpu = time_throughput(embedder, texts[: args.docs], args.batch_size)
        p50, p95 = time_queries(embedder, queries[:200])
        cold = cold_start(variant, args) if args.cold_start else float("nan")
        row = f"| {variant.label} | {per_wall:.1f} | {per_cpu:.1f} | {p50:.2f} / {p95:.2f} |"
        row += f" {cold:.1f} |"
        if args.quality:
            corpus = corpus_vectors(embedder, variant, texts, args)
            query_vectors = embedder.encode(queries)
            ranked = rankings(query_vectors, corpus, 100)
            if reference is None:
                reference = ranked
            overlap = np.mean(
                [
                    len(set(a[:10]) & set(b[:10])) / 10
                    for a, b in zip(ranked, reference, strict=True)
                ]
            )
            within = np.mean(
                [len(set(b[:10]) & set(a)) / 10 for a, b in zip(ranked, reference, strict=True)]
            )
            row += f" {overlap:.3f} | {within:.3f} | {ndcg_at_10(ranked, doc_ids, relevant):.4f} |"
        print(row, flush=True)
        del embedder


def print_header(quality: bool) -> None:
    head = (
        "| variant | abstracts/s (wall) | abstracts per CPU-s | query p50 / p95 ms | cold start s |"
    )
    rule = "|---|---|---|---|---|"
    if quality:
        head += " top-10 overlap | ref top-10 in top-100 | nDCG@10 |"
        rule += "---|---|---|"
    print(head, rule, sep="\n")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", default=DEFAULT_VARIANTS)
    parser.add_argument("--docs", type=int, default=512, help="abstracts timed per variant")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=min(2, available_cores()))
    parser.add_argument("--device", default="cpu", help="cpu, or cuda (torch variants only)")
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--data", type=Path, default=SCIFACT)
    parser.add_argument("--cache-dir", type=Path, default=OUT / "onnx-models")
    parser.add_argument("--quality", action="store_true", help="agreement and nDCG@10")
    parser.add_argument(
        "--corpus", type=int, default=0, help="quality on judged abstracts + others up to N"
    )
    parser.add_argument("--no-cache", action="store_true", help="recompute corpus vectors")
    parser.add_argument("--no-cold-start", dest="cold_start", action="store_false")
    parser.add_argument("--cold-start-child", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    main()
