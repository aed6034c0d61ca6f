"""What the benchmarks share: the machine they name, and writing their section of
docs/benchmarks.md between its own markers."""

from __future__ import annotations

import platform
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def cpu_model() -> str:
    """The processor's model name, as the benchmarks report the machine."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_section(start: str, end: str, block: str, doc: Path = DOC) -> None:
    """Replace the text between ``start`` and ``end`` (``block`` includes both markers), or
    append the block when the markers are not there yet."""
    text = doc.read_text() if doc.exists() else "# Benchmarks\n\nFigures written by `make bench`.\n\n"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    doc.write_text(text)
