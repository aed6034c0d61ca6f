"""Direct unit tests of the rule functions, each value worked by hand from law.md (not only
through analyze()). The last test checks that every function in the rule registry is
exercised by name in the engine's tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cdpdesk.contract.case import HearingRequest
from cdpdesk.engine import authority as A
from cdpdesk.engine import csed as C
from cdpdesk.engine import hearings as H
from cdpdesk.engine import notices as N
from cdpdesk.engine import suspensions as S
from cdpdesk.engine.calendar import add_years, calendar_for, one_year_period_last_day
from cdpdesk.engine.hearing_requests import no_notice_classification
from cdpdesk.engine.notice_windows import NoticeInfo, mark_repeated_notices
from cdpdesk.engine.rules import rule_index

DC = calendar_for(None)
D = date


# --- law.md 2: one-year periods and adding years -------------------------------------------


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (D(2024, 2, 29), D(2025, 2, 28)),  # anniversary of Feb 29 is Mar 1
        (D(2024, 3, 1), D(2025, 2, 28)),
        (D(2023, 3, 1), D(2024, 2, 29)),  # a year of days ending on a leap day
        (D(2024, 3, 2), D(2025, 3, 1)),
        (D(2021, 1, 1), D(2021, 12, 31)),
    ],
)
def test_one_year_period_last_day(first: date, last: date) -> None:
    assert one_year_period_last_day(first) == last


def test_is_business_day_and_the_roll() -> None:
    assert not DC.is_business_day(D(2004, 11, 11))  # Veterans Day
    assert not DC.is_business_day(D(2004, 11, 13))  # Saturday
    assert DC.is_business_day(D(2004, 11, 12))
    assert DC.business_days_after(D(2004, 11, 4), 5)[-1] == D(2004, 11, 12)
    assert DC.roll(D(2004, 12, 12)) == D(2004, 12, 13)


def test_add_years_leap_day_policy() -> None:
    assert add_years(D(2020, 2, 29), 10) == D(2030, 2, 28)
    assert add_years(D(2020, 2, 29), 10, "mar1") == D(2030, 3, 1)
    assert add_years(D(2020, 3, 1), 10, "mar1") == D(2030, 3, 1)


# --- law.md 3.1: levy notice windows -------------------------------------------------------


def test_levy_window_start_mailed_before_after_and_none() -> None:
    start, _, exc = N.levy_window_start(D(2024, 5, 10), D(2024, 5, 8))
    assert (start, exc) == (D(2024, 5, 10), ("mailed-before-notice-date",))
    start, _, exc = N.levy_window_start(D(2024, 5, 10), D(2024, 5, 14))
    assert (start, exc) == (D(2024, 5, 14), ("mailed-after-notice-date",))
    assert N.levy_window_start(D(2024, 5, 10), None)[0] == D(2024, 5, 10)


def test_levy_cdp_window_rolls_sunday_to_monday() -> None:
    w = N.levy_cdp_window(DC, D(2024, 5, 10), D(2024, 5, 8))  # mailed earlier: printed date governs
    assert (w.opens, w.last_day, w.deadline.value) == (D(2024, 5, 11), D(2024, 6, 9), D(2024, 6, 10))
    assert w.deadline.why.rule is A.LEVY_CDP_WINDOW
    assert "mailed-before-notice-date" in w.deadline.why.exceptions


def test_levy_eh_window_from_february_28_ignores_leap_day_policy() -> None:
    w = N.levy_eh_window(DC, D(2024, 2, 28), None)
    assert (w.opens, w.last_day, w.deadline.value) == (D(2024, 2, 29), D(2025, 2, 28), D(2025, 2, 28))
    # Saturday 2025-05-10 rolls to Monday 2025-05-12.
    assert N.levy_eh_window(DC, D(2024, 5, 10), None).deadline.value == D(2025, 5, 12)


def test_earliest_pre_levy_day_runs_from_a_later_mailing() -> None:
    assert N.earliest_pre_levy_day(D(2024, 3, 1), None).value == D(2024, 3, 31)
    assert N.earliest_pre_levy_day(D(2024, 3, 1), D(2024, 3, 5)).value == D(2024, 4, 4)
    assert N.earliest_pre_levy_day(D(2024, 3, 1), D(2024, 2, 27)).value == D(2024, 3, 31)


# --- law.md 3.2: lien notice windows (the Newsome example) ----------------------------------


def test_lien_fifth_business_day_skips_veterans_day() -> None:
    fifth = N.lien_fifth_business_day(DC, D(2004, 11, 4))  # Thursday
    assert fifth.value == D(2004, 11, 12)  # Nov 5, 8, 9, 10, 12
    assert "Veterans Day" in fifth.why.says


def test_lien_cdp_and_eh_windows() -> None:
    cdp = N.lien_cdp_window(DC, D(2004, 11, 12))
    assert (cdp.last_day, cdp.deadline.value) == (D(2004, 12, 12), D(2004, 12, 13))  # Sunday rolled
    eh = N.lien_eh_window(DC, D(2024, 2, 28))
    assert (eh.opens, eh.deadline.value) == (D(2024, 2, 29), D(2025, 2, 28))


def test_lien_notice_is_late_and_pre_rra() -> None:
    assert N.lien_notice_is_late(D(2016, 3, 14), D(2016, 3, 8))
    assert not N.lien_notice_is_late(D(2016, 3, 8), D(2016, 3, 8))
    assert N.predates_cdp(D(1999, 1, 18)) and not N.predates_cdp(D(1999, 1, 19))


# --- law.md 3.3: classification ------------------------------------------------------------


def _dl(day: date) -> A.Dated:
    return A.Dated(day, A.Why(A.LEVY_CDP_WINDOW, "test"))


def _classify(**kw: object) -> H.Classification:
    args: dict[str, object] = {
        "request_id": "r1",
        "received": D(2024, 3, 25),
        "postmark": None,
        "frivolous": False,
        "equitable_tolling": False,
        "statute": "IRC 6330",
        "trigger": D(2024, 3, 1),
        "cdp_deadline": _dl(D(2024, 4, 1)),
        "eh_deadline": _dl(D(2025, 3, 3)),
        "fifth_business_day": None,
        "repeat_of": None,
    }
    args.update(kw)
    return H.classify_hearing(**args)  # type: ignore[arg-type]


def test_timely_by_receipt_then_postmark() -> None:
    assert H.timely_by(D(2024, 4, 1), D(2024, 4, 1), None) == (True, D(2024, 4, 1), False)
    assert H.timely_by(D(2024, 4, 1), D(2024, 4, 3), D(2024, 4, 1)) == (True, D(2024, 4, 1), True)
    assert H.timely_by(D(2024, 4, 1), D(2024, 4, 3), D(2024, 4, 2)) == (False, D(2024, 4, 3), False)


def test_is_premature_only_before_the_trigger() -> None:
    assert H.is_premature(D(2024, 2, 29), D(2024, 3, 1))
    assert not H.is_premature(D(2024, 3, 1), D(2024, 3, 1))  # on the notice's own date: timely


def test_classify_hearing_in_law_md_order() -> None:
    assert _classify().type == "cdp"
    assert _classify(received=D(2024, 4, 2)).type == "equivalent"
    assert _classify(received=D(2025, 3, 4)).type == "none"
    assert _classify(received=D(2024, 2, 28)).type == "premature"
    friv = _classify(frivolous=True)
    assert friv.type == "none" and [w.code for w in friv.warnings] == ["frivolous"]
    tolled = _classify(received=D(2024, 6, 1), equitable_tolling=True)
    assert tolled.type == "cdp" and [w.code for w in tolled.warnings] == ["equitable_tolling"]
    repeat = _classify(cdp_deadline=None, repeat_of="n0")
    assert repeat.type == "equivalent" and [w.code for w in repeat.warnings] == ["repeat_notice"]
    late_but_mailed = _classify(received=D(2024, 4, 4), postmark=D(2024, 4, 1))
    assert (late_but_mailed.type, late_but_mailed.filed) == ("cdp", D(2024, 4, 1))


def test_lien_request_inside_five_business_days_is_deemed_made_on_day_one() -> None:
    got = _classify(
        statute="IRC 6320",
        received=D(2004, 11, 8),
        trigger=D(2004, 11, 4),
        fifth_business_day=D(2004, 11, 12),
    )
    assert (got.type, got.filed) == ("cdp", D(2004, 11, 13))


def test_no_notice_classification_is_premature_with_a_warning() -> None:
    req = HearingRequest(id="r1", type="hearing_request", received=D(2022, 4, 20), periods=["p1"])
    log = H.WarningLog()
    got = no_notice_classification(req, "p1", log)
    assert got.type == "premature" and [w.code for w in log.items] == ["no_notice_for_request"]


def test_mark_repeated_notices_except_new_liability() -> None:
    from cdpdesk.contract.case import LevyNotice

    def info(nid: str, day: date, new: bool = False) -> NoticeInfo:
        ev = LevyNotice(id=nid, type="levy_notice", date=day, periods=["p1"], new_liability=new)
        w = N.levy_cdp_window(DC, day, None)
        return NoticeInfo(ev, 0, "IRC 6330", day, w, w, None, None)

    first, second, third = (
        info("n1", D(2020, 1, 6)),
        info("n2", D(2021, 1, 6)),
        info("n3", D(2022, 1, 6), True),
    )
    mark_repeated_notices([first, second, third])
    assert (first.repeat_of, second.repeat_of, third.repeat_of) == ({}, {"p1": "n1"}, {})


# --- law.md 4.5: determinations and finality -------------------------------------------------


def test_petition_deadline_rolls_past_mlk_day() -> None:
    pd = H.petition_deadline(DC, D(2022, 12, 15))
    assert pd.value == D(2023, 1, 17)  # Saturday 01-14, Monday 01-16 MLK Day


def test_final_without_petition_only_says_final_once_reached() -> None:
    pd = H.petition_deadline(DC, D(2022, 12, 15))
    done = H.final_without_petition(pd, True)
    pending = H.final_without_petition(pd, False)
    assert done.value == pending.value == D(2023, 1, 18)
    assert "became final" in done.why.says and "became final" not in pending.why.says
    assert "If no petition is filed by 2023-01-17" in pending.why.says


def test_final_after_decision_and_final_reached() -> None:
    # Entered 2020-06-15: day 90 is Sunday 2020-09-13, rolled to Monday 09-14; final 09-15.
    fin = H.final_after_decision(DC, D(2020, 6, 15), True)
    assert fin.value == D(2020, 9, 15) and "became final" in fin.why.says
    assert not H.final_reached(DC, D(2020, 6, 15), D(2020, 9, 14))
    assert H.final_reached(DC, D(2020, 6, 15), D(2020, 9, 15))
    assert "if no notice of appeal" in H.final_after_decision(DC, D(2020, 6, 15), False).why.says
    assert H.final_as_recorded(D(2021, 5, 3)).value == D(2021, 5, 3)


def test_eh_decision_final_and_a_petition_against_it() -> None:
    assert H.eh_decision_final(D(2023, 10, 2)).value == D(2023, 10, 2)
    w = H.petition_from_eh_decision("p1", D(2023, 10, 20), "d1", D(2023, 10, 2))
    assert (w.code, w.event) == ("petition_from_eh_decision", "p1")
    assert H.untimely_petition("p1", D(2018, 10, 15), D(2018, 10, 10)).code == "untimely_petition"
    assert "Letter 3193" in H.determination_issued(D(2023, 1, 2), "d1", True).says


# --- law.md 5: withdrawals -----------------------------------------------------------------


def test_withdrawal_covers_periods_and_parts() -> None:
    assert H.withdrawal_covers(None, None, "p1", "n1")
    assert H.withdrawal_covers(["p1"], None, "p1", None)
    assert not H.withdrawal_covers(["p2"], None, "p1", "n1")
    assert H.withdrawal_covers(None, ["n1"], "p1", "n1")
    assert not H.withdrawal_covers(None, ["n1"], "p1", None)  # a hearing with no notice
    assert H.withdrawal_ends_hearing(D(2024, 6, 10), "CDP").date == D(2024, 6, 10)


def test_withdrawal_acknowledged_dates_the_letter_not_the_ending() -> None:
    w = H.withdrawal_acknowledged(D(2024, 6, 10), D(2024, 6, 14))
    assert (w.field, w.date, w.rule.id) == ("acknowledged", D(2024, 6, 14), "withdrawal-acknowledged")
    assert "2024-06-14" in w.says and "received, 2024-06-10" in w.says


def test_levy_allowed_rules() -> None:
    pre = N.earliest_pre_levy_day(D(2024, 3, 1), None)
    assert H.levy_allowed_after_cdp(pre.value, D(2024, 6, 10), "withdrawn").value == D(2024, 6, 10)
    assert H.levy_allowed_after_cdp(pre.value, D(2024, 3, 20), "withdrawn").value == D(2024, 3, 31)
    assert H.levy_allowed_equivalent(pre).value == D(2024, 3, 31)
    assert H.levy_allowed_post_levy("jeopardy", D(2024, 3, 1)).value == D(2024, 3, 1)


# --- law.md 4.1-4.4: suspensions, floors and the walk --------------------------------------


def test_cdp_hearing_suspension_open_and_ended() -> None:
    open_ = S.cdp_hearing_suspension("r1", D(2024, 3, 25), None, "", D(2024, 5, 1))
    assert (open_.until, open_.open, open_.floor) == (D(2024, 5, 1), True, None)
    ended = S.cdp_hearing_suspension("r1", D(2024, 3, 25), D(2024, 6, 10), "withdrawn", D(2024, 7, 1), True)
    assert (ended.days, ended.open) == (77, False)
    assert ended.floor is not None and ended.floor.date == D(2024, 9, 8)


def test_cdp_90_day_floor_policy_beside_the_rule() -> None:
    floor = S.cdp_90_day_floor(D(2024, 6, 10), by_withdrawal=True)
    assert floor is not None and floor.date == D(2024, 9, 8)
    assert S.cdp_90_day_floor(D(2024, 6, 10), True, floor_after_withdrawal=False) is None
    determined = S.cdp_90_day_floor(D(2024, 6, 10), False, floor_after_withdrawal=False)
    assert determined is not None and determined.date == D(2024, 9, 8)  # the policy is about withdrawals


def test_alternative_until_settled_or_not() -> None:
    # Rejected 2026-11-10: day 30 is 2026-12-10. Seen 2026-11-28 with no appeal: fixed, unsettled.
    assert S.alternative_until(D(2026, 11, 10), None, None, D(2026, 11, 28))[::2] == (D(2026, 12, 10), False)
    assert (
        S.alternative_until(D(2026, 11, 10), None, None, D(2026, 12, 10))[2] is False
    )  # appeal still possible
    assert S.alternative_until(D(2026, 11, 10), None, None, D(2026, 12, 11))[::2] == (D(2026, 12, 10), True)
    appealed = S.alternative_until(D(2026, 1, 5), D(2026, 1, 20), D(2026, 5, 1), D(2026, 6, 1))
    assert appealed[::2] == (D(2026, 5, 1), True)
    late_appeal = S.alternative_until(D(2026, 1, 5), D(2026, 2, 5), D(2026, 5, 1), D(2026, 6, 1))
    assert late_appeal[::2] == (D(2026, 2, 4), True)  # filed after day 30: does not count


def test_alternative_suspensions_open_flags() -> None:
    pending = S.ia_pending_suspension("i1", D(2026, 6, 1), None, "", D(2026, 11, 28))
    assert (pending.until, pending.open) == (D(2026, 11, 28), True)
    rejected = S.ia_pending_suspension(
        "i1", D(2026, 6, 1), D(2026, 12, 10), "rejected", D(2026, 11, 28), False
    )
    assert (rejected.until, rejected.open, rejected.days) == (D(2026, 12, 10), True, 192)
    term = S.ia_terminated_suspension("i3", D(2025, 1, 2), D(2025, 2, 1), "30 days")
    assert (term.days, term.open) == (30, False)
    oic = S.oic_pending_suspension("o1", D(2016, 5, 23), D(2017, 8, 8), "rejected", D(2018, 1, 1))
    assert (oic.until, oic.open) == (D(2017, 8, 8), False)


def test_fixed_ends_run_past_as_of() -> None:
    bk = S.bankruptcy_suspension("b1", D(2025, 9, 2), D(2026, 7, 5), D(2026, 11, 28))
    assert (bk.until, bk.open, bk.days) == (D(2027, 1, 5), False, 490)
    still = S.bankruptcy_suspension("b1", D(2025, 9, 2), None, D(2026, 11, 28))
    assert (still.until, still.open) == (D(2026, 11, 28), True)
    spouse = S.innocent_spouse_suspension("s1", D(2025, 3, 3), D(2026, 10, 15), D(2026, 11, 1))
    assert (spouse.until, spouse.open) == (D(2026, 12, 14), False)
    tas = S.tas_suspension("t1", D(2026, 1, 5), None, D(2026, 2, 1))
    assert (tas.until, tas.open) == (D(2026, 2, 1), True)


def test_outside_us_six_months_and_return_floor() -> None:
    assert S.outside_us_suspension("o1", D(2020, 1, 15), D(2020, 7, 14), D(2021, 1, 1)) is None
    s = S.outside_us_suspension("o1", D(2020, 1, 15), D(2020, 7, 15), D(2021, 1, 1))
    assert s is not None and s.floor is not None and s.floor.date == D(2021, 1, 15)
    assert S.outside_us_suspension("o1", D(2020, 1, 15), None, D(2020, 7, 14)) is None
    abroad = S.outside_us_suspension("o1", D(2020, 1, 15), None, D(2020, 7, 15))
    assert abroad is not None and abroad.open


def test_base_csed_and_merge() -> None:
    assert C.base_csed(D(2020, 2, 29), "feb28").value == D(2030, 2, 28)
    assert C.base_csed(D(2020, 2, 29), "mar1").value == D(2030, 3, 1)
    a = S.tas_suspension("t1", D(2021, 1, 1), D(2021, 2, 1), D(2022, 1, 1))
    b = S.tas_suspension("t2", D(2021, 2, 1), D(2021, 3, 1), D(2022, 1, 1))  # touching: one run
    c = S.tas_suspension("t3", D(2021, 6, 1), D(2021, 6, 11), D(2022, 1, 1))
    runs = C.merge_suspensions([c, b, a])
    assert [(r.start, r.until, len(r.members)) for r in runs] == [
        (D(2021, 1, 1), D(2021, 3, 1), 2),
        (D(2021, 6, 1), D(2021, 6, 11), 1),
    ]


def test_walk_csed_lower_bound_only_when_the_walk_reaches_an_open_suspension() -> None:
    base = C.base_csed(D(2010, 3, 15), "feb28")  # 2020-03-15
    late_open = S.bankruptcy_suspension("b1", D(2021, 5, 3), None, D(2022, 1, 10))
    res = C.walk_csed(base, D(2010, 3, 15), C.merge_suspensions([late_open]))
    assert (res.csed.value, res.csed.complete) == (D(2020, 3, 15), True)
    early_open = S.bankruptcy_suspension("b1", D(2019, 3, 15), None, D(2019, 4, 14))
    res = C.walk_csed(base, D(2010, 3, 15), C.merge_suspensions([early_open]))
    assert (res.csed.value, res.csed.complete) == (D(2020, 4, 14), False)
    # Begun on as_of: no day yet, but the CSED is a lower bound.
    today = S.cdp_hearing_suspension("r1", D(2019, 4, 14), None, "", D(2019, 4, 14))
    res = C.walk_csed(base, D(2010, 3, 15), C.merge_suspensions([today]))
    assert (res.csed.value, res.csed.complete) == (D(2020, 3, 15), False)


def test_walk_csed_clips_and_applies_a_binding_floor() -> None:
    base = C.base_csed(D(2019, 6, 17), "feb28")  # 2029-06-17
    s = S.cdp_hearing_suspension("r1", D(2019, 6, 1), D(2019, 6, 27), "withdrawn", D(2020, 1, 1), True)
    res = C.walk_csed(base, D(2019, 6, 17), C.merge_suspensions([s]))
    assert res.csed.value == D(2029, 6, 27)  # clipped to the assessment: 10 days, not 26
    assert [(f.date, raised) for f, raised in res.floors] == [(D(2019, 9, 25), False)]
    near = C.base_csed(D(2014, 7, 1), "feb28")  # 2024-07-01
    s = S.cdp_hearing_suspension("r1", D(2024, 5, 1), D(2024, 6, 1), "withdrawn", D(2024, 7, 1), True)
    res = C.walk_csed(near, D(2014, 7, 1), C.merge_suspensions([s]))
    assert res.csed.value == D(2024, 8, 30)  # 31 days give 2024-08-01; the floor 06-01 + 90 binds
    assert res.floors[0][1] is True
    assert "lower bound" in C.csed_reached(D(2024, 8, 30), D(2024, 7, 1), True).says


# --- the registry ----------------------------------------------------------------------------


def test_every_registered_rule_function_is_tested_by_name() -> None:
    here = Path(__file__).parent
    text = "\n".join(p.read_text() for p in here.glob("test_*.py"))
    missing = sorted(
        name for entry in rule_index() for name in entry.functions if name.rsplit(".", 1)[-1] not in text
    )
    assert not missing, f"rule functions without a direct test: {missing}"
