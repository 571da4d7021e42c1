"""Every route of the site, one module per area. Order matters where paths overlap:
the Atom/RSS paths (/search.atom, /categories/{name}.atom, /authors/{name}.atom)
come before the pages they would otherwise be read as, references before library
(/api/v1/library/{paper_id:path} would take /api/v1/library/export), discussions and
moderation before papers (/api/v1/papers/{id:path} would take
/api/v1/papers/{id}/comments), and papers last, since /papers/{id:path} would swallow
longer paths. people serves /authors/{name} pages, after the feeds'
/authors/{name}.atom."""

from __future__ import annotations

from fastapi import APIRouter

from paperscope.web.routes import (
    accounts,
    browse,
    collections,
    daily,
    discussions,
    docs,
    feeds,
    hf,
    library,
    moderation,
    papers,
    people,
    recommend,
    recovery,
    references,
    search,
    submit,
    subscriptions,
    unapi,
    verify_email,
)

AREAS = (
    docs,
    feeds,
    subscriptions,
    accounts,
    recovery,
    daily,
    search,
    references,
    unapi,
    library,
    submit,
    browse,
    hf,
    recommend,
    discussions,
    moderation,
    collections,
    people,
    verify_email,
    papers,
)


def routers() -> list[APIRouter]:
    return [area.routes.router for area in AREAS]
