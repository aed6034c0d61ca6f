"""In a real browser set to Spanish (Debian's Chromium, locale es-US): the case list a
taxpayer, a representative and Appeals see, and the what-if page with its answer, all with
no English left in the main text (the staff's "why" list is marked lang="en"), and no
serious axe-core violation at desktop and phone width."""

from __future__ import annotations

import datetime as dt
import json
import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.english import english_words
from tests.web.server import Running
from tests.web.test_browser import axe_problems
from tests.web.test_browser_es import MAIN_TEXT, sign_in_es


def no_english(page: Page) -> str:
    expect(page.locator("html")).to_have_attribute("lang", "es")
    text: str = page.evaluate(MAIN_TEXT)
    assert english_words(text) == [], (page.url, english_words(text), text[:600])
    return text


def _levy_case(days_ago: int) -> dict[str, object]:
    """A case whose CDP request deadline is still ahead: the list's "next date" column."""
    notice = dt.date.today() - dt.timedelta(days=days_ago)
    return {
        "format": "cdpdesk.case/1",
        "taxpayer": {
            "name": "Dana Reyes",
            "tin": "321-54-9876",
            "address": ["1 Calle Sol", "El Paso TX 79901"],
        },
        "periods": [
            {
                "id": "1040-2022",
                "form": "1040",
                "period_end": "2022-12-31",
                "assessments": [{"id": "a1", "date": "2023-11-20", "amount": "4210.00"}],
            }
        ],
        "events": [
            {
                "id": "n1",
                "type": "levy_notice",
                "date": notice.isoformat(),
                "letter": "LT11",
                "periods": ["1040-2022"],
            }
        ],
    }


def test_the_case_list_in_spanish_for_each_role(server: Running, browser: Browser) -> None:
    made = httpx.post(
        f"{server.url}/api/cases",
        content=json.dumps(_levy_case(10)),
        headers={"content-type": "application/json"},
        auth=("appeals", "appeals-demo"),
    )
    assert made.status_code == 201, made.text
    context = browser.new_context(locale="es-US")
    page = context.new_page()
    for user, heading, rows in (("rep", "Sus casos", 2), ("sam", "Sus casos", 1), ("appeals", "Casos", 6)):
        sign_in_es(page, server.url, user)
        page.goto(f"{server.url}/cases")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.locator("table caption")).to_have_text(f"{rows} casos" if rows > 1 else "1 caso")
        expect(page.get_by_label("Etapa")).to_be_visible()
        text = no_english(page)
        assert "Para entender la carta" in text and "Próxima fecha límite para actuar" in text
        assert re.search(r"\d{1,2} de [a-z]+ de \d{4}", text)
        page.get_by_role("button", name="Cerrar sesión").click()
    # the next date to act by, in the explainer's words, with its days left
    sign_in_es(page, server.url, "appeals")
    page.goto(f"{server.url}/cases?sort=deadline")
    first = page.locator("tbody tr").first
    expect(first).to_contain_text("Dana Reyes")
    expect(first).to_contain_text("Fecha límite para pedir una audiencia CDP")
    expect(first).to_contain_text("Último día para pedir una audiencia CDP sobre el aviso de embargo")
    expect(first).to_contain_text(re.compile(r"quedan \d+ días"))
    no_english(page)
    # a bad filter is said in Spanish
    page.goto(f"{server.url}/cases?csed_before=mañana")
    expect(page.get_by_role("alert")).to_have_text(
        "La fecha de la CSED no era una fecha válida (AAAA-MM-DD); ese filtro no se aplicó."
    )
    no_english(page)
    context.close()


def test_the_what_if_page_in_spanish(server: Running, browser: Browser) -> None:
    case_id = server.demo["cases"]["pending-hearing"]
    context = browser.new_context(locale="es-US")
    page = context.new_page()
    sign_in_es(page, server.url, "sam")
    page.goto(f"{server.url}/cases/{case_id}/whatif")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "¿Qué pasaría si se retira la solicitud de audiencia?"
    )
    no_english(page)
    page.get_by_role("button", name="Mostrar qué cambiaría").click()
    expect(
        page.get_by_role("heading", level=2, name=re.compile("Si Apelaciones recibe el retiro"))
    ).to_be_visible()
    table = page.locator(".whatif-period table").first
    expect(table.get_by_role("row", name=re.compile("Revisión del Tribunal Tributario"))).to_contain_text(
        "se renuncia"
    )
    text = no_english(page)
    assert "Tal como está el caso" in text and "Con el retiro termina el" in text
    # the staff's reasons stay English, marked so, behind "Por qué estas fechas"
    expect(page.locator("ul.why").first).to_have_attribute("lang", "en")
    # a date that is not a date: the refusal in Spanish
    page.goto(f"{server.url}/cases/{case_id}/whatif?request=r1&on=ayer")
    expect(page.get_by_role("alert")).to_contain_text(
        "No se puede mostrar: La fecha 'ayer' no es una fecha válida"
    )
    no_english(page)
    context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_spanish_lists_have_no_serious_axe_violations(
    server: Running, browser: Browser, width: int
) -> None:
    context = browser.new_context(locale="es-US", viewport={"width": width, "height": 900})
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    sign_in_es(page, server.url, "sam")
    case_id = server.demo["cases"]["pending-hearing"]
    for path in ("/cases", f"/cases/{case_id}/whatif", f"/cases/{case_id}/whatif?request=r1&on=ayer"):
        page.goto(f"{server.url}{path}")
        found = axe_problems(page)
        if found:
            problems[path] = found
    page.goto(f"{server.url}/cases/{case_id}/whatif")
    page.get_by_role("button", name="Mostrar qué cambiaría").click()
    page.wait_for_load_state()
    found = axe_problems(page)
    if found:
        problems["answer"] = found
    assert problems == {}
    context.close()


def test_the_calendar_page_in_spanish(server: Running, browser: Browser) -> None:
    context = browser.new_context(locale="es-US")
    page = context.new_page()
    sign_in_es(page, server.url, "avery")
    page.goto(f"{server.url}/calendar")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sus fechas límite en su calendario")
    no_english(page)
    page.get_by_role("button", name="Crear la dirección de mi calendario").click()
    expect(page.get_by_label("Dirección del calendario")).to_have_value(re.compile(r"/feeds/.+\.ics$"))
    text = no_english(page)
    assert "Usted tiene una dirección de calendario creada el" in text
    assert axe_problems(page) == []
    context.close()
