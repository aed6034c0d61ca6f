"""A real CDP Desk server for browser tests and screenshots: uvicorn on 127.0.0.1 on a free
port, in a background thread, over a temporary SQLite database with the demo data."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class Running:
    url: str
    demo: dict[str, Any]
    var: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running_server(var: Path, today: dt.date | None = None) -> Iterator[Running]:
    import uvicorn

    from cdpdesk.desk.accounts import Accounts
    from cdpdesk.desk.demo import load_demo
    from cdpdesk.desk.workflow import Desk
    from cdpdesk.web.app import create_app

    old = os.environ.get("CDPDESK_VAR")
    os.environ["CDPDESK_VAR"] = str(var)
    try:
        desk = Desk.open(f"sqlite:///{var / 'cdpdesk.db'}")
        demo = load_demo(desk, Accounts(desk), today)
        app = create_app(desk=desk)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        try:
            yield Running(f"http://127.0.0.1:{port}", demo, var)
        finally:
            server.should_exit = True
            thread.join(10)
            desk.close()
    finally:
        if old is None:
            os.environ.pop("CDPDESK_VAR", None)
        else:
            os.environ["CDPDESK_VAR"] = old
