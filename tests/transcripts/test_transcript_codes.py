"""The code table: every mapped code cites a public source and becomes the fact it says."""

from __future__ import annotations

import pytest

from cdpdesk.contract import load_case_dict
from cdpdesk.transcripts import CODES, import_texts, lookup

HEADER = """Account Transcript
Response Date: 11-28-2026
FORM NUMBER: 1040
TAX PERIOD: Dec. 31, 2019
TAXPAYER IDENTIFICATION NUMBER: XXX-XX-1234
TRANSACTIONS
CODE EXPLANATION OF TRANSACTION CYCLE DATE AMOUNT
150 Tax return filed 20204605 11-16-2020 $1,000.00
"""


def one(*lines: str):
    # With the full TIN given, the review list holds only what the lines need.
    return import_texts([("t.txt", HEADER + "\n".join(lines) + "\n")], name="Test Payer", tin="123-45-1234")


@pytest.mark.parametrize("key", sorted(CODES))
def test_every_code_cites_a_public_source(key: str) -> None:
    code = CODES[key]
    assert code.sources, key
    assert any(s.startswith(("IRS Document 6209", "IRM ")) for s in code.sources), code.sources
    assert code.meaning and code.date_used


# (line, the event type and its date field and value, or None for no event)
EVENT_LINES = [
    (
        "971 Intent to levy collection due process notice 03-01-2024 $0.00",
        ("levy_notice", "date", "2024-03-01"),
    ),
    ("971 Pending installment agreement 07-01-2024 $0.00", ("ia_requested", "date", "2024-07-01")),
    ("971 Installment agreement established 08-15-2024 $0.00", ("ia_accepted", "date", "2024-08-15")),
    ("480 Offer in compromise pending 10-01-2024 $0.00", ("oic_pending", "date", "2024-10-01")),
    ("520 Bankruptcy or other legal action filed 02-03-2025 $0.00", ("bankruptcy", "filed", "2025-02-03")),
    (
        "520 Collection due process hearing request received 03-25-2024 $0.00",
        ("hearing_request", "received", "2024-03-25"),
    ),
]


@pytest.mark.parametrize(("line", "want"), EVENT_LINES)
def test_each_event_code_becomes_its_event(line: str, want: tuple[str, str, str]) -> None:
    got = one(line)
    (event,) = got.case["events"]
    assert (event["type"], want[1], event[want[1]]) == want
    assert event["periods"] == ["1040-2019"]
    load_case_dict(got.case)


def test_action_code_printed_on_the_line_wins_over_the_words() -> None:
    assert lookup("971", "063", "Notice issued").key == "971/063"
    assert lookup("971", None, "Notice issued") is None  # TC 971 AC 014 etc.: not mapped
    assert lookup("520", None, "Legal suit pending") is None  # other litigation: no fact


@pytest.mark.parametrize(
    ("line", "date", "amount"),
    [
        ("290 Additional tax assessed 20243305 08-26-2024 $640.00", "2024-08-26", "640.00"),
        ("300 Additional tax assessed by examination 20232805 07-17-2023 $2,300.50", "2023-07-17", "2300.50"),
    ],
)
def test_assessment_codes_become_assessments(line: str, date: str, amount: str) -> None:
    got = one(line)
    (period,) = got.case["periods"]
    assert period["assessments"] == [
        {"id": "a1", "date": "2020-11-16", "amount": "1000.00"},
        {"id": "a2", "date": date, "amount": amount},
    ]


def test_a_zero_assessment_is_listed_not_imported() -> None:
    got = one("290 Additional tax assessed 20243305 08-26-2024 $0.00")
    assert len(got.case["periods"][0]["assessments"]) == 1
    (item,) = got.review
    assert (item.kind, item.line, item.code) == ("not_imported", 9, "290")


def test_lien_filing_is_a_review_note_not_an_event() -> None:
    got = one("582 Lien placed on assets due to balance owed 05-06-2024 $0.00")
    assert got.case["events"] == []
    (item,) = got.review
    assert item.kind == "check" and "Letter 3172" in item.reason and item.line == 9


def test_offer_withdrawn_ends_the_pending_offer() -> None:
    got = one(
        "480 Offer in compromise pending 10-01-2024 $0.00",
        "482 Offer in compromise withdrawn 12-02-2024 $0.00",
    )
    assert [(e["type"], e["date"]) for e in got.case["events"]] == [
        ("oic_pending", "2024-10-01"),
        ("oic_withdrawn", "2024-12-02"),
    ]
    assert got.review == []


def test_offer_rejected_or_returned_asks_which() -> None:
    got = one(
        "480 Offer in compromise pending 10-01-2024 $0.00",
        "481 Offer in compromise rejected returned or terminated 12-02-2024 $0.00",
    )
    assert [e["type"] for e in got.case["events"]] == ["oic_pending"]
    (item,) = got.review
    assert item.code == "481" and item.kind == "check" and item.line == 10


def test_bankruptcy_stay_end_comes_from_tc_521() -> None:
    got = one(
        "520 Bankruptcy or other legal action filed 02-03-2025 $0.00",
        "521 Removed bankruptcy or other legal action 09-30-2025 $0.00",
    )
    (event,) = got.case["events"]
    assert (event["filed"], event["stay_ended"]) == ("2025-02-03", "2025-09-30")


# One explanation per table entry, as an account transcript prints it: adding a code to
# the table needs a line here, so every mapped code is read by a test.
SAMPLES = {
    "150": ("150", "Tax return filed"),
    "290": ("290", "Additional tax assessed"),
    "300": ("300", "Additional tax assessed by examination"),
    "971/069": ("971", "Intent to levy collection due process notice"),
    "972/069": ("972", "Reversal of intent to levy collection due process notice"),
    "971/043": ("971", "Pending installment agreement"),
    "972/043": ("972", "Reversed pending installment agreement"),
    "971/063": ("971", "Installment agreement established"),
    "972/063": ("972", "Removed installment agreement"),
    "480": ("480", "Offer in compromise pending"),
    "780": ("780", "Offer in compromise accepted"),
    "500": ("500", "Military deferment"),
    "481": ("481", "Offer in compromise rejected returned or terminated"),
    "482": ("482", "Offer in compromise withdrawn"),
    "520": ("520", "Bankruptcy or other legal action filed"),
    "520/CDP": ("520", "Collection due process hearing request received"),
    "521": ("521", "Removed bankruptcy or other legal action"),
    "582": ("582", "Lien placed on assets due to balance owed"),
    "583": ("583", "Reversed lien placed on assets"),
}


def test_every_table_entry_has_a_sample() -> None:
    assert set(SAMPLES) == set(CODES)


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_each_sample_explanation_finds_its_code(key: str) -> None:
    tc, explanation = SAMPLES[key]
    found = lookup(tc, None, explanation)
    assert found is not None and found.key == key


def test_removed_agreement_keeps_the_agreement_and_asks_why() -> None:
    got = one(
        "971 Installment agreement established 08-15-2024 $0.00",
        "972 Removed installment agreement 03-03-2025 $0.00",
    )
    assert [(e["type"], e["date"]) for e in got.case["events"]] == [("ia_accepted", "2024-08-15")]
    (item,) = got.review
    assert (item.code, item.kind, item.line) == ("972/063", "check", 10)
    assert "ia_terminated" in item.reason


def test_lien_release_pairs_with_its_filing() -> None:
    got = one(
        "582 Lien placed on assets due to balance owed 05-06-2024 $0.00",
        "583 Reversed lien placed on assets 01-15-2025 $0.00",
    )
    assert got.case["events"] == []
    assert [(r.code, r.kind) for r in got.review] == [("582", "check")]


def test_lien_release_without_a_filing_is_unpaired() -> None:
    got = one("583 Reversed lien placed on assets 01-15-2025 $0.00")
    assert [(r.code, r.kind, r.line) for r in got.review] == [("583", "unpaired", 9)]


def test_offer_accepted_ends_the_pending_offer_with_a_check() -> None:
    got = one(
        "480 Offer in compromise pending 10-01-2024 $0.00",
        "780 Offer in compromise accepted 03-12-2025 $0.00",
    )
    assert [(e["type"], e["date"]) for e in got.case["events"]] == [
        ("oic_pending", "2024-10-01"),
        ("oic_accepted", "2025-03-12"),
    ]
    (item,) = got.review
    assert (item.code, item.kind, item.line) == ("780", "check", 10)
    load_case_dict(got.case)


def test_offer_accepted_without_its_pending_offer_is_unpaired() -> None:
    got = one("780 Offer in compromise accepted 03-12-2025 $0.00")
    assert got.case["events"] == []
    assert [(r.code, r.kind, r.line) for r in got.review] == [("780", "check", 9), ("780", "unpaired", 9)]


def test_combat_zone_indicator_is_a_review_note_not_an_event() -> None:
    got = one("500 Military deferment 04-02-2025 $0.00")
    assert got.case["events"] == []
    (item,) = got.review
    assert (item.code, item.kind) == ("500", "check") and "combat_zone" in item.reason
