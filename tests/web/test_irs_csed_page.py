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
