"""The practitioner's routes: "what if I withdraw?", deadlines across cases (page, CSV,
JSON), calendars (one case's .ics, a per-user feed with a revocable secret address) and the
case page's downloads (analysis JSON).

Every date shown comes from the engine (``cdpdesk.engine.whatif``, ``cdpdesk.engine.coming``);
these routes only read, check who may see what, and render.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from cdpdesk.contract import CaseError, ErrorItem, load_case_dict
from cdpdesk.contract.whatif import WhatIf
from cdpdesk.desk.accounts import Account, Accounts
from cdpdesk.desk.deadlines import (
    FEED_MAX,
    MAX_PER_PAGE,
    PER_PAGE,
    CaseDeadline,
    DeadlinePage,
    deadlines_of_case,
    deadlines_page,
    iter_deadlines,
)
from cdpdesk.desk.feeds import Feeds
from cdpdesk.desk.whatif import pending_requests, whatif_withdraw_case
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine.coming import KIND_WORDS
from cdpdesk.engine.whatif import change_label, change_value, whatif_withdraw
from cdpdesk.engine.words import N_
from cdpdesk.letters.ics import CaseDeadlines, calendar_ics
from cdpdesk.web import ops
from cdpdesk.web.params import MAX_ID, CaseId, IsoDate
from cdpdesk.web.security import (
    ForbiddenError,
    check_csrf,
    current_account,
    require_account,
    require_api_csrf,
)

api_router = APIRouter(prefix="/api")
router = APIRouter(include_in_schema=False)

Signed = Annotated[Account, Depends(require_account)]
KINDS = tuple(KIND_WORDS)
NO_STORE = {"Cache-Control": "no-store"}
CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def _accounts(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.accounts
    return accounts


def _feeds(request: Request) -> Feeds:
    return Feeds(_accounts(request))


def _render(request: Request, name: str, **context: Any) -> Response:
    from cdpdesk.web.pages import render

    return render(request, name, **context)


def _field_prefixed(exc: CaseError, prefix: str) -> CaseError:
    return CaseError(
        [
            ErrorItem(f"{prefix}{i.field}" if i.field else prefix.rstrip("."), i.message, i.event)
            for i in exc.items
        ]
    )


# --- The what-if, in the API -----------------------------------------------------------------


class WhatIfIn(BaseModel):
    """A what-if on a case file (``case``, no sign-in needed) or on a stored case you can see
    (``case_id``, signed in)."""

    model_config = ConfigDict(extra="forbid")

    case: dict[str, Any] | None = Field(
        None,
        description="A cdpdesk.case/1 file; give this or case_id",
        json_schema_extra={"anyOf": [{"$ref": "#/components/schemas/CaseFile"}, {"type": "null"}]},
    )
    case_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="A stored case you can see; give this or case"
    )
    request: str = Field(
        min_length=1, max_length=200, description="Id of the pending hearing_request to withdraw"
    )
    on: IsoDate = Field(description="The day Appeals would receive the written withdrawal (YYYY-MM-DD)")
    periods: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        None, max_length=1000, description="Withdraw only these periods (default: every pending one)"
    )
    part: Literal["lien", "levy"] | None = Field(None, description="Withdraw only the lien or the levy part")
    as_of: IsoDate | None = Field(
        None, description="Analyse a case file as of this date (default: its as_of, or today)"
    )


@api_router.post(
    "/whatif/withdraw",
    response_model=WhatIf,
    responses={
        401: {"description": "case_id given without signing in"},
        404: {"description": "No such case, or not one you can see"},
        422: {
            "description": "The input is invalid, or the hearing cannot be withdrawn: each error names the field"
        },
    },
    dependencies=[Depends(require_api_csrf)],
    tags=["engine"],
)
async def whatif_api(request: Request, body: WhatIfIn) -> Response:
    """What a written withdrawal received on `on` would change: the case as it stands
    (`as_is`) beside the case with the withdrawal (`withdrawn`, exactly what `POST
    /api/analyze` gives for the case with the `withdrawal` event added), and the `changes`
    per period. Nothing is stored."""
    if (body.case is None) == (body.case_id is None):
        raise ops.FieldError("case", "give either case (a case file) or case_id (a stored case), not both")
    if body.case_id is not None:
        account = require_account(request)
        ops.check_visible(_accounts(request), account, body.case_id)
    return await run_in_threadpool(_whatif_body, _desk(request), body)


def _whatif_body(desk: Desk, body: WhatIfIn) -> Response:
    if body.case_id is not None:
        ops.show(desk, body.case_id)  # 404 for a case that is gone
        out = whatif_withdraw_case(
            desk, body.case_id, body.request, body.on, periods=body.periods, part=body.part
        )
    else:
        try:
            case = load_case_dict(body.case)
        except CaseError as exc:
            raise _field_prefixed(exc, "case.") from None
        as_of = body.as_of or case.as_of or dt.date.today()
        out = whatif_withdraw(case, body.request, body.on, periods=body.periods, part=body.part, as_of=as_of)
    return Response(ops.dumps(out), media_type="application/json")


# --- Deadlines across cases ------------------------------------------------------------------


def _may_list(account: Account) -> None:
    if account.role not in ("appeals", "representative"):
        raise ForbiddenError(N_("the deadlines across cases are for representatives and Appeals staff"))


def _kinds(kind: list[str] | None) -> list[str] | None:
    chosen = [k for k in (kind or []) if k]
    for k in chosen:
        if k not in KINDS:
            raise ops.FieldError(
                "query.kind", f"{k[:40]!r} is not a kind; expected one of {', '.join(KINDS)}"
            )
    return chosen or None


def _rows(
    request: Request, account: Account, kind: list[str] | None, days: int | None
) -> Iterator[CaseDeadline]:
    """Every row the filters pick, read from the database in batches as they are sent."""
    visible = _accounts(request).visible_cases(account)
    return iter_deadlines(_desk(request), visible, kinds=_kinds(kind), within_days=days)


def _page(
    request: Request, account: Account, kind: list[str] | None, days: int | None, page: int, per_page: int
) -> DeadlinePage:
    visible = _accounts(request).visible_cases(account)
    return deadlines_page(
        _desk(request), visible, kinds=_kinds(kind), within_days=days, page=page, per_page=per_page
    )


Kind = Annotated[list[str] | None, Query(description="Only these kinds: " + ", ".join(KINDS))]
Days = Annotated[int | None, Query(ge=0, le=36500, description="Only deadlines at most this many days away")]
PageNo = Annotated[int, Query(ge=1, le=1_000_000, description="The page (1 is the soonest dates)")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Rows per page")]
# The page's form sends an empty field when no number is given.
FormDays = Annotated[str | None, Query(max_length=10)]


def _form_days(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        n = int(value.strip())
    except ValueError:
        n = -1
    if not 0 <= n <= 36500:
        raise ops.FieldError("query.days", f"{value[:10]!r} is not a number of days from 0 to 36500")
    return n


CSV_COLUMNS = (
    "case",
    "taxpayer",
    "tin",
    "date",
    "days_left",
    "kind",
    "what",
    "periods",
    "event",
    "rule",
    "authority",
    "says",
)


def csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The CSV (RFC 4180), its header first, one line per row as the rows come."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")

    def line(values: list[Any]) -> str:
        buf.seek(0)
        buf.truncate()
        writer.writerow(values)
        return buf.getvalue()

    yield line(list(CSV_COLUMNS))
    for row in rows:
        yield line(["; ".join(v) if isinstance(v := row.get(c), list) else v for c in CSV_COLUMNS])


def rows_csv(rows: Iterable[dict[str, Any]]) -> str:
    return "".join(csv_lines(rows))


@api_router.get("/deadlines", tags=["cases"], responses={401: {"description": "Not signed in"}})
def deadlines_api(
    request: Request,
    account: Signed,
    kind: Kind = None,
    days: Days = None,
    page: PageNo = 1,
    per_page: PerPage = PER_PAGE,
) -> Response:
    """The coming deadlines of the cases you can see, soonest first, one page of them with
    the ``total`` (representatives and Appeals staff): date, kind, days left, what, its rule
    and sentence (TIN masked), read from the stored facts (``as_of``: the oldest day the
    page's rows are as of)."""
    _may_list(account)
    found = _page(request, account, kind, days, page, per_page)
    return Response(ops.dumps(found.to_json()), media_type="application/json")


@router.get("/deadlines")
def deadlines_html(
    request: Request, account: Signed, kind: Kind = None, within: FormDays = None, page: PageNo = 1
) -> Response:
    _may_list(account)
    days = _form_days(within)
    found = _page(request, account, kind, days, page, PER_PAGE)
    query = [("kind", k) for k in (kind or []) if k] + ([("within", str(days))] if days is not None else [])

    def page_url(n: int) -> str:
        return "/deadlines?" + urlencode([*query, ("page", str(n))])

    html = _render(
        request,
        "deadlines.html",
        title="Deadlines across your cases" if not account.is_appeals else "Deadlines across cases",
        rows=found.items,
        result=found,
        page_url=page_url,
        kinds=KIND_WORDS,
        chosen=set(kind or []),
        days=days,
        csv_url="/deadlines.csv" + (f"?{urlencode(query)}" if query else ""),
    )
    html.headers.update(NO_STORE)
    return html


@router.get("/deadlines.csv")
def deadlines_csv(request: Request, account: Signed, kind: Kind = None, within: FormDays = None) -> Response:
    _may_list(account)
    days = _form_days(within)
    rows = _rows(request, account, kind, days)
    # streamed: the rows are read in batches while the lines go out, never all held at once
    return StreamingResponse(
        csv_lines(r.to_json() for r in rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="deadlines.csv"'} | NO_STORE,
    )


# --- One case: downloads and the what-if page -----------------------------------------------


@router.get("/cases/{case_id}/analysis.json")
def analysis_download(request: Request, account: Signed, case_id: CaseId) -> Response:
    """The case's cdpdesk.analysis/1, as the case page shows it."""
    ops.check_visible(_accounts(request), account, case_id)
    analysis = ops.show(_desk(request), case_id)["analysis"]
    return Response(
        ops.dumps(analysis),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}-analysis.json"'} | NO_STORE,
    )


def _case_calendar(case_id: int, desk: Desk) -> CaseDeadlines:
    return CaseDeadlines(f"case-{case_id}", f"Case {case_id}", deadlines_of_case(desk, case_id))


@router.get("/cases/{case_id}/deadlines.ics")
def case_ics(request: Request, account: Signed, case_id: CaseId) -> Response:
    ops.check_visible(_accounts(request), account, case_id)
    desk = _desk(request)
    ops.show(desk, case_id)
    data = calendar_ics([_case_calendar(case_id, desk)], f"CDP Desk: case {case_id}", dt.datetime.now(dt.UTC))
    return Response(
        data,
        media_type=CALENDAR_TYPE,
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}-deadlines.ics"'} | NO_STORE,
    )


def _whatif_query(request_id: str, on: str, periods: list[str] | None, part: str | None) -> str:
    q: list[tuple[str, str]] = [("request", request_id), ("on", on)]
    q += [("periods", p) for p in periods or []]
    if part:
        q.append(("part", part))
    return urlencode(q)


@router.get("/cases/{case_id}/whatif")
def whatif_page(
    request: Request,
    account: Signed,
    case_id: CaseId,
    request_id: Annotated[str | None, Query(alias="request", max_length=200)] = None,
    on: Annotated[str | None, Query(max_length=40)] = None,
    periods: Annotated[list[str] | None, Query(max_length=1000)] = None,
    part: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """The what-if form for a stored case and, once asked, the answer side by side, in the
    reader's language (the staff's ``why`` and citations stay English)."""
    from cdpdesk.i18n import translator
    from cdpdesk.web import language

    tr = translator(language.page_language(request, "whatif.html"))
    ops.check_visible(_accounts(request), account, case_id)
    desk = _desk(request)
    shown = ops.show(desk, case_id)
    analysis = shown["analysis"]
    choices = pending_requests(analysis)
    result = None
    error = None
    error_lang = tr.lang
    day = None
    if on:
        try:
            day = dt.date.fromisoformat(on)
        except ValueError:
            error = ops.safe_message(
                tr.gettext("The date {date} is not a date; write it as YYYY-MM-DD.").format(
                    date=repr(on[:40])
                )
            )
    if part not in (None, "", "lien", "levy"):
        error = tr.gettext("Choose the lien part, the levy part, or both.")
    wanted = [p for p in (periods or []) if p] or None
    if request_id and day is not None and error is None:
        which: Literal["lien", "levy"] | None = part if part in ("lien", "levy") else None  # type: ignore[assignment]
        try:
            result = whatif_withdraw_case(
                desk, case_id, request_id, day, periods=wanted, part=which, words=tr
            )
        except CaseError as exc:
            error = ops.safe_message("; ".join(i.message for i in exc.items))
            error_lang = "en"  # the engine's refusal names a field: the staff's English
    taxpayer = shown["case"]["taxpayer"]
    page = _render(
        request,
        "whatif.html",
        title=tr.gettext("What if the hearing request is withdrawn?"),
        case_id=case_id,
        taxpayer=taxpayer,
        analysis=analysis,
        choices=choices,
        chosen_request=request_id or (choices[0]["request"] if choices else None),
        chosen_on=day.isoformat() if day is not None else analysis["as_of"],
        chosen_periods=set(wanted or []),
        chosen_part=part or "",
        result=result,
        error=error,
        error_lang=error_lang,
        label=lambda c: change_label(c, tr),
        value=lambda c, side: change_value(c, side, tr),
        json_url=(
            f"/cases/{case_id}/whatif.json?{_whatif_query(request_id, on, wanted, part)}"
            if result is not None and request_id and on
            else None
        ),
    )
    if error is not None:
        page.status_code = 422
    page.headers.update(NO_STORE)
    return page


@router.get("/cases/{case_id}/whatif.json")
def whatif_download(
    request: Request,
    account: Signed,
    case_id: CaseId,
    request_id: Annotated[str, Query(alias="request", max_length=200)],
    on: IsoDate,
    periods: Annotated[list[str] | None, Query(max_length=1000)] = None,
    part: Literal["lien", "levy"] | None = None,
) -> Response:
    ops.check_visible(_accounts(request), account, case_id)
    desk = _desk(request)
    ops.show(desk, case_id)
    out = whatif_withdraw_case(
        desk, case_id, request_id, on, periods=[p for p in periods or [] if p] or None, part=part
    )
    return Response(
        ops.dumps(out),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}-whatif.json"'} | NO_STORE,
    )


# --- Calendar feeds ----------------------------------------------------------------------------


def _feed_url(request: Request, token: str) -> str:
    return str(request.url_for("calendar_feed", token=token))


@router.get("/calendar")
def calendar_page(request: Request, account: Signed) -> Response:
    feed = _feeds(request).current(account)
    token = request.session.pop("new_feed_token", None)
    page = _render(
        request,
        "calendar.html",
        title="Your deadlines in your calendar",
        feed=feed,
        feed_url=_feed_url(request, token) if isinstance(token, str) and feed is not None else None,
        revoked="revoked" in request.query_params,
    )
    page.headers.update(NO_STORE)
    return page


@router.post("/calendar/feed")
def calendar_feed_create(
    request: Request, account: Signed, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf_token)
    token = _feeds(request).create(account)
    # Shown once, on the next page: the address is never stored, only its hash.
    request.session["new_feed_token"] = token
    return RedirectResponse("/calendar", status_code=303)


@router.post("/calendar/feed/revoke")
def calendar_feed_revoke(
    request: Request, account: Signed, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf_token)
    _feeds(request).revoke(account)
    return RedirectResponse("/calendar?revoked=1", status_code=303)


@router.get("/feeds/{token}.ics", name="calendar_feed")
def calendar_feed(request: Request, token: str) -> Response:
    """The coming deadlines of the feed user's cases, at most ``FEED_MAX`` (the soonest), so
    that the feed does not grow with the desk (each case's own .ics and the CSV carry every
    date). No sign-in: the address is the secret."""
    account = _feeds(request).account_for(token)
    if account is None:
        from cdpdesk.desk.record import NotFoundError

        raise NotFoundError(N_("no calendar feed at this address (it may have been revoked)"))
    desk = _desk(request)
    visible = _accounts(request).visible_cases(account)
    by_case: dict[int, list[Any]] = {}
    for row in iter_deadlines(desk, visible, limit=FEED_MAX):
        by_case.setdefault(row.case, []).append(row.deadline)
    cases = [CaseDeadlines(f"case-{cid}", f"Case {cid}", rows) for cid, rows in sorted(by_case.items())]
    data = calendar_ics(cases, "CDP Desk deadlines", dt.datetime.now(dt.UTC))
    return Response(
        data,
        media_type=CALENDAR_TYPE,
        headers={"Content-Disposition": 'inline; filename="cdpdesk.ics"'} | NO_STORE,
    )


__all__ = ["api_router", "current_account", "router"]
