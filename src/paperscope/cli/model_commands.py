"""`paperscope models distill` (the static embedding model, the fast backfill path, from
the bundled MiniLM) and `models finetune` (a query encoder tuned on judged queries): thin
wrappers around index/embedder.py and search/query_tuning.py."""

from __future__ import annotations

from pathlib import Path

import typer

from paperscope.cli.common import DataDirOption, UserError, check_half, console, make_settings

models_app = typer.Typer(help="Embedding models kept on this machine.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.add_typer(models_app, name="models")
    models_app.command("distill")(distill)
    models_app.command("finetune")(finetune)


def distill(
    out_dir: Path | None = typer.Argument(
        None,
        help="Folder to create; default DATA_DIR/models/all-MiniLM-L6-v2-static, the "
        "folder PAPERSCOPE_EMBEDDING_MODEL=all-MiniLM-L6-v2-static reads.",
    ),
    dims: int = typer.Option(
        256, "--dims", min=1, max=384, help="Dimensions kept by PCA (at most 384)."
    ),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Distil a fast static (model2vec) embedding model from the bundled MiniLM.

    The static model is many times faster to embed with, at a quality cost
    (docs/embeddings.md)."""
    from paperscope.index.embedder import EmbedderError, distill_bundled_model

    settings = make_settings(data_dir)
    try:
        folder = distill_bundled_model(settings=settings, out_dir=out_dir, dims=dims)
    except EmbedderError as exc:
        raise UserError(str(exc)) from exc
    setting = "all-MiniLM-L6-v2-static" if out_dir is None else str(folder)
    console.print(
        f"static model written to {folder}; use it with PAPERSCOPE_EMBEDDING_MODEL={setting} "
        "and rebuild the dense index (`paperscope index --rebuild`)"
    )


def finetune(
    dataset: Path = typer.Argument(
        ...,
        exists=True,
        file_okay=False,
        help="BEIR-format folder: corpus.jsonl, queries(.SPLIT).jsonl, qrels/SPLIT.tsv.",
    ),
    out_dir: Path = typer.Argument(..., help="Folder to create for the query encoder."),
    split: str = typer.Option("train", "--split", help="Judgements to train on."),
    half: str = typer.Option(
        "all", "--half", help="all, or only the queries at even or odd positions."
    ),
    epochs: int = typer.Option(2, "--epochs", min=1, max=50, help="Passes over the queries."),
    learning_rate: float = typer.Option(
        2e-5, "--learning-rate", min=1e-7, max=1e-2, help="Step size of the training."
    ),
    work_dir: Path | None = typer.Option(
        None, "--work-dir", help="Keep the indexed corpus here (shared with `eval beir`)."
    ),
) -> None:
    """Fine-tune a query encoder on a BEIR dataset's judged queries.

    The encoder learns against the corpus's paper vectors (docs/search.md); select it
    with PAPERSCOPE_QUERY_EMBEDDING_MODEL."""
    from paperscope.index.artifacts import IndexMismatchError
    from paperscope.index.embedder import EmbedderError
    from paperscope.index.query_encoder import TrainingSettings
    from paperscope.search.eval_beir import BeirError
    from paperscope.search.query_tuning import finetune_on_beir

    check_half(half)

    def report(epoch: int, loss: float) -> None:
        console.print(f"epoch {epoch}/{epochs}: mean loss {loss:.3f}")

    try:
        folder = finetune_on_beir(
            directory=dataset,
            split=split,
            half=half,
            out_dir=out_dir,
            work_dir=work_dir,
            training=TrainingSettings(epochs=epochs, learning_rate=learning_rate),
            on_epoch=report,
        )
    except (BeirError, EmbedderError, IndexMismatchError) as exc:
        raise UserError(str(exc)) from exc
    console.print(
        f"query encoder written to {folder}; use it with "
        f"PAPERSCOPE_QUERY_EMBEDDING_MODEL={folder.resolve()}"
    )
