"""Screenshots of the main pages for docs/web.md: ``.venv/bin/python -m tests.web.screenshots``.

Starts a demo server (tests/web/server.py), signs in as each role in Debian's Chromium and
saves PNGs to docs/images/.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from tests.web.server import CHROMIUM, CHROMIUM_ARGS, running_server

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "images"


def sign_in(page: Page, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(f"{user}-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sign_in_es(page: Page, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Nombre de usuario").fill(user)
    page.get_by_label("Contraseña").fill(f"{user}-demo")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_load_state()


def spanish_lists(browser: Browser, base: str, ids: dict[str, int]) -> None:
    """The case list, the what-if page, the deadlines and the case page's language form in Spanish (issue 16,
    the rest): ``python -c 'from tests.web.screenshots import only_spanish_lists; only_spanish_lists()'``."""
    es = browser.new_context(locale="es-US", viewport={"width": 1280, "height": 900})
    page = es.new_page()
    sign_in_es(page, base, "rep")
    page.goto(f"{base}/cases")
    page.screenshot(path=OUT / "web-es-cases.png", full_page=True)
    sign_in_es(page, base, "sam")
    page.goto(f"{base}/cases/{ids['pending-hearing']}/whatif")
    page.get_by_role("button", name="Mostrar qué cambiaría").click()
    page.wait_for_load_state()
    page.screenshot(path=OUT / "web-es-whatif.png", full_page=True)
    sign_in_es(page, base, "rep")
    page.goto(f"{base}/deadlines")
    page.screenshot(path=OUT / "web-es-deadlines.png", full_page=True)
    phone = browser.new_context(
        locale="es-US", viewport={"width": 390, "height": 844}, device_scale_factor=2
    ).new_page()
    sign_in_es(phone, base, "sam")
    phone.goto(f"{base}/cases")
    phone.screenshot(path=OUT / "web-es-phone-cases.png", full_page=True)
    sign_in_es(phone, base, "rep")
    phone.goto(f"{base}/deadlines")
    phone.screenshot(path=OUT / "web-es-phone-deadlines.png", full_page=True)
    es.close()
    phone.context.close()


def spanish_case(browser: Browser, base: str, ids: dict[str, int]) -> None:
    """The case page in Spanish, a representative's (issue 16, session 6), at desktop and
    phone width: ``python -c 'from tests.web.screenshots import only_spanish_case; only_spanish_case()'``."""
    es = browser.new_context(locale="es-US", viewport={"width": 1280, "height": 900})
    page = es.new_page()
    sign_in_es(page, base, "rep")
    page.goto(f"{base}/cases/{ids['eh-withdrawal']}")
    page.screenshot(path=OUT / "web-es-case.png", full_page=True)
    phone = browser.new_context(
        locale="es-US", viewport={"width": 390, "height": 844}, device_scale_factor=2
    ).new_page()
    sign_in_es(phone, base, "rep")
    phone.goto(f"{base}/cases/{ids['eh-withdrawal']}")
    phone.screenshot(path=OUT / "web-es-phone-case.png", full_page=True)
    es.close()
    phone.context.close()


def only_spanish_case() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(Path(tmp) / "var") as srv,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        spanish_case(browser, srv.url, srv.demo["cases"])
        browser.close()


def only_spanish_lists() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(Path(tmp) / "var") as srv,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        spanish_lists(browser, srv.url, srv.demo["cases"])
        browser.close()


def spanish_transcripts(browser: Browser, base: str) -> None:
    """Taking in transcripts in Spanish (issue 16): the review page read from the made-up
    Rivera transcripts at desktop width, the upload page on a phone:
    ``python -c 'from tests.web.screenshots import only_spanish_transcripts; only_spanish_transcripts()'``."""
    paged = ROOT / "tests" / "transcripts" / "data" / "rivera-1040-2020-2021-paged.txt"
    es = browser.new_context(locale="es-US", viewport={"width": 1280, "height": 900})
    page = es.new_page()
    sign_in_es(page, base, "rep")
    page.goto(f"{base}/intake/transcripts")
    page.get_by_label("Transcripciones de cuenta (texto o PDF) (obligatorio)").set_input_files(str(paged))
    page.get_by_role("button", name="Leer las transcripciones").click()
    page.wait_for_load_state()
    page.screenshot(path=OUT / "web-es-transcripts.png", full_page=True)
    phone = browser.new_context(
        locale="es-US", viewport={"width": 390, "height": 844}, device_scale_factor=2
    ).new_page()
    sign_in_es(phone, base, "rep")
    phone.goto(f"{base}/intake/transcripts")
    phone.screenshot(path=OUT / "web-es-phone-transcripts.png", full_page=True)
    es.close()
    phone.context.close()


def only_spanish_transcripts() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(Path(tmp) / "var") as srv,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        spanish_transcripts(browser, srv.url)
        browser.close()


def only_case() -> None:
    """The English case page alone (docs/images/web-case.png), as Appeals sees the partial
    withdrawal: ``python -c 'from tests.web.screenshots import only_case; only_case()'``."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(Path(tmp) / "var") as srv,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        desk = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(desk, srv.url, "appeals")
        english_case(desk, srv.url, srv.demo["cases"])
        browser.close()


def english_case(desk: Page, base: str, ids: dict[str, int]) -> None:
    desk.goto(f"{base}/cases/{ids['partial-withdrawal']}")
    desk.screenshot(path=OUT / "web-case.png", full_page=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "var") as srv:
        ids = srv.demo["cases"]
        base = srv.url
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            desk = browser.new_page(viewport={"width": 1280, "height": 900})
            sign_in(desk, base, "appeals")
            desk.goto(f"{base}/queue")
            desk.screenshot(path=OUT / "web-queue.png", full_page=True)
            english_case(desk, base, ids)
            desk.goto(f"{base}/cases/{ids['cdp-withdrawal']}/withdrawals/e3/preview")
            desk.wait_for_timeout(300)
            desk.screenshot(path=OUT / "web-letter-preview.png", full_page=False)

            taxpayer = browser.new_page(viewport={"width": 1280, "height": 900})
            sign_in(taxpayer, base, "jamie")
            taxpayer.screenshot(path=OUT / "web-understand.png", full_page=True)
            taxpayer.goto(f"{base}/lookup?q=LT11")
            taxpayer.screenshot(path=OUT / "web-lookup.png", full_page=True)

            # The taxpayer's pages in Spanish, as a browser set to Spanish shows them (issue 16)
            es = browser.new_context(locale="es-US", viewport={"width": 1280, "height": 900})
            spanish = es.new_page()
            spanish.goto(base)
            spanish.screenshot(path=OUT / "web-es-welcome.png", full_page=True)
            spanish.goto(f"{base}/lookup?q=4383+(SP)")
            spanish.screenshot(path=OUT / "web-es-lookup.png", full_page=True)
            sign_in_es(spanish, base, "jamie")
            spanish.screenshot(path=OUT / "web-es-understand.png", full_page=True)
            es_phone = browser.new_context(
                locale="es-US", viewport={"width": 390, "height": 844}, device_scale_factor=2
            ).new_page()
            sign_in_es(es_phone, base, "sam")
            es_phone.screenshot(path=OUT / "web-es-phone-understand.png", full_page=True)

            spanish_lists(browser, base, ids)
            spanish_case(browser, base, ids)
            spanish_transcripts(browser, base)

            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            sign_in(phone, base, "avery")
            phone.screenshot(path=OUT / "web-phone-understand.png", full_page=True)
            sign_in(phone, base, "appeals")
            phone.goto(f"{base}/queue")
            phone.screenshot(path=OUT / "web-phone-queue.png", full_page=True)
            browser.close()
    for png in sorted(OUT.glob("web-*.png")):
        sys.stdout.write(f"{png.relative_to(ROOT)}\n")


if __name__ == "__main__":
    main()
