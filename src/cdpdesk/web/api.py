"""The REST API under ``/api`` (OpenAPI at ``/openapi.json``, docs at ``/docs``).

``POST /api/analyze`` needs no sign-in and stores nothing; it answers exactly what
``cdpdesk analyze`` prints. Everything else needs a signed-in user (the session cookie of the
pages, or HTTP Basic) and shows only the cases that user may see. Errors are
``{"format": "cdpdesk.error/1", "errors": [{"field", "message", ...}]}``, the first 50 errors
with ``more_errors`` counting the rest.

Engine work (reading, checking and analysing a case file) runs in the thread pool, never on
the event loop, so a large case does not hold up other requests. Path ids are checked to fit
a 64-bit database integer (a 422 naming the parameter, not a 500), and an ``as_of`` must be an
ISO date (``YYYY-MM-DD``): ``?as_of=0`` is refused, not read as 1970-01-01.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from cdpdesk.contract import CaseError, load_case
from cdpdesk.contract.analysis import HEARING_STATUSES, Analysis
from cdpdesk.contract.case import CaseFile
from cdpdesk.contract.errors import MAX_ERRORS
from cdpdesk.desk.accounts import Account, Accounts
from cdpdesk.desk.listing import SORTS, QueryError, list_cases
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine import analyze
from cdpdesk.engine.glossary import LETTERS, find_letter
from cdpdesk.engine.roadmap import STAGE_BY_ID, STAGES
from cdpdesk.web import ops
from cdpdesk.web.params import MAX_ID, AsOf, CaseId, IsoDate, LetterId
from cdpdesk.web.security import require_account, require_api_csrf, require_appeals

router = APIRouter(prefix="/api")

STAGE_IDS = tuple(s.id for s in STAGES)


# --- Models ----------------------------------------------------------------------------------


class ErrorItemOut(BaseModel):
    field: str | None = Field(description="Where the problem is, e.g. events[2].received or query.page")
    message: str = Field(description="The reason, in one plain sentence")
    event: str | None = None


class ErrorOut(BaseModel):
    format: Literal["cdpdesk.error/1"] = "cdpdesk.error/1"
    errors: list[ErrorItemOut] = Field(description=f"The first {MAX_ERRORS} errors")
    more_errors: int | None = Field(None, description="How many more errors there are (not listed)")


class MeOut(BaseModel):
    id: int
    username: str
    name: str
    role: Literal["appeals", "representative", "taxpayer"]
    cases: list[int] | None = Field(description="The cases linked to you; null for Appeals (every case)")


class StageOut(BaseModel):
    id: str
    title: str
    since: str | None = None


class DeadlineOut(BaseModel):
    date: str
    what: str
    event: str | None = None
    kind: str | None = Field(
        None,
        description="What the date is for, as cdpdesk.engine.coming names it: cdp_request, eh_request, "
        "tax_court_petition, becomes_final, csed or other",
    )
    days_left: int | None = Field(None, description="Days from the list's day to the date (the case list)")
    rule: str | None = None
    authority: list[str] = []
    periods: list[str] = []
    says: str | None = None


class CsedOut(BaseModel):
    date: str = Field(description="The earliest CSED of the case's assessments")
    lower_bound: bool = Field(description="True when that CSED is a lower bound (a suspension still open)")


class CaseSummaryOut(BaseModel):
    id: int
    taxpayer: str | None
    tin: str | None = Field(description="Masked to the last four digits")
    periods: list[str]
    version: int
    created_at: str
    stage: StageOut
    as_of: str = Field(description="The day this row's facts are as of (the last analysis or refresh)")
    next_deadline: DeadlineOut | None
    csed: CsedOut | None = None


TOTAL_EXACT = (
    "Whether total counts every match; false past the desk's count cap (1,000, or the rows to the "
    "end of this page): then more than total match, and pages is a lower bound"
)


class CasePageOut(BaseModel):
    items: list[CaseSummaryOut]
    total: int = Field(description="How many cases match (see total_exact)")
    page: int
    per_page: int
    pages: int
    total_exact: bool = Field(True, description=TOTAL_EXACT)
    has_next: bool = Field(False, description="Whether a next page has rows")
    as_of: str | None = Field(None, description="The oldest day the rows' facts are as of")
    next_after: str | None = Field(
        None,
        description="When there is a next page: give it as `after` to read it from here (a keyset cursor)",
    )


class ImportedOut(BaseModel):
    id: int
    url: str
    warnings: list[str] = Field(
        default_factory=list, description="Near duplicates: stored cases with the same taxpayer and periods"
    )


class EventRecordedOut(BaseModel):
    case: int
    entry: int
    event: str
    kind: str
    version: int


class WithdrawalOut(BaseModel):
    case: int
    event: str
    received: str
    request: str
    taxpayer: str | None
    recorded_by: str
    recorded_at: str
    periods: list[str]
    hearing: str
    kinds: list[str] = []
    parts: list[str] = []
    partial: bool = False
    status: Literal["pending", "waiting_for_writing"]
    days_waiting: int = Field(description="Days from its receipt to today")
    assigned_to: str | None = Field(None, description="The Appeals clerk who works it (none: nobody)")
    assigned_at: str | None = Field(None, description="When it was assigned to that clerk")


class QueueOut(BaseModel):
    pending: list[WithdrawalOut] = Field(description="This page of the written withdrawals, oldest first")
    total: int = Field(description="How many written withdrawals wait for Letter 4383 (see total_exact)")
    total_exact: bool = Field(True, description=TOTAL_EXACT)
    has_next: bool = Field(False, description="Whether a next page of written withdrawals has rows")
    page: int
    per_page: int
    pages: int
    waiting_for_writing: list[WithdrawalOut] = Field(
        description="A page of the oral withdrawals (waiting_page)"
    )
    waiting_total: int
    waiting_total_exact: bool = Field(True, description="As total_exact, for waiting_total")
    waiting_has_next: bool = Field(False, description="Whether a next page of oral withdrawals has rows")
    waiting_page: int
    as_of: str = Field(description="The day days_waiting counts to")


class LetterOut(BaseModel):
    id: int
    number: str
    case: int
    withdrawal: str
    date: str
    issued_by: str
    issued_at: str
    sha256: str = Field(description="sha256 of the PDF")
    html_url: str
    pdf_url: str
    page_url: str


class AcknowledgedOut(BaseModel):
    letter: LetterOut
    created: bool = Field(description="false when the letter had been issued before (nothing new issued)")


class LetterInfoOut(BaseModel):
    code: str
    kind: str
    title: str
    means: str
    stage: StageOut
    authority: list[str]


class RoadmapStageOut(BaseModel):
    id: str
    title: str
    letters: list[str]
    about: str


class ShownCaseOut(BaseModel):
    """The case (TIN masked), its event log, letters, periods returned to Collection, and the
    engine's ``cdpdesk.analysis/1``."""

    case: dict[str, Any]
    analysis: Analysis


class ExplainOut(BaseModel):
    """The four answers of the roadmap (means, how, next_steps, where) and the help block."""

    stage: dict[str, Any]
    means: list[str]
    how: list[dict[str, Any]]
    next_steps: list[dict[str, Any]]
    where: dict[str, Any]
    help: list[dict[str, str]]
    lang: str = "en"
    """The language of the words ("en", "es"; ``?lang=``)."""


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Not signed in"},
    403: {"model": ErrorOut, "description": "Your role may not do this, or the CSRF token is missing"},
    404: {"model": ErrorOut, "description": "No such case, or not one you can see"},
    422: {
        "model": ErrorOut,
        "description": "The input is invalid: each error names the field and the reason",
    },
}


def _errs(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: ERRORS[code] for code in codes}


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def _accounts(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.accounts
    return accounts


def _json(value: Any, status: int = 200) -> Response:
    return Response(ops.dumps(value), status_code=status, media_type="application/json")


Signed = Annotated[Account, Depends(require_account)]
Csrf = Depends(require_api_csrf)

_CASE_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CaseFile"}}},
    }
}


# --- Public ----------------------------------------------------------------------------------


@router.post(
    "/analyze",
    summary="Analyse a case file (cdpdesk.case/1); nothing is stored, no sign-in",
    response_class=Response,
    responses={
        200: {
            "model": Analysis,
            "description": "The cdpdesk.analysis/1, byte for byte what `cdpdesk analyze` gives",
        },
        422: ERRORS[422],
    },
    openapi_extra=_CASE_BODY,
    tags=["engine"],
)
async def analyze_case(request: Request, as_of: AsOf = None) -> Response:
    body = await request.body()
    # Off the event loop: a large case must not hold up every other request.
    return await run_in_threadpool(_analyze_body, body, as_of)


def _analyze_body(body: bytes, as_of: dt.date | None) -> Response:
    case = load_case(body)  # CaseError -> 422 with every field
    return _json(analyze(case, as_of or case.as_of or dt.date.today()))


@router.get("/letters/lookup", response_model=LetterInfoOut, responses={404: ERRORS[404]}, tags=["help"])
def lookup_letter(
    q: Annotated[str, Query(description="What the letter says in its corner: 4383, LT11, CP504 …")],
) -> Any:
    """Explain a letter or form by its number, and where it sits on the roadmap."""
    found = find_letter(q)
    if found is None:
        from cdpdesk.desk.record import NotFoundError

        known = ", ".join(letter.code for letter in LETTERS)
        raise NotFoundError(f"no letter {q[:40]!r} in the guide; it knows {known}")
    stage = STAGE_BY_ID[found.stage]
    return {
        "code": found.code,
        "kind": found.kind,
        "title": found.title,
        "means": found.means,
        "stage": {"id": stage.id, "title": stage.title},
        "authority": list(found.authority),
    }


@router.get("/roadmap", response_model=list[RoadmapStageOut], tags=["help"])
def roadmap() -> Any:
    """Every stage on the collection road, in order."""
    return [{"id": s.id, "title": s.title, "letters": list(s.letters), "about": s.about} for s in STAGES]


# --- Signed in --------------------------------------------------------------------------------


@router.get("/me", response_model=MeOut, responses={401: ERRORS[401]}, tags=["accounts"])
def me(request: Request, account: Signed) -> Any:
    """Who you are signed in as, and which cases you can see."""
    visible = _accounts(request).visible_cases(account)
    return account.to_json() | {"cases": None if visible is None else sorted(visible)}


@router.get(
    "/cases", response_model=CasePageOut, responses={401: ERRORS[401], 422: ERRORS[422]}, tags=["cases"]
)
def cases(
    request: Request,
    account: Signed,
    stage: Annotated[
        str | None, Query(description="Only cases at this roadmap stage: " + ", ".join(STAGE_IDS))
    ] = None,
    hearing_status: Annotated[
        str | None,
        Query(description="Only cases with a hearing in this status: " + ", ".join(HEARING_STATUSES)),
    ] = None,
    csed_before: Annotated[
        IsoDate | None, Query(description="Only cases with a CSED before this date (YYYY-MM-DD)")
    ] = None,
    deadline_within: Annotated[
        int | None,
        Query(ge=0, le=36_600, description="Only cases with a deadline from today to this many days on"),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Taxpayer name words, a case id, or the last four digits of the TIN (never a full TIN)",
        ),
    ] = None,
    sort: Annotated[str, Query(description="Order: " + ", ".join(SORTS))] = "id",
    page: Annotated[int, Query(ge=1, le=10**9)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 20,
    after: Annotated[
        str | None,
        Query(
            max_length=600,
            description="A page's `next_after`: the next page read from there, however deep (then no `page`)",
        ),
    ] = None,
) -> Any:
    """The cases you can see, oldest first (or as ``sort`` says), with their stage, next
    deadline and earliest CSED, read from the stored facts (as of the day each row says).
    Pages by number (``page``), or by keyset cursor (``after``: each page's ``next_after``),
    whose cost does not grow with how deep the page is."""
    visible = _accounts(request).visible_cases(account)
    try:
        return list_cases(
            _desk(request),
            visible,
            stage=stage,
            hearing_status=hearing_status,
            csed_before=csed_before,
            deadline_within=deadline_within,
            q=q,
            sort=sort,
            page=page,
            per_page=per_page,
            after=after,
        ).to_json()
    except QueryError as exc:
        raise ops.FieldError(exc.field, exc.message) from None


@router.post(
    "/cases",
    status_code=201,
    response_model=ImportedOut,
    responses=_errs(401, 403, 422),
    openapi_extra=_CASE_BODY,
    dependencies=[Csrf],
    tags=["cases"],
)
async def import_case(
    request: Request,
    account: Signed,
    allow_duplicate: Annotated[
        bool, Query(description="Store the case even if it is already stored (same TIN, periods and events)")
    ] = False,
) -> Any:
    """Store a case file (Appeals only). Checked exactly as `cdpdesk analyze` checks it; a
    case already stored is refused (409) unless `allow_duplicate`."""
    require_appeals(account)
    body = await request.body()
    return await run_in_threadpool(_import_body, _desk(request), body, account.username, allow_duplicate)


def _import_body(desk: Desk, body: bytes, username: str, allow_duplicate: bool) -> dict[str, Any]:
    # the desk validates (a DeskError carries the engine's field-level items: 422 by field)
    result = desk.import_one(body, by=username, source="web api", allow_duplicate=allow_duplicate)
    return {"id": result.case, "url": f"/api/cases/{result.case}", "warnings": list(result.warnings)}


@router.get(
    "/cases/{case_id}",
    response_class=Response,
    responses={200: {"model": ShownCaseOut}, 401: ERRORS[401], 404: ERRORS[404]},
    tags=["cases"],
)
def show_case(
    request: Request,
    account: Signed,
    case_id: CaseId,
    as_of: Annotated[
        IsoDate | None, Query(description="Analyse as of this date (YYYY-MM-DD; default today)")
    ] = None,
) -> Response:
    """The case (TIN masked), its log and letters, and its analysis."""
    ops.check_visible(_accounts(request), account, case_id)
    return _json(ops.show(_desk(request), case_id, as_of))


@router.get(
    "/cases/{case_id}/explain",
    response_model=ExplainOut,
    responses={401: ERRORS[401], 404: ERRORS[404], 422: ERRORS[422]},
    tags=["cases"],
)
def explain_case(
    request: Request,
    account: Signed,
    case_id: CaseId,
    lang: Annotated[
        str | None, Query(max_length=35, description='The language of the answers: "en" (default) or "es".')
    ] = None,
) -> Any:
    """The plain-language answers for the case (what the "Understanding your letter" page shows)."""
    from cdpdesk.i18n import LanguageError, translator

    try:
        words = translator(lang or "en")
    except LanguageError as exc:
        raise ops.FieldError("lang", str(exc)) from None
    ops.check_visible(_accounts(request), account, case_id)
    return ops.explained(_desk(request), case_id, words).explanation


@router.post(
    "/cases/{case_id}/events",
    status_code=201,
    response_model=EventRecordedOut,
    responses=_errs(401, 403, 404, 422) | {409: {"model": ErrorOut, "description": "The case changed"}},
    dependencies=[Csrf],
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "One event of cdpdesk.case/1, with a new id",
            "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
        }
    },
    tags=["cases"],
)
async def add_event(
    request: Request,
    account: Signed,
    case_id: CaseId,
    expected_version: Annotated[
        int | None, Query(ge=0, le=MAX_ID, description="Refuse unless the case is at this version")
    ] = None,
) -> Any:
    """Append an event to the case's log (Appeals only); the engine checks the case with it."""
    # The body is read here, after the sign-in and CSRF checks (FastAPI would parse a declared
    # body first, and answer a stranger's bad JSON with 400 instead of 401).
    body = await request.body()
    require_appeals(account)
    return await run_in_threadpool(
        _add_event, _desk(request), case_id, body, account.username, expected_version
    )


def _add_event(desk: Desk, case_id: int, body: bytes, username: str, expected_version: int | None) -> Any:
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ops.FieldError("body", f"not a JSON document: {exc}") from None
    if not isinstance(event, dict):
        raise ops.FieldError("body", "must be a JSON object: one event of cdpdesk.case/1")
    ops.check_case(desk, case_id)  # 404 first (no analysis: the desk's write runs the one)
    # the desk validates once; its error carries the engine's field-level items
    return desk.add_event(case_id, event, by=username, source="web api", expected_version=expected_version)


@router.get(
    "/cases/{case_id}/export",
    response_class=Response,
    responses=_errs(401, 403, 404)
    | {200: {"model": CaseFile, "description": "The cdpdesk.case/1 file, with the full TIN"}},
    tags=["cases"],
)
def export_case(request: Request, account: Signed, case_id: CaseId) -> Response:
    """The case as a ``cdpdesk.case/1`` file (Appeals only). It is the case file itself, so
    it carries the taxpayer's full identification number."""
    require_appeals(account)
    ops.show(_desk(request), case_id)
    doc = _desk(request).export_case(case_id)
    return Response(
        ops.dumps(doc),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="case-{case_id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/withdrawals",
    response_model=QueueOut,
    responses={401: ERRORS[401], 403: ERRORS[403]},
    tags=["withdrawals"],
)
def withdrawal_queue(
    request: Request,
    account: Signed,
    page: Annotated[int, Query(ge=1, le=10**9)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
    waiting_page: Annotated[int, Query(ge=1, le=10**9, description="Page of the oral withdrawals")] = 1,
    older_than: Annotated[
        int | None, Query(ge=0, le=36_600, description="Only those waiting more than this many days")
    ] = None,
    hearing: Annotated[
        Literal["cdp", "equivalent"] | None, Query(description="Only those ending a hearing of this type")
    ] = None,
    assigned: Annotated[
        str | None,
        Query(max_length=100, description="Only those assigned to this username ('me': you; 'nobody')"),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Taxpayer name words, a case id, or a TIN's last four (never a full TIN)",
        ),
    ] = None,
) -> Any:
    """Written withdrawals waiting for Letter 4383, oldest first, one page with the total
    (Appeals only); oral ones wait for a written, signed withdrawal. Each says how many
    days it has waited and who it is assigned to; the filters apply to both lists."""
    require_appeals(account)
    clerk = {"me": account.username, "nobody": ""}.get(assigned, assigned) if assigned else None
    try:
        return _desk(request).withdrawal_page(
            page=page,
            per_page=per_page,
            waiting_page=waiting_page,
            older_than=older_than,
            hearing=hearing,
            assigned_to=None if clerk is None else clerk.strip().lower(),
            q=q,
        )
    except QueryError as exc:
        raise ops.FieldError(exc.field, exc.message) from None


@router.post(
    "/cases/{case_id}/withdrawals/{event_id}/acknowledge",
    response_model=AcknowledgedOut,
    responses=_errs(401, 403, 404, 422)
    | {201: {"model": AcknowledgedOut, "description": "Letter 4383 issued"}},
    dependencies=[Csrf],
    tags=["withdrawals"],
)
def acknowledge(request: Request, response: Response, account: Signed, case_id: CaseId, event_id: str) -> Any:
    """Issue Letter 4383 for a written withdrawal (Appeals only). Idempotent: again, it
    returns the letter already issued with ``created: false`` (status 200, not 201)."""
    require_appeals(account)
    desk = _desk(request)
    ops.show(desk, case_id)
    ack = desk.acknowledge(case_id, event_id, by=account.username)
    response.status_code = 201 if ack.created else 200
    return {"letter": ops.letter_json(ack.letter), "created": ack.created}


@router.get("/letters", response_model=list[LetterOut], responses={401: ERRORS[401]}, tags=["letters"])
def letters(
    request: Request,
    account: Signed,
    case: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this case")] = None,
) -> Any:
    """Issued letters of the cases you can see."""
    accounts = _accounts(request)
    if case is not None:
        ops.check_visible(accounts, account, case)
    visible = accounts.visible_cases(account)
    return [
        ops.letter_json(info)
        for info in _desk(request).letters(case)
        if visible is None or info.case in visible
    ]


@router.get(
    "/letters/{letter_id}",
    response_model=LetterOut,
    responses={401: ERRORS[401], 404: ERRORS[404]},
    tags=["letters"],
)
def letter(request: Request, account: Signed, letter_id: LetterId) -> Any:
    return ops.letter_json(ops.letter_row(_desk(request), _accounts(request), account, letter_id))


@router.get(
    "/letters/{letter_id}/{kind}",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {}, "text/html": {}},
            "description": "The stored letter, byte for byte",
        },
        401: ERRORS[401],
        404: ERRORS[404],
    },
    tags=["letters"],
)
def letter_file(
    request: Request, account: Signed, letter_id: LetterId, kind: Literal["pdf", "html"]
) -> Response:
    """Download an issued letter as PDF or HTML (the bytes stored at issue)."""
    row = ops.letter_row(_desk(request), _accounts(request), account, letter_id)
    name = f"letter-{row.number}-case-{row.case_id}-{row.id}.{kind}"
    if kind == "pdf":
        return Response(
            row.pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return Response(
        row.html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


def case_error_json(exc: CaseError) -> dict[str, Any]:
    out = exc.to_json()  # capped: the first MAX_ERRORS and more_errors
    for item in out["errors"]:
        item["message"] = ops.safe_message(item["message"])
    return out
