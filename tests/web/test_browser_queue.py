"""The queue as a work list in a real browser (issue 13, item 4): Playwright driving
Debian's Chromium against uvicorn with the demo data. Filter, search (a full TIN never
leaves the page), assign to oneself and "mine", then issue all pending letters through the
progress page; axe-core (vendored) at desktop and phone width on each state of the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.server import CHROMIUM, CHROMIUM_ARGS, Running

pytest.importorskip("playwright")
if not Path(CHROMIUM).exists():  # pragma: no cover - .ci/run installs it
    pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium", pytrace=False)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.web.test_browser import axe_problems, sign_in  # noqa: E402


def _rows(page: Page) -> list[str]:
    return page.locator("table tbody tr td[data-label=Case]").all_inner_texts()


def test_the_queue_as_a_work_list(server: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    from cdpdesk.web import staff

    monkeypatch.setattr(staff, "ISSUE_BATCH", 1)  # the server runs in this process: 3 batches
    base = server.url
    ids = server.demo["cases"]
    cdp, eh, part = ids["cdp-withdrawal"], ids["eh-withdrawal"], ids["partial-withdrawal"]
    problems: dict[str, list[str]] = {}
    wide: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        pages: dict[int, Page] = {}
        for width in (1280, 375):
            pages[width] = browser.new_context(viewport={"width": width, "height": 900}).new_page()
            sign_in(pages[width], base, "appeals")

        def check(name: str) -> None:
            for width, pg in pages.items():
                if pg.url != page.url:
                    pg.goto(page.url)
                found = axe_problems(pg)
                if found:
                    problems[f"{name} at {width}px"] = found
                if pg.evaluate("document.documentElement.scrollWidth") > width:
                    wide.append(f"{name} at {width}px")

        page = pages[1280]
        page.goto(f"{base}/queue")
        assert _rows(page) == [f"Case {cdp}", f"Case {eh}", f"Case {part}"]
        check("the whole queue")

        # by hearing type, then by age
        page.get_by_label("Hearing type").select_option("equivalent")
        page.get_by_role("button", name="Show").click()
        assert _rows(page) == [f"Case {eh}"]
        page.get_by_label("Hearing type").select_option("")
        page.get_by_label("Waiting more than (days)").fill("10")
        page.get_by_role("button", name="Show").click()
        assert _rows(page) == [f"Case {cdp}"]
        assert "older_than=10" in page.url
        page.goto(f"{base}/queue")

        # search: the TIN's last four; a full TIN is refused by the form, never sent
        search = page.get_by_role("searchbox", name="Search")
        search.fill("4321")
        page.get_by_role("button", name="Show").click()
        assert _rows(page) == [f"Case {part}"]
        check("a search")
        before = page.url
        page.get_by_role("searchbox", name="Search").fill("987-65-4321")
        page.get_by_role("button", name="Show").click()
        assert page.url == before
        assert page.get_by_role("searchbox", name="Search").evaluate("e => e.validity.patternMismatch")
        page.goto(f"{base}/queue")

        # assign one to myself; "only mine" then shows just that one
        page.get_by_role("button", name=f"Assign withdrawal e3 of case {eh}").click()
        expect(page.get_by_role("status")).to_contain_text(f"Case {eh}, withdrawal e3: assigned to appeals")
        page.get_by_label(re.compile("^Only mine")).check()
        page.get_by_role("button", name="Show").click()
        assert _rows(page) == [f"Case {eh}"]
        expect(page.locator("td[data-label='Assigned to']")).to_contain_text("appeals")
        check("mine, assigned")
        page.get_by_role("button", name=f"Unassign withdrawal e3 of case {eh}").click()
        expect(page.get_by_role("status")).to_contain_text("assigned to nobody")
        expect(page.get_by_text("No written withdrawal matches these filters")).to_be_visible()
        check("mine, none")

        # issue all: the progress page moves on by itself until every letter is issued
        page.goto(f"{base}/queue")
        posts: list[str] = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        page.get_by_role("button", name="Issue all 3 pending letters").click()
        expect(page.get_by_text("Every written withdrawal in the queue has its Letter 4383")).to_be_visible(
            timeout=60_000
        )
        expect(page.locator("#progress strong")).to_have_text("3 of 3")
        assert posts == [f"{base}/queue/issue-all"] * 3  # one by the button, two by queue.js
        check("issue all, done")
        page.goto(f"{base}/queue")
        expect(page.get_by_text("No written withdrawal is waiting")).to_be_visible()
        browser.close()
    assert problems == {}
    assert wide == []
