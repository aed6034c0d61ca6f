"""Letter 4383 read back from its PDF: the facts of letters.md items 1-8, CDP versus
equivalent hearing, full versus partial, deterministic bytes, and a look at page one."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from cdpdesk.contract import load_case
from cdpdesk.desk.settings import SAMPLE_CONTACT
from cdpdesk.engine import analyze
from cdpdesk.letters import facts
from cdpdesk.letters.facts import LetterError
from cdpdesk.letters.render import Rendered, render_4383, render_withdrawal_request
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "withdrawal-cdp.json"
CASES = ROOT / "tests" / "desk" / "cases"
DAY = dt.date(2024, 6, 14)


def _snapshot(path: Path, withdrawal: str, when: dt.date = DAY) -> dict[str, Any]:
    case = load_case(path.read_bytes())
    analysis = analyze(case, facts.as_of_for(case, when))
    return facts.letter_4383_snapshot(
        case, analysis, withdrawal, when, dict(SAMPLE_CONTACT), case_ref="CDP Desk case 7"
    )


@cache
def _letter(name: str, withdrawal: str) -> Rendered:
    path = EXAMPLE if name == "example" else CASES / name
    return render_4383(_snapshot(path, withdrawal))


def _text(pdf: bytes, tmp_path: Path) -> str:
    """pdftotext when installed (CI installs poppler-utils), else pypdf; whitespace folded."""
    if shutil.which("pdftotext"):
        src = tmp_path / "l.pdf"
        src.write_bytes(pdf)
        out = subprocess.run(["pdftotext", str(src), "-"], capture_output=True, check=True).stdout
        raw = out.decode()
    else:
        import io

        raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", raw)


def _upper_right(pdf: bytes, tmp_path: Path) -> str:
    """The upper right block of page one, read line by line (label beside value)."""
    src = tmp_path / "ur.pdf"
    src.write_bytes(pdf)
    crop = ["-f", "1", "-l", "1", "-r", "72", "-x", "300", "-y", "0", "-W", "320", "-H", "200"]
    out = subprocess.run(
        ["pdftotext", "-layout", *crop, str(src), "-"], capture_output=True, check=True
    ).stdout
    return re.sub(r"\s+", " ", out.decode())


def test_cdp_letter_carries_items_1_to_8(tmp_path: Path) -> None:
    pdf = _letter("example", "e3").pdf
    text = _text(pdf, tmp_path)
    pages = len(PdfReader(__import__("io").BytesIO(pdf)).pages)
    # 1. header, office address, letter date
    assert "Department of the Treasury Internal Revenue Service Independent Office of Appeals" in text
    for line in SAMPLE_CONTACT["office"]:
        assert line in text
    assert "June 14, 2024" in text
    block = _upper_right(pdf, tmp_path)
    assert block.strip().startswith("Keep this box") and "Date: June 14, 2024" in block
    # 2. upper right block: contact, employee id, phone, fax, hours, masked TIN, form, period
    for label, value in (
        ("Person to contact:", SAMPLE_CONTACT["name"]),
        ("Employee ID:", SAMPLE_CONTACT["employee_id"]),
        ("Phone:", SAMPLE_CONTACT["phone"]),
        ("Fax:", SAMPLE_CONTACT["fax"]),
        ("Taxpayer ID number:", "XXX-XX-6789"),
        ("Tax form:", "1040"),
        ("Tax period:", "December 31, 2019"),
    ):
        assert f"{label} {value}" in block
    assert "Hours: Monday to Friday" in block
    assert "123-45-6789" not in text and "123456789" not in text
    # 3. taxpayer name and address
    assert "Avery Quinn 12 Elm St Springfield IL 62701" in text
    # 4. what happened: the date, the kind of hearing, what it was about, the period
    assert (
        "On June 10, 2024, the Independent Office of Appeals received your signed request to withdraw" in text
    )
    assert "Collection Due Process (CDP) hearing about the proposed levy" in text
    assert "Form 1040, tax period ending December 31, 2019" in text
    assert "This ends your whole hearing request" in text
    # 5. what it means for a CDP hearing, with the CSED
    assert "Appeals will not make a determination" in text
    assert "legal and administrative rules" in text
    assert "You cannot ask the United States Tax Court to review" in text
    assert "hold on levy" in text and "collection statute is no longer on hold" in text
    assert "February 1, 2031" in text
    assert "Collection Appeals Program" in text and "back to the IRS Collection office" in text
    assert "decision letter" not in text
    # 6. what to do next
    assert f"call {SAMPLE_CONTACT['name']} at {SAMPLE_CONTACT['phone']}" in text
    assert "installment agreement" in text and "five years after the offer was accepted" in text
    # 7. where to get help
    assert (
        "Taxpayer Advocate Service" in text
        and "taxpayeradvocate.irs.gov" in text
        and "1-877-777-4778" in text
    )
    assert "Low Income Taxpayer Clinics" in text and "Publication 4134" in text
    # 8. footer with the revision and the page count
    assert "Letter 4383 (Rev. 11-2026)" in text
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text


def test_equivalent_hearing_letter_says_no_decision_letter_and_no_suspension(tmp_path: Path) -> None:
    text = _text(_letter("equivalent.json", "e3").pdf, tmp_path)
    assert "equivalent hearing about the proposed levy" in text
    assert "you will not get a decision letter" in text
    assert "did not put the collection statute on hold" in text
    assert "Notice of Determination" not in text and "Collection Due Process" not in text
    assert "XX-XXX6789" in text and "12-3456789" not in text
    assert (
        "Tax form: 941" in _upper_right(_letter("equivalent.json", "e3").pdf, tmp_path)
        and "Collection Appeals Program" in text
    )


def test_partial_withdrawal_names_only_the_withdrawn_period_and_what_remains(tmp_path: Path) -> None:
    text = _text(_letter("partial-lien-levy.json", "w1").pdf, tmp_path)
    assert "CDP) hearing about the lien filing and the proposed levy for this tax period" in text
    assert "You withdrew only part of your hearing request" in text
    withdrawn, remaining = text.split("You withdrew only part", 1)
    assert "December 31, 2019" in withdrawn and "December 31, 2020" not in withdrawn.split("Dear", 1)[1]
    assert "Form 1040, tax period ending December 31, 2020 The lien filing and the proposed levy" in remaining
    assert "Tax period: December 31, 2019" in _upper_right(
        _letter("partial-lien-levy.json", "w1").pdf, tmp_path
    )
    assert "This ends your whole hearing request" not in text


def test_rendering_twice_gives_the_same_bytes() -> None:
    snap = _snapshot(EXAMPLE, "e3")
    a, b = render_4383(snap), render_4383(json.loads(json.dumps(snap)))
    assert a.pdf == b.pdf and a.html == b.html and a.sha256 == b.sha256
    import io

    meta = PdfReader(io.BytesIO(a.pdf)).metadata
    assert meta is not None and meta.creation_date == dt.datetime(2024, 6, 14, tzinfo=dt.UTC)
    assert meta.modification_date == meta.creation_date


@pytest.mark.parametrize(
    ("path", "event", "message"),
    [
        (CASES / "oral.json", "e3", "is oral"),
        (EXAMPLE, "e2", "not a hearing_withdrawal"),
        (EXAMPLE, "zz", "no event 'zz'"),
    ],
)
def test_letters_that_cannot_be_made_say_why(path: Path, event: str, message: str) -> None:
    with pytest.raises(LetterError, match=message):
        _snapshot(path, event)


def test_letter_date_before_receipt_is_refused() -> None:
    with pytest.raises(LetterError, match="before the withdrawal was received"):
        _snapshot(EXAMPLE, "e3", dt.date(2024, 6, 1))


def test_a_repeated_withdrawal_points_to_the_one_in_effect() -> None:
    data = json.loads(EXAMPLE.read_text())
    data["events"].append(
        {"id": "e4", "type": "hearing_withdrawal", "received": "2024-06-11", "request": "e2"}
    )
    case = load_case(json.dumps(data))
    analysis = analyze(case, DAY)
    with pytest.raises(LetterError, match="repeats withdrawal 'e3'"):
        facts.letter_4383_snapshot(case, analysis, "e4", DAY, dict(SAMPLE_CONTACT))


def test_withdrawal_request_has_the_form_12256_facts(tmp_path: Path) -> None:
    case = load_case((CASES / "partial-lien-levy.json").read_bytes())
    analysis = analyze(case, facts.as_of_for(case, DAY))
    # the request still has 1040-2020 open (w1 withdrew 2019 only)
    screen = facts.withdrawal_request_data(case, analysis, "r1", None, None, full_tin=False)
    assert screen["taxpayer"]["tin_masked"] == "XXX-XX-4321" and "tin" not in screen["taxpayer"]
    printable = facts.withdrawal_request_data(case, analysis, "r1", ["1040-2020"], ["levy"], full_tin=True)
    text = _text(render_withdrawal_request(printable, DAY.isoformat()).pdf, tmp_path)
    assert "Morgan Lee" in text and "987-65-4321" in text and "400 Oak Ave Apt 2" in text
    assert "received my hearing request on March 25, 2024" in text
    assert "Form 1040, tax period ending December 31, 2020 The proposed levy" in text
    assert "Tax Court" in text and "Collection Appeals Program" in text
    for line in (
        "Taxpayer's signature",
        "Spouse's signature (joint return)",
        "Authorized representative's signature",
    ):
        assert line in text


def test_page_one_as_a_picture(tmp_path: Path) -> None:
    """pdftoppm turns page one into a PNG (docs/images/letter-4383.png is one such)."""
    assert shutil.which("pdftoppm"), "pdftoppm is missing: apt-get install poppler-utils"
    src = tmp_path / "l.pdf"
    src.write_bytes(_letter("example", "e3").pdf)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(src), str(tmp_path / "p")], check=True
    )
    png = next(tmp_path.glob("p*.png")).read_bytes()
    assert png.startswith(b"\x89PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (425, 550)  # US Letter at 50 dpi
    assert (ROOT / "docs" / "images" / "letter-4383.png").is_file()


def test_the_pdf_is_tagged_with_its_language_and_title() -> None:
    import io

    reader = PdfReader(io.BytesIO(_letter("example", "e3").pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root  # structure tags a screen reader can follow
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert (
        reader.metadata is not None
        and reader.metadata.title == "Letter 4383: we received your hearing withdrawal"
    )
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])


def test_on_a_phone_screen_the_contact_box_does_not_cover_the_letterhead() -> None:
    html = _letter("example", "e3").html
    text = html if isinstance(html, str) else html.decode()
    screen = text[text.index("@media screen and (max-width: 7in)") :]
    assert ".agency, .contact, .window { position: static;" in screen
