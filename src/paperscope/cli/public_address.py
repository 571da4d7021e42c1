"""Links in feeds and mails are built from PAPERSCOPE_PUBLIC_BASE_URL, not from the
request (a feed reader or a mailbox has no request to go by). When that setting is
left at its default while the site listens somewhere else, every such link points at
an address readers cannot reach; `paperscope serve` says so when it starts."""

from __future__ import annotations

from urllib.parse import urlsplit

from paperscope.config import Settings

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def listening_url(host: str, port: int) -> str:
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def public_address_warning(settings: Settings, host: str, port: int) -> str | None:
    """A warning when the public address was not set and is not where the site listens."""
    if "public_base_url" in settings.model_fields_set:
        return None
    default = urlsplit(settings.public_base_url)
    same_host = host == default.hostname or (host in _LOOPBACK and default.hostname in _LOOPBACK)
    if same_host and port == default.port:
        return None
    return (
        f"PAPERSCOPE_PUBLIC_BASE_URL is not set, so links in feeds and mails point at "
        f"{settings.public_base_url}, but the site listens on {listening_url(host, port)}. "
        "Set PAPERSCOPE_PUBLIC_BASE_URL to the address readers use "
        "(e.g. https://papers.example.org)."
    )
