"""The Appeals case list and queue in Chromium: search and filters by keyboard, a full TIN
stopped by the browser before it reaches an address, no serious axe-core violation at
desktop and phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect  # noqa: E402, I001

from tests.web.test_browser import Running, axe_problems, sign_in


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_search_filters_and_queue_by_keyboard(server: Running, browser: Browser, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    sign_in(page, server.url, "appeals")
    page.goto(f"{server.url}/cases")
    assert axe_problems(page) == []
    morgan = server.demo["cases"]["partial-withdrawal"]
    search = page.get_by_label("Search")
    search.fill("987-65-4321")  # a full TIN: the browser refuses to send the form
    search.press("Enter")
    assert "987" not in page.url and page.evaluate("document.getElementById('q').validity.valid") is False
    search.fill("4321")
    search.press("Enter")
    page.wait_for_load_state()
    assert "q=4321" in page.url
    expect(page.get_by_role("link", name=f"Case {morgan}", exact=True)).to_be_visible()
    expect(page.locator("caption")).to_have_text("1 case")
    page.get_by_label("Hearing").select_option("pending")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "hearing_status=pending" in page.url and "q=4321" in page.url
    expect(page.get_by_role("link", name=f"Case {morgan}", exact=True)).to_be_visible()
    assert axe_problems(page) == []
    page.goto(f"{server.url}/queue")
    expect(page.locator("caption").first).to_contain_text("written withdrawal")
    assert axe_problems(page) == []
    page.close()
