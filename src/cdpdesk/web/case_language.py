"""The case's preferred language on the case page (issue 16): who may change it
(representatives and Appeals staff who can see the case), the form's post, and the words
the page shows. The value is the desk's (desk/case_language.py); Letter 4383 is issued in it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from jinja2 import pass_context
from jinja2.runtime import Context

from cdpdesk import i18n
from cdpdesk.desk.accounts import Account, Accounts
from cdpdesk.desk.case_language import set_case_language
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine.words import N_
from cdpdesk.i18n import Translator
from cdpdesk.web import ops
from cdpdesk.web.language import page_language
from cdpdesk.web.params import CaseId
from cdpdesk.web.security import ForbiddenError, check_csrf, require_account

router = APIRouter(include_in_schema=False)

NOT_SET = N_("Not set (English)")
NOT_SET_CHOICE = N_("Not set (letters in English)")

Signed = Annotated[Account, Depends(require_account)]


def may_change(account: Account | None) -> bool:
    return account is not None and (account.is_appeals or account.role == "representative")


def _tr(context: Context) -> Translator:
    tr = context.get("tr")
    return tr if isinstance(tr, Translator) else i18n.translator()


@pass_context
def choices(context: Context, current: str | None) -> list[dict[str, object]]:
    """The form's options: each language by its own name, and "not set" (English) in the
    page's language."""
    return [{"code": "", "name": _tr(context).gettext(NOT_SET_CHOICE), "current": current is None}] + [
        {"code": code, "name": i18n.language_name(code), "current": code == current}
        for code in i18n.languages()
    ]


def name_of(code: str | None, tr: Translator) -> str:
    """The case's language by its own name ("Español"), or "not set" in ``tr``'s language."""
    return i18n.language_name(code) if code else tr.gettext(NOT_SET)


@pass_context
def language_name(context: Context, code: str | None) -> str:
    return name_of(code, _tr(context))


def _register() -> None:
    from cdpdesk.web import list_words
    from cdpdesk.web.pages import templates

    list_words.register(templates.env)
    templates.env.globals["language_choices"] = choices
    templates.env.globals["language_name"] = language_name
    templates.env.globals["may_change_language"] = may_change


_register()


@router.post("/cases/{case_id}/language")
def change_language(
    request: Request,
    account: Signed,
    case_id: CaseId,
    language: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    accounts: Accounts = request.app.state.accounts
    desk: Desk = request.app.state.desk
    ops.check_visible(accounts, account, case_id)
    if not may_change(account):
        raise ForbiddenError(N_("only a representative or Appeals staff may change the case's language"))
    ops.show(desk, case_id)
    code = set_case_language(desk, case_id, language, by=account.username)
    # the case page's language (the flash is shown there)
    tr = i18n.translator(page_language(request, "case.html"))
    request.session["flash"] = {
        "message": tr.gettext(
            "Preferred language for letters: {name}. Letter 4383 for this case will be issued in it; "
            "letters already issued keep theirs."
        ).format(name=name_of(code, tr)),
        "warnings": [],
        "lang": tr.lang,
    }
    return RedirectResponse(f"/cases/{case_id}#language", status_code=303)
