"""Transcripts in through a real browser (issue 17): Playwright driving Debian's Chromium
against uvicorn on 127.0.0.1 with the demo data. A representative uploads account
transcripts (text, and a PDF), sees the review list, gives the full TIN, stores the case,
then confirms an item on the case page; axe-core on every page at desktop and phone width.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.server import CHROMIUM, Running

pytest.importorskip("playwright")
if not Path(CHROMIUM).exists():  # pragma: no cover - .ci/run installs it
    pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium", pytrace=False)

from playwright.sync_api import Browser, Locator, Page, expect  # noqa: E402

from tests.web.test_browser import axe_problems, sign_in  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "transcripts" / "data"
PAGED = DATA / "rivera-1040-2020-2021-paged.txt"
TIN = "987-65-4321"


def field(page: Page, label: str) -> Locator:
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \(required\))?$"))


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_a_representative_takes_in_transcripts_and_confirms_an_item(
    server: Running, browser: Browser, width: int, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, server.url, "rep")
    problems: dict[str, list[str]] = {}
    wide: list[str] = []
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))

    def check(what: str) -> None:
        found = axe_problems(page)
        if found:
            problems[what] = found
        if page.evaluate("document.documentElement.scrollWidth") > width:
            wide.append(what)

    page.get_by_role("link", name="Take in transcripts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Take in a case from account transcripts")
    check("upload")
    page.get_by_role("button", name="Read the transcripts").click()  # no file: the error by the field
    expect(page.get_by_role("alert")).to_contain_text("choose one or more account transcripts")
    check("upload with errors")
    page.get_by_label(re.compile("^Account transcripts")).set_input_files(str(PAGED))
    page.get_by_role("button", name="Read the transcripts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the case read from the transcripts")
    expect(page.get_by_role("heading", name=re.compile("^Review list: 15 items"))).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"{PAGED.name}, line 40")
    check("preview")
    # store without the TIN: refused, the field says why
    field(page, "Name").fill("Dana Rivera")
    page.get_by_role("button", name="Store the case and its review list").click()
    tin_box = field(page, "Full identification number (SSN, ITIN or EIN)")
    expect(tin_box).to_have_attribute("aria-invalid", "true")
    expect(tin_box).to_have_accessible_description(re.compile("the full TIN is needed"))
    check("preview with errors")
    tin_box.fill(TIN)
    page.get_by_label("Store it even if it is already stored").check()
    page.get_by_role("button", name="Store the case and its review list").click()
    expect(
        page.get_by_role("heading", name=re.compile("^Transcript review list: 14 of 14 open"))
    ).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(TIN)
    check("case page with its review list")
    row = page.locator("tr", has_text=f"{PAGED.name}, line 40")
    row.get_by_label(re.compile("^Note")).fill("withholding: no CDP fact")
    row.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(
        page.get_by_role("heading", name=re.compile("^Transcript review list: 13 of 14 open"))
    ).to_be_visible()
    expect(page.locator("main")).to_contain_text("confirmed by rep")
    check("case page after a confirmation")
    assert not any(TIN in u or "987654321" in u for u in urls), [u for u in urls if "987" in u]
    context.close()
    assert problems == {}, problems
    assert wide == [], f"wider than {width}px: {wide}"


def test_a_pdf_transcript_reads_as_its_text(server: Running, browser: Browser, tmp_path: Path) -> None:
    import shutil

    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is missing: scripts/system-deps installs it", pytrace=False)
    from weasyprint import HTML

    text = PAGED.read_text()
    pdf = tmp_path / "rivera.pdf"
    pages = [p.replace("&", "&amp;").replace("<", "&lt;") for p in text.split("\f")]
    body = "".join(f"<pre style='font: 7pt monospace; page-break-after: always'>{p}</pre>" for p in pages)
    HTML(string=body).write_pdf(pdf)
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server.url, "appeals")
    page.goto(f"{server.url}/intake")
    page.get_by_role("link", name="Take in a case from IRS account transcripts").click()
    page.get_by_label(re.compile("^Account transcripts")).set_input_files(str(pdf))
    page.get_by_role("button", name="Read the transcripts").click()
    expect(page.get_by_role("heading", name=re.compile("^Review list: 15 items"))).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        "2 tax periods, 20 transaction lines, 14 with a cited meaning"
    )
    context.close()


def es_field(page: Page, label: str) -> Locator:
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \(obligatorio\))?$"))


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_a_representative_takes_in_transcripts_in_spanish(
    server: Running, browser: Browser, width: int
) -> None:
    """Issue 16: the same road in a browser set to Spanish: every page in Spanish (no English
    word outside what is marked lang="en": the transcript lines as the IRS prints them, the
    case JSON), the parser's messages in Spanish, axe at desktop and phone width."""
    from tests.web.test_browser_es import sign_in_es
    from tests.web.test_browser_es_crawl import no_english

    context = browser.new_context(locale="es-US", viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in_es(page, server.url, "rep")
    problems: dict[str, list[str]] = {}
    wide: list[str] = []
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))

    def check(what: str) -> str:
        found = axe_problems(page)
        if found:
            problems[what] = found
        if page.evaluate("document.documentElement.scrollWidth") > width:
            wide.append(what)
        return no_english(page)

    page.get_by_role("link", name="Registrar desde transcripciones").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Registrar un caso desde transcripciones de cuenta"
    )
    check("upload")
    page.get_by_role("button", name="Leer las transcripciones").click()
    expect(page.get_by_role("alert")).to_contain_text("No se guardó nada: hay 1 problema")
    expect(page.get_by_role("alert")).to_contain_text("elija una o más transcripciones de cuenta")
    check("upload with errors")
    page.get_by_label(re.compile("^Transcripciones de cuenta")).set_input_files(str(PAGED))
    page.get_by_role("button", name="Leer las transcripciones").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revise el caso leído de las transcripciones")
    expect(page.get_by_role("heading", name=re.compile("^Lista de revisión: 15 puntos"))).to_be_visible()
    text = check("preview")
    assert f"{PAGED.name}, línea 40" in text and "el TC 806 no está en la tabla de códigos" in text
    assert "2 períodos tributarios, 20 líneas de transacción, 14 con un significado citado" in text
    # the transcript line itself is the IRS's English, marked so
    expect(page.locator('td span[lang="en"]', has_text="W-2 or 1099 withholding")).to_have_count(1)
    es_field(page, "Nombre").fill("Dana Rivera")
    page.get_by_role("button", name="Guardar el caso y su lista de revisión").click()
    tin_box = es_field(page, "Número de identificación completo (SSN, ITIN o EIN)")
    expect(tin_box).to_have_attribute("aria-invalid", "true")
    expect(tin_box).to_have_accessible_description(re.compile("se necesita el TIN completo"))
    text = check("preview with errors")
    assert "el TC 806 no está en la tabla de códigos" in text  # read back from the posted list
    tin_box.fill(TIN)
    page.get_by_label("Guardarlo aunque ya esté guardado").check()
    page.get_by_role("button", name="Guardar el caso y su lista de revisión").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+#reviews-h$"))
    expect(page.locator("main")).not_to_contain_text(TIN)
    assert not any(TIN in u or "987654321" in u for u in urls), [u for u in urls if "987" in u]
    context.close()
    assert problems == {}, problems
    assert wide == [], f"wider than {width}px: {wide}"
