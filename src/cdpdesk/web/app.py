"""The web desk: one FastAPI application serving the REST API (``/api``) and the pages.

``create_app()`` opens the desk on ``CDPDESK_DATABASE_URL`` (default ``var/cdpdesk.db``),
brings the schema up to date (accounts included) and serves. ``cdpdesk serve`` runs it
with uvicorn, as an application factory (``cdpdesk.web.app:create_app``) so that each of
``--workers N`` processes opens its own desk.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

from cdpdesk.contract import CaseError
from cdpdesk.desk.accounts import Accounts
from cdpdesk.desk.intake import DuplicateCaseError
from cdpdesk.desk.record import DeskError, NotFoundError, StaleCaseError
from cdpdesk.desk.throttle import Throttled
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine.words import N_
from cdpdesk.letters.facts import LetterError
from cdpdesk.privacy import install_redaction
from cdpdesk.web import account_pages, api, case_language, language, pages, practice, staff, transcripts
from cdpdesk.web.limits import (
    ApiBodyLimit,
    BodyLimit,
    BodyTooLarge,
    declared_too_large,
    max_body,
)
from cdpdesk.web.ops import FieldError, safe_message
from cdpdesk.web.security import (
    SESSION_COOKIE,
    UNSAFE,
    AuthError,
    CsrfError,
    ForbiddenError,
    secret_key,
    secure_cookies,
)

HERE = Path(__file__).resolve().parent
log = logging.getLogger("cdpdesk.web")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
#: /docs: Swagger UI's script and styles from this server only (its start-up script is a
#: static file, so no inline script is allowed); it fetches /openapi.json and nothing else.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
DOCS_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>CDP Desk API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css">
<link rel="icon" href="/docs-assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/docs-init.js"></script>
</body>
</html>
"""
#: Starts Swagger UI: a script of its own, not inline, so DOCS_CSP needs no 'unsafe-inline'.
DOCS_INIT_JS = """(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
"""


def _errors(field: str | None, message: str, event: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"field": None if field is None else safe_message(field)}
    item["message"] = safe_message(message)
    if event is not None:
        item["event"] = safe_message(event)
    return {"format": "cdpdesk.error/1", "errors": [item]}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


#: A method a path does not take (405), said in the page's language on the error page.
NOT_ALLOWED = N_("{method} is not allowed here; allowed: {allowed}")


class OneReadSession:
    """ASGI middleware: each request's reads in one read session of the desk
    (``Desk.reading``), from the sign-in's session lookup to the page's last list, instead
    of one session (a checkout of the pool, and on PostgreSQL its pre-ping) per read; a write
    lets it go, so a read after it sees the write. It wraps the whole answer, a streamed body
    and the error pages included."""

    def __init__(self, app: ASGIApp, desk: Desk) -> None:
        self.app = app
        self.desk = desk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self.desk.reading():
            await self.app(scope, receive, send)


def create_app(database_url: str | None = None, *, desk: Desk | None = None) -> FastAPI:
    """The application over one desk (opened here unless given). With no arguments it is the
    factory ``cdpdesk serve`` gives uvicorn: each worker process opens the desk itself."""
    the_desk = desk or Desk.open(database_url)
    body_limit = max_body()
    accounts = Accounts(the_desk)
    owns_desk = desk is None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Everything loaded so far (modules, the engine's tables, the app) lives as long as the
        # process: keep the cycle collector from rescanning it, which took pauses of 100 ms
        # or more under load. Requests make short-lived, acyclic objects.
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
        try:
            yield
        finally:
            if owns_desk:
                the_desk.close()

    app = FastAPI(
        title="CDP Desk",
        version="1.0",
        summary="Collection Due Process hearings, withdrawals (Letter 4383), deadlines and CSEDs.",
        description=(
            "`POST /api/analyze` needs no sign-in and stores nothing. Every other endpoint needs a "
            "signed-in user: the `cdpdesk_session` cookie of the web pages (send its CSRF token "
            "as `X-CSRF-Token` on POST), or HTTP Basic with a username and password (for scripts). "
            "Appeals staff see every case; representatives and taxpayers see the cases linked to "
            "them. Errors are `cdpdesk.error/1` JSON naming the field and the reason. A full "
            "taxpayer identification number appears only in a case export (Appeals only)."
        ),
        lifespan=lifespan,
        # Swagger UI is served from the installed swagger-ui-bundle package, not a CDN, so
        # /docs works on a machine with no outside network.
        docs_url=None,
        redoc_url=None,
    )
    app.state.desk = the_desk
    app.state.accounts = accounts

    # Every record this process makes is masked (uvicorn's access and error logs, a 500's
    # traceback, ours); ``cdpdesk serve`` also hands uvicorn privacy.log_config().
    install_redaction()

    # Innermost (added first): the count raises its 413 in the handler that reads the body,
    # where the app's error handlers answer it.
    app.add_middleware(BodyLimit, limit=body_limit)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await _screen(request) or await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        path = request.url.path
        if path in ("/docs", "/docs-init.js"):
            response.headers.setdefault("Content-Security-Policy", DOCS_CSP)
        elif not path.startswith("/docs-assets"):
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        # Every API answer (they are per user, or errors) and the private pages: never kept
        # by a browser or a proxy.
        if _is_api(request) or path.startswith(
            ("/cases", "/queue", "/letters", "/deadlines", "/calendar", "/feeds", "/intake", "/account")
        ):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    async def _screen(request: Request) -> Response | None:
        """A refusal before the request reaches a route, or None."""
        # A browser tells us when a request comes from another site: refuse unsafe ones
        # (a second line behind the CSRF tokens).
        if request.method in UNSAFE and request.headers.get("sec-fetch-site") == "cross-site":
            return _refuse(request, 403, None, N_("cross-site requests are not accepted"))
        # A body announced larger than the limit is refused before any of it is read (one
        # sent without a length is counted as it arrives: BodyLimit above).
        if declared_too_large(request.headers.get("content-length"), body_limit):
            exc = BodyTooLarge(body_limit)
            return _refuse(request, 413, None, str(exc.detail), dict(exc.headers or {}), exc=exc)
        return None

    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key(the_desk.settings.var_dir),
        session_cookie=SESSION_COOKIE,
        max_age=7 * 24 * 3600,
        same_site="lax",
        https_only=secure_cookies(),
    )
    # Around everything the request does but the edge's body limit (below: it reads nothing).
    app.add_middleware(OneReadSession, desk=the_desk)
    # Outermost: API bodies read and limited at the edge (with the headers guard would add).
    app.add_middleware(
        ApiBodyLimit,
        limit=body_limit,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Content-Security-Policy": CSP,
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "no-store",
        },
    )

    def _refuse(
        request: Request,
        status: int,
        field: str | None,
        message: str,
        headers: dict[str, str] | None = None,
        exc: Exception | None = None,
        words: tuple[str, dict[str, object]] | None = None,
    ) -> Response:
        if _is_api(request):
            return JSONResponse(_errors(field, message), status_code=status, headers=headers)
        # our own words with values (web/security.py Worded, ops.NotVisible, limits.BodyTooLarge):
        # in the page's language
        words = words or getattr(exc, "words", None)
        page = pages.error_page(request, status, safe_message(message), words)
        page.headers.update(headers or {})
        return page

    @app.exception_handler(Throttled)
    async def _throttled(request: Request, exc: Throttled) -> Response:
        return _refuse(request, 429, None, str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(AuthError)
    async def _auth(request: Request, exc: AuthError) -> Response:
        if _is_api(request):
            headers = {"WWW-Authenticate": 'Basic realm="CDP Desk"'} if exc.basic_tried else None
            return JSONResponse(_errors(None, str(exc)), status_code=401, headers=headers)
        target = safe_message(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(ForbiddenError)
    async def _forbidden(request: Request, exc: ForbiddenError) -> Response:
        return _refuse(request, 403, None, str(exc), exc=exc)

    @app.exception_handler(CsrfError)
    async def _csrf(request: Request, exc: CsrfError) -> Response:
        return _refuse(request, 403, "X-CSRF-Token" if _is_api(request) else "csrf_token", str(exc), exc=exc)

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> Response:
        return _refuse(request, 404, None, str(exc), exc=exc)

    @app.exception_handler(StaleCaseError)
    async def _stale(request: Request, exc: StaleCaseError) -> Response:
        return _refuse(request, 409, "expected_version", str(exc))

    @app.exception_handler(DuplicateCaseError)
    async def _duplicate(request: Request, exc: DuplicateCaseError) -> Response:
        return _refuse(request, 409, "allow_duplicate", str(exc))

    @app.exception_handler(DeskError)
    async def _desk_error(request: Request, exc: DeskError) -> Response:
        found = exc.case_error()  # the engine's items, as the desk received them
        if found is not None and _is_api(request):
            return JSONResponse(api.case_error_json(found), status_code=422)
        return _refuse(request, 422, None, str(exc))

    @app.exception_handler(LetterError)
    async def _letter_error(request: Request, exc: LetterError) -> Response:
        return _refuse(request, 422, None, str(exc))

    @app.exception_handler(FieldError)
    async def _field_error(request: Request, exc: FieldError) -> Response:
        return _refuse(request, 422, exc.field, exc.message)

    @app.exception_handler(CaseError)
    async def _case_error(request: Request, exc: CaseError) -> Response:
        if _is_api(request):
            return JSONResponse(api.case_error_json(exc), status_code=422)
        return pages.error_page(request, 422, safe_message(exc.one_line()))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        items = []
        for err in exc.errors():
            msg = str(err.get("msg", "invalid"))
            items.append({"field": safe_message(_field(err.get("loc", ()))), "message": safe_message(msg)})
        if _is_api(request):
            return JSONResponse({"format": "cdpdesk.error/1", "errors": items}, status_code=422)
        return pages.error_page(request, 422, "; ".join(f"{i['field']}: {i['message']}" for i in items))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and message == "Not Found":
            message = "there is no page at this address"
        headers = dict(exc.headers or {})  # Connection: close on a 413, Allow on a 405
        words: tuple[str, dict[str, object]] | None = None
        if exc.status_code == 405:
            # Starlette names the methods of the first route on this path only.
            headers["Allow"] = _allowed(request)
            words = (NOT_ALLOWED, {"method": request.method, "allowed": headers["Allow"]})
            message = NOT_ALLOWED.format(**words[1])
        return _refuse(request, exc.status_code, None, message, headers, exc=exc, words=words)

    def _allowed(request: Request) -> str:
        methods: set[str] = set()
        # (the routers' own lists too: newer FastAPI keeps an included router as one entry)
        for route in [
            *app.router.routes,
            *api.router.routes,
            *staff.router.routes,
            *account_pages.router.routes,
            *pages.router.routes,
            *practice.api_router.routes,
            *practice.router.routes,
            *language.router.routes,
            *transcripts.router.routes,
        ]:
            if isinstance(route, Route) and route.methods and route.matches(request.scope)[0] != Match.NONE:
                methods |= route.methods
        return ", ".join(sorted(methods))

    app.include_router(api.router)
    app.include_router(practice.api_router)
    app.include_router(staff.router)  # before pages: its routes are more specific
    app.include_router(transcripts.router)  # transcripts in, the review list (issue 17)
    app.include_router(account_pages.router)
    app.include_router(pages.router)
    app.include_router(practice.router)
    app.include_router(language.router)  # the language switch (issue 16)
    app.include_router(case_language.router)  # the case's preferred language (issue 16)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def api_docs() -> Response:
        return HTMLResponse(DOCS_HTML.format(openapi_url=app.openapi_url or "/openapi.json"))

    @app.get("/docs-init.js", include_in_schema=False)
    async def api_docs_init() -> Response:
        return Response(DOCS_INIT_JS, media_type="text/javascript; charset=utf-8")

    return app
