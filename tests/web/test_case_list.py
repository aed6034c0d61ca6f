"""The case list, the search and the withdrawal queue over HTTP (API and pages), on the demo
desk: values, totals and pages, and never a full TIN taken in a URL."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest

from cdpdesk.desk import cases as cases_module
from tests.conftest import full_tins
from tests.web.conftest import PASSWORDS, Web

APPEALS = ("appeals", PASSWORDS["appeals"])


def _ids(r: Any) -> list[int]:
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


def test_api_filters_search_and_sorts(web: Web) -> None:
    c = web.client()
    ids = web.ids
    get = lambda **params: c.get("/api/cases", auth=APPEALS, params=params)  # noqa: E731
    assert _ids(get(q="morgan")) == [ids["partial-withdrawal"]]
    assert _ids(get(q="4321")) == [ids["partial-withdrawal"]]  # Morgan Lee's TIN ends 4321
    assert _ids(get(q="6789")) == sorted([ids["cdp-withdrawal"], ids["eh-withdrawal"]])  # two TINs end 6789
    assert _ids(get(q="riley plumb")) == [ids["eh-withdrawal"]]
    assert _ids(get(q=str(ids["determination"]))) == [ids["determination"]]
    assert _ids(get(q="nobody")) == []
    assert _ids(get(stage="withdrawn", q="avery")) == [ids["cdp-withdrawal"]]
    assert _ids(get(hearing_status="determined")) == [ids["determination"]]
    pending = _ids(get(hearing_status="pending"))
    assert ids["pending-hearing"] in pending and ids["cdp-withdrawal"] not in pending
    # the determination's petition deadline is within 30 days of today (d(8) + 30 days)
    soon = _ids(get(deadline_within=30))
    assert ids["determination"] in soon
    page = get(sort="csed", per_page=5).json()
    cseds = [item["csed"]["date"] for item in page["items"]]
    assert cseds == sorted(cseds) and page["total"] == 5
    first = cseds[0]
    before = _ids(get(csed_before=(dt.date.fromisoformat(first) + dt.timedelta(days=1)).isoformat()))
    assert (
        before
        and all(item["csed"]["date"] == first for item in page["items"] if item["id"] in before)
        and len(before) == cseds.count(first)
    )
    assert page["as_of"] == dt.date.today().isoformat()
    assert [i["id"] for i in get(sort="-id", per_page=2, page=3).json()["items"]] == [min(ids.values())]
    for params, field in (
        ({"hearing_status": "lost"}, "query.hearing_status"),
        ({"sort": "tin"}, "query.sort"),
        ({"csed_before": "someday"}, "query.csed_before"),
        ({"deadline_within": -1}, "query.deadline_within"),
    ):
        bad = get(**params)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == field


def test_a_full_tin_in_q_is_refused_and_never_repeated(web: Web, caplog: pytest.LogCaptureFixture) -> None:
    c = web.client()
    caplog.set_level(logging.DEBUG)
    for tin in ("987-65-4321", "987654321", "12-3456789", "987 65 4321"):
        r = c.get("/api/cases", auth=APPEALS, params={"q": tin})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "query.q" and "last four" in r.json()["errors"][0]["message"]
        assert full_tins(r.text) == []
        page = c.get("/cases", auth=APPEALS, params={"q": tin})
        assert page.status_code == 200 and "last four digits" in page.text and full_tins(page.text) == []
    assert full_tins(caplog.text) == []


def test_the_queue_is_paged_oldest_first_with_days_waiting(web: Web) -> None:
    c = web.client()
    ids = web.ids
    q = c.get("/api/withdrawals", auth=APPEALS, params={"per_page": 2}).json()
    assert (q["total"], q["pages"], q["page"]) == (3, 2, 1)
    assert [(w["case"], w["days_waiting"]) for w in q["pending"]] == [
        (ids["cdp-withdrawal"], 12),
        (ids["eh-withdrawal"], 9),
    ]
    q2 = c.get("/api/withdrawals", auth=APPEALS, params={"per_page": 2, "page": 2}).json()
    assert [(w["case"], w["days_waiting"], w["partial"]) for w in q2["pending"]] == [
        (ids["partial-withdrawal"], 6, True)
    ]
    html = c.get("/queue", auth=APPEALS).text
    assert "3 written withdrawals to acknowledge" in html
    assert html.index(f"/cases/{ids['cdp-withdrawal']}/withdrawals") < html.index(
        f"/cases/{ids['eh-withdrawal']}/withdrawals"
    )
    assert "12 days" in html and "9 days" in html and "6 days" in html


def test_the_case_page_filters_and_says_the_day_of_its_facts(web: Web) -> None:
    c = web.client()
    ids = web.ids
    html = c.get("/cases", auth=APPEALS, params={"q": "4321"}).text
    assert f'href="/cases/{ids["partial-withdrawal"]}"' in html
    assert f'href="/cases/{ids["cdp-withdrawal"]}"' not in html
    assert "1 case" in html and f'datetime="{dt.date.today().isoformat()}"' in html
    html = c.get("/cases", auth=APPEALS, params={"hearing_status": "determined", "sort": "-csed"}).text
    assert f'href="/cases/{ids["determination"]}"' in html and "1 case" in html
    html = c.get("/cases", auth=APPEALS, params={"csed_before": "1900-01-01"}).text
    assert "No case that matches these filters" in html
    html = c.get("/cases", auth=APPEALS, params={"deadline_within": "soon"}).text
    assert "that filter is off" in html and "5 cases" in html


def test_posting_an_event_runs_the_engine_once(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    import cdpdesk.desk.intake as intake_module
    import cdpdesk.desk.lettering as lettering_module

    calls: list[str] = []
    for module in (cases_module, lettering_module, intake_module):
        real = module.analyze

        def counting(*args: Any, _real: Any = real, _name: str = module.__name__, **kw: Any) -> Any:
            calls.append(_name)
            return _real(*args, **kw)

        monkeypatch.setattr(module, "analyze", counting)
    c = web.client()
    case = web.ids["pending-hearing"]
    csrf = {"X-CSRF-Token": "x"}
    event = {"id": "n9", "type": "levy_notice", "date": dt.date.today().isoformat(), "letter": "LT11"}
    stored = web.desk.stored(case)
    event["periods"] = [p["id"] for p in stored.data["periods"]]
    r = c.post(f"/api/cases/{case}/events", auth=APPEALS, json=event, headers=csrf)
    assert r.status_code == 201, r.text
    assert calls == ["cdpdesk.desk.cases"]
    shown = c.get(f"/api/cases/{case}", auth=APPEALS)
    assert shown.status_code == 200 and calls == ["cdpdesk.desk.cases"]  # cached with the version


def test_past_the_count_cap_the_api_and_the_pages_say_more_than_and_still_page(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    import functools

    from cdpdesk.desk.listing import list_cases
    from cdpdesk.web import api, pages

    c = web.client()
    exact = c.get("/api/cases", auth=APPEALS, params={"per_page": 2}).json()
    n = exact["total"]
    assert n >= 5 and exact["total_exact"] is True and exact["has_next"] is True
    capped = functools.partial(list_cases, count_cap=3)
    monkeypatch.setattr(api, "list_cases", capped)
    monkeypatch.setattr(pages, "list_cases", capped)
    first = c.get("/api/cases", auth=APPEALS, params={"per_page": 2}).json()
    assert (first["total"], first["total_exact"], first["pages"], first["has_next"]) == (3, False, 2, True)
    assert first["items"] == exact["items"]
    # the last page counts exactly again
    last = -(-n // 2)
    end = c.get("/api/cases", auth=APPEALS, params={"per_page": 2, "page": last}).json()
    assert (end["total"], end["total_exact"], end["has_next"]) == (n, True, False)
    walked = [
        item["id"]
        for p in range(1, last + 1)
        for item in c.get("/api/cases", auth=APPEALS, params={"per_page": 2, "page": p}).json()["items"]
    ]
    assert walked == [item["id"] for p in range(1, last + 1) for item in _page(c, p)] and len(walked) == n
    assert len(set(walked)) == n


def _page(c: Any, p: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = c.get("/api/cases", auth=APPEALS, params={"per_page": 2, "page": p}).json()[
        "items"
    ]
    return items


def test_one_pager_says_more_than_past_the_cap() -> None:
    from cdpdesk import i18n
    from cdpdesk.web.pages import templates

    # the partial's words go through the page's own gettext (pages import it `with context`)
    def pager_in(lang: str) -> Any:
        return templates.env.get_template("_pager.html").make_module(
            i18n.jinja_callables(i18n.translator(lang))
        )

    pg = pager_in("en")
    assert str(pg.counted(1000, False, "case", "cases")) == "more than 1,000 cases"  # type: ignore[attr-defined]
    assert str(pg.counted(1, True, "case", "cases")) == "1 case"  # type: ignore[attr-defined]
    assert str(pg.counted(20000, True, "case", "cases")) == "20,000 cases"  # type: ignore[attr-defined]
    assert str(pg.page_of(3, 50, False)) == "page 3 of 50 or more"  # type: ignore[attr-defined]
    nav = str(pg.pager(3, 50, True, False, lambda n: f"/cases?page={n}"))  # type: ignore[attr-defined]
    assert 'href="/cases?page=2" rel="prev"' in nav and 'href="/cases?page=4" rel="next"' in nav
    assert "Page 3 of 50 or more" in nav
    last = str(pg.pager(5, 5, False, True, lambda n: f"/q?page={n}", "Pages of the queue"))  # type: ignore[attr-defined]
    assert 'aria-label="Pages of the queue"' in last and 'rel="next"' not in last and "Page 5 of 5" in last
    assert str(pg.pager(1, 1, False, True, lambda n: "")).strip() == ""  # type: ignore[attr-defined]
    es = pager_in("es")
    assert str(es.page_of(3, 50, False)) == "página 3 de 50 o más"  # type: ignore[attr-defined]
    nav_es = str(es.pager(3, 50, True, False, lambda n: f"/cases?page={n}"))  # type: ignore[attr-defined]
    assert "Página 3 de 50 o más" in nav_es and "Página anterior" in nav_es and "Página siguiente" in nav_es
