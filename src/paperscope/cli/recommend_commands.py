"""`paperscope recommend`: a reader's "For you" list in the terminal or as JSON, and
`--refresh` to rebuild the candidate matrix from the dense index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import typer
from rich.table import Table

from paperscope.cli.common import (
    DataDirOption,
    UserError,
    console,
    make_settings,
    no_such_tag,
    open_store,
    reader_tags,
    user_id_of,
)
from paperscope.rank.recommend import (
    WINDOWS,
    CandidatesError,
    Recommendations,
    Recommender,
    UnknownTag,
    Window,
    lazy_query_embedder,
    refresh_candidates_from_index,
)
from paperscope.store.papers import get_papers


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.command("recommend")(recommend)


def recommend(
    user: str = typer.Option(None, "--user", help="Username whose recommendations to show."),
    tag: str = typer.Option(None, "--tag", help="Only this library tag."),
    window: str = typer.Option("week", "--window", help="day, week, month or all."),
    limit: int = typer.Option(20, "--limit", min=1, max=1000, help="How many papers."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    refresh: bool = typer.Option(
        False, "--refresh", help="Rebuild the recommendation candidates from the search index."
    ),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Papers recommended for a reader, from their library, upvotes, thumbs and interests."""
    if window not in WINDOWS:
        raise UserError(f"--window {window!r} is not one of {', '.join(WINDOWS)}")
    if user is None and not refresh:
        raise UserError("give --user NAME (or --refresh to rebuild the candidates)")
    settings = make_settings(data_dir)
    with open_store(settings) as store:
        if refresh:
            try:
                built = refresh_candidates_from_index(settings=settings, store=store)
            except CandidatesError as exc:
                raise UserError(str(exc)) from exc
            console.print(f"recommendation candidates: {len(built):,} papers, {built.dim}-d")
        if user is None:
            return
        user_id = user_id_of(store, user)
        recommender = Recommender.open(
            settings=settings, store=store, embed_query=lazy_query_embedder(settings)
        )
        try:
            result = recommender.recommend(
                user_id=user_id, tag=tag, window=_window(window), limit=limit
            )
        except UnknownTag as exc:
            raise no_such_tag(user, tag or "", reader_tags(store, user_id)) from exc
        except CandidatesError as exc:
            raise UserError(str(exc)) from exc
        titles = {p.paper_id: p.title for p in get_papers(store=store, paper_ids=_ids(result))}
        if as_json:
            typer.echo(orjson.dumps(payload(user, result, titles), option=orjson.OPT_INDENT_2))
        else:
            _print_table(user, result, titles)


def _window(text: str) -> Window:
    for window in WINDOWS:
        if window == text:
            return window
    raise UserError(f"--window {text!r} is not one of {', '.join(WINDOWS)}")


def _ids(result: Recommendations) -> list[str]:
    return [item.paper_id for item in result.items]


def payload(username: str, result: Recommendations, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "user": username,
        "window": result.window,
        "since": result.since.isoformat() if result.since else None,
        "tag": result.tag,
        "needs_onboarding": result.needs_onboarding,
        "candidates": result.candidates,
        "items": [
            {
                "paper_id": item.paper_id,
                "title": titles.get(item.paper_id, ""),
                "date": item.day.isoformat() if item.day else None,
                "score": round(item.score, 4),
                "reason": {
                    "group": item.reason.group,
                    "tag": item.reason.tag,
                    "similar_to": list(item.reason.similar_to),
                    "interests": list(item.reason.interests),
                    "text": item.reason.text,
                },
            }
            for item in result.items
        ],
    }


def _print_table(username: str, result: Recommendations, titles: dict[str, str]) -> None:
    if result.needs_onboarding:
        console.print(
            f"{username} has no library, upvotes, thumbs or interests yet: nothing to learn "
            "from. Save or upvote a few papers, or add interests on the For you page."
        )
        return
    since = f" since {result.since.isoformat()}" if result.since else ""
    scope = f' tag "{result.tag}"' if result.tag else ""
    table = Table(title=f"For {username}{scope}: {result.window}{since}", show_lines=False)
    for column in ("#", "paper", "date", "title", "why"):
        table.add_column(column, overflow="fold")
    for rank, item in enumerate(result.items, start=1):
        title = titles.get(item.paper_id, "")
        day = item.day.isoformat() if item.day else "undated"
        table.add_row(str(rank), item.paper_id, day, title, item.reason.text)
    console.print(table)
    if not result.items:
        console.print(_nothing_new(result.window))


def _nothing_new(window: str) -> str:
    """Suggest only windows wider than the one that found nothing."""
    wider = list(WINDOWS[WINDOWS.index(window) + 1 :]) if window in WINDOWS else []
    if not wider:
        return (
            "no papers to recommend in any window: import or harvest more papers, then "
            "rebuild the candidates with `paperscope recommend --refresh`"
        )
    choices = wider[0] if len(wider) == 1 else f"{', '.join(wider[:-1])} or {wider[-1]}"
    return f"no new papers in this window: try --window {choices}"
