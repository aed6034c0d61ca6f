"""Appeals staff in the browser: take in a case (upload or form), record an event by form,
correct or retract an event, and the preview PDF of Letter 4383.

Every form carries the CSRF token; every write goes through the desk, which has the engine
check the case as it would be after the change, so nothing is stored until it is valid.
The engine's field-level errors are shown beside the field that caused them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from cdpdesk.contract.case import CASE_FORMAT
from cdpdesk.desk.accounts import Account
from cdpdesk.desk.intake import DuplicateCaseError
from cdpdesk.desk.record import DeskError, NotFoundError, StaleCaseError
from cdpdesk.desk.resting import refusal
from cdpdesk.desk.workflow import Desk
from cdpdesk.web import forms, ops
from cdpdesk.web.pages import Signed, _desk, render, templates
from cdpdesk.web.params import CaseId
from cdpdesk.web.security import check_csrf, require_appeals

router = APIRouter(include_in_schema=False)

#: Where a form's saved entries say they came from (the case log's ``source``).
SOURCE = "web form"


def sample_contact(request: Request) -> bool:
    """True while the Appeals contact block letters print is the sample (desk/settings.py)."""
    desk: Desk = request.app.state.desk
    return desk.settings.contact.sample


templates.env.globals["sample_contact"] = sample_contact


async def _posted(request: Request, account: Account) -> FormData:
    """The form, read after the sign-in check, with its CSRF token checked; Appeals only."""
    data = await request.form()
    token = data.get("csrf_token")
    check_csrf(request, token if isinstance(token, str) else None)
    require_appeals(account)
    return data


def _doc(desk: Desk, case_id: int) -> dict[str, Any]:
    ops.show(desk, case_id)  # "no case N that you can see" first
    data: dict[str, Any] = desk.stored(case_id).data
    return data


def _flash(request: Request, message: str, warnings: list[str] | tuple[str, ...] = ()) -> None:
    request.session["flash"] = {
        "message": ops.safe_message(message),
        "warnings": [ops.safe_message(w) for w in warnings],
    }


# --- Letter 4383 preview as PDF ------------------------------------------------------------------


@router.get("/cases/{case_id}/withdrawals/{event_id}/preview.pdf")
def preview_pdf(request: Request, account: Signed, case_id: CaseId, event_id: str) -> Response:
    """The preview as a PDF, marked "PREVIEW, NOT ISSUED" on every page; nothing stored."""
    require_appeals(account)
    from cdpdesk.letters.render import render_pdf

    html = ops.letter_preview_html(_desk(request), case_id, event_id).decode("utf-8")
    name = re.sub(r"[^A-Za-z0-9_-]", "_", event_id)[:60]
    return Response(
        render_pdf(html),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="preview-4383-case-{case_id}-{name}.pdf"'},
    )


# --- Record an event by form ----------------------------------------------------------------------


@router.get("/cases/{case_id}/record")
def record_pick(request: Request, account: Signed, case_id: CaseId) -> Response:
    require_appeals(account)
    doc = _doc(_desk(request), case_id)
    keys = forms.form_keys()
    return render(
        request,
        "record_pick.html",
        title=f"Record an event for case {case_id}",
        case_id=case_id,
        taxpayer=(doc.get("taxpayer") or {}).get("name"),
        common=[(k, forms.TYPE_WORDS[k]) for k in keys if k in forms.COMMON],
        others=[(k, forms.TYPE_WORDS[k]) for k in keys if k not in forms.COMMON],
    )


def _form(key: str, doc: dict[str, Any]) -> forms.EventForm:
    try:
        return forms.event_form(key, doc)
    except KeyError:
        raise NotFoundError(f"there is no form for {key[:40]!r}") from None


def _correction_form(key: str, doc: dict[str, Any], refused: str | None) -> forms.EventForm:
    """The form that corrects an event; for one no form records (the letter's own entry)
    an empty one, enough to say why it is refused."""
    try:
        return forms.event_form(key, doc)
    except KeyError:
        if refused is None:
            raise NotFoundError(f"there is no form for {key[:40]!r}") from None
        return forms.EventForm(key, key, forms.TYPE_WORDS.get(key, key), "", ())


def _event_page(
    request: Request,
    case_id: int,
    form: forms.EventForm,
    doc: dict[str, Any],
    *,
    mode: str,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    other: list[str] | None = None,
    status: int = 200,
    version: int | None = None,
    refused: str | None = None,
    notice: str | None = None,
) -> Response:
    if mode == "record":
        title = f"Record: {form.title}"
        action = f"/cases/{case_id}/record/{form.key}"
    else:
        title = f"Correct event {values.get('id')}: {form.title}"
        action = f"/cases/{case_id}/events/{values.get('id')}/correct"
    return render(
        request,
        "event_form.html",
        status=status,
        title=title,
        case_id=case_id,
        taxpayer=(doc.get("taxpayer") or {}).get("name"),
        form=form,
        names={f.name: f.label for f in form.fields} | {"reason": "Reason for the correction"},
        mode=mode,
        action=action,
        values=values,
        errors=errors or {},
        other=other or [],
        version=version,
        refused=refused,
        notice=notice,
    )


@router.get("/cases/{case_id}/record/{key}")
def record_form(request: Request, account: Signed, case_id: CaseId, key: str) -> Response:
    require_appeals(account)
    doc = _doc(_desk(request), case_id)
    form = _form(key, doc)
    return _event_page(request, case_id, form, doc, mode="record", values={"id": forms.suggest_id(doc)})


@router.post("/cases/{case_id}/record/{key}")
async def record_post(request: Request, account: Signed, case_id: CaseId, key: str) -> Response:
    data = await _posted(request, account)
    return await run_in_threadpool(_record, request, account, case_id, key, data)


def _record(request: Request, account: Account, case_id: int, key: str, data: FormData) -> Response:
    desk = _desk(request)
    doc = _doc(desk, case_id)
    form = _form(key, doc)
    event = forms.event_from(form, data)
    values = forms.values_of(event)
    errors: dict[str, str] = {}
    other: list[str] = []
    if event["id"] in {e["id"] for e in doc["events"]}:
        errors["id"] = f"the case already has an event {event['id']!r}: choose another id"
    else:
        try:
            desk.add_event(case_id, event, by=account.username, source=SOURCE)
        except StaleCaseError as exc:
            other = [str(exc)]
        except DeskError as exc:
            errors, other = _split(exc, event["id"])
    if errors or other:
        return _event_page(
            request, case_id, form, doc, mode="record", values=values, errors=errors, other=other, status=422
        )
    _flash(request, f"Event {event['id']} ({form.title}) recorded.")
    return RedirectResponse(f"/cases/{case_id}#log-h", status_code=303)


def _split(exc: DeskError, event_id: str) -> tuple[dict[str, str], list[str]]:
    if exc.items:
        return forms.split_errors(exc.items, event_id)
    return {}, [ops.safe_message(str(exc))]


# --- Corrections and retractions --------------------------------------------------------------


def _current(desk: Desk, case_id: int, event_id: str) -> tuple[dict[str, Any], dict[str, Any], int]:
    doc = _doc(desk, case_id)
    stored = desk.stored(case_id)
    entry = stored.active.get(event_id)
    if entry is None:
        raise NotFoundError(f"case {case_id} has no current event {event_id[:200]!r}")
    return doc, entry.payload, stored.version


@router.get("/cases/{case_id}/events/{event_id}/correct")
def correct_form(request: Request, account: Signed, case_id: CaseId, event_id: str) -> Response:
    require_appeals(account)
    desk = _desk(request)
    doc, payload, version = _current(desk, case_id, event_id)
    refused = refusal(desk, case_id, event_id)
    form = _correction_form(forms.form_key_of(payload), doc, refused)
    return _event_page(
        request,
        case_id,
        form,
        doc,
        mode="correct",
        values=forms.values_of(payload),
        version=version,
        refused=refused,
    )


@router.post("/cases/{case_id}/events/{event_id}/correct")
async def correct_post(request: Request, account: Signed, case_id: CaseId, event_id: str) -> Response:
    data = await _posted(request, account)
    return await run_in_threadpool(_correct, request, account, case_id, event_id, data)


def _version(data: FormData) -> int | None:
    raw = data.get("version")
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 12 else None


def _reason(data: FormData) -> str:
    raw = data.get("reason")
    return raw.strip() if isinstance(raw, str) else ""


def _correct(request: Request, account: Account, case_id: int, event_id: str, data: FormData) -> Response:
    desk = _desk(request)
    doc, payload, version = _current(desk, case_id, event_id)
    refused = refusal(desk, case_id, event_id)
    form = _correction_form(forms.form_key_of(payload), doc, refused)
    event = forms.event_from(form, data) | {"id": event_id}
    values = forms.values_of(event) | {"reason": _reason(data)}
    errors: dict[str, str] = {}
    other: list[str] = []
    notice = None
    if refused is None:
        if not values["reason"]:
            errors["reason"] = "say why the event is corrected: the reason is kept in the case log"
        else:
            try:
                desk.correct_event(
                    case_id,
                    event,
                    note=values["reason"],
                    by=account.username,
                    source=SOURCE,
                    expected_version=_version(data),
                )
            except StaleCaseError:
                notice = (
                    f"The case changed while you worked (it is now at version {version}): check the "
                    "values against the case and save again."
                )
            except DeskError as exc:
                errors, other = _split(exc, event_id)
                if str(exc).startswith("note:"):
                    errors, other = {"reason": str(exc).removeprefix("note: ")}, []
    if refused or errors or other or notice:
        return _event_page(
            request,
            case_id,
            form,
            doc,
            mode="correct",
            values=values,
            errors=errors,
            other=other,
            version=version,
            refused=refused,
            notice=notice,
            status=409 if refused or notice else 422,
        )
    _flash(request, f"Event {event_id} corrected; the earlier entry stays in the log.")
    return RedirectResponse(f"/cases/{case_id}#log-h", status_code=303)


@router.get("/cases/{case_id}/events/{event_id}/retract")
def retract_form(request: Request, account: Signed, case_id: CaseId, event_id: str) -> Response:
    require_appeals(account)
    desk = _desk(request)
    doc, payload, version = _current(desk, case_id, event_id)
    return _retract_page(request, case_id, doc, payload, version, refusal(desk, case_id, event_id))


def _retract_page(
    request: Request,
    case_id: int,
    doc: dict[str, Any],
    payload: dict[str, Any],
    version: int,
    refused: str | None,
    *,
    reason: str = "",
    error: str | None = None,
    other: list[str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "retract.html",
        status=status,
        title=f"Retract event {payload['id']} of case {case_id}",
        case_id=case_id,
        taxpayer=(doc.get("taxpayer") or {}).get("name"),
        event=payload,
        what=forms.TYPE_WORDS.get(forms.form_key_of(payload), payload.get("type")),
        version=version,
        refused=refused,
        reason=reason,
        error=error,
        other=other or [],
    )


@router.post("/cases/{case_id}/events/{event_id}/retract")
async def retract_post(request: Request, account: Signed, case_id: CaseId, event_id: str) -> Response:
    data = await _posted(request, account)
    return await run_in_threadpool(_retract, request, account, case_id, event_id, data)


def _retract(request: Request, account: Account, case_id: int, event_id: str, data: FormData) -> Response:
    desk = _desk(request)
    doc, payload, version = _current(desk, case_id, event_id)
    reason = _reason(data)
    refused = refusal(desk, case_id, event_id)
    error = None
    other: list[str] = []
    if refused is None:
        if not reason:
            error = "say why the event is retracted: the reason is kept in the case log"
        else:
            try:
                desk.retract_event(
                    case_id,
                    event_id,
                    note=reason,
                    by=account.username,
                    source=SOURCE,
                    expected_version=_version(data),
                )
            except StaleCaseError:
                other = [
                    f"The case changed while you worked (it is now at version {version}): check and try again."
                ]
            except DeskError as exc:
                if str(exc).startswith("note:"):
                    error = str(exc).removeprefix("note: ")
                else:  # retracting it would leave another event without what it names
                    other = [i.line() for i in exc.items] or [ops.safe_message(str(exc))]
    if refused or error or other:
        status = 409 if refused else 422
        return _retract_page(
            request,
            case_id,
            doc,
            payload,
            version,
            refused,
            reason=reason,
            error=error,
            other=other,
            status=status,
        )
    _flash(request, f"Event {event_id} retracted; its entries stay in the log.")
    return RedirectResponse(f"/cases/{case_id}#log-h", status_code=303)


# --- Intake: upload a case file, or start one by form -------------------------------------------


@router.get("/intake")
def intake_page(request: Request, account: Signed) -> Response:
    require_appeals(account)
    return _intake_page(request, values={}, rows=(1, 1))


def _intake_page(
    request: Request,
    *,
    values: dict[str, Any],
    rows: tuple[int, int],
    errors: dict[str, str] | None = None,
    other: list[str] | None = None,
    upload_errors: list[str] | None = None,
    duplicate: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "intake.html",
        status=status,
        title="Take in a case",
        values=values,
        n_periods=rows[0],
        n_assessments=rows[1],
        errors=errors or {},
        other=other or [],
        upload_errors=upload_errors or [],
        duplicate=duplicate,
    )


@router.post("/intake/upload")
async def intake_upload(request: Request, account: Signed) -> Response:
    data = await _posted(request, account)
    upload = data.get("case_file")
    allow = bool(data.get("allow_duplicate"))
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _intake_page(
            request,
            values={},
            rows=(1, 1),
            upload_errors=["case_file: choose a cdpdesk.case/1 JSON file"],
            status=422,
        )
    body = await upload.read()
    name = ops.safe_message(re.sub(r"[^\w. -]", "_", upload.filename)[:100])
    return await run_in_threadpool(_upload, request, account, body, name, allow)


def _upload(request: Request, account: Account, body: bytes, name: str, allow: bool) -> Response:
    desk = _desk(request)
    try:
        result = desk.import_one(
            body, by=account.username, source=f"web upload {name}", allow_duplicate=allow
        )
    except DuplicateCaseError as exc:
        dup = {
            "existing": exc.existing,
            "message": ops.safe_message(str(exc)),
            "kind": "upload",
            "name": name,
        }
        return _intake_page(request, values={}, rows=(1, 1), duplicate=dup, status=409)
    except DeskError as exc:
        lines = [i.line() for i in exc.items] if exc.items else [ops.safe_message(str(exc))]
        return _intake_page(
            request, values={}, rows=(1, 1), upload_errors=[f"{name}: {x}" for x in lines], status=422
        )
    _flash(request, f"Case {result.case} taken in from {name}.", result.warnings)
    return RedirectResponse(f"/cases/{result.case}", status_code=303)


_PERIOD_FIELDS = ("id", "form", "period_end")
_ASSESSMENT_FIELDS = ("id", "date", "amount")
MAX_ROWS = 40


def _rows(data: FormData) -> tuple[int, int]:
    def count(key: str) -> int:
        raw = data.get(key)
        n = int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 4 else 1
        return max(1, min(n, MAX_ROWS))

    return count("n_periods"), count("n_assessments")


def _text(data: FormData, key: str) -> str:
    raw = data.get(key)
    return raw.strip() if isinstance(raw, str) else ""


@router.post("/intake/form")
async def intake_form(request: Request, account: Signed) -> Response:
    data = await _posted(request, account)
    return await run_in_threadpool(_intake_form, request, account, data)


def _intake_form(request: Request, account: Account, data: FormData) -> Response:
    n_periods, n_assessments = _rows(data)
    values = {k: v for k, v in data.items() if isinstance(v, str) and k != "csrf_token"}
    add = data.get("add")
    if add in ("period", "assessment"):  # more rows, nothing stored (no script needed)
        rows = (n_periods + 1, n_assessments) if add == "period" else (n_periods, n_assessments + 1)
        return _intake_page(request, values=values, rows=(min(rows[0], MAX_ROWS), min(rows[1], MAX_ROWS)))
    doc, where = _case_from(data, n_periods, n_assessments)
    errors: dict[str, str] = {}
    other: list[str] = []
    try:
        result = _desk(request).import_one(
            orjson.dumps(doc),
            by=account.username,
            source=SOURCE,
            allow_duplicate=bool(data.get("allow_duplicate")),
        )
    except DuplicateCaseError as exc:
        dup = {"existing": exc.existing, "message": ops.safe_message(str(exc)), "kind": "form"}
        return _intake_page(
            request, values=values, rows=(n_periods, n_assessments), duplicate=dup, status=409
        )
    except DeskError as exc:
        for item in exc.items:
            name = _form_name(item.field, where)
            if name is not None:
                errors[name] = f"{errors[name]}; {item.message}" if name in errors else item.message
            else:
                other.append(item.line())
        if not exc.items:
            other.append(ops.safe_message(str(exc)))
        return _intake_page(
            request, values=values, rows=(n_periods, n_assessments), errors=errors, other=other, status=422
        )
    _flash(request, f"Case {result.case} started. Now record its notices and events.", result.warnings)
    return RedirectResponse(f"/cases/{result.case}", status_code=303)


def _case_from(data: FormData, n_periods: int, n_assessments: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The ``cdpdesk.case/1`` document the intake form describes, and for each of its paths
    the form field it came from (rows left blank are not part of the case)."""
    where: dict[str, str] = {}
    taxpayer: dict[str, Any] = {"name": _text(data, "taxpayer.name")}
    if tin := _text(data, "taxpayer.tin"):
        taxpayer["tin"] = tin
    taxpayer["address"] = [
        line.strip() for line in _text(data, "taxpayer.address").splitlines() if line.strip()
    ]
    for key in ("name", "tin", "address"):
        where[f"taxpayer.{key}"] = f"taxpayer.{key}"
    periods: list[dict[str, Any]] = []
    for i in range(n_periods):
        row = {k: _text(data, f"periods[{i}].{k}") for k in _PERIOD_FIELDS}
        assessments: list[dict[str, Any]] = []
        for j in range(n_assessments):
            a = {k: _text(data, f"periods[{i}].assessments[{j}].{k}") for k in _ASSESSMENT_FIELDS}
            if not any(a.values()):
                continue
            p, q = len(periods), len(assessments)
            for k in _ASSESSMENT_FIELDS:
                where[f"periods[{p}].assessments[{q}].{k}"] = f"periods[{i}].assessments[{j}].{k}"
            where[f"periods[{p}].assessments[{q}]"] = f"periods[{i}].assessments[{j}].id"
            if not a["amount"]:
                del a["amount"]
            assessments.append(a)
        if not any(row.values()) and not assessments:
            continue
        p = len(periods)
        for k in _PERIOD_FIELDS:
            where[f"periods[{p}].{k}"] = f"periods[{i}].{k}"
        where[f"periods[{p}]"] = f"periods[{i}].id"
        periods.append(row | {"assessments": assessments})
    doc = {"format": CASE_FORMAT, "taxpayer": taxpayer, "periods": periods, "events": []}
    return doc, where


def _form_name(path: str, where: dict[str, str]) -> str | None:
    """The form field an error's path names (``taxpayer.address[1]`` is the address box)."""
    while path:
        if path in where:
            return where[path]
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            return None
        path = path[:cut]
    return None


# --- The queue as a work list: assign, unassign, issue all ---------------------------------------

#: Letters issued per request of "issue all": small, so each request answers quickly and
#: the progress page moves (issue_next: each letter is still issued exactly once).
ISSUE_BATCH = 5


def _back(data: FormData) -> str:
    """Where a queue form returns: the queue's own address it was posted from (filters kept;
    anything else goes to the plain queue)."""
    back = data.get("back")
    if isinstance(back, str) and re.fullmatch(r"/queue(\?[A-Za-z0-9_=&%+.\-]*)?", back) and len(back) <= 400:
        return back
    return "/queue"


def _field(data: FormData, key: str) -> str:
    value = data.get(key)
    return value.strip()[:200] if isinstance(value, str) else ""


@router.post("/queue/assign")
async def queue_assign(request: Request, account: Signed) -> Response:
    data = await _posted(request, account)
    return await run_in_threadpool(_queue_assign, request, account, data)


def _queue_assign(request: Request, account: Account, data: FormData) -> Response:
    desk = _desk(request)
    case = _field(data, "case")
    event = _field(data, "event")
    clerk = _field(data, "clerk") or account.username
    if not (case.isascii() and case.isdigit()):
        raise NotFoundError("no such withdrawal in the queue")
    user = request.app.state.accounts.user(clerk.lower())
    if user is None or not user.is_appeals:
        raise DeskError(f"clerk: {clerk[:100]!r} is not an Appeals user")
    if data.get("action") == "unassign":
        desk.unassign(int(case), event)
        _flash(request, f"Case {case}, withdrawal {event}: assigned to nobody.")
    else:
        desk.assign(int(case), event, user.username, by=account.username)
        _flash(request, f"Case {case}, withdrawal {event}: assigned to {user.username}.")
    return RedirectResponse(_back(data), status_code=303)


@router.post("/queue/issue-all")
async def queue_issue_all(request: Request, account: Signed) -> Response:
    data = await _posted(request, account)
    return await run_in_threadpool(_issue_batch, request, account, data)


def _issue_batch(request: Request, account: Account, data: FormData) -> Response:
    before = _field(data, "done")
    done = int(before) if before.isascii() and before.isdigit() and len(before) < 10 else 0
    try:
        issued, left = _desk(request).issue_next(ISSUE_BATCH, by=account.username)
    except DeskError as exc:
        _flash(request, f"Issuing stopped: {exc}")
        return RedirectResponse(f"/queue/issuing?done={done}&stopped=1", status_code=303)
    return RedirectResponse(f"/queue/issuing?done={done + len(issued)}&left={left}", status_code=303)


@router.get("/queue/issuing")
def queue_issuing(
    request: Request,
    account: Signed,
    done: Annotated[int, Query(ge=0, le=10**9)] = 0,
    left: Annotated[int | None, Query(ge=0, le=10**9)] = None,
    stopped: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    """The progress of "issue all": N of M issued; while some wait, a form that issues the
    next batch (sent by static/queue.js at once, or by the button without JavaScript)."""
    require_appeals(account)
    if left is None or stopped:
        left = _desk(request).withdrawal_page(per_page=1, count_cap=None)["total"]  # "N of M": exact
    return render(
        request,
        "issuing.html",
        title="Issuing Letter 4383",
        done=done,
        left=left,
        total=done + left,
        stopped=bool(stopped),
        flash=request.session.pop("flash", None),
    )
