"""In a real browser (Debian's Chromium): a representative asks "what if we withdraw?" for
a pending hearing, lists every client's deadlines and downloads them as CSV, and subscribes
a calendar to their feed; every one of these pages passes axe-core (no serious or critical
violation) at desktop and phone width, the taxpayer's what-if page too."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import httpx
import icalendar
import pytest
from playwright.sync_api import Browser, Page, expect  # noqa: E402,I001

from tests.conftest import full_tins
from tests.web.server import Running
from tests.web.test_browser import axe_problems, sign_in


def _check(page: Page, problems: dict[str, list[str]], label: str) -> None:
    found = axe_problems(page)
    if found:
        problems[label] = found


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_representative_whatif_deadlines_csv_and_feed(server: Running, browser: Browser, width: int) -> None:
    context = browser.new_context(accept_downloads=True, viewport={"width": width, "height": 900})
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    sign_in(page, server.url, "rep")
    case_id = server.demo["cases"]["partial-withdrawal"]
    page.goto(f"{server.url}/cases/{case_id}")
    _check(page, problems, "case page with its downloads")
    page.get_by_role("link", name="What if the hearing request is withdrawn?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What if the hearing request is withdrawn?")
    _check(page, problems, "whatif form")
    day = page.get_by_label("Day Appeals would receive the withdrawal")
    assert day.input_value() == dt.date.today().isoformat()  # the analysis's day: today
    day.fill((dt.date.today() + dt.timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Show what would change").click()
    expect(
        page.get_by_role("heading", level=2, name=re.compile("If Appeals receives the written withdrawal"))
    ).to_be_visible()
    table = page.get_by_role("table", name="Tax period 1040-2022")
    expect(table).to_be_visible()
    expect(table.get_by_role("row", name=re.compile("Tax Court review"))).to_contain_text("given up")
    expect(table.get_by_role("row", name=re.compile("Levy may begin"))).to_contain_text(
        "not while the hearing is open"
    )
    _check(page, problems, "whatif answer")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download this comparison (JSON)").click()
    assert b'"cdpdesk.whatif/1"' in Path(info.value.path()).read_bytes()

    # every client's coming dates, soonest first, and the CSV
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Deadlines").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deadlines across your cases")
    dates = page.locator("tbody time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert dates and dates == sorted(dates)
    _check(page, problems, "deadlines")
    page.get_by_label("Collection statute ends (CSED)").check()
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/deadlines\?kind=csed"))
    with page.expect_download() as info:
        page.get_by_role("link", name="Download these as CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    assert rows and {r["kind"] for r in rows} == {"csed"}
    assert {int(r["case"]) for r in rows} <= {case_id, server.demo["cases"]["eh-withdrawal"]}
    assert not full_tins(Path(info.value.path()).read_text())

    # the calendar feed: made, read by a calendar (no cookies), switched off
    page.get_by_role("link", name="Put them in your calendar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your deadlines in your calendar")
    if page.get_by_role("button", name="Make my calendar address").count():
        page.get_by_role("button", name="Make my calendar address").click()
    else:  # the other width's run made one: a new address replaces it
        page.get_by_role("button", name=re.compile("Make a new address")).click()
    url = page.get_by_label("Calendar address", exact=True).input_value()
    assert "/feeds/" in url and url.endswith(".ics")
    _check(page, problems, "calendar")
    feed = httpx.get(url)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = list(icalendar.Calendar.from_ical(feed.content).walk("VEVENT"))
    assert events and not full_tins(feed.text)
    page.get_by_role("button", name="Switch the address off").click()
    expect(page.get_by_role("status")).to_contain_text("switched off")
    assert httpx.get(url).status_code == 404
    assert problems == {}
    context.close()


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_taxpayer_whatif_page_is_accessible(server: Running, browser: Browser, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: dict[str, list[str]] = {}
    sign_in(page, server.url, "sam")
    case_id = server.demo["cases"]["pending-hearing"]
    page.goto(f"{server.url}/cases/{case_id}/whatif")
    _check(page, problems, "form")
    page.get_by_role("button", name="Show what would change").click()
    expect(page.get_by_role("table", name="Tax period 1040-2022")).to_be_visible()
    _check(page, problems, "answer")
    page.goto(f"{server.url}/cases/{case_id}/whatif?request=r1&on=1990-01-01")
    expect(page.get_by_role("alert")).to_contain_text("before request")
    _check(page, problems, "refused")
    page.goto(f"{server.url}/calendar")
    _check(page, problems, "calendar")
    assert problems == {}
    page.close()
