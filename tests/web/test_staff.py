"""Appeals staff in the browser, in process (TestClient): the preview mark, the sample
contact banner, intake, event forms, corrections, accounts (issue 13)."""

from __future__ import annotations

import datetime as dt
import html as html_module
import io
import json
import re
from pathlib import Path
from typing import Any

import httpx2
import pytest
from pypdf import PdfReader

from cdpdesk.web import forms
from tests.web.conftest import Web

MARK = "PREVIEW, NOT ISSUED"


def _pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _post(c: Any, url: str, token: str, data: dict[str, Any], **kw: Any) -> httpx2.Response:
    r: httpx2.Response = c.post(url, data={"csrf_token": token, **data}, follow_redirects=False, **kw)
    return r


def _field_error(html: str, field: str) -> str:
    """The error printed beside one form field (its id is f-FIELD-err)."""
    fid = "f-" + field.replace(".", "-").replace("[", "-").replace("]", "")
    m = re.search(rf'id="{re.escape(fid)}-err"><span class="visually-hidden">Error: </span>([^<]*)<', html)
    assert m, f"no error beside {field}"
    return html_module.unescape(m.group(1))


def _events(web: Web, case_id: int) -> dict[str, dict[str, Any]]:
    return {e.payload["id"]: e.payload for e in web.desk.stored(case_id).active.values()}


# --- 6. Honest letters ---------------------------------------------------------------------------


def test_every_preview_is_marked_and_the_issued_letter_is_not(web: Web) -> None:
    c, token = web.signed_in("appeals")
    case_id = web.ids["cdp-withdrawal"]
    base = f"/cases/{case_id}/withdrawals/e3"
    html = c.get(f"{base}/preview.html").text
    assert MARK in html and html.count(MARK) >= 2  # the title and the banner
    assert "<title>PREVIEW, NOT ISSUED: Letter 4383" in html
    pdf = c.get(f"{base}/preview.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    pages = _pdf_pages(pdf.content)
    assert len(pages) >= 2 and all(MARK in text for text in pages)
    assert PdfReader(io.BytesIO(pdf.content)).metadata.title.startswith(MARK)
    assert f'href="{base}/preview.pdf"' in c.get(f"{base}/preview").text
    # nothing was stored by previewing
    assert web.desk.letters(case_id) == []
    r = _post(c, f"{base}/acknowledge", token, {})
    assert r.status_code == 303
    (letter,) = web.desk.letters(case_id)
    assert MARK not in letter.html.read_text()
    issued_pages = _pdf_pages(letter.pdf.read_bytes())
    assert issued_pages and not any(MARK in text for text in issued_pages)
    assert "Independent Office of Appeals" in issued_pages[0]
    assert MARK not in c.get(f"/api/letters/{letter.id}/html").text


def test_cli_letter_render_marks_its_preview(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from cdpdesk.cli import app
    from tests.conftest import ROOT

    src = ROOT / "examples" / "withdrawal-cdp.json"
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "letter",
            "render",
            "4383",
            str(src),
            "--withdrawal",
            "e3",
            "--out",
            str(out),
            "--date",
            "2024-06-14",
        ],
    )
    assert result.exit_code == 0, result.output
    pages = _pdf_pages((out / "preview-4383-e3.pdf").read_bytes())
    assert pages and all(MARK in text for text in pages)
    assert MARK in (out / "preview-4383-e3.html").read_text()


def test_sample_contact_banner_on_staff_pages_only_while_it_is_the_sample(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, _ = web.signed_in("appeals")
    for path in ("/queue", "/cases", f"/cases/{web.ids['cdp-withdrawal']}", "/intake", "/accounts"):
        page = c.get(path)
        assert page.status_code == 200, path
        assert 'id="sample-contact"' in page.text, path
    t, _ = web.signed_in("avery")
    assert 'id="sample-contact"' not in t.get(f"/cases/{web.ids['cdp-withdrawal']}/understand").text
    for key, value in {
        "NAME": "Dana Real",
        "TITLE": "Settlement Officer",
        "EMPLOYEE_ID": "1234567",
        "PHONE": "312-555-2000",
        "FAX": "312-555-2001",
        "HOURS": "8 to 4",
        "OFFICE": "Appeals|1 Main St|Chicago IL 60601",
    }.items():
        monkeypatch.setenv(f"CDPDESK_APPEALS_{key}", value)
    web.desk.settings = type(web.desk.settings)()  # the desk reads its settings again
    assert not web.desk.settings.contact.sample
    assert 'id="sample-contact"' not in c.get("/queue").text


# --- 2. Record an event by form ------------------------------------------------------------------


def test_forms_come_from_the_contract_models() -> None:
    from cdpdesk.contract.case import HearingRequest, HearingWithdrawal

    case = {
        "periods": [{"id": "p1", "form": "1040", "period_end": "2021-12-31"}],
        "events": [
            {
                "id": "n1",
                "type": "lien_notice",
                "date": "2024-01-05",
                "nftl_filed": "2024-01-02",
                "periods": ["p1"],
            },
            {"id": "n2", "type": "levy_notice", "date": "2024-01-10", "periods": ["p1"], "letter": "LT11"},
            {"id": "r1", "type": "hearing_request", "received": "2024-02-01", "periods": ["p1"]},
        ],
    }
    assert forms.form_keys()[:5] == list(forms.COMMON)
    assert "withdrawal_acknowledged" not in forms.form_keys()  # only a letter writes it
    written = forms.event_form("hearing_withdrawal", case)
    by_name = {f.name: f for f in written.fields}
    # every field of the model but the fixed ones, in the model's order, with its docstring
    assert list(by_name) == [n for n in HearingWithdrawal.model_fields if n not in ("type", "written")]
    assert by_name["received"].help == HearingWithdrawal.model_fields["received"].description
    assert by_name["received"].kind == "date" and by_name["received"].required
    assert by_name["signed"].label == "Date signed" and not by_name["signed"].required
    assert by_name["notices"].label == "Which hearings are withdrawn"
    assert [o.value for o in by_name["notices"].options] == ["n1", "n2"]
    assert by_name["notices"].options[0].label.startswith("Lien:")
    assert [o.value for o in by_name["request"].options] == ["r1"]
    assert [o.value for o in by_name["periods"].options] == ["p1"]
    assert written.fixed == {"written": True}
    assert forms.event_form(forms.ORAL, case).fixed == {"written": False}
    request = forms.event_form("hearing_request", case)
    assert [f.name for f in request.dates] == ["received", "postmark"]
    assert {f.name: f.kind for f in request.fields}["frivolous"] == "frivolous"
    assert request.summary == (HearingRequest.__doc__ or "").strip()
    levy = {f.name: f for f in forms.event_form("levy_notice", case).fields}
    assert (
        levy["post_levy"].kind == "choice" and [o.value for o in levy["post_levy"].options][0] == "jeopardy"
    )
    with pytest.raises(KeyError):
        forms.event_form("withdrawal_acknowledged", case)


def test_a_mailed_written_withdrawal_recorded_by_form(web: Web) -> None:
    c, token = web.signed_in("appeals")
    case_id = web.ids["pending-hearing"]
    received = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    signed = (dt.date.today() - dt.timedelta(days=6)).isoformat()
    page = c.get(f"/cases/{case_id}/record/hearing_withdrawal")
    assert page.status_code == 200
    assert "Date signed" in page.text and "Which hearings are withdrawn" in page.text
    r = _post(
        c,
        f"/cases/{case_id}/record/hearing_withdrawal",
        token,
        {"id": "w9", "received": received, "signed": signed, "request": "r1", "periods": ["1040-2022"]},
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/cases/{case_id}#log-h"
    assert _events(web, case_id)["w9"] == {
        "id": "w9",
        "type": "hearing_withdrawal",
        "received": received,
        "signed": signed,
        "request": "r1",
        "periods": ["1040-2022"],
        "written": True,
    }
    shown = c.get(f"/cases/{case_id}").text
    assert "Event w9 (Written withdrawal" in shown and "recorded." in shown
    queue = c.get("/queue").text
    assert f'href="/cases/{case_id}/withdrawals/w9/preview"' in queue
    log = web.desk.stored(case_id).log
    assert log[-1].source == "web form" and log[-1].recorded_by == "appeals"


def test_bad_values_are_shown_beside_their_fields_and_nothing_is_stored(web: Web) -> None:
    c, token = web.signed_in("appeals")
    case_id = web.ids["pending-hearing"]
    before = web.desk.stored(case_id).version
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    early = "2001-01-02"
    r = _post(
        c,
        f"/cases/{case_id}/record/hearing_withdrawal",
        token,
        {"id": "w9", "received": early, "signed": future, "request": "r1"},
    )
    assert r.status_code == 422
    assert "is before its request 'r1' was received" in _field_error(r.text, "received")
    assert "after as_of" in _field_error(r.text, "signed")
    assert 'aria-invalid="true"' in r.text and "Nothing was stored" in r.text
    # what was typed is kept in the form
    assert f'value="{early}"' in r.text
    r = _post(
        c, f"/cases/{case_id}/record/hearing_withdrawal", token, {"id": "w9", "received": "", "request": ""}
    )
    assert r.status_code == 422
    assert "not a valid date" in _field_error(r.text, "received")
    assert _field_error(r.text, "request")
    r = _post(
        c, f"/cases/{case_id}/record/determination", token, {"id": "r1", "date": early, "request": "r1"}
    )
    assert "already has an event 'r1'" in _field_error(r.text, "id")
    r = _post(c, f"/cases/{case_id}/record/hearing_request", token, {"id": "r2", "received": early})
    assert "must not be empty" in _field_error(r.text, "periods") or "required" in _field_error(
        r.text, "periods"
    )
    assert web.desk.stored(case_id).version == before
    assert c.get(f"/cases/{case_id}/record/nonsense").status_code == 404


def test_oral_withdrawal_determination_and_petition_by_form(web: Web) -> None:
    c, token = web.signed_in("appeals")
    case_id = web.ids["pending-hearing"]
    day = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    r = _post(
        c, f"/cases/{case_id}/record/{forms.ORAL}", token, {"id": "o1", "received": day, "request": "r1"}
    )
    assert r.status_code == 303, r.text
    assert _events(web, case_id)["o1"]["written"] is False
    assert any(w["event"] == "o1" for w in web.desk.pending_withdrawals()["waiting_for_writing"])
    decided = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    r = _post(
        c, f"/cases/{case_id}/record/determination", token, {"id": "d1", "date": decided, "request": "r1"}
    )
    assert r.status_code == 303, r.text
    petition = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    r = _post(
        c,
        f"/cases/{case_id}/record/tax_court_petition",
        token,
        {"id": "t1", "filed": petition, "request": "r1"},
    )
    assert r.status_code == 303, r.text
    assert _events(web, case_id)["t1"] == {
        "id": "t1",
        "type": "tax_court_petition",
        "filed": petition,
        "request": "r1",
    }


def test_forms_refuse_others_and_need_the_token(web: Web) -> None:
    case_id = web.ids["pending-hearing"]
    t, token = web.signed_in("sam")
    assert t.get(f"/cases/{case_id}/record").status_code == 403
    r = _post(t, f"/cases/{case_id}/record/hearing_withdrawal", token, {"id": "x", "received": "2024-01-01"})
    assert r.status_code == 403
    c, _ = web.signed_in("appeals")
    r = _post(c, f"/cases/{case_id}/record/hearing_withdrawal", "wrong", {"id": "x"})
    assert r.status_code == 403 and "reload the page" in r.text
    assert "x" not in _events(web, case_id)


# --- 3. Corrections and retractions --------------------------------------------------------------


def test_correct_a_wrong_date_with_a_reason_shown_in_the_log(web: Web) -> None:
    c, token = web.signed_in("appeals")
    case_id = web.ids["cdp-withdrawal"]
    old = _events(web, case_id)["e3"]["received"]
    page = c.get(f"/cases/{case_id}/events/e3/correct")
    assert page.status_code == 200 and f'value="{old}"' in page.text
    version = web.desk.stored(case_id).version
    new = (dt.date.fromisoformat(old) - dt.timedelta(days=2)).isoformat()
    url = f"/cases/{case_id}/events/e3/correct"
    # no reason: refused beside the reason box, nothing stored
    r = _post(c, url, token, {"received": new, "request": "e2", "version": str(version)})
    assert r.status_code == 422 and "reason" in _field_error(r.text, "reason")
    # a bad date: the engine's message beside the field
    r = _post(
        c, url, token, {"received": "1999-01-01", "request": "e2", "reason": "typo", "version": str(version)}
    )
    assert r.status_code == 422 and "before its request" in _field_error(r.text, "received")
    assert web.desk.stored(case_id).version == version
    r = _post(
        c,
        url,
        token,
        {"received": new, "request": "e2", "reason": "date stamp misread", "version": str(version)},
    )
    assert r.status_code == 303, r.text
    assert _events(web, case_id)["e3"]["received"] == new
    log = web.desk.stored(case_id).log
    assert [e.kind for e in log if e.event_key == "e3"] == ["record", "correction"]
    assert log[-1].note == "date stamp misread" and log[-1].supersedes is not None
    shown = c.get(f"/cases/{case_id}").text
    assert "Reason: date stamp misread" in shown and 'class="superseded"' in shown
    # the form's version is now old: a second save from it is refused, nothing stored
    r = _post(c, url, token, {"received": old, "request": "e2", "reason": "again", "version": str(version)})
    assert r.status_code == 409 and "The case changed while you worked" in r.text
    assert _events(web, case_id)["e3"]["received"] == new


def test_retract_an_event_with_a_reason(web: Web) -> None:
    c, token = web.signed_in("appeals")
    case_id = web.ids["pending-hearing"]
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    assert (
        _post(
            c, f"/cases/{case_id}/record/{forms.ORAL}", token, {"id": "o1", "received": day, "request": "r1"}
        ).status_code
        == 303
    )
    url = f"/cases/{case_id}/events/o1/retract"
    assert c.get(url).status_code == 200
    # while o1 names it, request r1 cannot go: the engine names the event that needs it
    r = _post(c, f"/cases/{case_id}/events/r1/retract", token, {"reason": "test"})
    assert r.status_code == 422 and "Nothing was retracted" in r.text and "names unknown request" in r.text
    r = _post(c, url, token, {"reason": ""})
    assert r.status_code == 422 and "reason" in _field_error(r.text, "reason")
    r = _post(c, url, token, {"reason": "entered on the wrong case"})
    assert r.status_code == 303
    assert "o1" not in _events(web, case_id)
    log = web.desk.stored(case_id).log
    assert (log[-1].kind, log[-1].event_key, log[-1].note) == (
        "retraction",
        "o1",
        "entered on the wrong case",
    )
    assert "Reason: entered on the wrong case" in c.get(f"/cases/{case_id}").text


def test_corrections_refused_once_a_letter_rests_on_the_event(web: Web) -> None:
    c, token = web.signed_in("appeals")
    case_id = web.ids["cdp-withdrawal"]
    ack = web.desk.acknowledge(case_id, "e3", by="appeals")
    letter = ack.letter.id
    events = _events(web, case_id)
    ack_key = next(k for k, e in events.items() if e["type"] == "withdrawal_acknowledged")
    version = web.desk.stored(case_id).version
    for key, says in (
        ("e3", f"acknowledged by letter {letter}"),
        (ack_key, f"records that letter {letter} was issued"),
        ("e2", f"named in letter {letter}"),
        ("e1", f"letter {letter} describes"),
    ):
        page = c.get(f"/cases/{case_id}/events/{key}/correct")
        assert page.status_code == 200 and "cannot be corrected" in page.text and says in page.text, key
        r = _post(
            c,
            f"/cases/{case_id}/events/{key}/correct",
            token,
            {"reason": "x", "version": str(version)} | events[key],
        )
        assert r.status_code == 409 and says in r.text, key
        r = _post(c, f"/cases/{case_id}/events/{key}/retract", token, {"reason": "x"})
        assert r.status_code == 409 and "cannot be retracted" in r.text, key
    # the desk refuses too, whoever asks (the CLI, the API)
    from cdpdesk.desk.record import DeskError

    with pytest.raises(DeskError, match="never changes"):
        web.desk.retract_event(case_id, ack_key, note="x")
    assert web.desk.stored(case_id).version == version
    # the case log offers no correction of the letter's own entry
    shown = c.get(f"/cases/{case_id}").text
    assert f'/events/{ack_key}/correct"' not in shown


# --- 1. Intake -----------------------------------------------------------------------------------


def _upload(c: Any, token: str, body: bytes, name: str = "case.json", allow: bool = False) -> httpx2.Response:
    data = {"csrf_token": token} | ({"allow_duplicate": "1"} if allow else {})
    r: httpx2.Response = c.post(
        "/intake/upload",
        data=data,
        files={"case_file": (name, body, "application/json")},
        follow_redirects=False,
    )
    return r


def test_upload_a_case_file_then_the_same_again(web: Web) -> None:
    from tests.conftest import ROOT

    c, token = web.signed_in("appeals")
    body = (ROOT / "examples" / "withdrawal-cdp.json").read_bytes()
    r = _upload(c, token, body, "withdrawal-cdp.json")
    assert r.status_code == 303, r.text
    new = int(r.headers["location"].rsplit("/", 1)[1])
    assert web.desk.stored(new).row.source == "web upload withdrawal-cdp.json"
    page = c.get(f"/cases/{new}").text
    assert f"Case {new} taken in from withdrawal-cdp.json." in page
    # the same file again: refused, naming the stored case; nothing stored
    total = c.get("/api/cases").json()["total"]
    r = _upload(c, token, body, "withdrawal-cdp.json")
    assert r.status_code == 409
    assert "Already stored: nothing was stored" in r.text and f'href="/cases/{new}"' in r.text
    assert c.get("/api/cases").json()["total"] == total
    # said again on purpose: stored, with the desk's warning shown
    r = _upload(c, token, body, "withdrawal-cdp.json", allow=True)
    assert r.status_code == 303
    again = int(r.headers["location"].rsplit("/", 1)[1])
    assert f"case {again} repeats case {new}" in c.get(f"/cases/{again}").text


def test_upload_errors_are_the_engines(web: Web) -> None:
    c, token = web.signed_in("appeals")
    bad = {
        "format": "cdpdesk.case/1",
        "taxpayer": {"name": "Avery Quinn", "tin": "123-45-6789"},
        "periods": [{"id": "p1", "form": "1040", "period_end": "2021-12-31"}],
        "events": [{"id": "e1", "type": "levy_notice", "date": "2024-02-30", "periods": ["p9"]}],
    }
    r = _upload(c, token, json.dumps(bad).encode(), "bad.json")
    assert r.status_code == 422
    assert "bad.json: events[0].date (event &#39;e1&#39;): &#34;2024-02-30&#34; is not a valid date" in r.text
    assert "123-45-6789" not in r.text
    r = _upload(c, token, b"{not json", "broken.json")
    assert r.status_code == 422 and "not valid JSON" in r.text
    r = c.post("/intake/upload", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 422 and "choose a cdpdesk.case/1 JSON file" in r.text


def _intake(c: Any, token: str, fields: dict[str, str], **extra: str) -> httpx2.Response:
    return _post(c, "/intake/form", token, {"n_periods": "2", "n_assessments": "2"} | fields | extra)


def test_start_a_case_by_form(web: Web) -> None:
    c, token = web.signed_in("appeals")
    fields = {
        "taxpayer.name": "Dana Fields",
        "taxpayer.tin": "321-54-9876",
        "taxpayer.address": "5 Pine Rd\nAustin TX 78701",
        "periods[0].id": "1040-2020",
        "periods[0].form": "1040",
        "periods[0].period_end": "2020-12-31",
        "periods[0].assessments[0].id": "a1",
        "periods[0].assessments[0].date": "2021-05-17",
        "periods[0].assessments[0].amount": "1200.00",
        "periods[1].id": "1040-2021",
        "periods[1].form": "1040",
        "periods[1].period_end": "2021-12-31",
        "periods[1].assessments[1].id": "b1",
        "periods[1].assessments[1].date": "2022-05-16",
    }
    r = _intake(c, token, fields)
    assert r.status_code == 303, r.text
    new = int(r.headers["location"].rsplit("/", 1)[1])
    doc = web.desk.export_case(new)
    assert doc["taxpayer"] == {
        "name": "Dana Fields",
        "tin": "321-54-9876",
        "address": ["5 Pine Rd", "Austin TX 78701"],
    }
    assert doc["periods"] == [
        {
            "id": "1040-2020",
            "form": "1040",
            "period_end": "2020-12-31",
            "assessments": [{"id": "a1", "date": "2021-05-17", "amount": "1200.00"}],
        },
        {
            "id": "1040-2021",
            "form": "1040",
            "period_end": "2021-12-31",
            "assessments": [{"id": "b1", "date": "2022-05-16"}],
        },
    ]
    assert doc["events"] == []
    page = c.get(f"/cases/{new}").text
    assert "Now record its notices and events" in page and "321-54-9876" not in page
    # the same again: the desk's refusal
    r = _intake(c, token, fields)
    assert r.status_code == 409 and f'href="/cases/{new}"' in r.text


def test_intake_form_errors_beside_their_fields(web: Web) -> None:
    c, token = web.signed_in("appeals")
    r = _intake(
        c,
        token,
        {
            "taxpayer.name": "",
            "taxpayer.tin": "12345",
            "periods[0].id": "p 1",
            "periods[0].form": "1040",
            "periods[0].period_end": "2020-12-31",
            "periods[1].assessments[1].date": "2021-05-17",  # a row with no period
            "periods[0].assessments[1].id": "a1",
            "periods[0].assessments[1].date": "2021-05-17",
            "periods[0].assessments[1].amount": "12,00",
        },
    )
    assert r.status_code == 422
    assert "must not be empty" in _field_error(r.text, "taxpayer.name")
    assert "9-digit" in _field_error(r.text, "taxpayer.tin")
    assert "not a valid id" in _field_error(r.text, "periods[0].id")
    assert "not a decimal amount" in _field_error(r.text, "periods[0].assessments[1].amount")
    assert "must not be empty" in _field_error(r.text, "periods[1].id")
    assert 'value="12345"' in r.text  # what was typed stays in the form
    # more rows, nothing stored
    before = c.get("/api/cases").json()["total"]
    r = _intake(c, token, {"taxpayer.name": "X"}, add="period")
    assert r.status_code == 200 and 'name="periods[2].id"' in r.text and 'value="X"' in r.text
    assert c.get("/api/cases").json()["total"] == before


def test_intake_is_for_appeals_only(web: Web) -> None:
    t, token = web.signed_in("rep")
    assert t.get("/intake").status_code == 403
    assert _intake(t, token, {"taxpayer.name": "X"}).status_code == 403


# --- 5. Accounts ---------------------------------------------------------------------------------


def test_appeals_adds_a_user_links_a_case_and_resets_a_password(web: Web) -> None:
    c, token = web.signed_in("appeals")
    assert c.get("/accounts").status_code == 200
    r = _post(
        c,
        "/accounts/users",
        token,
        {
            "username": "robin",
            "display_name": "Robin Hale",
            "role": "representative",
            "password": "first-pass-1",
            "password_again": "first-pass-1",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/accounts"
    assert "User robin (Representative (linked cases)) added." in c.get("/accounts").text
    case_id = web.ids["pending-hearing"]
    assert _post(c, "/accounts/links", token, {"username": "robin", "case": str(case_id)}).status_code == 303
    robin = web.app.state.accounts.user("robin")
    assert web.app.state.accounts.linked_cases(robin) == [case_id]
    assert _post(c, "/accounts/links", token, {"username": "robin", "case": str(case_id)}).status_code == 303
    assert f"robin could already see case {case_id}." in c.get("/accounts").text
    # robin signs in and sees the case
    r_client = web.client()
    login = r_client.get("/login").text
    from tests.web.conftest import csrf_of

    ok = r_client.post(
        "/login",
        data={"username": "robin", "password": "first-pass-1", "csrf_token": csrf_of(login), "next": "/"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert r_client.get(f"/cases/{case_id}/understand").status_code == 200
    # reset: robin's session ends, the new password works, the old one does not
    r = _post(
        c, "/accounts/robin/password", token, {"password": "second-pass-2", "password_again": "second-pass-2"}
    )
    assert r.status_code == 303
    assert r_client.get(f"/cases/{case_id}/understand", follow_redirects=False).status_code == 303
    accounts = web.app.state.accounts
    assert accounts.authenticate("robin", "first-pass-1") is None
    assert accounts.authenticate("robin", "second-pass-2") is not None


def test_account_form_errors(web: Web) -> None:
    c, token = web.signed_in("appeals")
    base = {
        "username": "robin",
        "display_name": "R",
        "role": "taxpayer",
        "password": "long-enough",
        "password_again": "long-enough",
    }
    cases = [
        ({"username": "Robin Hale"}, "username", "lower-case"),
        ({"username": "rep"}, "username", "exists already"),
        ({"role": "boss"}, "role", "expected one of"),
        ({"password": "short", "password_again": "short"}, "password", "at least 8"),
        ({"password_again": "other-one"}, "password_again", "differ"),
    ]
    for change, field, says in cases:
        r = _post(c, "/accounts/users", token, base | change)
        assert r.status_code == 422, change
        assert says in _field_error(r.text, field), change
    assert web.app.state.accounts.user("robin") is None
    r = _post(c, "/accounts/links", token, {"username": "appeals", "case": "1"})
    assert "sees every case already" in _field_error(r.text, "link_user")
    r = _post(c, "/accounts/links", token, {"username": "rep", "case": "999999"})
    assert "no case 999999" in _field_error(r.text, "case")
    r = _post(c, "/accounts/links", token, {"username": "rep", "case": "seven"})
    assert "case number" in _field_error(r.text, "case")
    # only Appeals
    t, ttoken = web.signed_in("avery")
    assert t.get("/accounts").status_code == 403
    assert _post(t, "/accounts/users", ttoken, base).status_code == 403
    assert (
        _post(
            t, "/accounts/rep/password", ttoken, {"password": "x" * 9, "password_again": "x" * 9}
        ).status_code
        == 403
    )


def test_everyone_changes_their_own_password(web: Web) -> None:
    t, token = web.signed_in("avery")
    assert t.get("/account/password").status_code == 200
    r = _post(
        t,
        "/account/password",
        token,
        {"current": "wrong", "password": "new-pass-123", "password_again": "new-pass-123"},
    )
    assert r.status_code == 422 and "not your current password" in _field_error(r.text, "current")
    r = _post(
        t,
        "/account/password",
        token,
        {"current": "avery-demo", "password": "new-pass-123", "password_again": "new-pass-123"},
    )
    assert r.status_code == 303
    assert "Your password was changed" in t.get("/account/password").text
    assert t.get("/cases", follow_redirects=False).status_code == 200  # this session goes on
    accounts = web.app.state.accounts
    assert accounts.authenticate("avery", "avery-demo") is None
    assert accounts.authenticate("avery", "new-pass-123") is not None


def test_every_event_type_of_the_contract_has_a_form_in_plain_words() -> None:
    """A type added to cdpdesk.case/1 (issue 15 added disaster relief and combat-zone
    service) gets its form and its words, or the record page would fail."""
    case = json.loads((Path(__file__).parents[2] / "examples" / "withdrawal-cdp.json").read_text("utf-8"))
    keys = forms.form_keys()
    assert {"disaster_relief", "combat_zone"} <= set(keys)
    for key in keys:
        form = forms.event_form(key, case)
        assert form.title == forms.TYPE_WORDS[key]
        assert all(f.label and f.label != f.name for f in form.fields), key
