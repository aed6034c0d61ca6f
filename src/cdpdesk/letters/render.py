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

from jinja2 import pass_context
from jinja2.runtime import Context

from cdpdesk.i18n import DEFAULT, Translator, jinja_callables, translator

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


def long_date(value: str | dt.date, tr: Translator | None = None) -> str:
    """``2024-06-10`` -> ``June 10, 2024`` (or ``10 de junio de 2024``)."""
    return (tr or translator()).date(value)


def period_label(row: dict[str, Any], tr: Translator | None = None) -> str:
    tr = tr or translator()
    return tr.gettext("Form {form}, tax period ending {end}").format(
        form=row["form"], end=long_date(row["period_end"], tr)
    )


def parts_label(parts: list[str], tr: Translator | None = None) -> str:
    tr = tr or translator()
    words = {"lien": tr.gettext("the lien filing"), "levy": tr.gettext("the proposed levy")}
    named = [words[p] for p in parts if p in words]
    return tr.join(named) if named else tr.gettext("the collection action")


def kind_label(kind: str, tr: Translator | None = None) -> str:
    tr = tr or translator()
    if kind == "cdp":
        return tr.gettext("Collection Due Process (CDP) hearing")
    return tr.gettext("equivalent hearing")


def letter_code(number: str, lang: str) -> str:
    """The letter's number as the footer prints it: the IRS marks a Spanish edition
    "(SP)" ("Letter 4383 (SP)"); other languages carry their code the same way."""
    return number if lang == DEFAULT else f"{number} ({lang.upper()[:2] if lang != 'es' else 'SP'})"


def _page_count_css(tr: Translator) -> str:
    """The CSS ``content`` of "Page 1 of 2" in the letter's language."""
    text = tr.gettext("Page {page} of {pages}")
    out = '"' + text.replace('"', "").replace("{page}", '" counter(page) "').replace(
        "{pages}", '" counter(pages) "'
    )
    return out + '"'


def _with_tr(fn: Any) -> Any:
    @pass_context
    def filt(context: Context, value: Any) -> Any:
        tr = context.get("tr")
        return fn(value, tr if isinstance(tr, Translator) else None)

    return filt


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
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.filters["long_date"] = _with_tr(long_date)
    env.filters["period_label"] = _with_tr(period_label)
    env.filters["parts_label"] = _with_tr(parts_label)
    env.filters["kind_label"] = _with_tr(kind_label)
    return env


def render_html(
    template: str, data: dict[str, Any], doc_date: str, lang: str = DEFAULT, *, preview: bool = False
) -> str:
    """Render ``templates/TEMPLATE`` with ``data`` in ``lang``; ``doc_date`` (ISO) fixes the
    PDF dates. ``preview`` marks every page "PREVIEW, NOT ISSUED" (a letter not stored); an
    issued letter is rendered without it, byte for byte as before the mark existed."""
    css = (TEMPLATES / "letter.css").read_text(encoding="utf-8")
    stamp = f"{doc_date}T00:00:00+00:00"
    tr = translator(lang)
    number = str((data.get("letter") or {}).get("number", ""))
    html: str = (
        _environment()
        .get_template(template)
        .render(
            d=data,
            css=css,
            stamp=stamp,
            preview=preview,
            tr=tr,
            lang=tr.lang,
            letter_code=letter_code(number, tr.lang),
            page_count_css=_page_count_css(tr),
            **jinja_callables(tr),
        )
    )
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
    """The letter in the snapshot's language (``letter.language``; a snapshot from before
    issue 16 has none and is English); ``preview`` for one that is shown, not issued."""
    lang = snapshot["letter"].get("language") or DEFAULT
    html = render_html("letter4383.html.j2", snapshot, snapshot["letter"]["date"], lang, preview=preview)
    return Rendered(html.encode("utf-8"), render_pdf(html))


def render_withdrawal_request(data: dict[str, Any], doc_date: str, lang: str = DEFAULT) -> Rendered:
    """The facts of Form 12256 for the taxpayer to read and sign, in ``lang``."""
    html = render_html("withdrawal_request.html.j2", data, doc_date, lang)
    return Rendered(html.encode("utf-8"), render_pdf(html))
