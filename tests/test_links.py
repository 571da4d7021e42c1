"""Which links are kept, and the code and project links found in arXiv text."""

from __future__ import annotations

import pytest

from paperscope.links import avatar_href, links_in_text, safe_avatar, safe_url


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "//evil.example/x",
        "https://user:pw@evil.example/",
        "https://exa mple.org/",
        "https://example.org/\x00",
        "ftp://example.org/file",
        "https:///nohost",
        "https://" + "a" * 2100,
        "",
        None,
        42,
    ],
)
def test_only_http_urls_are_kept(value: object) -> None:
    assert safe_url(value) is None


def test_http_urls_pass_unchanged() -> None:
    assert safe_url("https://github.com/org/repo") == "https://github.com/org/repo"
    assert safe_url("  http://example.org:8080/a?b=c#d ") == "http://example.org:8080/a?b=c#d"


def test_avatars_may_be_paths_on_the_source_site() -> None:
    assert safe_avatar("/avatars/1b09.svg") == "/avatars/1b09.svg"
    assert avatar_href("/avatars/1b09.svg") == "https://huggingface.co/avatars/1b09.svg"
    assert safe_avatar("//evil.example/a.png") is None
    assert safe_avatar("javascript:alert(1)") is None
    assert avatar_href(None) is None


@pytest.mark.parametrize(
    ("comments", "abstract", "code", "project"),
    [
        ("Code: https://github.com/org/repo.", "", "https://github.com/org/repo", None),
        ("10 pages. github.com/a/b", "", "https://github.com/a/b", None),
        (
            "",
            "We build on https://github.com/facebookresearch/detectron2 and our code is "
            "available at https://github.com/me/mine/tree/main. Project page: "
            "https://example.org/mine",
            "https://github.com/me/mine",
            "https://example.org/mine",
        ),
        (
            "",
            "Code and models: https://huggingface.co/spaces/x/y",
            "https://huggingface.co/spaces/x/y",
            None,
        ),
        (
            "",
            "The code is released at https://gitlab.com/g/sub/repo/-/tree/main",
            "https://gitlab.com/g/sub/repo",
            None,
        ),
        ("See https://me.github.io/paper/ for videos", "", None, "https://me.github.io/paper/"),
        ("", "Results on https://huggingface.co/papers/2401.00001 are shown.", None, None),
        ("", "Baselines from https://github.com/a/b and https://github.com/c/d.", None, None),
        ("Code: javascript:alert(1)", "", None, None),
    ],
)
def test_links_announced_in_text(
    comments: str, abstract: str, code: str | None, project: str | None
) -> None:
    assert links_in_text(comments, abstract) == (code, project)
