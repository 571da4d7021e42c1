"""Accounts: sign-up/in/out, password change, the persistent sign-in rate limit,
API tokens, single-user mode and refusing default secrets."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_samples import PASSWORD, csrf_of, sign_up

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.schema_accounts import api_tokens, sessions, users
from paperscope.web.app import ConfigurationError, create_app


def _sign_in(c: TestClient, username: str, password: str) -> int:
    token = csrf_of(c, "/signin")
    r = c.post(
        "/signin",
        data={"csrf_token": token, "username": username, "password": password},
        follow_redirects=False,
    )
    return r.status_code


def test_sign_up_in_out(client: TestClient, loaded_store: Store) -> None:
    sign_up(client, "carol")
    assert "carol" in client.get("/").text
    with loaded_store.read() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
        assert all(len(h) == 64 for h in conn.scalars(select(sessions.c.session_hash)))
    client.post("/signout", data={"csrf_token": csrf_of(client, "/")})
    assert client.get("/api/v1/me").status_code == 401
    assert _sign_in(client, "CAROL", PASSWORD) == 303  # usernames ignore case
    assert client.get("/api/v1/me").json()["username"] == "carol"


def test_duplicate_and_weak_sign_ups_are_refused(client: TestClient) -> None:
    sign_up(client, "dave")
    with TestClient(client.app) as other:
        token = csrf_of(other, "/signup")
        r = other.post(
            "/signup", data={"csrf_token": token, "username": "Dave", "password": PASSWORD}
        )
        assert r.status_code == 400 and "taken" in r.text
        r = other.post(
            "/signup", data={"csrf_token": token, "username": "erin", "password": "short"}
        )
        assert r.status_code == 400 and "at least 8" in r.text


def test_password_change_signs_out_other_devices(settings: Settings, loaded_store: Store) -> None:
    app = create_app(settings, store=loaded_store)
    with TestClient(app) as laptop, TestClient(app) as phone:
        sign_up(laptop, "frank")
        assert _sign_in(phone, "frank", PASSWORD) == 303
        token = csrf_of(laptop, "/account")
        bad = laptop.post(
            "/account/password",
            data={
                "csrf_token": token,
                "current_password": "nope",
                "new_password": "new password 1",
            },
        )
        assert bad.status_code == 401
        ok = laptop.post(
            "/account/password",
            data={
                "csrf_token": token,
                "current_password": PASSWORD,
                "new_password": "new password 1",
            },
            follow_redirects=False,
        )
        assert ok.status_code == 303
        assert laptop.get("/api/v1/me").status_code == 200
        assert phone.get("/api/v1/me").status_code == 401
        assert _sign_in(phone, "frank", "new password 1") == 303


def test_sign_in_rate_limit_survives_restart(settings: Settings, loaded_store: Store) -> None:
    limited = settings.model_copy(update={"login_max_failures": 3})
    with TestClient(create_app(limited, store=loaded_store)) as c:
        sign_up(c, "grace")
        c.post("/signout", data={"csrf_token": csrf_of(c, "/")})
        assert [_sign_in(c, "grace", "wrong password") for _ in range(3)] == [401, 401, 401]
        assert _sign_in(c, "grace", PASSWORD) == 429  # locked, even with the right password
    with TestClient(create_app(limited, store=loaded_store)) as restarted:
        token = csrf_of(restarted, "/signin")
        r = restarted.post(
            "/signin", data={"csrf_token": token, "username": "grace", "password": PASSWORD}
        )
        assert r.status_code == 429 and "Too many failed sign-ins" in r.text


def test_api_tokens_are_hashed_and_revocable(
    alice: TestClient, settings: Settings, loaded_store: Store
) -> None:
    token = csrf_of(alice, "/account")
    page = alice.post("/account/tokens", data={"csrf_token": token, "name": "script"}).text
    secret = page.split('data-testid="new-token">')[1].split("<")[0]
    assert secret.startswith("ps_")
    with loaded_store.read() as conn:
        assert secret not in [row.token_hash for row in conn.execute(select(api_tokens))]
    with TestClient(create_app(settings, store=loaded_store)) as script:
        auth = {"Authorization": f"Bearer {secret}"}
        assert script.get("/api/v1/me", headers=auth).json()["username"] == "alice"
        # Bearer calls need no CSRF token: browsers never send them by themselves.
        up = script.post("/api/v1/papers/2410.17243/upvote", headers=auth)
        assert up.status_code == 200 and up.json()["upvotes"] == 65
        token_id = alice.get("/account?format=json").json()["tokens"][0]["token_id"]
        alice.post(
            f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(alice, "/account")}
        )
        gone = script.get("/api/v1/me", headers=auth)
        assert gone.status_code == 401 and gone.json()["error"]["code"] == "invalid_token"


def test_single_user_mode_needs_no_sign_in(settings: Settings, loaded_store: Store) -> None:
    solo = settings.model_copy(update={"single_user": True})
    with TestClient(create_app(solo, store=loaded_store)) as c:
        assert c.get("/api/v1/me").json()["username"] == "local"
        assert "Sign in" not in c.get("/").text
        token = csrf_of(c, "/")
        r = c.put(
            "/api/v1/library/2410.17243", json={"tags": ["later"]}, headers={"X-CSRF-Token": token}
        )
        assert r.status_code == 200 and r.json()["tags"] == ["later"]


def test_default_secret_refused_outside_dev_mode(settings: Settings, loaded_store: Store) -> None:
    prod = settings.model_copy(update={"dev_mode": False, "secret_key": None})
    with pytest.raises(ConfigurationError, match="PAPERSCOPE_SECRET_KEY"):
        create_app(prod, store=loaded_store)
    with pytest.raises(ConfigurationError, match="too short"):
        create_app(prod.model_copy(update={"secret_key": "abc"}), store=loaded_store)
    create_app(prod.model_copy(update={"secret_key": "x" * 40}), store=loaded_store)
