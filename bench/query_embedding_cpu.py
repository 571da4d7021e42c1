"""CPU per query embedding: onnxruntime's intra-op threads and their spin-waiting, side
by side in one run.

    .venv/bin/python bench/query_embedding_cpu.py --queries 300

A server embeds one short query at a time. With several intra-op threads, the pool's
idle threads spin for a while after each run, burning CPU that the other requests and
workers on the same cores needed; this prints, for 1 and 2 threads with spinning on
and off, the process CPU (all threads) and wall time per query over the same queries
(2-5 words of real abstracts), each variant measured twice in alternation. The shipped
embedder runs with spinning off, and `serve --workers N` gives each worker cores / N
threads."""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path

import onnxruntime

from paperscope.config import Settings
from paperscope.index.embedder import OnnxEmbedder, resolve_model

SCIFACT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "beir" / "scifact"


def queries(count: int) -> list[str]:
    words: list[str] = []
    with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as lines:
        for line, _ in zip(lines, range(200), strict=False):
            words += [w.strip(".,;()").lower() for w in json.loads(line)["text"].split()]
    rng = random.Random(1)
    return [" ".join(rng.sample(words, rng.randint(2, 5))) for _ in range(count)]


def variant(base: OnnxEmbedder, model_path: str, threads: int, spin: bool) -> OnnxEmbedder:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    session = onnxruntime.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    return OnnxEmbedder(
        model_name=base.model_name,
        dim=base.dim,
        precision=base.precision,
        session=session,
        tokenizer=base._tokenizer,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument(
        "--data-dir", type=Path, help="a data dir whose exported model to reuse (else a new one)"
    )
    args = ap.parse_args()
    settings = Settings(data_dir=args.data_dir or Path(tempfile.mkdtemp()), dev_mode=True)
    base = OnnxEmbedder.load(
        resolve_model(settings.embedding_model),
        cache_dir=settings.embedding_cache_dir or settings.data_dir / "models",
        precision="fp32",
        threads=1,
        max_tokens=256,
    )
    model_path = base._session._model_path
    texts = queries(args.queries)
    variants = {
        (threads, spin): variant(base, model_path, threads, spin)
        for threads in (1, 2)
        for spin in (True, False)
    }
    spent: dict[tuple[int, bool], list[tuple[float, float]]] = {key: [] for key in variants}
    for embedder in variants.values():
        for text in texts[:20]:
            embedder.encode_query(text)  # warm up
    for _ in range(2):
        for key, embedder in variants.items():
            cpu, wall = time.process_time(), time.perf_counter()
            for text in texts:
                embedder.encode_query(text)
            spent[key].append(
                (
                    (time.process_time() - cpu) / len(texts) * 1000,
                    (time.perf_counter() - wall) / len(texts) * 1000,
                )
            )
    print(f"{len(texts)} queries, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'threads':>7} {'spinning':>8} {'CPU ms/query':>20} {'wall ms/query':>20}")
    for (threads, spin), runs in spent.items():
        cpu = " / ".join(f"{c:.2f}" for c, _ in runs)
        wall = " / ".join(f"{w:.2f}" for _, w in runs)
        print(f"{threads:>7} {'on' if spin else 'off':>8} {cpu:>20} {wall:>20}")


if __name__ == "__main__":
    main()
