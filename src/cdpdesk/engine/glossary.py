"""The letters and forms on the collection road (letters.md), for the letter lookup.

Each entry says what the letter is in plain words and where it sits on the roadmap, so a
taxpayer who types "4383" or "LT11" sees both. ``title`` and ``means`` are message ids
(English), translated where they are shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdpdesk.engine.words import N_


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
        N_("Balance due"),
        N_("The first bill: the IRS says you owe tax and asks you to pay."),
        "balance_due",
        ("IRC 6303",),
    ),
    Letter(
        "CP501",
        "notice",
        N_("Reminder of balance due"),
        N_("A reminder that you still owe; interest and penalties keep adding up."),
        "balance_due",
    ),
    Letter(
        "CP503",
        "notice",
        N_("Second reminder of balance due"),
        N_("Another reminder; the IRS asks you to call or pay now."),
        "balance_due",
    ),
    Letter(
        "CP504",
        "notice",
        N_("Notice of intent to levy"),
        N_(
            "The IRS may take a state tax refund and plans to levy. This notice alone does not "
            "give a Collection Due Process hearing."
        ),
        "balance_due",
        ("IRC 6331(d)",),
    ),
    Letter(
        "3172",
        "letter",
        N_("Notice of Federal Tax Lien filing and your right to a hearing"),
        N_(
            "The IRS filed a public lien on your property. You have 30 days from the end of the "
            "5 business days after the filing to ask for a Collection Due Process hearing."
        ),
        "lien_filed",
        ("IRC 6320",),
    ),
    Letter(
        "LT11",
        "letter",
        N_("Final notice of intent to levy and your right to a hearing"),
        N_(
            "The IRS plans to levy. You have 30 days from the notice to ask for a Collection Due "
            "Process hearing, which stops the levy while it lasts."
        ),
        "levy_notice",
        ("IRC 6330",),
    ),
    Letter(
        "1058",
        "letter",
        N_("Final notice of intent to levy and your right to a hearing"),
        N_("The same notice as LT11, sent by a revenue officer or another unit."),
        "levy_notice",
        ("IRC 6330",),
    ),
    Letter(
        "CP90",
        "notice",
        N_("Final notice of intent to levy and your right to a hearing"),
        N_(
            "The same right as LT11, sent by the automated system; it can also warn of a levy on "
            "federal payments."
        ),
        "levy_notice",
        ("IRC 6330",),
    ),
    Letter(
        "12153",
        "form",
        N_("Request for a Collection Due Process or Equivalent Hearing"),
        N_("The form you send to ask Appeals for a hearing."),
        "hearing_requested",
        ("IRC 6320(b)", "IRC 6330(b)"),
    ),
    Letter(
        "4837",
        "letter",
        N_("Appeals received your hearing request"),
        N_("Appeals has your case and sets up a conference."),
        "in_appeals",
    ),
    Letter(
        "4380",
        "letter",
        N_("Frivolous issues in your hearing request"),
        N_("Appeals found arguments it treats as frivolous and asks you to change or drop them."),
        "hearing_requested",
        ("IRC 6330(g)",),
    ),
    Letter(
        "3846",
        "letter",
        N_("Frivolous issues in your hearing request"),
        N_("A letter about frivolous arguments in a hearing request."),
        "hearing_requested",
        ("IRC 6330(g)",),
    ),
    Letter(
        "4381",
        "letter",
        N_("Your hearing request is disregarded"),
        N_("Appeals will treat the frivolous part of your request as never sent."),
        "hearing_requested",
        ("IRC 6330(g)",),
    ),
    Letter(
        "4388",
        "letter",
        N_("Do you want to withdraw your hearing request?"),
        N_("Appeals asks whether you want to withdraw, and encloses Form 12256."),
        "in_appeals",
    ),
    Letter(
        "12256",
        "form",
        N_("Withdrawal of a Collection Due Process or Equivalent Hearing request"),
        N_("The form you sign to withdraw your hearing request."),
        "withdrawn",
        ("Reg. 301.6330-1(g)",),
    ),
    Letter(
        "4383",
        "letter",
        N_("Appeals acknowledges your withdrawal"),
        N_(
            "Appeals confirms that you withdrew your hearing request. The hearing is over, there "
            "will be no determination and no Tax Court review, and the case goes back to "
            "Collection."
        ),
        "withdrawn",
        ("IRC 6330(e)(1)", "IRM 8.22.9.5.1"),
    ),
    Letter(
        "3193",
        "letter",
        N_("Notice of Determination"),
        N_(
            "Appeals' decision after a Collection Due Process hearing. You have 30 days to ask the "
            "U.S. Tax Court to review it."
        ),
        "determination",
        ("IRC 6330(c)(3)", "IRC 6330(d)(1)"),
    ),
    Letter(
        "3210",
        "letter",
        N_("Decision letter after an equivalent hearing"),
        N_("Appeals' decision after an equivalent hearing. It cannot be taken to the Tax Court."),
        "determination",
        ("Reg. 301.6330-1(i)(2) Q&A-I5",),
    ),
    Letter(
        "9423",
        "form",
        N_("Collection Appeal Request"),
        N_("The form to use the Collection Appeals Program, which stays open after a withdrawal."),
        "collection",
        ("IRM 8.24",),
    ),
)

_BY_CODE = {letter.code: letter for letter in LETTERS}


# The IRS prints its Spanish editions with a suffix: "Letter 4383 (SP)", "CP14 (SP)",
# "Form 12153 (SP)"; some people type "4383SP", "4383-SP" or "(SP)" in lower case.
_SPANISH_SUFFIX = re.compile(r"\(?\s*SP\s*\)?$")


def spanish_edition(text: str) -> bool:
    """Whether the code a person typed names the IRS's Spanish edition ('4383 (SP)')."""
    t = re.sub(r"[\s\-]+", "", text.strip().upper())
    t = re.sub(r"^(LETTER|LTR|FORMULARIO|FORM|NOTICE|CARTA|AVISO)", "", t)
    return bool(_SPANISH_SUFFIX.search(t)) and _SPANISH_SUFFIX.sub("", t) in _BY_CODE


def normalise_code(text: str) -> str:
    """'Letter 4383', 'l4383', ' lt11 ', 'Form 12256', 'Letter 4383 (SP)', 'Carta 4383' ->
    '4383', 'LT11', '12256', '4383', '4383'."""
    t = re.sub(r"[\s\-]+", "", text.strip().upper())
    t = re.sub(r"^(LETTER|LTR|FORMULARIO|FORM|NOTICE|CARTA|AVISO)", "", t)
    if _SPANISH_SUFFIX.sub("", t) in _BY_CODE:
        t = _SPANISH_SUFFIX.sub("", t)
    if t.startswith("L") and t[1:].isdigit():
        t = t[1:]
    return t


def find_letter(text: str) -> Letter | None:
    """The letter a person typed, or None."""
    return _BY_CODE.get(normalise_code(text))
