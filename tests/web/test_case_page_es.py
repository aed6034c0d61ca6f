"""Issue 16: the case page in Spanish without a browser. Every demo case as Appeals (who also
sees the staff's parts: the waiting withdrawal, the event log's links) and as the
representative; the IRS CSED check, the newer event types and a transcript review list; no
English left in the main text outside the parts marked lang="en" (the engine's sentences
for staff); the language form's answer in Spanish; the English page as it was."""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
import pytest

from cdpdesk.desk.reviews import act_on_review, reviews_for, store_with_review
from cdpdesk.transcripts import import_texts
from tests.conftest import ROOT
from tests.web.conftest import Web, csrf_of
from tests.web.english import english_words, main_text

ES = {"Accept-Language": "es-US,es;q=0.9"}
CASES = ROOT / "tests" / "engine" / "cases"
TRANSCRIPTS = Path(__file__).resolve().parents[1] / "transcripts" / "data"
SPANISH_DATE = re.compile(r"\d{1,2} de [a-z]+ de \d{4}")


def _spanish(html: str) -> str:
    assert '<html lang="es"' in html, html[:200]
    text = main_text(html)
    assert english_words(text) == [], (english_words(text), text[:800])
    return text


def _import(web: Web, name: str) -> int:
    case = json.loads((CASES / name).read_text())["case"]
    case["taxpayer"] = {"name": "Morgan Lee"}
    return web.desk.import_case(json.dumps(case), allow_duplicate=True)


def test_every_demo_case_page_in_spanish_for_appeals(web: Web) -> None:
    c, _ = web.signed_in("appeals")
    for key, cid in web.ids.items():
        r = c.get(f"/cases/{cid}", headers=ES)
        assert r.status_code == 200 and r.headers["content-language"] == "es", key
        text = _spanish(r.text)
        assert f"Caso {cid}" in text and "Registro de hechos" in text and "Plazo de cobro (CSED)" in text, key
        assert SPANISH_DATE.search(text), key
        # the staff's reasons are there, marked English and said to be
        assert '<ul class="why" lang="en">' in r.text and "(para el personal, en inglés)" in text, key
        # the timeline's labels and dates in Spanish too
        svg = r.text[r.text.index('<svg xmlns="http://www.w3.org/2000/svg"') : r.text.index("</svg>")]
        assert "Cronología del caso" in svg and "Cuánto tiempo tiene el IRS para cobrar (CSED)" in svg, key
        assert english_words(re.sub(r"<[^>]+>", " ", svg)) == [], (key, svg[:400])
    # the staff's panel: the waiting withdrawal, in the analysis's hearing words
    r = c.get(f"/cases/{web.ids['partial-withdrawal']}", headers=ES)
    text = main_text(r.text)
    assert (
        "En espera de la Carta 4383" in text and "termina la audiencia CDP (embargo) para 1040-2021" in text
    )
    assert "(parcial: las otras partes siguen abiertas)" in text and "Revisar y confirmar" in text
    assert "aviso de embargo (LT11)" in text and "Corregir" in text and "Anular" in text


def test_the_representatives_case_page_in_spanish_and_the_language_form(web: Web) -> None:
    case_id = web.ids["eh-withdrawal"]  # the representative's client
    rep, token = web.signed_in("rep")
    text = _spanish(rep.get(f"/cases/{case_id}", headers=ES).text)
    assert "Cartas en Sin elegir (inglés)" in text and "Guardar el idioma" in text
    assert "Audiencia equivalente" in text and "Registrar un hecho" not in text  # no staff link
    r = rep.post(
        f"/cases/{case_id}/language",
        data={"csrf_token": token, "language": "es"},
        headers=ES,
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = rep.get(f"/cases/{case_id}", headers=ES).text
    text = _spanish(page)
    assert "Idioma preferido para las cartas: Español. La Carta 4383 de este caso se emitirá" in text
    assert 'id="flash" lang="es"' in page
    # the same answer on an English page stays English
    rep.post(f"/cases/{case_id}/language", data={"csrf_token": token, "language": ""}, follow_redirects=False)
    page = rep.get(f"/cases/{case_id}").text
    assert '<html lang="en"' in page and "Preferred language for letters: Not set (English)." in page


def test_the_irs_csed_check_in_the_explainers_spanish(web: Web) -> None:
    cid = _import(web, "94-irs-csed-ia-rejection-45-days.json")
    c, _ = web.signed_in("appeals")
    page = c.get(f"/cases/{cid}", headers=ES).text
    text = _spanish(page)
    assert "La CSED que anotó el IRS, comprobada" in text and "15 días después" in text
    # the explainer's sentence for this check (engine/explain.py), then the engine's, in English
    assert "los registros del IRS indican el" in text and "una práctica conocida del IRS" in text
    staff = re.search(r'<div lang="en"><p>(.*?)</p>', page, re.S)
    assert staff and "CCA 2017-04-04" in staff.group(1)
    # the English page as before
    english = c.get(f"/cases/{cid}").text
    assert "15 days later" in english and "CCA 2017-04-04" in english and '<div lang="en">' not in english


def test_the_newer_event_types_in_spanish(web: Web) -> None:
    c, _ = web.signed_in("appeals")
    for name in (
        "99-disaster-relief-moves-cdp-deadline.json",
        "97-ia-appeal-still-open.json",
        "102-petition-equitable-tolling-boechler.json",
        "107-combat-zone-windows-and-csed.json",
    ):
        r = c.get(f"/cases/{_import(web, name)}", headers=ES)
        assert r.status_code == 200, name
        _spanish(r.text)


def test_the_transcript_review_list_in_spanish(web: Web) -> None:
    files = sorted(TRANSCRIPTS.glob("quinn-*.txt"))
    got = import_texts([(p.name, p.read_text()) for p in files], name="Avery Quinn", tin="123-45-6789")
    case_id = store_with_review(web.desk, orjson.dumps(got.case), [r.to_json() for r in got.review]).case
    assert case_id is not None
    first = got.review[0]
    c, _ = web.signed_in("appeals")
    page = c.get(f"/cases/{case_id}", headers=ES).text
    assert csrf_of(page)
    start = page.index('id="reviews-h"')
    reviews = page[start : page.index("</section>", start)]
    n = len(got.review)
    assert f"Lista de revisión de las transcripciones: {n} de {n} pendientes" in reviews
    assert (
        f"{first.source}, línea {first.line}" in reviews and "Confirmar" in reviews and "Resolver" in reviews
    )
    # an item's reason is one of the importer's messages: read back and shown in Spanish
    assert first.reason == "TC 806 is not in the code table: not imported; add it by hand if it matters"
    assert "el TC 806 no está en la tabla de códigos: no se importó" in reviews
    assert first.reason not in reviews
    item = reviews_for(web.desk, case_id)[0]
    act_on_review(web.desk, case_id, item.id, "confirm", by="clerk.a", note="read right")
    text = _spanish(c.get(f"/cases/{case_id}", headers=ES).text)
    assert re.search(r"confirmado por clerk.a, el " + SPANISH_DATE.pattern, text)


def test_a_waiting_withdrawals_stored_english_hearing_words_are_marked(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the analysis names no hearing the withdrawal ends (the desk's stored facts say
    one), the panel falls back to the stored words (desk/facts.py ``ends``, English): marked
    lang="en" on a Spanish page, plain on the English one."""
    from cdpdesk.web import pages

    monkeypatch.setitem(pages.templates.env.globals, "ended_hearings", lambda analysis, event: "")
    c, _ = web.signed_in("appeals")
    cid = web.ids["partial-withdrawal"]
    page = c.get(f"/cases/{cid}", headers=ES).text
    assert 'termina la <span lang="en">CDP hearing (levy)</span> para 1040-2021' in page
    assert english_words(main_text(page)) == []
    page = c.get(f"/cases/{cid}", headers={"Accept-Language": "en"}).text
    assert "ends the CDP hearing (levy) for 1040-2021" in page and '<span lang="en">CDP' not in page


def test_the_pending_panels_hearing_words_follow_the_analysis_in_spanish(web: Web) -> None:
    c, _ = web.signed_in("appeals")
    page = c.get(f"/cases/{web.ids['cdp-withdrawal']}", headers=ES).text
    panel = page[page.index('id="to-do"') : page.index("</section>", page.index('id="to-do"'))]
    assert "termina la audiencia CDP (embargo) para 1040-2021" in panel and 'lang="en"' not in panel
