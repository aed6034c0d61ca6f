"""Whole transcripts: several periods, reversals, unknown codes, conflicts, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdpdesk.contract import load_case_dict
from cdpdesk.engine import analyze
from cdpdesk.transcripts import TranscriptError, import_texts, parse_transcripts

DATA = Path(__file__).parent / "data"


def quinn():
    return import_texts([(p.name, p.read_text()) for p in sorted(DATA.glob("quinn-*.txt"))])


def test_several_periods_from_two_files() -> None:
    got = quinn()
    assert [(p["id"], p["period_end"], len(p["assessments"])) for p in got.case["periods"]] == [
        ("1040-2019", "2019-12-31", 2),
        ("1040-2020", "2020-12-31", 2),
        ("1040-2021", "2021-12-31", 1),
    ]
    assert got.case["as_of"] == "2026-11-28"
    assert got.tin_masked == "XXX-XX-6789"
    assert "taxpayer" not in got.case  # a masked TIN and a name control make no taxpayer


def test_one_notice_on_two_periods_is_one_event() -> None:
    events = quinn().case["events"]
    notices = [e for e in events if e["type"] == "levy_notice"]
    assert notices == [
        {"id": "e1", "type": "levy_notice", "date": "2024-03-01", "periods": ["1040-2019", "1040-2020"]}
    ]


def test_a_reversed_notice_is_not_imported_and_is_listed() -> None:
    got = quinn()
    notices = [e for e in got.case["events"] if e["type"] == "levy_notice"]
    assert "1040-2021" not in notices[0]["periods"]
    dropped = [r for r in got.review if r.kind == "not_imported" and r.code == "971/069"]
    assert [(r.source, r.line) for r in dropped] == [("quinn-1040-2020-2021.txt", 26)]


def test_every_line_is_a_fact_or_on_the_review_list() -> None:
    got = quinn()
    unmapped = {(r.line, r.text.split()[0]) for r in got.review if r.kind == "unmapped"}
    assert unmapped == {(27, "806"), (28, "971"), (15, "670")}
    assert got.lines == 25 and got.mapped == 22


def test_bankruptcy_read_two_ways_is_a_conflict() -> None:
    got = quinn()
    kinds = [(r.line, r.kind) for r in got.review if r.source.endswith("2021.txt") and r.kind == "conflict"]
    assert kinds == [(27, "conflict")]
    (item,) = [r for r in got.review if r.kind == "conflict"]
    assert item.text.startswith("520  Bankruptcy") and "quinn-1040-2020-2021.txt:13" in item.reason


def test_the_imported_case_analyses() -> None:
    case = load_case_dict(quinn().case)
    result = analyze(case, case.as_of)
    by = {(a["period"], a["assessment"]): a for a in result["assessments"]}
    assert by[("1040-2020", "a1")]["base_csed"] == "2031-10-25"
    # The bankruptcy stay (2025-02-03 to 2025-09-30) plus six months moves it on.
    assert by[("1040-2020", "a1")]["csed"] > "2031-10-25"


def test_reversal_without_its_pair_is_listed() -> None:
    text = (
        (DATA / "quinn-1040-2019.txt")
        .read_text()
        .replace("971  Pending installment agreement                            07-01-2024       $0.00\n", "")
    )
    got = import_texts([("x.txt", text)])
    unpaired = [r for r in got.review if r.kind == "unpaired"]
    assert [(r.code, r.line) for r in unpaired] == [("972/043", 34)]
    assert "ia_requested" not in [e["type"] for e in got.case["events"]]


def test_reversal_dated_before_its_pair_is_a_conflict() -> None:
    text = "\n".join(
        [
            "FORM NUMBER: 941",
            "TAX PERIOD: Mar. 31, 2022",
            "TRANSACTIONS",
            "150 Tax return filed 20221805 05-16-2022 $900.00",
            "972 Reversed pending installment agreement 01-10-2023 $0.00",
            "971 Pending installment agreement 02-01-2023 $0.00",
        ]
    )
    got = import_texts([("941.txt", text)])
    assert got.case["periods"][0]["id"] == "941-2022-03"
    (conflict,) = [r for r in got.review if r.kind == "conflict"]
    assert conflict.line == 5 and "before the TC 971/043" in conflict.reason


def test_unknown_codes_are_listed_with_their_lines() -> None:
    text = "\n".join(
        [
            "FORM NUMBER: 1040",
            "TAX PERIOD: 12-31-2018",
            "TRANSACTIONS",
            "150 Tax return filed 20194605 11-18-2019 $700.00",
            "999 Something new 01-02-2020 $0.00",
            "971 Notice issued 12-01-2019 $0.00",
        ]
    )
    got = import_texts([("u.txt", text)])
    # line 1: no TIN on the transcript, so the case has none (a check); then the two codes
    assert [(r.kind, r.line) for r in got.review] == [("check", 1), ("unmapped", 5), ("unmapped", 6)]
    assert got.case["events"] == []


GARBLED = [
    ("150 Tax return filed 20204605 11-1", 8, "garbled or truncated"),
    ("150 Tax return filed 20204605 13-45-2020 $10.00", 8, "not a real calendar date"),
    ("Tax return filed 20204605 11-16-2020 $8,412.00", 8, "not a transaction line"),
]


@pytest.mark.parametrize(("bad", "line", "why"), GARBLED)
def test_a_garbled_line_is_named(bad: str, line: int, why: str) -> None:
    text = "\n".join(
        [
            "Account Transcript",
            "FORM NUMBER: 1040",
            "TAX PERIOD: Dec. 31, 2019",
            "TAXPAYER IDENTIFICATION NUMBER: 123-45-6789",
            "",
            "TRANSACTIONS",
            "CODE EXPLANATION OF TRANSACTION CYCLE DATE AMOUNT",
            bad,
        ]
    )
    with pytest.raises(TranscriptError) as exc:
        parse_transcripts(text, "bad.txt")
    assert str(exc.value).startswith(f"bad.txt, line {line}: ")
    assert why in str(exc.value)


def test_a_file_cut_before_its_table_is_named() -> None:
    text = "Account Transcript\nFORM NUMBER: 1040\nTAX PERIOD: Dec. 31, 2019\nACCOUNT BALANCE: 9.00\n"
    with pytest.raises(
        TranscriptError, match=r"cut.txt, line 4: the file ends before the TRANSACTIONS table"
    ):
        parse_transcripts(text, "cut.txt")


def test_a_table_without_its_header_is_named() -> None:
    with pytest.raises(TranscriptError, match=r"h.txt, line 2: the transcript's header has no TAX PERIOD"):
        parse_transcripts("FORM NUMBER: 1040\nTRANSACTIONS\n", "h.txt")


def test_not_a_transcript() -> None:
    with pytest.raises(TranscriptError, match="no account transcript found"):
        parse_transcripts("hello\nworld\n", "n.txt")


def test_two_taxpayers_are_refused() -> None:
    a = "FORM NUMBER: 1040\nTAX PERIOD: Dec. 31, 2019\nTAXPAYER IDENTIFICATION NUMBER: XXX-XX-1111\nTRANSACTIONS\n"
    b = a.replace("1111", "2222").replace("2019", "2020")
    with pytest.raises(TranscriptError, match="different taxpayers"):
        import_texts([("a", a), ("b", b)])


def test_the_same_period_twice_is_refused() -> None:
    a = "FORM NUMBER: 1040\nTAX PERIOD: Dec. 31, 2019\nTRANSACTIONS\n"
    with pytest.raises(TranscriptError, match=r"b, line 1: period 1040-2019 again"):
        import_texts([("a", a), ("b", a)])


def test_a_full_tin_goes_only_into_the_case_file_with_a_name() -> None:
    text = "FORM NUMBER: 1040\nTAX PERIOD: Dec. 31, 2019\nTAXPAYER IDENTIFICATION NUMBER: 123-45-6789\nTRANSACTIONS\n"
    got = import_texts([("f", text)], name="Avery Quinn")
    assert got.case["taxpayer"] == {"name": "Avery Quinn", "tin": "123-45-6789"}
    assert got.tin_masked == "XXX-XX-6789"
    assert all("6789" not in r.text for r in got.review)


def test_two_header_fields_on_one_line_as_pdftotext_may_print_them() -> None:
    text = "\n".join(
        [
            "Request Date: 11-20-2026          Response Date: 11-21-2026",
            "FORM NUMBER: 1040                 TAX PERIOD: Dec. 31, 2019",
            "TAXPAYER IDENTIFICATION NUMBER: XXX-XX-4321",
            "TRANSACTIONS",
            "150 Tax return filed 20204605 11-16-2020 $10.00",
        ]
    )
    got = import_texts([("two.txt", text)])
    assert got.case["as_of"] == "2026-11-21"
    assert got.case["periods"][0] | {"assessments": []} == {
        "id": "1040-2019",
        "form": "1040",
        "period_end": "2019-12-31",
        "assessments": [],
    }


def test_a_line_dated_after_the_response_date_is_a_conflict() -> None:
    text = "\n".join(
        [
            "Response Date: 01-01-2024",
            "FORM NUMBER: 1040",
            "TAX PERIOD: Dec. 31, 2019",
            "TRANSACTIONS",
            "150 Tax return filed 20204605 11-16-2020 $10.00",
            "971 Intent to levy collection due process notice 03-01-2024 $0.00",
        ]
    )
    got = import_texts([("late.txt", text)])
    assert got.case["as_of"] == "2024-03-01"
    assert [(r.kind, r.line) for r in got.review] == [("check", 2), ("conflict", 6)]


def test_a_date_out_of_range_is_named() -> None:
    text = (
        "FORM NUMBER: 1040\nTAX PERIOD: Dec. 31, 2019\nTRANSACTIONS\n150 Tax return filed 11-16-1800 $1.00\n"
    )
    with pytest.raises(TranscriptError, match=r"old.txt, line 4: 1800-11-16 is out of range"):
        parse_transcripts(text, "old.txt")
