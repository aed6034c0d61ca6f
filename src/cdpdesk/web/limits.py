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
import gc
import os
import re
from collections.abc import Callable
from functools import cache

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY = 1024 * 1024
#: After a request with a body at least this large, the memory it needed is handed back to
#: the system (see ``release_memory``), at most once every RELEASE_DELAY seconds, so that a
#: client sending large bodies one after another does not make the server collect all the time.
LARGE_BODY = 256 * 1024
RELEASE_DELAY = 1.0
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


class BodyTooLarge(HTTPException):
    """413. An ``HTTPException``, so that FastAPI's body parsing lets it through untouched."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"the request body is larger than this server accepts ({size_words(limit)})",
            headers={"Connection": "close"},
        )


def declared_too_large(content_length: str | None, limit: int) -> bool:
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
    """Free what a large request left behind and give it back to the system. A case with
    100,000 bad events makes hundreds of thousands of small objects; once they are freed,
    CPython keeps their memory in the C allocator's free lists (glibc's, one arena per
    thread), so the process would stay at its peak. ``gc.collect`` breaks the exception's
    reference cycles; ``malloc_trim(0)`` returns every arena's free pages."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


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
            if seen >= LARGE_BODY and self._release is None:
                self._release = asyncio.create_task(self._release_soon())

    async def _release_soon(self) -> None:
        try:
            await asyncio.sleep(RELEASE_DELAY)
            await run_in_threadpool(release_memory)
        finally:
            self._release = None
