"""The pages in Spanish without a browser: Accept-Language, the switch and its cookie, the
lang attribute, the letter lookup's "(SP)", the one-page summary, and staff pages that stay
English (with lang="en")."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from cdpdesk import i18n
from tests.web.conftest import Web
from tests.web.english import english_words, main_text

ES = {"Accept-Language": "es-US,es;q=0.9,en;q=0.5"}


def _lang(html: str) -> str:
    m = re.search(r'<html lang="([^"]+)"', html)
    assert m
    return m.group(1)


def test_a_spanish_browser_gets_the_welcome_page_in_spanish(shared_web: Web) -> None:
    r = shared_web.client().get("/", headers=ES)
    assert r.status_code == 200 and _lang(r.text) == "es"
    assert r.headers["content-language"] == "es" and "Accept-Language" in r.headers["vary"]
    assert "¿Recibió una carta del IRS?" in r.text and "Iniciar sesión" in r.text
    assert english_words(main_text(r.text)) == []
    r = shared_web.client().get("/", headers={"Accept-Language": "en-US"})
    assert _lang(r.text) == "en" and "Got a letter from the IRS?" in r.text


@pytest.mark.parametrize(
    "path", ["/login", "/lookup", "/lookup?q=LT11", "/lookup?q=4383+(SP)", "/lookup?q=nada"]
)
def test_public_pages_have_no_english_left(shared_web: Web, path: str) -> None:
    r = shared_web.client().get(path, headers=ES)
    assert r.status_code == 200 and _lang(r.text) == "es"
    assert english_words(main_text(r.text)) == [], main_text(r.text)[:400]


def test_the_lookup_understands_the_spanish_edition(shared_web: Web) -> None:
    c = shared_web.client()
    for q in ("4383 (SP)", "Letter 4383 (SP)", "4383SP", "carta 4383 (sp)", "CP14 (SP)"):
        r = c.get("/lookup", params={"q": q}, headers=ES)
        assert "(SP)" in r.text and "Todavía no conocemos" not in r.text, q
    r = c.get("/lookup", params={"q": "4383 (SP)"}, headers=ES)
    assert "Carta 4383 (SP): Apelaciones confirma el retiro de su solicitud" in r.text
    assert "la versión en español del IRS de 4383" in r.text
    # an English page says what "(SP)" means and offers the Spanish page
    r = c.get("/lookup", params={"q": "4383 (SP)"})
    assert (
        "Spanish edition of 4383" in r.text
        and 'lang="es"' in r.text
        and "Leer esta página en español" in r.text
    )


def test_the_switch_remembers_the_choice_over_the_browser(shared_web: Web) -> None:
    c = shared_web.client()
    r = c.get("/lookup", headers=ES)
    links = re.findall(r'<a href="(/language/[a-z]+\?next=[^"]+)" lang="([a-z]+)"', r.text)
    assert [lang for _, lang in links] == ["en", "es"]
    r = c.get("/language/en?next=/lookup%3Fq%3DLT11", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/lookup?q=LT11"
    assert "cdpdesk_lang=en" in r.headers["set-cookie"] and "Max-Age=31536000" in r.headers["set-cookie"]
    r = c.get("/lookup?q=LT11", headers=ES)  # the cookie wins over Accept-Language
    assert _lang(r.text) == "en" and "Final notice of intent to levy" in r.text
    c.get("/language/es?next=/")
    assert _lang(c.get("/lookup").text) == "es"
    # only a path on this site, and only a known language
    r = c.get("/language/es?next=//evil.example/x", follow_redirects=False)
    assert r.headers["location"] == "/"
    r = c.get("/language/xx?next=/lookup", follow_redirects=False)
    assert "cdpdesk_lang=en" in r.headers["set-cookie"]
    # the bad cookie in place of the good one (two of one name would leave the choice to
    # the order the client sends them in, which httpx and httpx2 do not share)
    c.cookies.delete(i18n.COOKIE)
    c.cookies.set(i18n.COOKIE, "klingon")
    assert _lang(c.get("/lookup", headers=ES).text) == "es"  # a bad cookie: the browser's choice


def test_the_taxpayers_four_answers_in_spanish(shared_web: Web) -> None:
    c, _ = shared_web.signed_in("jamie")
    cid = shared_web.ids["determination"]
    c.get("/language/es?next=/")
    r = c.get(f"/cases/{cid}/understand")
    assert r.status_code == 200 and _lang(r.text) == "es"
    for heading in (
        "Para entender su carta",
        "Lo que esto significa para usted",
        "Cómo llegó hasta aquí",
        "Sus próximos pasos",
        "Dónde está usted en el sistema tributario",
        "Dónde obtener ayuda",
    ):
        assert heading in r.text
    assert "Aviso de Determinación (Carta 3193)" in r.text
    assert re.search(
        r"\d{1,2} de (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre) de \d{4}",
        r.text,
    )
    left = english_words(main_text(r.text))
    assert left == [], left
    # the roadmap picture speaks Spanish too
    assert "usted está aquí" in r.text and "you are here" not in r.text


def test_the_one_page_summary_in_spanish(shared_web: Web) -> None:
    c, _ = shared_web.signed_in("jamie")
    c.get("/language/es?next=/")
    pdf = c.get(f"/cases/{shared_web.ids['determination']}/summary.pdf").content
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Resumen de su caso" in text and "Sus fechas y próximos pasos" in text
    assert "Tribunal Tributario" in text and "What this means" not in text
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "es"


def test_staff_pages_stay_english_with_the_right_lang(shared_web: Web) -> None:
    c, _ = shared_web.signed_in("appeals")
    c.get("/language/es?next=/")
    r = c.get("/queue")
    assert r.status_code == 200 and _lang(r.text) == "en" and "Withdrawals waiting" in r.text
    # the switch is there, showing the choice
    assert re.search(r'href="/language/es\?next=/queue" lang="es" hreflang="es" aria-current="true"', r.text)


def test_errors_in_spanish(shared_web: Web) -> None:
    c = shared_web.client()
    r = c.get("/no-such-page", headers=ES)
    assert r.status_code == 404 and _lang(r.text) == "es"
    assert "No se encontró" in r.text and "no hay ninguna página en esta dirección" in r.text
    c, _ = shared_web.signed_in("jamie")
    r = c.get(f"/cases/{shared_web.ids['cdp-withdrawal']}/understand", headers=ES)
    assert r.status_code == 404 and "<h1>No se encontró</h1>" in r.text
    # the detail that names the case is ours too: in Spanish, with the case's number
    case = shared_web.ids["cdp-withdrawal"]
    assert f"no hay ningún caso {case} que usted pueda ver" in r.text and "(en inglés)" not in r.text
    assert english_words(main_text(r.text)) == []
    # in English, as before
    r = c.get(f"/cases/{case}/understand", headers={"Accept-Language": "en"})
    assert f"no case {case} that you can see" in r.text and '<html lang="en"' in r.text


@pytest.mark.parametrize(
    ("user", "method", "path", "status", "words"),
    [
        ("jamie", "get", "/queue", 403, "solo el personal de Apelaciones puede hacer esto"),
        (
            "jamie",
            "get",
            "/deadlines",
            403,
            "las fechas límite de todos los casos son para los representantes y el personal de Apelaciones",
        ),
        (
            "jamie",
            "get",
            "/intake/transcripts",
            403,
            "solo el personal de Apelaciones y los representantes pueden registrar un caso",
        ),
        (
            "jamie",
            "post",
            "/cases/{determination}/language",
            403,
            "solo un representante o el personal de Apelaciones puede cambiar el idioma del caso",
        ),
        ("rep", "get", "/letters/987654", 404, "no hay ninguna carta 987654 que usted pueda ver"),
        ("rep", "post", "/logout", 403, "el formulario venció o no viene de este sitio"),
        (None, "get", "/feeds/no-such-token.ics", 404, "no hay ningún calendario en esta dirección"),
    ],
)
def test_the_errors_a_taxpayer_or_representative_reaches_are_in_spanish(
    shared_web: Web, user: str | None, method: str, path: str, status: int, words: str
) -> None:
    """Issue 16: a refusal in our own words is in the page's language, not "Detalles (en
    inglés)"; the API keeps the English."""
    c, token = shared_web.signed_in(user) if user else (shared_web.client(), "")
    path = path.format(**shared_web.ids)
    data = {"csrf_token": token, "language": "es"} if method == "post" and path != "/logout" else {}
    r = c.request(method.upper(), path, data=data, headers=ES)
    assert r.status_code == status and _lang(r.text) == "es", (r.status_code, r.text[:300])
    assert words in r.text and "(en inglés)" not in r.text
    assert english_words(main_text(r.text)) == []


def test_the_apps_own_refusals_are_in_spanish(shared_web: Web) -> None:
    """The 405, the 413 and the cross-site refusal are our words too (with the method, the
    size): in the page's language, the English kept for the API."""
    c, _ = shared_web.signed_in("sam")
    r = c.get("/logout", headers=ES)
    assert r.status_code == 405 and _lang(r.text) == "es"
    assert "GET no se admite aquí; métodos admitidos: POST" in r.text and "(en inglés)" not in r.text
    big = b" " * (1024 * 1024 + 1)
    r = c.post("/login", content=big, headers={"content-type": "application/x-www-form-urlencoded", **ES})
    assert r.status_code == 413 and _lang(r.text) == "es"
    assert "lo que se envió es más grande de lo que este servidor acepta (1 MiB)" in r.text
    r = c.post("/logout", headers={"Sec-Fetch-Site": "cross-site", **ES})
    assert r.status_code == 403 and "no se aceptan solicitudes enviadas desde otro sitio" in r.text
    assert english_words(main_text(r.text)) == []
    r = c.get("/logout", headers={"Accept-Language": "en"})
    assert "GET is not allowed here; allowed: POST" in r.text


def test_the_desks_own_english_in_an_error_stays_marked(shared_web: Web) -> None:
    """A detail the desk gives in English (it names the event) is shown as it is, marked."""
    c, _ = shared_web.signed_in("appeals")
    c.get("/language/es?next=/")
    case = shared_web.ids["pending-hearing"]
    r = c.get(f"/cases/{case}/events/nope/correct")
    assert r.status_code == 404 and _lang(r.text) == "es"
    assert "Detalles (en inglés):" in r.text and f'<span lang="en">case {case} has no current event' in r.text
    assert english_words(main_text(r.text)) == []


def test_the_header_says_the_role_in_the_pages_language(shared_web: Web) -> None:
    rep, _ = shared_web.signed_in("rep")
    page = rep.get("/cases", headers=ES).text
    assert '<span class="who-name">Pat Kim, EA <span class="who-role">(representante)</span></span>' in page
    assert "(representative)" not in page
    page = rep.get("/cases", headers={"Accept-Language": "en"}).text
    assert '<span class="who-role">(representative)</span>' in page
    staff, _ = shared_web.signed_in("appeals")
    assert '<span class="who-role">(Apelaciones)</span>' in staff.get("/cases", headers=ES).text
    taxpayer, _ = shared_web.signed_in("sam")
    page = taxpayer.get("/cases", headers=ES).text
    assert '<span class="who-name">Sam Rivera</span>' in page


def test_sign_in_errors_in_spanish(shared_web: Web) -> None:
    c = shared_web.client()
    page = c.get("/login", headers=ES).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    r = c.post(
        "/login", data={"username": "sam", "password": "wrong", "csrf_token": token.group(1)}, headers=ES
    )
    assert r.status_code == 401 and "El nombre de usuario y la contraseña no coinciden" in r.text


def test_the_api_explains_in_spanish_on_request(shared_web: Web) -> None:
    cid = shared_web.ids["determination"]
    c, _ = shared_web.signed_in("jamie")
    en = c.get(f"/api/cases/{cid}/explain").json()
    es = c.get(f"/api/cases/{cid}/explain", params={"lang": "es"}).json()
    assert en["lang"] == "en" and es["lang"] == "es"
    assert es["stage"]["id"] == en["stage"]["id"] == "determination"
    assert es["stage"]["title"] == "Determinación" and en["stage"]["title"] == "Determination"
    assert len(es["next_steps"]) == len(en["next_steps"])
    assert [s["date"] for s in es["next_steps"]] == [s["date"] for s in en["next_steps"]]
    r = c.get(f"/api/cases/{cid}/explain", params={"lang": "fr"})
    assert r.status_code == 422
    assert (
        r.json()["errors"][0]["field"] == "lang"
        and "unknown language 'fr'" in r.json()["errors"][0]["message"]
    )


def test_the_switch_never_carries_a_typed_tin(shared_web: Web) -> None:
    r = shared_web.client().get("/lookup", params={"q": "321-54-9876"}, headers=ES)
    assert "321-54-9876" not in r.text and "/language/en?next=/lookup%3Fq%3DXXX-XX-9876" in r.text
    r = shared_web.client().get("/language/es?next=/lookup%3Fq%3D321549876", follow_redirects=False)
    assert "321549876" not in r.headers["location"]
