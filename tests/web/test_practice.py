"""The practitioner's routes without a browser: the what-if (API and page), deadlines across
cases (page, CSV, JSON), one case's calendar, the per-user feed and its revocable address,
and the case page's downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import icalendar
import pytest
from sqlalchemy import select

from cdpdesk.desk.feeds import CalendarFeed, token_hash
from cdpdesk.engine.coming import coming_deadlines
from cdpdesk.letters.ics import uid_for
from cdpdesk.web import practice
from tests.conftest import full_tins
from tests.web.conftest import Web

TODAY = dt.date.today()


def _case_file(web: Web, key: str) -> dict[str, Any]:
    doc: dict[str, Any] = web.desk.export_case(web.ids[key])
    return doc


# --- POST /api/whatif/withdraw ------------------------------------------------------------------


def test_whatif_api_on_a_case_file_is_analyze_with_the_withdrawal(web: Web) -> None:
    doc = _case_file(web, "pending-hearing")
    c = web.client()  # no sign-in: like /api/analyze, nothing is stored
    on = TODAY.isoformat()
    r = c.post("/api/whatif/withdraw", json={"case": doc, "request": "r1", "on": on})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["format"] == "cdpdesk.whatif/1"
    hypo = doc | {"as_of": max(doc.get("as_of") or on, on), "events": [*doc["events"], out["withdrawal"]]}
    assert out["withdrawn"] == c.post("/api/analyze", json=hypo).json()
    kinds = [ch["kind"] for ch in out["changes"]]
    assert kinds == ["hearing", "tax_court", "suspension", "csed"]  # a lien notice: no levy bar
    assert not full_tins(r.text)
    before = web.desk.stored(web.ids["pending-hearing"]).version
    assert web.desk.stored(web.ids["pending-hearing"]).version == before  # nothing stored


def test_whatif_api_refuses_by_field(web: Web) -> None:
    doc = _case_file(web, "pending-hearing")
    c = web.client()
    received = next(e["received"] for e in doc["events"] if e["id"] == "r1")
    early = (dt.date.fromisoformat(received) - dt.timedelta(days=1)).isoformat()
    for body, field, words in [
        ({"case": doc, "request": "r1", "on": early}, "on", "before request"),
        ({"case": doc, "request": "n1", "on": received}, "request", "not a hearing_request"),
        ({"case": doc, "request": "r1", "on": received, "part": "levy"}, "part", "no pending hearing"),
        ({"case": doc, "request": "r1", "on": received, "periods": ["x"]}, "periods[0]", "not covered"),
        ({"case": doc | {"format": "x"}, "request": "r1", "on": received}, "case.format", "unknown format"),
        ({"request": "r1", "on": received}, "case", "give either case"),
        ({"case": doc, "request": "r1", "on": "2026-02-30"}, "body.on", ""),
    ]:
        r = c.post("/api/whatif/withdraw", json=body)
        assert r.status_code == 422, (body.get("request"), r.text)
        err = r.json()
        assert err["format"] == "cdpdesk.error/1"
        assert err["errors"][0]["field"] == field, err
        assert words in err["errors"][0]["message"]
        assert not full_tins(r.text)


def test_whatif_api_on_a_stored_case_needs_a_user_who_may_see_it(web: Web) -> None:
    case_id = web.ids["pending-hearing"]
    body = {"case_id": case_id, "request": "r1", "on": TODAY.isoformat()}
    assert web.client().post("/api/whatif/withdraw", json=body).status_code == 401
    rep, token = web.signed_in("rep")  # not Sam's representative
    assert rep.post("/api/whatif/withdraw", json=body, headers={"X-CSRF-Token": token}).status_code == 404
    sam, token = web.signed_in("sam")
    assert sam.post("/api/whatif/withdraw", json=body).status_code == 403  # the session needs its CSRF token
    r = sam.post("/api/whatif/withdraw", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    assert r.json()["as_is"] == web.desk.analysis(case_id)


# --- The what-if page -----------------------------------------------------------------------------


def _text(html: str) -> str:
    main = html.split("<main", 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def test_whatif_page_for_the_taxpayer(web: Web) -> None:
    case_id = web.ids["pending-hearing"]
    sam, _ = web.signed_in("sam")
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/understand"):
        assert f'href="/cases/{case_id}/whatif"' in sam.get(path).text
    form = sam.get(f"/cases/{case_id}/whatif")
    assert form.status_code == 200 and "Show what would change" in form.text
    on = (TODAY + dt.timedelta(days=7)).isoformat()
    r = sam.get(f"/cases/{case_id}/whatif", params={"request": "r1", "on": on})
    assert r.status_code == 200
    out = web.desk.analysis(case_id)  # as it stands today
    text = _text(r.text)
    expected = sam.post(
        "/api/whatif/withdraw",
        json={"case_id": case_id, "request": "r1", "on": on},
        headers={"X-CSRF-Token": re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)},  # type: ignore[union-attr]
    ).json()
    csed = next(c for c in expected["changes"] if c["kind"] == "csed")
    from cdpdesk.engine.authority import plain_date

    assert plain_date(csed["withdrawn"]) in text and "given up" in text
    assert f"If Appeals receives the written withdrawal on {plain_date(on)}" in text
    assert out["hearings"][0]["status"] == "pending"  # nothing was stored
    download = sam.get(f"/cases/{case_id}/whatif.json", params={"request": "r1", "on": on})
    assert download.json() == expected
    bad = sam.get(f"/cases/{case_id}/whatif", params={"request": "r1", "on": "1999-01-01"})
    assert bad.status_code == 422 and "before request" in bad.text
    other = web.ids["cdp-withdrawal"]
    assert sam.get(f"/cases/{other}/whatif").status_code == 404


# --- Deadlines across cases ------------------------------------------------------------------------


def test_deadlines_page_csv_and_json_for_the_representative(web: Web) -> None:
    rep, _ = web.signed_in("rep")
    mine = {web.ids["eh-withdrawal"], web.ids["partial-withdrawal"]}
    expected = sorted(
        ((d.date.isoformat(), cid, d.what) for cid in mine for d in coming_deadlines(web.desk.analysis(cid))),
    )
    rows = rep.get("/api/deadlines").json()["items"]
    assert [(r["date"], r["case"], r["what"]) for r in rows] == expected
    assert {r["case"] for r in rows} == mine
    assert all(r["days_left"] == (dt.date.fromisoformat(r["date"]) - TODAY).days for r in rows)
    page = rep.get("/deadlines")
    assert page.status_code == 200
    for cid in mine:
        assert f'href="/cases/{cid}"' in page.text
    assert f'href="/cases/{web.ids["pending-hearing"]}"' not in page.text
    got = list(csv.DictReader(io.StringIO(rep.get("/deadlines.csv").text)))
    assert [(r["date"], int(r["case"]), r["what"]) for r in got] == expected
    assert got[0]["tin"].startswith("XXX-") or got[0]["tin"].startswith("XX-")
    assert not full_tins(rep.get("/deadlines.csv").text) and not full_tins(page.text)
    # filters: CSEDs only; the next N days
    csed = rep.get("/api/deadlines", params={"kind": "csed"}).json()["items"]
    assert csed and {r["kind"] for r in csed} == {"csed"}
    soon = min(r["days_left"] for r in rows)
    near = rep.get("/api/deadlines", params={"days": soon}).json()["items"]
    assert near and all(r["days_left"] <= soon for r in near)
    assert len(rep.get("/deadlines.csv", params={"kind": "csed"}).text.splitlines()) == len(csed) + 1
    assert rep.get("/api/deadlines", params={"kind": "nope"}).status_code == 422
    # the page's form: an empty number means any time; a bad one is refused by name
    assert rep.get("/deadlines", params={"within": ""}).status_code == 200
    assert len(rep.get("/deadlines.csv", params={"within": str(soon)}).text.splitlines()) == len(near) + 1
    bad = rep.get("/deadlines", params={"within": "soon"})
    assert bad.status_code == 422 and "number of days" in bad.text
    staff, _ = web.signed_in("appeals")
    assert {r["case"] for r in staff.get("/api/deadlines").json()["items"]} >= mine | {
        web.ids["pending-hearing"]
    }
    taxpayer, _ = web.signed_in("sam")
    assert taxpayer.get("/deadlines").status_code == 403


def test_deadlines_are_paged_with_their_total(web: Web) -> None:
    staff, _ = web.signed_in("appeals")
    every = staff.get("/api/deadlines", params={"per_page": 500}).json()
    assert every["total"] == len(every["items"]) >= 3 and every["pages"] == 1
    pages = [staff.get("/api/deadlines", params={"per_page": 2, "page": n}).json() for n in (1, 2)]
    assert [p["total"] for p in pages] == [every["total"]] * 2 and pages[0]["pages"] == -(
        -every["total"] // 2
    )
    assert pages[0]["items"] + pages[1]["items"] == every["items"][:4]
    assert pages[0]["day"] == TODAY.isoformat()
    for bad in ({"page": 0}, {"per_page": 501}, {"per_page": "x"}):
        assert staff.get("/api/deadlines", params=bad).status_code == 422
    page = staff.get("/deadlines")
    assert f"{every['total']} dates" in page.text
    assert 'rel="next"' not in page.text  # fewer than a page (100) of dates in the demo


def test_case_list_next_date_is_a_request_or_petition_deadline(web: Web) -> None:
    staff, _ = web.signed_in("appeals")
    items = staff.get("/api/cases", params={"per_page": 100}).json()["items"]
    by_id = {row["id"]: row for row in items}
    petition = by_id[web.ids["determination"]]["next_deadline"]
    want = next(
        d
        for d in coming_deadlines(web.desk.analysis(web.ids["determination"]))
        if d.kind == "tax_court_petition"
    )
    assert (petition["date"], petition["kind"], petition["days_left"]) == (
        want.date.isoformat(),
        "tax_court_petition",
        (want.date - TODAY).days,
    )
    assert all(row["next_deadline"] is None or row["next_deadline"]["kind"] != "csed" for row in items)
    assert any(row["next_deadline"] is None and row["csed"] for row in items)  # a CSED alone: no next date
    html = staff.get("/cases", params={"per_page": 100}).text
    assert f"{(want.date - TODAY).days} days left" in html and "Tax Court petition deadline:" in html


# --- Calendars ------------------------------------------------------------------------------------


def _events(data: bytes) -> list[Any]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def test_one_case_ics_parses_back_and_keeps_its_uids_when_a_date_moves(web: Web) -> None:
    case_id = web.ids["pending-hearing"]
    sam, _ = web.signed_in("sam")
    r = sam.get(f"/cases/{case_id}/deadlines.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert not full_tins(r.text) and "Sam Rivera" not in r.text
    events = _events(r.content)
    rows = coming_deadlines(web.desk.analysis(case_id))
    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in events] == [
        (d.date, d.date + dt.timedelta(days=1)) for d in rows
    ]
    assert all(
        isinstance(e.decoded("dtstart"), dt.date) and not isinstance(e.decoded("dtstart"), dt.datetime)
        for e in events
    )
    assert [str(e["uid"]) for e in events] == [uid_for(f"case-{case_id}", d.key) for d in rows]
    for e, d in zip(events, rows, strict=True):
        text = str(e["description"])
        assert d.says in text and d.rule in text
    # a written withdrawal is recorded: the CSED moves, its event keeps its UID
    csed_before = next(e for e in events if "CSED" in str(e["summary"]))
    web.desk.add_event(
        case_id, {"id": "w9", "type": "hearing_withdrawal", "received": TODAY.isoformat(), "request": "r1"}
    )
    after = _events(sam.get(f"/cases/{case_id}/deadlines.ics").content)
    csed_after = next(e for e in after if str(e["uid"]) == str(csed_before["uid"]))
    assert "CSED" in str(csed_after["summary"])
    assert len({str(e["uid"]) for e in after}) == len(after)


def test_the_feed_lists_every_case_of_its_user_and_is_refused_when_wrong_or_revoked(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep, token = web.signed_in("rep")
    assert "Make my calendar address" in rep.get("/calendar").text
    page = rep.post("/calendar/feed", data={"csrf_token": token}, follow_redirects=True)
    url = re.search(r'value="http://testserver(/feeds/[^"]+\.ics)"', page.text).group(1)  # type: ignore[union-attr]
    secret = url.removeprefix("/feeds/").removesuffix(".ics")
    assert "shown only once" in page.text
    assert url not in rep.get("/calendar").text  # shown once
    # only the hash is stored
    with web.desk._sessions() as s:
        stored = [row.token_hash for row in s.scalars(select(CalendarFeed))]
    assert stored == [token_hash(secret)] and secret not in stored
    anon = web.client()
    r = anon.get(url)
    assert r.status_code == 200, r.text
    assert not full_tins(r.text)
    cases = {web.ids["eh-withdrawal"], web.ids["partial-withdrawal"]}
    rows = sorted(
        ((d.date, cid, d.key) for cid in cases for d in coming_deadlines(web.desk.analysis(cid))),
        key=lambda x: (x[0], x[1]),
    )
    # every coming date of the user's cases (under FEED_MAX) ...
    every = sorted(uid_for(f"case-{cid}", key) for _, cid, key in rows)
    assert len(every) >= 3 and len(every) <= practice.FEED_MAX
    assert sorted(str(e["uid"]) for e in _events(r.content)) == every
    # ... and past it, the FEED_MAX soonest
    monkeypatch.setattr(practice, "FEED_MAX", 2)
    first = sorted(str(e["uid"]) for e in _events(anon.get(url).content))
    assert first == sorted(uid_for(f"case-{cid}", key) for _, cid, key in rows[:2])
    monkeypatch.undo()
    # wrong tokens: refused, the same way
    for bad in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), "x", "a" * 300):
        assert anon.get(f"/feeds/{bad}.ics").status_code == 404
    # a new address revokes the old one
    page = rep.post("/calendar/feed", data={"csrf_token": token}, follow_redirects=True)
    url2 = re.search(r'value="http://testserver(/feeds/[^"]+\.ics)"', page.text).group(1)  # type: ignore[union-attr]
    assert anon.get(url).status_code == 404 and anon.get(url2).status_code == 200
    # revoked
    r = rep.post("/calendar/feed/revoke", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/calendar?revoked=1"
    assert anon.get(url2).status_code == 404
    assert rep.post("/calendar/feed", data={}).status_code == 403  # no CSRF token


# --- Downloads on the case page -------------------------------------------------------------------


def test_case_page_downloads(web: Web) -> None:
    case_id = web.ids["cdp-withdrawal"]
    staff, _ = web.signed_in("appeals")
    page = staff.get(f"/cases/{case_id}").text
    for href in ("analysis.json", "summary.pdf", "deadlines.ics"):
        assert f'href="/cases/{case_id}/{href}"' in page
    r = staff.get(f"/cases/{case_id}/analysis.json")
    assert r.headers["content-disposition"] == f'attachment; filename="case-{case_id}-analysis.json"'
    assert r.json() == staff.get(f"/api/cases/{case_id}").json()["analysis"]
    pdf = staff.get(f"/cases/{case_id}/summary.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    avery, _ = web.signed_in("avery")
    assert avery.get(f"/cases/{web.ids['determination']}/analysis.json").status_code == 404
