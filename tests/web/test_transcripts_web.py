"""Transcripts in through the browser, in process (TestClient): upload, the parsed case and
its review list, put right, store (issue 17), then the review list on the case page,
confirmed and resolved. Staff and representatives; never a full TIN in a URL, a log or an
error."""

from __future__ import annotations

import html as html_module
import logging
import re
from pathlib import Path
from typing import Any

import httpx2
import pytest

from cdpdesk.desk.reviews import reviews_for
from cdpdesk.i18n import translator
from cdpdesk.transcripts.build import reason_words
from tests.web.conftest import Web, csrf_of
from tests.web.english import english_words, main_text

DATA = Path(__file__).resolve().parents[1] / "transcripts" / "data"
PAGED = DATA / "rivera-1040-2020-2021-paged.txt"
TIN = "987-65-4321"


def _upload(c: Any, token: str, files: list[tuple[str, bytes]], **fields: str) -> httpx2.Response:
    r: httpx2.Response = c.post(
        "/intake/transcripts",
        data={"csrf_token": token, **fields},
        files=[("files", (name, body, "text/plain")) for name, body in files],
        follow_redirects=False,
    )
    return r


def _hidden(page: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert m, name
    return html_module.unescape(m.group(1))


def _case_json(page: str) -> str:
    m = re.search(r'<textarea id="f-case_json"[^>]*>(.*?)</textarea>', page, re.S)
    assert m
    return html_module.unescape(m.group(1))


def _store_form(page: str, **over: str) -> dict[str, str]:
    form = {
        "csrf_token": csrf_of(page),
        "review_json": _hidden(page, "review_json"),
        "sources": _hidden(page, "sources"),
        "last4": _hidden(page, "last4"),
        "case_json": _case_json(page),
        "name": "",
        "tin": "",
    }
    return form | over


def _field_error(page: str, field: str) -> str:
    m = re.search(rf'id="f-{field}-err"><span class="visually-hidden">Error: </span>([^<]*)<', page)
    assert m, f"no error beside {field}"
    return html_module.unescape(m.group(1))


def test_a_representative_takes_a_case_in_from_transcripts(
    web: Web, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    c, token = web.signed_in("rep")
    assert 'href="/intake/transcripts"' in c.get("/cases").text  # in the representative's menu
    assert c.get("/intake/transcripts").status_code == 200
    page = _upload(c, token, [(PAGED.name, PAGED.read_bytes())])
    assert page.status_code == 200, page.text
    text = page.text
    assert "Review list: 15 items" in text
    assert f"{PAGED.name}, line 40" in text and "TC 806 is not in the code table" in html_module.unescape(
        text
    )
    assert "offer in compromise accepted of 2024-07-22" in text
    assert "XXX-XX-4321" in text and TIN not in text
    # storing needs the full TIN; the error names the field
    r = c.post(
        "/intake/transcripts/store", data=_store_form(text, name="Dana Rivera"), follow_redirects=False
    )
    assert r.status_code == 422
    assert "the full TIN is needed" in _field_error(r.text, "tin")
    wrong = "987-65-1111"
    r = c.post(
        "/intake/transcripts/store",
        data=_store_form(text, name="Dana Rivera", tin=wrong),
        follow_redirects=False,
    )
    assert r.status_code == 422 and "ends in 1111" in _field_error(r.text, "tin")
    assert wrong not in _field_error(r.text, "tin")
    r = c.post(
        "/intake/transcripts/store",
        data=_store_form(text, name="Dana Rivera", tin=TIN),
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert TIN not in r.headers["location"]
    case_id = int(re.match(r"/cases/([0-9]+)", r.headers["location"]).group(1))  # type: ignore[union-attr]
    stored = web.desk.stored(case_id)
    assert stored.data["taxpayer"]["tin"] == TIN and stored.data["taxpayer"]["name"] == "Dana Rivera"
    assert stored.row.created_by == "rep" and stored.row.source.startswith("web transcripts: ")
    items = reviews_for(web.desk, case_id)
    assert len(items) == 14  # the TIN item is gone: the TIN was given
    # the case page (the representative is linked to it) shows the list with its lines
    case_page = c.get(f"/cases/{case_id}").text
    assert "Transcript review list: 14 of 14 open" in case_page
    assert f"{PAGED.name}, line 40" in case_page
    # confirm one with a note, resolve another
    first, second = items[0], items[1]
    r = c.post(
        f"/cases/{case_id}/reviews/{first.id}",
        data={"csrf_token": csrf_of(case_page), "action": "confirm", "note": "withholding, not a CDP fact"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = c.post(
        f"/cases/{case_id}/reviews/{second.id}",
        data={"csrf_token": csrf_of(case_page), "action": "resolve"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    case_page = c.get(f"/cases/{case_id}").text
    assert "Transcript review list: 12 of 14 open" in case_page
    assert "confirmed by rep" in case_page and "withholding, not a CDP fact" in case_page
    assert [i.status for i in reviews_for(web.desk, case_id)[:2]] == ["confirmed", "resolved"]
    # resolved is done: resolving again changes nothing and says so
    r = c.post(
        f"/cases/{case_id}/reviews/{second.id}",
        data={"csrf_token": csrf_of(case_page), "action": "resolve"},
        follow_redirects=True,
    )
    assert "Nothing changed" in r.text and "already resolved" in r.text
    assert TIN not in caplog.text


def test_staff_see_the_link_and_a_garbled_file_names_its_line(web: Web) -> None:
    c, token = web.signed_in("appeals")
    assert 'href="/intake/transcripts"' in c.get("/intake").text
    text = PAGED.read_text()
    garbled = text.replace("480   Offer in compromise pending", "48O   Offer in compromise pendlng")
    r = _upload(c, token, [("g.txt", garbled.encode())])
    assert r.status_code == 422
    lineno = text.split("\n").index(next(ln for ln in text.split("\n") if ln.startswith("480"))) + 1
    assert f"g.txt, line {lineno}: " in html_module.unescape(_field_error(r.text, "files"))
    r = _upload(c, token, [("cut.txt", text[: text.index("TRANSACTIONS")].encode())])
    assert r.status_code == 422 and "the file ends before the TRANSACTIONS table" in _field_error(
        r.text, "files"
    )
    r = _upload(c, token, [])
    assert r.status_code == 422 and "choose one or more" in _field_error(r.text, "files")
    r = _upload(c, token, [("bin.txt", b"\xff\xfe\x00garbage")])
    assert r.status_code == 422 and "not UTF-8 text or a PDF" in _field_error(r.text, "files")


def test_staff_fix_the_case_json_and_a_duplicate_is_refused(web: Web) -> None:
    c, token = web.signed_in("appeals")
    page = _upload(c, token, [(PAGED.name, PAGED.read_bytes())], name="Dana Rivera", tin=TIN).text
    assert "Review list: 14 items" in page  # the TIN given on the first page
    assert TIN not in _case_json(page)  # the TIN is its own field, never in the JSON shown
    bad = c.post(
        "/intake/transcripts/store",
        data=_store_form(page, name="Dana Rivera", tin=TIN, case_json="{not json"),
        follow_redirects=False,
    )
    assert bad.status_code == 422 and "not JSON" in _field_error(bad.text, "case_json")
    assert TIN not in _field_error(bad.text, "case_json")
    # put it right: the CDP hearing the transcript closed was withdrawn (recorded by hand)
    import json

    doc = json.loads(_case_json(page))
    doc["events"].append(
        {"id": "w1", "type": "hearing_withdrawal", "request": "e2", "received": "2023-08-15", "written": True}
    )
    r = c.post(
        "/intake/transcripts/store",
        data=_store_form(page, name="Dana Rivera", tin=TIN, case_json=json.dumps(doc)),
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    case_id = int(r.headers["location"].split("/")[2].split("#")[0])
    assert "w1" in {e.payload["id"] for e in web.desk.stored(case_id).active.values()}
    again = c.post(
        "/intake/transcripts/store",
        data=_store_form(page, name="Dana Rivera", tin=TIN, case_json=json.dumps(doc)),
        follow_redirects=False,
    )
    assert again.status_code == 409 and f'href="/cases/{case_id}"' in again.text


def test_a_taxpayer_may_not_take_in_and_sees_no_review_list(web: Web) -> None:
    c, token = web.signed_in("avery")
    assert c.get("/intake/transcripts").status_code == 403
    r = _upload(c, token, [(PAGED.name, PAGED.read_bytes())])
    assert r.status_code == 403


ES = {"Accept-Language": "es-US,es;q=0.9"}


def _spanish(page: str) -> str:
    """The page's main text, checked: lang="es" and no English word outside lang="en"."""
    assert re.search(r'<html lang="es"', page), page[:200]
    text = main_text(page)
    assert english_words(text) == [], (english_words(text), text[:600])
    return text


def test_a_representative_takes_a_case_in_from_transcripts_in_spanish(web: Web) -> None:
    c, token = web.signed_in("rep")
    c.headers.update(ES)
    cases = c.get("/cases").text
    assert '<a href="/intake/transcripts">Registrar desde transcripciones</a>' in cases
    upload = c.get("/intake/transcripts")
    assert upload.headers["content-language"] == "es"
    assert "Registrar un caso desde transcripciones de cuenta" in _spanish(upload.text)
    empty = c.post(
        "/intake/transcripts", data={"csrf_token": token}, files=[("files", ("", b"", "text/plain"))]
    )
    assert empty.status_code == 422
    assert "elija una o más transcripciones de cuenta" in _field_error_es(empty.text, "files")
    _spanish(empty.text)
    # the parser's error, in Spanish, naming the line; the line as read stays as read
    bad = _upload(c, token, [("bad.txt", b"Some words\nTAX PERIOD: Dec. 31, 2020\nTRANSACTIONS\n")])
    assert bad.status_code == 422
    assert _field_error_es(bad.text, "files") == (
        "bad.txt, línea 3: el encabezado de la transcripción no tiene una línea FORM NUMBER antes de su tabla "
        "TRANSACTIONS"
    )
    page = _upload(c, token, [(PAGED.name, PAGED.read_bytes())])
    assert page.status_code == 200, page.text
    text = _spanish(page.text)
    assert "Revise el caso leído de las transcripciones" in text
    assert "2 períodos tributarios, 20 líneas de transacción, 14 con un significado citado" in text
    assert "Lista de revisión: 15 puntos" in text
    assert f"{PAGED.name}, línea 40" in text
    assert "el TC 806 no está en la tabla de códigos: no se importó" in text
    assert "oferta de transacción aceptada del 2024-07-22" in text
    assert (
        '<span class="mono" lang="en">taxpayer.tin</span>: las transcripciones muestran solo los últimos cuatro '
        "dígitos del TIN (XXX-XX-4321)"
    ) in page.text
    # the transcript's own line (the IRS's words) is there, marked English
    assert re.search(r'<span class="mono small" lang="en">806 +W-2 or 1099 withholding', page.text)
    assert TIN not in page.text
    # the English reasons posted back (the hidden review list) are read back into Spanish
    r = c.post(
        "/intake/transcripts/store", data=_store_form(page.text, name="Dana Rivera"), follow_redirects=False
    )
    assert r.status_code == 422
    again = _spanish(r.text)
    assert "No se guardó nada: hay 1 problema" in again
    assert _field_error_es(r.text, "tin") == (
        "para guardar el caso se necesita el TIN completo: las transcripciones muestran solo sus últimos cuatro "
        "dígitos (XXX-XX-4321)"
    )
    assert "el TC 806 no está en la tabla de códigos: no se importó" in again
    assert "Las transcripciones muestran que termina en 4321" in again
    r = c.post(
        "/intake/transcripts/store",
        data=_store_form(page.text, name="Dana Rivera", tin="987-65-1111"),
        follow_redirects=False,
    )
    assert _field_error_es(r.text, "tin") == (
        "el TIN que usted dio termina en 1111, pero las transcripciones son de un TIN que termina en 4321"
    )
    r = c.post(
        "/intake/transcripts/store", data=_store_form(page.text, case_json="{", name="Dana Rivera", tin=TIN)
    )
    assert re.search(r'no es JSON: <span lang="en">[^<]+</span>', r.text), r.text  # orjson's words, marked
    assert "no es JSON:" in _spanish(r.text)
    r = c.post(
        "/intake/transcripts/store", data=_store_form(page.text, case_json="[1]", name="Dana Rivera", tin=TIN)
    )
    assert "se espera un objeto JSON (el documento )" in _spanish(r.text)
    assert (
        'se espera un objeto JSON (el documento <span class="mono" lang="en">cdpdesk.case/1</span>)' in r.text
    )
    r = c.post(
        "/intake/transcripts/store",
        data=_store_form(page.text, name="Dana Rivera", tin=TIN),
        follow_redirects=False,
    )
    assert r.status_code == 303 and TIN not in r.headers["location"]
    case_id = int(re.match(r"/cases/([0-9]+)", r.headers["location"]).group(1))  # type: ignore[union-attr]
    # the stored list keeps its English; read back, each reason has its Spanish
    stored = reviews_for(web.desk, case_id)
    assert len(stored) == 14 and stored[0].reason.startswith("TC 806 is not in the code table")
    spanish = [reason_words(s.reason, translator("es")) for s in stored]
    assert spanish[0] is not None and spanish[0].startswith("el TC 806 no está en la tabla de códigos")
    assert all(w is not None and w != s.reason for w, s in zip(spanish, stored, strict=True))
    # storing the same case again: refused, in Spanish
    r = c.post("/intake/transcripts/store", data=_store_form(page.text, name="Dana Rivera", tin=TIN))
    assert r.status_code == 409
    assert f"este caso ya está guardado, como el caso {case_id}" in _spanish(r.text)


def _field_error_es(page: str, field: str) -> str:
    m = re.search(rf'id="f-{field}-err"><span class="visually-hidden">[^<]*</span>([^<]*)<', page)
    assert m, f"no error beside {field}"
    return html_module.unescape(m.group(1))


def test_the_flash_after_storing_follows_the_case_pages_language(web: Web) -> None:
    """The flash after storing or acting on an item is shown on the case page, in its
    language (Spanish here: case.html is translated)."""
    c, token = web.signed_in("rep")
    c.headers.update(ES)
    page = _upload(c, token, [(PAGED.name, PAGED.read_bytes())]).text
    r = c.post("/intake/transcripts/store", data=_store_form(page, name="Dana Rivera", tin=TIN))
    case_id = int(re.search(r"/cases/([0-9]+)", str(r.url)).group(1))  # type: ignore[union-attr]
    assert '<html lang="es"' in r.text
    assert (
        f"Se registró el caso {case_id} desde {PAGED.name}, con su lista de revisión (14 puntos)." in r.text
    )
    items = reviews_for(web.desk, case_id)
    act = f"/cases/{case_id}/reviews/{items[0].id}"
    r = c.post(act, data={"csrf_token": csrf_of(r.text), "action": "resolve"})
    assert f"Se resolvió el punto de revisión {items[0].id}." in r.text
    r = c.post(act, data={"csrf_token": csrf_of(r.text), "action": "resolve"})
    assert f"No se cambió nada: el punto de revisión {items[0].id} ya está resuelto" in r.text
    assert 'id="flash" lang="es"' in r.text
    # a reason that is the desk's own English (a note too long) is marked as English
    other = f"/cases/{case_id}/reviews/{items[1].id}"
    r = c.post(other, data={"csrf_token": csrf_of(r.text), "action": "confirm", "note": "x" * 1500})
    assert (
        '<p>No se cambió nada: <span lang="en">note: too long (at most 1000 characters)</span></p>' in r.text
    )
    assert 'id="flash" lang="es"' in r.text
    assert english_words(main_text(r.text)) == []
