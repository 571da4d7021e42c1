"""Query encoder fine-tuning against frozen paper vectors, on a handful of texts with
the real bundled model (torch, CPU)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from paperscope.config import Settings
from paperscope.index.embedder import DEFAULT_MODEL, load_embedder, resolve_model
from paperscope.index.query_encoder import (
    QUERY_MODEL_FILE,
    QueryEncoder,
    QueryModelError,
    TrainingSettings,
    finetune_query_encoder,
    read_query_model,
)

pytest.importorskip("sentence_transformers")

PAPERS = [
    "Graph neural networks for molecule property prediction.",
    "A survey of reinforcement learning for robot control.",
    "Protein folding with attention-based language models.",
    "Bayesian optimisation of chemical reactions.",
    "Speech recognition with transformers on small devices.",
    "Convex relaxations of combinatorial scheduling problems.",
]
# Each query is paired with a paper it is NOT about, so the base model ranks the
# target low and only training can bring it first.
QUERIES = [
    "robots learning by trial and error",
    "how proteins fold",
    "tuning chemistry experiments automatically",
    "voice assistants on phones",
    "scheduling as an optimisation problem",
    "molecules as graphs",
]
TARGETS = [5, 0, 1, 2, 3, 4]


@pytest.fixture(scope="module")
def base_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("data"), dev_mode=True, embedding_backend="torch"
    )


@pytest.fixture(scope="module")
def documents(base_settings: Settings) -> np.ndarray:
    return load_embedder(base_settings).encode(PAPERS)


def _top1(vectors: np.ndarray, documents: np.ndarray) -> list[int]:
    return [int(i) for i in np.argmax(vectors @ documents.T, axis=1)]


def test_training_brings_each_query_to_its_paper(
    tmp_path: Path, base_settings: Settings, documents: np.ndarray
) -> None:
    base = resolve_model(DEFAULT_MODEL)
    before = _top1(load_embedder(base_settings).encode(QUERIES), documents)
    assert sum(a == b for a, b in zip(before, TARGETS, strict=True)) <= 1
    losses: list[float] = []
    folder = finetune_query_encoder(
        base=base.path,
        base_name=base.name,
        document_model=DEFAULT_MODEL,
        documents=documents,
        pairs=list(zip(QUERIES, TARGETS, strict=True)),
        out_dir=tmp_path / "tuned",
        training=TrainingSettings(epochs=8, learning_rate=2e-4, batch_size=6),
        on_epoch=lambda epoch, loss: losses.append(loss),
    )
    assert len(losses) == 8 and losses[-1] < losses[0]
    info = read_query_model(folder)
    assert (info.document_model, info.dim, info.queries, info.pairs) == (DEFAULT_MODEL, 384, 6, 6)
    assert info.training.epochs == 8
    tuned = load_embedder(base_settings.model_copy(update={"embedding_model": str(folder)}))
    after = _top1(np.stack([tuned.encode_query(q) for q in QUERIES]), documents)
    assert after == TARGETS
    encoder = QueryEncoder(tuned, document_model=DEFAULT_MODEL)
    assert encoder.model_name == DEFAULT_MODEL
    assert np.allclose(encoder.encode_query(QUERIES[0]), tuned.encode_query(QUERIES[0]))
    with pytest.raises(QueryModelError, match="queries only"):
        encoder.encode(PAPERS)


def test_bad_training_input_is_refused_before_training(
    tmp_path: Path, documents: np.ndarray
) -> None:
    base = resolve_model(DEFAULT_MODEL)

    def run(pairs: list[tuple[str, int]], out_dir: Path) -> None:
        finetune_query_encoder(
            base=base.path,
            base_name=base.name,
            document_model=DEFAULT_MODEL,
            documents=documents,
            pairs=pairs,
            out_dir=out_dir,
        )

    with pytest.raises(QueryModelError, match="no judged"):
        run([], tmp_path / "a")
    with pytest.raises(QueryModelError, match="out of range"):
        run([("query", 99)], tmp_path / "b")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(QueryModelError, match="not empty"):
        run([("query", 0)], busy)
    assert (busy / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "made by `paperscope models finetune`"),
        ("not json", "unreadable"),
        (json.dumps({"kind": "something-else"}), "not a paperscope query encoder"),
        (
            json.dumps({"kind": "paperscope-query-encoder", "format_version": 99}),
            "format 99",
        ),
        (json.dumps({"kind": "paperscope-query-encoder", "format_version": 1}), "incomplete"),
    ],
)
def test_folders_that_are_not_query_encoders_are_refused(
    tmp_path: Path, content: str | None, message: str
) -> None:
    if content is not None:
        (tmp_path / QUERY_MODEL_FILE).write_text(content)
    with pytest.raises(QueryModelError, match=message):
        read_query_model(tmp_path)


def test_folders_saved_by_sentence_transformers_6_are_described(tmp_path: Path) -> None:
    """sentence-transformers 6 writes its pooling and length settings differently."""
    from paperscope.index.onnx_export import read_model_files

    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "config.json").write_text(
        json.dumps({"hidden_size": 384, "max_position_embeddings": 512})
    )
    (tmp_path / "1_Pooling" / "config.json").write_text(
        json.dumps({"embedding_dimension": 384, "pooling_mode": "mean"})
    )
    (tmp_path / "sentence_bert_config.json").write_text(json.dumps({"transformer_task": "x"}))
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 256}))
    model = read_model_files("tuned", tmp_path)
    assert (model.pooling, model.dim, model.max_seq_length) == ("mean", 384, 256)
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode": "cls"}))
    assert read_model_files("tuned", tmp_path).pooling == "cls"
