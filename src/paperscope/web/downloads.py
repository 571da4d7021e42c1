"""Exports as downloads: a bibliography (BibTeX, RIS, CSL-JSON) sent as a file whose
name every browser can save. The library, a tag, a search and a collection export
through here."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import quote

from fastapi import Response

from paperscope.references import ascii_text, media_type

ExportFormat = Literal["bibtex", "ris", "csl-json"]


def download(text: str, fmt: str, stem: str) -> Response:
    """``text`` as a file named after ``stem``: in full (``filename*``, UTF-8, which
    browsers prefer: "Lectures d’été") and in ASCII for older clients (letters
    transliterated as in citation keys, other characters made dashes)."""
    mime, extension = media_type(fmt)
    name = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', "-", stem).strip(" .-") or "export"
    safe = re.sub(r"[^A-Za-z0-9._]+", "-", ascii_text(name, other="-")).strip("-") or "export"
    full = quote(f"{name}.{extension}", safe="")
    return Response(
        text,
        media_type=f"{mime}; charset=utf-8",
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{safe}.{extension}\"; filename*=UTF-8''{full}"
            )
        },
    )
