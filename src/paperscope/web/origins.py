"""The second line of defence against cross-site requests: a state-changing request
must come from one of the site's own pages. Browsers send ``Origin`` on every POST
(``Referer`` when an old one does not); either naming another site is refused, even
with a valid CSRF token. A request with neither (curl, a script) relies on the token."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from paperscope.config import Settings
from paperscope.web.errors import ApiError


def _host_port(url: str) -> tuple[str, str] | None:
    """(scheme, host[:port]) of an absolute http(s) URL, lower-cased; None otherwise."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, host + (f":{port}" if port and port != default else "")


def site_origins(request: Request, settings: Settings) -> set[str]:
    """The site's own hosts: the public URL setting and the Host the request came to
    (a proxy may terminate TLS, so the scheme of the latter is not compared)."""
    hosts = set()
    public = _host_port(settings.public_base_url)
    if public:
        hosts.add(public[1])
    request_host = request.headers.get("host", "").strip().lower()
    if request_host:
        scheme = request.url.scheme
        own = _host_port(f"{scheme}://{request_host}/")
        if own:
            hosts.add(own[1])
    return hosts


def check_same_origin(request: Request, settings: Settings) -> None:
    """403 when Origin (else Referer) names a site other than this one."""
    sender = request.headers.get("origin")
    header = "Origin"
    if sender is None:
        sender, header = request.headers.get("referer"), "Referer"
    if sender is None:
        return
    parsed = _host_port(sender)
    if parsed is None or parsed[1] not in site_origins(request, settings):
        raise ApiError(
            403,
            "cross_origin",
            f"This request came from another site ({header}: {sender[:100]!r}) and was "
            "refused. Use the form on this site.",
            {"header": header},
        )
