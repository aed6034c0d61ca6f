"""Which language a page speaks, and the switch that changes it.

The choice, in order: the language the person picked on the switch (the ``cdpdesk_lang``
cookie, kept a year), else the browser's ``Accept-Language``, else English. Only the
templates listed in ``TRANSLATED`` follow it; a page whose words are not in the catalogs
yet (staff pages, a page added on another branch) stays English with ``lang="en"``, so its
``lang`` attribute is never wrong.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from cdpdesk import i18n
from cdpdesk.privacy import redact
from cdpdesk.web.security import secure_cookies

router = APIRouter(include_in_schema=False)

#: The taxpayer-facing templates whose words are all in the catalogs.
TRANSLATED = frozenset(
    {
        "welcome.html",
        "login.html",
        "understand.html",
        "lookup.html",
        "letter.html",
        "error.html",
        "cases.html",
        "whatif.html",
        "calendar.html",
        "deadlines.html",
        "case.html",
        "password.html",
        "transcripts_upload.html",
        "transcripts_review.html",
    }
)
ONE_YEAR = 365 * 24 * 3600


def chosen(request: Request) -> str:
    """The language of the person asking: the switch's cookie, else Accept-Language."""
    picked = request.cookies.get(i18n.COOKIE)
    if picked:
        try:
            return i18n.check_language(picked[:20])
        except i18n.LanguageError:
            pass  # a stale or forged cookie: fall back to the browser's
    return i18n.negotiate(request.headers.get("accept-language"))


def page_language(request: Request, template: str) -> str:
    return chosen(request) if template in TRANSLATED else i18n.DEFAULT


def context_for(request: Request, template: str) -> dict[str, Any]:
    """What every page's template gets for its language: ``lang``, ``tr``, the gettext
    functions and the switch's links."""
    lang = page_language(request, template)
    tr = i18n.translator(lang)
    # the page to come back to, with any TIN-shaped run a person typed (a lookup) masked:
    # a full TIN never goes into a page or a URL
    here = redact(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    switch = [
        {"code": code, "name": i18n.language_name(code), "current": code == chosen(request)}
        for code in i18n.languages()
    ]
    return {"lang": lang, "tr": tr, "languages": switch, "here": here, **i18n.jinja_callables(tr)}


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value[:2000]
    return "/"


@router.get("/language/{code}")
def switch_language(request: Request, code: str, next: str | None = None) -> Response:
    """The switch on every page: remember the language (cookie) and go back to the page."""
    try:
        lang = i18n.check_language(code[:20])
    except i18n.LanguageError:
        lang = i18n.DEFAULT
    response = RedirectResponse(redact(_safe_next(next)), status_code=303)
    response.set_cookie(
        i18n.COOKIE, lang, max_age=ONE_YEAR, path="/", samesite="lax", secure=secure_cookies(), httponly=True
    )
    return response
