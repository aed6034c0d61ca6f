"""Appeals staff's whole job in a real browser (issue 13): Playwright driving Debian's
Chromium (/usr/bin/chromium, never `playwright install`) against uvicorn on 127.0.0.1 with
the demo data. Intake by upload and by form, every common event form with bad values and
good ones, a correction, the refusals, Letter 4383's preview and issue, accounts; axe-core
(vendored) on every staff page at desktop and phone width."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.web.server import CHROMIUM, Running

pytest.importorskip("playwright")
if not Path(CHROMIUM).exists():  # pragma: no cover - .ci/run installs it
    pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium", pytrace=False)

from playwright.sync_api import Browser, Locator, Page, expect  # noqa: E402

from tests.web.test_browser import axe_problems, sign_in  # noqa: E402

TODAY = dt.date.today()


def ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


@pytest.fixture
def page(server: Running, browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    p = context.new_page()
    sign_in(p, server.url, "appeals")
    yield p
    context.close()


def field(page: Page, label: str) -> Locator:
    """The form field with this label (the label may end in "(required)")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \(required\))?$"))


def case_id_of(page: Page) -> int:
    m = re.search(r"/cases/([0-9]+)", page.url)
    assert m, page.url
    return int(m.group(1))


def record(
    page: Page, base: str, case_id: int, words: str, fill: dict[str, str], ticks: tuple[str, ...] = ()
) -> None:
    page.goto(f"{base}/cases/{case_id}/record")
    page.get_by_role("link", name=words).click()
    for label, value in fill.items():
        box = field(page, label)
        if box.evaluate("e => e.tagName") == "SELECT":
            box.select_option(value)
        else:
            box.fill(value)
    for label in ticks:  # tax periods
        page.get_by_role("group", name=re.compile("^Tax periods")).get_by_label(label).check()
    page.get_by_role("button", name=re.compile("^(Record the event|Save the correction)$")).click()


def test_a_case_from_intake_form_to_letter_4383(server: Running, page: Page) -> None:
    base = server.url
    page.goto(f"{base}/intake")
    expect(page.get_by_role("heading", level=1)).to_have_text("Take in a case")
    # bad values first: each error beside its field, nothing stored
    field(page, "Identification number (SSN, ITIN or EIN)").fill("12345")
    field(page, "Period id").fill("2019 1040")
    page.get_by_role("button", name="Check and store the case").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was stored")
    name = field(page, "Name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("must not be empty"))
    expect(field(page, "Period id")).to_have_accessible_description(re.compile("not a valid id"))
    expect(field(page, "Identification number (SSN, ITIN or EIN)")).to_have_accessible_description(
        re.compile("9-digit")
    )
    # the summary's link takes the keyboard to the field
    page.get_by_role("alert").get_by_role("link", name="Taxpayer name").click()
    expect(name).to_be_focused()
    name.fill("Quinn Harper")
    field(page, "Identification number (SSN, ITIN or EIN)").fill("222-33-4444")
    field(page, "Mailing address").fill("9 Birch Ln\nSalem OR 97301")
    field(page, "Period id").fill("1040-2021")
    field(page, "Return form").fill("1040")
    field(page, "Period ends").fill("2021-12-31")
    field(page, "Assessment id").fill("a1")
    field(page, "Date assessed").fill("2022-05-16")
    field(page, "Amount").fill("5000.00")
    page.get_by_role("button", name="Check and store the case").click()
    expect(page.get_by_role("status")).to_contain_text("started. Now record its notices and events.")
    case_id = case_id_of(page)
    expect(page.locator("main")).not_to_contain_text("222-33-4444")

    # the levy notice, then the hearing request (Form 12153)
    record(
        page,
        base,
        case_id,
        "Levy notice with hearing rights (LT11, Letter 1058, CP90)",
        {"Event id": "n1", "Date printed on the notice": ago(90), "Letter or notice number": "LT11"},
        ("1040-2021 (Form 1040, ending 2021-12-31)",),
    )
    expect(page.get_by_role("status")).to_contain_text("Event n1")
    record(
        page,
        base,
        case_id,
        "Hearing request (Form 12153)",
        {"Event id": "r1", "Date received": ago(70)},
        ("1040-2021 (Form 1040, ending 2021-12-31)",),
    )
    expect(page.get_by_role("status")).to_contain_text("Event r1")

    # a written withdrawal that came in the mail, first with a wrong date (signed after received)
    record(
        page,
        base,
        case_id,
        "Written withdrawal (Form 12256 or a signed letter)",
        {"Event id": "w1", "Date received": ago(5), "Date signed": ago(3), "Hearing request withdrawn": "r1"},
    )
    expect(page.get_by_role("alert")).to_contain_text("Nothing was stored")
    expect(field(page, "Date signed")).to_have_accessible_description(
        re.compile("is after the withdrawal was received")
    )
    field(page, "Date signed").fill(ago(8))
    field(page, "Date received").fill(ago(4))
    page.get_by_role("button", name="Record the event").click()
    expect(page.get_by_role("status")).to_contain_text("Event w1 (Written withdrawal")

    # in the queue
    page.goto(f"{base}/queue")
    row = page.get_by_role("row").filter(has_text="Quinn Harper")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(dt.date.fromisoformat(ago(4)).strftime("%B"))

    # correct the wrong date received, with a reason, shown in the log
    page.goto(f"{base}/cases/{case_id}")
    page.get_by_role("link", name="Correct event w1").click()
    field(page, "Date received").fill(ago(6))
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_label(re.compile("^Reason for the correction"))).to_have_accessible_description(
        re.compile("say why")
    )
    page.get_by_label(re.compile("^Reason for the correction")).fill("date stamp read wrongly")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("status")).to_contain_text("Event w1 corrected")
    log = page.locator("section", has=page.get_by_role("heading", name="Event log"))
    expect(log).to_contain_text("Reason: date stamp read wrongly")
    expect(log.locator("tr.superseded")).to_have_count(1)

    # preview: marked; issue: not
    page.goto(f"{base}/cases/{case_id}/withdrawals/w1/preview")
    frame = page.frame_locator("iframe.letter-frame")
    expect(frame.get_by_text("PREVIEW, NOT ISSUED").first).to_be_visible()
    expect(frame.get_by_text("XXX-XX-4444").first).to_be_visible()
    page.get_by_role("button", name="Acknowledge and issue Letter 4383").click()
    expect(page.get_by_role("status")).to_contain_text("was issued and stored")
    expect(
        page.frame_locator("iframe.letter-frame").get_by_text("Independent Office of Appeals").first
    ).to_be_visible()
    expect(page.frame_locator("iframe.letter-frame").get_by_text("PREVIEW, NOT ISSUED")).to_have_count(0)

    # now the letter rests on the withdrawal: refused, with the reason
    page.goto(f"{base}/cases/{case_id}/events/w1/correct")
    expect(page.get_by_role("alert")).to_contain_text("was acknowledged by letter")
    expect(page.get_by_role("button", name="Save the correction")).to_have_count(0)
    page.goto(f"{base}/cases/{case_id}/events/r1/retract")
    expect(page.get_by_role("alert")).to_contain_text("never changes")


def test_upload_and_the_same_upload_twice(server: Running, page: Page, tmp_path: Path) -> None:
    base = server.url
    doc = json.loads((ROOT / "examples" / "newsome-lien.json").read_text())
    doc.pop("as_of", None)
    good = tmp_path / "newsome.json"
    good.write_text(json.dumps(doc))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc | {"periods": [{"id": "p1", "form": "1040", "period_end": "2021-02-30"}]}))
    page.goto(f"{base}/intake")
    field(page, "Case file (JSON)").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#upload-problems")).to_contain_text("bad.json: periods[0].period_end")
    field(page, "Case file (JSON)").set_input_files(str(good))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("status")).to_contain_text("taken in from newsome.json")
    first = case_id_of(page)
    page.goto(f"{base}/intake")
    field(page, "Case file (JSON)").set_input_files(str(good))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#duplicate")).to_contain_text("Already stored: nothing was stored")
    page.locator("#duplicate").get_by_role("link", name=f"case {first}").click()
    expect(page).to_have_url(f"{base}/cases/{first}")


def test_the_common_forms_refuse_bad_values_beside_the_field(server: Running, page: Page) -> None:
    base = server.url
    case_id = server.demo["cases"]["pending-hearing"]
    future = (TODAY + dt.timedelta(days=10)).isoformat()
    cases = [
        (
            "Hearing request (Form 12153)",
            {"Event id": "x1", "Date received": future},
            "Date received",
            "after as_of",
        ),
        (
            "Written withdrawal (Form 12256 or a signed letter)",
            {"Event id": "x2", "Date received": "2001-01-01", "Hearing request withdrawn": "r1"},
            "Date received",
            "before its request",
        ),
        (
            "Oral withdrawal (by phone or in person)",
            {"Event id": "x3", "Date received": ago(1)},
            "Hearing request withdrawn",
            "must not be empty",
        ),
        (
            "Determination (Notice of Determination or decision letter)",
            {"Event id": "r1", "Date of the determination": ago(1), "Hearing request decided": "r1"},
            "Event id",
            "already has an event",
        ),
        (
            "Tax Court petition",
            {
                "Event id": "x5",
                "Date filed": ago(1),
                "Hearing request whose determination is petitioned": "r1",
            },
            "Date filed",
            "has no determination",
        ),
    ]
    for words, fill, label, says in cases:
        ticks = ("1040-2022 (Form 1040, ending 2022-12-31)",) if words.startswith("Hearing request") else ()
        record(page, base, case_id, words, fill, ticks)
        expect(page.get_by_role("alert")).to_contain_text("Nothing was stored")
        expect(field(page, label)).to_have_accessible_description(re.compile(says))
        expect(field(page, label)).to_have_attribute("aria-invalid", "true")
    page.goto(f"{base}/api/cases/{case_id}")
    assert not any(
        e["event"].startswith("x") for e in json.loads(page.locator("body").inner_text())["case"]["log"]
    )


def test_accounts_forms(server: Running, page: Page, browser: Browser) -> None:
    base = server.url
    page.goto(f"{base}/accounts")
    field(page, "Username").fill("Casey Rep")
    field(page, "Role").select_option("representative")
    field(page, "Password").fill("casey-pass-1")
    field(page, "Password again").fill("casey-pass-2")
    page.get_by_role("button", name="Add the user").click()
    expect(field(page, "Password again")).to_have_accessible_description(re.compile("differ"))
    field(page, "Username").fill("casey")
    field(page, "Password").fill("casey-pass-1")
    field(page, "Password again").fill("casey-pass-1")
    page.get_by_role("button", name="Add the user").click()
    expect(page.get_by_role("status")).to_contain_text("User casey")
    case_id = server.demo["cases"]["pending-hearing"]
    field(page, "User").select_option("casey")
    field(page, "Case number").fill("99999")
    page.get_by_role("button", name="Link").click()
    expect(field(page, "Case number")).to_have_accessible_description(re.compile("no case 99999"))
    field(page, "Case number").fill(str(case_id))
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_role("status")).to_contain_text(f"casey may now see case {case_id}")
    page.get_by_role("link", name="Reset password of casey").click()
    field(page, "New password").fill("casey-pass-9")
    field(page, "New password again").fill("casey-pass-9")
    page.get_by_role("button", name="Reset the password").click()
    expect(page.get_by_role("status")).to_contain_text("The password of casey was reset")
    # casey signs in with it, sees the case, and changes their own password
    other = browser.new_context().new_page()
    other.goto(f"{base}/login")
    field(other, "Username").fill("casey")
    field(other, "Password").fill("casey-pass-9")
    other.get_by_role("button", name="Sign in").click()
    expect(other).to_have_url(f"{base}/cases/{case_id}/understand")
    other.get_by_role("link", name="Password").click()
    field(other, "Current password").fill("wrong")
    field(other, "New password").fill("casey-pass-10")
    field(other, "New password again").fill("casey-pass-10")
    other.get_by_role("button", name="Change my password").click()
    expect(field(other, "Current password")).to_have_accessible_description(
        re.compile("not your current password")
    )
    field(other, "Current password").fill("casey-pass-9")
    field(other, "New password").fill("casey-pass-10")
    field(other, "New password again").fill("casey-pass-10")
    other.get_by_role("button", name="Change my password").click()
    expect(other.get_by_role("status")).to_contain_text("Your password was changed")
    other.context.close()


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_staff_pages_have_no_serious_axe_violations(server: Running, browser: Browser, width: int) -> None:
    import httpx

    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, server.url, "appeals")
    case_id = server.demo["cases"]["eh-withdrawal"]
    problems: dict[str, list[str]] = {}
    wide: list[str] = []

    def check(path: str, status: int = 200) -> None:
        response = page.goto(f"{server.url}{path}")
        assert response is not None and response.status == status, path
        found = axe_problems(page)
        if found:
            problems[path] = found
        if page.evaluate("document.documentElement.scrollWidth") > width:
            wide.append(path)

    pages = [
        "/queue",
        "/cases",
        f"/cases/{case_id}",
        f"/cases/{case_id}/withdrawals/e3/preview",
        "/intake",
        f"/cases/{case_id}/record",
        "/accounts",
        "/accounts/rep/password",
        "/account/password",
        f"/cases/{case_id}/events/e3/correct",
        f"/cases/{case_id}/events/e3/retract",
    ]
    from cdpdesk.web import forms

    pages += [f"/cases/{case_id}/record/{key}" for key in forms.form_keys()]
    for path in pages:
        check(path)
    # the pages with their errors showing
    page.goto(f"{server.url}/cases/{case_id}/record/hearing_withdrawal")
    page.get_by_role("button", name="Record the event").click()
    problems.update({"withdrawal form with errors": axe_problems(page)} if axe_problems(page) else {})
    page.goto(f"{server.url}/intake")
    page.get_by_role("button", name="Check and store the case").click()
    problems.update({"intake with errors": axe_problems(page)} if axe_problems(page) else {})
    page.goto(f"{server.url}/accounts")
    page.get_by_role("button", name="Add the user").click()
    problems.update({"accounts with errors": axe_problems(page)} if axe_problems(page) else {})
    # and the refusals, once the letter rests on the withdrawal
    issued = httpx.post(
        f"{server.url}/api/cases/{case_id}/withdrawals/e3/acknowledge", auth=("appeals", "appeals-demo")
    )
    assert issued.status_code in (200, 201), issued.text
    check(f"/cases/{case_id}/events/e3/correct")
    check(f"/cases/{case_id}/events/e3/retract")
    check(f"/letters/{issued.json()['letter']['id']}")
    assert problems == {}
    assert wide == [], f"these pages scroll sideways at {width}px"
    context.close()
