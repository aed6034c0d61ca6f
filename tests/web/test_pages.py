"""The pages without a browser: sign in and out, the taxpayer's four answers, the letter
lookup, the Appeals flow, the pictures, and the accounts schema."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import inspect

from cdpdesk.desk import db
from cdpdesk.desk.accounts import Accounts, hash_password, verify_password
from cdpdesk.desk.demo import load_demo
from cdpdesk.desk.record import DeskError
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine.roadmap import STAGES
from cdpdesk.web.pages import long_date
from cdpdesk.web.svg import roadmap_svg, timeline_svg
from tests.web.conftest import Web, csrf_of


def test_sign_in_needs_the_right_password_and_the_csrf_token(web: Web) -> None:
    c = web.client()
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"username": "avery", "password": "nope", "csrf_token": token})
    assert r.status_code == 401 and "do not match" in r.text
    r = c.post("/login", data={"username": "avery", "password": "avery-demo"})
    assert r.status_code == 403
    r = c.post(
        "/login",
        data={"username": "avery", "password": "avery-demo", "csrf_token": token, "next": "//evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_sign_out_ends_the_session_on_the_server(web: Web) -> None:
    c, token = web.signed_in("appeals")
    cookie = c.cookies.get("cdpdesk_session")
    assert c.get("/queue").status_code == 200
    assert c.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    replay = web.client()
    replay.cookies.set("cdpdesk_session", cookie)
    r = replay.get("/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Fqueue")


def test_each_role_lands_on_its_page(web: Web) -> None:
    c, _ = web.signed_in("appeals")
    assert c.get("/", follow_redirects=False).headers["location"] == "/queue"
    c, _ = web.signed_in("jamie")
    assert (
        c.get("/", follow_redirects=False).headers["location"]
        == f"/cases/{web.ids['determination']}/understand"
    )
    c, _ = web.signed_in("rep")
    assert c.get("/", follow_redirects=False).headers["location"] == "/cases"
    welcome = web.client().get("/")  # the welcome page: the product's name, once, as its title
    assert welcome.status_code == 200 and "<title>CDP Desk</title>" in welcome.text


def test_understanding_your_letter_gives_the_four_answers_with_dates(web: Web) -> None:
    c, _ = web.signed_in("jamie")
    cid = web.ids["determination"]
    html = c.get(f"/cases/{cid}/understand").text
    ex = c.get(f"/api/cases/{cid}/explain").json()
    for heading in (
        "What this means for you",
        "How you got here",
        "Your next steps",
        "Where you are in the tax system",
        "Where to get help",
    ):
        assert heading in html
    assert ex["stage"]["id"] == "determination"
    petition = next(s for s in ex["next_steps"] if s["date"] and "Tax Court" in s["text"])
    assert long_date(petition["date"]) in html
    for step in ex["how"]:
        assert long_date(step["date"]) in html
    assert "Taxpayer Advocate Service" in html and "Low Income Taxpayer Clinics" in html
    assert '<a href="#stage-determination" class="stop stop-current">' in html
    for stage in STAGES:
        assert f'id="stage-{stage.id}"' in html and f'href="#stage-{stage.id}"' in html


@pytest.mark.parametrize(
    ("typed", "code", "stage"),
    [
        ("4383", "4383", "withdrawn"),
        ("Letter 3172", "3172", "lien_filed"),
        ("lt11", "LT11", "levy_notice"),
        ("CP504", "CP504", "balance_due"),
        ("L3193", "3193", "determination"),
    ],
)
def test_letter_lookup_explains_and_places_the_letter(web: Web, typed: str, code: str, stage: str) -> None:
    c = web.client()
    html = c.get("/lookup", params={"q": typed}).text
    assert f"{code}:" in html
    title = next(s.title for s in STAGES if s.id == stage)
    assert f'<a href="#stage-{stage}" class="stop stop-current">' in html
    assert f">{title}</text>" in html and ">this letter</text>" in html
    api = c.get("/api/letters/lookup", params={"q": typed}).json()
    assert api["code"] == code and api["stage"]["id"] == stage


def test_unknown_letter_lists_the_known_ones(web: Web) -> None:
    c = web.client()
    html = c.get("/lookup", params={"q": "XY99"}).text
    assert "We do not know" in html and "/lookup?q=LT11" in html
    r = c.get("/api/letters/lookup", params={"q": "XY99"})
    assert r.status_code == 404 and "LT11" in r.json()["errors"][0]["message"]


def test_appeals_acknowledges_from_the_preview(web: Web) -> None:
    c, token = web.signed_in("appeals")
    cid = web.ids["eh-withdrawal"]
    assert f"/cases/{cid}/withdrawals/e3/preview" in c.get("/queue").text
    preview = c.get(f"/cases/{cid}/withdrawals/e3/preview")
    assert "Acknowledge and issue Letter 4383" in preview.text and "equivalent hearing" in preview.text
    letter_html = c.get(f"/cases/{cid}/withdrawals/e3/preview.html").text
    assert "Independent Office of Appeals" in letter_html and "XX-XXX6789" in letter_html
    assert web.desk.letters(cid) == []  # a preview stores nothing
    r = c.post(f"/cases/{cid}/withdrawals/e3/acknowledge", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and "issued=1" in r.headers["location"]
    page = c.get(r.headers["location"]).text
    assert "was issued and stored" in page and "Download the PDF" in page
    again = c.post(
        f"/cases/{cid}/withdrawals/e3/acknowledge", data={"csrf_token": token}, follow_redirects=False
    )
    assert "already=1" in again.headers["location"]
    assert len(web.desk.letters(cid)) == 1
    # the preview of an acknowledged withdrawal goes to its letter
    assert c.get(f"/cases/{cid}/withdrawals/e3/preview", follow_redirects=False).status_code == 303
    # an oral withdrawal or another event: a clear page, no letter
    r = c.get(f"/cases/{cid}/withdrawals/e2/preview")
    assert r.status_code == 422 and "not a hearing_withdrawal" in r.text


def test_case_page_shows_the_timeline_and_the_dates(web: Web) -> None:
    c, _ = web.signed_in("appeals")
    cid = web.ids["partial-withdrawal"]
    html = c.get(f"/cases/{cid}").text
    analysis = c.get(f"/api/cases/{cid}").json()["analysis"]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'class="timeline"' in html
    for a in analysis["assessments"]:
        assert long_date(a["base_csed"]) in html and long_date(a["csed"]) in html
    assert "partial" in html and "Preview and acknowledge" in html
    filtered = c.get("/cases", params={"stage": "in_appeals"}).text
    assert f'/cases/{cid}"' in filtered and f'/cases/{web.ids["cdp-withdrawal"]}"' not in filtered


def test_pictures_are_plain_svg_with_labels() -> None:
    svg = roadmap_svg("withdrawn", states={"assessed": "passed", "lien_filed": "off_road"})
    assert svg.count("<a ") == len(STAGES) and ">you are here</text>" in svg
    assert 'aria-label="' not in svg and 'role="group"' in svg and 'role="img"' not in svg
    assert '<a href="#stage-assessed" class="stop stop-passed">' in svg and ">passed</text>" in svg
    assert (
        '<a href="#stage-lien_filed" class="stop stop-off_road">' in svg and ">not on your road</text>" in svg
    )
    assert '<a href="#stage-levy_notice" class="stop stop-ahead">' in svg
    analysis = {
        "as_of": "2024-07-01",
        "hearings": [
            {
                "type": "cdp",
                "filed": "2024-03-25",
                "withdrawn": "2024-06-10",
                "final": None,
                "determination": None,
                "statute": "IRC 6330",
                "period": "1040-2019",
                "status": "withdrawn",
            }
        ],
        "assessments": [
            {
                "period": "1040-2019",
                "assessment": "a1",
                "assessed": "2020-11-16",
                "base_csed": "2030-11-16",
                "csed": "2031-02-01",
                "open": False,
                "suspensions": [
                    {
                        "cause": "cdp_hearing",
                        "from": "2024-03-25",
                        "until": "2024-06-10",
                        "days": 77,
                        "open": False,
                    }
                ],
            }
        ],
    }
    events = [
        {"id": "e1", "type": "levy_notice", "date": "2024-03-01", "letter": "LT11"},
        {"id": "e2", "type": "hearing_request", "received": "2024-03-25"},
    ]
    svg = timeline_svg(analysis, events)
    for text in (
        "LT11 levy notice",
        "CDP hearing (levy)",
        "CDP hearing",
        "77 days",
        "base CSED Nov 16, 2030",
        "CSED Feb 1, 2031",
    ):
        assert text in svg
    assert re.search(r"<title id=\"timeline-title\">", svg)


def test_passwords_are_salted_argon2id(web: Web) -> None:
    h1, h2 = hash_password("correct horse"), hash_password("correct horse")
    assert h1 != h2 and h1.startswith("$argon2id$")
    assert verify_password("correct horse", h1) and not verify_password("wrong horse", h1)
    accounts = Accounts(web.desk)
    with pytest.raises(DeskError, match="role"):
        accounts.create_user("x.y", "X", "admin", "long enough")
    with pytest.raises(DeskError, match="exists"):
        accounts.create_user("avery", "X", "taxpayer", "long enough")
    with pytest.raises(DeskError, match="8 characters"):
        accounts.create_user("short", "X", "taxpayer", "short")


def test_demo_load_is_idempotent(web: Web) -> None:
    again = load_demo(web.desk, Accounts(web.desk))
    assert again["created_cases"] == [] and again["created_users"] == []
    assert again["cases"] == web.ids
    assert len(web.client().get("/api/cases", auth=("appeals", "appeals-demo")).json()["items"]) == 5


def test_an_earlier_demos_names_lose_the_english_role(web: Web) -> None:
    """Earlier demos named the representative "Pat Kim, EA (representative)"; the header now
    says the role in the page's language, so loading the demo again renames them."""
    from sqlalchemy import update

    from cdpdesk.desk.accounts import User

    with web.desk._tx() as s:
        s.execute(
            update(User).where(User.username == "rep").values(display_name="Pat Kim, EA (representative)")
        )
        s.execute(update(User).where(User.username == "sam").values(display_name="Sam R. (representative)"))
    accounts = Accounts(web.desk)
    load_demo(web.desk, accounts)
    assert accounts.user("rep").display_name == "Pat Kim, EA"  # type: ignore[union-attr]
    assert accounts.user("appeals").display_name == "Alex Morgan"  # type: ignore[union-attr]
    # a name someone chose is theirs: only the earlier demo's own names change
    assert accounts.user("sam").display_name == "Sam R. (representative)"  # type: ignore[union-attr]
    assert web.client().get("/", auth=("rep", "rep-demo")).status_code == 200


def test_a_desk_database_from_before_accounts_is_upgraded(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    var = Path(str(tmp_path)) / "var"
    monkeypatch.setenv("CDPDESK_VAR", str(var))
    url = f"sqlite:///{var / 'old.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine, "0001")
    engine.dispose()
    with Desk.open(url) as desk:
        Accounts(desk)
        assert {"users", "case_links", "web_sessions"} <= set(inspect(desk.engine).get_table_names())
        assert "auth_failures" in inspect(desk.engine).get_table_names()
        assert db.current_revision(desk.engine) == db.head_revision()


def test_api_docs_use_local_assets(web: Web) -> None:
    client = web.client()
    html = client.get("/docs").text
    assert "/docs-assets/swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    asset = client.get("/docs-assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000


def test_the_taxpayer_page_tells_before_from_after_letter_4383(web: Web) -> None:
    c, _ = web.signed_in("avery")
    cid = web.ids["cdp-withdrawal"]
    received = next(e for e in web.desk.stored(cid).case_file().events if e.id == "e3").received
    before = c.get(f"/cases/{cid}/understand").text
    assert f"on {long_date(received)}" in before and "will confirm it with Letter 4383" in before
    assert "confirmed it with Letter 4383" not in before and "/letters/" not in before
    assert 'href="/docs"' not in before  # no API link for taxpayers
    assert '<a href="tel:+18777774778">1-877-777-4778</a>' in before
    assert "$8,412.00" in before and "assessment a1" not in before and "Withdrawal e3" not in before

    day = dt.date.today()
    letter = web.desk.acknowledge(cid, "e3", by="appeals", letter_date=day).letter
    after = c.get(f"/cases/{cid}/understand").text
    assert after != before
    assert f"Appeals confirmed it with Letter 4383 on {long_date(day)}." in after
    assert "will confirm it" not in after
    assert f'href="/letters/{letter.id}"' in after and "read your Letter 4383" in after
    # the legal effects still date from the withdrawal's receipt (law.md 5)
    assert f"the IRS may levy from {long_date(received)}" in after
    page = c.get(f"/letters/{letter.id}").text
    assert "sha256" not in page and ">e3<" not in page
    exported = web.desk.export_case(cid)
    assert exported["events"][-1] == {
        "id": "e3-letter-4383",
        "type": "withdrawal_acknowledged",
        "date": day.isoformat(),
        "withdrawal": "e3",
    }


def test_the_one_page_summary_pdf_has_the_taxpayers_dates(web: Web) -> None:
    import io

    from pypdf import PdfReader

    c, _ = web.signed_in("jamie")
    cid = web.ids["determination"]
    ex = c.get(f"/api/cases/{cid}/explain").json()
    assert f'href="/cases/{cid}/summary.pdf"' in c.get(f"/cases/{cid}/understand").text
    r = c.get(f"/cases/{cid}/summary.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    petition = next(s for s in ex["next_steps"] if s["date"] and "Tax Court" in s["text"])
    assert long_date(petition["date"]) in text and "Jamie Ortiz" in text
    assert "Taxpayer Advocate Service" in text and "Determination" in text
    assert reader.trailer["/Root"]["/Lang"] == "en" and "/StructTreeRoot" in reader.trailer["/Root"]
    # another taxpayer's summary is refused
    assert c.get(f"/cases/{web.ids['cdp-withdrawal']}/summary.pdf").status_code == 404
