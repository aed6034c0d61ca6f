"""The case page shows the IRS's posted CSED beside the computed one (issue 15, item 7), read
from the analysis; the desk keeps irs_csed, so the case exports as it was imported."""

from __future__ import annotations

import json

from tests.conftest import ROOT
from tests.web.conftest import Web

CASE = ROOT / "tests" / "engine" / "cases" / "94-irs-csed-ia-rejection-45-days.json"


def test_case_page_shows_the_irs_csed_check(web: Web) -> None:
    case = json.loads(CASE.read_text())["case"]
    case["taxpayer"] = {"name": "Morgan Lee"}
    cid = web.desk.import_case(json.dumps(case), allow_duplicate=True)
    assert web.desk.export_case(cid)["periods"][0]["assessments"][0]["irs_csed"] == "2029-02-02"
    c, _ = web.signed_in("appeals")
    html = c.get(f"/cases/{cid}").text
    assert "The IRS&#39;s posted CSED, checked" in html or "The IRS's posted CSED, checked" in html
    assert "15 days later" in html and "CCA 2017-04-04" in html
    analysis = c.get(f"/api/cases/{cid}").json()["analysis"]
    assert analysis["assessments"][0]["irs_csed"]["difference_days"] == 15


def test_case_page_without_irs_csed_has_no_check(web: Web) -> None:
    c, _ = web.signed_in("appeals")
    html = c.get(f"/cases/{web.ids['partial-withdrawal']}").text
    assert "posted CSED, checked" not in html


def test_pages_with_every_new_event_type_answer(web: Web) -> None:
    """Disaster relief, combat-zone service, an open appeal, a tolled petition and a Form 12257
    case: the staff page, the taxpayer's page and the API all answer (no 500)."""
    cases = ROOT / "tests" / "engine" / "cases"
    c, _ = web.signed_in("appeals")
    for name in (
        "99-disaster-relief-moves-cdp-deadline.json",
        "100-disaster-relief-moves-petition-deadline.json",
        "97-ia-appeal-still-open.json",
        "102-petition-equitable-tolling-boechler.json",
        "105-form-12257-summary-determination.json",
        "107-combat-zone-windows-and-csed.json",
    ):
        case = json.loads((cases / name).read_text())["case"]
        case["taxpayer"] = {"name": "Morgan Lee"}
        cid = web.desk.import_case(json.dumps(case), allow_duplicate=True)
        for url in (
            f"/cases/{cid}",
            f"/cases/{cid}/understand",
            f"/api/cases/{cid}",
            f"/api/cases/{cid}/explain",
        ):
            r = c.get(url)
            assert r.status_code == 200, (name, url, r.status_code)
