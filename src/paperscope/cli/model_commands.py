"""`paperscope models distill`: make the static embedding model (the fast backfill
path) from the bundled MiniLM; a thin wrapper around index/embedder.py."""

from __future__ import annotations

from pathlib import Path

import typer

from paperscope.cli.common import DataDirOption, UserError, console, make_settings

models_app = typer.Typer(help="Embedding models kept on this machine.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.add_typer(models_app, name="models")
    models_app.command("distill")(distill)


def distill(
    out_dir: Path | None = typer.Argument(
        None,
        help="Folder to create; default DATA_DIR/models/all-MiniLM-L6-v2-static, the "
        "folder PAPERSCOPE_EMBEDDING_MODEL=all-MiniLM-L6-v2-static reads.",
    ),
    dims: int = typer.Option(256, "--dims", help="Dimensions kept by PCA (at most 384)."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Distil a static (model2vec) embedding model from the bundled all-MiniLM-L6-v2:
    many times faster to embed with, at a quality cost (docs/embeddings.md)."""
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
