"""The pages: plain HTML from Jinja2 templates, no script needed.

Appeals staff: the withdrawal queue, a case page with its timeline, the "acknowledge and
issue Letter 4383" preview, the letter. Taxpayers and representatives: "Understanding your
letter" for their own cases, with the roadmap. Everyone: the letter lookup.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.concurrency import run_in_threadpool

from cdpdesk.contract.analysis import HEARING_STATUSES
from cdpdesk.desk.accounts import Account, Accounts
from cdpdesk.desk.listing import SORTS, QueryError, check_q, list_cases
from cdpdesk.desk.throttle import Throttled
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine.coming import KIND_WORDS
from cdpdesk.engine.explain import irs_csed_lines
from cdpdesk.engine.glossary import LETTERS, find_letter, spanish_edition
from cdpdesk.engine.roadmap import STAGE_BY_ID, STAGES
from cdpdesk.engine.words import N_
from cdpdesk.i18n import Translator, translator
from cdpdesk.web import language, ops, svg
from cdpdesk.web.params import CaseId, LetterId
from cdpdesk.web.security import (
    check_csrf,
    client_address,
    csrf_token,
    current_account,
    require_account,
    require_appeals,
)
from cdpdesk.web.svg import roadmap_svg, timeline_svg

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
# Jinja's i18n extension, newstyle: {% trans %} blocks are whitespace-trimmed message ids
# (as `make messages` extracts them), and gettext comes with each page's context
# (web/language.py), so one environment serves every language at once.
templates.env.add_extension("jinja2.ext.i18n")
templates.env.policies["ext.i18n.trimmed"] = True
templates.env.newstyle_gettext = True  # type: ignore[attr-defined]

#: A hearing's state and type on the case page (message ids; translated where shown).
STATUS_WORDS = svg.STATUS_WORDS
HEARING_WORDS = {
    "cdp": N_("CDP hearing"),
    "equivalent": N_("Equivalent hearing"),
    "premature": N_("Too early"),
    "none": N_("No hearing"),
}


def _tr(context: Context) -> Translator:
    tr = context.get("tr")
    return tr if isinstance(tr, Translator) else translator()


def long_date(value: str | dt.date | None, tr: Translator | None = None) -> str:
    """A date in a language (English by default): "June 10, 2024", "10 de junio de 2024"."""
    if not value:
        return ""
    return (tr or translator()).date(value)


@pass_context
def _long_date_filter(context: Context, value: str | dt.date | None) -> str:
    """The templates' ``long_date``: in the page's language."""
    return long_date(value, _tr(context))


@pass_context
def days_from_today(context: Context, value: str) -> str:
    tr = _tr(context)
    n = (dt.date.fromisoformat(value) - dt.date.today()).days
    if abs(n) > 180:
        return ""
    if n == 0:
        return tr.gettext("(today)")
    if n > 0:
        return tr.ngettext("(in {n} day)", "(in {n} days)", n).format(n=n)
    return tr.ngettext("({n} day ago)", "({n} days ago)", -n).format(n=-n)


templates.env.filters["long_date"] = _long_date_filter
templates.env.filters["days_from_today"] = days_from_today
templates.env.globals["STATUS_WORDS"] = STATUS_WORDS
templates.env.globals["HEARING_WORDS"] = HEARING_WORDS
#: The role the page header says after a staff member's or a representative's name.
templates.env.globals["ROLE_WORDS"] = {"appeals": N_("Appeals"), "representative": N_("representative")}


@pass_context
def _event_words(context: Context, kind: str) -> str:
    return svg.event_words(kind, _tr(context))


@pass_context
def _cause_words(context: Context, cause: str) -> str:
    return svg.cause_words(cause, _tr(context))


#: A log entry's kind other than "record" (desk/record.py).
LOG_KINDS = {"correction": N_("correction"), "retraction": N_("retraction")}
_ENDED_HEARING = {"cdp": N_("CDP hearing ({parts})"), "equivalent": N_("equivalent hearing ({parts})")}


@pass_context
def _ended_hearings(context: Context, analysis: dict[str, Any], event: str) -> str:
    """The hearings a waiting withdrawal ends, in the page's language: the words of
    desk/facts.py ``ends`` ("CDP hearing (levy)"), from the analysis's hearings it ended."""
    tr = _tr(context)
    out = []
    for kind in ("cdp", "equivalent"):
        ended = [
            h
            for h in analysis["hearings"]
            if h["type"] == kind and (h.get("withdrawn_by") == event or event in (h.get("withdrawals") or ()))
        ]
        found = {"lien" if h["statute"] == "IRC 6320" else "levy" for h in ended}
        parts = [tr.gettext(p) for p in ("lien", "levy") if p in found]
        if parts:
            out.append(tr.gettext(_ENDED_HEARING[kind]).format(parts=tr.join(parts)))
    return "; ".join(out)


templates.env.globals["event_words"] = _event_words
templates.env.globals["ended_hearings"] = _ended_hearings
templates.env.globals["LOG_KINDS"] = LOG_KINDS
#: A transcript review item's state and the actions in its history (desk/reviews.py).
templates.env.globals["REVIEW_STATES"] = {
    "open": N_("open"),
    "confirmed": N_("confirmed"),
    "resolved": N_("resolved"),
    "listed": N_("listed"),
}
templates.env.globals["cause_words"] = _cause_words


def _words(request: Request, template: str) -> Translator:
    """The translator for this page (English for a page not yet translated)."""
    return translator(language.page_language(request, template))


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def _accounts(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.accounts
    return accounts


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    account = None
    try:
        account = current_account(request)
    except Exception:  # noqa: BLE001 - a bad Basic header on a page: show it as signed out
        account = None
    words = language.context_for(request, name)
    context.setdefault("title", "CDP Desk")
    base = {"request": request, "account": account, "csrf": csrf_token(request), "path": request.url.path}
    response = templates.TemplateResponse(request, name, base | words | context, status_code=status)
    response.headers["Content-Language"] = words["lang"]
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


# Error titles and the sentence each status gets in plain words (message ids).
ERROR_TITLES = {
    403: N_("Not allowed"),
    404: N_("Not found"),
    409: N_("The case changed"),
    422: N_("That did not work"),
    429: N_("Too many tries"),
}
ERROR_WORDS = {
    403: N_("You are not allowed to do this."),
    404: N_("We could not find this page, or it is not one you can see."),
    409: N_("The case changed while you were working on it. Open it again and check it."),
    422: N_("Something in what was sent could not be used. Check it and try again."),
    429: N_("There were too many tries. Wait a little and try again."),
}


OTHER_ERROR_TITLE = N_("Something went wrong")
OTHER_ERROR_WORDS = N_("Something went wrong. Try again later.")
# Fixed details the app gives (web/app.py); a detail naming a case or a field has none.
ERROR_DETAILS = (N_("there is no page at this address"), N_("request refused"))


def error_page(
    request: Request, status: int, message: str, words: tuple[str, dict[str, object]] | None = None
) -> Response:
    """The error, in the page's language: ``words`` (a message id and its values) or a fixed
    ``message`` that is in the catalogs; a detail that has no translation (the desk's own
    English, naming a field or a case) is shown as it is, marked as English."""
    tr = translator(language.page_language(request, "error.html"))
    if words is not None and tr.gettext(words[0]) != words[0]:
        translated = ops.safe_message(tr.gettext(words[0]).format(**words[1]))
    else:
        translated = tr.gettext(message)
    return render(
        request,
        "error.html",
        status=status,
        title=tr.gettext(ERROR_TITLES.get(status, OTHER_ERROR_TITLE)),
        message=translated,
        plain=tr.gettext(ERROR_WORDS.get(status, OTHER_ERROR_WORDS)),
        message_lang=tr.lang if translated != message or tr.lang == "en" else "en",
    )


Signed = Annotated[Account, Depends(require_account)]


# --- Signing in and out ------------------------------------------------------------------------


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    tr = _words(request, "login.html")
    return render(
        request, "login.html", title=tr.gettext("Sign in"), next=_safe_next(next), error=None, username=""
    )


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request, csrf_token)
    accounts = _accounts(request)
    tr = _words(request, "login.html")
    try:
        account = accounts.authenticate(username[:200], password[:1024], client_address(request))
    except Throttled as exc:
        page = render(
            request,
            "login.html",
            status=429,
            title=tr.gettext("Sign in"),
            next=_safe_next(next),
            error=tr.gettext(
                "Too many failed sign-ins for this account or from this address. Wait {wait} and try again."
            ).format(wait=_wait_words(exc.retry_after, tr)),
            username=username[:100],
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if account is None:
        return render(
            request,
            "login.html",
            status=401,
            title=tr.gettext("Sign in"),
            next=_safe_next(next),
            error=tr.gettext("That username and password do not match. Check them and try again."),
            username=ops.safe_message(username[:100]),
        )
    old = request.session.get("sid")
    if isinstance(old, str):
        accounts.end_session(old)
    request.session.clear()  # a new session (and a new CSRF token) after sign-in
    request.session["sid"] = accounts.start_session(account)
    return RedirectResponse(_safe_next(next), status_code=303)


def _wait_words(seconds: int, tr: Translator | None = None) -> str:
    tr = tr or translator()
    if seconds < 90:
        return tr.ngettext("{n} second", "{n} seconds", seconds).format(n=seconds)
    minutes = -(-seconds // 60)
    return tr.ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    token = request.session.get("sid")
    if isinstance(token, str):
        _accounts(request).end_session(token)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


# --- Home, case list -------------------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    account = current_account(request)
    if account is None:
        return render(request, "welcome.html", title="")  # the title is the name alone
    if account.is_appeals:
        return RedirectResponse("/queue", status_code=303)
    mine = _accounts(request).linked_cases(account)
    if len(mine) == 1:
        return RedirectResponse(f"/cases/{mine[0]}/understand", status_code=303)
    return RedirectResponse("/cases", status_code=303)


@router.get("/cases")
def cases_page(
    request: Request,
    account: Signed,
    stage: str | None = None,
    hearing_status: str | None = None,
    csed_before: str | None = None,
    deadline_within: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    sort: str = "id",
    page: Annotated[int, Query(ge=1, le=10**9)] = 1,
) -> Response:
    # A page keeps what it can of the filters (a bad value is dropped, and said), and
    # refuses a full TIN in q: it is a web address.
    problems: list[str] = []
    stage = stage if stage in STAGE_BY_ID else None
    hearing_status = hearing_status if hearing_status in HEARING_STATUSES else None
    sort = sort if sort in SORTS else "id"
    before = None
    if csed_before:
        try:
            before = dt.date.fromisoformat(csed_before)
        except ValueError:
            problems.append("The CSED date was not a date (YYYY-MM-DD); that filter is off.")
    within = None
    if deadline_within:
        within = (
            int(deadline_within) if deadline_within.isdigit() and int(deadline_within) <= 36_600 else None
        )
        if within is None:
            problems.append("The number of days was not a whole number from 0 to 36600; that filter is off.")
    try:
        q = check_q(q)
    except QueryError as exc:
        problems.append(exc.message[0].upper() + exc.message[1:] + ".")
        q = None
    visible = _accounts(request).visible_cases(account)
    result = list_cases(
        _desk(request),
        visible,
        stage=stage,
        hearing_status=hearing_status,
        csed_before=before,
        deadline_within=within,
        q=q,
        sort=sort,
        page=page,
        per_page=20,
    )
    chosen = {
        "stage": stage,
        "hearing_status": hearing_status,
        "csed_before": before.isoformat() if before else None,
        "deadline_within": within,
        "q": q,
        "sort": sort if sort != "id" else None,
    }

    def page_url(n: int) -> str:
        return "/cases?" + urlencode({k: v for k, v in chosen.items() if v is not None} | {"page": n})

    return render(
        request,
        "cases.html",
        status=422 if problems and not result.items else 200,
        title="Cases" if account.is_appeals else "Your cases",
        result=result,
        stage=stage,
        stages=STAGES,
        chosen=chosen,
        statuses={st: HEARING_FILTER_WORDS.get(st, st) for st in HEARING_STATUSES},
        sorts=SORT_WORDS,
        problems=problems,
        filtered=any(v is not None for k, v in chosen.items() if k != "sort"),
        page_url=page_url,
        deadline_kinds=KIND_WORDS,
    )


#: The hearing filter's choices, in words (the statuses are the contract's HEARING_STATUSES).
HEARING_FILTER_WORDS = {
    "pending": "A hearing pending",
    "withdrawn": "A hearing withdrawn",
    "determined": "A determination issued, not yet final",
    "final": "A determination final",
    "not_held": "A request that got no hearing",
}

SORT_WORDS = {
    "id": "Case number, oldest first",
    "-id": "Case number, newest first",
    "deadline": "Next date, soonest first",
    "-deadline": "Next date, latest first",
    "csed": "Earliest CSED first",
    "-csed": "Latest CSED first",
    "taxpayer": "Taxpayer, A to Z",
    "-taxpayer": "Taxpayer, Z to A",
}


# --- Appeals: queue, case page, acknowledge ------------------------------------------------------


QUEUE_HEARINGS = {"cdp": "CDP hearing", "equivalent": "Equivalent hearing"}


def queue_filters(
    older_than: str | None, hearing: str | None, mine: str | None, q: str | None
) -> tuple[dict[str, Any], list[str]]:
    """The queue's filters as chosen on the page: a bad value is dropped and said, and a
    full TIN in ``q`` refused (the page's address would hold it)."""
    problems: list[str] = []
    days = None
    if older_than:
        ok = older_than.isascii() and older_than.isdigit() and len(older_than) <= 5
        days = int(older_than) if ok and int(older_than) <= 36_600 else None
        if days is None:
            problems.append("The number of days was not a whole number from 0 to 36600; that filter is off.")
    try:
        q = check_q(q)
    except QueryError as exc:
        problems.append(exc.message[0].upper() + exc.message[1:] + ".")
        q = None
    chosen = {
        "older_than": days,
        "hearing": hearing if hearing in QUEUE_HEARINGS else None,
        "mine": "1" if mine == "1" else None,
        "q": q,
    }
    return chosen, problems


def queue_url(chosen: dict[str, Any], **more: Any) -> str:
    """The queue's address with these filters (never a full TIN: ``q`` passed check_q)."""
    query = {
        k: v for k, v in (chosen | more).items() if v is not None and not (k.endswith("page") and v == 1)
    }
    return "/queue" + ("?" + urlencode(query) if query else "")


@router.get("/queue")
def queue(
    request: Request,
    account: Signed,
    page: Annotated[int, Query(ge=1, le=10**9)] = 1,
    waiting_page: Annotated[int, Query(ge=1, le=10**9)] = 1,
    older_than: Annotated[str | None, Query(max_length=10)] = None,
    hearing: Annotated[str | None, Query(max_length=20)] = None,
    mine: Annotated[str | None, Query(max_length=5)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    require_appeals(account)
    chosen, problems = queue_filters(older_than, hearing, mine, q)
    desk = _desk(request)
    result = desk.withdrawal_page(
        page=page,
        per_page=50,
        waiting_page=waiting_page,
        older_than=chosen["older_than"],
        hearing=chosen["hearing"],
        assigned_to=account.username if chosen["mine"] else None,
        q=chosen["q"],
    )
    # what a filtered page is out of: one count (the whole queue's first page read both
    # lists and their rows for it)
    if any(chosen.values()):
        whole = desk.pending_total()
        everything, everything_exact = whole.n, whole.exact
    else:
        everything, everything_exact = result["total"], result["total_exact"]

    def page_url(n: int, w: int) -> str:
        return queue_url(chosen, page=n, waiting_page=w)

    def pending_url(n: int) -> str:
        return page_url(n, waiting_page)

    clerks = [u.username for u in _accounts(request).users() if u.is_appeals]
    return render(
        request,
        "queue.html",
        status=422 if problems and not result["pending"] else 200,
        title="Withdrawals waiting for Letter 4383",
        queue=result,
        page_url=page_url,
        chosen=chosen,
        problems=problems,
        hearings=QUEUE_HEARINGS,
        filtered=any(chosen.values()),
        everything=everything,
        everything_exact=everything_exact,
        pending_url=pending_url,
        clerks=clerks,
        back=queue_url(chosen, page=page, waiting_page=waiting_page),
        flash=request.session.pop("flash", None),
    )


@router.get("/cases/{case_id}")
def case_page(request: Request, account: Signed, case_id: CaseId) -> Response:
    accounts = _accounts(request)
    ops.check_visible(accounts, account, case_id)
    desk = _desk(request)
    tr = _words(request, "case.html")
    ex = ops.explained(desk, case_id, tr)
    pending = []
    if account.is_appeals:
        pending = desk.pending_withdrawals(case_id)["pending"]
    case = ex.shown["case"]
    letters = [ops.letter_json(info) for info in desk.letters(case_id)]
    if case["taxpayer"]:
        title = tr.gettext("Case {id}: {name}").format(id=case_id, name=case["taxpayer"]["name"])
    else:
        title = tr.gettext("Case {id}: no taxpayer").format(id=case_id)
    return render(
        request,
        "case.html",
        title=title,
        case=case,
        analysis=ex.analysis,
        stage_title=ex.explanation["stage"]["title"],
        irs_csed_words=_irs_csed_words(ex.analysis, tr),
        events=ex.events,
        timeline=timeline_svg(ex.analysis, ex.events, tr),
        pending=pending,
        letters=letters,
        flash=request.session.pop("flash", None),  # set by web/staff.py after a form is saved
    )


def _irs_csed_words(analysis: dict[str, Any], tr: Translator) -> dict[str, dict[str, list[str]]]:
    """The explainer's words for each IRS CSED check (engine/explain.py
    ``irs_csed_lines``), by "period assessment", on a page not in English: its sentences,
    and the things to look for; the engine's own sentences (English) stay beside them for
    staff."""
    if tr.lang == "en":
        return {}
    out: dict[str, dict[str, list[str]]] = {}
    for a in analysis["assessments"]:
        if a.get("irs_csed"):
            lines = irs_csed_lines({"assessments": [a]}, {}, tr)
            out[f"{a['period']} {a['assessment']}"] = {
                "said": [t for t in lines if not t.startswith("- ")],
                "look_for": [t[2:] for t in lines if t.startswith("- ")],
            }
    return out


@router.get("/cases/{case_id}/withdrawals/{event_id}/preview")
def preview_page(request: Request, account: Signed, case_id: CaseId, event_id: str) -> Response:
    require_appeals(account)
    desk = _desk(request)
    ops.show(desk, case_id)
    existing = [info for info in desk.letters(case_id) if info.withdrawal == event_id]
    if existing:
        return RedirectResponse(f"/letters/{existing[0].id}", status_code=303)
    ops.letter_preview_html(desk, case_id, event_id)  # refuse here (oral, unknown) with a clear page
    item = next(
        (w for w in desk.pending_withdrawals(case_id)["pending"] if w["event"] == event_id),
        None,
    )
    return render(
        request,
        "preview.html",
        title=f"Preview Letter 4383 for case {case_id}",
        case_id=case_id,
        event_id=event_id,
        item=item,
        shown=ops.show(desk, case_id)["case"],
        today=dt.date.today().isoformat(),
    )


@router.get("/cases/{case_id}/withdrawals/{event_id}/preview.html")
def preview_letter(request: Request, account: Signed, case_id: CaseId, event_id: str) -> Response:
    require_appeals(account)
    ops.show(_desk(request), case_id)
    html = ops.letter_preview_html(_desk(request), case_id, event_id)
    return Response(html, media_type="text/html; charset=utf-8")


@router.post("/cases/{case_id}/withdrawals/{event_id}/acknowledge")
async def acknowledge(request: Request, account: Signed, case_id: CaseId, event_id: str) -> Response:
    # The form is read here, after the sign-in check: a stranger's malformed body goes to
    # the sign-in page, not to a 400.
    token = (await request.form()).get("csrf_token")
    check_csrf(request, token if isinstance(token, str) else None)
    require_appeals(account)
    return await run_in_threadpool(_acknowledge, _desk(request), case_id, event_id, account.username)


def _acknowledge(desk: Desk, case_id: int, event_id: str, username: str) -> Response:
    ops.show(desk, case_id)
    ack = desk.acknowledge(case_id, event_id, by=username)
    flag = "issued" if ack.created else "already"
    return RedirectResponse(f"/letters/{ack.letter.id}?{flag}=1", status_code=303)


@router.get("/letters/{letter_id}")
def letter_page(request: Request, account: Signed, letter_id: LetterId) -> Response:
    row = ops.letter_row(_desk(request), _accounts(request), account, letter_id)
    info = ops.letter_json(row)
    return render(
        request,
        "letter.html",
        title=_words(request, "letter.html")
        .gettext("Letter {number} for case {case}")
        .format(number=row.number, case=row.case_id),
        letter=info,
        issued="issued" in request.query_params,
        already="already" in request.query_params,
    )


# --- Taxpayers and representatives -----------------------------------------------------------------


@router.get("/cases/{case_id}/understand")
def understand(request: Request, account: Signed, case_id: CaseId) -> Response:
    ops.check_visible(_accounts(request), account, case_id)
    tr = _words(request, "understand.html")
    ex = ops.explained(_desk(request), case_id, tr)
    stage = ex.explanation["stage"]
    letters_here = [letter for letter in LETTERS if letter.stage == stage["id"]]
    return render(
        request,
        "understand.html",
        title=tr.gettext("Understanding your letter"),
        case_id=case_id,
        case=ex.shown["case"],
        ex=ex.explanation,
        analysis=ex.analysis,
        roadmap=roadmap_svg(
            stage["id"],
            states={s["id"]: s["state"] for s in ex.explanation["where"]["stages"]},
            words=tr,
        ),
        letters_here=letters_here,
        letters_by_stage=_letters_by_stage(),
        case_letters=[ops.letter_json(info) for info in _desk(request).letters(case_id)],
    )


@router.get("/cases/{case_id}/summary.pdf")
def summary(request: Request, account: Signed, case_id: int) -> Response:
    """The taxpayer's case on one printable page (PDF)."""
    from cdpdesk.web.summary import summary_pdf

    ops.check_visible(_accounts(request), account, case_id)
    tr = translator(language.chosen(request))
    ex = ops.explained(_desk(request), case_id, tr)
    taxpayer = ex.shown["case"].get("taxpayer") or {}
    pdf = summary_pdf(ex.explanation, ex.analysis["as_of"], taxpayer.get("name"), tr)
    headers = {"Content-Disposition": f'inline; filename="case-{case_id}-summary.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


def _letters_by_stage() -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for letter in LETTERS:
        out.setdefault(letter.stage, []).append(letter)
    return out


@router.get("/lookup")
def lookup(request: Request, q: str | None = None) -> Response:
    found = find_letter(q) if q else None
    stage_id = found.stage if found else None
    tr = _words(request, "lookup.html")
    return render(
        request,
        "lookup.html",
        title=tr.gettext("Look up a letter"),
        q=ops.safe_message((q or "")[:40]),
        found=found,
        spanish=bool(found and q and spanish_edition(q)),
        stage=STAGE_BY_ID[stage_id] if stage_id else None,
        roadmap=roadmap_svg(stage_id or "", here_text=tr.gettext("this letter"), words=tr),
        stages=STAGES,
        letters=LETTERS,
        letters_by_stage=_letters_by_stage(),
    )
