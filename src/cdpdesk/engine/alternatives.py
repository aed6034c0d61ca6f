"""Stage 4a, collection alternatives under IRC 6331(k): installment agreements and offers in
compromise, paired per period in date order, and the suspension each pending or ended one
gives (law.md 4.3). The readings are in docs/decisions.md ("Installment agreements and
offers")."""

from __future__ import annotations

from datetime import date

from cdpdesk.contract.case import AlternativeAppeal, InstallmentAgreementEvent, OfferEvent
from cdpdesk.engine import suspensions as S
from cdpdesk.engine.authority import iso_day

Alternative = InstallmentAgreementEvent | OfferEvent | AlternativeAppeal


def event_day_of(ev: Alternative) -> date:
    day: date = getattr(ev, ev.DAY)  # declared on the contract model
    return day


def alternative_suspensions(evs: list[Alternative], as_of: date) -> list[S.Suspension]:
    """IA and OIC runs for one period (IRC 6331(k), 6331(i)(5))."""
    out: list[S.Suspension] = []
    ordered = sorted(evs, key=event_day_of)
    appeals = {
        "ia": [e for e in ordered if e.type == "ia_appeal"],
        "oic": [e for e in ordered if e.type == "oic_appeal"],
    }

    def appeal_for(kind: str, ended: date) -> AlternativeAppeal | None:
        for ap in appeals[kind]:
            assert isinstance(ap, AlternativeAppeal)
            if ended <= ap.filed <= date.fromordinal(ended.toordinal() + S.ALTERNATIVE_GRACE_DAYS):
                return ap
        return None

    def until_after(kind: str, ended: date) -> tuple[date, str, bool]:
        # a rejection or termination + 30 days, or the close of an appeal filed within them
        ap = appeal_for(kind, ended)
        return S.alternative_until(ended, ap.filed if ap else None, ap.closed if ap else None, as_of)

    open_ia: InstallmentAgreementEvent | None = None
    open_oic: OfferEvent | None = None
    for ev in ordered:
        if isinstance(ev, AlternativeAppeal):
            continue
        t = ev.type
        if t == "ia_requested":
            if open_ia is None:
                open_ia = ev  # type: ignore[assignment]
        elif t in ("ia_accepted", "ia_rejected"):
            start = open_ia.date if open_ia is not None else ev.date
            event_id = open_ia.id if open_ia is not None else ev.id
            if t == "ia_accepted":
                if open_ia is not None:
                    out.append(
                        S.ia_pending_suspension(
                            event_id, start, ev.date, f"accepted {iso_day(ev.date)}", as_of
                        )
                    )
            else:
                until, how, settled = until_after("ia", ev.date)
                out.append(
                    _tailed(
                        S.ia_pending_suspension(
                            event_id, start, until, f"rejected {iso_day(ev.date)}; {how}", as_of, settled
                        ),
                        S.TAIL_IA_REJECTION,
                        ev.date,
                    )
                )
            open_ia = None
        elif t == "ia_terminated":
            until, how, settled = until_after("ia", ev.date)
            out.append(
                _tailed(
                    S.ia_terminated_suspension(ev.id, ev.date, until, how, settled),
                    S.TAIL_IA_TERMINATION,
                    ev.date,
                )
            )
        elif t == "oic_pending":
            if open_oic is None:
                open_oic = ev  # type: ignore[assignment]
        elif t in ("oic_rejected", "oic_returned", "oic_withdrawn", "oic_accepted"):
            start = open_oic.date if open_oic is not None else ev.date
            event_id = open_oic.id if open_oic is not None else ev.id
            if t == "oic_rejected":
                until, how, settled = until_after("oic", ev.date)
                out.append(
                    _tailed(
                        S.oic_pending_suspension(
                            event_id, start, until, f"rejected {iso_day(ev.date)}; {how}", as_of, settled
                        ),
                        S.TAIL_OIC_REJECTION,
                        ev.date,
                    )
                )
            elif open_oic is not None:
                word = t.removeprefix("oic_")
                out.append(
                    S.oic_pending_suspension(event_id, start, ev.date, f"{word} {iso_day(ev.date)}", as_of)
                )
            open_oic = None
    if open_ia is not None:
        out.append(S.ia_pending_suspension(open_ia.id, open_ia.date, None, "", as_of))
    if open_oic is not None:
        out.append(S.oic_pending_suspension(open_oic.id, open_oic.date, None, "", as_of))
    return out


def _tailed(s: S.Suspension, tail: str, ended: date) -> S.Suspension:
    """Mark a run that ends on the 30 days after a rejection or termination (and not on the
    later close of an appeal) with that tail, for the IRS CSED check."""
    if s.until == date.fromordinal(ended.toordinal() + S.ALTERNATIVE_GRACE_DAYS):
        s.tail, s.tail_from = tail, ended
    return s
