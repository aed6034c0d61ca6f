"""`cdpdesk explain --lang es` and `cdpdesk letter render ... --lang es`, as a user runs them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.cli.test_cli import EXAMPLE, cdpdesk
from tests.conftest import ROOT
from tests.web.english import english_words

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_explain_in_spanish(path: Path) -> None:
    res = cdpdesk("explain", str(path), "--lang", "es")
    assert res.returncode == 0, res.stderr
    text = res.stdout.decode()
    for heading in (
        "Lo que esto significa para usted",
        "Cómo llegó hasta aquí",
        "Sus próximos pasos",
        "Dónde está usted en el camino del cobro",
        "Dónde obtener ayuda",
    ):
        assert heading in text
    assert "<- usted está aquí" in text
    # English only where it is a name: none of the everyday words
    assert english_words(text) == [], english_words(text)


def test_explain_in_spanish_has_the_dates_in_spanish() -> None:
    text = cdpdesk("explain", str(EXAMPLE), "--lang", "es").stdout.decode()
    assert "10 de junio de 2024" in text  # the withdrawal
    assert "1 de febrero de 2031" in text  # the CSED
    assert "Audiencia retirada; el caso regresó a Cobros   <- usted está aquí" in text
    assert "$8,412.00" in text or "tasó un impuesto" in text


def test_explain_follows_the_case_files_language(tmp_path: Path) -> None:
    raw = json.loads(EXAMPLE.read_text())
    raw["taxpayer"]["language"] = "es"
    src = tmp_path / "es.json"
    src.write_text(json.dumps(raw))
    assert "Sus próximos pasos" in cdpdesk("explain", str(src)).stdout.decode()
    assert "Your next steps" in cdpdesk("explain", str(src), "--lang", "en").stdout.decode()


def test_an_unknown_language_is_a_clear_error() -> None:
    res = cdpdesk("explain", str(EXAMPLE), "--lang", "fr")
    assert res.returncode == 2
    assert b"--lang: unknown language 'fr'; expected one of: en, es" in res.stderr
    res = cdpdesk(
        "letter", "render", "4383", str(EXAMPLE), "--withdrawal", "e3", "--out", "/tmp", "--lang", "xx"
    )
    assert res.returncode == 2 and b"--lang: unknown language 'xx'" in res.stderr


def test_letter_render_in_spanish(tmp_path: Path) -> None:
    res = cdpdesk(
        "letter", "render", "4383", str(EXAMPLE), "--withdrawal", "e3", "--out", str(tmp_path),
        "--date", "2024-06-14", "--lang", "es",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    pdf = tmp_path / "preview-4383-e3.pdf"
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    assert "Recibimos su solicitud para retirar su audiencia" in out and "14 de junio de 2024" in out
    assert PdfReader(pdf).trailer["/Root"]["/Lang"] == "es"
    html = (tmp_path / "preview-4383-e3.html").read_text()
    assert '<html lang="es">' in html


def test_the_withdrawal_request_in_spanish_for_the_taxpayer_to_sign(tmp_path: Path) -> None:
    raw = json.loads((ROOT / "examples" / "newsome-lien.json").read_text())
    raw["taxpayer"] = {"name": "Rosa Newsome", "address": ["1 Main St", "Austin TX 78701"], "language": "es"}
    src = tmp_path / "case.json"
    src.write_text(json.dumps(raw))
    res = cdpdesk(
        "letter", "render", "withdrawal-request", str(src), "--request", "r1",
        "--out", str(tmp_path), "--date", "2005-01-10",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    out = subprocess.run(
        ["pdftotext", str(tmp_path / "withdrawal-request-r1.pdf"), "-"], capture_output=True, check=True
    ).stdout.decode()
    out = " ".join(out.split())
    assert "Retiro mi solicitud de audiencia ante la Oficina Independiente de Apelaciones del IRS" in out
    assert (
        "Apelaciones recibió mi solicitud de audiencia el 8 de diciembre de 2004. La retiro completa:" in out
    )
    assert "Firma del contribuyente" in out and "Firma del cónyuge (declaración conjunta)" in out
    assert "la presentación del gravamen" in out.lower()
