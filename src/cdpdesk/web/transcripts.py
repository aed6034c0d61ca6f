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

Language (issue 16): the upload and review pages follow the reader's language
(web/language.py TRANSLATED). The importer's errors and review reasons are message ids with
values (cdpdesk.transcripts.messages), read here through the page's translator; a reason
stored in English is read back to its id (``reason_words``). What stays English is marked
``lang="en"``: the transcript line as the IRS prints it, the case JSON, and the desk's and
the engine's own messages (a PDF that cannot be read, a case that does not validate).
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from cdpdesk.desk.accounts import Account
from cdpdesk.desk.intake import DuplicateCaseError
from cdpdesk.desk.pdftext import transcript_text
from cdpdesk.desk.record import DeskError, NotFoundError
from cdpdesk.desk.reviews import ACTIONS, act_on_review, reviews_for, store_with_review
from cdpdesk.engine.words import N_
from cdpdesk.i18n import DEFAULT, Translator, translator
from cdpdesk.privacy import mask_tin
from cdpdesk.transcripts import TaxpayerError, TranscriptError, build_case, parse_transcripts
from cdpdesk.transcripts import messages as ms
from cdpdesk.transcripts.build import reason_words
from cdpdesk.transcripts.parse import tin_last4
from cdpdesk.web import language, ops
from cdpdesk.web.pages import Signed, _accounts, _desk, render, templates
from cdpdesk.web.params import CaseId
from cdpdesk.web.security import ForbiddenError, check_csrf, current_account

router = APIRouter(include_in_schema=False)

MAX_FILES = 20
MAX_FILE_BYTES = 5_000_000
TAKE_IN = ("appeals", "representative")
KIND_WORDS = {
    "unmapped": N_("Not imported: code not in the table"),
    "not_imported": N_("Not imported"),
    "check": N_("Imported: check it"),
    "unpaired": N_("Not imported: no pair"),
    "conflict": N_("Dates conflict"),
}
#: The events the importer makes (transcripts/build.py), as the review page names them.
EVENT_WORDS = {
    "levy_notice": N_("CDP levy notice"),
    "ia_requested": N_("installment agreement requested"),
    "ia_accepted": N_("installment agreement accepted"),
    "oic_pending": N_("offer in compromise pending"),
    "oic_withdrawn": N_("offer in compromise withdrawn"),
    "oic_accepted": N_("offer in compromise accepted"),
    "bankruptcy": N_("bankruptcy"),
    "hearing_request": N_("CDP hearing requested"),
}
# The pages' own sentences with values (message ids; ``_say`` fills them in).
CHOOSE_FILES = N_("choose one or more account transcripts (text or PDF)")
TOO_MANY_FILES = N_("at most {count} files at a time")
TOO_LARGE = N_("{name}: larger than {size} MB")
NOT_JSON = N_("not JSON: {problem}")
NOT_AN_OBJECT = N_("expected a JSON object (the cdpdesk.case/1 document)")
TIN_TO_STORE = N_("the full TIN is needed to store the case: the transcripts show only its last four digits")
TIN_TO_STORE_SHOWN = N_(
    "the full TIN is needed to store the case: the transcripts show only its last four digits ({masked})"
)
ENDS_OTHER = N_("the TIN given ends in {mine}, but the transcripts are for a TIN ending in {last4}")
NAME_NEEDED = N_("the taxpayer's name is needed (a transcript shows only a name control)")
ENDING_IN = N_("ending in {last4}")
ALREADY_STORED = N_("this case is already stored, as case {case}")
CONFIRMED = N_("Review item {item} confirmed.")
RESOLVED = N_("Review item {item} resolved.")
NOTHING_CHANGED = N_("Nothing changed: {why}")
ALREADY_DONE = N_("review item {item} is already {state}")
STATE_WORDS = {"confirmed": N_("confirmed"), "resolved": N_("resolved")}


def _words(request: Request, template: str) -> Translator:
    """The translator of the page ``template`` for this reader."""
    return translator(language.page_language(request, template))


def _say(tr: Translator, message_id: str, **values: object) -> str:
    return tr.gettext(message_id).format(**values)


def _english(text: str, tr: Translator) -> str:
    """A message that has no translation (the desk's, the engine's), marked as English on a
    page in another language; masked either way."""
    text = ops.safe_message(text)
    if tr.lang == DEFAULT:
        return text
    return Markup('<span lang="en">{}</span>').format(text)


# The case file's own names inside a sentence (ia_rejected, lien_notice, taxpayer.tin, the
# cdpdesk.case/1 format, the --name option): code, not words, so marked English on a page in
# another language.
_CODE_NAMES = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\bcdpdesk\.case/1\b|\btaxpayer\.tin\b|--[a-z]+\b")


def _marked(text: str, tr: Translator) -> str:
    """``text`` (masked), with the case file's names in it marked ``lang="en"`` on a page in
    another language."""
    text = ops.safe_message(text)
    if tr.lang == DEFAULT:
        return text
    escaped = str(Markup.escape(text))
    return Markup(_CODE_NAMES.sub(lambda m: f'<span class="mono" lang="en">{m.group(0)}</span>', escaped))


def _error_words(exc: TranscriptError, tr: Translator) -> str:
    """The importer's error in the page's language; the line it quotes is the IRS's, as read."""
    said = _marked(exc.message.text(tr), tr)
    if not exc.shown:
        return said
    if tr.lang == DEFAULT:
        return ops.safe_message(exc.text(tr))
    return Markup('{}<span lang="en">{}</span>').format(said, ops.safe_message(exc.shown))


def _review_rows(review: list[dict[str, Any]], tr: Translator) -> list[dict[str, Any]]:
    """The review items for a page: each with its kind and its reason in the page's language
    (``why``; ``why_en`` when the reason is not one of the importer's messages)."""
    rows = []
    for r in review:
        kind = str(r.get("kind"))
        reason = str(r.get("reason") or "")
        why = reason_words(reason, tr)
        rows.append(
            r
            | {
                "kind_words": tr.gettext(KIND_WORDS[kind]) if kind in KIND_WORDS else kind,
                "why": _marked(why, tr) if why is not None else ops.safe_message(reason),
                "why_en": why is None and tr.lang != DEFAULT,
            }
        )
    return rows


def _may_take_in(account: Account) -> None:
    if account.role not in TAKE_IN:
        raise ForbiddenError(N_("only Appeals staff and representatives may take in a case"))


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
    # In the case page's language: English until case.html is in TRANSLATED. ``kind_words``
    # and ``reason`` keep the English; ``why`` (with ``why_en``) is the reason in that language.
    tr = _words(request, "case.html")
    items = [item.to_json() for item in reviews_for(_desk(request), case_id)]
    return [row | {"kind_words": KIND_WORDS.get(row["kind"], row["kind"])} for row in _review_rows(items, tr)]


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
        title=N_("Take in a case from transcripts"),
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
    tr = _words(request, "transcripts_upload.html")
    uploads = [u for u in data.getlist("files") if isinstance(u, UploadFile) and u.filename]
    if not uploads:
        return _upload_page(request, errors={"files": tr.gettext(CHOOSE_FILES)}, status=422)
    if len(uploads) > MAX_FILES:
        return _upload_page(request, errors={"files": _say(tr, TOO_MANY_FILES, count=MAX_FILES)}, status=422)
    files: list[tuple[str, bytes]] = []
    for upload in uploads:
        body = await upload.read(MAX_FILE_BYTES + 1)
        name = ops.safe_message(re.sub(r"[^\w. -]", "_", upload.filename or "transcript")[:100])
        if len(body) > MAX_FILE_BYTES:
            too_large = _say(tr, TOO_LARGE, name=name, size=MAX_FILE_BYTES // 1_000_000)
            return _upload_page(request, errors={"files": too_large}, status=422)
        files.append((name, body))
    return await run_in_threadpool(_read, request, files, _text(data, "name", 300), _text(data, "tin", 40))


def _read(request: Request, files: list[tuple[str, bytes]], name: str, tin: str) -> Response:
    tr = _words(request, "transcripts_upload.html")
    transcripts = []
    try:
        for fname, body in files:
            transcripts.extend(parse_transcripts(transcript_text(body, fname), fname))
        result = build_case(transcripts, name=name or None, tin=tin or None)
    except TaxpayerError as exc:
        return _upload_page(request, errors={exc.field: _error_words(exc, tr)}, status=422)
    except TranscriptError as exc:
        return _upload_page(request, errors={"files": _error_words(exc, tr)}, status=422)
    except DeskError as exc:  # the desk's (a PDF pdftotext cannot read): English
        return _upload_page(request, errors={"files": _english(str(exc), tr)}, status=422)
    case = dict(result.case)
    taxpayer = case.pop("taxpayer", None) or {}
    shown = result.tin_masked or ""
    return _preview(
        request,
        case=case,
        review=[item.to_json() for item in result.review],
        reasons=[item.why(tr) for item in result.review],
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
    reasons: list[str] | None = None,
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
    tr = _words(request, "transcripts_review.html")
    rows = _review_rows(review, tr)
    if reasons is not None:  # just read: the messages themselves, not read back
        rows = [r | {"why": _marked(why, tr), "why_en": False} for r, why in zip(rows, reasons, strict=True)]
    return render(
        request,
        "transcripts_review.html",
        status=status,
        title=N_("Check the case read from the transcripts"),
        case=case,
        case_text=case_text,
        review=rows,
        event_words=EVENT_WORDS,
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
    tr = _words(request, "transcripts_review.html")
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
        "shown_tin": _say(tr, ENDING_IN, last4=last4) if last4.isdigit() else "",
        "name": name,
        "tin": tin,
    }
    errors: dict[str, str] = {}
    doc: Any = None
    try:
        doc = orjson.loads(case_text)
    except orjson.JSONDecodeError as exc:
        errors["case_json"] = Markup.escape(tr.gettext(NOT_JSON)).format(problem=_english(str(exc), tr))
    if doc is not None and not isinstance(doc, dict):
        errors["case_json"] = _marked(tr.gettext(NOT_AN_OBJECT), tr)
    try:
        _check_taxpayer(name, tin, again["last4"])
    except _TaxpayerWords as exc:
        errors[exc.field] = _marked(_say(tr, exc.message_id, **exc.values), tr)
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
            other=[_say(tr, ALREADY_STORED, case=exc.existing)],
            duplicate=exc.existing,
            status=409,
            **again,
        )
    except DeskError as exc:
        lines = [i.line() for i in exc.items] if exc.items else [str(exc)]
        return _preview(
            request, case_text=case_text, other=[_english(x, tr) for x in lines], status=422, **again
        )
    # the case page's words (English until case.html is translated)
    said = _words(request, "case.html")
    request.session["flash"] = {
        "message": ops.safe_message(
            # with its plural, so that each language counts the review list its own way
            said.ngettext(
                "Case {case} taken in from {names}, with its review list ({count} item).",
                "Case {case} taken in from {names}, with its review list ({count} items).",
                len(review),
            ).format(case=result.case, names=names, count=len(review))
        ),
        "warnings": [ops.safe_message(w) for w in result.warnings],  # the engine's, English
        "lang": said.lang,
    }
    return RedirectResponse(f"/cases/{result.case}#reviews-h", status_code=303)


class _TaxpayerWords(ValueError):
    """Why the taxpayer given on the review page cannot be stored: the field, the message id
    and its values (never the TIN itself)."""

    def __init__(self, field: str, message_id: str, **values: object) -> None:
        super().__init__(message_id.format(**values))
        self.field, self.message_id, self.values = field, message_id, values


def _check_taxpayer(name: str, tin: str, last4: str) -> None:
    """The taxpayer the case is stored with: a name, and the full TIN, whose last four must be
    the transcripts' (the error never repeats the TIN)."""
    if not tin:
        if last4:
            raise _TaxpayerWords("tin", TIN_TO_STORE_SHOWN, masked=mask_tin("000-00-" + last4))
        raise _TaxpayerWords("tin", TIN_TO_STORE)
    if not re.fullmatch(r"[0-9]{3}-?[0-9]{2}-?[0-9]{4}|[0-9]{2}-?[0-9]{7}", tin):
        raise _TaxpayerWords("tin", ms.NOT_A_TIN)
    if last4 and tin_last4(tin) != last4:
        raise _TaxpayerWords("tin", ENDS_OTHER, mine=tin_last4(tin), last4=last4)
    if not name:
        raise _TaxpayerWords("name", NAME_NEEDED)


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
    said = _words(request, "case.html")  # the flash is shown on the case page, in its words
    try:
        await run_in_threadpool(
            act_on_review, _desk(request), case_id, review_id, action, by=account.username, note=note
        )
    except NotFoundError:
        raise  # 404: no such item on this case
    except DeskError as exc:
        request.session["flash"] = _nothing_changed(said, _why_not(request, case_id, review_id, str(exc)))
        return RedirectResponse(f"/cases/{case_id}#reviews-h", status_code=303)
    done = CONFIRMED if action == "confirm" else RESOLVED
    request.session["flash"] = {
        "message": _say(said, done, item=review_id),
        "warnings": [],
        "lang": said.lang,
    }
    return RedirectResponse(f"/cases/{case_id}#review-{review_id}", status_code=303)


def _why_not(request: Request, case_id: int, review_id: int, said_by_desk: str) -> tuple[str, bool]:
    """Why nothing changed, in the case page's words: the item is already in that state (what
    act_on_review refuses), else the desk's own English (a note it cannot take); and whether
    it is in the page's words."""
    tr = _words(request, "case.html")
    item = next((r for r in reviews_for(_desk(request), case_id) if r.id == review_id), None)
    if item is not None and item.status in STATE_WORDS and said_by_desk.endswith(f"already {item.status}"):
        return _say(tr, ALREADY_DONE, item=review_id, state=tr.gettext(STATE_WORDS[item.status])), True
    return said_by_desk, tr.lang == "en"


def _nothing_changed(tr: Translator, why: tuple[str, bool]) -> dict[str, object]:
    """The flash "Nothing changed: {why}" for the case page. When the reason is the desk's
    own English on a page in another language, it goes apart (``en``, shown marked
    ``lang="en"`` between ``message`` and ``after``)."""
    reason, ours = why
    if ours:
        return {
            "message": ops.safe_message(_say(tr, NOTHING_CHANGED, why=reason)),
            "warnings": [],
            "lang": tr.lang,
        }
    before, _, after = tr.gettext(NOTHING_CHANGED).partition("{why}")
    return {
        "message": before,
        "en": ops.safe_message(reason),
        "after": after,
        "warnings": [],
        "lang": tr.lang,
    }


__all__ = ["case_reviews", "router"]
