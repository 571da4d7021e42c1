"""The static (model2vec) embedder, the fast backfill path: distilled locally, loaded by
the model setting, embedding unit vectors, and never mixed with another model's vectors
in the dense index.

Most tests distil from a tiny randomly initialised BERT that uses the real MiniLM
tokenizer (a second or two); one slow test distils the bundled MiniLM itself."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from paperscope.config import Settings
from paperscope.index.artifacts import IndexMismatchError
from paperscope.index.catch_up import catch_up_indexes
from paperscope.index.embedder import EmbedderError, load_embedder, resolve_model
from paperscope.index.static_embedder import (
    STATIC_ALIAS,
    StaticEmbedder,
    StaticModelError,
    distill_static_model,
    is_static_model,
)
from paperscope.models import Paper, SearchQuery
from paperscope.search.engine import SearchEngine
from paperscope.search.fusion import STATIC_MODEL_LEXICAL_WEIGHT
from paperscope.store import Store
from paperscope.store.papers import upsert_papers

pytest.importorskip("model2vec")

TEXTS = [
    "Graph neural networks predict molecular properties.",
    "The central bank raised interest rates to curb inflation.",
    "",
    "networks of the graph " * 500,  # far longer than any token limit
]


@pytest.fixture(scope="module")
def tiny_teacher(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer, 32-wide BERT with random weights and a 2,100-token cut of MiniLM's
    WordPiece vocabulary (the special tokens and the commonest words), so that
    distilling it takes a second, not the minutes of the full model."""
    from transformers import BertConfig, BertModel

    minilm = resolve_model("all-MiniLM-L6-v2").path
    words = (minilm / "vocab.txt").read_text(encoding="utf-8").splitlines()
    kept = words[:104] + words[1996:3996]  # ids of the special tokens stay the same
    folder = tmp_path_factory.mktemp("tiny-teacher")
    (folder / "vocab.txt").write_text("\n".join(kept) + "\n", encoding="utf-8")
    spec = json.loads((minilm / "tokenizer.json").read_text(encoding="utf-8"))
    spec["model"]["vocab"] = {word: index for index, word in enumerate(kept)}
    (folder / "tokenizer.json").write_text(json.dumps(spec), encoding="utf-8")
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(minilm / name, folder / name)
    config = BertConfig(
        vocab_size=len(kept),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="module")
def tiny_static(tiny_teacher: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("static") / "tiny-16"
    return distill_static_model(out_dir=out, teacher=tiny_teacher, teacher_name="tiny", dims=16)


def test_distilled_model_loads_and_embeds_unit_vectors(tiny_static: Path) -> None:
    assert is_static_model(tiny_static)
    embedder = StaticEmbedder.load(tiny_static)
    assert (embedder.model_name, embedder.dim, embedder.backend) == ("tiny-static16", 16, "static")
    seen: list[int] = []
    matrix = embedder.encode(TEXTS, progress=seen.append)
    assert matrix.shape == (4, 16) and matrix.dtype == np.float32
    assert sum(seen) == len(TEXTS)
    norms = np.linalg.norm(matrix, axis=1)
    # The empty text has no tokens: a zero vector, never NaN.
    assert np.allclose(norms[[0, 1, 3]], 1.0, atol=1e-5) and norms[2] == 0.0
    assert np.isfinite(matrix).all()
    query = embedder.encode_query(TEXTS[0])
    assert np.allclose(query, matrix[0], atol=1e-6)
    assert not np.allclose(matrix[0], matrix[1])


def test_model_setting_selects_the_static_model(tiny_static: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, dev_mode=True, embedding_model=str(tiny_static))
    embedder = load_embedder(settings)
    assert (embedder.backend, embedder.model_name, embedder.dim) == ("static", "tiny-static16", 16)
    # The alias reads DATA_DIR/models/<alias>, and says how to make it when it is missing.
    alias = Settings(
        data_dir=tmp_path, dev_mode=True, embedding_model=STATIC_ALIAS, embedding_cache_dir=None
    )
    with pytest.raises(EmbedderError, match="paperscope models distill"):
        load_embedder(alias)
    shutil.copytree(tiny_static, tmp_path / "models" / STATIC_ALIAS)
    assert load_embedder(alias).model_name == "tiny-static16"


def test_distilling_refuses_a_non_empty_folder_and_bad_dims(
    tiny_teacher: Path, tmp_path: Path
) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(StaticModelError, match="not empty"):
        distill_static_model(out_dir=tmp_path / "full", teacher=tiny_teacher, teacher_name="t")
    with pytest.raises(StaticModelError, match="at least 2"):
        distill_static_model(out_dir=tmp_path / "x", teacher=tiny_teacher, teacher_name="t", dims=1)
    with pytest.raises(StaticModelError, match="not a static"):
        StaticEmbedder.load(tiny_teacher)


def _papers(count: int) -> list[Paper]:
    return [
        Paper(
            paper_id=f"p{i}",
            title=f"Paper {i} on graph networks",
            abstract=f"We study topic {i} with message passing.",
            source="text",
        )
        for i in range(count)
    ]


def test_dense_index_refuses_to_mix_models(
    tiny_static: Path, tiny_teacher: Path, tmp_path: Path
) -> None:
    other = distill_static_model(
        out_dir=tmp_path / "other", teacher=tiny_teacher, teacher_name="other", dims=16
    )
    settings = Settings(data_dir=tmp_path / "data", dev_mode=True, embedding_model=str(tiny_static))
    store = Store.open(settings)
    try:
        upsert_papers(store=store, papers_in=_papers(6))
        report = catch_up_indexes(settings=settings, store=store)
        assert report.dense_count == 6
        engine = SearchEngine.open(settings=settings, store=store)
        # Hybrid search leans more on BM25 with a static model (tuned for it).
        assert engine.fusion.lexical_weight == STATIC_MODEL_LEXICAL_WEIGHT
        found = engine.ranking(SearchQuery(text="graph networks topic 3", mode="hybrid"))
        assert found and found[0][0] == "p3"
        # Same dimension, other model: its vectors would be meaningless next to these.
        mixed = settings.model_copy(update={"embedding_model": str(other)})
        upsert_papers(store=store, papers_in=_papers(8))
        with pytest.raises(IndexMismatchError, match="tiny-static16"):
            catch_up_indexes(settings=mixed, store=store)
        # A search engine configured with the other model refuses to embed queries.
        engine = SearchEngine.open(settings=mixed, store=store)
        with pytest.raises(IndexMismatchError, match="other-static16"):
            engine.ranking(SearchQuery(text="graph networks", mode="dense"))
    finally:
        store.close()


@pytest.mark.slow
def test_distill_command_makes_a_model_from_the_bundled_minilm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERSCOPE_")}
    env.update(PAPERSCOPE_DATA_DIR=str(tmp_path), PAPERSCOPE_DEV_MODE="1", HF_HUB_OFFLINE="1")
    cli = [sys.executable, "-c", "from paperscope.cli import main; main()"]
    done = subprocess.run(
        [*cli, "models", "distill", "--dims", "64"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    assert STATIC_ALIAS in done.stdout
    # the command ran without PAPERSCOPE_ variables, so it wrote under DATA_DIR/models
    settings = Settings(
        data_dir=tmp_path, dev_mode=True, embedding_model=STATIC_ALIAS, embedding_cache_dir=None
    )
    embedder = load_embedder(settings)
    assert (embedder.model_name, embedder.dim) == ("all-MiniLM-L6-v2-static64", 64)
    graphs, molecules, bank = embedder.encode(
        [
            "Graph neural networks predict molecular properties.",
            "Message passing on molecule graphs estimates chemical properties.",
            "The central bank raised interest rates to curb inflation.",
        ]
    )
    assert float(graphs @ molecules) > float(graphs @ bank)
    again = subprocess.run(
        [*cli, "models", "distill", "--dims", "999"], env=env, capture_output=True, text=True
    )
    assert again.returncode == 2
    assert "Invalid value for '--dims'" in again.stderr and "less than or equal to 384" in (
        again.stderr
    )
    assert "Traceback" not in again.stderr
