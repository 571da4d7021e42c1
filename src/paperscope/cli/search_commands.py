"""`paperscope index`, `search`, `similar` and `eval beir`: thin wrappers around
index/catch_up.py, search/engine.py and search/eval_beir.py."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from paperscope.cli.common import (
    DataDirOption,
    UserError,
    check_half,
    console,
    day_option,
    err_console,
    make_settings,
    open_store,
)
from paperscope.config import Settings
from paperscope.instance import MAX_SEARCH_OFFSET
from paperscope.models import Facets, Hit, SearchQuery, SearchResults

if TYPE_CHECKING:
    from paperscope.index.catch_up import CatchUpReport
    from paperscope.search.engine import SearchEngine
    from paperscope.store import Store

eval_app = typer.Typer(help="Measure search quality.", no_args_is_help=True)
_TAG = re.compile(r"</?mark>")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.command("index")(index)
    app.command("search")(search)
    app.command("similar")(similar)
    app.add_typer(eval_app, name="eval")
    eval_app.command("beir")(eval_beir)


def index(
    rebuild: bool = typer.Option(
        False,
        "--rebuild",
        help="Drop both indexes and rebuild them (with --lexical-only, the lexical one).",
    ),
    lexical_only: bool = typer.Option(
        False, "--lexical-only", help="Skip the dense index (no embedding model needed)."
    ),
    ray: str | None = typer.Option(
        None,
        "--ray",
        help=(
            "Embed on Ray: --ray alone uses PAPERSCOPE_RAY_ADDRESS or starts a local Ray; "
            "--ray ADDRESS joins that cluster (auto, ray://head:10001, 10.0.0.5:6379)."
        ),
    ),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Index papers added or changed since the last run (resumable)."""
    from paperscope.index.artifacts import ArtifactError, IndexMismatchError
    from paperscope.index.embedder import EmbedderError
    from paperscope.index.publish import indexer_lock

    settings = make_settings(data_dir)
    with indexer_lock(settings), open_store(settings) as store:
        with _progress() as callback:
            try:
                report, ray_note = _catch_up(
                    settings, store, callback, rebuild, not lexical_only, ray
                )
            except (ArtifactError, IndexMismatchError, EmbedderError) as exc:
                raise UserError(str(exc)) from exc
            if not lexical_only:
                _refresh_recommendations(settings, store)
                _prepare_query_model(settings)
        console.print(
            f"indexed {report.lexical_indexed:,} papers (lexical), embedded "
            f"{report.embedded:,}, removed {report.removed:,} in {report.seconds:.1f} s; "
            f"index holds {report.lexical_count:,} papers, {report.dense_count:,} vectors"
        )
        if ray_note:
            console.print(ray_note)
        if settings.index_url:
            _publish(settings)


def _prepare_query_model(settings: Settings) -> None:
    """The search queries' model file, made now rather than on a server's first search;
    indexing is done either way, so a failure here is only a warning."""
    from paperscope.index.embedder import EmbedderError, prepare_query_model

    try:
        prepare_query_model(settings)
    except EmbedderError as exc:
        err_console.print(f"search queries' model not prepared: {exc}", markup=False)


def _publish(settings: Settings) -> None:
    """Publish the indexes to INDEX_URL for the serving instances (docs/deployment.md)."""
    from paperscope.index.publish import PublishError, publish_generation

    try:
        published = publish_generation(settings=settings)
    except (PublishError, OSError) as exc:
        raise UserError(f"index not published to {settings.index_url}: {exc}") from exc
    if published.changed:
        console.print(
            f"published generation {published.generation} ({published.files} files, "
            f"{published.uploaded} uploaded) to {settings.index_url}",
            highlight=False,
        )
    else:
        console.print(f"index unchanged: {settings.index_url} stays on {published.generation}")


def _catch_up(
    settings: Settings,
    store: Store,
    progress: Any,
    rebuild: bool,
    dense: bool,
    ray: str | None,
) -> tuple[CatchUpReport, str | None]:
    from paperscope.index.catch_up import catch_up_indexes

    if ray is None or not dense:
        report = catch_up_indexes(
            settings=settings, store=store, progress=progress, rebuild=rebuild, dense=dense
        )
        return report, None
    from paperscope.index.ray_embedding import RayEmbedder

    address = settings.ray_address if ray == "local" else ray
    with RayEmbedder.connect(settings=settings, address=address) as embedder:
        report = catch_up_indexes(
            settings=settings,
            store=store,
            progress=progress,
            rebuild=rebuild,
            embedder=embedder,
            dense_batch=settings.ray_round_size,
            checkpoint_seconds=0.0,
        )
        nodes = embedder.nodes_used
    spread = ", ".join(f"{count:,}" for count in sorted(nodes.values(), reverse=True))
    return report, f"embedded on {len(nodes)} Ray nodes ({spread or 'nothing'} abstracts each)"


def _refresh_recommendations(settings: Settings, store: Store) -> None:
    """Recommendations rank from a date-sorted copy of the vectors: rebuild it so new
    papers can be recommended as soon as they are searchable."""
    from paperscope.rank.recommend import CandidatesError, refresh_candidates_from_index

    try:
        refresh_candidates_from_index(settings=settings, store=store)
    except CandidatesError as exc:
        err_console.print(f"recommendations not refreshed: {exc}", markup=False)


@contextmanager
def _progress() -> Iterator[Any]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=False) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"{stage:8}", total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        yield update


def search(
    text: str = typer.Argument(..., help="Query, e.g. '\"state space\" au:gu -survey'."),
    limit: int = typer.Option(10, "--limit", min=1, max=1000, help="How many results."),
    offset: int = typer.Option(
        0, "--offset", min=0, max=MAX_SEARCH_OFFSET, help="Skip this many results."
    ),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid, bm25 or dense."),
    category: list[str] = typer.Option([], "--category", help="Only this category (repeatable)."),
    author: list[str] = typer.Option(
        [], "--author", help="Only papers by this author (repeatable)."
    ),
    date_from: date | None = day_option("--from", "Submitted on or after (YYYY-MM-DD)."),
    date_to: date | None = day_option("--to", "Submitted on or before (YYYY-MM-DD)."),
    sort: str = typer.Option(
        "relevance", "--sort", help="relevance, newest, oldest or citations (most cited first)."
    ),
    facets: bool = typer.Option(
        False,
        "--facets",
        help="Also count the matches per category and year (and month, with --json).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Search the indexed papers (an arXiv id, URL or DOI finds that paper)."""
    if mode not in ("hybrid", "bm25", "dense"):
        raise UserError(f"--mode {mode!r}: use hybrid, bm25 or dense")
    if sort not in ("relevance", "newest", "oldest", "citations"):
        raise UserError(f"--sort {sort!r}: use relevance, newest, oldest or citations")
    if date_from and date_to and date_from > date_to:
        raise UserError(f"--from {date_from} is after --to {date_to}; swap them")
    query = SearchQuery(
        text=text,
        categories=tuple(category),
        authors=tuple(author),
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        mode=mode,
        limit=limit,
        offset=offset,
        facets=facets,
    )
    settings = make_settings(data_dir)
    with open_store(settings) as store:
        results = _engine(settings, store).search(query)
        titles = _titles(store, [hit.paper_id for hit in results.hits])
    if as_json:
        payload = {
            "query": text,
            "total": results.total,
            "total_is_estimate": results.total_is_estimate,
            "exact_match": results.exact_match,
            "notice": results.notice,
            "did_you_mean": results.did_you_mean,
            "hits": [_hit_json(hit, titles) for hit in results.hits],
            "facets": None if results.facets is None else dataclasses.asdict(results.facets),
            "timings_ms": results.timings,
        }
        typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        return
    if results.notice:
        err_console.print(Text.assemble(("note: ", "yellow"), results.notice))
    if results.did_you_mean:
        err_console.print(Text.assemble(("did you mean: ", "yellow"), results.did_you_mean))
    if not results.hits and results.total == 0:
        console.print("no paper matches this query")
    else:
        _print_hits(results.hits, titles, _caption(results))
    if results.facets is not None:
        _print_facets(results.facets)


def _caption(results: SearchResults) -> str:
    count = f"about {results.total:,}" if results.total_is_estimate else f"{results.total:,}"
    caption = f"{count} {'match' if results.total == 1 else 'matches'}"
    if results.exact_match:
        caption += f"; {results.exact_match} is the paper the query names"
    return caption


def _print_facets(facets: Facets) -> None:
    console.print(
        "categories: " + ", ".join(f"{name} {count:,}" for name, count in facets.categories)
    )
    console.print("years: " + ", ".join(f"{year} {count:,}" for year, count in facets.years))
    if facets.sample < 1:
        console.print(f"(estimated from 1 in {round(1 / facets.sample)} of the matches)")


def similar(
    paper_id: str = typer.Argument(..., help="arXiv id (any version or URL) or ps-... id."),
    limit: int = typer.Option(10, "--limit", min=1, max=1000, help="How many papers."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Papers most similar to one paper."""
    from paperscope.search.engine import UnknownPaperError

    settings = make_settings(data_dir)
    with open_store(settings) as store:
        try:
            hits = _engine(settings, store).similar(paper_id, limit=limit)
        except UnknownPaperError as exc:
            raise UserError(f"{exc}; check the id (`paperscope search` finds papers)") from exc
        titles = _titles(store, [hit.paper_id for hit in hits])
    if as_json:
        payload = [_hit_json(hit, titles) for hit in hits]
        typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        return
    _print_hits(hits, titles, f"papers similar to {paper_id}")


def eval_beir(
    directory: Path = typer.Argument(
        ...,
        exists=True,
        file_okay=False,
        help="BEIR dataset folder (corpus.jsonl, queries, qrels/).",
    ),
    split: str = typer.Option("test", "--split", help="train, dev or test."),
    mode: str = typer.Option("all", "--mode", help="bm25, dense, hybrid or all."),
    limit_queries: int = typer.Option(
        None, "--limit-queries", min=1, help="Only the first N queries."
    ),
    work_dir: Path = typer.Option(
        None, "--work-dir", help="Keep the indexed corpus here and reuse it next time."
    ),
    half: str = typer.Option(
        "all", "--half", help="all, or only the queries at even or odd positions."
    ),
    query_model: str = typer.Option(
        "",
        "--query-model",
        envvar="PAPERSCOPE_QUERY_EMBEDDING_MODEL",
        help="Folder of a query encoder made by `paperscope models finetune`.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """nDCG@10 and recall@100 of each search mode on a BEIR dataset."""
    from paperscope.index.artifacts import IndexMismatchError
    from paperscope.index.embedder import EmbedderError
    from paperscope.search.eval_beir import MODES, BeirError, evaluate_beir

    check_half(half)
    modes = MODES if mode == "all" else (mode,)
    if any(m not in MODES for m in modes):
        raise UserError(f"--mode {mode!r}: use bm25, dense, hybrid or all")
    if not (directory / "qrels").is_dir():
        raise UserError(
            f"{directory} is not a BEIR dataset folder: it has no qrels/ folder "
            "(expected corpus.jsonl, queries.jsonl and qrels/SPLIT.tsv)"
        )
    try:
        with _progress() as callback:
            scores = evaluate_beir(
                directory,
                split=split,
                modes=modes,
                limit_queries=limit_queries,
                work_dir=work_dir,
                progress=callback,
                half=half,
                query_model=query_model,
            )
    except (BeirError, EmbedderError, IndexMismatchError) as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        typer.echo(orjson.dumps([s.as_json() for s in scores], option=orjson.OPT_INDENT_2).decode())
        return
    which = split if half == "all" else f"{split}, {half} half"
    table = Table(title=f"{directory.name} ({which}, {scores[0].queries} queries)")
    for column in ("mode", "nDCG@10", "recall@100"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for score in scores:
        table.add_row(score.mode, f"{score.ndcg_at_10:.4f}", f"{score.recall_at_100:.4f}")
    console.print(table)


def _engine(settings: Settings, store: Store) -> SearchEngine:
    """The local index, or with INDEX_URL the generation the web instances serve."""
    from paperscope.index.artifacts import ArtifactError, IndexMismatchError
    from paperscope.index.publish import PublishError
    from paperscope.search.service import open_engine

    try:
        return open_engine(settings=settings, store=store)[0]
    except (ArtifactError, IndexMismatchError, PublishError) as exc:
        raise UserError(str(exc)) from exc


def _titles(store: Store, ids: list[str]) -> dict[str, str]:
    from paperscope.store.papers import get_papers

    return {p.paper_id: p.title for p in get_papers(store=store, paper_ids=ids)}


def _hit_json(hit: Hit, titles: dict[str, str]) -> dict[str, Any]:
    return dataclasses.asdict(hit) | {"title": titles.get(hit.paper_id, "")}


def _print_hits(hits: list[Hit], titles: dict[str, str], caption: str) -> None:
    table = Table(caption=caption, show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("paper")
    table.add_column("title")
    table.add_column("score", justify="right")
    table.add_column("why")
    for hit in hits:
        why = []
        if hit.matched_terms:
            why.append("terms: " + ", ".join(hit.matched_terms[:6]))
        if hit.semantic_score is not None:
            why.append(f"semantic {hit.semantic_score:.2f}")
        table.add_row(
            str(hit.rank),
            hit.paper_id,
            titles.get(hit.paper_id, ""),
            f"{hit.score:.3f}",
            "; ".join(why),
        )
    console.print(table)
