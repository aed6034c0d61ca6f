"""In a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium, never
`playwright install`) against uvicorn on 127.0.0.1 with the demo data."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import httpx
import pytest

from cdpdesk.engine.calendar import Calendar
from cdpdesk.web.pages import long_date
from tests.web.server import CHROMIUM, Running

pytest.importorskip("playwright")
if not Path(CHROMIUM).exists():  # pragma: no cover - .ci/run installs it
    pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium", pytrace=False)

from playwright.sync_api import Browser, Page, expect  # noqa: E402


def sign_in(page: Page, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(f"{user}-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_appeals_acknowledges_a_withdrawal_and_downloads_the_pdf(server: Running, browser: Browser) -> None:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    sign_in(page, server.url, "appeals")
    expect(page).to_have_url(f"{server.url}/queue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdrawals waiting for Letter 4383")
    case_id = server.demo["cases"]["cdp-withdrawal"]
    row = page.get_by_role("row").filter(has_text="Avery Quinn")
    row.get_by_role("link", name=re.compile("Preview and acknowledge")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Acknowledge the withdrawal and issue Letter 4383"
    )
    frame = page.frame_locator("iframe.letter-frame")
    expect(frame.get_by_text("Independent Office of Appeals").first).to_be_visible()
    expect(frame.get_by_text("XXX-XX-6789").first).to_be_visible()
    page.get_by_role("button", name="Acknowledge and issue Letter 4383").click()
    expect(page.get_by_role("status")).to_contain_text("was issued and stored")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert info.value.suggested_filename == f"letter-4383-case-{case_id}-1.pdf"
    # the queue no longer lists it; acknowledging again gives the same letter
    page.goto(f"{server.url}/queue")
    expect(page.get_by_role("row").filter(has_text="Avery Quinn")).to_have_count(0)
    context.close()


def test_taxpayer_sees_their_stage_and_dates_and_not_another_case(server: Running, browser: Browser) -> None:
    page = browser.new_page()
    sign_in(page, server.url, "jamie")
    mine = server.demo["cases"]["determination"]
    expect(page).to_have_url(f"{server.url}/cases/{mine}/understand")
    expect(page.get_by_role("heading", level=1)).to_have_text("Understanding your letter")
    expect(page.locator(".here h2")).to_contain_text("Determination")
    determination = dt.date.today() - dt.timedelta(days=8)
    expect(page.locator(".here")).to_contain_text(f"Since {long_date(determination)}")
    # the Tax Court deadline: 30 days after the Notice of Determination (IRC 6330(d)(1)),
    # moved past a weekend or legal holiday (IRC 7503): the demo's days follow the clock,
    # so on some days the 30th lands on one (2026-12-03: December 25, shown as December 28)
    deadline = page.locator(".next li.dated").first
    expect(deadline).to_contain_text("Tax Court")
    expect(deadline).to_contain_text(long_date(Calendar().roll(determination + dt.timedelta(days=30)))[:-6])
    here = page.locator("svg.roadmap a.stop-current")
    expect(here).to_have_count(1)
    expect(here).to_have_accessible_name(re.compile(r"^Determination\s*you are here$"))
    # the road so far: passed stops differ from the current one and from those not on it
    expect(page.locator("svg.roadmap a.stop-passed")).to_have_count(4)  # assessed, levy, request, appeals
    expect(page.locator('svg.roadmap a.stop-off_road[href="#stage-lien_filed"]')).to_have_count(1)
    expect(page.locator('svg.roadmap a.stop-passed[href="#stage-lien_filed"]')).to_have_count(0)
    # Enter on a stop moves the focus to its card
    page.locator('svg.roadmap a[href="#stage-tax_court"]').focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#stage-tax_court$"))
    expect(page.locator("#stage-tax_court")).to_be_focused()
    expect(page.locator("#stage-tax_court")).to_be_in_viewport()
    expect(page.locator(".help")).to_contain_text("Taxpayer Advocate Service")
    # another taxpayer's case: refused, and it says nothing about that case
    other = server.demo["cases"]["cdp-withdrawal"]
    for path in (f"/cases/{other}/understand", f"/cases/{other}"):
        response = page.goto(f"{server.url}{path}")
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        expect(page.locator("main")).not_to_contain_text("Avery")
    response = page.goto(f"{server.url}/queue")
    assert response is not None and response.status == 403
    page.close()


def test_letter_lookup_by_keyboard_on_a_phone(server: Running, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{server.url}/lookup")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the main content")).to_be_focused()
    page.get_by_label("Letter, notice or form number").fill("CP504")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Notice CP504"))).to_be_visible()
    expect(page.locator("svg.roadmap a.stop-current")).to_have_accessible_name(
        re.compile(r"^Balance-due notices\s*this letter$")
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    page.close()


def test_api_docs_render_with_no_outside_network(server: Running, browser: Browser) -> None:
    # Swagger UI comes from the installed package, not a CDN: the page must draw the
    # operations on a machine that reaches nothing but itself.
    page = browser.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server.url) else outside.append(r.url))
    page.goto(f"{server.url}/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/analyze").first).to_be_visible(timeout=15000)
    assert outside == []
    page.close()


# --- Accessibility: axe-core (vendored, tests/web/vendor/axe-core, MPL-2.0) -----------------

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()


def axe_problems(page: Page) -> list[str]:
    """Serious and critical axe-core violations on the page, as 'rule: target' lines."""
    page.evaluate(AXE)  # evaluated over the DevTools protocol: the page's CSP does not apply
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .flatMap(v => v.nodes.map(n => v.id + ': ' + n.target.join(' ')))"""
    )
    return [str(x) for x in found]


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_taxpayer_pages_have_no_serious_axe_violations(server: Running, browser: Browser, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: dict[str, list[str]] = {}

    def check(path: str) -> None:
        response = page.goto(f"{server.url}{path}")
        assert response is not None and response.status == 200, path
        found = axe_problems(page)
        if found:
            problems[path] = found

    for path in ("/", "/login", "/lookup", "/lookup?q=4383", "/lookup?q=nothing"):
        check(path)
    for user, key in (("avery", "cdp-withdrawal"), ("sam", "pending-hearing"), ("jamie", "determination")):
        page.context.clear_cookies()
        sign_in(page, server.url, user)
        check("/cases")
        check(f"/cases/{server.demo['cases'][key]}/understand")
    # and once Appeals has issued Letter 4383 (idempotent, whichever test issued it first):
    # the taxpayer's own letter page, and their page that now says so
    case_id = server.demo["cases"]["cdp-withdrawal"]
    issued = httpx.post(
        f"{server.url}/api/cases/{case_id}/withdrawals/e3/acknowledge", auth=("appeals", "appeals-demo")
    )
    assert issued.status_code in (200, 201), issued.text
    page.context.clear_cookies()
    sign_in(page, server.url, "avery")
    check(f"/letters/{issued.json()['letter']['id']}")
    check(f"/cases/{case_id}/understand")
    assert problems == {}
    page.close()
