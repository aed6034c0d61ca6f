"""A printable one-page summary of a taxpayer's case, as PDF: where they are, their dates,
what happens next and where to get help, all read from the explainer (no rule here)."""

from __future__ import annotations

import logging
from typing import Any

from jinja2 import Environment, select_autoescape

from cdpdesk.engine.authority import plain_date

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Your case summary: {{ ex.stage.title }}</title>
<style>
@page { size: letter; margin: 0.6in 0.7in; }
html { font-family: "DejaVu Sans", sans-serif; font-size: 9pt; line-height: 1.3; }
h1 { font-size: 14pt; margin: 0 0 4pt; } h2 { font-size: 10.5pt; margin: 9pt 0 3pt; }
p, li { margin: 0 0 2pt; } ul { margin: 0; padding-left: 14pt; } .small { font-size: 8pt; }
</style></head><body>
<h1>Your case summary</h1>
<p>{% if name %}{{ name }}, {% endif %}as of {{ as_of|d }}.</p>
<h2>Where you are now</h2>
<p><strong>{{ ex.stage.title }}</strong>{% if ex.stage.since %}, since {{ ex.stage.since|d }}{% endif %}.</p>
<h2>What this means for you</h2>
<ul>{% for t in ex.means %}<li>{{ t }}</li>{% endfor %}</ul>
<h2>Your dates and next steps</h2>
<ul>{% for s in ex.next_steps %}<li>{{ s.text }}</li>{% endfor %}</ul>
<h2>Where to get help</h2>
<ul>{% for h in ex.help %}<li><strong>{{ h.name }}</strong>: {{ h.contact }}.</li>{% endfor %}</ul>
<p class="small">Made by CDP Desk from the facts of your case. The dates come from the law
and the events recorded; the letters the IRS sent you are the official record.</p>
</body></html>
"""


def summary_html(explanation: dict[str, Any], as_of: str, name: str | None) -> str:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["d"] = plain_date
    return env.from_string(_TEMPLATE).render(ex=explanation, as_of=as_of, name=name)


def summary_pdf(explanation: dict[str, Any], as_of: str, name: str | None) -> bytes:
    """Tagged PDF (PDF/UA-1) of the summary, with its language and title."""
    for logger in ("weasyprint", "fontTools"):
        logging.getLogger(logger).setLevel(logging.ERROR)
    import weasyprint

    html = summary_html(explanation, as_of, name)
    pdf: bytes = weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    return pdf
