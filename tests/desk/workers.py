"""Process entry points for the parallel tests (importable under the spawn start method)."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any


def acknowledge_at_once(
    url: str, var: str, case_id: int, event_id: str, barrier: Any, clerk: str
) -> dict[str, Any]:
    os.environ["CDPDESK_VAR"] = var
    from cdpdesk.desk.workflow import Desk

    with Desk.open(url) as desk:
        barrier.wait(timeout=60)
        ack = desk.acknowledge(case_id, event_id, by=clerk, letter_date=dt.date(2024, 6, 14))
        return ack.to_json()
