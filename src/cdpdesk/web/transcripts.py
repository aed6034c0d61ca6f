"""Taking a case in from IRS account transcripts in the browser (issue 17), and the review
list on the case page.

Appeals staff and representatives upload one or several transcripts (text or PDF), see the
case the importer read and its review list, put it right (edit the case JSON, give the
full TIN and the name the transcripts do not show) and store it; the review list is stored
with the case (desk/reviews.py), and each item is later confirmed or resolved from the case
page. A representative who stores a case is linked to it.

Privacy: the full TIN is a form field of its own, posted, never in a URL; it is not in the
case JSON shown on the page, and no message the page or the log shows can hold it (every
message goes through the TIN mask). The pages are no-store (web/app.py).
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from cdpdesk.desk.accounts import Account
from cdpdesk.desk.intake import DuplicateCaseError
from cdpdesk.desk.pdftext import transcript_text
from cdpdesk.desk.record import DeskError, NotFoundError
from cdpdesk.desk.reviews import ACTIONS, act_on_review, reviews_for, store_with_review
from cdpdesk.privacy import mask_tin
from cdpdesk.transcripts import TaxpayerError, TranscriptError, build_case, parse_transcripts
from cdpdesk.transcripts.parse import tin_last4
from cdpdesk.web import ops
from cdpdesk.web.pages import Signed, _accounts, _desk, render, templates
from cdpdesk.web.params import CaseId
from cdpdesk.web.security import ForbiddenError, check_csrf, current_account

router = APIRouter(include_in_schema=False)

MAX_FILES = 20
MAX_FILE_BYTES = 5_000_000
TAKE_IN = ("appeals", "representative")
KIND_WORDS = {
    "unmapped": "Not imported: code not in the table",
    "not_imported": "Not imported",
    "check": "Imported: check it",
    "unpaired": "Not imported: no pair",
    "conflict": "Dates conflict",
}


def _may_take_in(account: Account) -> None:
    if account.role not in TAKE_IN:
        raise ForbiddenError("only Appeals staff and representatives may take in a case")


async def _posted(request: Request, account: Account) -> FormData:
    data = await request.form(max_files=MAX_FILES + 1)
    token = data.get("csrf_token")
    check_csrf(request, token if isinstance(token, str) else None)
    return data


def _text(data: FormData, key: str, limit: int = 100_000) -> str:
    raw = data.get(key)
    return raw.strip()[:limit] if isinstance(raw, str) else ""


def case_reviews(request: Request, case_id: int) -> list[dict[str, Any]]:
    """The case's stored review list for its page (none for a taxpayer: the list is staff's
    and the representative's work)."""
    try:
        account = current_account(request)
    except Exception:  # noqa: BLE001 - a page shown signed out shows no review list
        account = None
    if account is None or account.role not in TAKE_IN:
        return []
    return [
        item.to_json() | {"kind_words": KIND_WORDS.get(item.kind, item.kind)}
        for item in reviews_for(_desk(request), case_id)
    ]


templates.env.globals["case_reviews"] = case_reviews


# --- The upload page ---------------------------------------------------------------------------


def _upload_page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    other: list[str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "transcripts_upload.html",
        status=status,
        title="Take in a case from transcripts",
        errors=errors or {},
        other=other or [],
    )


@router.get("/intake/transcripts")
def upload_page(request: Request, account: Signed) -> Response:
    _may_take_in(account)
    return _upload_page(request)


@router.post("/intake/transcripts")
async def read_upload(request: Request, account: Signed) -> Response:
    _may_take_in(account)
    data = await _posted(request, account)
    uploads = [u for u in data.getlist("files") if isinstance(u, UploadFile) and u.filename]
    if not uploads:
        return _upload_page(
            request, errors={"files": "choose one or more account transcripts (text or PDF)"}, status=422
        )
    if len(uploads) > MAX_FILES:
        return _upload_page(request, errors={"files": f"at most {MAX_FILES} files at a time"}, status=422)
    files: list[tuple[str, bytes]] = []
    for upload in uploads:
        body = await upload.read(MAX_FILE_BYTES + 1)
        name = ops.safe_message(re.sub(r"[^\w. -]", "_", upload.filename or "transcript")[:100])
        if len(body) > MAX_FILE_BYTES:
            return _upload_page(
                request, errors={"files": f"{name}: larger than {MAX_FILE_BYTES // 1_000_000} MB"}, status=422
            )
        files.append((name, body))
    return await run_in_threadpool(_read, request, files, _text(data, "name", 300), _text(data, "tin", 40))


def _read(request: Request, files: list[tuple[str, bytes]], name: str, tin: str) -> Response:
    transcripts = []
    try:
        for fname, body in files:
            transcripts.extend(parse_transcripts(transcript_text(body, fname), fname))
        result = build_case(transcripts, name=name or None, tin=tin or None)
    except TaxpayerError as exc:
        return _upload_page(request, errors={exc.field: ops.safe_message(str(exc))}, status=422)
    except (TranscriptError, DeskError) as exc:
        return _upload_page(request, errors={"files": ops.safe_message(str(exc))}, status=422)
    case = dict(result.case)
    taxpayer = case.pop("taxpayer", None) or {}
    shown = result.tin_masked or ""
    return _preview(
        request,
        case=case,
        review=[item.to_json() for item in result.review],
        sources=[f for f, _ in files],
        last4=tin_last4(shown) or "",
        shown_tin=shown,
        name=taxpayer.get("name", name),
        tin=taxpayer.get("tin", tin),
        event_sources=result.sources,
        counts={"periods": result.periods, "lines": result.lines, "mapped": result.mapped},
    )


def _preview(
    request: Request,
    *,
    case: dict[str, Any] | None = None,
    case_text: str | None = None,
    review: list[dict[str, Any]],
    sources: list[str],
    last4: str,
    shown_tin: str,
    name: str,
    tin: str,
    event_sources: dict[str, list[str]] | None = None,
    counts: dict[str, int] | None = None,
    errors: dict[str, str] | None = None,
    other: list[str] | None = None,
    duplicate: int | None = None,
    status: int = 200,
) -> Response:
    if case_text is None:
        case_text = orjson.dumps(case, option=orjson.OPT_INDENT_2).decode()
    if case is None:
        try:
            parsed = orjson.loads(case_text)
            case = parsed if isinstance(parsed, dict) else {}
        except orjson.JSONDecodeError:
            case = {}
    return render(
        request,
        "transcripts_review.html",
        status=status,
        title="Check the case read from the transcripts",
        case=case,
        case_text=case_text,
        review=[r | {"kind_words": KIND_WORDS.get(str(r.get("kind")), str(r.get("kind")))} for r in review],
        review_json=orjson.dumps(review).decode(),
        sources=sources,
        last4=last4,
        shown_tin=shown_tin,
        tp_name=name,
        tin=tin,
        event_sources=event_sources or {},
        counts=counts,
        errors=errors or {},
        other=other or [],
        duplicate=duplicate,
    )


# --- Store -------------------------------------------------------------------------------------


@router.post("/intake/transcripts/store")
async def store(request: Request, account: Signed) -> Response:
    _may_take_in(account)
    data = await _posted(request, account)
    return await run_in_threadpool(_store, request, account, data)


def _store(request: Request, account: Account, data: FormData) -> Response:
    case_text = _text(data, "case_json", 2_000_000)
    name = " ".join(_text(data, "name", 300).split())
    tin = _text(data, "tin", 40)
    last4 = _text(data, "last4", 4)
    sources = [s for s in _text(data, "sources", 2000).split("\n") if s][:MAX_FILES]
    try:
        review = orjson.loads(_text(data, "review_json", 2_000_000) or "[]")
        if not isinstance(review, list) or not all(isinstance(r, dict) for r in review):
            raise ValueError
    except (orjson.JSONDecodeError, ValueError):
        review = []
    again: dict[str, Any] = {
        "review": review,
        "sources": sources,
        "last4": last4 if last4.isdigit() else "",
        "shown_tin": f"ending in {last4}" if last4.isdigit() else "",
        "name": name,
        "tin": tin,
    }
    errors: dict[str, str] = {}
    doc: Any = None
    try:
        doc = orjson.loads(case_text)
    except orjson.JSONDecodeError as exc:
        errors["case_json"] = f"not JSON: {ops.safe_message(str(exc))}"
    if doc is not None and not isinstance(doc, dict):
        errors["case_json"] = "expected a JSON object (the cdpdesk.case/1 document)"
    try:
        _check_taxpayer(name, tin, again["last4"])
    except TaxpayerError as exc:
        errors[exc.field] = str(exc)
    if errors:
        return _preview(request, case_text=case_text, errors=errors, status=422, **again)
    assert isinstance(doc, dict)
    # the full TIN is given now: the item that asked for it is settled, not stored
    review = [r for r in review if not str(r.get("reason", "")).startswith("taxpayer.tin:")]
    given = doc.get("taxpayer")
    taxpayer: dict[str, Any] = given if isinstance(given, dict) else {}
    doc["taxpayer"] = {**taxpayer, "name": name, "tin": tin}
    link = account.username if account.role == "representative" else None
    names = ", ".join(sources) or "upload"
    try:
        result = store_with_review(
            _desk(request),
            orjson.dumps(doc),
            review,
            by=account.username,
            source=f"web transcripts: {names}"[:500],
            allow_duplicate=bool(data.get("allow_duplicate")),
            link_to=link,
        )
    except DuplicateCaseError as exc:
        return _preview(
            request,
            case_text=case_text,
            other=[ops.safe_message(str(exc))],
            duplicate=exc.existing,
            status=409,
            **again,
        )
    except DeskError as exc:
        lines = [i.line() for i in exc.items] if exc.items else [str(exc)]
        return _preview(
            request, case_text=case_text, other=[ops.safe_message(x) for x in lines], status=422, **again
        )
    request.session["flash"] = {
        "message": ops.safe_message(
            f"Case {result.case} taken in from {names}, with its review list ({len(review)} item(s))."
        ),
        "warnings": [ops.safe_message(w) for w in result.warnings],
    }
    return RedirectResponse(f"/cases/{result.case}#reviews-h", status_code=303)


def _check_taxpayer(name: str, tin: str, last4: str) -> None:
    """The taxpayer the case is stored with: a name, and the full TIN, whose last four must be
    the transcripts' (the error never repeats the TIN)."""
    if not tin:
        raise TaxpayerError(
            "tin",
            "the full TIN is needed to store the case: the transcripts show only its last four digits"
            + (f" ({mask_tin('000-00-' + last4)})" if last4 else ""),
        )
    if not re.fullmatch(r"[0-9]{3}-?[0-9]{2}-?[0-9]{4}|[0-9]{2}-?[0-9]{7}", tin):
        raise TaxpayerError("tin", "not a TIN: expected nine digits (123-45-6789, 12-3456789 or 123456789)")
    if last4 and tin_last4(tin) != last4:
        raise TaxpayerError(
            "tin",
            f"the TIN given ends in {tin_last4(tin)}, but the transcripts are for a TIN ending in {last4}",
        )
    if not name:
        raise TaxpayerError("name", "the taxpayer's name is needed (a transcript shows only a name control)")


# --- Confirm or resolve a review item from the case page ----------------------------------------


@router.post("/cases/{case_id}/reviews/{review_id}")
async def act(request: Request, account: Signed, case_id: CaseId, review_id: CaseId) -> Response:
    _may_take_in(account)
    data = await _posted(request, account)
    ops.check_visible(_accounts(request), account, case_id)
    action = _text(data, "action", 20)
    note = _text(data, "note", 2000) or None
    if action not in ACTIONS:
        raise DeskError(f"action: expected one of {', '.join(ACTIONS)}")
    try:
        await run_in_threadpool(
            act_on_review, _desk(request), case_id, review_id, action, by=account.username, note=note
        )
    except NotFoundError:
        raise  # 404: no such item on this case
    except DeskError as exc:
        request.session["flash"] = {"message": ops.safe_message(f"Nothing changed: {exc}"), "warnings": []}
        return RedirectResponse(f"/cases/{case_id}#reviews-h", status_code=303)
    request.session["flash"] = {
        "message": f"Review item {review_id} {ACTIONS[action]}.",
        "warnings": [],
    }
    return RedirectResponse(f"/cases/{case_id}#review-{review_id}", status_code=303)


__all__ = ["case_reviews", "router"]
