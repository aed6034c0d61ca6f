"""Letter 4383 in Spanish, read back from its PDF: the facts of letters.md items 1-8 in
Spanish words, Spanish dates, the "(SP)" footer, the PDF's language; and the desk issuing
it in the taxpayer's preferred language (taxpayer.language in the case file)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from cdpdesk.contract import load_case
from cdpdesk.desk.settings import SAMPLE_CONTACT
from cdpdesk.desk.workflow import Desk
from cdpdesk.engine import analyze
from cdpdesk.letters import facts
from cdpdesk.letters.facts import LetterError
from cdpdesk.letters.render import render_4383
from tests.conftest import ROOT
from tests.letters.test_letter4383 import CASES, _text
from tests.web.english import english_words

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"
DAY = dt.date(2024, 6, 14)


def _spanish(raw: dict[str, Any]) -> dict[str, Any]:
    raw = json.loads(json.dumps(raw))
    raw["taxpayer"]["language"] = "es"
    return raw


def _upper_right(pdf: bytes, tmp_path: Path) -> str:
    """Page one's upper right block (the Spanish labels are longer: the box is taller)."""
    import re
    import subprocess

    src = tmp_path / "ur.pdf"
    src.write_bytes(pdf)
    crop = ["-f", "1", "-l", "1", "-r", "72", "-x", "300", "-y", "0", "-W", "320", "-H", "240"]
    out = subprocess.run(
        ["pdftotext", "-layout", *crop, str(src), "-"], capture_output=True, check=True
    ).stdout
    return re.sub(r"\s+", " ", out.decode())


def _snapshot(path: Path, withdrawal: str, language: str | None = "es") -> dict[str, Any]:
    case = load_case(path.read_bytes())
    analysis = analyze(case, facts.as_of_for(case, DAY))
    return facts.letter_4383_snapshot(
        case, analysis, withdrawal, DAY, dict(SAMPLE_CONTACT), case_ref="CDP Desk case 7", language=language
    )


def test_the_spanish_letter_carries_items_1_to_8(tmp_path: Path) -> None:
    pdf = render_4383(_snapshot(EXAMPLE, "e3")).pdf
    text = _text(pdf, tmp_path)
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert reader.trailer["/Root"]["/Lang"] == "es"
    # 1. header, office address, letter date
    assert (
        "Departamento del Tesoro Servicio de Impuestos Internos Oficina Independiente de Apelaciones" in text
    )
    for line in SAMPLE_CONTACT["office"]:
        assert line in text
    block = _upper_right(pdf, tmp_path)
    assert block.strip().startswith("Guarde este recuadro") and "Fecha: 14 de junio de 2024" in block
    # 2. the upper right block, with the TIN's last four digits only
    for label, value in (
        ("Persona de contacto:", SAMPLE_CONTACT["name"]),
        ("Núm. de empleado:", SAMPLE_CONTACT["employee_id"]),
        ("Teléfono:", SAMPLE_CONTACT["phone"]),
        ("Fax:", SAMPLE_CONTACT["fax"]),
        ("Núm. de contribuyente:", "XXX-XX-6789"),
        ("Formulario de impuestos:", "1040"),
        ("Período tributario:", "31 de diciembre de 2019"),
    ):
        assert f"{label} {value}" in block, (label, block)
    assert "123-45-6789" not in text and "123456789" not in text
    # 3. name and address
    assert "Avery Quinn 12 Elm St Springfield IL 62701" in text
    # 4. what happened
    assert (
        "El 10 de junio de 2024, la Oficina Independiente de Apelaciones recibió su solicitud firmada" in text
    )
    assert "audiencia del debido proceso de cobro (CDP) sobre el embargo propuesto" in text
    assert "Formulario 1040, período tributario que termina el 31 de diciembre de 2019" in text
    assert "Con esto termina toda su solicitud de audiencia" in text
    # 5. what it means for a CDP hearing, with the CSED
    assert "Apelaciones no emitirá una determinación" in text
    assert "normas legales y administrativas" in text
    assert "no puede pedir al Tribunal Tributario de los Estados Unidos que revise su caso" in text
    assert "La suspensión del embargo" in text and "ya no está en pausa" in text
    assert "1 de febrero de 2031" in text
    assert "Programa de Apelaciones de Cobro (CAP)" in text and "oficina de Cobros del IRS" in text
    # 6. what to do next
    assert f"llame a {SAMPLE_CONTACT['name']} al {SAMPLE_CONTACT['phone']}" in text
    assert (
        "plan de pagos a plazos" in text and "durante cinco años después de que se aceptó la oferta" in text
    )
    # 7. where to get help
    assert "Servicio del Defensor del Contribuyente (TAS)" in text and "1-877-777-4778" in text
    assert "Clínicas para Contribuyentes de Bajos Ingresos" in text and "Publicación 4134" in text
    # 8. footer: the IRS's Spanish edition mark, the revision, the page count
    assert "Letter 4383 (SP) (Rev. 11-2026)" in text
    assert f"Página 1 de {pages}" in text and f"Página {pages} de {pages}" in text
    # the only English left: the contact's own settings (office hours, title), the letter's
    # code as the IRS prints it, and the desk's reference
    rest = text.replace(SAMPLE_CONTACT["hours"], "").replace("Letter 4383", "").replace("CDP Desk case 7", "")
    left = set(english_words(rest))
    assert left <= {"Appeals"}, left  # "Appeals Officer", the contact's title from the settings


def test_a_spanish_partial_withdrawal_names_what_remains(tmp_path: Path) -> None:
    text = _text(render_4383(_snapshot(CASES / "partial-lien-levy.json", "w1")).pdf, tmp_path)
    assert "sobre la presentación del gravamen y el embargo propuesto para este período tributario" in text
    assert "Usted retiró solo una parte de su solicitud de audiencia" in text
    assert "Formulario 1040, período tributario que termina el 31 de diciembre de 2020" in text


def test_the_letter_follows_the_taxpayers_language_unless_told(tmp_path: Path) -> None:
    raw = _spanish(json.loads(EXAMPLE.read_text()))
    src = tmp_path / "es.json"
    src.write_text(json.dumps(raw))
    assert _snapshot(src, "e3", language=None)["letter"]["language"] == "es"
    assert _snapshot(src, "e3", language="en")["letter"]["language"] == "en"
    assert _snapshot(EXAMPLE, "e3", language=None)["letter"]["language"] == "en"
    with pytest.raises(LetterError, match="unknown language 'fr'"):
        _snapshot(EXAMPLE, "e3", language="fr")
    # a snapshot stored before languages existed renders in English, as it was
    old = _snapshot(EXAMPLE, "e3", language=None)
    del old["letter"]["language"]
    assert render_4383(old).html == render_4383(_snapshot(EXAMPLE, "e3", language="en")).html


def test_rendering_the_spanish_letter_twice_gives_the_same_bytes() -> None:
    a, b = render_4383(_snapshot(EXAMPLE, "e3")), render_4383(_snapshot(EXAMPLE, "e3"))
    assert a.pdf == b.pdf and a.html == b.html


def test_the_desk_issues_letter_4383_in_the_taxpayers_language(tmp_path: Path) -> None:
    desk = Desk.open(f"sqlite:///{tmp_path / 'd.db'}")
    try:
        raw = _spanish(json.loads(EXAMPLE.read_text()))
        case_id = desk.import_case(json.dumps(raw).encode(), source="es.json", by="tester")
        # the stored case gives the language back
        assert desk.stored(case_id).case_file().taxpayer.language == "es"  # type: ignore[union-attr]
        ack = desk.acknowledge(case_id, "e3", by="tester", letter_date=DAY)
        pdf = ack.letter.pdf.read_bytes()
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert "Recibimos su solicitud para retirar su audiencia" in text
        assert "Letter 4383 (SP)" in text
        # and an English case stays English, its policies kept as given
        raw_en = json.loads(EXAMPLE.read_text())
        raw_en["policies"] = {"leap_day": "mar1"}
        other = desk.import_case(
            json.dumps(raw_en).encode(), source="en.json", by="tester", allow_duplicate=True
        )
        case = desk.stored(other).case_file()
        assert case.taxpayer is not None and case.taxpayer.language is None
        assert case.policies.leap_day == "mar1"
    finally:
        desk.close()


def test_the_spanish_previews_staff_mark_is_marked_english() -> None:
    """The preview's mark ("PREVIEW, NOT ISSUED", for Appeals staff) stays English and says
    so on a Spanish letter; an issued letter has none."""
    html = render_4383(_snapshot(EXAMPLE, "e3"), preview=True).html.decode()
    assert '<div class="preview-mark" role="note" lang="en"><strong>PREVIEW, NOT ISSUED</strong>' in html
    assert '<html lang="es"' in html
    # the desk's reference is an identifier (English words): quoted as it is, marked so
    assert '<td lang="en">CDP Desk case 7</td>' in html
    issued = render_4383(_snapshot(EXAMPLE, "e3")).html.decode()
    assert "preview-mark" not in issued.split("</style>")[-1] and "PREVIEW" not in issued
    english = render_4383(_snapshot(EXAMPLE, "e3", language="en"), preview=True).html.decode()
    assert '<div class="preview-mark" role="note"><strong>PREVIEW, NOT ISSUED</strong>' in english
    assert "<td>CDP Desk case 7</td>" in english
