"""The app factory: builds the store, templates, search service and routers from
Settings. Nothing is created at import time; `paperscope serve` and tests call
create_app(settings)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from paperscope.config import Settings
from paperscope.mcp_server import PATH as MCP_PATH
from paperscope.mcp_server import http_endpoint
from paperscope.search.service import SearchService
from paperscope.store import Store
from paperscope.web.arxiv_fetches import ArxivFetches
from paperscope.web.auth import ensure_local_user
from paperscope.web.deps import reject_control_characters
from paperscope.web.error_handlers import install_error_handlers
from paperscope.web.head_requests import HeadAsGetMiddleware
from paperscope.web.page_cache import PageCacheMiddleware
from paperscope.web.rendering import STATIC_DIR
from paperscope.web.routes import routers
from paperscope.web.search_slots import search_slots
from paperscope.web.security import CsrfSigner, SecurityMiddleware

# Only ever accepted in dev mode (Settings.dev_mode); `make run` uses dev mode.
DEV_SECRET_KEY = "paperscope-dev-secret-not-for-production"
MIN_SECRET_LENGTH = 16

API_DESCRIPTION = """JSON API of paperscope. Every page of the site has a JSON twin here.

Authenticate with a personal API token (`paperscope tokens create` or the account page):
`Authorization: Bearer ps_...`. Errors always have the shape
`{"error": {"code": "...", "message": "...", "details": {...}}}`.
"""


class ConfigurationError(Exception):
    """The settings cannot run a web server (e.g. no secret key outside dev mode)."""


def resolve_secret_key(settings: Settings) -> str:
    key = settings.secret_key
    if key and key != DEV_SECRET_KEY:
        if len(key) < MIN_SECRET_LENGTH and not settings.dev_mode:
            raise ConfigurationError(
                f"PAPERSCOPE_SECRET_KEY is too short: use at least {MIN_SECRET_LENGTH} random "
                "characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)."
            )
        return key
    if settings.dev_mode:
        return DEV_SECRET_KEY
    raise ConfigurationError(
        "Set PAPERSCOPE_SECRET_KEY to a long random value (e.g. `python -c 'import secrets; "
        "print(secrets.token_urlsafe(32))'`); the built-in key is only for PAPERSCOPE_DEV_MODE=1."
    )


def _static_version() -> str:
    """Changes whenever our CSS or JS changes, so browsers may cache them for long."""
    digest = hashlib.sha1()
    for path in sorted(STATIC_DIR.glob("*/*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(str(path.stat().st_mtime_ns).encode())
    return digest.hexdigest()[:10]


class PaperscopeApp(FastAPI):
    """FastAPI with the security middleware wrapped around Starlette's whole stack:
    added with add_middleware it would sit inside ServerErrorMiddleware, and the
    500 page (sent from there) would go out without the security headers."""

    def build_middleware_stack(self) -> ASGIApp:
        inner = HeadAsGetMiddleware(super().build_middleware_stack())
        return SecurityMiddleware(inner, cookie_secure=self.state.settings.cookie_secure)


def app_from_environment() -> FastAPI:
    """The app as configured by ``PAPERSCOPE_*`` variables (each of ``paperscope serve
    --workers N``'s processes builds its own)."""
    return create_app(Settings())


def create_app(settings: Settings, *, store: Store | None = None) -> FastAPI:
    """Build the web app. ``store`` lets tests share an already-open store."""
    secret_key = resolve_secret_key(settings)
    owns_store = store is None
    the_store = store if store is not None else Store.open(settings)

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        # The MCP endpoint's session manager lives exactly as long as the app.
        app_.state.search.start()  # follows INDEX_URL's generations when set
        async with app_.state.mcp.running():
            yield
        app_.state.arxiv_fetches.close()
        app_.state.search.stop()
        if owns_store:
            the_store.close()

    app = PaperscopeApp(
        title="paperscope",
        description=API_DESCRIPTION,
        version="1",
        docs_url=None,  # served by routes/docs.py with vendored assets (no CDN, strict CSP)
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(reject_control_characters)],
    )
    _configure_state(app, settings, the_store, secret_key)
    app.add_middleware(
        PageCacheMiddleware,
        store=the_store,
        share=settings.page_cache and not settings.single_user,
        memo=settings.page_cache,
        max_bytes=settings.page_cache_mb * 1024 * 1024,
        bucket_seconds=settings.page_cache_seconds,
        max_age=settings.page_max_age,
    )
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    install_error_handlers(app)
    app.router.add_route(MCP_PATH, app.state.mcp, include_in_schema=False)
    _include_routers(app)
    return app


def _configure_state(app: FastAPI, settings: Settings, store: Store, secret_key: str) -> None:
    app.state.settings = settings
    app.state.store = store
    app.state.csrf = CsrfSigner(secret_key)
    app.state.secret_key = secret_key
    app.state.static_version = _static_version()
    app.state.local_user = ensure_local_user(store) if settings.single_user else None
    app.state.search = SearchService(settings=settings, store=store)
    app.state.search_slots = search_slots(settings)
    app.state.arxiv_fetches = ArxivFetches(settings)
    # MCP over streamable HTTP (docs/mcp.md): the same tools as `paperscope mcp`.
    app.state.mcp = http_endpoint(
        settings=settings, store=store, search=app.state.search, local_user=app.state.local_user
    )


def _include_routers(app: FastAPI) -> None:
    for router in routers():
        app.include_router(router)
