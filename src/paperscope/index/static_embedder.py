"""A static (model2vec) embedder distilled locally from the shipped MiniLM: the fast
backfill path.

A static model keeps one vector per token, computed once from the teacher model and
reduced with PCA; a text's embedding is the mean of its tokens' vectors. No transformer
runs at embedding time, so it embeds thousands of abstracts per second on one core, at
a quality cost measured on SciFact by ``bench/backfill_embedders.py``
(docs/embeddings.md). Its vectors live in their own space: the dense index records the
model's name and refuses to mix them with MiniLM vectors.

    folder = distill_static_model(out_dir=Path("models/all-MiniLM-L6-v2-static"))
    embedder = StaticEmbedder.load(folder)            # model_name "all-MiniLM-L6-v2-static256"

The model is never downloaded and never shipped: ``paperscope models distill`` makes it
from the teacher's local folder (about 20 s on two cores, needs torch, transformers and
model2vec: ``pip install 'paperscope[torch,fast-embed]'``). Loading it needs only
model2vec. ``PAPERSCOPE_EMBEDDING_MODEL`` selects it by the alias ``STATIC_ALIAS`` (the
folder ``<embedding cache dir>/<alias>``) or by a folder path.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

STATIC_ALIAS = "all-MiniLM-L6-v2-static"
DEFAULT_DIMS = 256
# Written beside model2vec's own files: the name the dense index records, and the recipe.
IDENTITY_FILE = "paperscope_model.json"
# Texts per model2vec call: bounds the token buffers on huge inputs.
_CHUNK = 4_096

FloatArray = npt.NDArray[np.float32]


class StaticModelError(Exception):
    """The static model cannot be made or loaded; the message says what to do."""


def is_static_model(folder: Path) -> bool:
    """Whether ``folder`` holds a model2vec static model (its config says so)."""
    config = folder / "config.json"
    if not config.is_file():
        return False
    try:
        return bool(json.loads(config.read_text(encoding="utf-8")).get("model_type") == "model2vec")
    except (OSError, ValueError):
        return False


def static_model_name(folder: Path, fallback: str) -> str:
    """The name recorded in the dense manifest: the identity written at distillation,
    or ``fallback`` (what the setting said) for a static model made elsewhere."""
    try:
        identity = json.loads((folder / IDENTITY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return fallback
    name = identity.get("name") if isinstance(identity, dict) else None
    return str(name) if name else fallback


def _import_model2vec() -> Any:
    try:
        import model2vec
    except ImportError as exc:
        raise StaticModelError(
            "static embedding models need model2vec: pip install 'paperscope[fast-embed]'"
        ) from exc
    return model2vec


class StaticEmbedder:
    """Mean of per-token static vectors (model2vec), L2-normalised, float32."""

    backend = "static"

    def __init__(self, *, model_name: str, model: Any, max_tokens: int) -> None:
        self.model_name = model_name
        self.dim = int(model.dim)
        self._model = model
        self._max_tokens = max_tokens or None

    @classmethod
    def load(cls, folder: Path, *, name: str | None = None, max_tokens: int = 0) -> StaticEmbedder:
        model2vec = _import_model2vec()
        if not is_static_model(folder):
            raise StaticModelError(
                f"{folder}: not a static (model2vec) model folder; make one with "
                "`paperscope models distill`."
            )
        try:
            model = model2vec.StaticModel.from_pretrained(
                str(folder), normalize=True, force_download=False
            )
        except (OSError, ValueError, KeyError) as exc:
            raise StaticModelError(f"{folder}: the static model cannot be read ({exc})") from exc
        return cls(
            model_name=static_model_name(folder, name or str(folder)),
            model=model,
            max_tokens=max_tokens,
        )

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: Any = None,
    ) -> FloatArray:
        output = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), _CHUNK):
            chunk = list(texts[start : start + _CHUNK])
            output[start : start + len(chunk)] = self._encode(chunk)
            if progress is not None:
                progress(len(chunk))
        return output

    def encode_query(self, text: str) -> FloatArray:
        vector: FloatArray = self._encode([text])[0]
        return vector

    def _encode(self, texts: list[str]) -> FloatArray:
        # Unset: the model's own limit (512 tokens), which covers nearly every abstract.
        limit = {"max_length": self._max_tokens} if self._max_tokens else {}
        matrix = np.asarray(
            self._model.encode(texts, batch_size=1_024, use_multiprocessing=False, **limit),
            dtype=np.float32,
        )
        # A text of unknown tokens only has a zero vector; keep it zero rather than NaN.
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        normalised: FloatArray = matrix / np.maximum(norms, 1e-12)
        return normalised


def distill_static_model(
    *, out_dir: Path, teacher: Path, teacher_name: str, dims: int = DEFAULT_DIMS
) -> Path:
    """Distil a static model from the sentence-transformers folder ``teacher`` into
    ``out_dir`` (written to a temp folder beside it, then renamed into place)."""
    if dims < 2:
        raise StaticModelError(f"--dims {dims}: a static model needs at least 2 dimensions")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _import_model2vec()
    try:
        from model2vec.distill import distill
    except ImportError as exc:
        raise StaticModelError(
            "distilling needs torch and transformers besides model2vec: "
            "pip install 'paperscope[torch,fast-embed]'"
        ) from exc
    if out_dir.exists() and any(out_dir.iterdir()):
        raise StaticModelError(f"{out_dir}: the folder exists and is not empty; pick another")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        model = distill(model_name=str(teacher), pca_dims=dims, device="cpu")
    except (OSError, ValueError, RuntimeError) as exc:
        raise StaticModelError(f"distilling {teacher} failed: {exc}") from exc
    scratch = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    model.save_pretrained(str(scratch))
    identity = {
        "name": f"{teacher_name}-static{model.dim}",
        "teacher": teacher_name,
        "dims": int(model.dim),
        "recipe": "model2vec distill, PCA, SIF 1e-4, float16 vectors",
    }
    (scratch / IDENTITY_FILE).write_text(json.dumps(identity, indent=2), encoding="utf-8")
    if out_dir.exists():
        out_dir.rmdir()
    scratch.rename(out_dir)
    return out_dir
