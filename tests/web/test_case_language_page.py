"""The case's preferred language on the case page: shown to whoever sees the case, changed
by a representative or Appeals staff (a taxpayer may not), and the letter follows it."""

from __future__ import annotations

from tests.web.conftest import Web


def _language_shown(html: str) -> str:
    start = html.index('id="case-language">') + len('id="case-language">')
    return html[start : html.index("</dd>", start)]


def test_a_representative_sets_the_language_and_appeals_issues_in_it(web: Web) -> None:
    case_id = web.ids["eh-withdrawal"]  # Riley Chen Plumbing, the representative's client
    rep, token = web.signed_in("rep")
    page = rep.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert _language_shown(page.text) == "Not set (English)"
    assert f'action="/cases/{case_id}/language"' in page.text
    r = rep.post(
        f"/cases/{case_id}/language", data={"csrf_token": token, "language": "es"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}#language"
    page = rep.get(f"/cases/{case_id}")
    assert _language_shown(page.text) == "Español"
    assert "Preferred language for letters: Español" in page.text
    assert '<option value="es" lang="es" selected>' in page.text
    # the desk's column says so, and Appeals' preview and letter are in Spanish
    appeals, atoken = web.signed_in("appeals")
    preview = appeals.get(f"/cases/{case_id}/withdrawals/e3/preview.html")
    assert '<html lang="es"' in preview.text and "Oficial de Apelaciones" in preview.text
    issued = appeals.post(
        f"/cases/{case_id}/withdrawals/e3/acknowledge", data={"csrf_token": atoken}, follow_redirects=False
    )
    assert issued.status_code == 303
    letter = web.desk.letters(case_id)[0]
    html = letter.html.read_text()
    assert "Recibimos su solicitud para retirar su audiencia" in html and "Letter 4383 (SP)" in html
    # the API shows it too
    assert appeals.get(f"/api/cases/{case_id}").json()["case"]["language"] == "es"


def test_a_taxpayer_sees_it_but_may_not_change_it_and_bad_values_are_refused(web: Web) -> None:
    case_id = web.ids["cdp-withdrawal"]
    avery, token = web.signed_in("avery")
    page = avery.get(f"/cases/{case_id}")
    assert page.status_code == 200 and _language_shown(page.text) == "Not set (English)"
    assert f'action="/cases/{case_id}/language"' not in page.text
    r = avery.post(
        f"/cases/{case_id}/language", data={"csrf_token": token, "language": "es"}, follow_redirects=False
    )
    assert r.status_code == 403
    assert web.desk.stored(case_id).row.language is None
    appeals, atoken = web.signed_in("appeals")
    r = appeals.post(f"/cases/{case_id}/language", data={"csrf_token": atoken, "language": "klingon"})
    assert r.status_code == 422 and "unknown language" in r.text
    r = appeals.post(f"/cases/{case_id}/language", data={"language": "es"}, follow_redirects=False)
    assert r.status_code in (400, 403)  # no CSRF token: refused
    assert web.desk.stored(case_id).row.language is None
    # another's case: not found, as any case one cannot see
    other = web.ids["pending-hearing"]
    r = avery.post(f"/cases/{other}/language", data={"csrf_token": token, "language": "es"})
    assert r.status_code == 404
