"""Accounts: sign-up/in/out, password change, setting or changing the e-mail
address, the persistent sign-in rate limit, API tokens, single-user mode and refusing
default secrets."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_samples import PASSWORD, csrf_of, sign_up

from paperscope.config import Settings
from paperscope.feeds.password_reset import make_reset_token
from paperscope.store import Store, accounts
from paperscope.store.outbox import list_messages
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


BLANK = " " * 8
BLANK_RULE = "Use at least one character that is not a space for the password."


def test_blank_passwords_are_refused_wherever_one_is_set(
    settings: Settings, loaded_store: Store
) -> None:
    """Eight spaces are long enough but no password: sign-up, a change and a reset
    (page and API) all refuse one that is blank once stripped, with the length rules."""
    with TestClient(create_app(settings, store=loaded_store)) as c:
        token = csrf_of(c, "/signup")
        for blank in (BLANK, "\t \n" * 4):
            r = c.post("/signup", data={"csrf_token": token, "username": "gina", "password": blank})
            assert r.status_code == 400 and BLANK_RULE in r.text
        assert c.get("/api/v1/users/gina").status_code == 404  # no account was made
        r = c.post("/signup", data={"csrf_token": token, "username": "gina", "password": "   "})
        assert r.status_code == 400 and "at least 8" in r.text  # the length rule comes first

        sign_up(c, "gina")
        token = csrf_of(c, "/account")
        r = c.post(
            "/account/password",
            data={"csrf_token": token, "current_password": PASSWORD, "new_password": BLANK},
        )
        assert r.status_code == 400 and BLANK_RULE in r.text

        found = accounts.find_user(store=loaded_store, username="gina")
        assert found is not None
        reset = make_reset_token(settings, found[0].user_id, found[1])
        r = c.post(
            f"/api/v1/password-reset/{reset}",
            json={"password": BLANK},
            headers={"X-CSRF-Token": token},
        )
        assert r.status_code == 400
        assert r.json()["error"] == {
            "code": "invalid_request",
            "message": BLANK_RULE,
            "details": {
                "fields": [{"field": "password", "type": "value_error", "message": BLANK_RULE}]
            },
        }
        token = csrf_of(c, f"/reset-password/{reset}")
        r = c.post(f"/reset-password/{reset}", data={"csrf_token": token, "password": BLANK})
        assert r.status_code == 400 and BLANK_RULE in r.text
    assert _sign_in(TestClient(create_app(settings, store=loaded_store)), "gina", PASSWORD) == 303


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
        # every request acts as the local user: a bodyless write still needs the token
        r = c.delete("/api/v1/library/2410.17243")
        assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
        r = c.delete("/api/v1/library/2410.17243", headers={"X-CSRF-Token": token})
        assert r.status_code == 204


def test_default_secret_refused_outside_dev_mode(settings: Settings, loaded_store: Store) -> None:
    prod = settings.model_copy(update={"dev_mode": False, "secret_key": None})
    with pytest.raises(ConfigurationError, match="PAPERSCOPE_SECRET_KEY"):
        create_app(prod, store=loaded_store)
    with pytest.raises(ConfigurationError, match="too short"):
        create_app(prod.model_copy(update={"secret_key": "abc"}), store=loaded_store)
    create_app(prod.model_copy(update={"secret_key": "x" * 40}), store=loaded_store)


def _outbox_link(store: Store, address: str) -> str:
    """The path of the newest verification link mailed to ``address``."""
    mails = [m for m in list_messages(store=store, kind="confirm") if m.recipient == address]
    assert mails, f"no confirmation mail to {address}"
    text = message_from_bytes(mails[-1].body, policy=policy.default).get_body(("plain",))
    assert text is not None
    found = re.search(r"/account/verify-email/\S+", str(text.get_content()))
    assert found is not None
    return found.group(0)


def test_an_account_without_an_address_adds_one(alice: TestClient, loaded_store: Store) -> None:
    account = alice.get("/account").text
    assert 'href="/account/email" data-testid="add-email"' in account
    # No switch that can do nothing: the Discussions box points to the form instead.
    assert 'data-testid="reply-mail"' not in account
    assert 'data-testid="reply-mail-no-email"' in account
    page = alice.get("/account/email").text
    assert 'action="/account/email"' in page and 'name="current_password"' in page
    token = csrf_of(alice, "/account/email")
    form = {"csrf_token": token, "email": "alice@lab.example.org", "current_password": "nope"}
    wrong = alice.post("/account/email", data=form)
    assert wrong.status_code == 401 and "current password is not right" in wrong.text
    assert 'value="alice@lab.example.org"' in wrong.text  # what was typed stays
    bad = alice.post("/account/email", data=form | {"email": "not an address"})
    assert bad.status_code == 400 and "does not look valid" in bad.text
    forged = alice.post("/account/email", data=form | {"csrf_token": "forged"})
    assert forged.status_code == 403
    assert alice.get("/api/v1/account/email").json()["email"] is None

    ok = alice.post(
        "/account/email", data=form | {"current_password": PASSWORD}, follow_redirects=False
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/account/email?sent=1"
    assert "A link is on its way to alice@lab.example.org" in alice.get(ok.headers["location"]).text
    assert alice.get("/account?format=json").json()["email"] == "alice@lab.example.org"
    account = alice.get("/account").text
    assert 'data-testid="account-email"' in account and 'data-testid="reply-mail"' in account
    assert 'data-testid="email-unverified"' in account  # the account page says so too
    assert alice.get("/account?format=json").json()["email_verified"] is False
    assert alice.get(_outbox_link(loaded_store, "alice@lab.example.org")).status_code == 200
    assert alice.get("/api/v1/account/email").json()["verified_at"] is not None
    assert alice.get("/account?format=json").json()["email_verified"] is True
    assert 'data-testid="email-unverified"' not in alice.get("/account").text


def test_changing_the_address_unproves_it_and_mails_the_new_one(
    alice: TestClient, bob: TestClient, loaded_store: Store
) -> None:
    headers = {"X-CSRF-Token": csrf_of(alice, "/account")}
    body = {"email": "alice@old.example.org", "current_password": PASSWORD}
    first = alice.put("/api/v1/account/email", json=body, headers=headers)
    assert first.status_code == 200 and first.json()["sent"] is True
    alice.get(_outbox_link(loaded_store, "alice@old.example.org"))
    assert alice.get("/api/v1/account/email").json()["verified_at"] is not None
    moved = alice.put(
        "/api/v1/account/email", json=body | {"email": "Alice@New.Example.org"}, headers=headers
    )
    assert moved.status_code == 200
    assert moved.json() | {"sent": None} == {
        "email": "Alice@new.example.org",  # as sign-up stores it: the domain in lower case
        "verified_at": None,
        "sent": None,
    }
    assert moved.json()["sent"] is True
    # The link mailed to the old address proves nothing about the new one.
    stale = alice.get(_outbox_link(loaded_store, "alice@old.example.org"))
    assert stale.status_code == 400
    no_password = alice.put(
        "/api/v1/account/email", json={"email": "a@b.example.org"}, headers=headers
    )
    assert no_password.status_code == 401
    assert no_password.json()["error"]["details"] == {
        "fields": [
            {
                "field": "current_password",
                "type": "invalid_credentials",
                "message": "The current password is not right.",
            }
        ]
    }
    missing = alice.put("/api/v1/account/email", json={}, headers=headers)
    assert missing.status_code == 422
    # Sign-up lets two accounts share an address, so a change does too.
    shared = bob.put(
        "/api/v1/account/email",
        json={"email": "Alice@New.Example.org", "current_password": PASSWORD},
        headers={"X-CSRF-Token": csrf_of(bob, "/account")},
    )
    assert shared.status_code == 200


def test_single_user_mode_sets_an_address_without_a_password(
    settings: Settings, loaded_store: Store
) -> None:
    solo = settings.model_copy(update={"single_user": True})
    with TestClient(create_app(solo, store=loaded_store)) as c:
        assert 'name="current_password"' not in c.get("/account/email").text
        r = c.post(
            "/account/email",
            data={"csrf_token": csrf_of(c, "/account/email"), "email": "me@home.example.org"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert c.get("/api/v1/account/email").json()["email"] == "me@home.example.org"
        assert "me@home.example.org" in c.get("/account").text


def test_revoking_a_token_that_is_missing_or_not_yours_is_a_404(
    alice: TestClient, bob: TestClient
) -> None:
    alice.post("/account/tokens", data={"csrf_token": csrf_of(alice, "/account"), "name": "a"})
    token_id = alice.get("/account?format=json").json()["tokens"][0]["token_id"]
    for who, target in ((alice, 999), (bob, token_id)):
        r = who.post(
            f"/account/tokens/{target}/revoke",
            data={"csrf_token": csrf_of(who, "/account")},
            follow_redirects=False,
        )
        assert r.status_code == 404 and f"You have no API token {target}" in r.text
        assert "revoked" not in r.headers.get("location", "")
    assert [t["token_id"] for t in alice.get("/account?format=json").json()["tokens"]] == [token_id]
