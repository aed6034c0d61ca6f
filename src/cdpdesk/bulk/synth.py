"""Fixed-seed synthetic case files that look like a real CDP caseload, for benchmarks and demos.

The mix: most modules have a levy notice, some a lien notice or both; most taxpayers ask for
a hearing, on time or late; hearings end by withdrawal or determination or are still open;
some cases carry installment agreements, offers, bankruptcies, TAS applications or time abroad.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

FORMS = (
    ("1040", 12, 31),
    ("1040", 12, 31),
    ("1040", 12, 31),
    ("941", 3, 31),
    ("941", 6, 30),
    ("941", 9, 30),
    ("941", 12, 31),
    ("940", 12, 31),
)
LEVY_LETTERS = ("LT11", "LT11", "1058", "CP90")


def _d(day: date) -> str:
    return day.isoformat()


def synth_case(rng: random.Random, n: int) -> dict[str, Any]:
    """One realistic case; ``n`` makes its ids and name unique."""
    first_year = rng.randint(2008, 2021)
    periods: list[dict[str, Any]] = []
    for k in range(rng.choice((1, 1, 1, 2, 2, 3))):
        form, month, day = rng.choice(FORMS)
        year = first_year + k
        end = date(year, month, day)
        assessed = end + timedelta(days=rng.randint(100, 500))
        assessments = [
            {
                "id": "a1",
                "date": _d(assessed),
                "amount": f"{rng.randint(500, 90000)}.{rng.randint(0, 99):02d}",
            }
        ]
        if rng.random() < 0.2:
            later = assessed + timedelta(days=rng.randint(200, 900))
            assessments.append({"id": "a2", "date": _d(later), "amount": f"{rng.randint(100, 9000)}.00"})
        periods.append(
            {"id": f"{form}-{year}-{k}", "form": form, "period_end": _d(end), "assessments": assessments}
        )
    pids = [p["id"] for p in periods]
    last_assessed = max(date.fromisoformat(a["date"]) for p in periods for a in p["assessments"])
    t = last_assessed + timedelta(days=rng.randint(120, 900))
    events: list[dict[str, Any]] = []
    kind = rng.choices(("levy", "lien", "both"), weights=(6, 2, 2))[0]
    notice_ids = []
    if kind in ("levy", "both"):
        events.append(
            {
                "id": "n1",
                "type": "levy_notice",
                "date": _d(t),
                "letter": rng.choice(LEVY_LETTERS),
                "periods": pids,
            }
        )
        notice_ids.append("n1")
    if kind in ("lien", "both"):
        filed = t + timedelta(days=rng.randint(-20, 20))
        notice = filed + timedelta(days=rng.randint(1, 8))
        events.append(
            {
                "id": "n2",
                "type": "lien_notice",
                "date": _d(notice),
                "nftl_filed": _d(filed),
                "letter": "3172",
                "periods": pids,
            }
        )
        notice_ids.append("n2")
        t = max(t, notice)
    cursor = t
    if rng.random() < 0.8:
        received = t + timedelta(
            days=rng.choice((rng.randint(5, 33), rng.randint(5, 33), rng.randint(34, 380)))
        )
        req: dict[str, Any] = {
            "id": "r1",
            "type": "hearing_request",
            "received": _d(received),
            "periods": pids,
        }
        if rng.random() < 0.1:
            req["postmark"] = _d(received - timedelta(days=rng.randint(1, 6)))
        events.append(req)
        cursor = received
        ending = rng.choices(("withdrawal", "determination", "open", "partial"), weights=(4, 4, 2, 1))[0]
        if ending == "withdrawal":
            cursor = received + timedelta(days=rng.randint(10, 200))
            events.append({"id": "w1", "type": "hearing_withdrawal", "received": _d(cursor), "request": "r1"})
        elif ending == "partial" and len(pids) > 1:
            cursor = received + timedelta(days=rng.randint(10, 200))
            events.append(
                {
                    "id": "w1",
                    "type": "hearing_withdrawal",
                    "received": _d(cursor),
                    "request": "r1",
                    "periods": pids[:1],
                }
            )
        elif ending == "determination":
            cursor = received + timedelta(days=rng.randint(60, 400))
            events.append({"id": "d1", "type": "determination", "date": _d(cursor), "request": "r1"})
            if rng.random() < 0.15:
                cursor = cursor + timedelta(days=rng.randint(5, 35))
                events.append(
                    {"id": "tc1", "type": "tax_court_petition", "filed": _d(cursor), "request": "r1"}
                )
                if rng.random() < 0.6:
                    cursor = cursor + timedelta(days=rng.randint(120, 500))
                    events.append(
                        {"id": "tc2", "type": "tax_court_decision", "entered": _d(cursor), "request": "r1"}
                    )
    extra = rng.random()
    if extra < 0.15:
        start = cursor + timedelta(days=rng.randint(1, 120))
        events.append({"id": "ia1", "type": "ia_requested", "date": _d(start), "periods": pids})
        end = start + timedelta(days=rng.randint(20, 200))
        outcome = rng.choice(("ia_accepted", "ia_rejected"))
        events.append({"id": "ia2", "type": outcome, "date": _d(end), "periods": pids})
        cursor = end
    elif extra < 0.22:
        start = cursor + timedelta(days=rng.randint(1, 120))
        events.append({"id": "o1", "type": "oic_pending", "date": _d(start), "periods": pids})
        end = start + timedelta(days=rng.randint(90, 500))
        events.append(
            {
                "id": "o2",
                "type": rng.choice(("oic_rejected", "oic_returned", "oic_accepted")),
                "date": _d(end),
                "periods": pids,
            }
        )
        cursor = end
    elif extra < 0.26:
        start = cursor + timedelta(days=rng.randint(1, 300))
        ev: dict[str, Any] = {"id": "b1", "type": "bankruptcy", "filed": _d(start), "periods": pids}
        if rng.random() < 0.7:
            cursor = start + timedelta(days=rng.randint(90, 1500))
            ev["stay_ended"] = _d(cursor)
        else:
            cursor = start
        events.append(ev)
    elif extra < 0.28:
        start = cursor + timedelta(days=rng.randint(1, 300))
        cursor = start + timedelta(days=rng.randint(30, 900))
        events.append(
            {"id": "x1", "type": "outside_us", "left": _d(start), "returned": _d(cursor), "periods": pids}
        )
    elif extra < 0.30:
        start = cursor + timedelta(days=rng.randint(1, 300))
        cursor = start + timedelta(days=rng.randint(5, 90))
        events.append(
            {
                "id": "t1",
                "type": "tas_application",
                "filed": _d(start),
                "decided": _d(cursor),
                "periods": pids,
            }
        )
    as_of = cursor + timedelta(days=rng.randint(0, 700))
    return {
        "format": "cdpdesk.case/1",
        "as_of": _d(as_of),
        "taxpayer": {
            "name": f"Taxpayer {n}",
            "tin": f"9{n % 100:02d}-{(n // 100) % 100:02d}-{n % 10000:04d}",
            "address": [f"{n % 900 + 1} Main St", "Springfield IL 62701"],
        },
        "periods": periods,
        "events": events,
    }


def synth_cases(count: int, seed: int = 4383) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for n in range(count):
        yield synth_case(rng, n)
