"""Bulk embedding on a Ray cluster: the catch-up's encode step, spread over actors.

`paperscope index --ray [ADDRESS]` hands `catch_up_indexes` a `RayEmbedder` instead of
the local model. The catch-up itself is unchanged: it still reads the changed papers
from the store, writes the vectors into the usearch index with the same manifest,
model check and checkpoints, so a killed run resumes where it stopped. Only
`encode` differs: each round of texts becomes a Ray Data dataset mapped over an actor
pool (`map_batches` with one model per actor), on CPU actors, or GPU actors where the
cluster has GPUs. Rows carry their position, so the vectors come back in input order
whatever order the actors finish in; Ray Data retries the batches of an actor that
dies, and a round whose job fails raises before anything of it is written.

    with RayEmbedder.connect(settings=settings, address=None) as embedder:
        catch_up_indexes(settings=settings, store=store, embedder=embedder,
                         dense_batch=settings.ray_round_size)
"""

from __future__ import annotations

import logging
import socket
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from paperscope.config import Settings
from paperscope.index.embedder import (
    EmbedderError,
    FloatArray,
    Progress,
    TorchEmbedder,
    load_embedder,
    resolve_model,
)

log = logging.getLogger("paperscope.index")
EMBEDDING_FIELDS = {
    "data_dir",
    "embedding_model",
    "embedding_backend",
    "embedding_precision",
    "embedding_threads",
    "embedding_max_tokens",
    "embedding_cache_dir",
}


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise EmbedderError(
            "embedding on Ray needs Ray Data: pip install 'paperscope[ray]'"
        ) from exc
    return ray


class EmbedActor:
    """One model per actor, loaded once; `__call__` embeds a batch of rows. GPU actors
    run the torch backend on their GPU; CPU actors the configured (ONNX) embedder."""

    def __init__(self, settings_json: str, gpu_precision: str) -> None:
        import ray

        settings = Settings.model_validate_json(settings_json)
        if ray.get_gpu_ids():
            model = resolve_model(settings.embedding_model)
            self.model: Any = TorchEmbedder.load(
                model,
                precision=gpu_precision,
                threads=1,
                max_tokens=settings.embedding_max_tokens or model.max_seq_length,
                device="cuda",
            )
        else:
            self.model = load_embedder(settings)
        self.node = ray.get_runtime_context().get_node_id()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.model.encode([str(text) for text in batch["text"]])
        return {
            "row": batch["row"],
            "vector": np.asarray(vectors, dtype=np.float32),
            "node": np.full(len(vectors), self.node),
        }


class RayEmbedder:
    """The `Embedder` protocol on a Ray cluster (see the module docstring)."""

    backend = "ray"

    def __init__(self, *, settings: Settings, actors: int, gpus_per_actor: float) -> None:
        local = load_embedder(settings)  # the model check and queries stay local
        self.model_name = local.model_name
        self.dim = local.dim
        self._local = local
        self._settings = settings
        self._actors = actors
        self._gpus = gpus_per_actor
        self.nodes_used: Counter[str] = Counter()  # rows embedded per Ray node

    @classmethod
    @contextmanager
    def connect(cls, *, settings: Settings, address: str | None) -> Iterator[RayEmbedder]:
        """Join the cluster at ``address`` ("auto": the one this machine belongs to),
        or start a local Ray when it is None; disconnect afterwards."""
        if address:
            _check_reachable(address)
        ray = _ray()
        try:
            ray.init(
                address=address or None,
                include_dashboard=False,
                logging_level=logging.WARNING,
                log_to_driver=False,
                configure_logging=False,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise EmbedderError(f"could not reach the Ray cluster at {address!r}: {exc}") from exc
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        try:
            resources = ray.cluster_resources()
            gpus = float(resources.get("GPU", 0.0))
            per_actor = settings.ray_gpus_per_actor if gpus else 0.0
            if settings.ray_gpus_per_actor < 0:  # auto: one GPU per actor when there are any
                per_actor = 1.0 if gpus else 0.0
            actors = settings.ray_actors or _default_actors(resources, per_actor, settings)
            log.info("Ray: %d actors, %s GPU each, resources %s", actors, per_actor, resources)
            yield cls(settings=settings, actors=actors, gpus_per_actor=per_actor)
        finally:
            ray.shutdown()

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: Progress | None = None
    ) -> FloatArray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        ray = _ray()
        dataset = ray.data.from_items(
            [{"row": i, "text": text} for i, text in enumerate(texts)],
            override_num_blocks=max(1, min(len(texts) // self._settings.ray_batch_size, 512)),
        )
        mapped = dataset.map_batches(
            EmbedActor,
            fn_constructor_kwargs={
                "settings_json": self._actor_settings(),
                "gpu_precision": self._settings.ray_gpu_precision,
            },
            batch_size=self._settings.ray_batch_size,
            compute=ray.data.ActorPoolStrategy(size=self._actors),
            num_cpus=0 if self._gpus else self._settings.ray_cpus_per_actor,
            num_gpus=self._gpus,
            batch_format="numpy",
        )  # Ray Data restarts a dead actor and retries its batches by itself
        output = np.empty((len(texts), self.dim), dtype=np.float32)
        seen = 0
        for batch in mapped.iter_batches(batch_size=None, batch_format="numpy"):
            output[batch["row"]] = batch["vector"]
            self.nodes_used.update(str(node) for node in batch["node"])
            seen += len(batch["row"])
            if progress is not None:
                progress(len(batch["row"]))
        if seen != len(texts):
            raise EmbedderError(f"Ray returned {seen} vectors for {len(texts)} texts")
        return output

    def encode_query(self, text: str) -> FloatArray:
        return self._local.encode_query(text)

    def _actor_settings(self) -> str:
        """What an actor needs to load the same model, and no secret of this instance."""
        threads = max(1, int(self._settings.ray_cpus_per_actor))
        return self._settings.model_copy(update={"embedding_threads": threads}).model_dump_json(
            include=EMBEDDING_FIELDS
        )


def _default_actors(resources: dict[str, float], gpus_per_actor: float, settings: Settings) -> int:
    """One actor per GPU share, or per `ray_cpus_per_actor` CPUs of the cluster."""
    if gpus_per_actor:
        return max(1, int(resources.get("GPU", 0.0) / gpus_per_actor))
    return max(1, int(resources.get("CPU", 1.0) // max(settings.ray_cpus_per_actor, 1.0)))


REACH_SECONDS = 5.0


def _check_reachable(address: str) -> None:
    """Refuse a cluster address nothing answers at: ray.init would otherwise keep
    retrying it for minutes, printing a warning every few seconds. Only a host:port
    (with or without ray://) is probed; "auto" and other forms are left to Ray."""
    host, colon, port = address.removeprefix("ray://").rpartition(":")
    if not colon or not port.isdigit():
        return
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=REACH_SECONDS):
            pass
    except (OSError, OverflowError) as exc:
        raise EmbedderError(
            f"no Ray cluster answers at {address!r} ({exc}): check the host and port, "
            "or start one there with `ray start --head`"
        ) from exc
