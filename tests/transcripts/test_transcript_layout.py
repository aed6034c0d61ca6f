"""The account transcript as the IRS delivers it: page headers and footers repeated inside
the table, a masked TIN, both tax-period spellings, credits with a minus or parentheses, an
empty cycle column, explanations (and columns) wrapped onto the next line, two periods in
one file, form feeds from ``pdftotext``. The transcripts are made up (no taxpayer's data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdpdesk.contract import load_case_dict
from cdpdesk.engine import analyze
from cdpdesk.transcripts import TaxpayerError, TranscriptError, import_texts, parse_transcripts

DATA = Path(__file__).parent / "data"
PAGED = DATA / "rivera-1040-2020-2021-paged.txt"


def line_of(text: str, start: str, nth: int = 1) -> int:
    """The 1-based line number (as an editor counts: a form feed is not a line break) of the
    nth line starting with ``start``."""
    hits = [n for n, ln in enumerate(text.split("\n"), start=1) if ln.lstrip("\f").startswith(start)]
    return hits[nth - 1]


def test_page_headers_inside_the_table_are_skipped_and_the_table_goes_on() -> None:
    text = PAGED.read_text()
    (y2020, y2021) = parse_transcripts(text, "p.txt")
    assert (y2020.form, y2020.period_end.isoformat(), y2020.tin) == ("1040", "2020-12-31", "XXX-XX-4321")
    assert y2021.period_end.isoformat() == "2021-12-31"  # written 12-31-2021
    # every transaction line of page 1 and page 2 is the 2020 transcript's
    codes = [ln.tc for ln in y2020.lines]
    assert codes == [
        "150",
        "806",
        "766",
        "276",
        "196",
        "971",
        "971",
        "520",
        "521",
        "971",
        "480",
        "780",
        "972",
        "500",
        "582",
    ]
    assert [ln.tc for ln in y2021.lines] == ["150", "670", "971", "520", "521"]
    assert y2020.response_date is not None and y2020.response_date.isoformat() == "2026-11-30"


def test_amounts_with_dollar_commas_minus_and_parentheses() -> None:
    (y2020, y2021) = parse_transcripts(PAGED.read_text(), "p.txt")
    amounts = {ln.tc: ln.amount for ln in y2020.lines[:5]}
    assert amounts == {
        "150": "10512.00",
        "806": "-2300.00",
        "766": "-1400.00",
        "276": "120.36",
        "196": "38.92",
    }
    assert y2021.lines[1].amount == "-1000.00"


def test_cycle_column_may_be_empty() -> None:
    (y2020, _) = parse_transcripts(PAGED.read_text(), "p.txt")
    assert [(ln.tc, ln.cycle) for ln in y2020.lines[:3]] == [
        ("150", "20212205"),
        ("806", None),
        ("766", None),
    ]


def test_wrapped_explanation_and_wrapped_columns_keep_their_first_line() -> None:
    text = PAGED.read_text()
    (y2020, _) = parse_transcripts(text, "p.txt")
    notice = [ln for ln in y2020.lines if ln.tc == "971"][1]
    assert notice.explanation.split() == [
        "Intent",
        "to",
        "levy",
        "collection",
        "due",
        "process",
        "notice",
        "Last",
        "notice",
    ]
    reversal = next(ln for ln in y2020.lines if ln.tc == "972")
    assert reversal.number == line_of(text, "972")
    assert reversal.date.isoformat() == "2023-10-02"
    assert "withdrawn by taxpayer" in " ".join(reversal.explanation.split())


def test_the_paged_file_imports_and_analyses() -> None:
    text = PAGED.read_text()
    got = import_texts([("p.txt", text)], name="Dana Rivera", tin="987-65-4321")
    case = got.case
    assert case["taxpayer"] == {"name": "Dana Rivera", "tin": "987-65-4321"}
    assert [(p["id"], [a["amount"] for a in p["assessments"]]) for p in case["periods"]] == [
        ("1040-2020", ["10512.00"]),
        ("1040-2021", ["4105.00"]),
    ]
    types = [(e["type"], e["periods"]) for e in case["events"]]
    assert types == [
        ("levy_notice", ["1040-2020", "1040-2021"]),
        ("hearing_request", ["1040-2020", "1040-2021"]),
        ("ia_requested", ["1040-2020"]),
        ("oic_pending", ["1040-2020"]),
        ("oic_accepted", ["1040-2020"]),
    ]
    # every line is a fact or on the review list, with the line it came from
    unmapped = sorted((r.line, r.text.split()[0]) for r in got.review if r.kind == "unmapped")
    assert unmapped == sorted(
        [
            (line_of(text, "806"), "806"),
            (line_of(text, "766"), "766"),
            (line_of(text, "276"), "276"),
            (line_of(text, "196"), "196"),
            (line_of(text, "971   Notice issued"), "971"),
            (line_of(text, "670"), "670"),
        ]
    )
    checks = {(r.code, r.line) for r in got.review if r.kind == "check"}
    assert ("972/043", line_of(text, "972")) in checks
    assert ("500", line_of(text, "500")) in checks
    assert ("780", line_of(text, "780")) in checks
    assert got.lines == 20
    loaded = load_case_dict(case)
    result = analyze(loaded, loaded.as_of)
    assert {a["period"] for a in result["assessments"]} == {"1040-2020", "1040-2021"}


def test_masked_tin_only_means_no_taxpayer_tin_and_a_review_item() -> None:
    text = PAGED.read_text()
    got = import_texts([("p.txt", text)])
    assert "taxpayer" not in got.case and not got.has_tin
    (item,) = [r for r in got.review if r.reason.startswith("taxpayer.tin")]
    assert item.line == line_of(text, "TAXPAYER IDENTIFICATION NUMBER") and "XXX-XX-4321" in item.reason


@pytest.mark.parametrize(
    ("name", "tin", "field", "why"),
    [
        (
            "Dana Rivera",
            "987-65-1111",
            "tin",
            "the TIN given ends in 1111, but the transcripts are for XXX-XX-4321",
        ),
        ("Dana Rivera", "98765432", "tin", "not a TIN"),
        (None, "987-65-4321", "name", "the taxpayer's name is needed"),
    ],
)
def test_a_tin_that_does_not_fit_is_refused_by_field(
    name: str | None, tin: str, field: str, why: str
) -> None:
    with pytest.raises(TaxpayerError) as exc:
        import_texts([("p.txt", PAGED.read_text())], name=name, tin=tin)
    assert exc.value.field == field and why in str(exc.value)
    assert tin not in str(exc.value)


def test_a_page_break_in_the_header_repeats_the_header_lines() -> None:
    text = "\n".join(
        [
            "This Product Contains Sensitive Taxpayer Data",
            "Request Date: 11-30-2026",
            "Response Date: 11-30-2026",
            "FORM NUMBER: 941",
            "TAX PERIOD: Jun. 30, 2023",
            "TAXPAYER IDENTIFICATION NUMBER: XX-XXX5432",
            "Page 1 of 2",
            "\fThis Product Contains Sensitive Taxpayer Data",
            "Request Date: 11-30-2026",
            "Response Date: 11-30-2026",
            "FORM NUMBER: 941",
            "TAX PERIOD: Jun. 30, 2023",
            "ACCOUNT BALANCE: 0.00",
            "TRANSACTIONS",
            "150 Tax return filed 20233405 08-28-2023 $5,000.00",
        ]
    )
    (t,) = parse_transcripts(text, "b.txt")
    assert (t.form, t.period_end.isoformat(), t.tin, len(t.lines)) == ("941", "2023-06-30", "XX-XXX5432", 1)


def test_a_second_transcript_needs_its_own_table() -> None:
    text = "\n".join(
        [
            "FORM NUMBER: 1040",
            "TAX PERIOD: Dec. 31, 2019",
            "TRANSACTIONS",
            "150 Tax return filed 20204605 11-16-2020 $10.00",
            "FORM NUMBER: 1040",
            "TAX PERIOD: Dec. 31, 2020",
            "150 Tax return filed 20214605 11-15-2021 $20.00",
        ]
    )
    with pytest.raises(
        TranscriptError, match=r"x.txt, line 5: the next transcript's header has no TRANSACTIONS line"
    ):
        parse_transcripts(text, "x.txt")


def test_a_file_cut_after_the_next_header_is_named() -> None:
    text = "FORM NUMBER: 1040\nTAX PERIOD: Dec. 31, 2019\nTRANSACTIONS\n150 Tax return filed 11-16-2020 $1.00\nFORM NUMBER: 1040\nTAX PERIOD: Dec. 31, 2020\n"
    with pytest.raises(
        TranscriptError, match=r"c.txt, line 6: the file ends before the next transcript's TRANSACTIONS"
    ):
        parse_transcripts(text, "c.txt")


def test_a_file_cut_inside_a_line_is_named() -> None:
    text = PAGED.read_text()
    cut = text[: text.index("480   Offer in compromise pending") + len("480   Offer in comp")]
    with pytest.raises(TranscriptError) as exc:
        parse_transcripts(cut, "cut.txt")
    assert str(exc.value).startswith(f"cut.txt, line {line_of(text, '480')}: a transaction line without")


@pytest.mark.parametrize(
    "bad",
    [
        "971   lnstallment agreement establ1shed                            08-15-2O24         $O.OO",
        "97l   Installment agreement established                            08-15-2024         $0.00",
        "      Installment agreement established                            08-l5-2024         $0.00",
    ],
)
def test_a_garbled_line_is_an_error_naming_it_never_explanation_text(bad: str) -> None:
    text = PAGED.read_text()
    at = line_of(text, "480")
    lines = text.split("\n")
    lines.insert(at, bad)  # after the 480 line
    with pytest.raises(TranscriptError) as exc:
        parse_transcripts("\n".join(lines), "g.txt")
    assert str(exc.value).startswith(f"g.txt, line {at + 1}: ")


def test_pdftotext_side_by_side_banner_and_page_number_are_one_noise_line() -> None:
    text = "\n".join(
        [
            "FORM NUMBER: 1040",
            "TAX PERIOD: 12/31/2022",
            "TRANSACTIONS",
            "150 Tax return filed 20234605 11-13-2023 $100.00",
            "This Product Contains Sensitive Taxpayer Data          Page 1 of 2",
            "Account Transcript          Page 2",
            "290 Additional tax assessed 20243305 08-26/2024 $5.00".replace("08-26/2024", "08/26/2024"),
        ]
    )
    (t,) = parse_transcripts(text, "n.txt")
    assert [(ln.tc, ln.date.isoformat()) for ln in t.lines] == [("150", "2023-11-13"), ("290", "2024-08-26")]
    assert t.period_end.isoformat() == "2022-12-31"


def test_a_period_named_by_its_month_and_a_table_with_no_transactions() -> None:
    text = "\n".join(
        [
            "FORM NUMBER: 1040",
            "TAX PERIOD REQUESTED: December, 2022",
            "TAXPAYER IDENTIFICATION NUMBER: XXX-XX-4321",
            "TRANSACTIONS",
            "CODE EXPLANATION OF TRANSACTION CYCLE DATE AMOUNT",
            "No tax return filed",
        ]
    )
    got = import_texts([("none.txt", text)], name="Dana Rivera", tin="987-65-4321")
    assert got.case["periods"] == [
        {"id": "1040-2022", "form": "1040", "period_end": "2022-12-31", "assessments": []}
    ]
    (item,) = got.review
    assert (item.line, item.kind, item.text) == (6, "check", "No tax return filed")
    (t,) = parse_transcripts(text.replace("December, 2022", "Feb., 2024"), "feb.txt")
    assert t.period_end.isoformat() == "2024-02-29"


def test_more_spellings_the_layout_allows() -> None:
    text = "\r\n".join(
        [
            "\ufeffThis Product Contains Sensitive Taxpayer Data",
            "FORM NUMBER: 1040",
            "TAX PERIOD: 202112",
            "SSN: XXX-XX-4321",
            "Transactions:",
            "460   Extension of time to file                                 04-18-2022         $0.00",
            "      ext. Date 10-17-2022",
            "150   Tax return filed                           20224205   10-31-2022       $2,000.00",
            "Page: 1 of 2",
            "971   Removed pending installment agreement                      11-01-2022         $0.00",
        ]
    )
    (t,) = parse_transcripts(text, "v.txt")
    assert (t.period_end.isoformat(), t.tin) == ("2021-12-31", "XXX-XX-4321")
    assert [(ln.tc, ln.number) for ln in t.lines] == [("460", 6), ("150", 8), ("971", 10)]
    assert "ext. Date 10-17-2022" in t.lines[0].explanation
    from cdpdesk.transcripts import lookup

    assert lookup("972", None, "Removed pending installment agreement").key == "972/043"
    assert lookup("972", None, "Removed installment agreement").key == "972/063"


def test_a_value_on_the_line_below_its_label_as_a_column_layout_prints_it() -> None:
    text = "\n".join(
        [
            "Response Date:",
            "11-30-2026",
            "FORM NUMBER:",
            "1040",
            "TAX PERIOD:",
            "Dec. 31, 2020",
            "TAXPAYER IDENTIFICATION NUMBER:",
            "XXX-XX-4321",
            "SPOUSE TAXPAYER IDENTIFICATION NUMBER:",
            "RIVE",
            "TRANSACTIONS",
            "150 Tax return filed 20212205 06-07-2021 $1.00",
        ]
    )
    (t,) = parse_transcripts(text, "col.txt")
    assert (t.form, t.period_end.isoformat(), t.tin, str(t.response_date)) == (
        "1040",
        "2020-12-31",
        "XXX-XX-4321",
        "2026-11-30",
    )
    with pytest.raises(TranscriptError, match=r"e.txt, line 3: the transcript's header has no TAX PERIOD"):
        parse_transcripts("FORM NUMBER: 1040\nTAX PERIOD:\nTRANSACTIONS\n", "e.txt")
