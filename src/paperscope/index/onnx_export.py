"""Export a sentence-transformers model to ONNX once, with pooling inside the graph.

The exported graph takes ``input_ids`` and ``attention_mask`` (int64, batch × tokens)
and returns ``embedding`` (float32, batch × dim), already mean- or CLS-pooled and
L2-normalised, so serving needs only onnxruntime and tokenizers, not torch.

Three files per model are kept in a cache folder, keyed by the model's name and a hash
of its files and of this export recipe (so a changed model or recipe re-exports):

- ``model.fp32.onnx``: ``torch.onnx.export`` (opset 17) of the model in eager attention,
  then onnxruntime's BERT fusion (attention, GELU, skip-layer-norm kernels) for BERT-like
  models.
- ``model.int8.onnx``: the fused graph with dynamic int8 quantisation of the MatMul
  weights (per channel), which uses the CPU's VNNI instructions.

Exporting needs torch and transformers (``pip install 'paperscope[torch]'``); each file
is written to a temp name and renamed into place, so concurrent or interrupted exports
never leave a half-written model behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paperscope.index.artifacts import atomic_write

logger = logging.getLogger(__name__)

# Bump when the export recipe changes: cached exports under the old key are then unused.
EXPORT_RECIPE = "paperscope-onnx-3"
OPSET = 17
PRECISIONS = ("fp32", "int8")
_BERT_LIKE = {"bert", "roberta", "xlm-roberta", "camembert", "mpnet", "distilbert", "electra"}


class ExportError(Exception):
    """The model could not be exported to ONNX; the message says what to do."""


@dataclass(frozen=True)
class ModelFiles:
    """A sentence-transformers model folder on local disk."""

    name: str
    path: Path
    pooling: str  # "mean" | "cls"
    max_seq_length: int
    dim: int

    def cache_key(self) -> str:
        """Stable name for the exported files: model name + hash of files and recipe."""
        digest = hashlib.sha256(EXPORT_RECIPE.encode())
        digest.update(f"{OPSET}:{self.pooling}".encode())
        for file in sorted(self.path.rglob("*")):
            if file.is_file() and not file.name.startswith("."):
                stat = file.stat()
                digest.update(f"{file.relative_to(self.path)}:{stat.st_size}".encode())
        for config in ("config.json", "tokenizer.json"):
            if (self.path / config).is_file():
                digest.update((self.path / config).read_bytes())
        slug = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in self.name)
        return f"{slug[-60:]}-{digest.hexdigest()[:16]}"


def read_model_files(name: str, path: Path) -> ModelFiles:
    """Describe the sentence-transformers model folder ``path`` (pooling, length, dim)."""
    config = _read_json(path / "config.json")
    if config is None:
        raise ExportError(f"{path}: no config.json; this is not a transformers model folder.")
    pooling_config = _read_json(path / "1_Pooling" / "config.json") or {
        "pooling_mode_mean_tokens": True
    }
    # sentence-transformers 6 saves ``pooling_mode`` and ``embedding_dimension``;
    # earlier versions one flag per mode and ``word_embedding_dimension``.
    mode = pooling_config.get("pooling_mode")
    if mode == "mean" or pooling_config.get("pooling_mode_mean_tokens"):
        pooling = "mean"
    elif mode == "cls" or pooling_config.get("pooling_mode_cls_token"):
        pooling = "cls"
    else:
        raise ExportError(
            f"{path}: only mean or CLS pooling can be exported to ONNX; "
            "set PAPERSCOPE_EMBEDDING_BACKEND=torch for this model."
        )
    st_config = _read_json(path / "sentence_bert_config.json") or {}
    # sentence-transformers 6 keeps the limit only as the tokenizer's model_max_length.
    tokenizer_config = _read_json(path / "tokenizer_config.json") or {}
    max_len = int(
        st_config.get("max_seq_length")
        or min(
            int(tokenizer_config.get("model_max_length") or 1_000_000),
            int(config.get("max_position_embeddings", 512)),
        )
    )
    dim = int(
        pooling_config.get("word_embedding_dimension")
        or pooling_config.get("embedding_dimension")
        or config["hidden_size"]
    )
    return ModelFiles(name=name, path=path, pooling=pooling, max_seq_length=max_len, dim=dim)


def ensure_onnx_model(model: ModelFiles, *, cache_dir: Path, precision: str) -> Path:
    """Path of the exported model in ``precision`` ("fp32" or "int8"), exporting once."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown ONNX precision {precision!r}; use one of {PRECISIONS}")
    folder = cache_dir / model.cache_key()
    fp32 = folder / "model.fp32.onnx"
    if not fp32.is_file():
        logger.info("exporting %s to ONNX in %s (once)", model.name, folder)
        _export_fp32(model, fp32)
    if precision == "fp32":
        return fp32
    int8 = folder / "model.int8.onnx"
    if not int8.is_file():
        _quantise_int8(fp32, int8)
    return int8


def _export_fp32(model: ModelFiles, target: Path) -> None:
    try:
        import torch
        import transformers
        from transformers import AutoConfig, AutoModel
    except ImportError as exc:
        raise ExportError(
            f"exporting {model.name} to ONNX needs torch, once: "
            "pip install 'paperscope[torch]' (or copy an exported cache folder here)."
        ) from exc
    transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    config = AutoConfig.from_pretrained(str(model.path), local_files_only=True)
    transformer = AutoModel.from_pretrained(
        str(model.path), local_files_only=True, attn_implementation="eager"
    )
    transformer.eval()
    wrapper = _pooled_encoder(transformer, model.pooling, torch)
    sample = torch.ones((2, 8), dtype=torch.long)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(target) as raw_tmp:
        # The tracer warns about shape-dependent Python branches in transformers' mask
        # code; they are constant for our inputs (checked against torch in the tests).
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                wrapper,
                (sample, sample),
                str(raw_tmp),
                input_names=["input_ids", "attention_mask"],
                output_names=["embedding"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "tokens"},
                    "attention_mask": {0: "batch", 1: "tokens"},
                    "embedding": {0: "batch"},
                },
                opset_version=OPSET,
                dynamo=False,
            )
        if config.model_type in _BERT_LIKE:
            _fuse_in_place(raw_tmp, config)


def _pooled_encoder(transformer: Any, pooling: str, torch: Any) -> Any:
    """A torch module: transformer, then pooling and L2 normalisation (built lazily so
    that torch is imported only when exporting)."""

    class PooledEncoder(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.transformer(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            if pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    return PooledEncoder()


def _fuse_in_place(path: Path, config: Any) -> None:
    """onnxruntime's transformer fusion: fewer, faster kernels; same numbers."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimised = optimize_model(
        str(path),
        model_type="bert",
        num_heads=int(config.num_attention_heads),
        hidden_size=int(config.hidden_size),
        opt_level=1,
    )
    fused_path = path.with_name(path.name + ".fused")
    optimised.save_model_to_file(str(fused_path))
    os.replace(fused_path, path)


def _quantise_int8(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logger.info("quantising %s to int8 in %s (once)", source.name, target.parent)
    root = logging.getLogger()
    root.addFilter(_no_preprocessing_advice)
    try:
        with atomic_write(target) as tmp:
            quantize_dynamic(
                str(source),
                str(tmp),
                weight_type=QuantType.QInt8,
                per_channel=True,
                # The fused contrib ops have no ONNX type inference; their outputs are float.
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
    finally:
        root.removeFilter(_no_preprocessing_advice)


def _no_preprocessing_advice(record: logging.LogRecord) -> bool:
    """onnxruntime's quantiser advises shape pre-processing on the root logger, meant
    for convolutional models; it does not apply to this graph, and a server would
    print it on its first search."""
    return not record.getMessage().startswith("Please consider to run pre-processing")


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise ExportError(f"{path}: invalid JSON ({exc}).") from exc
    return data if isinstance(data, dict) else None
