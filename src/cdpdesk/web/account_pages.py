"""Accounts in the browser: an Appeals user adds users, links a representative or taxpayer
to a case and resets a password; everyone changes their own (desk/accounts.py does the
work; every form carries the CSRF token)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from cdpdesk.desk.accounts import APPEALS, ROLES, Account, Accounts
from cdpdesk.desk.record import DeskError, NotFoundError
from cdpdesk.desk.throttle import Throttled
from cdpdesk.engine.words import N_
from cdpdesk.i18n import Translator, translator
from cdpdesk.web import language, ops
from cdpdesk.web.pages import Signed, _accounts, render
from cdpdesk.web.security import check_csrf, client_address, require_appeals

router = APIRouter(include_in_schema=False)

ROLE_WORDS = {
    "appeals": "Appeals staff (every case)",
    "representative": "Representative (linked cases)",
    "taxpayer": "Taxpayer (linked cases)",
}


async def _form(request: Request) -> FormData:
    data = await request.form()
    token = data.get("csrf_token")
    check_csrf(request, token if isinstance(token, str) else None)
    return data


def _text(data: FormData, key: str, limit: int = 1024) -> str:
    raw = data.get(key)
    return raw[:limit] if isinstance(raw, str) else ""


def _people(accounts: Accounts) -> list[dict[str, Any]]:
    return [
        {"account": u, "cases": [] if u.is_appeals else accounts.linked_cases(u)} for u in accounts.users()
    ]


def _page(request: Request, status: int = 200, **context: Any) -> Response:
    accounts = _accounts(request)
    base: dict[str, Any] = {
        "add_values": {},
        "add_errors": {},
        "link_values": {},
        "link_errors": {},
        "done": request.session.pop("accounts_done", None),
    }
    return render(
        request,
        "accounts.html",
        status=status,
        title="Accounts",
        people=_people(accounts),
        roles=[(r, ROLE_WORDS[r]) for r in ROLES],
        **(base | context),
    )


@router.get("/accounts")
def accounts_page(request: Request, account: Signed) -> Response:
    require_appeals(account)
    return _page(request)


def _done(request: Request, message: str) -> Response:
    request.session["accounts_done"] = ops.safe_message(message)
    return RedirectResponse("/accounts", status_code=303)


@router.post("/accounts/users")
async def add_user(request: Request, account: Signed) -> Response:
    data = await _form(request)
    require_appeals(account)
    return await run_in_threadpool(_add_user, request, data)


def _add_user(request: Request, data: FormData) -> Response:
    values = {k: _text(data, k, 300) for k in ("username", "display_name", "role")}
    password, again = _text(data, "password"), _text(data, "password_again")
    errors: dict[str, str] = {}
    if password != again:
        errors["password_again"] = "the two passwords differ"
    if not errors:
        try:
            made = _accounts(request).create_user(
                values["username"].strip().lower(), values["display_name"].strip(), values["role"], password
            )
        except DeskError as exc:
            errors[_field_of(str(exc))] = ops.safe_message(str(exc))
        else:
            return _done(request, f"User {made.username} ({ROLE_WORDS[made.role]}) added.")
    return _page(request, 422, add_values=values, add_errors=errors)


def _field_of(message: str) -> str:
    """Which field of the add-user form a desk refusal is about."""
    if message.startswith("role"):
        return "role"
    if "password" in message:
        return "password"
    if message.startswith("a username or name"):
        return "display_name"
    return "username"


@router.post("/accounts/links")
async def link_user(request: Request, account: Signed) -> Response:
    data = await _form(request)
    require_appeals(account)
    return await run_in_threadpool(_link, request, data)


def _link(request: Request, data: FormData) -> Response:
    accounts = _accounts(request)
    values = {"username": _text(data, "username", 100), "case": _text(data, "case", 20).strip()}
    errors: dict[str, str] = {}
    who = accounts.user(values["username"]) if values["username"] else None
    if who is None:
        errors["link_user"] = "choose a representative or taxpayer"
    elif who.role == APPEALS:
        errors["link_user"] = f"{who.username} is Appeals staff and sees every case already"
    if not (values["case"].isdigit() and len(values["case"]) < 12):
        errors["case"] = "give the case number, such as 7"
    if not errors and who is not None:
        try:
            new = accounts.link(who.username, int(values["case"]))
        except NotFoundError as exc:
            errors["case"] = ops.safe_message(str(exc))
        else:
            verb = "may now see" if new else "could already see"
            return _done(request, f"{who.username} {verb} case {values['case']}.")
    return _page(request, 422, link_values=values, link_errors=errors)


# --- Passwords --------------------------------------------------------------------------------


def _password_page(
    request: Request, *, target: Account, own: bool, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "password.html",
        status=status,
        title=_tr(request).gettext("Change your password")
        if own
        else _tr(request).gettext("Reset the password of %(user)s") % {"user": target.username},
        target=target,
        own=own,
        errors=errors or {},
        done=request.session.pop("password_done", None),
    )


#: desk/accounts.py ``set_password``: its refusals, translated on the password page.
PASSWORD_WORDS = (
    N_("the password must have at least 8 characters"),
    N_("the password must have at most 1024 characters"),
)


def _tr(request: Request) -> Translator:
    """The password page's language (everyone's own page: web/language.py TRANSLATED)."""
    return translator(language.page_language(request, "password.html"))


def _target(request: Request, username: str) -> Account:
    found = _accounts(request).user(username[:100])
    if found is None:
        raise NotFoundError(f"no user {username[:100]!r}")
    return found


@router.get("/accounts/{username}/password")
def reset_form(request: Request, account: Signed, username: str) -> Response:
    require_appeals(account)
    target = _target(request, username)
    return _password_page(request, target=target, own=False)


@router.post("/accounts/{username}/password")
async def reset_post(request: Request, account: Signed, username: str) -> Response:
    data = await _form(request)
    require_appeals(account)
    target = _target(request, username)
    return await run_in_threadpool(_set, request, account, target, data, False)


@router.get("/account/password")
def own_form(request: Request, account: Signed) -> Response:
    return _password_page(request, target=account, own=True)


@router.post("/account/password")
async def own_post(request: Request, account: Signed) -> Response:
    data = await _form(request)
    return await run_in_threadpool(_set, request, account, account, data, True)


def _set(request: Request, account: Account, target: Account, data: FormData, own: bool) -> Response:
    accounts = _accounts(request)
    tr = _tr(request)
    password, again = _text(data, "password"), _text(data, "password_again")
    errors: dict[str, str] = {}
    if own:
        try:
            ok = accounts.authenticate(account.username, _text(data, "current"), client_address(request))
        except Throttled as exc:
            errors["current"] = tr.gettext(
                "too many wrong passwords: wait {seconds} seconds and try again"
            ).format(seconds=exc.retry_after)
        else:
            if ok is None or ok.id != account.id:
                errors["current"] = tr.gettext("that is not your current password")
    if password != again:
        errors["password_again"] = tr.gettext("the two passwords differ")
    if not errors:
        token = request.session.get("sid") if target.id == account.id else None
        try:
            accounts.set_password(
                target.username, password, keep_session=token if isinstance(token, str) else None
            )
        except DeskError as exc:
            # the desk's refusals of a password are message ids (PASSWORD_WORDS)
            errors["password"] = ops.safe_message(tr.gettext(str(exc)))
    if errors:
        return _password_page(request, target=target, own=own, errors=errors, status=422)
    if own:
        request.session["password_done"] = tr.gettext(
            "Your password was changed. Your other sign-ins were ended."
        )
        return RedirectResponse("/account/password", status_code=303)
    return _done(request, f"The password of {target.username} was reset; their sign-ins were ended.")
