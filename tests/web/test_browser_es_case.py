"""Issue 16: the case page in a real browser set to Spanish (Debian's Chromium, locale es-US),
at desktop and phone width: the representative's page with the language form, and Appeals'
page with the waiting withdrawal and the event log's links; no English left in the main
text outside the staff's parts marked lang="en", no serious axe-core violation, and no
sideways scroll of the page (the tables and the timeline scroll in their own boxes)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.english import english_words
from tests.web.server import Running
from tests.web.test_browser import axe_problems
from tests.web.test_browser_es import MAIN_TEXT, sign_in_es


def _checked(page: Page, width: int) -> str:
    expect(page.locator("html")).to_have_attribute("lang", "es")
    text: str = page.evaluate(MAIN_TEXT)
    assert english_words(text) == [], (page.url, english_words(text), text[:600])
    assert axe_problems(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    return text


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_the_representatives_case_page_in_spanish(server: Running, browser: Browser, width: int) -> None:
    case_id = server.demo["cases"]["eh-withdrawal"]
    context = browser.new_context(locale="es-US", viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in_es(page, server.url, "rep")
    page.goto(f"{server.url}/cases")
    page.get_by_role("link", name=f"Caso {case_id}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Caso {case_id}: Riley Chen Plumbing LLC")
    for name in (
        "Cronología",
        "Audiencias",
        "Plazo de cobro (CSED)",
        "Cartas emitidas",
        "Registro de hechos",
    ):
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_attached()
    expect(page.get_by_role("img", name=re.compile("^Cronología del caso: avisos"))).to_be_attached()
    expect(page.get_by_role("columnheader", name="Tribunal Tributario")).to_be_attached()
    expect(page.locator("#case-language")).to_have_text("Sin elegir (inglés)")
    first = (
        page.locator("section", has=page.get_by_role("heading", name="Audiencias")).locator("tbody tr").first
    )
    expect(first.locator("td").nth(2)).to_have_text("Audiencia equivalente")
    expect(first.locator("td").nth(3)).to_have_text(re.compile(r"^\d{1,2} de [a-z]+ de \d{4}$"))
    # the staff's reasons: a summary in Spanish that says so, the list itself marked English
    why = page.locator("details", has=page.get_by_text("Por qué estas fechas")).first
    why.locator("summary").click()
    expect(why.locator('ul.why[lang="en"] li').first).to_be_visible()
    text = _checked(page, width)
    assert "Próximas fechas" in text and "Descargar el análisis (JSON, en inglés)" in text
    if width == 1280:
        # the language form answers in Spanish; then back to "not set" for the other tests
        page.get_by_label(
            "Idioma preferido del contribuyente (la Carta 4383 se emite en ese idioma)"
        ).select_option("es")
        page.get_by_role("button", name="Guardar el idioma").click()
        expect(page.get_by_role("status")).to_have_text(
            "Idioma preferido para las cartas: Español. La Carta 4383 de este caso se emitirá en ese idioma; "
            "las cartas ya emitidas conservan el suyo."
        )
        expect(page.locator("#case-language")).to_have_text("Español")
        _checked(page, width)
        page.get_by_label(re.compile("^Idioma preferido del contribuyente")).select_option("")
        page.get_by_role("button", name="Guardar el idioma").click()
        expect(page.locator("#case-language")).to_have_text("Sin elegir (inglés)")
    context.close()


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_appeals_case_page_in_spanish(server: Running, browser: Browser, width: int) -> None:
    case_id = server.demo["cases"]["partial-withdrawal"]
    context = browser.new_context(locale="es-US", viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in_es(page, server.url, "appeals")
    page.goto(f"{server.url}/cases/{case_id}")
    panel = page.locator("section", has=page.get_by_role("heading", name="En espera de la Carta 4383"))
    expect(panel).to_contain_text("termina la audiencia CDP (embargo) para 1040-2021 (parcial:")
    expect(panel.get_by_role("link", name="Revisar y confirmar el retiro w1")).to_have_attribute(
        "href", f"/cases/{case_id}/withdrawals/w1/preview"
    )
    expect(page.get_by_role("link", name="Registrar un hecho")).to_be_visible()
    log = page.locator("section", has=page.get_by_role("heading", name="Registro de hechos"))
    expect(log.get_by_role("link", name="Corregir el hecho n1")).to_be_attached()
    expect(log.get_by_role("link", name="Anular el hecho n1")).to_be_attached()
    expect(log.locator("tbody tr").first.locator("td").nth(1)).to_contain_text("aviso de embargo (LT11)")
    _checked(page, width)
    context.close()
