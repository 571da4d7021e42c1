"""Password reset: the link travels through the outbox to a real SMTP server on
loopback, works once, expires, lifts the sign-in lock and ends every session; the
request page says the same whether or not the address has an account; admins reset
from the command line."""

from __future__ import annotations

import re
import time
from pathlib import Path

from fastapi.testclient import TestClient
from feeds_helpers import SmtpSink
from typer.testing import CliRunner

from paperscope.cli import app as cli_app
from paperscope.config import Settings
from paperscope.feeds.outbox import deliver_pending
from paperscope.feeds.password_reset import make_reset_token, user_for_reset_token
from paperscope.store import Store
from paperscope.store.accounts import find_user
from paperscope.web.app import create_app

OLD, NEW = "correct horse battery", "staple gun velvet"


def _csrf(c: TestClient, path: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', c.get(path).text)
    assert found
    return found.group(1)


def _sign_up(c: TestClient, username: str, email: str) -> None:
    data = {"username": username, "email": email, "password": OLD}
    r = c.post("/signup", data={**data, "csrf_token": _csrf(c, "/signup")}, follow_redirects=False)
    assert r.status_code == 303, r.text


def _sign_in(c: TestClient, username: str, password: str) -> int:
    data = {"username": username, "password": password, "csrf_token": _csrf(c, "/signin")}
    return c.post("/signin", data=data, follow_redirects=False).status_code


def _ask(c: TestClient, email: str) -> str:
    token = _csrf(c, "/forgot-password")
    r = c.post("/forgot-password", data={"email": email, "csrf_token": token})
    assert r.status_code == 200
    found = re.search(r'<p class="notice ok" role="status">([^<]+)</p>', r.text)
    assert found, r.text
    return found.group(1)


def _reset_link(sink: SmtpSink, address: str) -> str:
    mails = sink.to(address)
    assert len(mails) == 1
    message = mails[0].message
    assert message["Subject"] == "Reset your paperscope password"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"https://papers\.example\.org(/reset-password/\S+)", body.get_content())
    assert found
    return found.group(1)


def test_reset_by_mail(mail_settings: Settings, store: Store, smtp_sink: SmtpSink) -> None:
    app = create_app(mail_settings, store=store)
    with TestClient(app) as rose, TestClient(app) as other_device:
        _sign_up(rose, "rose", "rose@example.org")
        assert _sign_in(other_device, "rose", OLD) == 303
        for _ in range(mail_settings.login_max_failures):
            _sign_in(rose, "rose", "wrong password")
        assert _sign_in(rose, "rose", OLD) == 429  # locked out
        with TestClient(app) as visitor:
            assert 'href="/forgot-password"' in visitor.get("/signin").text

        told = _ask(rose, "ROSE@example.org")
        assert told == _ask(rose, "nobody@example.org")  # nothing reveals an account
        deliver_pending(store=store, settings=mail_settings)
        assert [r.recipients for r in smtp_sink.received] == [["rose@example.org"]]
        path = _reset_link(smtp_sink, "rose@example.org")

        page = rose.get(path)
        assert page.status_code == 200 and 'name="password"' in page.text
        token = _csrf(rose, path)
        done = rose.post(path, data={"password": NEW, "csrf_token": token})
        assert done.status_code == 200 and "Your password is changed" in done.text
        assert _sign_in(rose, "rose", NEW) == 303  # the lock is lifted too
        assert other_device.get("/account", follow_redirects=False).status_code == 303

        token = _csrf(rose, "/")  # the sign-in renewed the CSRF cookie
        again = rose.post(path, data={"password": "another one 123", "csrf_token": token})
        assert again.status_code == 400 and "not valid any more" in again.text
        assert rose.get(path).status_code == 400


def test_reset_links_expire_and_cannot_be_forged(
    mail_settings: Settings, store: Store, smtp_sink: SmtpSink
) -> None:
    with TestClient(create_app(mail_settings, store=store)) as c:
        _sign_up(c, "sam", "sam@example.org")
    found = find_user(store=store, username="sam")
    assert found is not None
    user, password_hash = found
    token = make_reset_token(mail_settings, user.user_id, password_hash)
    assert user_for_reset_token(store=store, settings=mail_settings, token=token) == user
    forged = make_reset_token(
        mail_settings.model_copy(update={"secret_key": "another-secret-key-of-length"}),
        user.user_id,
        password_hash,
    )
    assert user_for_reset_token(store=store, settings=mail_settings, token=forged) is None
    brief = mail_settings.model_copy(update={"password_reset_minutes": 0.001})
    time.sleep(1.1)
    assert user_for_reset_token(store=store, settings=brief, token=token) is None


def test_admin_resets_from_the_command_line(
    mail_settings: Settings, store: Store, tmp_path: Path
) -> None:
    app = create_app(mail_settings, store=store)
    with TestClient(app) as c:
        _sign_up(c, "tom", "")
        for _ in range(mail_settings.login_max_failures):
            _sign_in(c, "tom", "wrong password")
        assert _sign_in(c, "tom", OLD) == 429
        data_dir = str(mail_settings.data_dir)
        result = CliRunner().invoke(
            cli_app,
            ["users", "reset-password", "tom", "--data-dir", data_dir],
            input=f"{NEW}\n{NEW}\n",
        )
        assert result.exit_code == 0, result.output
        assert "new password set for tom" in result.output
        assert _sign_in(c, "tom", NEW) == 303
        missing = CliRunner().invoke(
            cli_app,
            ["users", "reset-password", "nobody", "--data-dir", data_dir],
            input=f"{NEW}\n{NEW}\n",
        )
        # `paperscope` (cli.main) prints a UserError as one line and exits 1; the
        # password is not asked for an account that does not exist.
        assert missing.exit_code != 0 and "no user 'nobody'" in str(missing.exception)
        assert "New password" not in missing.output
