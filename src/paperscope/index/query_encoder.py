"""A query encoder fine-tuned against the frozen document vectors of the dense index.

Claims and keyword queries are short and worded unlike abstracts; a model trained on
judged (query, relevant paper) pairs maps them closer to the papers they are about.
Only the query side is trained: the papers keep the vectors the dense index already
holds (made by ``PAPERSCOPE_EMBEDDING_MODEL``), so adopting a tuned query encoder
re-embeds nothing, and a query still costs one forward pass of the same small model.

Training: every judged pair is scored against every paper vector of the corpus (a full
softmax over the corpus, temperature 1/20 as in sentence-transformers' ranking loss),
the other papers judged relevant to the same query masked out; AdamW, linear warm-up
and decay. The corpus vectors never change, so this costs forward and backward passes
over queries only (about a minute per epoch for 400 claims on two cores).

The result is a sentence-transformers folder (exported to ONNX like any other model on
first use) plus ``QUERY_MODEL_FILE``, which names the document model whose vectors it
was trained against; ``SemanticSide`` refuses it for a dense index of another model.

    folder = finetune_query_encoder(base=resolve_model("all-MiniLM-L6-v2"),
        document_model="all-MiniLM-L6-v2", documents=matrix, pairs=[("claim", row)],
        out_dir=Path("models/scifact-queries"))
    read_query_model(folder).document_model        # "all-MiniLM-L6-v2"

Select it with ``PAPERSCOPE_QUERY_EMBEDDING_MODEL=<folder>``; measured in docs/search.md.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.index.embedder import Embedder, EmbedderError, Progress

QUERY_MODEL_FILE = "paperscope_query_model.json"
KIND = "paperscope-query-encoder"
FORMAT_VERSION = 1
# Cosine scaled by 20 before the softmax, as in sentence-transformers' MNRL loss.
SCALE = 20.0

FloatArray = npt.NDArray[np.float32]
EpochCallback = Callable[[int, float], None]


class QueryModelError(EmbedderError):
    """The query encoder cannot be trained or loaded; the message says what to do."""


class QueryEncoder:
    """A tuned query encoder seen as an embedder of the document model's space: its
    ``model_name`` is the document model's, so the dense index accepts its vectors for
    queries. Only queries may go through it; papers are never embedded with it."""

    def __init__(self, encoder: Embedder, *, document_model: str) -> None:
        self.model_name = document_model
        self.dim = encoder.dim
        self.backend = encoder.backend
        self.encoder_name = encoder.model_name
        self._encoder = encoder

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: Progress | None = None
    ) -> FloatArray:
        raise QueryModelError(
            f"{self.encoder_name} encodes queries only; papers are embedded with "
            "PAPERSCOPE_EMBEDDING_MODEL"
        )

    def encode_query(self, text: str) -> FloatArray:
        return self._encoder.encode_query(text)


@dataclass(frozen=True)
class TrainingSettings:
    epochs: int = 2
    learning_rate: float = 2e-5
    batch_size: int = 32
    seed: int = 0


@dataclass(frozen=True)
class QueryModelInfo:
    document_model: str
    dim: int
    base_model: str
    queries: int
    pairs: int
    training: TrainingSettings


def read_query_model(folder: Path) -> QueryModelInfo:
    """The identity of the query encoder in ``folder``; a clear error when the folder
    is not one (missing, another kind of model, an unknown format)."""
    path = folder / QUERY_MODEL_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise QueryModelError(
            f"{folder}: no {QUERY_MODEL_FILE}; PAPERSCOPE_QUERY_EMBEDDING_MODEL must name a "
            "folder made by `paperscope models finetune`."
        ) from exc
    except (OSError, ValueError) as exc:
        raise QueryModelError(f"{path}: unreadable ({exc})") from exc
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise QueryModelError(f"{path}: not a paperscope query encoder")
    if data.get("format_version") != FORMAT_VERSION:
        raise QueryModelError(
            f"{path}: format {data.get('format_version')!r}, this version reads "
            f"{FORMAT_VERSION}; train it again with `paperscope models finetune`."
        )
    try:
        return QueryModelInfo(
            document_model=str(data["document_model"]),
            dim=int(data["dim"]),
            base_model=str(data["base_model"]),
            queries=int(data["queries"]),
            pairs=int(data["pairs"]),
            training=TrainingSettings(**data["training"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise QueryModelError(f"{path}: incomplete ({exc})") from exc


def finetune_query_encoder(
    *,
    base: Path,
    base_name: str,
    document_model: str,
    documents: FloatArray,
    pairs: Sequence[tuple[str, int]],
    out_dir: Path,
    training: TrainingSettings = TrainingSettings(),
    related: dict[str, set[int]] | None = None,
    on_epoch: EpochCallback | None = None,
) -> Path:
    """Train a copy of the sentence-transformers model at ``base`` so that each query
    text of ``pairs`` lands near its paper (a row of ``documents``, unit vectors of
    ``document_model``); write it to ``out_dir`` atomically. ``related`` maps a query
    text to every row judged relevant to it, which are not counted as negatives."""
    _check_inputs(documents, pairs, out_dir)
    torch, model = _load_trainable(base)
    corpus = torch.from_numpy(np.ascontiguousarray(documents, dtype=np.float32))
    dim = _dimension(model)
    if dim != corpus.shape[1]:
        raise QueryModelError(
            f"{base_name} makes {dim}-dimensional vectors but the document vectors "
            f"have {corpus.shape[1]}"
        )
    _train(torch, model, corpus, list(pairs), related or {}, training, on_epoch)
    info = QueryModelInfo(
        document_model=document_model,
        dim=int(corpus.shape[1]),
        base_model=base_name,
        queries=len({text for text, _ in pairs}),
        pairs=len(pairs),
        training=training,
    )
    _save(model, info, out_dir)
    return out_dir


def _check_inputs(documents: FloatArray, pairs: Sequence[tuple[str, int]], out_dir: Path) -> None:
    if not pairs:
        raise QueryModelError("no judged (query, paper) pair to train on")
    if documents.ndim != 2 or len(documents) == 0:
        raise QueryModelError("no document vectors to train against")
    bad = [row for _, row in pairs if not 0 <= row < len(documents)]
    if bad:
        raise QueryModelError(f"pair rows out of range of the {len(documents)} documents")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise QueryModelError(f"{out_dir} exists and is not empty; choose another folder")


def _load_trainable(base: Path) -> tuple[Any, Any]:
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise QueryModelError(
            "fine-tuning needs torch and sentence-transformers: pip install 'paperscope[torch]'"
        ) from exc
    model = SentenceTransformer(str(base), device="cpu", local_files_only=True)
    return torch, model


def _dimension(model: Any) -> int:
    # Renamed in sentence-transformers 6; the torch extra allows 5 and 6.
    method = getattr(model, "get_embedding_dimension", None)
    method = method or model.get_sentence_embedding_dimension
    return int(method())


def _features(model: Any, texts: list[str]) -> Any:
    # ``tokenize`` became ``preprocess`` in sentence-transformers 6.
    method = getattr(model, "preprocess", None) or model.tokenize
    return method(texts)


def _train(
    torch: Any,
    model: Any,
    corpus: Any,
    pairs: list[tuple[str, int]],
    related: dict[str, set[int]],
    training: TrainingSettings,
    on_epoch: EpochCallback | None,
) -> None:
    torch.manual_seed(training.seed)
    shuffler = random.Random(training.seed)
    optimiser = torch.optim.AdamW(model.parameters(), lr=training.learning_rate)
    per_epoch = -(-len(pairs) // training.batch_size)
    total = training.epochs * per_epoch
    warmup = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (total - step) / total)
    )
    for epoch in range(1, training.epochs + 1):
        model.train()
        shuffler.shuffle(pairs)
        losses = []
        for start in range(0, len(pairs), training.batch_size):
            batch = pairs[start : start + training.batch_size]
            loss = _batch_loss(torch, model, corpus, batch, related)
            loss.backward()
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            losses.append(float(loss.item()))
        if on_epoch is not None:
            on_epoch(epoch, sum(losses) / len(losses))
    model.eval()


def _batch_loss(
    torch: Any, model: Any, corpus: Any, batch: list[tuple[str, int]], related: dict[str, set[int]]
) -> Any:
    """Cross-entropy of each query's paper against the whole corpus (full softmax)."""
    features = _features(model, [text for text, _ in batch])
    queries = model(features)["sentence_embedding"]
    scores = SCALE * queries @ corpus.T
    mask = torch.zeros_like(scores, dtype=torch.bool)
    for row, (text, target) in enumerate(batch):
        for other in related.get(text, ()):
            if other != target:
                mask[row, other] = True
    scores = scores.masked_fill(mask, float("-inf"))
    targets = torch.tensor([target for _, target in batch])
    return torch.nn.functional.cross_entropy(scores, targets)


def _save(model: Any, info: QueryModelInfo, out_dir: Path) -> None:
    """Write into a temp folder beside ``out_dir``, then rename: an interrupted run
    never leaves a half-written model that the setting could select."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        model.save(str(scratch))
        identity = {"kind": KIND, "format_version": FORMAT_VERSION, **asdict(info)}
        (scratch / QUERY_MODEL_FILE).write_text(json.dumps(identity, indent=2), encoding="utf-8")
        if out_dir.exists():
            out_dir.rmdir()  # checked empty before training
        scratch.rename(out_dir)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
