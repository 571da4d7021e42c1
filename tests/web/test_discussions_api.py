"""Discussions over HTTP: the JSON API with sessions (CSRF) and Bearer tokens, the
paper page's forms, moderation rights, limits and their error messages, and the
comment counts on cards and in the Hugging Face compatible API."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from web_samples import PASSWORD, csrf_of, sign_up

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.discussions import set_reply_mail
from paperscope.store.moderation import set_admin
from paperscope.store.outbox import list_messages
from paperscope.store.subscriptions import ensure_subscriber
from paperscope.web.app import create_app
from paperscope.web.auth import create_api_token
from paperscope.web.markup import render_comment

PAPER = "2410.99999"
OLD = "hep-th/9901001"


def _api(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": csrf_of(client, "/account")}


def _post(client: TestClient, paper: str, body: str, parent: int | None = None) -> dict:
    r = client.post(
        f"/api/v1/papers/{paper}/comments",
        json={"body": body, "parent_id": parent},
        headers=_api(client),
    )
    assert r.status_code == 201, r.text
    return r.json()


def _token(client: TestClient) -> str:
    r = client.post(
        "/account/tokens", data={"name": "t", "csrf_token": csrf_of(client, "/account")}
    )
    found = r.text.split('data-testid="new-token">')[1].split("<")[0]
    assert found.startswith("ps_")
    return found


def test_post_reply_list_threaded_and_ordered(alice: TestClient, bob: TestClient) -> None:
    first = _post(alice, PAPER, "First **bold** with $x^2$")
    assert first["state"] == "visible" and first["author"]["username"] == "alice"
    assert "<strong>bold</strong>" in first["body_html"]
    assert '<span class="math">\\(x^2\\)</span>' in first["body_html"]
    second = _post(bob, PAPER, "Second thread")
    reply = _post(bob, PAPER, "A reply", parent=first["comment_id"])
    deeper = _post(alice, PAPER, "A reply to the reply", parent=reply["comment_id"])
    assert (reply["depth"], deeper["depth"]) == (1, 2)

    page = alice.get(f"/api/v1/papers/{PAPER}/comments").json()
    assert [c["comment_id"] for c in page["items"]] == [second["comment_id"], first["comment_id"]]
    assert page["num_comments"] == 4 and page["pagination"]["total"] == 2
    thread = page["items"][1]
    assert thread["replies"][0]["comment_id"] == reply["comment_id"]
    assert thread["replies"][0]["replies"][0]["comment_id"] == deeper["comment_id"]

    oldest = alice.get(f"/api/v1/papers/{PAPER}/comments?order=oldest").json()
    assert [c["comment_id"] for c in oldest["items"]] == [first["comment_id"], second["comment_id"]]
    r = alice.post(f"/api/v1/comments/{second['comment_id']}/upvote", headers=_api(alice))
    assert r.json() == {"comment_id": second["comment_id"], "upvoted": True, "upvotes": 1}
    lax = alice.post(
        f"/api/v1/comments/{second['comment_id']}/upvote",
        json={"upvoted": "no"},
        headers=_api(alice),
    )
    assert (
        lax.status_code == 422
        and lax.json()["error"]["message"] == "Upvoted must be true or false."
    )
    top = alice.get(f"/api/v1/papers/{PAPER}/comments?order=top&limit=1").json()
    assert [c["comment_id"] for c in top["items"]] == [second["comment_id"]]
    assert top["items"][0]["upvoted"] is True and top["pagination"]["next"]
    bad = alice.get(f"/api/v1/papers/{PAPER}/comments?order=best")
    assert bad.status_code == 422 and "newest, oldest or top" in bad.json()["error"]["message"]


def test_old_style_ids_with_a_slash(alice: TestClient) -> None:
    made = _post(alice, OLD, "On an old paper")
    assert made["paper_id"] == OLD and made["url"] == f"/papers/{OLD}#comment-{made['comment_id']}"
    page = alice.get(f"/api/v1/papers/{OLD}/comments").json()
    assert page["paper_id"] == OLD and page["items"][0]["body"] == "On an old paper"
    assert alice.get(f"/api/v1/papers/{OLD}").json()["num_comments"] == 1
    missing = alice.get("/api/v1/papers/2499.00001/comments")
    assert missing.status_code == 404


def test_edit_and_delete_only_your_own(alice: TestClient, bob: TestClient) -> None:
    mine = _post(alice, PAPER, "Original")
    reply = _post(bob, PAPER, "Answer", parent=mine["comment_id"])
    url = f"/api/v1/comments/{mine['comment_id']}"
    assert bob.patch(url, json={"body": "hijack"}, headers=_api(bob)).status_code == 403
    assert bob.delete(url, headers=_api(bob)).status_code == 403
    assert (
        alice.patch("/api/v1/comments/999999", json={"body": "x"}, headers=_api(alice)).status_code
        == 404
    )
    edited = alice.patch(url, json={"body": "Revised"}, headers=_api(alice)).json()
    assert edited["edited"] is True and edited["body"] == "Revised"
    gone = alice.delete(url, headers=_api(alice)).json()
    assert gone["state"] == "deleted" and gone["body"] is None and gone["author"] is None
    assert gone["edited"] is False and gone["edited_at"] is None
    thread = alice.get(f"/api/v1/papers/{PAPER}/comments").json()["items"]
    assert thread[0]["state"] == "deleted"  # kept: it has a reply
    assert thread[0]["replies"][0]["comment_id"] == reply["comment_id"]
    html = alice.get(f"/papers/{PAPER}").text
    assert "[deleted]" in html and "Original" not in html and "Revised" not in html
    # a deleted comment without replies leaves no trace
    lone = _post(bob, PAPER, "Lonely")
    bob.delete(f"/api/v1/comments/{lone['comment_id']}", headers=_api(bob))
    ids = [c["comment_id"] for c in bob.get(f"/api/v1/papers/{PAPER}/comments").json()["items"]]
    assert lone["comment_id"] not in ids
    assert bob.get(f"/api/v1/papers/{PAPER}").json()["num_comments"] == 1


def test_refusals_are_explained(settings: Settings, loaded_store: Store) -> None:
    tight = settings.model_copy(update={"comments_per_hour": 2, "comment_max_chars": 100})
    with TestClient(create_app(tight, store=loaded_store)) as c:
        sign_up(c, "carol")
        headers = _api(c)
        url = f"/api/v1/papers/{PAPER}/comments"
        empty = c.post(url, json={"body": " \n\x00 "}, headers=headers)
        assert empty.status_code == 422 and "empty" in empty.json()["error"]["message"]
        huge = c.post(url, json={"body": "x" * 101}, headers=headers)
        assert huge.status_code == 422 and "limit is 100" in huge.json()["error"]["message"]
        enormous = c.post(url, json={"body": "x" * 2_000_000}, headers=headers)
        assert enormous.status_code == 422
        no_parent = c.post(url, json={"body": "hi", "parent_id": 424242}, headers=headers)
        assert no_parent.status_code == 404
        assert c.post(url, json={"body": "one\x00"}, headers=headers).json()["body"] == "one"
        assert c.post(url, json={"body": "two"}, headers=headers).status_code == 201
        third = c.post(url, json={"body": "three"}, headers=headers)
        assert third.status_code == 429
        assert "Try again in" in third.json()["error"]["message"]
        assert third.json()["error"]["details"]["retry_after_seconds"] > 0
        form = c.post(
            f"/papers/{PAPER}/comments",
            data={"body": "typed text", "csrf_token": csrf_of(c, f"/papers/{PAPER}")},
        )
        assert form.status_code == 429 and "Try again in" in form.text and "typed text" in form.text
    anonymous = TestClient(create_app(settings, store=loaded_store))
    assert anonymous.post(f"/api/v1/papers/{PAPER}/comments", json={"body": "x"}).status_code in (
        401,
        403,
    )


def test_csrf_required_for_sessions_and_bearer_tokens_work(
    alice: TestClient, client: TestClient
) -> None:
    url = f"/api/v1/papers/{PAPER}/comments"
    assert alice.post(url, json={"body": "no csrf"}).status_code == 403
    token = _token(alice)
    r = client.post(url, json={"body": "via token"}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201 and r.json()["author"]["username"] == "alice"
    vote = client.post(
        f"/api/v1/comments/{r.json()['comment_id']}/upvote",
        json={"upvoted": True},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert vote.json()["upvotes"] == 1


def test_forms_of_the_paper_page(alice: TestClient, bob: TestClient) -> None:
    token = csrf_of(alice, f"/papers/{PAPER}")
    r = alice.post(
        f"/papers/{PAPER}/comments",
        data={"body": "Form comment", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "#comment-" in r.headers["location"]
    comment_id = int(r.headers["location"].rsplit("-", 1)[1])
    page = bob.get(f"/papers/{PAPER}").text
    assert "Form comment" in page and 'id="discussion"' in page
    btoken = csrf_of(bob, f"/papers/{PAPER}")
    bob.post(f"/comments/{comment_id}/upvote", data={"csrf_token": btoken})
    assert bob.get(f"/api/v1/papers/{PAPER}/comments").json()["items"][0]["upvoted"] is True
    bob.post(f"/comments/{comment_id}/upvote", data={"csrf_token": btoken})  # toggles off
    assert bob.get(f"/api/v1/papers/{PAPER}/comments").json()["items"][0]["upvotes"] == 0
    empty_reason = bob.post(
        f"/comments/{comment_id}/report", data={"reason": "  ", "csrf_token": btoken}
    )
    assert empty_reason.status_code == 422 and "what is wrong" in empty_reason.text
    # the forms lead back to the page in the order the reader had chosen
    oldest = {"referer": f"http://testserver/papers/{PAPER}?order=oldest"}
    r = alice.post(
        f"/comments/{comment_id}/edit",
        data={"body": "Form edited", "csrf_token": token},
        headers=oldest,
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/papers/{PAPER}?order=oldest#comment-{comment_id}"
    assert "Form edited" in bob.get(f"/papers/{PAPER}").text
    r = alice.post(
        f"/comments/{comment_id}/delete",
        data={"csrf_token": token},
        headers=oldest,
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/papers/{PAPER}?order=oldest#discussion"
    assert "Form edited" not in bob.get(f"/papers/{PAPER}").text


def test_moderation_needs_an_admin(
    alice: TestClient, bob: TestClient, loaded_store: Store, settings: Settings
) -> None:
    made = _post(alice, PAPER, "Buy cheap pills")
    cid = made["comment_id"]
    r = bob.post(f"/api/v1/comments/{cid}/report", json={"reason": "spam"}, headers=_api(bob))
    assert r.status_code == 201 and r.json()["reported"] is True
    again = bob.post(f"/api/v1/comments/{cid}/report", json={"reason": "spam"}, headers=_api(bob))
    assert again.status_code == 200 and again.json()["reported"] is False
    own = alice.post(f"/api/v1/comments/{cid}/report", json={"reason": "x"}, headers=_api(alice))
    assert own.status_code == 422

    denied = bob.get("/api/v1/admin/moderation")
    assert denied.status_code == 403 and "administrators" in denied.json()["error"]["message"]
    assert bob.get("/admin/moderation").status_code == 403
    assert bob.post(f"/api/v1/comments/{cid}/hide", headers=_api(bob)).status_code == 403

    set_admin(store=loaded_store, username="bob", is_admin=True)
    queue = bob.get("/api/v1/admin/moderation").json()
    assert queue["items"][0]["comment"]["comment_id"] == cid
    assert queue["items"][0]["reports"][0] == {
        "username": "bob",
        "reason": "spam",
        "created_at": queue["items"][0]["reports"][0]["created_at"],
    }
    hidden = bob.post(f"/api/v1/comments/{cid}/hide", headers=_api(bob)).json()
    assert hidden["state"] == "hidden" and hidden["body"] == "Buy cheap pills"  # admins read it
    assert bob.get("/api/v1/admin/moderation").json()["items"] == []  # reports settled
    public = alice.get(f"/api/v1/papers/{PAPER}/comments").json()
    assert public["items"] == [] and public["num_comments"] == 0
    assert bob.get(f"/api/v1/papers/{PAPER}/comments").json()["items"][0]["state"] == "hidden"
    shown = bob.delete(f"/api/v1/comments/{cid}/hide", headers=_api(bob)).json()
    assert shown["state"] == "visible"
    dismissed = bob.delete(f"/api/v1/comments/{cid}/reports", headers=_api(bob))
    assert dismissed.json() == {"comment_id": cid, "dismissed": 0}  # hiding settled them
    for path in ("/api/v1/comments/424242/reports", "/api/v1/comments/424242/hide"):
        none = bob.delete(path, headers=_api(bob))
        assert none.status_code == 404 and none.json()["error"]["code"] == "not_found", path
    form = bob.post("/admin/comments/424242/dismiss", data={"csrf_token": csrf_of(bob)})
    assert form.status_code == 404

    banned = bob.post("/api/v1/users/alice/ban", json={"reason": "spam"}, headers=_api(bob))
    assert banned.json() == {"username": "alice", "banned": True}
    assert alice.get("/api/v1/me").status_code == 401  # the session ended
    relogin = alice.post(
        "/signin",
        data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_of(alice)},
    )
    assert relogin.status_code == 403 and "banned" in relogin.text
    assert bob.get("/api/v1/admin/moderation").json()["bans"][0]["username"] == "alice"
    assert bob.delete("/api/v1/users/alice/ban", headers=_api(bob)).json()["banned"] is False
    assert bob.post("/api/v1/users/nobody/ban", headers=_api(bob)).status_code == 404


def test_an_admin_is_not_offered_to_ban_themselves(
    alice: TestClient, bob: TestClient, loaded_store: Store
) -> None:
    set_admin(store=loaded_store, username="bob", is_admin=True)
    for author, reporter in ((bob, alice), (alice, bob)):
        made = _post(author, PAPER, "Reported")
        reporter.post(
            f"/api/v1/comments/{made['comment_id']}/report",
            json={"reason": "spam"},
            headers=_api(reporter),
        )
    queue = bob.get("/admin/moderation").text
    assert queue.count('data-testid="reported-comment"') == 2
    assert "Ban alice" in queue and "Ban bob" not in queue
    r = bob.post(
        "/admin/users/bob/ban",
        data={"csrf_token": csrf_of(bob, "/account"), "action": "ban"},
        follow_redirects=False,
    )
    assert r.status_code == 422 and "You cannot ban your own account" in r.text
    api = bob.post("/api/v1/users/bob/ban", json={"reason": "x"}, headers=_api(bob))
    assert api.status_code == 422
    assert bob.get("/api/v1/me").status_code == 200
    assert bob.get("/api/v1/admin/moderation").json()["bans"] == []


def test_counts_on_cards_and_in_the_hf_api(alice: TestClient, client: TestClient) -> None:
    before = client.get(f"/api/papers/{PAPER}").json()["numComments"]
    made = _post(alice, PAPER, "Counted")
    _post(alice, PAPER, "Also counted", parent=made["comment_id"])
    after = client.get(f"/api/papers/{PAPER}").json()
    assert after["numComments"] == before + 2 and after["isAuthorParticipating"] is False
    assert client.get(f"/api/v1/papers/{PAPER}").json()["num_comments"] == before + 2
    alice.delete(f"/api/v1/comments/{made['comment_id']}", headers=_api(alice))
    assert client.get(f"/api/papers/{PAPER}").json()["numComments"] == before + 1


def test_reply_mail_setting(alice: TestClient) -> None:
    off = {"reply_mail": False, "address_confirmed": False, "confirmation_sent": False}
    assert alice.get("/api/v1/me/discussions").json() == off
    alice.post(
        "/account/discussions", data={"reply_mail": "1", "csrf_token": csrf_of(alice, "/account")}
    )
    assert alice.get("/api/v1/me/discussions").json()["reply_mail"] is True
    page = alice.get("/account").text
    # Without an address there is nothing to switch on: the box points to the form.
    assert 'data-testid="reply-mail"' not in page
    assert 'data-testid="reply-mail-no-email"' in page and 'href="/account/email"' in page
    r = alice.put("/api/v1/me/discussions", json={"reply_mail": False}, headers=_api(alice))
    assert r.json() == off


def test_unsubscribe_link_refuses_forgeries(client: TestClient) -> None:
    r = client.post("/discussions/unsubscribe/forged.token")
    assert r.status_code == 400 and "not valid" in r.text


def test_a_reply_through_the_api_queues_the_mail(client: TestClient, loaded_store: Store) -> None:
    now = datetime.now(UTC)
    dora = create_user(
        store=loaded_store, username="dora", email="dora@example.org", password_hash=None, now=now
    )
    eve = create_user(store=loaded_store, username="eve", email=None, password_hash=None, now=now)
    ensure_subscriber(store=loaded_store, email="dora@example.org", now=now, confirmed=True)
    set_reply_mail(store=loaded_store, user_id=dora.user_id, enabled=True)
    as_dora = {
        "Authorization": f"Bearer {create_api_token(store=loaded_store, user=dora, name='t')[1]}"
    }
    as_eve = {
        "Authorization": f"Bearer {create_api_token(store=loaded_store, user=eve, name='t')[1]}"
    }
    url = f"/api/v1/papers/{OLD}/comments"
    top = client.post(url, json={"body": "Question"}, headers=as_dora).json()
    client.post(url, json={"body": "Answer", "parent_id": top["comment_id"]}, headers=as_eve)
    queued = [m for m in list_messages(store=loaded_store) if m.kind == "reply"]
    assert [m.recipient for m in queued] == ["dora@example.org"]
    mail = message_from_bytes(queued[0].body, policy=policy.default)
    assert str(mail["Subject"]).startswith("eve replied to you on")


def test_profile_lists_visible_comments_newest_first(
    alice: TestClient, bob: TestClient, client: TestClient, loaded_store: Store
) -> None:
    kept = _post(alice, PAPER, "Kept *note* with $y$")
    gone = _post(alice, OLD, "Withdrawn later")
    hidden = _post(alice, PAPER, "Spam, hidden by a moderator")
    newest = _post(alice, OLD, "The newest one")
    assert alice.delete(f"/api/v1/comments/{gone['comment_id']}", headers=_api(alice)).is_success
    set_admin(store=loaded_store, username="bob", is_admin=True)
    assert bob.post(f"/api/v1/comments/{hidden['comment_id']}/hide", headers=_api(bob)).is_success

    data = client.get("/api/v1/users/alice").json()
    listed = [c["comment"]["comment_id"] for c in data["comments"]]
    assert listed == [newest["comment_id"], kept["comment_id"]]
    assert data["comments_total"] == 2
    assert data["comments"][1]["paper_id"] == PAPER
    assert data["comments"][1]["paper_url"] == f"/papers/{PAPER}"
    assert data["comments"][1]["paper_title"]
    html = client.get("/users/alice").text
    assert "<em>note</em>" in html and f"#comment-{kept['comment_id']}" in html
    assert "Withdrawn later" not in html and "Spam, hidden" not in html
    assert "No comments yet." in client.get("/users/bob").text


def test_links_to_a_comment_open_the_page_that_shows_it(alice: TestClient, bob: TestClient) -> None:
    """A thread past the first page (20 threads) is found by the reply form's answer,
    by the comment's permalink and by the report form's answer."""
    oldest = _post(alice, PAPER, "The oldest thread")
    for i in range(10):
        _post(alice, PAPER, f"alice thread {i}")
        _post(bob, PAPER, f"bob thread {i}")
    token = csrf_of(bob, f"/papers/{PAPER}")
    r = bob.post(
        f"/papers/{PAPER}/comments",
        data={"body": "A late reply", "parent_id": oldest["comment_id"], "csrf_token": token},
        follow_redirects=False,
    )
    reply_id = int(r.headers["location"].rsplit("-", 1)[1])
    assert r.headers["location"] == f"/papers/{PAPER}?page=2#comment-{reply_id}"
    assert f'id="comment-{reply_id}"' in bob.get(r.headers["location"]).text
    assert f'id="comment-{reply_id}"' not in bob.get(f"/papers/{PAPER}").text
    # The JSON twin pages the same way: its page 2 holds the same thread.
    api_page = bob.get(f"/api/v1/papers/{PAPER}/comments?page=2").json()
    assert [c["comment_id"] for c in api_page["items"]] == [oldest["comment_id"]]
    assert api_page["pagination"]["limit"] == 20

    link = bob.get(f"/comments/{reply_id}", follow_redirects=False)
    assert link.status_code == 303
    assert link.headers["location"] == f"/papers/{PAPER}?page=2#comment-{reply_id}"
    assert bob.get("/comments/999999").status_code == 404

    # in the order the reader had chosen, the oldest thread is on the first page
    r = bob.post(
        f"/comments/{oldest['comment_id']}/report",
        data={"reason": "off-topic", "csrf_token": token},
        headers={"referer": f"http://testserver/papers/{PAPER}?order=oldest&page=2"},
        follow_redirects=False,
    )
    expected = f"/papers/{PAPER}?order=oldest&reported={oldest['comment_id']}"
    assert r.headers["location"] == f"{expected}#comment-{oldest['comment_id']}"
    assert "Reported, thank you" in bob.get(r.headers["location"]).text


def test_pages_of_threads_say_where_they_are(alice: TestClient) -> None:
    for i in range(21):
        _post(alice, PAPER, f"thread {i}")
    second = alice.get(f"/papers/{PAPER}?page=2&order=oldest").text
    # under "oldest" the previous page holds older threads, not newer ones
    assert "← Previous threads" in second and "Newer threads" not in second
    past = alice.get(f"/papers/{PAPER}?page=5").text
    assert "No comments yet" not in past and "No threads on page 5" in past
    assert f'href="/papers/{PAPER}?page=2#discussion">Go to the last page' in past


def test_a_form_sent_after_the_session_ended_keeps_the_text(
    client: TestClient, alice: TestClient
) -> None:
    comment_id = _post(alice, PAPER, "Someone's comment")["comment_id"]
    token = csrf_of(client, "/signin")  # a browser whose session has ended
    typed = "A long reply, typed <carefully> over many minutes"
    r = client.post(
        f"/papers/{PAPER}/comments",
        data={"body": typed, "parent_id": comment_id, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 401 and "not signed in" in r.text
    assert "A long reply, typed &lt;carefully&gt; over many minutes</textarea>" in r.text
    assert 'data-testid="form-signin"' in r.text and "/signin?next=" in r.text
    r = client.post(
        f"/comments/{comment_id}/edit",
        data={"body": typed, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 401 and "typed &lt;carefully&gt;" in r.text
    api = client.post(f"/api/v1/papers/{PAPER}/comments", json={"body": typed})
    assert api.json()["error"]["code"] == "not_signed_in"


def test_overrides_stored_before_they_were_refused_do_not_show() -> None:
    shown = render_comment("say \u202eevil\u202c or \u202dlive\u202c")
    assert not {"\u202e", "\u202d", "\u202c"} & set(shown) and "evil" in shown


def test_signing_in_from_the_discussion_comes_back_to_the_same_page_of_it(
    client: TestClient,
) -> None:
    page = client.get(f"/papers/{PAPER}?order=top&page=2")
    link = re.search(r'href="([^"]*)" data-testid="discussion-signin"', page.text)
    assert link is not None
    target = html.unescape(link.group(1))
    assert parse_qs(urlsplit(target).query) == {
        "next": [f"/papers/{PAPER}?order=top&page=2#discussion"],
        "reason": ["discuss"],
    }
    assert "Sign in to join the discussion." in client.get(target).text
