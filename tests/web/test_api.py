"""The REST API: /api/analyze against the CLI, cases, events, the queue, Letter 4383,
errors naming the field, CSRF and privacy."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys

import pytest

from cdpdesk.contract import load_case
from cdpdesk.engine import analyze
from tests.conftest import ROOT, worked_files
from tests.web.conftest import FULL_TINS, PASSWORDS, Web

APPEALS = ("appeals", PASSWORDS["appeals"])
EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"


def test_analyze_answers_exactly_what_the_cli_prints(web: Web) -> None:
    c = web.client()
    for args in ([], ["--as-of", "2026-11-28"]):
        cli = subprocess.run(
            [sys.executable, "-m", "cdpdesk", "analyze", str(EXAMPLE), *args],
            capture_output=True,
            check=True,
        )
        query = {"as_of": args[1]} if args else {}
        r = c.post("/api/analyze", content=EXAMPLE.read_bytes(), params=query)  # no sign-in
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json"
        assert r.json() == json.loads(cli.stdout)


def test_analyze_matches_the_engine_on_every_worked_case(web: Web) -> None:
    c = web.client()
    files = worked_files()
    assert len(files) > 50
    for path in files:
        text = json.dumps(json.loads(path.read_text())["case"]).encode()
        case = load_case(text)
        want = analyze(case, case.as_of or dt.date.today())
        r = c.post("/api/analyze", content=text)
        assert r.status_code == 200, path.name
        assert r.json() == json.loads(json.dumps(want)), path.name


def test_analyze_errors_name_the_field_and_never_echo_a_tin(web: Web) -> None:
    c = web.client()
    doc = json.loads(EXAMPLE.read_text())
    doc["events"][2]["received"] = "2024-03-20"
    r = c.post("/api/analyze", content=json.dumps(doc))
    assert r.status_code == 422
    body = r.json()
    assert body["format"] == "cdpdesk.error/1"
    assert body["errors"][0]["field"] == "events[2].received"
    assert "before its request" in body["errors"][0]["message"]
    doc = json.loads(EXAMPLE.read_text())
    doc["taxpayer"]["tin"] = "123-45-67890"
    r = c.post("/api/analyze", content=json.dumps(doc))
    assert r.status_code == 422
    assert "123-45-6789" not in r.text and "6789" not in r.text.replace('"field"', "")
    r = c.post("/api/analyze", content=b"{not json")
    assert r.status_code == 422 and r.json()["errors"][0]["message"]
    assert (
        c.post("/api/analyze", content=EXAMPLE.read_bytes(), params={"as_of": "someday"}).json()["errors"][0][
            "field"
        ]
        == "query.as_of"
    )


def test_openapi_documents_the_contract(web: Web) -> None:
    c = web.client()
    spec = c.get("/openapi.json").json()
    analyze_op = spec["paths"]["/api/analyze"]["post"]
    assert analyze_op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CaseFile")
    assert analyze_op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Analysis"
    )
    assert {"CaseFile", "Analysis", "ErrorOut", "CasePageOut", "AcknowledgedOut"} <= set(
        spec["components"]["schemas"]
    )
    for path in (
        "/api/cases",
        "/api/cases/{case_id}",
        "/api/cases/{case_id}/events",
        "/api/withdrawals",
        "/api/cases/{case_id}/withdrawals/{event_id}/acknowledge",
        "/api/letters/{letter_id}/{kind}",
    ):
        assert path in spec["paths"]
    assert c.get("/docs").status_code == 200


def test_case_list_is_paged_and_filtered_by_stage(web: Web) -> None:
    c = web.client()
    r = c.get("/api/cases", auth=APPEALS, params={"per_page": 2})
    page = r.json()
    assert (page["total"], page["pages"], len(page["items"])) == (5, 3, 2)
    assert all(item["tin"].startswith("XX") for item in page["items"])
    r = c.get("/api/cases", auth=APPEALS, params={"stage": "withdrawn"})
    assert {i["id"] for i in r.json()["items"]} == {web.ids["cdp-withdrawal"], web.ids["eh-withdrawal"]}
    r = c.get("/api/cases", auth=APPEALS, params={"stage": "in_appeals", "page": 1})
    assert {i["stage"]["id"] for i in r.json()["items"]} == {"in_appeals"}
    bad = c.get("/api/cases", auth=APPEALS, params={"stage": "nowhere"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.stage"
    bad = c.get("/api/cases", auth=APPEALS, params={"page": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.page"


def test_case_list_pages_by_keyset_cursor(web: Web) -> None:
    c = web.client()
    every = [i["id"] for i in c.get("/api/cases", auth=APPEALS, params={"sort": "-csed"}).json()["items"]]
    seen: list[int] = []
    params: dict[str, object] = {"sort": "-csed", "per_page": 2}
    while True:
        page = c.get("/api/cases", auth=APPEALS, params=params).json()
        seen += [i["id"] for i in page["items"]]
        if not page["has_next"]:
            assert page["next_after"] is None
            break
        params["after"] = page["next_after"]
    assert seen == every and len(every) == 5
    bad = c.get("/api/cases", auth=APPEALS, params={"sort": "id", "after": params["after"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.after"


def test_import_show_event_export(web: Web) -> None:
    c = web.client()
    r = c.post("/api/cases", auth=APPEALS, content=EXAMPLE.read_bytes())
    assert r.status_code == 201
    case_id = r.json()["id"]
    shown = c.get(f"/api/cases/{case_id}", auth=APPEALS)
    assert shown.status_code == 200
    assert shown.json()["analysis"]["stage"]["id"] == "withdrawn"
    assert shown.json()["case"]["taxpayer"]["tin"] == "XXX-XX-6789"
    assert "123-45-6789" not in shown.text
    bad = dict(json.loads(EXAMPLE.read_text()))
    bad["periods"][0]["form"] = 1040
    r = c.post("/api/cases", auth=APPEALS, content=json.dumps(bad))
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("periods[0].form")
    event = {
        "id": "e4",
        "type": "tas_application",
        "filed": "2024-06-20",
        "periods": ["1040-2019"],
        "decided": "2024-06-25",
    }
    r = c.post(f"/api/cases/{case_id}/events", auth=APPEALS, json=event)
    assert r.status_code == 201 and r.json()["version"] == 2
    r = c.post(f"/api/cases/{case_id}/events", auth=APPEALS, json=event)
    assert r.status_code == 422 and "already has an event" in r.json()["errors"][0]["message"]
    late = {"id": "e5", "type": "hearing_withdrawal", "received": "2024-03-01", "request": "e2"}
    r = c.post(f"/api/cases/{case_id}/events", auth=APPEALS, json=late)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("events[")
    r = c.post(
        f"/api/cases/{case_id}/events",
        auth=APPEALS,
        json={"id": "e6", "type": "bankruptcy", "filed": "2024-06-21", "periods": ["1040-2019"]},
        params={"expected_version": 1},
    )
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "expected_version"
    exported = c.get(f"/api/cases/{case_id}/export", auth=APPEALS)
    assert exported.status_code == 200
    assert exported.json()["taxpayer"]["tin"] == "123-45-6789"  # the case file itself (documented)
    assert [e["id"] for e in exported.json()["events"]] == ["e1", "e2", "e3", "e4"]
    assert c.get("/api/cases/999", auth=APPEALS).status_code == 404


def test_queue_and_acknowledge_once_with_pdf_and_html(web: Web) -> None:
    c = web.client()
    queue = c.get("/api/withdrawals", auth=APPEALS).json()
    assert [(w["case"], w["event"]) for w in queue["pending"]] == [
        (web.ids["cdp-withdrawal"], "e3"),
        (web.ids["eh-withdrawal"], "e3"),
        (web.ids["partial-withdrawal"], "w1"),
    ]
    assert queue["pending"][2]["partial"] is True
    case_id = web.ids["cdp-withdrawal"]
    first = c.post(f"/api/cases/{case_id}/withdrawals/e3/acknowledge", auth=APPEALS)
    again = c.post(f"/api/cases/{case_id}/withdrawals/e3/acknowledge", auth=APPEALS)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["created"] is True and again.json()["created"] is False
    assert first.json()["letter"] == again.json()["letter"]
    letter = first.json()["letter"]
    assert letter["issued_by"] == "appeals" and letter["number"] == "4383"
    pdf = c.get(letter["pdf_url"], auth=APPEALS)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    import hashlib

    assert hashlib.sha256(pdf.content).hexdigest() == letter["sha256"]
    html = c.get(letter["html_url"], auth=APPEALS)
    assert html.status_code == 200 and b"Letter 4383" in html.content
    assert "123-45-6789" not in html.text and "XXX-XX-6789" in html.text
    assert (case_id, "e3") not in {
        (w["case"], w["event"]) for w in c.get("/api/withdrawals", auth=APPEALS).json()["pending"]
    }
    listed = c.get("/api/letters", auth=APPEALS, params={"case": case_id}).json()
    assert [item["id"] for item in listed] == [letter["id"]]
    # an oral or unknown withdrawal: a clear refusal, nothing issued
    r = c.post(f"/api/cases/{case_id}/withdrawals/e2/acknowledge", auth=APPEALS)
    assert r.status_code == 422 and "hearing_withdrawal" in r.json()["errors"][0]["message"]


def test_session_api_calls_need_the_csrf_header(web: Web) -> None:
    c, token = web.signed_in("appeals")
    case_id = web.ids["eh-withdrawal"]
    url = f"/api/cases/{case_id}/withdrawals/e3/acknowledge"
    r = c.post(url)
    assert r.status_code == 403 and r.json()["errors"][0]["field"] == "X-CSRF-Token"
    assert web.desk.letters(case_id) == []
    r = c.post(url, headers={"X-CSRF-Token": token})
    assert r.status_code == 201
    assert c.get("/api/me").json()["role"] == "appeals"


def test_cross_site_posts_are_refused(web: Web) -> None:
    c = web.client()
    r = c.post(
        f"/api/cases/{web.ids['eh-withdrawal']}/withdrawals/e3/acknowledge",
        auth=APPEALS,
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert r.status_code == 403
    assert web.desk.letters() == []


def test_wrong_basic_credentials(web: Web) -> None:
    c = web.client()
    r = c.get("/api/cases", auth=("appeals", "wrong"))
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    r = c.get("/api/cases")
    assert r.status_code == 401 and "www-authenticate" not in r.headers  # no browser prompt
    assert r.json() == {"format": "cdpdesk.error/1", "errors": [{"field": None, "message": "sign in first"}]}


def test_no_full_tin_in_pages_api_answers_or_logs(web: Web, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    c, token = web.signed_in("appeals")
    seen = []
    for cid in web.ids.values():
        for path in (
            f"/cases/{cid}",
            f"/cases/{cid}/understand",
            f"/api/cases/{cid}",
            f"/api/cases/{cid}/explain",
        ):
            r = c.get(path)
            assert r.status_code == 200, path
            seen.append(r.text)
    for path in (
        "/queue",
        "/cases",
        "/api/cases",
        "/api/withdrawals",
        f"/cases/{web.ids['cdp-withdrawal']}/withdrawals/e3/preview",
        f"/cases/{web.ids['cdp-withdrawal']}/withdrawals/e3/preview.html",
    ):
        r = c.get(path)
        assert r.status_code == 200, path
        seen.append(r.text)
    r = c.post(
        f"/cases/{web.ids['partial-withdrawal']}/withdrawals/w1/acknowledge", data={"csrf_token": token}
    )
    seen.append(r.text)
    seen.append(caplog.text)
    for text in seen:
        for tin in FULL_TINS:
            assert tin not in text


def test_import_refuses_a_case_already_stored_and_warns_of_a_near_one(web: Web) -> None:
    c = web.client()
    doc = json.loads(EXAMPLE.read_text())
    doc["taxpayer"]["tin"] = "402-11-7731"  # not a demo taxpayer
    first = c.post("/api/cases", auth=APPEALS, content=json.dumps(doc))
    assert first.status_code == 201 and first.json()["warnings"] == []
    case_id = first.json()["id"]
    again = c.post("/api/cases", auth=APPEALS, content=json.dumps(doc))
    assert again.status_code == 409
    (err,) = again.json()["errors"]
    assert err["field"] == "allow_duplicate" and f"already stored as case {case_id}" in err["message"]
    assert "402-11-7731" not in again.text
    forced = c.post("/api/cases", auth=APPEALS, content=json.dumps(doc), params={"allow_duplicate": "true"})
    assert forced.status_code == 201 and forced.json()["id"] == case_id + 1
    assert forced.json()["warnings"] == [
        f"case {case_id + 1} repeats case {case_id} (same taxpayer, periods and events)"
    ]
    doc["events"] = doc["events"][:2]
    near = c.post("/api/cases", auth=APPEALS, content=json.dumps(doc))
    assert near.status_code == 201
    (warning,) = near.json()["warnings"]
    assert "near duplicate" in warning and "XXX-XX-7731" in warning and "402-11-7731" not in near.text
