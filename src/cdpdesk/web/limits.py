"""The request-size limit: no request body larger than ``CDPDESK_MAX_BODY`` (default 1 MiB).

A body announced larger (``Content-Length``) is refused before a byte of it is read; a body
sent without a length (chunked) is counted as it arrives and refused the moment it passes
the limit. Either way the answer is 413: ``cdpdesk.error/1`` JSON under ``/api``, a page
elsewhere (the app's handler for HTTP errors).

1 MiB is about 1,400 times the average case file of the benchmarks (720 bytes) and holds a
case with several thousand events; a desk that imports larger files raises it.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
import re
import time
from collections.abc import Callable
from functools import cache

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cdpdesk.engine.words import N_

DEFAULT_MAX_BODY = 1024 * 1024
#: After a request with a body at least this large, the memory it needed is handed back to
#: the system (see ``release_memory``), at most once every RELEASE_DELAY seconds, so that a
#: client sending large bodies one after another does not make the server collect all the time.
LARGE_BODY = 256 * 1024
RELEASE_DELAY = 1.0
#: A client address refused with 413 waits this long before its next oversized (or chunked)
#: API body is looked at, for PENALTY_WINDOW seconds after the refusal: a client that keeps
#: sending oversized bodies gets about one refusal a second per connection instead of as
#: many as the server can make, and the wait costs the server no CPU.
PENALTY_DELAY = 1.0
PENALTY_WINDOW = 10.0
_pause = asyncio.sleep  # (a test replaces it)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SIZE = re.compile(r"^\s*(\d+)\s*(b|k|kb|kib|m|mb|mib)?\s*$", re.I)
_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1000, "kib": 1024, "m": 1024**2, "mb": 1000**2, "mib": 1024**2}


def parse_size(text: str) -> int:
    """``1048576``, ``512KiB``, ``8MiB``, ``2MB`` → bytes."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"CDPDESK_MAX_BODY: {text[:40]!r} is not a size (e.g. 1048576, 512KiB, 8MiB)")
    return int(m.group(1)) * _UNITS[(m.group(2) or "").lower()]


def max_body() -> int:
    """``CDPDESK_MAX_BODY`` in bytes, or the default (1 MiB)."""
    raw = os.environ.get("CDPDESK_MAX_BODY")
    return parse_size(raw) if raw else DEFAULT_MAX_BODY


def size_words(n: int) -> str:
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB"
    if n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n:,} bytes"


TOO_LARGE = N_("the request body is larger than this server accepts ({size})")


class BodyTooLarge(HTTPException):
    """413. An ``HTTPException``, so that FastAPI's body parsing lets it through untouched."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, TOO_LARGE.format(size=size_words(limit)), headers={"Connection": "close"})
        # the error page's words in the reader's language (web/pages.py error_page)
        self.words: tuple[str, dict[str, object]] = (TOO_LARGE, {"size": size_words(limit)})


def declared_too_large(content_length: str | bytes | None, limit: int) -> bool:
    if not content_length:
        return False
    try:
        return int(content_length) > limit
    except ValueError:
        return False


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        trim: Callable[[int], int] | None = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc
        return None
    return trim


def release_memory() -> None:
    """Give back to the system the memory a large request needed. A case with 100,000 bad
    events makes hundreds of thousands of objects; once they are freed, their memory stays in
    the C allocator's free lists (glibc's, one arena per thread), so the process would stay
    near its peak (measured: 1.1 GB after the audit's burst, 0.3 GB with this).
    ``malloc_trim(0)`` returns every arena's free pages; it runs outside the GIL. (No
    ``gc.collect()``: the objects are freed by their reference counts already, and a full
    collection would stop every other request for as long as it takes.)"""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class ApiBodyLimit:
    """ASGI middleware, outermost, for ``/api``: the body is read here, at the edge, up to the
    limit, before the session, the routing or any other middleware runs. A body announced
    larger is answered 413 without reading it; one sent chunked is answered 413 the moment
    it passes the limit; otherwise the application receives it whole, in one message. A
    client repeating an oversized body so costs the server little. (Pages are limited by
    ``BodyLimit`` inside the app, which answers them with the app's error page.)"""

    def __init__(self, app: ASGIApp, limit: int, headers: dict[str, str]) -> None:
        self.app = app
        self.limit = limit
        self._refused: dict[str, float] = {}  # client address -> when it was last refused
        self.body = orjson.dumps(
            {"format": "cdpdesk.error/1", "errors": [{"field": None, "message": BodyTooLarge(limit).detail}]}
        )
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()] + [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(self.body)).encode()),
            (b"connection", b"close"),
        ]

    async def _refuse(self, send: Send, address: str) -> None:
        now = time.monotonic()
        if len(self._refused) > 10_000:
            self._refused = {a: t for a, t in self._refused.items() if now - t < PENALTY_WINDOW}
        self._refused[address] = now
        await send({"type": "http.response.start", "status": 413, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = str(client[0]) if client else ""
        length: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
        over = declared_too_large(length, self.limit)
        if (over or (length is None and scope["method"] in UNSAFE_METHODS)) and (
            time.monotonic() - self._refused.get(address, -PENALTY_WINDOW) < PENALTY_WINDOW
        ):
            await _pause(PENALTY_DELAY)  # refused lately: this one waits its turn
        if over:
            await self._refuse(send, address)
            return
        chunks: list[bytes] = []
        size = 0
        first: Message | None = None
        while True:
            message = await receive()
            if message["type"] != "http.request":
                first = message  # the client went away: the application hears it
                break
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await self._refuse(send, address)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        if first is None:
            first = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        pending: list[Message] = [first]

        async def replay() -> Message:
            return pending.pop() if pending else await receive()

        await self.app(scope, replay, send)


class BodyLimit:
    """ASGI middleware counting the body as the application reads it, and releasing the
    memory a large one needed soon after its answer is sent."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._release: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = 0
        limit = self.limit

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counted, send)
        finally:
            # Only after a large body that was read and worked on (a refused one left
            # nothing behind).
            if LARGE_BODY <= seen <= limit and self._release is None:
                self._release = asyncio.create_task(self._release_soon())

    async def _release_soon(self) -> None:
        try:
            await asyncio.sleep(RELEASE_DELAY)
            await run_in_threadpool(release_memory)
        finally:
            self._release = None
