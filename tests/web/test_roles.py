"""The role-by-action matrix: every role (and nobody) against every action, through the API
(HTTP Basic) and through the pages (session cookie and CSRF token), refusals included.

Demo links: ``rep`` sees the EH withdrawal and the partial withdrawal; ``avery`` sees the CDP
withdrawal; ``jamie`` the determination. A case you may not see answers 404, the same as a
case that does not exist.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import PASSWORDS, Web

ROLES = ("anonymous", "appeals", "rep", "avery")
OWN = {
    "appeals": "determination",
    "rep": "eh-withdrawal",
    "avery": "cdp-withdrawal",
    "anonymous": "cdp-withdrawal",
}
OTHER = {
    "appeals": "pending-hearing",
    "rep": "cdp-withdrawal",
    "avery": "determination",
    "anonymous": "determination",
}
_counter = itertools.count(1)

# action -> expected status for (anonymous, appeals, rep, avery)
API: dict[str, tuple[int, int, int, int]] = {
    "analyze": (200, 200, 200, 200),
    "me": (401, 200, 200, 200),
    "list cases": (401, 200, 200, 200),
    "show own case": (401, 200, 200, 200),
    "show other case": (401, 200, 404, 404),
    "explain own case": (401, 200, 200, 200),
    "explain other case": (401, 200, 404, 404),
    "import case": (401, 201, 403, 403),
    "add event": (401, 201, 403, 403),
    "export own case": (401, 200, 403, 403),
    "withdrawal queue": (401, 200, 403, 403),
    "acknowledge own withdrawal": (401, 201, 403, 403),
    "acknowledge other withdrawal": (401, 201, 403, 403),
    "list letters": (401, 200, 200, 200),
    "letter of own case (pdf)": (401, 200, 200, 200),
    "letter of other case (pdf)": (401, 200, 404, 404),
}
PAGES: dict[str, tuple[int, int, int, int]] = {
    "queue page": (303, 200, 403, 403),
    "cases page": (303, 200, 200, 200),
    "own case page": (303, 200, 200, 200),
    "other case page": (303, 200, 404, 404),
    "own understand page": (303, 200, 200, 200),
    "other understand page": (303, 200, 404, 404),
    "letter preview": (303, 200, 403, 403),
    "acknowledge form": (303, 303, 403, 403),
    "acknowledge form without CSRF token": (303, 403, 403, 403),
    "letter page of own case": (303, 200, 200, 200),
    "letter page of other case": (303, 200, 404, 404),
    "letter lookup": (200, 200, 200, 200),
}


@pytest.fixture(scope="module")
def world(shared_web: Web) -> Iterator[dict[str, Any]]:
    """Letters for the CDP withdrawal (avery's) and the partial one (rep's) exist already."""
    web = shared_web
    a = web.desk.acknowledge(web.ids["cdp-withdrawal"], "e3", by="setup").letter.id
    r = web.desk.acknowledge(web.ids["partial-withdrawal"], "w1", by="setup").letter.id
    yield {"web": web, "letter": {"cdp-withdrawal": a, "partial-withdrawal": r}}


def _withdrawal_case(web: Web) -> tuple[int, str]:
    """A fresh case with a written withdrawal nobody acknowledged yet."""
    doc = web.client().get("/api/cases/1/export", auth=("appeals", PASSWORDS["appeals"])).json()
    doc["taxpayer"]["name"] = f"Matrix {next(_counter)}"
    # The export carries the Letter 4383 already issued for case 1; the copy has none yet.
    doc["events"] = [e for e in doc["events"] if e["type"] != "withdrawal_acknowledged"]
    import orjson

    return web.desk.import_case(orjson.dumps(doc), by="setup", allow_duplicate=True), "e3"


def _api(world: dict[str, Any], role: str, action: str) -> int:
    web: Web = world["web"]
    c = web.client()
    auth = None if role == "anonymous" else (role, PASSWORDS[role])
    own, other = web.ids[OWN[role]], web.ids[OTHER[role]]
    example = web.client().get(
        f"/api/cases/{web.ids['cdp-withdrawal']}/export", auth=("appeals", PASSWORDS["appeals"])
    )
    if action == "analyze":
        return c.post("/api/analyze", content=example.content).status_code
    if action == "me":
        return c.get("/api/me", auth=auth).status_code
    if action == "list cases":
        return c.get("/api/cases", auth=auth).status_code
    if action.startswith(("show", "explain")):
        cid = own if "own" in action else other
        suffix = "/explain" if action.startswith("explain") else ""
        return c.get(f"/api/cases/{cid}{suffix}", auth=auth).status_code
    if action == "import case":
        # the demo case again: the roles are under test here, not the duplicate rule
        params = {"allow_duplicate": "true"}
        return c.post("/api/cases", auth=auth, content=example.content, params=params).status_code
    if action == "add event":
        event = {
            "id": f"t{next(_counter)}",
            "type": "tas_application",
            "filed": dt.date.today().isoformat(),
            "periods": ["1040-2022"],
            "decided": dt.date.today().isoformat(),
        }
        return c.post(f"/api/cases/{web.ids['pending-hearing']}/events", auth=auth, json=event).status_code
    if action == "export own case":
        return c.get(f"/api/cases/{own}/export", auth=auth).status_code
    if action == "withdrawal queue":
        return c.get("/api/withdrawals", auth=auth).status_code
    if action.startswith("acknowledge"):
        if "own" in action and role == "rep":
            cid, ev = web.ids["eh-withdrawal"], "e3"  # rep's own case, not yet acknowledged
        else:
            cid, ev = _withdrawal_case(web)
        status = c.post(f"/api/cases/{cid}/withdrawals/{ev}/acknowledge", auth=auth).status_code
        if status != 201:
            assert [info for info in web.desk.letters(cid) if info.withdrawal == ev] == [], (
                "a refusal issued a letter"
            )
        return status
    if action == "list letters":
        return c.get("/api/letters", auth=auth).status_code
    if action.startswith("letter of"):
        key = {
            "appeals": "partial-withdrawal",
            "rep": "partial-withdrawal",
            "avery": "cdp-withdrawal",
            "anonymous": "cdp-withdrawal",
        }[role]
        if "other" in action:
            key = "cdp-withdrawal" if key == "partial-withdrawal" else "partial-withdrawal"
        return c.get(f"/api/letters/{world['letter'][key]}/pdf", auth=auth).status_code
    raise AssertionError(action)


def _page(world: dict[str, Any], role: str, action: str) -> int:
    web: Web = world["web"]
    if role == "anonymous":
        c, token = web.client(), ""
        token = c.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    else:
        c, token = web.signed_in(role)
    own, other = web.ids[OWN[role]], web.ids[OTHER[role]]
    get = lambda path: c.get(path, follow_redirects=False).status_code  # noqa: E731
    if action == "queue page":
        return get("/queue")
    if action == "cases page":
        return get("/cases")
    if action.endswith("case page"):
        return get(f"/cases/{own if 'own' in action else other}")
    if action.endswith("understand page"):
        return get(f"/cases/{own if 'own' in action else other}/understand")
    if action == "letter preview":
        cid, ev = _withdrawal_case(web)
        return get(f"/cases/{cid}/withdrawals/{ev}/preview")
    if action.startswith("acknowledge form"):
        cid, ev = (web.ids["eh-withdrawal"], "e3") if role == "rep" else _withdrawal_case(web)
        data = {} if "without" in action else {"csrf_token": token}
        status = c.post(
            f"/cases/{cid}/withdrawals/{ev}/acknowledge", data=data, follow_redirects=False
        ).status_code
        if status != 303 or role == "anonymous":
            assert [i for i in web.desk.letters(cid) if i.withdrawal == ev] == [], "a refusal issued a letter"
        return status
    if action.startswith("letter page"):
        key = "partial-withdrawal" if role in ("rep", "appeals") else "cdp-withdrawal"
        if "other" in action:
            key = "cdp-withdrawal" if key == "partial-withdrawal" else "partial-withdrawal"
        return get(f"/letters/{world['letter'][key]}")
    if action == "letter lookup":
        return get("/lookup?q=4383")
    raise AssertionError(action)


@pytest.mark.parametrize(
    ("action", "role"), [(a, r) for a in API for r in ROLES], ids=lambda v: v.replace(" ", "-")
)
def test_api_matrix(world: dict[str, Any], action: str, role: str) -> None:
    assert _api(world, role, action) == API[action][ROLES.index(role)]


@pytest.mark.parametrize(
    ("action", "role"), [(a, r) for a in PAGES for r in ROLES], ids=lambda v: v.replace(" ", "-")
)
def test_page_matrix(world: dict[str, Any], action: str, role: str) -> None:
    assert _page(world, role, action) == PAGES[action][ROLES.index(role)]


def test_lists_show_only_linked_cases(world: dict[str, Any]) -> None:
    web: Web = world["web"]
    c = web.client()
    seen = {}
    for user in PASSWORDS:
        page = c.get("/api/cases", auth=(user, PASSWORDS[user]), params={"per_page": 200}).json()
        seen[user] = {item["id"] for item in page["items"]}
    assert seen["rep"] == {web.ids["eh-withdrawal"], web.ids["partial-withdrawal"]}
    assert seen["avery"] == {web.ids["cdp-withdrawal"]}
    assert seen["jamie"] == {web.ids["determination"]}
    assert seen["appeals"] >= set(web.ids.values())
    letters = c.get("/api/letters", auth=("avery", PASSWORDS["avery"])).json()
    assert {item["case"] for item in letters} == {web.ids["cdp-withdrawal"]}
