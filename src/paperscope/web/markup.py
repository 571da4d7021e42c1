"""Comment text to safe HTML: Markdown (CommonMark, tables, strikethrough) with
``$...$`` and ``$$...$$`` math, then an allow-list sanitiser.

Math is not typeset here: it is written back with KaTeX's ``\\(..\\)``/``\\[..\\]``
delimiters inside ``class="math"`` elements, which the site's script already renders
(with KaTeX's ``trust`` off). Raw HTML in a comment is shown as text, and whatever the
Markdown renderer emits still passes nh3, so a renderer bug cannot become a script:
only the tags below survive, links keep http, https and mailto targets only and get
``rel="nofollow noopener ugc"``, images become links to them (no tracking pixels)."""

from __future__ import annotations

from functools import lru_cache
from html import escape
from typing import Any

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from paperscope.typed_text import without_hidden

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td", "span", "div",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
LINK_REL = "nofollow noopener ugc"
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Class names are dropped unless listed: only the math marker the script looks for.
ALLOWED_CLASSES = {"span": {"math"}, "div": {"math"}}


def _math(content: str, options: dict[str, Any]) -> str:
    if options.get("display_mode"):
        return "\\[" + escape(content) + "\\]"
    return "\\(" + escape(content) + "\\)"


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable(["strikethrough", "table"])
    # Digits next to $ ("costs $5 and $6") are prices, not math.
    dollarmath_plugin(
        md, allow_labels=False, allow_digits=False, double_inline=True, renderer=_math
    )
    # The plugin writes $$..$$ inside a sentence as a <div>, which cannot sit in a <p>.
    md.add_render_rule("math_inline_double", _inline_display)
    md.add_render_rule("image", _image_as_link)
    return md


def _image_as_link(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    """An image becomes a link to it: images are not shown (no tracking pixels), and a
    comment that was only an image would otherwise show nothing."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env).strip()
    label = f"Image: {alt}" if alt else "Image"
    return f'<a href="{escape(str(token.attrGet("src") or ""))}">{escape(label)}</a>'


def _inline_display(_self: Any, tokens: Any, idx: int, _options: Any, _env: Any) -> str:
    return '<span class="math">' + _math(tokens[idx].content, {"display_mode": True}) + "</span>"


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        link_rel=LINK_REL,
        url_schemes=set(URL_SCHEMES),
        url_relative="deny",
        allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
    )


def render_comment(body: str) -> str:
    """The HTML shown for a comment's Markdown ``body``; safe to insert as is. Hidden
    characters (typed_text) go here too, not only when a comment is saved: text stored
    before the overrides were refused would still show letters out of order."""
    return sanitise(_markdown().render(without_hidden(body)))
