"""The queue as a work list on the web (issue 13, item 4): filters, search, assignment
("mine") and "issue all" with its progress page; the API shows the same."""

from __future__ import annotations

import re

from tests.web.conftest import PASSWORDS, Web

APPEALS = ("appeals", PASSWORDS["appeals"])


def _cases(rows: list[dict[str, object]]) -> list[object]:
    return [w["case"] for w in rows]


def test_api_filters_and_assignment(web: Web) -> None:
    c = web.client()
    cdp, eh, part = web.ids["cdp-withdrawal"], web.ids["eh-withdrawal"], web.ids["partial-withdrawal"]
    everything = c.get("/api/withdrawals", auth=APPEALS).json()
    assert _cases(everything["pending"]) == [cdp, eh, part]
    assert [w["days_waiting"] for w in everything["pending"]] == [12, 9, 6]
    assert {w["assigned_to"] for w in everything["pending"]} == {None}

    def got(**params: object) -> list[object]:
        r = c.get("/api/withdrawals", params=params, auth=APPEALS)
        assert r.status_code == 200, r.text
        assert r.json()["total"] == len(r.json()["pending"])
        return _cases(r.json()["pending"])

    assert got(older_than=9) == [cdp]
    assert got(older_than=8) == [cdp, eh]
    assert got(hearing="equivalent") == [eh]
    assert got(hearing="cdp") == [cdp, part]
    assert got(q="riley") == [eh]
    assert got(q="4321") == [part]
    web.desk.assign(part, "w1", "appeals", by="lead")
    assert got(assigned="me") == [part]
    assert got(assigned="appeals") == [part]
    assert got(assigned="nobody") == [cdp, eh]
    row = c.get("/api/withdrawals", params={"assigned": "me"}, auth=APPEALS).json()["pending"][0]
    assert row["assigned_to"] == "appeals" and row["assigned_at"]
    bad = c.get("/api/withdrawals", params={"q": "987654321"}, auth=APPEALS)
    assert bad.status_code == 422 and "987654321" not in bad.text
    assert "query.q" in bad.text
    assert c.get("/api/withdrawals", params={"hearing": "lien"}, auth=APPEALS).status_code == 422
    assert c.get("/api/withdrawals", params={"older_than": -1}, auth=APPEALS).status_code == 422


def test_page_filters_search_and_refuses_a_full_tin(web: Web) -> None:
    c, _ = web.signed_in("appeals")
    page = c.get("/queue", params={"hearing": "equivalent"}).text
    assert f'/cases/{web.ids["eh-withdrawal"]}"' in page
    assert f'/cases/{web.ids["cdp-withdrawal"]}"' not in page
    assert "1 written withdrawal to acknowledge" in page
    assert "Issue all 3 pending letters" in page  # the button issues the whole queue
    page = c.get("/queue", params={"older_than": "10"}).text
    assert "1 written withdrawal to acknowledge" in page and "12 days" in page
    page = c.get("/queue", params={"q": "zzz"}).text
    assert "No written withdrawal matches these filters" in page
    # a full TIN: refused and said, never echoed (not in the page, its links or its forms);
    # the rest of the queue is shown as if there were no search
    r = c.get("/queue", params={"q": "987-65-4321"})
    assert r.status_code == 200 and "full taxpayer identification number" in r.text
    assert "987-65-4321" not in r.text and "987654321" not in r.text
    assert "3 written withdrawals to acknowledge" in r.text
    for bad in ("soon", "\u00b2", "36601"):
        r = c.get("/queue", params={"older_than": bad})
        assert r.status_code == 200 and "that filter is off" in r.text
        assert "3 written withdrawals to acknowledge" in r.text


def test_assign_from_the_page_then_mine(web: Web) -> None:
    c, token = web.signed_in("appeals")
    web.app.state.accounts.create_user("clerk.b", "Clerk B", "appeals", "clerk-b-password-1")
    part = web.ids["partial-withdrawal"]
    back = "/queue?hearing=cdp"
    form = {"csrf_token": token, "case": str(part), "event": "w1", "back": back, "action": "assign"}
    assert c.post("/queue/assign", data=form | {"csrf_token": "nope"}).status_code == 403
    r = c.post("/queue/assign", data=form, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, back)
    assert "assigned to appeals" in c.get(back).text
    mine = c.get("/queue", params={"mine": "1"}).text
    assert "1 written withdrawal to acknowledge" in mine and f'/cases/{part}"' in mine
    r = c.post("/queue/assign", data=form | {"clerk": "clerk.b"}, follow_redirects=False)
    assert r.status_code == 303
    assert "No written withdrawal matches" in c.get("/queue", params={"mine": "1"}).text
    api = web.client().get("/api/withdrawals", params={"assigned": "clerk.b"}, auth=APPEALS).json()
    assert [(w["case"], w["assigned_to"]) for w in api["pending"]] == [(part, "clerk.b")]
    assert c.post("/queue/assign", data=form | {"clerk": "rep"}).status_code == 422  # not Appeals
    assert c.post("/queue/assign", data=form | {"event": "zz"}).status_code == 404
    assert c.post("/queue/assign", data=form | {"case": "\u00b2"}).status_code == 404
    r = c.post("/queue/assign", data=form | {"action": "unassign", "back": "https://evil.example/"})
    assert r.status_code == 200 and r.url.path == "/queue"
    assert web.desk.withdrawal_page(assigned_to="")["total"] == 3


def test_issue_all_with_progress_issues_each_letter_once(web: Web) -> None:
    from cdpdesk.web import staff

    staff_batch = staff.ISSUE_BATCH
    staff.ISSUE_BATCH = 2  # three letters: two requests
    try:
        c, token = web.signed_in("appeals")
        r = c.post("/queue/issue-all", data={"csrf_token": token, "done": "0"}, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/queue/issuing?done=2&left=1")
        page = c.get(r.headers["location"]).text
        assert "<strong>2 of 3</strong> issued" in page and 'data-autosubmit="1"' in page
        assert re.search(r'<progress id="issued" max="3" value="2">', page)
        r = c.post("/queue/issue-all", data={"csrf_token": token, "done": "2"}, follow_redirects=False)
        assert r.headers["location"] == "/queue/issuing?done=3&left=0"
        page = c.get(r.headers["location"]).text
        assert "<strong>3 of 3</strong> issued" in page and "data-autosubmit" not in page
        assert "Every written withdrawal in the queue has its Letter 4383" in page
        # again (a second tab, a reload of the POST): nothing more issued
        r = c.post("/queue/issue-all", data={"csrf_token": token, "done": "3"}, follow_redirects=False)
        assert r.headers["location"] == "/queue/issuing?done=3&left=0"
        assert len(web.desk.letters()) == 3
        assert {info.issued_by for info in web.desk.letters()} == {"appeals"}
        assert c.post("/queue/issue-all", data={"csrf_token": "bad"}).status_code == 403
        r = c.post("/queue/issue-all", data={"csrf_token": token, "done": "\u00b2"}, follow_redirects=False)
        assert r.headers["location"] == "/queue/issuing?done=0&left=0"
    finally:
        staff.ISSUE_BATCH = staff_batch
