"""The MCP tools: each validates its arguments (the SDK checks types and ranges from
the annotations, and refuses an argument the tool does not take), makes one call into
the Python API (paperscope/instance.py) and shapes the answer (shapes.py). A mistake in
the call comes back as a tool error (``isError``) that names what was wrong; it never
ends the server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal, TypeVar, cast

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from mcp.types import ToolAnnotations
from pydantic import ConfigDict, Field

from paperscope.instance import Paperscope, PaperscopeError
from paperscope.mcp_server import shapes
from paperscope.mcp_server.identity import Identity, IdentityError
from paperscope.models import PaperStats

MAX_RESULTS = 100
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
ADDS = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)

Limit = Annotated[int, Field(ge=1, le=MAX_RESULTS, description="How many papers, 1 to 100.")]
PaperId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="arXiv id in any spelling (2401.12345, 2401.12345v2, an arXiv URL) "
        "or a paperscope id (ps-...).",
    ),
]
Day = Annotated[str | None, Field(description="Day as YYYY-MM-DD, e.g. 2024-10-25.", max_length=40)]
InCategory = Annotated[
    str | None,
    Field(
        description="Only papers in this arXiv category or archive, e.g. cs.CL or cs.",
        max_length=40,
    ),
]
SearchSort = Literal["relevance", "newest", "oldest", "citations"]
ToolFunction = TypeVar("ToolFunction", bound=Callable[..., Any])


class Tools:
    """The tools, built as the SDK's ``@server.tool()`` builds them but with strict
    arguments: the SDK's argument model ignores a name the tool does not take, so a
    mistyped argument (``serach_papers {"querry": ...}``) would quietly search for
    nothing; here pydantic refuses it (``extra="forbid"``) and the tool input schema
    says so (``additionalProperties: false``). ``tools`` go to the server's
    constructor."""

    def __init__(self) -> None:
        self.tools: list[Tool] = []

    def tool(self, *, annotations: ToolAnnotations) -> Callable[[ToolFunction], ToolFunction]:
        def add(fn: ToolFunction) -> ToolFunction:
            self.tools.append(_strict(Tool.from_function(fn, annotations=annotations)))
            return fn

        return add


def _strict(tool: Tool) -> Tool:
    """``tool`` with an argument model that refuses unknown arguments."""
    loose = tool.fn_metadata.arg_model
    strict = cast(
        type[ArgModelBase],
        type(
            loose.__name__,
            (loose,),
            {"model_config": ConfigDict(extra="forbid"), "__module__": loose.__module__},
        ),
    )
    metadata = tool.fn_metadata.model_copy(update={"arg_model": strict})
    schema = strict.model_json_schema(by_alias=True)
    return tool.model_copy(update={"fn_metadata": metadata, "parameters": schema})


@contextmanager
def reported() -> Iterator[None]:
    """Our own errors become tool errors with their message."""
    try:
        yield
    except (PaperscopeError, IdentityError) as exc:
        raise ToolError(str(exc)) from None


def register_tools(server: Tools, *, api: Paperscope, identity: Identity) -> None:
    """Add every paperscope tool to ``server``."""
    settings = api.settings

    @server.tool(annotations=READ_ONLY)
    def search_papers(
        query: Annotated[
            str,
            Field(
                max_length=1000,
                description='Search text: words, "exact phrases", -excluded, au:author, '
                "ti:title-word. Empty lists the newest papers that pass the filters.",
            ),
        ] = "",
        category: Annotated[
            str | None, Field(description="Only this arXiv category, e.g. cs.LG.", max_length=40)
        ] = None,
        author: Annotated[
            str | None, Field(description="Only papers by this author.", max_length=200)
        ] = None,
        date_from: Day = None,
        date_to: Day = None,
        sort: Annotated[
            SearchSort,
            Field(description="relevance, newest, oldest, or citations (most cited first)."),
        ] = "relevance",
        limit: Limit = 10,
    ) -> dict[str, Any]:
        """Search the papers of this paperscope (hybrid keyword + semantic search).
        Returns compact results: id, title, first authors, date, one-line summary,
        score and url. Use get_paper for a paper's abstract."""
        with reported():
            results = api.search(
                query,
                categories=category or (),
                authors=author or (),
                date_from=date_from,
                date_to=date_to,
                sort=sort,
                limit=limit,
            )
            papers = {p.paper_id: p for p in api.papers([h.paper_id for h in results.hits])}
        return {
            "query": query,
            "total": results.total,
            "notice": results.notice,
            "did_you_mean": results.did_you_mean,
            "results": [
                shapes.hit_brief(settings, hit, papers[hit.paper_id])
                for hit in results.hits
                if hit.paper_id in papers
            ],
        }

    @server.tool(annotations=READ_ONLY)
    def get_paper(paper_id: PaperId) -> dict[str, Any]:
        """One paper in full: title, all authors, abstract, categories, dates, DOI,
        journal reference, links and upvotes."""
        with reported():
            paper = api.paper(paper_id)
            stats = api.stats([paper.paper_id]).get(paper.paper_id)
        return shapes.full(settings, paper, stats)

    @server.tool(annotations=READ_ONLY)
    def similar_papers(paper_id: PaperId, limit: Limit = 10) -> dict[str, Any]:
        """The papers most similar to one paper (by meaning, from their abstracts)."""
        with reported():
            paper = api.paper(paper_id)
            hits = api.similar(paper.paper_id, limit=limit)
            papers = {p.paper_id: p for p in api.papers([h.paper_id for h in hits])}
        return {
            "paper": shapes.brief(settings, paper),
            "similar": [
                shapes.hit_brief(settings, hit, papers[hit.paper_id])
                for hit in hits
                if hit.paper_id in papers
            ],
        }

    @server.tool(annotations=READ_ONLY)
    def daily_papers(
        date: Day = None,
        week: Annotated[
            str | None, Field(description="ISO week, e.g. 2024-W43.", max_length=40)
        ] = None,
        month: Annotated[
            str | None, Field(description="Month, e.g. 2024-10.", max_length=40)
        ] = None,
        sort: Literal["upvotes", "newest"] = "upvotes",
        limit: Limit = 20,
        category: InCategory = None,
    ) -> dict[str, Any]:
        """The daily feed of one day, ISO week or month (give at most one of date, week,
        month; none: the latest day with papers), most upvoted first."""
        with reported():
            daily = api.daily(
                date=date, week=week, month=month, sort=sort, limit=limit, category=category
            )
            stats = api.stats([p.paper_id for p in daily.papers])
        return {
            "period": daily.period.kind,
            "key": daily.period.key,
            "start": daily.period.start.isoformat(),
            "end": daily.period.end.isoformat(),
            "total": daily.total,
            "papers": [
                shapes.brief(settings, p, upvotes=_upvotes(stats.get(p.paper_id)))
                for p in daily.papers
            ],
        }

    @server.tool(annotations=READ_ONLY)
    def trending_papers(
        window: Literal["day", "week", "month"] = "week",
        limit: Limit = 20,
        category: InCategory = None,
    ) -> dict[str, Any]:
        """Papers with the most recent community activity (upvotes, saves,
        submissions), time-decayed, over the last day, week or month."""
        with reported():
            ranked = api.trending(window=window, limit=limit, category=category)
        where = f" in {category}" if category else ""
        notice = None if ranked else f"no upvotes, saves or submissions{where} in the last {window}"
        return {
            "window": window,
            "notice": notice,
            "papers": [shapes.brief(settings, t.paper, score=round(t.score, 3)) for t in ranked],
        }

    register_user_tools(server, api=api, identity=identity)


def register_user_tools(server: Tools, *, api: Paperscope, identity: Identity) -> None:
    """The tools that act for one reader: their library and recommendations."""
    settings = api.settings

    @server.tool(annotations=READ_ONLY)
    def library_list(
        ctx: Context,
        tag: Annotated[str | None, Field(description="Only papers with this tag.")] = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """Your saved papers (newest first), with their tags and notes. Needs your
        personal API token."""
        with reported():
            user = identity.user_for("library_list", ctx.headers)
            page = api.library(user, tag=tag, limit=limit)
        return {
            "user": user.username,
            "total": page.total,
            "items": [
                shapes.library_entry(settings, item, page.papers.get(item.paper_id))
                for item in page.items
            ],
        }

    @server.tool(annotations=ADDS)
    def library_add(
        ctx: Context,
        paper_id: PaperId,
        tags: Annotated[
            list[Annotated[str, Field(max_length=100)]] | None,
            Field(description="Tags to set on the saved paper (replace its tags).", max_length=50),
        ] = None,
        note: Annotated[
            str | None, Field(description="A note to keep with it.", max_length=10_000)
        ] = None,
    ) -> dict[str, Any]:
        """Save a paper to your library, optionally with tags and a note (saving again
        replaces the given fields). Needs your personal API token."""
        with reported():
            user = identity.user_for("library_add", ctx.headers)
            item = api.save(user, paper_id, tags=tags, note=note)
            paper = api.paper(item.paper_id)
        return {"user": user.username, "saved": shapes.library_entry(settings, item, paper)}

    @server.tool(annotations=READ_ONLY)
    def recommend(
        ctx: Context,
        window: Literal["day", "week", "month", "all"] = "week",
        tag: Annotated[
            str | None, Field(description="Only from your papers with this tag.")
        ] = None,
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """New papers recommended for you from your library, upvotes and interests,
        each with the reason. Needs your personal API token."""
        with reported():
            user = identity.user_for("recommend", ctx.headers)
            result = api.recommend(user, tag=tag, window=window, limit=limit)
            papers = {p.paper_id: p for p in api.papers([i.paper_id for i in result.items])}
        notice = None
        if result.needs_onboarding:
            notice = "nothing to learn from yet: save or upvote a few papers first"
        return {
            "user": user.username,
            "window": result.window,
            "since": result.since.isoformat() if result.since else None,
            "notice": notice,
            "papers": [
                shapes.brief(
                    settings, papers[i.paper_id], score=round(i.score, 4), why=i.reason.text
                )
                for i in result.items
                if i.paper_id in papers
            ],
        }


def _upvotes(stats: PaperStats | None) -> int:
    return stats.total_upvotes if stats is not None else 0
