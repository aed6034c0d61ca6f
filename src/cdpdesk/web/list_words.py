"""The words of the case list (cases.html), the deadlines, calendar and what-if pages that come from Python:
message ids for the catalogs, and the template helpers that translate them.

The case list's route and queries are issue 11's (web/pages.py ``cases_page``, desk/listing.py);
its words stay English there and are translated in the template (``_(words)``). The ids
below repeat those English words so that ``make messages`` extracts them; a change of the
English there shows as English on a Spanish page, which tests/web/test_browser_es_lists.py
catches.
"""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from cdpdesk.engine.explain import deadline_words as _deadline_words
from cdpdesk.engine.words import N_
from cdpdesk.i18n import Translator, translator

#: web/pages.py: the page titles, the hearing filter, the order, the problems.
CASE_LIST_WORDS = (
    N_("Cases"),
    N_("Your cases"),
    N_("A hearing pending"),
    N_("A hearing withdrawn"),
    N_("A determination issued, not yet final"),
    N_("A determination final"),
    N_("A request that got no hearing"),
    N_("Case number, oldest first"),
    N_("Case number, newest first"),
    N_("Next date, soonest first"),
    N_("Next date, latest first"),
    N_("Earliest CSED first"),
    N_("Latest CSED first"),
    N_("Taxpayer, A to Z"),
    N_("Taxpayer, Z to A"),
    N_("The CSED date was not a date (YYYY-MM-DD); that filter is off."),
    N_("The number of days was not a whole number from 0 to 36600; that filter is off."),
    N_(
        "Looks like a full taxpayer identification number; search by its last four digits "
        "(a full TIN must never be put in a web address)."
    ),
)
#: web/practice.py: the calendar page's title.
CALENDAR_WORDS = (N_("Your deadlines in your calendar"),)
#: web/practice.py: the deadlines page's titles (a representative's, Appeals').
DEADLINES_WORDS = (N_("Deadlines across your cases"), N_("Deadlines across cases"))
#: engine/coming.py KIND_WORDS: a deadline's kind.
KIND_WORDS = (
    N_("CDP hearing request deadline"),
    N_("Equivalent hearing request deadline"),
    N_("Tax Court petition deadline"),
    N_("Determination or decision becomes final"),
    N_("Collection statute ends (CSED)"),
    N_("Other date"),
)

#: web/transcripts.py KIND_WORDS: a transcript review item's kind, on the case page's review
#: list (_case_reviews.html).
REVIEW_KIND_WORDS = (
    N_("Not imported: code not in the table"),
    N_("Not imported"),
    N_("Imported: check it"),
    N_("Not imported: no pair"),
    N_("Dates conflict"),
)


def _tr(context: Context) -> Translator:
    tr = context.get("tr")
    return tr if isinstance(tr, Translator) else translator()


@pass_context
def deadline_words(context: Context, deadline: dict[str, Any]) -> str:
    """A deadline of the case list: the engine's name on an English page (as before), the
    explainer's words in another language."""
    tr = _tr(context)
    if tr.lang == "en":
        return str(deadline["what"])
    return _deadline_words(deadline, tr)


def register(env: Any) -> None:
    env.globals["deadline_words"] = deadline_words
