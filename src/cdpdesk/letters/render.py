"""Letters to HTML (Jinja2) and to PDF (WeasyPrint), the same bytes every time.

A PDF's only time-dependent parts are its creation and modification dates; both are
fixed to the letter's date (``dcterms.created``/``dcterms.modified`` in the HTML head), so
rendering one snapshot twice gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cdpdesk.engine.authority import plain_date

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True, slots=True)
class Rendered:
    html: bytes
    pdf: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    @property
    def html_sha256(self) -> str:
        return hashlib.sha256(self.html).hexdigest()


def long_date(value: str | dt.date) -> str:
    """``2024-06-10`` -> ``June 10, 2024``."""
    return plain_date(value)


def period_label(row: dict[str, Any]) -> str:
    return f"Form {row['form']}, tax period ending {long_date(row['period_end'])}"


def parts_label(parts: list[str]) -> str:
    words = {"lien": "the lien filing", "levy": "the proposed levy"}
    named = [words[p] for p in parts if p in words]
    return " and ".join(named) if named else "the collection action"


def kind_label(kind: str) -> str:
    return "Collection Due Process (CDP) hearing" if kind == "cdp" else "equivalent hearing"


@cache
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = long_date
    env.filters["period_label"] = period_label
    env.filters["parts_label"] = parts_label
    env.filters["kind_label"] = kind_label
    return env


def render_html(template: str, data: dict[str, Any], doc_date: str, *, preview: bool = False) -> str:
    """Render ``templates/TEMPLATE`` with ``data``; ``doc_date`` (ISO) fixes the PDF dates.
    ``preview`` marks every page "PREVIEW, NOT ISSUED" (a letter not stored); an issued
    letter is rendered without it, byte for byte as before the mark existed."""
    css = (TEMPLATES / "letter.css").read_text(encoding="utf-8")
    stamp = f"{doc_date}T00:00:00+00:00"
    html: str = _environment().get_template(template).render(d=data, css=css, stamp=stamp, preview=preview)
    return html


def render_pdf(html: str) -> bytes:
    """WeasyPrint, quiet and deterministic (no clock: the dates come from the HTML head)."""
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import weasyprint

    # Tagged for screen readers (PDF/UA-1: structure tags, the document's language and
    # title from the HTML's lang and <title>).
    pdf: bytes = weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf(pdf_variant="pdf/ua-1")
    return pdf


def render_4383(snapshot: dict[str, Any], *, preview: bool = False) -> Rendered:
    """Letter 4383 from its snapshot; ``preview`` for one that is shown, not issued."""
    html = render_html("letter4383.html.j2", snapshot, snapshot["letter"]["date"], preview=preview)
    return Rendered(html.encode("utf-8"), render_pdf(html))


def render_withdrawal_request(data: dict[str, Any], doc_date: str) -> Rendered:
    html = render_html("withdrawal_request.html.j2", data, doc_date)
    return Rendered(html.encode("utf-8"), render_pdf(html))
