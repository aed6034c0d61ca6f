"""Every page at office scale (issue 11, session 6), on SQLite and PostgreSQL: whatever
drives the query (a search word's UNION of index branches, a narrowing read first, the
rows of a deep page chosen before they are joined), each page holds the same cases, in the
same order and with the same total, as a plain reference query over a small desk; and
migration 0013 goes down and up."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import case, func, inspect, select

from cdpdesk.bulk.synth import synth_cases
from cdpdesk.desk import db, listing, paging
from cdpdesk.desk.deadlines import coming_deadlines_for, deadlines_page
from cdpdesk.desk.facts import fold
from cdpdesk.desk.listing import SORTS, QueryError, list_cases
from cdpdesk.desk.models import CaseFacts, DeadlineFact, HearingFact, NameTerm
from cdpdesk.desk.workflow import Desk
from tests.desk import migrating

N = 60
TODAY = dt.date(2024, 1, 1)


@pytest.fixture
def desk(db_url: str) -> Iterator[Desk]:
    with Desk.open(db_url) as d:
        for case in synth_cases(N):
            d.import_case(orjson.dumps(case), allow_duplicate=True)
        yield d


def _matches(d: Desk, f: dict[str, Any], today: dt.date = TODAY) -> set[int]:
    """The cases that pass the filters (as of ``today``), worked out in Python from every
    fact row."""
    with d._sessions() as s:
        rows = list(s.scalars(select(CaseFacts)))
        hearings = list(s.scalars(select(HearingFact)))
        dates = list(s.scalars(select(DeadlineFact)))
        terms = list(s.scalars(select(NameTerm)))
    keep = {r.case_id for r in rows}
    if "stage" in f:
        keep &= {r.case_id for r in rows if r.stage == f["stage"]}
    if "hearing_status" in f:
        keep &= {h.case_id for h in hearings if h.status == f["hearing_status"]}
    if "csed_before" in f:
        keep &= {r.case_id for r in rows if r.csed is not None and r.csed < f["csed_before"]}
    if "deadline_within" in f:
        last = today + dt.timedelta(days=f["deadline_within"])
        keep &= {x.case_id for x in dates if today <= x.date <= last}
    for word in fold(f.get("q", "")):
        hit = {t.case_id for t in terms if t.term.startswith(word)}
        if word.isdigit():
            hit |= {int(word)} if len(word) < 10 else set()
            if len(word) == 4:
                hit |= {r.case_id for r in rows if r.tin_last4 == word}
        keep &= hit
    return keep


def _reference(d: Desk, ids: set[int], sort: str) -> list[int]:
    """Those cases in the page's order, by one plain ORDER BY (the database's collation
    for names): the dated first, in the column's order then by case, then the undated."""
    key = sort.lstrip("-")
    col: Any = {
        "id": CaseFacts.case_id,
        "deadline": CaseFacts.next_deadline,
        "csed": CaseFacts.csed,
        "taxpayer": CaseFacts.taxpayer_sort,
    }[key]
    desc = sort.startswith("-")
    empty = case((col.is_(None), 1), else_=0)
    by = [empty, col.desc(), CaseFacts.case_id.desc()] if desc else [empty, col, CaseFacts.case_id]
    with d._sessions() as s:
        got = list(
            s.scalars(select(CaseFacts.case_id).where(CaseFacts.case_id.in_(ids or [-1])).order_by(*by))
        )
    # the undated come by case, oldest first, in either direction
    dated = [c for c in got if c not in _undated(d, ids, key)]
    return dated + sorted(_undated(d, ids, key))


def _undated(d: Desk, ids: set[int], key: str) -> set[int]:
    if key == "id":
        return set()
    col: Any = {
        "deadline": CaseFacts.next_deadline,
        "csed": CaseFacts.csed,
        "taxpayer": CaseFacts.taxpayer_sort,
    }[key]
    with d._sessions() as s:
        return set(
            s.scalars(select(CaseFacts.case_id).where(CaseFacts.case_id.in_(ids or [-1]), col.is_(None)))
        )


def _pages(d: Desk, per_page: int, today: dt.date = TODAY, **kw: Any) -> tuple[list[int], list[Any]]:
    ids: list[int] = []
    pages = []
    for n in range(1, 100):
        got = list_cases(d, None, page=n, per_page=per_page, today=today, **kw)
        pages.append(got)
        ids += [r["id"] for r in got.items]
        if not got.has_next:
            return ids, pages
    raise AssertionError("the pages never ended")


def _a_last_four(d: Desk) -> str:
    with d._sessions() as s:
        four = s.scalar(select(CaseFacts.tin_last4).where(CaseFacts.case_id == 17))
    assert four is not None
    return four


FILTERS: list[dict[str, Any]] = [
    {"stage": "in_appeals"},
    {"hearing_status": "pending"},
    {"hearing_status": "final"},
    {"csed_before": dt.date(2030, 1, 1)},
    {"deadline_within": 3650},
    {"stage": "csed_passed", "deadline_within": 3650},  # two broad conditions, little overlap
    {"hearing_status": "withdrawn", "csed_before": dt.date(2031, 6, 30)},
    # the family of two broad filters: stage and a deadline window, stage and a CSED day,
    # a hearing status and a deadline window, sharing no case, a few, or many
    {"stage": "csed_passed", "deadline_within": 365},
    {"stage": "in_appeals", "deadline_within": 365},
    {"stage": "withdrawn", "deadline_within": 36_600},
    {"stage": "csed_passed", "csed_before": dt.date(2000, 1, 1)},
    {"stage": "in_appeals", "csed_before": dt.date(2031, 1, 1)},
    {"hearing_status": "pending", "deadline_within": 365},
    {"hearing_status": "final", "deadline_within": 3650},
    {"q": "taxpayer"},  # a word every name has
    {"q": "taxpayer 1"},
    {"q": "taxpayer 4383"},  # a word no name has
    {"q": "smith"},
    {"q": "12"},  # a case id, and names with a word starting 12
    {"q": "LAST4"},  # a TIN's last four digits (filled from the desk)
    {"q": "taxpayer 1", "stage": "in_appeals", "csed_before": dt.date(2032, 1, 1)},
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()))
def test_each_page_holds_the_reference_querys_cases_in_order(desk: Desk, filters: dict[str, Any]) -> None:
    d = desk
    if filters.get("q") == "LAST4":
        filters = {"q": _a_last_four(d)}
    want_ids = _matches(d, filters)
    if len(filters) == 1 and filters.get("q") not in ("taxpayer 4383", "smith"):
        assert want_ids, "the desk holds no such case: the filter would test nothing"
    for sort in SORTS:
        want = _reference(d, want_ids, sort)
        got, pages = _pages(d, 7, sort=sort, **filters)
        assert got == want, sort
        whole = list_cases(d, None, per_page=7, sort=sort, today=TODAY, count_cap=None, **filters)
        assert (whole.total, whole.total_exact) == (len(want), True), sort
        last = pages[-1]
        assert last.total_exact and last.total == len(want), sort


def _by_cursor(d: Desk, per_page: int, **kw: Any) -> list[int]:
    ids: list[int] = []
    after = None
    for _ in range(100):
        got = list_cases(d, None, per_page=per_page, today=TODAY, after=after, **kw)
        ids += [r["id"] for r in got.items]
        assert (got.next_after is not None) == got.has_next
        if not got.has_next:
            return ids
        after = got.next_after
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"stage": "in_appeals"},
        {"hearing_status": "pending"},
        {"q": "taxpayer 1"},
        {"deadline_within": 3650},
    ],
    ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "all",
)
def test_keyset_pages_walk_the_same_cases_as_numbered_pages(
    desk: Desk, filters: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk
    for sort in SORTS:
        want = _reference(d, _matches(d, filters), sort)
        assert _by_cursor(d, 4, sort=sort, **filters) == want, sort
        with monkeypatch.context() as m:
            m.setattr(paging, "DRIVE_MAX", 0)  # the ordered walk, not a driven page
            assert _by_cursor(d, 4, sort=sort, **filters) == want, sort
    # a cursor is of one list's order; page and cursor together are refused
    first = list_cases(d, None, per_page=3, sort="csed")
    assert first.next_after is not None and first.to_json()["next_after"] == first.next_after
    with pytest.raises(QueryError) as bad:
        list_cases(d, None, per_page=3, sort="-csed", after=first.next_after)
    assert bad.value.field == "query.after"
    huge = base64.urlsafe_b64encode(json.dumps(["csed", None, 10**30]).encode()).decode()
    for token in ("not-a-cursor", "W10", first.next_after[:-2], huge):
        with pytest.raises(QueryError):
            list_cases(d, None, sort="csed", after=token)
    with pytest.raises(QueryError):
        list_cases(d, None, sort="csed", page=2, after=first.next_after)


def test_a_tin_last_four_finds_its_cases_and_the_case_of_that_number(desk: Desk) -> None:
    d = desk
    four = _a_last_four(d)
    got = [r["id"] for r in list_cases(d, None, q=four, per_page=50).items]
    with d._sessions() as s:
        by_tin = set(s.scalars(select(CaseFacts.case_id).where(CaseFacts.tin_last4 == four)))
    assert 17 in by_tin and set(got) == by_tin | ({int(four)} & set(range(1, N + 1)))
    assert got == sorted(got)
    # the same word, asked twice with different digits, is not served the first one's plan
    other = [r["id"] for r in list_cases(d, None, q="0003", per_page=50).items]
    assert 3 in other and 17 not in other


def test_queue_pages_are_slices_of_the_whole_queue_with_search(desk: Desk) -> None:
    d = desk
    day = dt.date(2030, 1, 1)
    whole = d.withdrawal_page(per_page=1000, count_cap=None, today=day)["pending"]
    assert len(whole) >= 4
    keys = [(w["received"], w["case"]) for w in whole]
    assert keys == sorted(keys)
    per = 2
    pages = []
    for n in range(1, len(whole) // per + 2):
        pages += d.withdrawal_page(page=n, per_page=per, today=day)["pending"]
    assert pages == whole
    one = whole[len(whole) // 2]
    with d._sessions() as s:
        four = s.scalar(select(CaseFacts.tin_last4).where(CaseFacts.case_id == one["case"]))
    assert four is not None
    found = d.withdrawal_page(q=four, today=day, count_cap=None)
    matching = _matches(d, {"q": four})
    assert [w["case"] for w in found["pending"]] == [w["case"] for w in whole if w["case"] in matching]
    assert one in found["pending"] and found["total"] == len(found["pending"])
    named = d.withdrawal_page(q="taxpayer 1", today=day, count_cap=None)
    ones = _matches(d, {"q": "taxpayer 1"})
    assert named["pending"] == [w for w in whole if w["case"] in ones]
    d.assign(one["case"], one["event"], "clerk.b", by="lead")
    mine = d.withdrawal_page(assigned_to="clerk.b", today=day)
    assert [w["case"] for w in mine["pending"]] == [one["case"]] and mine["total"] == 1
    nobody = d.withdrawal_page(assigned_to="", per_page=per, page=2, today=day)["pending"]
    assert (
        nobody == [w for w in whole if w["case"] != one["case"] or w["event"] != one["event"]][per : 2 * per]
    )


def test_deadline_pages_are_slices_of_every_deadline_of_those_kinds(desk: Desk) -> None:
    d = desk
    day = dt.date(2020, 1, 1)
    every = coming_deadlines_for(d, None, as_of=day)
    kinds = {r.deadline.kind for r in every}
    assert "csed" in kinds and len(kinds) >= 2
    for chosen in [None, {"csed"}, kinds - {"csed"}]:
        want = [r for r in every if chosen is None or r.deadline.kind in chosen]
        got = []
        for n in range(1, len(want) // 9 + 2):
            page = deadlines_page(d, None, kinds=chosen, as_of=day, page=n, per_page=9, count_cap=None)
            assert page.total == len(want)
            got += page.items
        assert got == want, chosen


def test_migration_0013_goes_down_and_up(db_url: str) -> None:
    with Desk.open(db_url) as d:
        assert db.current_revision(d.engine) == db.head_revision()

        def names() -> set[str]:
            with d.engine.connect() as conn:
                return {str(i["name"]) for i in inspect(conn).get_indexes("case_deadlines")}

        assert "ix_case_deadlines_kind" in names()
        with migrating.down_below(d.engine, "0013") as below:
            assert below == "0012"
            assert db.current_revision(d.engine) == below
            assert "ix_case_deadlines_kind" not in names()
            assert "ix_case_deadlines_coming" in names()  # 0011's are kept
        assert db.current_revision(d.engine) == db.head_revision()
        assert "ix_case_deadlines_kind" in names()


#: two broad filters, a stage and a deadline window (issue 11, session 7): the stage's cases
#: whose earliest deadline row is on or before the window's end drive the page when few are
#: (the filters, whether they share a case on some day): a case past its CSEDs has no
#: deadline rows, so csed_passed shares none with any window
FAMILY: list[tuple[dict[str, Any], bool]] = [
    ({"stage": "csed_passed", "deadline_within": 365}, False),
    ({"stage": "csed_passed", "deadline_within": 36_600}, False),
    ({"stage": "in_appeals", "deadline_within": 3650}, True),
    ({"stage": "withdrawn", "deadline_within": 36_600}, True),
    ({"stage": "collection", "deadline_within": 30}, True),
]


@pytest.mark.parametrize(
    ("filters", "shares"),
    FAMILY,
    ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) if isinstance(f, dict) else str(f),
)
def test_a_stage_and_a_deadline_window_driven_by_the_earliest_date_range_hold_the_reference(
    desk: Desk, filters: dict[str, Any], shares: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On any day, before or after the day the facts are as of (the stored deadline rows are
    those coming on that day): the range is a condition every match meets, never the filter."""
    d = desk
    monkeypatch.setattr(paging, "DRIVE_MAX", 0)  # no narrowing drives: as with 100,000 cases
    ranged: list[bool] = []
    real = listing._stage_window

    def spy(*args: Any) -> Any:
        got = real(*args)
        ranged.append(got is not None)
        return got

    monkeypatch.setattr(listing, "_stage_window", spy)
    with d._sessions() as s:
        as_of = s.scalar(select(func.min(CaseFacts.as_of)))
    assert as_of is not None
    days = [TODAY, as_of, as_of + dt.timedelta(days=400), dt.date(2040, 1, 1)]
    some = drove = False
    most = listing.RANGE_MAX
    for day in days:
        want_ids = _matches(d, filters, day)
        some = some or bool(want_ids)
        for sort in SORTS:
            want = _reference(d, want_ids, sort)
            for cap in (most, 0):  # the range drives when it has a few cases, or none
                monkeypatch.setattr(listing, "RANGE_MAX", cap)
                ranged.clear()
                got, pages = _pages(d, 7, day, sort=sort, **filters)
                assert got == want, (day, sort, cap)
                assert pages[-1].total_exact and pages[-1].total == len(want), (day, sort, cap)
                if cap:  # asked (no empty window drove instead), the range drove every page
                    assert all(ranged), (day, sort)
                    drove = drove or bool(ranged)
    assert drove, "the range never drove: the test would check the walk alone"
    assert some == shares


def _earliest_dates_hold(d: Desk) -> None:
    """Every case's ``earliest_date`` is the earliest of its deadline rows (None: none)."""
    with d._sessions() as s:
        stored = {cid: day for cid, day in s.execute(select(CaseFacts.case_id, CaseFacts.earliest_date))}
        earliest = select(DeadlineFact.case_id, func.min(DeadlineFact.date)).group_by(DeadlineFact.case_id)
        rows = {cid: day for cid, day in s.execute(earliest)}
    assert stored == {cid: rows.get(cid) for cid in stored}
    assert any(v is not None for v in stored.values()) and any(v is None for v in stored.values())


def test_the_earliest_date_follows_the_deadline_rows_through_a_refresh(desk: Desk, tmp_path: Any) -> None:
    from cdpdesk.bulk.runner import run_bulk
    from cdpdesk.desk.refresh import refresh

    d = desk
    _earliest_dates_hold(d)
    for day in (dt.date(2028, 3, 1), dt.date(2033, 9, 1)):
        stats = refresh(
            d,
            day,
            lambda src, out, when, errors: run_bulk(
                src, out, default_as_of=when, workers=1, errors_path=errors
            ),
        )
        assert stats.written > 0 and stats.errors == 0
        _earliest_dates_hold(d)


def test_migration_0016_goes_down_and_up_and_fills_the_earliest_date(db_url: str) -> None:
    with Desk.open(db_url) as d:
        for case in synth_cases(12):
            d.import_case(orjson.dumps(case), allow_duplicate=True)
        _earliest_dates_hold(d)

        def facts_columns() -> tuple[set[str], set[str]]:
            with d.engine.connect() as conn:
                found = inspect(conn)
                return (
                    {str(c["name"]) for c in found.get_columns("case_facts")},
                    {str(i["name"]) for i in found.get_indexes("case_facts")},
                )

        with migrating.down_below(d.engine, "0016") as below:
            assert below == "0015"
            columns, indexes = facts_columns()
            assert "earliest_date" not in columns and "ix_case_facts_stage_earliest" not in indexes
            assert "ix_case_facts_stage_csed" in indexes  # 0011's are kept
        assert db.current_revision(d.engine) == db.head_revision()
        columns, indexes = facts_columns()
        assert "earliest_date" in columns and "ix_case_facts_stage_earliest" in indexes
        _earliest_dates_hold(d)  # filled from the rows there
