"""Pages at office scale (issue 11, the read path), on SQLite and PostgreSQL: the capped
total and its "more than", the pages still navigable past the cap, the same rows and order
whichever condition drives the query, the name-word search by indexed prefix, the
deadlines read in keyset batches, and migration 0011 up and down."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import inspect

from cdpdesk.bulk.synth import synth_cases
from cdpdesk.desk import db, paging
from cdpdesk.desk.deadlines import coming_deadlines_for, deadlines_page, iter_deadlines
from cdpdesk.desk.listing import SORTS, list_cases
from cdpdesk.desk.workflow import Desk
from tests.desk import migrating

#: 40 synthetic cases: "Taxpayer 0" ... "Taxpayer 39", TINs 9NN-00-00NN
N = 40
INDEXES_0011 = {
    "case_facts": {
        "ix_case_facts_stage_deadline",
        "ix_case_facts_stage_csed",
        "ix_case_facts_stage_taxpayer",
    },
    "case_deadlines": {"ix_case_deadlines_case_date", "ix_case_deadlines_coming"},
    "case_hearing_facts": {"ix_case_hearing_facts_case_status"},
}


@pytest.fixture
def desk(db_url: str) -> Iterator[tuple[Desk, dict[str, int]]]:
    """A desk of N synthetic cases, and each taxpayer's case id by name."""
    with Desk.open(db_url) as d:
        ids = {}
        for case in synth_cases(N):
            ids[case["taxpayer"]["name"]] = d.import_case(orjson.dumps(case), allow_duplicate=True)
        yield d, ids


def _ids(page: Any) -> list[int]:
    return [row["id"] for row in page.items]


def _walk(desk: Desk, n: int, **kw: Any) -> list[int]:
    out: list[int] = []
    for page in range(1, 40):
        got = list_cases(desk, None, page=page, per_page=n, **kw)
        out += _ids(got)
        if not got.has_next:
            return out
    raise AssertionError("the pages never ended")


def test_a_capped_total_says_more_than_and_the_pages_still_lead_on(desk: tuple[Desk, dict[str, int]]) -> None:
    d, ids = desk
    every = sorted(ids.values())
    exact = list_cases(d, None, per_page=5)
    assert (exact.total, exact.total_exact, exact.pages, exact.has_next) == (N, True, 8, True)
    capped = list_cases(d, None, per_page=5, count_cap=12)
    assert (capped.total, capped.total_exact, capped.pages, capped.has_next) == (12, False, 3, True)
    assert _ids(capped) == every[:5]
    assert capped.to_json()["total_exact"] is False and capped.to_json()["has_next"] is True
    # past the cap a page counts to its own end: still "more than", still a next page ...
    deep = list_cases(d, None, page=4, per_page=5, count_cap=12)
    assert (deep.total, deep.total_exact, deep.has_next) == (20, False, True)
    assert _ids(deep) == every[15:20]
    # ... until the last page, whose count is exact again
    last = list_cases(d, None, page=8, per_page=5, count_cap=12)
    assert (last.total, last.total_exact, last.has_next, _ids(last)) == (N, True, False, every[35:])
    beyond = list_cases(d, None, page=9, per_page=5, count_cap=12)
    assert (beyond.items, beyond.has_next) == ([], False)
    # a narrow filter is counted exactly under the cap ("7": a name word, or case 7)
    seven = list_cases(d, None, q="taxpayer 7", count_cap=12)
    assert (seven.total, seven.total_exact, _ids(seven)) == (2, True, sorted({7, ids["Taxpayer 7"]}))


def test_name_words_by_their_start_each_word_must_match(desk: tuple[Desk, dict[str, int]]) -> None:
    d, ids = desk
    # "1": a name word starting with 1, or case 1 (Taxpayer 0: every name has "taxpayer")
    ones = sorted({1} | {ids[f"Taxpayer {n}"] for n in (1, *range(10, 20))})
    assert len(ones) == 12
    assert _ids(list_cases(d, None, q="taxpayer 1", per_page=50)) == ones
    assert _ids(list_cases(d, None, q="TAXP 1", per_page=50)) == ones
    assert _ids(list_cases(d, None, q="1 taxpayer", per_page=50)) == ones  # any order of words
    assert _ids(list_cases(d, None, q="taxpayer 3 nobody")) == []
    assert list_cases(d, None, q="taxpayer", count_cap=10).total_exact is False
    # a case id, and the last four digits of a TIN (Taxpayer 23: 923-00-0023)
    assert ids["Taxpayer 5"] == 6  # "6": case 6 by its id, and Taxpayer 6 by a name word
    assert _ids(list_cases(d, None, q="6")) == [6, ids["Taxpayer 6"]]
    assert _ids(list_cases(d, None, q="0023")) == [23, ids["Taxpayer 23"]]  # case 23, or the TIN's ..0023
    assert _ids(list_cases(d, None, q="taxpayer 0023")) == [23, ids["Taxpayer 23"]]
    assert _ids(list_cases(d, None, q="taxpayer 22 0023")) == [ids["Taxpayer 22"]] == [23]


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"q": "taxpayer 1"},
        {"q": "taxpayer"},
        {"hearing_status": "pending"},
        {"hearing_status": "withdrawn", "q": "taxpayer"},
        {"deadline_within": 3650, "today": dt.date(2024, 1, 1)},
    ],
)
def test_the_same_rows_in_the_same_order_whichever_condition_drives(
    desk: tuple[Desk, dict[str, int]], filters: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    d, _ = desk
    for sort in SORTS:
        driven = _walk(d, 3, sort=sort, **filters)
        with monkeypatch.context() as m:
            m.setattr(paging, "DRIVE_MAX", 0)  # nothing drives: every condition checked per row
            walked = _walk(d, 3, sort=sort, **filters)
            first = list_cases(d, None, sort=sort, per_page=3, **filters)
            everything = list_cases(d, None, sort=sort, per_page=3, count_cap=None, **filters)
        assert driven == walked, sort
        assert everything.total == len(walked) and everything.total_exact
        if len(walked) > 3 and filters:  # a full first page, broad narrowings: not counted
            assert (first.total, first.total_exact, first.has_next) == (3, False, True)
        exact = list_cases(d, None, sort=sort, per_page=N, count_cap=None, **filters)
        assert driven == _ids(exact) and exact.total == len(driven), sort
    assert filters.get("q") != "taxpayer 1" or len(driven) == 12


@pytest.mark.parametrize("sort", ["taxpayer", "-taxpayer", "id", "csed"])
def test_a_driven_page_past_the_cap_counts_to_its_own_end(
    desk: tuple[Desk, dict[str, int]], sort: str
) -> None:
    """A narrow search (12 cases: "taxpayer 1") drives; counted up to 5, each page has the
    rows of the whole list at its place, "more than" until the count's limit takes in
    every match (the ids up to the limit are the count and the page in one read)."""
    d, _ = desk
    whole = list_cases(d, None, q="taxpayer 1", sort=sort, per_page=N, count_cap=None)
    every = _ids(whole)
    assert len(every) == 12 and whole.total_exact
    seen = []
    for page, (total, exact, more) in enumerate(
        [(5, False, True), (6, False, True), (9, False, True), (12, True, False)], start=1
    ):
        got = list_cases(d, None, q="taxpayer 1", sort=sort, page=page, per_page=3, count_cap=5)
        assert (got.total, got.total_exact, got.has_next) == (total, exact, more), (sort, page)
        assert _ids(got) == every[(page - 1) * 3 : page * 3], (sort, page)
        seen += _ids(got)
    assert seen == every


def test_a_driven_queue_search_past_the_cap(desk: tuple[Desk, dict[str, int]]) -> None:
    """The queue searched by a narrow word (it drives): a page of one, counted up to 2,
    is the whole list's row at its place, and says "more than" until its last page."""
    d, _ = desk
    day = dt.date(2030, 1, 1)
    whole = d.withdrawal_page(q="taxpayer 1", count_cap=None, today=day)
    n = whole["total"]
    assert n >= 3 and whole["total_exact"]
    rows = []
    for page in range(1, n + 1):
        got = d.withdrawal_page(q="taxpayer 1", page=page, per_page=1, count_cap=2, today=day)
        counted = max(2, page)  # the cap, or the rows up to this page's end
        assert (got["total"], got["total_exact"]) == ((counted, False) if counted < n else (n, True))
        assert got["has_next"] is (page < n)
        rows += got["pending"]
    assert rows == whole["pending"]


def test_sorted_by_date_soonest_first_then_the_undated(desk: tuple[Desk, dict[str, int]]) -> None:
    d, _ = desk
    rows = list_cases(d, None, sort="csed", per_page=N).items
    dated = [r["csed"]["date"] for r in rows if r["csed"]]
    assert dated == sorted(dated) and len(dated) >= N - 2
    latest = list_cases(d, None, sort="-csed", per_page=N).items
    assert [r["csed"]["date"] for r in latest if r["csed"]] == sorted(dated, reverse=True)
    by_stage = list_cases(d, None, stage="csed_passed", sort="csed", per_page=N)
    assert by_stage.items and all(r["stage"]["id"] == "csed_passed" for r in by_stage.items)
    stage_dates = [r["csed"]["date"] for r in by_stage.items]
    assert stage_dates == sorted(stage_dates)


def test_queue_totals_are_capped_and_issue_all_counts_exactly(desk: tuple[Desk, dict[str, int]]) -> None:
    d, _ = desk
    whole = d.withdrawal_page(count_cap=None, today=dt.date(2030, 1, 1))
    n = whole["total"]
    assert n >= 3 and whole["total_exact"] and not whole["has_next"]
    capped = d.withdrawal_page(per_page=1, count_cap=2, today=dt.date(2030, 1, 1))
    assert (capped["total"], capped["total_exact"], capped["has_next"]) == (2, False, True)
    assert capped["pending"] == whole["pending"][:1]
    last = d.withdrawal_page(page=n, per_page=1, count_cap=2, today=dt.date(2030, 1, 1))
    assert (last["total"], last["total_exact"], last["has_next"]) == (n, True, False)
    assert last["pending"] == whole["pending"][-1:]


def test_deadlines_in_keyset_batches_are_every_row_once(desk: tuple[Desk, dict[str, int]]) -> None:
    d, _ = desk
    day = dt.date(2020, 1, 1)
    every = coming_deadlines_for(d, None, as_of=day)
    assert len(every) > N  # more rows than cases: some cases have several dates
    assert list(iter_deadlines(d, None, as_of=day, batch=7)) == every
    assert list(iter_deadlines(d, None, as_of=day, batch=7, limit=10)) == every[:10]
    keys = [(r.deadline.date, r.case, r.position) for r in every]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    page = deadlines_page(d, None, as_of=day, per_page=10, count_cap=25)
    assert (page.total, page.total_exact, page.has_next, page.items) == (25, False, True, every[:10])


def test_migration_0011_goes_down_and_up(db_url: str) -> None:
    with Desk.open(db_url) as d:
        assert db.current_revision(d.engine) == db.head_revision()

        def names() -> dict[str, set[str]]:
            with d.engine.connect() as conn:
                insp = inspect(conn)
                return {t: {str(i["name"]) for i in insp.get_indexes(t)} for t in INDEXES_0011}

        assert all(want <= names()[t] for t, want in INDEXES_0011.items())
        with migrating.down_below(d.engine, "0011") as below:
            assert below == "0010"
            assert db.current_revision(d.engine) == below
            assert all(not (want & names()[t]) for t, want in INDEXES_0011.items())
        assert db.current_revision(d.engine) == db.head_revision()
        assert all(want <= names()[t] for t, want in INDEXES_0011.items())
