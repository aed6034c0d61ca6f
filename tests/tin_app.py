"""A bare ASGI app that fails the way a bug would, with a TIN in its exception: served by
uvicorn with ``privacy.log_config`` in tests/test_no_tin_leaks.py (also with two workers)."""

from __future__ import annotations

from typing import Any


class ModelInputError(ValueError):
    pass


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    # what pydantic prints for a model that refused a value: the input, in full
    raise ModelInputError("1 validation error for Taxpayer\ntin\n  input_value='321-54-9876', input_type=str")
