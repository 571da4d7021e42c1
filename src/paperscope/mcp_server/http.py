"""The MCP server over streamable HTTP, as one endpoint of the web app (``/mcp``).

Stateless, with plain JSON answers: every POST carries a whole JSON-RPC exchange and
its own ``Authorization`` header, so any worker of ``paperscope serve --workers N``
can answer any request and no session lives in one process. The SDK's session
manager runs inside the web app's lifespan (``running()``); a fresh one per run,
since a manager cannot be restarted.

Host and Origin headers are checked against PUBLIC_BASE_URL and loopback (the SDK's
DNS-rebinding protection): a web page elsewhere cannot drive a local server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from fastapi.responses import JSONResponse
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings

from paperscope.config import Settings

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PATH = "/mcp"
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """Requests must name this site (PUBLIC_BASE_URL) or loopback as their Host, and
    come from no browser page or one of those origins."""
    public = urlsplit(settings.public_base_url)
    hosts = [public.netloc, f"{public.hostname}:*", *LOOPBACK, *(f"{h}:*" for h in LOOPBACK)]
    origins = [f"{public.scheme}://{public.netloc}"]
    origins += [f"{scheme}://{h}:*" for h in LOOPBACK for scheme in ("http", "https")]
    origins += [f"{scheme}://{h}" for h in LOOPBACK for scheme in ("http", "https")]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(dict.fromkeys(hosts)),
        allowed_origins=list(dict.fromkeys(origins)),
    )


class StreamableHttpEndpoint:
    """An ASGI app for the ``/mcp`` route; answers 503 outside the app's lifespan."""

    def __init__(self, server: MCPServer[Any], *, settings: Settings) -> None:
        self._server = server
        self._security = transport_security(settings)
        self._app: ASGIApp | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        app = self._server.streamable_http_app(
            streamable_http_path=PATH,
            stateless_http=True,
            json_response=True,
            transport_security=self._security,
        )
        async with self._server.session_manager.run():
            self._app = app
            try:
                yield
            finally:
                self._app = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            response = JSONResponse(
                {"error": {"code": "unavailable", "message": "the MCP endpoint is not running"}},
                status_code=503,
            )
            await response(scope, receive, send)
            return
        if scope["type"] == "http" and scope["method"] == "GET":
            # The spec lets a server without server-initiated messages refuse the GET
            # event stream with a 405; stateless, this one has none to send, and an
            # open stream would only hang the caller.
            response = JSONResponse(
                {
                    "error": {
                        "code": "method_not_allowed",
                        "message": "This MCP endpoint is stateless and opens no event "
                        "stream: send JSON-RPC requests with POST.",
                    }
                },
                status_code=405,
                headers={"Allow": "POST"},
            )
            await response(scope, receive, send)
            return
        await self._app(scope, receive, send)
