"""The letters and forms on the collection road (letters.md), for the letter lookup.

Each entry says what the letter is in plain words and where it sits on the roadmap, so a
taxpayer who types "4383" or "LT11" sees both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Letter:
    code: str
    kind: str  # "letter", "notice" or "form"
    title: str
    means: str
    stage: str
    authority: tuple[str, ...] = ()


LETTERS: tuple[Letter, ...] = (
    Letter(
        "CP14",
        "notice",
        "Balance due",
        "The first bill: the IRS says you owe tax and asks you to pay.",
        "balance_due",
        ("IRC 6303",),
    ),
    Letter(
        "CP501",
        "notice",
        "Reminder of balance due",
        "A reminder that you still owe; interest and penalties keep adding up.",
        "balance_due",
    ),
    Letter(
        "CP503",
        "notice",
        "Second reminder of balance due",
        "Another reminder; the IRS asks you to call or pay now.",
        "balance_due",
    ),
    Letter(
        "CP504",
        "notice",
        "Notice of intent to levy",
        "The IRS may take a state tax refund and plans to levy. This notice alone does not "
        "give a Collection Due Process hearing.",
        "balance_due",
        ("IRC 6331(d)",),
    ),
    Letter(
        "3172",
        "letter",
        "Notice of Federal Tax Lien filing and your right to a hearing",
        "The IRS filed a public lien on your property. You have 30 days from the end of the "
        "5 business days after the filing to ask for a Collection Due Process hearing.",
        "lien_filed",
        ("IRC 6320",),
    ),
    Letter(
        "LT11",
        "letter",
        "Final notice of intent to levy and your right to a hearing",
        "The IRS plans to levy. You have 30 days from the notice to ask for a Collection Due "
        "Process hearing, which stops the levy while it lasts.",
        "levy_notice",
        ("IRC 6330",),
    ),
    Letter(
        "1058",
        "letter",
        "Final notice of intent to levy and your right to a hearing",
        "The same notice as LT11, sent by a revenue officer or another unit.",
        "levy_notice",
        ("IRC 6330",),
    ),
    Letter(
        "CP90",
        "notice",
        "Final notice of intent to levy and your right to a hearing",
        "The same right as LT11, sent by the automated system; it can also warn of a levy on "
        "federal payments.",
        "levy_notice",
        ("IRC 6330",),
    ),
    Letter(
        "12153",
        "form",
        "Request for a Collection Due Process or Equivalent Hearing",
        "The form you send to ask Appeals for a hearing.",
        "hearing_requested",
        ("IRC 6320(b)", "IRC 6330(b)"),
    ),
    Letter(
        "4837",
        "letter",
        "Appeals received your hearing request",
        "Appeals has your case and sets up a conference.",
        "in_appeals",
    ),
    Letter(
        "4380",
        "letter",
        "Frivolous issues in your hearing request",
        "Appeals found arguments it treats as frivolous and asks you to change or drop them.",
        "hearing_requested",
        ("IRC 6330(g)",),
    ),
    Letter(
        "3846",
        "letter",
        "Frivolous issues in your hearing request",
        "A letter about frivolous arguments in a hearing request.",
        "hearing_requested",
        ("IRC 6330(g)",),
    ),
    Letter(
        "4381",
        "letter",
        "Your hearing request is disregarded",
        "Appeals will treat the frivolous part of your request as never sent.",
        "hearing_requested",
        ("IRC 6330(g)",),
    ),
    Letter(
        "4388",
        "letter",
        "Do you want to withdraw your hearing request?",
        "Appeals asks whether you want to withdraw, and encloses Form 12256.",
        "in_appeals",
    ),
    Letter(
        "12256",
        "form",
        "Withdrawal of a Collection Due Process or Equivalent Hearing request",
        "The form you sign to withdraw your hearing request.",
        "withdrawn",
        ("Reg. 301.6330-1(g)",),
    ),
    Letter(
        "4383",
        "letter",
        "Appeals acknowledges your withdrawal",
        "Appeals confirms that you withdrew your hearing request. The hearing is over, there "
        "will be no determination and no Tax Court review, and the case goes back to "
        "Collection.",
        "withdrawn",
        ("IRC 6330(e)(1)", "IRM 8.22.9.5.1"),
    ),
    Letter(
        "3193",
        "letter",
        "Notice of Determination",
        "Appeals' decision after a Collection Due Process hearing. You have 30 days to ask the "
        "U.S. Tax Court to review it.",
        "determination",
        ("IRC 6330(c)(3)", "IRC 6330(d)(1)"),
    ),
    Letter(
        "3210",
        "letter",
        "Decision letter after an equivalent hearing",
        "Appeals' decision after an equivalent hearing. It cannot be taken to the Tax Court.",
        "determination",
        ("Reg. 301.6330-1(i)(2) Q&A-I5",),
    ),
    Letter(
        "9423",
        "form",
        "Collection Appeal Request",
        "The form to use the Collection Appeals Program, which stays open after a withdrawal.",
        "collection",
        ("IRM 8.24",),
    ),
)

_BY_CODE = {letter.code: letter for letter in LETTERS}


def normalise_code(text: str) -> str:
    """'Letter 4383', 'l4383', ' lt11 ', 'Form 12256' -> '4383', 'LT11', '12256'."""
    t = re.sub(r"[\s\-]+", "", text.strip().upper())
    t = re.sub(r"^(LETTER|LTR|FORM|NOTICE)", "", t)
    if t.startswith("L") and t[1:].isdigit():
        t = t[1:]
    return t


def find_letter(text: str) -> Letter | None:
    """The letter a person typed, or None."""
    return _BY_CODE.get(normalise_code(text))
