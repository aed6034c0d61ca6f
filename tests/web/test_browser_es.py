"""In a real browser set to Spanish (Chromium's locale es-US, so Accept-Language: es-US):
the taxpayer pages, the lookup and the letter in Spanish with no English left in the main
text, the switch that remembers English, and axe-core on the Spanish pages."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.web.english import english_words
from tests.web.server import Running
from tests.web.test_browser import axe_problems

# The text a reader sees in <main>, without pictures, scripts and parts marked English.
MAIN_TEXT = """() => {
  const main = document.querySelector('main').cloneNode(true);
  main.querySelectorAll('svg, script, style, [lang="en"]').forEach(e => e.remove());
  return main.innerText;
}"""


def sign_in_es(page: Page, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Nombre de usuario").fill(user)
    page.get_by_label("Contraseña").fill(f"{user}-demo")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_load_state()


def no_english(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "es")
    text = page.evaluate(MAIN_TEXT)
    assert english_words(text) == [], (page.url, english_words(text), text[:300])


def test_a_spanish_browser_reads_the_taxpayer_pages_in_spanish(server: Running, browser: Browser) -> None:
    context = browser.new_context(locale="es-US")
    page = context.new_page()
    page.goto(server.url)
    expect(page.get_by_role("heading", name="¿Recibió una carta del IRS?")).to_be_visible()
    no_english(page)
    # the lookup, with the IRS's Spanish edition of the letter
    page.get_by_role("link", name="Buscar una carta").first.click()
    page.get_by_label("Número de la carta, del aviso o del formulario").fill("4383 (SP)")
    page.get_by_role("button", name="Explicar").click()
    expect(page.get_by_role("heading", level=2).first).to_have_text(
        "Carta 4383 (SP): Apelaciones confirma el retiro de su solicitud"
    )
    expect(page.locator("#stage-withdrawn .tag")).to_have_text("esta carta")
    no_english(page)
    # the taxpayer's own case: the four answers with Spanish dates
    sign_in_es(page, server.url, "jamie")
    expect(page.get_by_role("heading", level=1)).to_have_text("Para entender su carta")
    for name in ("Lo que esto significa para usted", "Cómo llegó hasta aquí", "Sus próximos pasos"):
        expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.locator(".here h2")).to_contain_text("Determinación")
    dated = page.locator("ul.next li.dated time").first.inner_text()
    assert re.fullmatch(r"\d{1,2} de [a-z]+ de \d{4}", dated), dated
    no_english(page)
    context.close()


def test_the_spanish_letter_in_the_browser(server: Running, browser: Browser) -> None:
    # Appeals issues Avery's Letter 4383 (idempotent with the English tests: whichever first)
    case_id = server.demo["cases"]["cdp-withdrawal"]
    issued = httpx.post(
        f"{server.url}/api/cases/{case_id}/withdrawals/e3/acknowledge", auth=("appeals", "appeals-demo")
    )
    assert issued.status_code in (200, 201), issued.text
    letter_id = issued.json()["letter"]["id"]
    context = browser.new_context(locale="es-US")
    page = context.new_page()
    sign_in_es(page, server.url, "avery")
    expect(page.locator(".your-letter")).to_contain_text("Su Carta 4383 del")
    page.get_by_role("link", name="lea su Carta 4383").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Carta 4383 del caso {case_id}")
    expect(page.get_by_role("link", name="Descargar el PDF")).to_be_visible()
    no_english(page)
    assert page.url.endswith(f"/letters/{letter_id}")
    context.close()


def test_the_switch_changes_the_language_and_remembers_it(server: Running, browser: Browser) -> None:
    context = browser.new_context(locale="es-US")
    page = context.new_page()
    page.goto(f"{server.url}/lookup?q=LT11")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    switch = page.get_by_role("list", name="Idioma")
    expect(switch.get_by_role("link", name="Español")).to_have_attribute("aria-current", "true")
    switch.get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{server.url}/lookup?q=LT11")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Look up a letter")
    page.goto(server.url)  # remembered on the next page, over the browser's Spanish
    expect(page.get_by_role("heading", name="Got a letter from the IRS?")).to_be_visible()
    page.get_by_role("list", name="Language").get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", name="¿Recibió una carta del IRS?")).to_be_visible()
    context.close()


def test_spanish_pages_have_no_serious_axe_violations(server: Running, browser: Browser) -> None:
    context = browser.new_context(locale="es-US", viewport={"width": 375, "height": 800})
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    for path in ("/", "/login", "/lookup?q=4383+(SP)", "/lookup?q=nada"):
        page.goto(f"{server.url}{path}")
        found = axe_problems(page)
        if found:
            problems[path] = found
    sign_in_es(page, server.url, "sam")
    found = axe_problems(page)
    if found:
        problems["understand"] = found
    assert problems == {}
    context.close()
