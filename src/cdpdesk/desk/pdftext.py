"""The text of an uploaded or named transcript file: UTF-8 text as is, a PDF through
poppler's ``pdftotext -layout`` (detected by its ``%PDF-`` magic, not its name). Used by
``cdpdesk transcript import`` and the web upload (issue 17); the reading of the text is
``cdpdesk.transcripts``, which stays pure."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from cdpdesk.desk.record import DeskError

#: A PDF transcript is a few pages; pdftotext answers in well under this.
PDFTOTEXT_SECONDS = 60


def is_pdf(data: bytes) -> bool:
    return data[:5] == b"%PDF-"


def pdf_text(path: Path, name: str) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        raise DeskError(f"{name}: reading a PDF needs pdftotext (Debian package poppler-utils)")
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, the path is an argument
            [exe, "-layout", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            timeout=PDFTOTEXT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DeskError(f"{name}: pdftotext took more than {PDFTOTEXT_SECONDS} seconds") from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DeskError(
            f"{name}: pdftotext could not read it ({why[-1] if why else 'exit ' + str(done.returncode)})"
        )
    return done.stdout.decode("utf-8", "replace")


def transcript_text(data: bytes, name: str) -> str:
    """The text of a transcript given as bytes (an upload); a PDF goes through a private
    temporary file, removed at once."""
    if is_pdf(data):
        with tempfile.TemporaryDirectory(prefix="cdpdesk-pdf-") as tmp:
            path = Path(tmp) / "transcript.pdf"
            path.write_bytes(data)
            return pdf_text(path, name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DeskError(f"{name}: not UTF-8 text or a PDF (byte {exc.start})") from None


__all__ = ["PDFTOTEXT_SECONDS", "is_pdf", "pdf_text", "transcript_text"]
