"""Demo data for the web desk: a handful of cases on the collection road and a user for
each role. Loading is idempotent: a demo case is known by its source (``demo:KEY``) and a
demo user by name, so running ``make run`` twice adds nothing the second time.

The cases' dates are set relative to the day they are loaded, so that a fresh demo always
has a withdrawal waiting for Letter 4383, a hearing in progress and a Tax Court deadline
still ahead. The names, addresses and identification numbers are made up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select, update

from cdpdesk.desk.accounts import APPEALS, REPRESENTATIVE, TAXPAYER, Accounts, User
from cdpdesk.desk.models import Case
from cdpdesk.desk.workflow import Desk


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    password: str
    name: str
    role: str
    cases: tuple[str, ...]  # demo case keys this user may see
    note: str


#: Demo logins. The passwords are public: never load the demo into a real desk.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("appeals", "appeals-demo", "Alex Morgan", APPEALS, (), "Appeals staff: every case"),
    DemoUser(
        "rep",
        "rep-demo",
        "Pat Kim, EA",
        REPRESENTATIVE,
        ("eh-withdrawal", "partial-withdrawal"),
        "representative of Riley Chen Plumbing and Morgan Lee",
    ),
    DemoUser(
        "avery", "avery-demo", "Avery Quinn", TAXPAYER, ("cdp-withdrawal",), "taxpayer: a CDP withdrawal"
    ),
    DemoUser(
        "sam", "sam-demo", "Sam Rivera", TAXPAYER, ("pending-hearing",), "taxpayer: a hearing in Appeals"
    ),
    DemoUser("jamie", "jamie-demo", "Jamie Ortiz", TAXPAYER, ("determination",), "taxpayer: a determination"),
)


def demo_cases(today: dt.date) -> dict[str, dict[str, Any]]:
    """The demo case files (``cdpdesk.case/1``), dated relative to ``today``."""

    def d(days_ago: int) -> str:
        return (today - dt.timedelta(days=days_ago)).isoformat()

    def y(years_ago: int, day: int = 0) -> str:
        return (today.replace(year=today.year - years_ago, day=1) + dt.timedelta(days=day)).isoformat()

    as_of = today.isoformat()
    return {
        "cdp-withdrawal": {
            "format": "cdpdesk.case/1",
            "as_of": as_of,
            "taxpayer": {
                "name": "Avery Quinn",
                "tin": "123-45-6789",
                "address": ["12 Elm St", "Springfield IL 62701"],
            },
            "periods": [
                {
                    "id": "1040-2021",
                    "form": "1040",
                    "period_end": "2021-12-31",
                    "assessments": [{"id": "a1", "date": y(3, 15), "amount": "8412.00"}],
                }
            ],
            "events": [
                {
                    "id": "e1",
                    "type": "levy_notice",
                    "date": d(120),
                    "letter": "LT11",
                    "periods": ["1040-2021"],
                },
                {"id": "e2", "type": "hearing_request", "received": d(101), "periods": ["1040-2021"]},
                {"id": "e3", "type": "hearing_withdrawal", "received": d(12), "request": "e2"},
            ],
        },
        "eh-withdrawal": {
            "format": "cdpdesk.case/1",
            "as_of": as_of,
            "taxpayer": {
                "name": "Riley Chen Plumbing LLC",
                "tin": "12-3456789",
                "address": ["77 Harbor Rd", "Portland ME 04101"],
            },
            "periods": [
                {
                    "id": "941-2023Q4",
                    "form": "941",
                    "period_end": "2023-12-31",
                    "assessments": [{"id": "a1", "date": y(2, 40), "amount": "15200.00"}],
                }
            ],
            "events": [
                {
                    "id": "e1",
                    "type": "levy_notice",
                    "date": d(210),
                    "letter": "LT11",
                    "periods": ["941-2023Q4"],
                },
                {"id": "e2", "type": "hearing_request", "received": d(130), "periods": ["941-2023Q4"]},
                {"id": "e3", "type": "hearing_withdrawal", "received": d(9), "request": "e2"},
            ],
        },
        "partial-withdrawal": {
            "format": "cdpdesk.case/1",
            "as_of": as_of,
            "taxpayer": {
                "name": "Morgan Lee",
                "tin": "987-65-4321",
                "address": ["400 Oak Ave Apt 2", "Dayton OH 45402"],
            },
            "periods": [
                {
                    "id": "1040-2021",
                    "form": "1040",
                    "period_end": "2021-12-31",
                    "assessments": [{"id": "a1", "date": y(3, 20), "amount": "6120.00"}],
                },
                {
                    "id": "1040-2022",
                    "form": "1040",
                    "period_end": "2022-12-31",
                    "assessments": [{"id": "a2", "date": y(2, 20), "amount": "3120.55"}],
                },
            ],
            "events": [
                {
                    "id": "n1",
                    "type": "levy_notice",
                    "date": d(95),
                    "letter": "LT11",
                    "periods": ["1040-2021", "1040-2022"],
                },
                {
                    "id": "r1",
                    "type": "hearing_request",
                    "received": d(80),
                    "periods": ["1040-2021", "1040-2022"],
                },
                {
                    "id": "w1",
                    "type": "hearing_withdrawal",
                    "received": d(6),
                    "request": "r1",
                    "periods": ["1040-2021"],
                },
            ],
        },
        "pending-hearing": {
            "format": "cdpdesk.case/1",
            "as_of": as_of,
            "taxpayer": {
                "name": "Sam Rivera",
                "tin": "555-12-3456",
                "address": ["9 River Ln", "Tucson AZ 85701"],
            },
            "periods": [
                {
                    "id": "1040-2022",
                    "form": "1040",
                    "period_end": "2022-12-31",
                    "assessments": [{"id": "a1", "date": y(2, 25), "amount": "4310.00"}],
                }
            ],
            "events": [
                {
                    "id": "n1",
                    "type": "lien_notice",
                    "date": d(58),
                    "nftl_filed": d(62),
                    "letter": "3172",
                    "periods": ["1040-2022"],
                },
                {"id": "r1", "type": "hearing_request", "received": d(40), "periods": ["1040-2022"]},
            ],
        },
        "determination": {
            "format": "cdpdesk.case/1",
            "as_of": as_of,
            "taxpayer": {
                "name": "Jamie Ortiz",
                "tin": "444-55-6666",
                "address": ["31 Mesa Dr", "Albuquerque NM 87102"],
            },
            "periods": [
                {
                    "id": "1040-2020",
                    "form": "1040",
                    "period_end": "2020-12-31",
                    "assessments": [{"id": "a1", "date": y(4, 10), "amount": "11250.00"}],
                }
            ],
            "events": [
                {
                    "id": "n1",
                    "type": "levy_notice",
                    "date": d(170),
                    "letter": "LT11",
                    "periods": ["1040-2020"],
                },
                {"id": "r1", "type": "hearing_request", "received": d(150), "periods": ["1040-2020"]},
                {"id": "d1", "type": "determination", "date": d(8), "request": "r1"},
            ],
        },
    }


DEMO_TITLES = {
    "cdp-withdrawal": "CDP hearing withdrawn (waiting for Letter 4383)",
    "eh-withdrawal": "Equivalent hearing withdrawn (waiting for Letter 4383)",
    "partial-withdrawal": "One of two periods withdrawn (partial)",
    "pending-hearing": "Lien hearing pending in Appeals",
    "determination": "Notice of Determination issued; Tax Court deadline ahead",
}


#: The names earlier demos gave, with the role in English; the page header now says the
#: role itself, in the page's language (web/templates/base.html).
OLD_NAMES = {"appeals": "Alex Morgan (Appeals)", "rep": "Pat Kim, EA (representative)"}


def _rename(desk: Desk, username: str, old: str, new: str) -> None:
    """An earlier demo's user keeps its password and sessions, and gets the new name."""
    with desk._tx() as s:
        s.execute(
            update(User).where(User.username == username, User.display_name == old).values(display_name=new)
        )


def load_demo(desk: Desk, accounts: Accounts | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """Load the demo cases and users that are missing; returns what exists after the load:
    ``{"cases": {key: case_id}, "created_cases": [...], "created_users": [...]}``."""
    accounts = accounts or Accounts(desk)
    when = today or dt.date.today()
    with desk._sessions() as s:
        known = {row.source: row.id for row in s.scalars(select(Case).where(Case.source.like("demo:%")))}
    ids: dict[str, int] = {}
    created_cases: list[str] = []
    for key, doc in demo_cases(when).items():
        source = f"demo:{key}"
        if source in known:
            ids[key] = known[source]
            continue
        ids[key] = desk.import_case(orjson.dumps(doc), by="demo", source=source)
        created_cases.append(key)
    created_users: list[str] = []
    for u in DEMO_USERS:
        if accounts.user(u.username) is None:
            accounts.create_user(u.username, u.name, u.role, u.password)
            created_users.append(u.username)
        elif u.username in OLD_NAMES:
            _rename(desk, u.username, OLD_NAMES[u.username], u.name)
        for key in u.cases:
            accounts.link(u.username, ids[key])
    return {"cases": ids, "created_cases": created_cases, "created_users": created_users}
