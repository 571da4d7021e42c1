"""Outside links of a paper: which URLs may be stored or shown, and the code and project
links that arXiv comments and abstracts announce ("Code: https://github.com/org/repo").

Only http(s) URLs are ever kept: a ``javascript:``, ``data:`` or other scheme is refused
when a record is read and again when a page or an API response is written, so no
hostile link depends on the browser's content security policy to stay inert."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000
# Where avatars given as paths ("/avatars/x.svg") live.
HF_SITE = "https://huggingface.co"

_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")


def safe_url(value: object) -> str | None:
    """``value`` when it is an absolute http(s) URL with a plain host and no spaces or
    control characters; None otherwise."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or len(url) > MAX_URL_LENGTH or _CONTROL.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    return url if "@" not in parts.netloc and _HOST.match(host) else None


def safe_avatar(value: object) -> str | None:
    """An avatar as a source gave it: an http(s) URL, or a path on the source site
    ("/avatars/x.svg", as Hugging Face writes them). Anything else: None."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
        return value if safe_url(HF_SITE + value) else None
    return safe_url(value)


def avatar_href(value: str | None) -> str | None:
    """The URL to show for a stored avatar (paths resolved on the source site)."""
    if value and value.startswith("/") and not value.startswith("//"):
        return safe_url(HF_SITE + value)
    return safe_url(value)


# ---------------------------------------------------------------- links in text

_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "huggingface.co")
_URL_CHARS = re.compile(r"[^\s<>\"'`{}|\\^]+")
_URL = re.compile(r"https?://" + _URL_CHARS.pattern, re.IGNORECASE)
_WORD_OR_PATH = re.compile(r"[\w./-]")
_TRAILING = ".,;:!?)]}'\"*>"
# Code hosts and how many path segments name a repository there.
_REPO_PATHS = {
    "github.com": re.compile(r"^/([\w.-]+/[\w.-]+)"),
    "codeberg.org": re.compile(r"^/([\w.-]+/[\w.-]+)"),
    "bitbucket.org": re.compile(r"^/([\w.-]+/[\w.-]+)"),
    # GitLab groups nest; "/-/" starts the repository's own pages.
    "gitlab.com": re.compile(r"^/((?:[\w.-]+/)+?[\w.-]+)(?:/-/|/?$|/(?:tree|blob)/)"),
    "huggingface.co": re.compile(r"^/((?:spaces/|datasets/)?[\w.-]+/[\w.-]+)"),
}
_NOT_REPO = re.compile(
    r"^(?:papers|docs|blog|models|spaces|datasets|collections|organizations|settings|"
    r"features|topics|orgs|about|login|join|search|marketplace|sponsors|apps)$",
    re.IGNORECASE,
)
_CODE_CUE = re.compile(
    r"\b(?:code|codes|implementation|source|repo|repository|available|release[sd]?|"
    r"open[- ]?sourced?|github|gitlab|model|weights|checkpoints?|demo)\b",
    re.IGNORECASE,
)
_PROJECT_CUE = re.compile(
    r"\b(?:project(?:\s+(?:page|website|site|homepage))?|website|homepage|web\s*(?:page|site))"
    r"\s*(?:is\s+)?(?:available\s+)?(?:at|:|-|on)?\s*$",
    re.IGNORECASE,
)
_CUE_WINDOW = 100


def links_in_text(*texts: str | None) -> tuple[str | None, str | None]:
    """(code_url, project_url) announced in the texts, searched in order; conservative:
    code is a repository on GitHub, GitLab, Bitbucket, Codeberg or Hugging Face named
    near a cue ("code", "available", ...), or the only such repository in the first text
    (arXiv comments are the authors' own notes); a project page is a URL right after
    "project page:", "website:" and the like, or a github.io site."""
    code = project = None
    for index, text in enumerate(texts):
        if not text or not _may_hold_links(text):
            continue
        spans = _url_spans(text)
        found = [(start, url) for start, _, raw in spans if (url := _checked(raw))]
        repos = [(start, repo) for start, url in found if (repo := _repository(url))]
        for start, repo in repos:
            # Words of other URLs ("github" in a baseline's address) are no cue.
            before = _without_urls(text, max(0, start - _CUE_WINDOW), start, spans)
            if code is None and _CODE_CUE.search(before):
                code = repo
        if code is None and index == 0 and len({r for _, r in repos}) == 1:
            code = repos[0][1]
        for start, url in found:
            if _repository(url) or project:
                continue
            before = text[max(0, start - 40) : start]
            if _PROJECT_CUE.search(before) or _is_pages_site(url):
                project = url
    return code, project


def _may_hold_links(text: str) -> bool:
    """Most texts name no URL at all: substring tests rule them out far faster than a
    regular expression (bulk imports read millions of abstracts)."""
    low = text.lower()
    return "http" in low or any(host in low for host in _CODE_HOSTS)


def _url_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of every URL, with a scheme or a bare code host
    ("github.com/org/repo"), in order. Bare hosts are found with str.find: a regular
    expression with a look-behind tried at every position was the slow part."""
    spans = [(m.start(), m.end(), m.group()) for m in _URL.finditer(text)]
    low = text.lower()
    for host in _CODE_HOSTS:
        at = low.find(host + "/")
        while at != -1:
            start = at - 4 if low.startswith("www.", at - 4) else at
            if start == 0 or not _WORD_OR_PATH.match(text, start - 1):
                rest = _URL_CHARS.match(text, start)
                if rest:
                    spans.append((start, rest.end(), rest.group()))
            at = low.find(host + "/", at + 1)
    return sorted(spans)


def _checked(raw: str) -> str | None:
    url = raw.rstrip(_TRAILING)
    if not url.lower().startswith(("http://", "https://")):
        url = "https://" + url
    return safe_url(url)


def _without_urls(text: str, start: int, end: int, spans: list[tuple[int, int, str]]) -> str:
    chars = list(text[start:end])
    for s_start, s_end, _ in spans:
        for i in range(max(s_start, start), min(s_end, end)):
            chars[i - start] = " "
    return "".join(chars)


def _repository(url: str) -> str | None:
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    pattern = _REPO_PATHS.get(host)
    match = pattern.match(parts.path) if pattern else None
    if match is None:
        return None
    path = match.group(1).removesuffix(".git")
    first = path.split("/", 1)[0]
    if _NOT_REPO.match(first) and not path.startswith(("spaces/", "datasets/")):
        return None
    return f"https://{host}/{path}"


def _is_pages_site(url: str) -> bool:
    host = urlsplit(url).netloc.lower()
    return host.endswith(".github.io") or host.endswith(".gitlab.io")
