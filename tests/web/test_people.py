"""Author pages, profiles, claims with the admin queue, follows and For-you, and the
e-mail verification pages, through the API and the forms."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from web_samples import csrf_of

from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import find_user
from paperscope.store.email_verification import mark_email_verified
from paperscope.store.papers import upsert_papers
from paperscope.store.schema_accounts import users
from paperscope.store.submissions import add_submission

PAPER = "2410.17243"  # Breaking the Memory Barrier, by Zesen Cheng and others


def _h(c: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": csrf_of(c, "/")}


def _make_admin(store: Store, username: str) -> None:
    with store.write() as conn:
        conn.execute(users.update().where(users.c.username == username).values(is_admin=True))


def _user_id(store: Store, username: str) -> int:
    found = find_user(store=store, username=username)
    assert found is not None
    return found[0].user_id


def test_author_page_lists_papers_and_paginates(client: TestClient) -> None:
    data = client.get("/api/v1/authors/Zesen%20Cheng").json()
    assert data["name"] == "Zesen Cheng" and PAPER in [p["paper_id"] for p in data["items"]]
    assert data["accounts"] == [] and data["following"] is None
    page = client.get("/authors/zesen%20cheng?limit=1")
    assert page.status_code == 200 and "Breaking the Memory Barrier" in page.text
    assert client.get("/api/v1/authors/Nobody%20Here").status_code == 404
    # The code filter may empty the list of a real author, not invent a page for nobody.
    assert client.get("/api/v1/authors/Zesen%20Cheng?has_code=true").status_code == 200
    assert client.get("/api/v1/authors/Nobody%20Here?has_code=true").status_code == 404
    # The Atom feed of the author still answers at its own path.
    assert "atom" in client.get("/authors/Zesen%20Cheng.atom").headers["content-type"]


def test_claim_admin_approves_then_author_page_and_profile_show_it(
    alice: TestClient, bob: TestClient, client: TestClient, loaded_store: Store
) -> None:
    r = alice.post(
        f"/api/v1/papers/{PAPER}/claim", json={"author_name": "zesen cheng"}, headers=_h(alice)
    )
    assert r.status_code == 201, r.text
    claim = r.json()
    assert (claim["status"], claim["author_name"], claim["username"]) == (
        "pending",
        "Zesen Cheng",
        "alice",
    )
    r = alice.post(
        f"/api/v1/papers/{PAPER}/claim", json={"author_name": "Zesen Cheng"}, headers=_h(alice)
    )
    assert r.status_code == 422 and "already claimed" in r.json()["error"]["message"]
    r = bob.post(
        f"/api/v1/papers/{PAPER}/claim", json={"author_name": "Someone Else"}, headers=_h(bob)
    )
    assert r.status_code == 422 and "not an author" in r.json()["error"]["message"]
    # Only admins see and decide the queue.
    assert bob.get("/api/v1/admin/claims").status_code == 403
    r = bob.post(f"/api/v1/admin/claims/{claim['id']}", json={"approve": True}, headers=_h(bob))
    assert r.status_code == 403
    _make_admin(loaded_store, "bob")
    queue = bob.get("/api/v1/admin/claims").json()
    assert [c["id"] for c in queue["claims"]] == [claim["id"]] and queue["total"] == 1
    assert "Zesen Cheng" in bob.get("/admin/claims").text
    token = csrf_of(bob, "/admin/claims")
    r = bob.post(f"/admin/claims/{claim['id']}", data={"csrf_token": token, "decision": "approve"})
    assert r.status_code == 200
    assert bob.get("/api/v1/admin/claims").json()["total"] == 0
    author = client.get("/api/v1/authors/Zesen%20Cheng").json()
    assert author["accounts"] == [{"username": "alice", "url": "/users/alice"}]
    profile = client.get("/api/v1/users/alice").json()
    assert [p["paper_id"] for p in profile["claimed_papers"]] == [PAPER]
    assert 'href="/users/alice"' in client.get(f"/papers/{PAPER}").text
    claims = client.get(f"/api/v1/papers/{PAPER}/claims").json()["claims"]
    assert [(c["username"], c["status"]) for c in claims] == [("alice", "approved")]
    # The claimant withdraws: gone everywhere.
    assert alice.delete(f"/api/v1/papers/{PAPER}/claim", headers=_h(alice)).status_code == 204
    assert client.get("/api/v1/users/alice").json()["claimed_papers"] == []


def test_claim_form_waits_for_an_admin_when_the_paper_prints_no_address(
    alice: TestClient, client: TestClient, loaded_store: Store
) -> None:
    # A verified domain, but the paper prints no address: nothing to match, so it waits.
    with loaded_store.write() as conn:
        conn.execute(
            users.update().where(users.c.username == "alice").values(email="alice@alibaba-inc.com")
        )
    mark_email_verified(
        store=loaded_store,
        user_id=_user_id(loaded_store, "alice"),
        email="alice@alibaba-inc.com",
        now=datetime.now(UTC),
    )
    token = csrf_of(alice, f"/papers/{PAPER}")
    page = alice.post(
        f"/papers/{PAPER}/claim", data={"csrf_token": token, "author_name": "Zesen Cheng"}
    ).text
    assert "You claimed to be Zesen Cheng" in page and "<strong>pending</strong>" in page
    # The claimant sees it waiting on their own profile; nobody else does.
    mine = alice.get("/api/v1/users/alice").json()["pending_claims"]
    assert [(c["paper_id"], c["author_name"], c["status"]) for c in mine] == [
        (PAPER, "Zesen Cheng", "pending")
    ]
    assert 'data-testid="pending-claims"' in alice.get("/users/alice").text
    assert client.get("/api/v1/users/alice").json()["pending_claims"] is None
    assert 'data-testid="pending-claims"' not in client.get("/users/alice").text


def test_profile_shows_submissions_and_public_collections(
    alice: TestClient, client: TestClient, loaded_store: Store
) -> None:
    now = datetime.now(UTC)
    add_submission(
        store=loaded_store,
        user_id=_user_id(loaded_store, "alice"),
        paper_id=PAPER,
        feed_date=now.date(),
        now=now,
        daily_cap=10,
    )
    alice.post(
        "/api/v1/collections", json={"title": "Open list", "public": True}, headers=_h(alice)
    )
    alice.post("/api/v1/collections", json={"title": "Hidden list"}, headers=_h(alice))
    data = client.get("/api/v1/users/alice").json()
    assert [p["paper_id"] for p in data["submissions"]] == [PAPER]
    assert [c["title"] for c in data["collections"]] == ["Open list"]
    html = client.get("/users/alice").text
    assert "Open list" in html and "Hidden list" not in html
    r = client.get("/api/v1/users/nobody")
    assert r.status_code == 404 and "nobody" in r.json()["error"]["message"]


def test_follow_author_and_user_show_in_for_you(
    alice: TestClient, bob: TestClient, loaded_store: Store
) -> None:
    r = alice.post(
        "/api/v1/follows", json={"kind": "author", "name": "Zesen Cheng"}, headers=_h(alice)
    )
    assert r.json() == {"kind": "author", "name": "Zesen Cheng", "following": True, "followers": 1}
    assert alice.get("/api/v1/authors/Zesen%20Cheng").json()["following"] is True
    token = csrf_of(alice, "/users/bob")
    alice.post("/users/bob/follow", data={"csrf_token": token, "action": "follow"})
    assert bob.get("/api/v1/users/bob").json()["followers"] == 1
    follows = alice.get("/api/v1/follows").json()["follows"]
    assert {(f["kind"], f["name"], f["url"]) for f in follows} == {
        ("author", "Zesen Cheng", "/authors/Zesen%20Cheng"),
        ("user", "bob", "/users/bob"),
    }
    # The sample papers arrived just now: the followed author's paper shows, labelled.
    page = alice.get("/api/v1/for-you?window=week").json()
    followed = {c["paper_id"]: c["reason"] for c in page["followed"]}
    assert followed[PAPER] == "Because you follow Zesen Cheng"
    html = alice.get("/for-you").text
    assert "From people you follow" in html and "Because you follow Zesen Cheng" in html
    r = alice.delete("/api/v1/follows?kind=author&name=Zesen%20Cheng", headers=_h(alice))
    assert r.json()["following"] is False
    assert alice.get("/api/v1/for-you").json()["followed"] == []
    assert (
        alice.post(
            "/api/v1/follows", json={"kind": "user", "name": "ghost"}, headers=_h(alice)
        ).status_code
        == 404
    )


def test_spellings_of_one_author_share_the_page_the_follow_and_the_claim(
    alice: TestClient, loaded_store: Store
) -> None:
    upsert_papers(
        store=loaded_store,
        papers_in=[
            Paper(paper_id="2501.00001", title="Riemannian one", authors=("Søren Hauberg",)),
            Paper(paper_id="2501.00002", title="Riemannian two", authors=("Soren Hauberg",)),
            Paper(paper_id="2501.00003", title="Initials", authors=("C.-P. Yuan", "O’Brien")),
        ],
    )
    both = {"2501.00001", "2501.00002"}
    # Every spelling's page (links out there use either) lists both papers.
    for spelling in ("S%C3%B8ren%20Hauberg", "Soren%20Hauberg", "SOREN%20HAUBERG"):
        data = alice.get(f"/api/v1/authors/{spelling}").json()
        assert {p["paper_id"] for p in data["items"]} == both
    assert "Riemannian two" in alice.get("/authors/S%C3%B8ren%20Hauberg").text
    # Whatever the address's spelling, the page is headed with a printed one and names
    # the others (one paper each: alphabetical order decides).
    data = alice.get("/api/v1/authors/SOREN-HAUBERG").json()
    assert (data["name"], data["also_written"]) == ("Soren Hauberg", ["Søren Hauberg"])
    assert data["feed_url"] == "/authors/Soren%20Hauberg.atom"
    html = alice.get("/authors/soren%20hauberg").text
    assert '<h1 data-testid="author-name">Soren Hauberg</h1>' in html
    assert 'data-testid="also-written">Also written Søren Hauberg</p>' in html
    for spelling in ("C.%20P.%20Yuan", "C.P.%20Yuan", "c%20p%20yuan"):
        data = alice.get(f"/api/v1/authors/{spelling}").json()
        assert [p["paper_id"] for p in data["items"]] == ["2501.00003"]
    assert alice.get("/api/v1/authors/O'Brien").json()["items"][0]["paper_id"] == "2501.00003"
    # One follow, under either spelling, brings both papers.
    alice.post(
        "/api/v1/follows", json={"kind": "author", "name": "Soren Hauberg"}, headers=_h(alice)
    )
    assert alice.get("/api/v1/authors/S%C3%B8ren%20Hauberg").json()["following"] is True
    followed = alice.get("/api/v1/for-you?window=week").json()["followed"]
    assert {c["paper_id"] for c in followed} == both
    # A claim made under one spelling shows on the page of the other.
    r = alice.post(
        "/api/v1/papers/2501.00003/claim", json={"author_name": "C.P. Yuan"}, headers=_h(alice)
    )
    assert r.status_code == 201 and r.json()["author_name"] == "C.-P. Yuan"
    _make_admin(loaded_store, "alice")
    alice.post(f"/api/v1/admin/claims/{r.json()['id']}", json={"approve": True}, headers=_h(alice))
    accounts = alice.get("/api/v1/authors/C.%20P.%20Yuan").json()["accounts"]
    assert accounts == [{"username": "alice", "url": "/users/alice"}]


def test_email_page_and_bad_links(alice: TestClient, client: TestClient) -> None:
    data = alice.get("/api/v1/account/email").json()
    assert data["verified_at"] is None
    r = alice.post("/api/v1/account/email/verify", headers=_h(alice))
    assert r.status_code == 422 and "no e-mail address" in r.json()["error"]["message"]
    r = client.get("/account/verify-email/not-a-token")
    assert r.status_code == 400 and "does not work" in r.text


def test_you_cannot_follow_yourself(alice: TestClient, bob: TestClient) -> None:
    r = alice.post("/users/alice/follow", data={"csrf_token": csrf_of(alice), "action": "follow"})
    assert r.status_code == 422 and "You cannot follow your own account (alice)" in r.text
    api = bob.post("/api/v1/follows", json={"kind": "user", "name": "BOB"}, headers=_h(bob))
    assert api.status_code == 422
    said = "You cannot follow your own account (bob)."
    assert api.json()["error"] == {
        "code": "cannot_follow_self",
        "message": said,
        "details": {"fields": [{"field": "name", "type": "value_error", "message": said}]},
    }
    assert bob.get("/api/v1/users/bob").json()["followers"] == 0
    assert bob.get("/api/v1/follows").json()["follows"] == []
    # Your own profile offers no Follow button; someone else's does.
    assert 'data-testid="follow"' not in alice.get("/users/alice").text
    assert 'data-testid="follow"' in alice.get("/users/bob").text
    # Stopping (say, a follow made before this rule) is still fine.
    gone = bob.delete("/api/v1/follows?kind=user&name=bob", headers=_h(bob))
    assert gone.status_code == 200 and gone.json()["following"] is False


def test_a_claim_is_withdrawn_by_any_spelling_of_the_id(alice: TestClient) -> None:
    r = alice.post(
        f"/api/v1/papers/arXiv:{PAPER}v2/claim",
        json={"author_name": "Zesen Cheng"},
        headers=_h(alice),
    )
    assert r.status_code == 201 and r.json()["paper_id"] == PAPER
    gone = alice.delete(f"/api/v1/papers/{PAPER}v1/claim", headers=_h(alice))
    assert gone.status_code == 204, gone.text
    assert alice.get(f"/api/v1/papers/{PAPER}/claims").json()["claims"] == []


def test_a_followed_name_keeps_no_control_characters(alice: TestClient) -> None:
    r = alice.post(
        "/api/v1/follows", json={"kind": "author", "name": "Zesen\x00 Cheng\x1b"}, headers=_h(alice)
    )
    assert r.status_code == 200 and r.json()["name"] == "Zesen Cheng"
    follows = alice.get("/api/v1/follows").json()["follows"]
    assert [(f["name"], f["url"]) for f in follows] == [("Zesen Cheng", "/authors/Zesen%20Cheng")]
    blank = alice.post(
        "/api/v1/follows", json={"kind": "author", "name": "\x00\x07"}, headers=_h(alice)
    )
    assert (
        blank.status_code == 422
        and blank.json()["error"]["details"]["fields"][0]["field"] == "name"
    )


def test_unfollowing_a_name_without_papers_does_not_land_on_a_missing_page(
    alice: TestClient,
) -> None:
    token = csrf_of(alice)
    page = "/authors/Nobody%20Yet"
    alice.post(f"{page}/follow", data={"csrf_token": token, "action": "follow"})
    assert alice.get(page).status_code == 200  # kept while followed, so it can be unfollowed
    done = alice.post(
        f"{page}/follow",
        data={"csrf_token": token, "action": "unfollow"},
        headers={"referer": f"http://testserver{page}"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/for-you"
    assert alice.get(page).status_code == 404
    # An author with papers: back to the page the form was on.
    with_papers = "/authors/Zesen%20Cheng"
    alice.post(f"{with_papers}/follow", data={"csrf_token": token, "action": "follow"})
    done = alice.post(
        f"{with_papers}/follow",
        data={"csrf_token": token, "action": "unfollow"},
        headers={"referer": f"http://testserver{with_papers}"},
        follow_redirects=False,
    )
    assert done.headers["location"].endswith(with_papers)


def test_paper_page_names_the_authors_hugging_face_links_to_accounts(client: TestClient) -> None:
    data = client.get("/api/v1/papers/2410.17243").json()
    linked = {a["name"]: a for a in data["source_authors"]}
    assert list(linked) == ["Zesen Cheng", "Zhiqiang Hu", "Lidong Bing"]  # byline order
    assert linked["Zesen Cheng"]["verified"] is True
    account = linked["Zesen Cheng"]["account"]
    assert account["url"] == "https://huggingface.co/ClownRat" and account["local"] is False

    html = client.get("/papers/2410.17243").text
    panel = html[html.index('data-testid="source-authors"') :].split("</ul>")[0]
    assert panel.count("<li>") == 3
    assert 'href="https://huggingface.co/ClownRat" rel="noopener nofollow">@ClownRat<' in panel
    # A paper whose authors have no account there shows no such list.
    assert client.get("/api/v1/papers/2410.18745").json()["source_authors"] == []
    assert 'data-testid="source-authors"' not in client.get("/papers/2410.18745").text


def test_a_name_whose_key_outgrows_the_limit_is_refused_by_name(alice: TestClient) -> None:
    # 200 characters, but "æ" is keyed as "ae": a 400-character key would not fit the
    # follow's column (PostgreSQL refuses it), so the name is refused as too long.
    r = alice.post("/api/v1/follows", json={"kind": "author", "name": "æ" * 200}, headers=_h(alice))
    assert r.status_code == 422 and "1 to 300 characters" in r.text
    fits = alice.post(
        "/api/v1/follows", json={"kind": "author", "name": "æ" * 150}, headers=_h(alice)
    )
    assert fits.status_code == 200


def test_an_author_page_names_their_hugging_face_account(client: TestClient) -> None:
    data = client.get("/api/v1/authors/Zesen Cheng").json()
    assert [(a["name"], a["url"]) for a in data["source_accounts"]] == [
        ("ClownRat", "https://huggingface.co/ClownRat")
    ]
    html = client.get("/authors/zesen cheng").text  # any spelling of the name
    line = html.split('data-testid="author-source-accounts">', 1)[1].split("</p>", 1)[0]
    assert '<a href="https://huggingface.co/ClownRat" rel="noopener nofollow">@ClownRat</a>' in line
    # An author no listing links to an account shows no such line.
    assert client.get("/api/v1/authors/Chenxin An").json()["source_accounts"] == []
    assert "author-source-accounts" not in client.get("/authors/Chenxin An").text
