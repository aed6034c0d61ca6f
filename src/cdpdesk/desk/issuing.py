"""Letter 4383 for every pending withdrawal on several processes (``letters issue-pending
--workers N``).

Rendering a letter (WeasyPrint) is the slow part, about 130 ms, and it happens before the
letter's transaction opens, so N processes render N letters at once while their short
transactions queue. Each pending withdrawal is handed to one worker, and even two runs at
once issue each letter once: :meth:`Desk.acknowledge` is exactly-once by the database's
unique key (case, letter number, withdrawal), and the run that comes second gets the letter
the first issued (``created`` false).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from cdpdesk.desk.settings import Settings

if TYPE_CHECKING:
    from cdpdesk.desk.lettering import Acknowledgement
    from cdpdesk.desk.lettering import LetterWork as Desk

_desk: Desk | None = None


def _open(settings: Settings) -> None:
    global _desk
    from cdpdesk.desk.workflow import Desk

    _desk = Desk(settings)


def _issue(case_id: int, event_id: str, by: str, letter_date: dt.date | None) -> Acknowledgement:
    assert _desk is not None
    return _desk.acknowledge(case_id, event_id, by=by, letter_date=letter_date)


def issue_in_parallel(
    desk: Desk,
    todo: list[dict[str, Any]],
    *,
    workers: int,
    by: str,
    letter_date: dt.date | None,
    progress: Callable[[int, int, dict[str, Any]], None] | None = None,
) -> list[Acknowledgement]:
    """Acknowledge each pending item on a pool of ``workers`` processes; the results in the
    items' order (oldest first). The first failure stops the run (letters issued before it
    stay issued, each in its own transaction) and is raised."""
    # spawn: a fresh interpreter per worker, with no copy of this process's connections
    ctx = multiprocessing.get_context("spawn")
    date = letter_date or dt.date.today()  # one date for the run, even across midnight
    with ProcessPoolExecutor(
        min(workers, len(todo)), mp_context=ctx, initializer=_open, initargs=(desk.settings,)
    ) as pool:
        futures: dict[Future[Acknowledgement], int] = {
            pool.submit(_issue, item["case"], item["event"], by, date): i for i, item in enumerate(todo)
        }
        results: list[Acknowledgement | None] = [None] * len(todo)
        left = set(futures)
        done_count = 0
        while left:
            done, left = wait(left, return_when=FIRST_EXCEPTION)
            for fut in done:
                exc = fut.exception()
                if exc is not None:
                    for other in left:
                        other.cancel()
                    raise exc
                i = futures[fut]
                results[i] = fut.result()
                done_count += 1
                if progress is not None:
                    progress(done_count, len(todo), todo[i])
    return [r for r in results if r is not None]
