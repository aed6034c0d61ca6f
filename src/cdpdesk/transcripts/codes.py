"""The transaction-code table: every code the transcript importer maps, in one place.

Each entry says what the code means, which ``cdpdesk.case/1`` fact it becomes, which of
its dates is used, and the public source for that meaning. A code that is not here is
never guessed at: the importer lists it on the review list with its line. A code whose
meaning needs the closing code or the letter behind it (which an account transcript does
not print) is mapped only with a review note, so that a person confirms it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from cdpdesk.engine.words import N_

Kind = Literal["assessment", "event", "end", "reversal", "note"]

DOC_6209 = "IRS Document 6209, IRS Processing Codes and Information, section 8A (transaction codes)"


@dataclass(frozen=True, slots=True)
class Code:
    """One transaction code (with its action code, for TC 971/972)."""

    tc: str
    """The three-digit transaction code."""
    ac: str | None
    """The action code (TC 971/972 only), three digits; None for other codes."""
    meaning: str
    """What the code records, in our own words."""
    kind: Kind
    """assessment (an Assessment), event (a case event), end (closes an earlier event),
    reversal (undoes an earlier code), note (read, no fact made; listed for review)."""
    becomes: str
    """The case-file fact it becomes: an event type, 'assessment', or '' for none."""
    date_used: str
    """Which date the fact takes: the DATE column of the transcript line, and what it is."""
    sources: tuple[str, ...]
    """The public sources for the meaning."""
    reverses: tuple[str, ...] = ()
    """For a reversal or an end: the keys (see ``key``) of the codes it pairs with."""
    review: str | None = None
    """Why a person must look at every occurrence, or None when the mapping is plain: a
    message id (marked ``N_``), translated where it is shown."""
    phrases: tuple[tuple[str, ...], ...] = ()
    """For TC 971/972: an account transcript prints the explanation, not the action code, so
    the entry matches when every word of one of these groups is in the explanation."""

    @property
    def key(self) -> str:
        return code_key(self.tc, self.ac)


def code_key(tc: str, ac: str | None) -> str:
    return f"{tc}/{ac}" if ac else tc


_TABLE: tuple[Code, ...] = (
    # Assessments: the DATE of an assessment line is its 23C (assessment) date, from which
    # the ten years of IRC 6502(a) run.
    Code(
        "150",
        None,
        "Return filed and tax assessed (original return)",
        "assessment",
        "assessment",
        "the assessment (23C) date; the amount is the tax assessed",
        (DOC_6209, "IRM 5.1.19.2 (assessment date starts the collection statute)", "IRC 6502(a)"),
    ),
    Code(
        "290",
        None,
        "Additional tax assessed (adjustment)",
        "assessment",
        "assessment",
        "the assessment (23C) date of the additional tax",
        (DOC_6209, "IRM 5.1.19.2", "IRC 6502(a)"),
    ),
    Code(
        "300",
        None,
        "Additional tax or deficiency assessed by Examination",
        "assessment",
        "assessment",
        "the assessment (23C) date of the deficiency",
        (DOC_6209, "IRM 5.1.19.2", "IRC 6502(a)"),
    ),
    # CDP levy notice.
    Code(
        "971",
        "069",
        "Collection Due Process notice of intent to levy issued (LT11, Letter 1058)",
        "event",
        "levy_notice",
        "the date the CDP levy notice was issued (the notice date)",
        (DOC_6209, "IRM 5.19.8.4.7.2 (multiple TC 971 AC 069 and timeliness)", "IRM 5.11.1.3.3.1"),
        phrases=(("intent", "levy"), ("due", "process", "notice")),
    ),
    Code(
        "972",
        "069",
        "Reversal of a CDP levy notice record (notice rescinded or input in error)",
        "reversal",
        "",
        "the date of the reversal",
        (DOC_6209, "IRM 5.19.8.4.4 (rescinding a notice of intent to levy)"),
        reverses=("971/069",),
        review=N_(
            "A reversed CDP notice gives no hearing rights; confirm it was rescinded and not re-issued."
        ),
        phrases=(("reversal", "levy"), ("reversed", "levy"), ("rescind", "levy")),
    ),
    # Installment agreements (IRC 6331(k)(2)).
    Code(
        "971",
        "043",
        "Installment agreement pending",
        "event",
        "ia_requested",
        "the date the installment agreement request was recorded as pending",
        (DOC_6209, "IRM 5.14.1.3 and Exhibit 5.14.1-1 (TC 971 AC 043 and 063)"),
        phrases=(("pending", "installment", "agreement"),),
    ),
    Code(
        "972",
        "043",
        "Pending installment agreement reversed (rejected, withdrawn, or replaced by an agreement)",
        "reversal",
        "",
        "the date of the reversal (for a rejection, input after the 30-day appeal period)",
        (DOC_6209, "IRM 5.14.1.3", "IRM 5.14.9 (rejection and appeal)"),
        reverses=("971/043",),
        review=N_(
            "The transcript does not say why the pending agreement ended; record ia_rejected with the "
            "rejection letter's date if it was rejected."
        ),
        phrases=(
            ("reversed", "pending", "installment"),
            ("reversal", "pending", "installment"),
            ("removed", "pending", "installment", "agreement"),
        ),
    ),
    Code(
        "971",
        "063",
        "Installment agreement established",
        "event",
        "ia_accepted",
        "the date the agreement was established",
        (DOC_6209, "IRM 5.14.1.3 and Exhibit 5.14.1-1 (TC 971 AC 043 and 063)"),
        phrases=(("installment", "agreement", "established"),),
    ),
    Code(
        "972",
        "063",
        "Installment agreement removed (reversal of TC 971 AC 063)",
        "reversal",
        "",
        "the date of the reversal",
        (DOC_6209, "IRM 5.14.11 (defaulted and terminated agreements)"),
        reverses=("971/063",),
        review=N_(
            "A removed agreement may be a termination (ia_terminated, with the termination letter's date) "
            "or an input error; the transcript does not say which."
        ),
        phrases=(
            ("removed", "installment", "agreement"),
            ("reversed", "installment", "agreement", "established"),
        ),
    ),
    # Offers in compromise (IRC 6331(k)(1)).
    Code(
        "480",
        None,
        "Offer in compromise pending",
        "event",
        "oic_pending",
        "the date the offer was accepted for processing (pending)",
        (DOC_6209, "IRM 5.8.4 (offer receipt and TC 480)", "IRM 8.22.9.4.3 (closing a CDP offer)"),
    ),
    Code(
        "481",
        None,
        "Offer in compromise rejected, returned or terminated",
        "end",
        "",
        "the date the offer's pendency ended",
        (DOC_6209, "IRM 8.22.3.1 (TC 481 input at closing)", "IRM 5.8.7"),
        reverses=("480",),
        review=N_(
            "TC 481 covers rejection and return; record oic_rejected or oic_returned from the closing letter."
        ),
    ),
    Code(
        "482",
        None,
        "Offer in compromise withdrawn",
        "end",
        "oic_withdrawn",
        "the date of the withdrawal",
        (DOC_6209, "IRM 8.22.9.4.3.2 (the TC 482 date when a taxpayer withdraws an offer)"),
        reverses=("480",),
    ),
    Code(
        "780",
        None,
        "Offer in compromise accepted (the account is compromised)",
        "end",
        "oic_accepted",
        "the date the offer was accepted",
        (
            DOC_6209,
            "IRM 5.19.7.3.9.1(4) (TC 780 posted from the acceptance date entered on AOIC)",
            "IRM 5.1.19.3.4.1 (transaction codes for offers and the CSED)",
        ),
        reverses=("480",),
        review=N_(
            "Confirm the acceptance date against the acceptance letter (Letter 673 or the like); "
            "it ends the offer's pendency (IRC 6331(k)(1))."
        ),
    ),
    # Bankruptcy and CDP hearings: TC 520 with its closing code (60-67 bankruptcy, 76/77 CDP).
    # An account transcript prints no closing code, so the explanation decides, with review.
    Code(
        "520",
        None,
        "Bankruptcy or other legal action filed (closing codes 60-67 bankruptcy)",
        "event",
        "bankruptcy",
        "the petition date the bankruptcy freeze carries",
        (DOC_6209, "IRM 25.3.7.8 (bankruptcy closing codes)", "IRM 5.9.17"),
        review=N_(
            "TC 520 also records litigation and CDP hearings; the closing code is not on the transcript. "
            "Confirm the petition date and the chapter from the court record."
        ),
    ),
    Code(
        "520",
        "CDP",
        "Collection Due Process hearing requested (TC 520 closing code 76 or 77)",
        "event",
        "hearing_request",
        "the date the hearing request was received",
        (DOC_6209, "IRM 25.3.7.7.7 (TC 520 cc 76 and 77)", "IRM 8.22.5.3.1.1 (CDP statute suspension)"),
        review=N_(
            "Confirm the received date (and any postmark) against the Form 12153; the transcript does not "
            "say which notice the request answered."
        ),
    ),
    Code(
        "521",
        None,
        "Reversal of TC 520: bankruptcy stay ended, or CDP hearing closed (cc 76/77)",
        "end",
        "",
        "the date the freeze was released",
        (DOC_6209, "IRM 8.22.3.1 (TC 521 cc 76/77 ends the CDP suspension)", "IRM 5.9.17"),
        reverses=("520", "520/CDP"),
    ),
    # Combat zone (IRC 7508): TC 500 with a combat-zone closing code marks the account; the
    # service dates the law counts are not printed, so no event is made from it.
    Code(
        "500",
        None,
        "Military deferment or combat zone indicator (TC 500; closing codes for combat zone service and "
        "combat zone hospitalization)",
        "note",
        "",
        "the date the indicator was input (not the date service began)",
        (
            DOC_6209,
            "IRM 5.1.7.10.3 (combat zone freeze codes; TC 500 cc 58 and 59 for hospitalization, added 04-26-2021)",
            "IRM 5.1.19.3.8 (combat zone or contingency operation and the CSED)",
        ),
        review=N_(
            "A combat zone or military deferment indicator: if it is combat zone service, record combat_zone "
            "with the dates entered and departed (and any hospitalization) from the service records; the "
            "transcript date is only when the indicator was input."
        ),
    ),
    # Notice of federal tax lien.
    Code(
        "582",
        None,
        "Lien placed on assets (notice of federal tax lien filed)",
        "note",
        "",
        "the filing date of the notice of federal tax lien",
        (DOC_6209, "IRM 5.12.2 (NFTL filing)", "IRM 5.19.4.5"),
        review=N_(
            "An NFTL was filed; a lien_notice needs the Letter 3172 date as well, which the transcript "
            "does not show. Add it from the letter."
        ),
    ),
    Code(
        "583",
        None,
        "Reversal of the lien indicator (lien released or filed in error)",
        "reversal",
        "",
        "the date of the reversal",
        (DOC_6209, "IRM 5.12.3 (lien release)"),
        reverses=("582",),
    ),
)

CODES: dict[str, Code] = {c.key: c for c in _TABLE}


def lookup(tc: str, ac: str | None, explanation: str) -> Code | None:
    """The table entry for a transaction line, or None (unmapped).

    TC 971/972 are keyed by their action code; TC 520 by what its explanation says, since
    the closing code that decides it is not printed on an account transcript.
    """
    if tc in ("971", "972"):
        if ac:
            return CODES.get(code_key(tc, ac))
        words = set(re.findall(r"[a-z]+", explanation.lower()))
        # The most specific group wins (a reversal's words include its pair's).
        best: tuple[int, Code | None] = (0, None)
        for entry in _TABLE:
            if entry.tc != tc:
                continue
            for group in entry.phrases:
                if set(group) <= words and len(group) > best[0]:
                    best = (len(group), entry)
        return best[1]
    if tc == "520":
        said = explanation.lower()
        if "due process" in said or "cdp" in said.split():
            return CODES["520/CDP"]
        if "bankruptcy" in said:
            return CODES["520"]
        return None  # other legal action: not a case fact
    return CODES.get(tc)


__all__ = ["CODES", "Code", "code_key", "lookup"]
