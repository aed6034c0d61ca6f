"""IRS account transcripts in, a ``cdpdesk.case/1`` case and its review list out (issue 17).

Pure like the engine (text in, records out); the command line reads the files and runs
``pdftotext`` for a PDF. The code table is :mod:`cdpdesk.transcripts.codes`.
"""

from __future__ import annotations

from cdpdesk.transcripts.build import TIN_NEEDED, Imported, ReviewItem, TaxpayerError, build_case
from cdpdesk.transcripts.codes import CODES, Code, lookup
from cdpdesk.transcripts.parse import Transcript, TranscriptError, parse_transcripts


def import_texts(
    texts: list[tuple[str, str]], *, name: str | None = None, tin: str | None = None
) -> Imported:
    """(source name, text) pairs, one or several transcripts each, to one case."""
    transcripts: list[Transcript] = []
    for source, text in texts:
        transcripts.extend(parse_transcripts(text, source))
    return build_case(transcripts, name=name, tin=tin)


__all__ = [
    "CODES",
    "TIN_NEEDED",
    "Code",
    "Imported",
    "ReviewItem",
    "TaxpayerError",
    "TranscriptError",
    "build_case",
    "import_texts",
    "lookup",
    "parse_transcripts",
]
