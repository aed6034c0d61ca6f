"""A printable one-page summary of a taxpayer's case, as PDF: where they are, their dates,
what happens next and where to get help, all read from the explainer (no rule here)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from cdpdesk.i18n import Translator, translator

# The template is a file beside the pages' (so `make messages` extracts its words); it is
# rendered on its own environment, not the pages' (no request, no base.html).
_TEMPLATE = (Path(__file__).resolve().parent / "templates" / "summary_pdf.html").read_text(encoding="utf-8")


def summary_html(
    explanation: dict[str, Any], as_of: str, name: str | None, tr: Translator | None = None
) -> str:
    """The summary in ``tr``'s language (the explanation given should be in it too)."""
    tr = tr or translator()
    env = Environment(
        autoescape=select_autoescape(default=True, default_for_string=True), extensions=["jinja2.ext.i18n"]
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(tr.gettext, tr.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["d"] = tr.date
    return env.from_string(_TEMPLATE).render(ex=explanation, as_of=as_of, name=name, lang=tr.lang)


def summary_pdf(
    explanation: dict[str, Any], as_of: str, name: str | None, tr: Translator | None = None
) -> bytes:
    """Tagged PDF (PDF/UA-1) of the summary, with its language and title."""
    for logger in ("weasyprint", "fontTools"):
        logging.getLogger(logger).setLevel(logging.ERROR)
    import weasyprint

    html = summary_html(explanation, as_of, name, tr)
    pdf: bytes = weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    return pdf
