"""Direct unit tests of issue 15's rule functions: relief from deadlines (law.md 3.4), combat
zone and open appeals (4.3), Boechler and Form 12257 (4.5), the IRS's posted CSED (4.6).
Every value is worked by hand from the authority named beside it."""

from __future__ import annotations

from datetime import date, timedelta

from cdpdesk.contract.case import Bankruptcy, CombatZone, DisasterRelief
from cdpdesk.engine import authority as A
from cdpdesk.engine import csed as C
from cdpdesk.engine import hearings as H
from cdpdesk.engine import irs_csed as I
from cdpdesk.engine import postponements as P
from cdpdesk.engine import suspensions as S
from cdpdesk.engine.calendar import calendar_for

DC = calendar_for(None)
D = date


def _relief(first: date, last: date, periods: list[str] | None = None) -> DisasterRelief:
    return DisasterRelief(
        id="dr", type="disaster_relief", first_day=first, last_day=last, relief="Storm", periods=periods
    )


# --- law.md 3.4: disaster postponement (IRC 7508A) --------------------------------------------


def test_disaster_postponed_only_inside_the_period() -> None:
    r = P.disaster_relief(_relief(D(2024, 9, 24), D(2025, 5, 1)))
    assert P.disaster_postponed(D(2024, 10, 16), r) == D(2025, 5, 1)
    assert P.disaster_postponed(D(2024, 9, 24), r) == D(2025, 5, 1)  # first day counts
    assert P.disaster_postponed(D(2025, 5, 1), r) == D(2025, 5, 1)  # so does the last
    assert P.disaster_postponed(D(2024, 9, 23), r) is None  # before: not moved
    assert P.disaster_postponed(D(2025, 5, 2), r) is None  # after: not moved
    assert r.covers("any-period") and r.periods is None


def test_disaster_relief_covers_the_periods_it_names() -> None:
    r = P.disaster_relief(_relief(D(2024, 9, 24), D(2025, 5, 1), ["1040-2022"]))
    assert r.covers("1040-2022") and not r.covers("1040-2021")


def test_relieved_deadline_rolls_a_weekend_last_day_and_keeps_the_object_when_untouched() -> None:
    window = H.petition_deadline(DC, D(2024, 9, 30))  # last day Wednesday 2024-10-30
    # Relief ending Saturday 2025-05-03: the postponed deadline rolls to Monday 2025-05-05.
    r = P.disaster_relief(_relief(D(2024, 9, 24), D(2025, 5, 3)))
    got = P.relieved_deadline(DC, D(2024, 10, 1), D(2024, 10, 30), window, "p", [r], "petition")
    assert got.value == D(2025, 5, 5)
    assert got.why.rule is A.DISASTER_POSTPONEMENT and "disaster-postponement" in got.why.exceptions
    assert "Storm" in got.why.says and "2024-10-30" in got.why.says
    late = P.disaster_relief(_relief(D(2024, 11, 1), D(2025, 5, 1)))
    assert P.relieved_deadline(DC, D(2024, 10, 1), D(2024, 10, 30), window, "p", [late], "petition") is window


def test_two_relief_periods_chain() -> None:
    window = H.petition_deadline(DC, D(2024, 9, 30))  # 2024-10-30
    a = P.disaster_relief(_relief(D(2024, 10, 1), D(2024, 11, 15)))
    b = P.disaster_relief(_relief(D(2024, 11, 10), D(2025, 1, 15)))  # 2024-11-15 is inside it
    got = P.relieved_deadline(DC, D(2024, 10, 1), D(2024, 10, 30), window, "p", [b, a], "petition")
    assert got.value == D(2025, 1, 15)


# --- law.md 3.4: days not counted (IRC 7508, IRC 6330(d)(2)) -----------------------------------


def test_window_end_skipping_counts_the_days_before_and_after_a_gap() -> None:
    # 30 days from 03-02; 10 run before a gap 03-12..2024-03-28; 20 more from 03-29.
    assert P.window_end_skipping(D(2023, 3, 2), 30, [(D(2023, 3, 12), D(2024, 3, 28))]) == D(2024, 4, 17)
    # A gap that began before the window opened: all 30 days after it.
    assert P.window_end_skipping(D(2023, 3, 2), 30, [(D(2023, 1, 1), D(2023, 3, 10))]) == D(2023, 4, 9)
    # A gap after the window: nothing changes (03-02 + 29 days).
    assert P.window_end_skipping(D(2023, 3, 2), 30, [(D(2023, 4, 1), D(2023, 5, 1))]) == D(2023, 3, 31)
    # Two gaps, in any order: 5 days (01-01..05), a gap, 5 days (01-16..20), a gap, the last
    # 20 from 01-31.
    gaps = [(D(2023, 1, 21), D(2023, 1, 30)), (D(2023, 1, 6), D(2023, 1, 15))]
    assert P.window_end_skipping(D(2023, 1, 1), 30, gaps) == D(2023, 2, 19)
    # Touching gaps are one: 5 days, then 25 from 01-26.
    gaps = [(D(2023, 1, 16), D(2023, 1, 25)), (D(2023, 1, 6), D(2023, 1, 15))]
    assert P.window_end_skipping(D(2023, 1, 1), 30, gaps) == D(2023, 2, 19)
    # Overlapping gaps: counted once.
    gaps = [(D(2023, 1, 6), D(2023, 1, 20)), (D(2023, 1, 10), D(2023, 1, 25))]
    assert P.window_end_skipping(D(2023, 1, 1), 30, gaps) == D(2023, 2, 19)


def test_combat_zone_gap_service_hospitalization_and_still_serving() -> None:
    cz = CombatZone(id="cz", type="combat_zone", entered=D(2023, 3, 12), departed=D(2023, 9, 30))
    g = P.combat_zone_gap(cz, D(2024, 5, 1))
    assert (g.first, g.last, g.complete) == (D(2023, 3, 12), D(2024, 3, 28), True)
    hosp = CombatZone(
        id="cz",
        type="combat_zone",
        entered=D(2023, 3, 12),
        departed=D(2023, 9, 30),
        hospitalized_until=D(2023, 12, 1),
    )
    assert P.combat_zone_gap(hosp, D(2024, 5, 1)).last == D(2023, 12, 1) + timedelta(days=180)
    serving = CombatZone(id="cz", type="combat_zone", entered=D(2023, 3, 12))
    g = P.combat_zone_gap(serving, D(2024, 5, 1))
    assert (g.last, g.complete) == (D(2024, 5, 1) + timedelta(days=180), False)


def test_bankruptcy_petition_gap_stay_ended_and_in_force() -> None:
    b = Bankruptcy(id="b1", type="bankruptcy", filed=D(2023, 6, 12), stay_ended=D(2023, 8, 15), periods=["p"])
    g = P.bankruptcy_petition_gap(b, D(2023, 9, 20))
    assert (g.first, g.last, g.complete) == (D(2023, 6, 12), D(2023, 9, 13), True)
    # NOD 2023-06-01: 10 days run, then the rest 2023-09-14 to 2023-10-03 (IRC 6330(d)(2)).
    window = H.petition_deadline(DC, D(2023, 6, 1))
    got = P.relieved_deadline(DC, D(2023, 6, 2), D(2023, 7, 1), window, "p", [g], "petition")
    assert got.value == D(2023, 10, 3) and got.why.rule is A.PETITION_WINDOW_BANKRUPTCY and got.complete
    assert P.relieved_deadline(DC, D(2023, 6, 2), D(2023, 7, 1), window, "other", [g], "petition") is window
    open_ = Bankruptcy(id="b1", type="bankruptcy", filed=D(2023, 6, 12), periods=["p"])
    g = P.bankruptcy_petition_gap(open_, D(2023, 7, 20))
    got = P.relieved_deadline(DC, D(2023, 6, 2), D(2023, 7, 1), window, "p", [g], "petition")
    assert got.value == D(2023, 9, 7) and not got.complete and "earliest" in got.why.says


def test_petition_during_stay_is_reported_only_inside_the_stay() -> None:
    b = Bankruptcy(id="b1", type="bankruptcy", filed=D(2023, 6, 12), stay_ended=D(2023, 8, 15), periods=["p"])
    g = P.bankruptcy_petition_gap(b, D(2023, 9, 20))
    w = P.petition_during_stay("t1", D(2023, 8, 14), "p", [g])
    assert w is not None and (w.code, w.event) == ("petition_during_bankruptcy_stay", "t1")
    assert "Prevo" in w.message
    assert P.petition_during_stay("t1", D(2023, 8, 15), "p", [g]) is None  # the stay had ended
    assert P.petition_during_stay("t1", D(2023, 6, 11), "p", [g]) is None  # before the stay
    assert P.petition_during_stay("t1", D(2023, 7, 1), "other", [g]) is None  # another period


def test_reliefs_in_reads_the_buckets() -> None:
    b = Bankruptcy(id="b1", type="bankruptcy", filed=D(2023, 6, 12), periods=["p"])
    buckets = {"bankruptcy": [(0, b)], "disaster_relief": [(1, _relief(D(2023, 1, 1), D(2023, 2, 1)))]}
    assert [r.kind for r in P.reliefs_in(buckets, D(2023, 7, 1), petition=False)] == ["disaster"]
    assert [r.kind for r in P.reliefs_in(buckets, D(2023, 7, 1), petition=True)] == ["disaster", "bankruptcy"]


# --- law.md 4.3: combat zone and open appeals ----------------------------------------------


def test_combat_zone_suspension_fixed_and_open() -> None:
    s = S.combat_zone_suspension("cz", D(2023, 3, 12), D(2023, 9, 30), None, D(2024, 5, 1))
    assert (s.start, s.until, s.open, s.days) == (D(2023, 3, 12), D(2024, 3, 29), False, 383)
    s = S.combat_zone_suspension("cz", D(2023, 3, 12), D(2023, 9, 30), D(2023, 10, 31), D(2024, 5, 1))
    assert s.until == D(2023, 10, 31) + timedelta(days=181)
    s = S.combat_zone_suspension("cz", D(2023, 3, 12), None, None, D(2024, 5, 1))
    assert (s.until, s.open) == (D(2024, 5, 1), True)


def test_alternative_until_with_an_appeal_still_open() -> None:
    # Rejected 2023-05-01 (30 days to 2023-05-31), appealed 2023-05-20, not closed.
    until, how, settled = S.alternative_until(D(2023, 5, 1), D(2023, 5, 20), None, D(2023, 9, 1))
    assert (until, settled) == (D(2023, 9, 1), False) and "still open" in how
    until, _, settled = S.alternative_until(D(2024, 8, 1), D(2024, 8, 15), None, D(2024, 8, 20))
    assert (until, settled) == (D(2024, 8, 31), False)  # never short of the 30 days
    # An open appeal filed after the 30 days does not count: rejection + 30 and settled.
    until, _, settled = S.alternative_until(D(2023, 5, 1), D(2023, 6, 5), None, D(2023, 9, 1))
    assert (until, settled) == (D(2023, 5, 31), True)


# --- law.md 4.5: Boechler and Form 12257 ---------------------------------------------------


def test_petition_tolled_and_its_warning() -> None:
    w = H.petition_tolled(D(2021, 10, 5), D(2021, 10, 1))
    assert w.rule is A.PETITION_EQUITABLE_TOLLING and "equitable-tolling" in w.exceptions
    assert "Boechler" in w.says and "2021-10-05" in w.says
    warn = H.petition_tolling_warning("p1", D(2021, 10, 5), D(2021, 10, 1))
    assert (warn.code, warn.event) == ("petition_equitable_tolling", "p1")


def test_form_12257_final_on_its_date_and_a_petition_against_it() -> None:
    f = H.form_12257_final(D(2024, 5, 15))
    assert f.value == D(2024, 5, 15) and f.why.rule is A.FORM_12257 and "no petition window" in f.why.says
    w = H.petition_after_form_12257("p1", D(2024, 5, 30), "d1", D(2024, 5, 15))
    assert (w.code, w.event) == ("petition_after_form_12257", "p1")


# --- law.md 4.6: the IRS's posted CSED -----------------------------------------------------


def _ia_rejected(as_of: date) -> list[S.Suspension]:
    # IA requested 2020-11-02, rejected 2021-02-10: until 2021-03-12 (130 days).
    until, how, settled = S.alternative_until(D(2021, 2, 10), None, None, as_of)
    s = S.ia_pending_suspension("e1", D(2020, 11, 2), until, how, as_of, settled)
    s.tail, s.tail_from = S.TAIL_IA_REJECTION, D(2021, 2, 10)
    return [s]


def _check(irs: date, sus: list[S.Suspension], assessed: date = D(2018, 9, 10)) -> I.IrsCsedCheck:
    base = C.base_csed(assessed, "feb28")
    result = C.walk_csed(base, assessed, C.merge_suspensions(sus))
    return I.check_irs_csed(irs, result, assessed, sus, "feb28")


def test_ia_rejection_reversed_at_45_days_adds_15_days_to_rejections_only() -> None:
    sus = _ia_rejected(D(2021, 8, 2))
    other = S.bankruptcy_suspension("b1", D(2020, 1, 1), D(2020, 2, 1), D(2021, 8, 2))
    out = I.ia_rejection_reversed_at_45_days([*sus, other])
    assert out[0].until == D(2021, 3, 27) and out[1].until == other.until
    assert sus[0].until == D(2021, 3, 12)  # the facts are not changed


def test_check_irs_csed_matches_late_known_practice_early_and_unexplained() -> None:
    sus = _ia_rejected(D(2021, 8, 2))
    same = _check(D(2029, 1, 18), sus)
    assert (same.result, same.difference, same.explained) == ("matches", 0, True)
    late = _check(D(2029, 2, 2), sus)
    assert (late.result, late.difference, late.explained) == ("later", 15, True)
    assert [(e.code, e.known_practice) for e in late.explanations] == [("ia_rejection_45_days", True)]
    early = _check(D(2028, 12, 19), sus)  # counted only to the rejection: 30 days short
    assert early.result == "earlier" and early.explanations[0].code == "tail_not_counted:e1"
    odd = _check(D(2029, 2, 11), sus)  # 24 days: 15 are the practice, 9 are not
    assert not odd.explained and odd.explanations == []
    assert "15 of the 24 days" in odd.look_for[0] and "2018-10-04" in " ".join(odd.look_for)
    assert odd.to_json()["look_for"] == odd.look_for and "do not explain" in odd.says


def test_check_irs_csed_finds_a_pair_and_says_a_lower_bound() -> None:
    sus = _ia_rejected(D(2021, 8, 2))
    pair = _check(D(2029, 2, 3), sus)  # 45-day practice and one more day per suspension
    assert pair.explained and pair.explanations[0].code == "ia_rejection_45_days+both_end_days_counted"
    open_ = [S.bankruptcy_suspension("b1", D(2021, 1, 4), None, D(2021, 8, 2))]
    later = _check(D(2029, 12, 31), open_)
    assert later.lower_bound and not later.explained and "lower bound" in later.says
    assert "still running" in later.look_for[0]
